"""One generation, as the page, the command line and recipes run it: fit, sample, derive, apply rules
(``generate``); and more rows from a model already fitted (``draw``)."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from core.errors import DataError, ParameterError
from core.schema import Schema
from core.synth import METHODS, Synthesizer
from core.synth.conditions import read_conditions
from core.synth.guard import Guard, Guarding, with_fresh_ids
from core.synth.neural import TrainingMonitor
from core.synth.rules import Expression, RuleReport, derive, parse, quote, sample_with_rules


@dataclass
class Generated:
    table: pd.DataFrame
    fit_seconds: float
    sample_seconds: float
    notes: list[str] = field(default_factory=list)
    rule_report: list[RuleReport] = field(default_factory=list)
    model: Synthesizer | None = None


_DEFINITION = re.compile(r"\s*(?:`([^`]+)`|([^=<>!:`]+?))\s*=(?!=)(.*)", re.DOTALL)


def parse_derived(lines: list[str], columns: list[str], *, random: bool = False) -> list[tuple[str, Expression]]:
    """'name = expression' lines (a name that is not an identifier in back-ticks); each may use the columns and
    the derived columns before it (and random terms, with ``random``: see ``core.synth.rules``)."""
    out, known = [], list(columns)
    for line in lines:
        match = _DEFINITION.fullmatch(line)
        name = match and (match.group(1) or match.group(2)).strip()
        if not name:  # no name, or a comparison such as 'a == b' or 'x <= 1'
            raise ParameterError(f"{quote(line)} is not a derived column.",
                                 hint="Write it as: name = expression (a name with spaces in back-ticks)")
        out.append((name, parse(match.group(3).strip(), known, random=random)))
        known.append(name)
    return out


def draw(model: Synthesizer, n: int, *, rng: Any = None, rules: list[str] | None = None,
         derived: list[str] | None = None, conditions: dict[str, Any] | None = None,
         quotas: dict[str, dict[Any, int]] | None = None, guard: Guarding | None = None
         ) -> tuple[pd.DataFrame, list[RuleReport]]:
    """``n`` rows from a fitted model, with the derived columns added, only rows that keep the rules and meet the
    ``conditions`` (see :mod:`core.synth.conditions`), exactly ``quotas`` rows per value of one column
    ({column: {value: rows}}, adding up to ``n``), and through the privacy ``guard``."""
    columns = list(model.output_columns_)
    formulas = parse_derived([d for d in (derived or []) if d.strip()], columns)
    checks = [parse(r, columns + [name for name, _ in formulas]) for r in (rules or []) if r.strip()]
    if checks and model.keeps_real_rows(model.params_):
        raise DataError(f"Business rules filter fully synthetic rows, but {model.title} with these settings keeps the "
                        "real rows as they are.", hint="Change the settings (such as replace mode), or remove the "
                                                       "rules.")
    generator = np.random.default_rng(rng)
    if quotas:
        return _by_quota(model, n, quotas, generator, lambda k, wanted: draw(
            model, k, rng=generator, rules=rules, derived=derived, conditions=wanted, guard=guard), conditions)
    conditions = dict(conditions or {})
    if conditions:
        read_conditions(model, conditions)  # (a condition that cannot be met is said before anything is drawn)

    def rows(k: int, g: np.random.Generator) -> pd.DataFrame:
        table = model.sample(k, rng=g, conditions=conditions or None)
        for name, expression in formulas:
            table = derive(table, name, expression)
        return table

    filtering = guard is not None and guard.guard.filters and not model.keeps_real_rows(model.params_)
    if filtering:
        guard.start(n)
    if checks or filtering:
        return sample_with_rules(rows, n, checks, rng=generator, keep=guard.keep if filtering else None)
    return rows(n, generator), []


def _by_quota(model: Synthesizer, n: int, quotas: dict[str, dict[Any, int]], generator: np.random.Generator,
              drawn: Any, conditions: dict[str, Any] | None) -> tuple[pd.DataFrame, list[RuleReport]]:
    """Exactly the rows asked for per value of one column, each drawn under that value as a condition, shuffled."""
    if len(quotas) != 1:
        raise ParameterError("Quotas count rows per value of one column.")
    (column, counts), = quotas.items()
    if column in (conditions or {}):
        raise ParameterError(f"'{column}' has both quotas and a condition: give one of them.")
    wanted = {value: count for value, count in counts.items() if count}
    if any(not isinstance(c, (int, np.integer)) or isinstance(c, bool) or c < 0 for c in counts.values()):
        raise ParameterError(f"The rows per value of '{column}' must be whole numbers of zero or more.")
    if sum(wanted.values()) != n:
        raise ParameterError(f"The rows per value of '{column}' add up to {sum(wanted.values()):,}, not the {n:,} rows "
                             "asked for.")
    parts, reports = [], []
    for value, count in wanted.items():
        table, report = drawn(int(count), {**(conditions or {}), column: value})
        parts.append(table)
        reports += report
    out = pd.concat(parts, ignore_index=True)
    return out.iloc[generator.permutation(len(out))].reset_index(drop=True), reports


def generate(df: pd.DataFrame, schema: Schema, method: str, params: dict[str, Any], n: int, *, rng: Any = None,
             rules: list[str] | None = None, derived: list[str] | None = None,
             monitor: TrainingMonitor | None = None, conditions: dict[str, Any] | None = None,
             quotas: dict[str, dict[Any, int]] | None = None, guard: Guard | None = None,
             holdout: pd.DataFrame | None = None) -> Generated:
    """Fit ``method`` on ``df`` and draw ``n`` rows. An integer ``rng`` also seeds the fitting (the neural
    models' training); ``monitor`` follows and stops a neural model's training. ``guard`` (off by default) filters
    the rows drawn, measured against ``df`` and the real ``holdout``; see :func:`draw` for the rest."""
    if method not in METHODS:
        raise ParameterError(f"Unknown method '{method}'.", hint="Use one of: " + ", ".join(METHODS) + ".")
    generator = np.random.default_rng(rng)
    model = METHODS[method](**params)
    seed = int(rng) if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool) else 0
    start = time.perf_counter()
    model.fit(df, schema, seed=seed, monitor=monitor)
    fit_seconds = time.perf_counter() - start
    start = time.perf_counter()
    table, report, notes = draw_guarded(model, n, df, schema, rng=generator, rules=rules, derived=derived,
                                        conditions=conditions, quotas=quotas, guard=guard, holdout=holdout)
    sample_seconds = time.perf_counter() - start
    return Generated(table=table, fit_seconds=fit_seconds, sample_seconds=sample_seconds,
                     notes=model.notes() + notes, rule_report=report, model=model)


def draw_guarded(model: Synthesizer, n: int, train: pd.DataFrame, schema: Schema, *, rng: Any = None,
                 rules: list[str] | None = None, derived: list[str] | None = None,
                 conditions: dict[str, Any] | None = None, quotas: dict[str, dict[Any, int]] | None = None,
                 guard: Guard | None = None, holdout: pd.DataFrame | None = None
                 ) -> tuple[pd.DataFrame, list[RuleReport], list[str]]:
    """:func:`draw` with the privacy ``guard`` measured against ``train`` (the rows the model learned from) and the
    real ``holdout``, and fresh identifier keys when the guard asks for them: (rows, rule report, the guard's
    note)."""
    generator = np.random.default_rng(rng)
    guarding = Guarding(guard, train, schema, list(model.output_columns_), holdout) if guard is not None else None
    table, report = draw(model, n, rng=generator, rules=rules, derived=derived, conditions=conditions,
                         quotas=quotas, guard=guarding)
    if guarding is None:
        return table, report, []
    if guard.ids == "fresh":
        table = with_fresh_ids(table, train, schema, generator)
    return table, report, guarding.note()
