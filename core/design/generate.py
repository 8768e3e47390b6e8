"""Drawing a scenario's rows: marginals, the target correlation, derived columns, business rules.

Rows are drawn in batches until ``n`` keep every rule (``core.synth.rules.sample_with_rules``, at most
20 rounds, each sized by the pass rate so far). Within a batch every declared column is drawn by its
inverse CDF (``core.design.marginals``); the columns in the target correlation R are tied together
in one of two ways, both on normal scores z = L ε with R = L Lᵀ (the Cholesky factor of the repaired
matrix, ``core.synth.correlation.repair``) and ε ~ N(0, I):

- **copula** (Gaussian copula, Nelsen 2006): u_j = Φ(z_j), x_j = F_j⁻¹(u_j). The normal scores of
  the columns, Φ⁻¹(F_j(x_j)), then have correlation R, and the marginals are exact;
- **cholesky** (Iman & Conover 1982): each column is first drawn on its own, x_j = F_j⁻¹(u_j) with
  independent u_j, then its values are reordered so that their ranks follow the ranks of z_j. The
  values are an exact independent draw of each marginal and the rank (van der Waerden) correlation
  is R; ties (counts, categories) are kept as drawn.

Either way the Pearson correlation of skewed columns is smaller than R (see ``core.synth.statistical``);
the achieved correlation is therefore measured as the target is meant, on normal scores
z = Φ⁻¹(rank/(n + 1)) (``correlation_check``). Categories and binary columns in the matrix are coded
0, 1, 2… in their declared order, dates as days. Derived columns are computed after the draw, in
order, with their random terms drawn from the same generator; rules are checked last.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from core.design.scenario import Column, Scenario, _whole
from core.errors import DataError
from core.limits import limits
from core.params import generator
from core.synth.rules import RuleReport, derive, quote, sample_with_rules
from core.synth.run import derived_notes

EPS = 1e-12
INT64 = 2.0**63  # int64 holds -2⁶³ to 2⁶³ − 1


@dataclass(frozen=True)
class Design:
    """What a generation made: the table, how often each rule rejected a drawn row, and what its derived columns
    did that a user may not have meant (a column with no finite value)."""

    table: pd.DataFrame
    rule_report: list[RuleReport]
    notes: list[str] = field(default_factory=list)


def generate(scenario: Scenario, n: int | None = None, *, rng: Any = None) -> pd.DataFrame:
    """``n`` rows (default: the scenario's ``rows``) from the scenario, seeded by ``rng`` (default: its ``seed``)."""
    return design(scenario, n, rng=rng).table


def design(scenario: Scenario, n: int | None = None, *, rng: Any = None) -> Design:
    """As :func:`generate`, with the rules' report."""
    n = scenario.rows if n is None else _whole(n, "The number of rows", 1, limits().max_rows_generate)
    drawing = generator(scenario.seed if rng is None else rng, "The seed")
    checks = list(scenario.rules)
    table, report = sample_with_rules(lambda k, g: _draw(scenario, k, g), n, checks, rng=drawing) if checks \
        else (_draw(scenario, n, drawing), [])
    names = [name for name, _ in scenario.derived]
    return Design(table, report, derived_notes(table, names, [c.name for c in scenario.columns]))


def _draw(scenario: Scenario, k: int, rng: np.random.Generator) -> pd.DataFrame:
    names = [c.name for c in scenario.columns]
    u = rng.random((k, len(names)))  # independent u ~ U(0, 1), one per row and column
    z = None
    if scenario.correlated:
        lower = np.linalg.cholesky(scenario.correlation + 1e-12 * np.eye(len(scenario.correlated)))  # R = LLᵀ
        z = rng.standard_normal((k, len(scenario.correlated))) @ lower.T  # z = Lε, Cov(z) = R
        if scenario.method == "copula":
            for j, name in enumerate(scenario.correlated):
                u[:, names.index(name)] = np.clip(stats.norm.cdf(z[:, j]), EPS, 1 - EPS)  # u = Φ(z)
    values = {c.name: c.marginal.ppf(u[:, i]) for i, c in enumerate(scenario.columns)}  # x = F⁻¹(u)
    if z is not None and scenario.method == "cholesky":
        for j, name in enumerate(scenario.correlated):
            order = np.argsort(np.argsort(z[:, j], kind="stable"), kind="stable")  # rank of each row's score
            values[name] = _sorted(scenario, name, values[name])[order]  # the i-th smallest value to rank i
    table = pd.DataFrame({c.name: _typed(c, values[c.name]) for c in scenario.columns})
    for name, expression in scenario.derived:
        table = derive(table, name, expression, rng=rng)
    return table


def _sorted(scenario: Scenario, name: str, values: np.ndarray) -> np.ndarray:
    """Values in ascending order; categories in their declared order."""
    return values[np.argsort(_codes(scenario, name, values), kind="stable")]


def _codes(scenario: Scenario, name: str, values: Any) -> np.ndarray:
    """A column as numbers for ranking: categories by declared position, dates as days."""
    column = next(c for c in scenario.columns if c.name == name)
    if column.kind == "categorical":
        position = {v: i for i, v in enumerate(column.marginal.values)}
        return np.array([position.get(v, np.nan) for v in values], dtype=float)
    if column.kind == "datetime":
        return pd.to_datetime(pd.Series(values)).to_numpy().astype("datetime64[D]").astype(float)
    return np.asarray(values, dtype=float)


def _typed(column: Column, values: np.ndarray) -> Any:
    if column.kind in ("integer", "continuous"):
        return _numbers(column, values)
    if column.kind == "binary":
        return values.astype(np.int64)
    if column.kind == "categorical":
        return pd.Series(values, dtype=object)
    return pd.to_datetime(values)


def _numbers(column: Column, values: np.ndarray) -> np.ndarray:
    """A drawn number column as int64 (integer) or float64; DataError for a value that is not finite, or beyond
    int64 in an integer column, rather than an infinite or wrapped-around one."""
    values = values.astype(float)
    finite = np.isfinite(values).all()
    whole = column.kind == "integer"
    if finite and not (whole and (np.abs(values) >= INT64).any()):
        return values.astype(np.int64) if whole else values
    source = column.spec.get("distribution")
    if source is None:
        drawn, smaller = "its histogram", "smaller histogram edges"
    else:
        params = ", ".join(f"{name} {value:g}" for name, value in source["params"].items())
        drawn, smaller = f"its {source['family']} distribution ({params})", "smaller parameters, or bounds"
    if not finite:
        raise DataError(f"Column {quote(column.name)} drew values that are not finite (too large for a number) "
                        f"from {drawn}.", hint=f"Choose {smaller}.")
    raise DataError(f"Column {quote(column.name)} drew values beyond what a whole-number column holds "
                    f"(±{INT64:.1e}) from {drawn}.", hint=f"Make the column continuous, or choose {smaller}.")


def correlation_check(scenario: Scenario, table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the target correlation used, the achieved one) over the correlated columns, on normal scores
    z = Φ⁻¹(rank/(n + 1)) (average ranks for ties)."""
    names = list(scenario.correlated)
    scores = {}
    for name in names:
        ranks = pd.Series(_codes(scenario, name, table[name].to_numpy())).rank(method="average")
        scores[name] = stats.norm.ppf(ranks / (ranks.notna().sum() + 1))  # z = Φ⁻¹(rank/(n + 1))
    achieved = pd.DataFrame(scores).corr() if names else pd.DataFrame()
    return pd.DataFrame(scenario.correlation, index=names, columns=names) if names else pd.DataFrame(), achieved
