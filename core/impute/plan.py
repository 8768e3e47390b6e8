"""Imputing a whole table: one method for every column, or one per column, optionally under business rules.

A plan maps columns to (method key, parameters). ``plan_for`` builds the plan for "one method
for all columns": columns the method cannot fill get a sensible stand-in (the most frequent
value for labels and dates, the median for numbers), and the plan says so. ``impute`` applies a
plan; each column's holes are filled by its own method, observed cells never change.

**Rules.** An imputed value can be impossible for its row although every value is a real one: PMM
copies a donor's REM sleep into a row whose total sleep is shorter. Rules are expressions in the
syntax of :mod:`core.synth.rules` (``sleep_rem <= sleep_total``). A row that keeps every rule on its
observed values (a hole makes a rule *unknown*, which passes) but breaks one once imputed gets its
imputed cells in the rules' columns drawn again, from a fresh run of the plan (another donor,
another draw), for at most ``MAX_REDRAWS`` rounds; a method that draws nothing at random (mean,
kNN) is not run again, as it would give the same value. What is still broken is reported row by
row, and so are rows whose observed values already break a rule: imputation leaves those as
they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from core.errors import ParameterError
from core.schema import EXCLUDED_BY_DEFAULT, Kind, Schema, without_infinities

if TYPE_CHECKING:
    from core.synth.rules import RuleReport

MAX_REDRAWS = 10
FALLBACK = {Kind.CONTINUOUS: "median", Kind.INTEGER: "median", Kind.BINARY: "mode", Kind.CATEGORICAL: "mode",
            Kind.DATETIME: "mode"}


@dataclass(frozen=True)
class Step:
    column: str
    method: str
    params: dict[str, Any]
    note: str = ""


def columns_with_holes(df: pd.DataFrame, schema: Schema) -> list[str]:
    """Columns a plan can fill: partly missing (or infinite), and not an id, free text or excluded column."""
    data, _ = without_infinities(df)
    return [c for c in data.columns if c in schema.kinds and schema.kinds[c] not in EXCLUDED_BY_DEFAULT
            and c not in schema.excluded and data[c].isna().any() and not data[c].isna().all()]


def plan_for(df: pd.DataFrame, schema: Schema, method: str, params: dict[str, Any] | None = None) -> list[Step]:
    """One method for all columns with holes; stand-ins where it does not apply."""
    from core.impute import IMPUTERS

    if method not in IMPUTERS:
        raise ParameterError(f"Unknown imputation method '{method}'.", hint="Use one of: " + ", ".join(IMPUTERS))
    cls = IMPUTERS[method]
    steps = []
    for column in columns_with_holes(df, schema):
        kind = schema.kinds[column]
        if kind in cls.kinds and params is not None and column in params.values():
            steps.append(Step(column, FALLBACK[kind], {}, f"it is the {method} method's own parameter"))
        elif kind in cls.kinds:
            steps.append(Step(column, method, dict(params or {})))
        else:
            steps.append(Step(column, FALLBACK[kind], {}, f"{cls.title} does not fill {kind} columns"))
    return steps


MOSTLY_MISSING = 0.5  # a column missing more than this share of its values is said to be mostly made up


def plan_notes(df: pd.DataFrame, plan: list[Step]) -> dict[str, str]:
    """Per column of ``plan``, what its step does that a user may not expect, said before it runs: a stand-in
    method, a label the column never had (a true/false column then holds labels), or most of its values made up."""
    from core.impute import IMPUTERS
    from core.impute.base import true_false

    notes = {}
    for step in plan:
        said = [f"stand-in: {step.note}"] if step.note else []
        holes = int(df[step.column].isna().sum())
        if holes > MOSTLY_MISSING * len(df):  # (the column's values would be mostly made up)
            said.append(f"{holes:,} of its {len(df):,} values ({holes / len(df):.0%}) would be made up; consider "
                        "leaving the column out on the Data page")
        label = IMPUTERS[step.method].written_label(step.params, df[step.column])
        if label is not None:
            said.append(f"writes {label!r} into a true/false column, which makes it labels" if
                        true_false(df[step.column]) else f"adds the label {label!r}, which the column does not have")
        notes[step.column] = "; ".join(said)
    return notes


@dataclass(frozen=True)
class Imputation:
    """An imputed table, what the rules made of it and what the imputers decided on their own."""

    table: pd.DataFrame
    redrawn: int = 0  # rows whose imputed cells were drawn again because the row broke a rule
    unrepaired: tuple = ()  # row labels whose imputed cells still break a rule after every round
    broken_before: tuple = ()  # row labels whose observed values already break a rule (left as they are)
    reports: tuple[RuleReport, ...] = ()  # per rule, the rows of the imputed table it still rejects
    notices: tuple[str, ...] = ()  # such as infinite values imputed, rare categories grouped


def impute(df: pd.DataFrame, schema: Schema, plan: list[Step], *, rng: Any = None,
           rules: list[str] | None = None) -> Imputation:
    """Apply a plan under business rules (each an expression of :mod:`core.synth.rules`); see the module text."""
    from core.impute import IMPUTERS
    from core.synth.rules import check_rules, parse  # on use: core.synth loads torch

    generator = np.random.default_rng(rng)
    checks = [parse(rule, list(df.columns)) for rule in (rules or []) if rule.strip()]
    table, notices = _fill(df, schema, plan, generator)
    if not checks:
        return Imputation(table, notices=notices)
    imputed = table.notna() & without_infinities(df)[0].isna()  # the cells the plan filled
    read = [c for c in dict.fromkeys(c for check in checks for c in check.columns) if imputed[c].any()]
    kept_before = check_rules(df, checks)[0].to_numpy()  # a hole makes a rule unknown, which passes
    broken = kept_before & ~check_rules(table, checks)[0].to_numpy()
    redrawn = np.zeros(len(df), dtype=bool)
    may_change = any(IMPUTERS[step.method].stochastic for step in plan if step.column in read)
    for _ in range(MAX_REDRAWS if may_change else 0):
        if not broken.any():
            break
        fresh, _ = _fill(df, schema, plan, generator)
        for column in read:  # only the broken rows' imputed cells in the rules' columns take the fresh draw
            table[column] = table[column].mask(broken & imputed[column].to_numpy(), fresh[column])
        redrawn |= broken
        broken &= ~check_rules(table, checks)[0].to_numpy()
    _, reports = check_rules(table, checks)
    return Imputation(table, redrawn=int(redrawn.sum()), unrepaired=tuple(table.index[broken]),
                      broken_before=tuple(df.index[~kept_before]), reports=tuple(reports), notices=notices)


def impute_table(df: pd.DataFrame, schema: Schema, plan: list[Step], *, rng: Any = None,
                 rules: list[str] | None = None) -> pd.DataFrame:
    """The table :func:`impute` fills (its report on the rules left aside)."""
    return impute(df, schema, plan, rng=rng, rules=rules).table


def _fill(df: pd.DataFrame, schema: Schema, plan: list[Step],
          generator: np.random.Generator) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """One run of the plan: multivariate methods see the whole table; steps sharing a method run together."""
    from core.impute import IMPUTERS

    out = df.copy()
    notices: list[str] = []
    groups: dict[tuple[str, tuple], list[str]] = {}
    for step in plan:
        groups.setdefault((step.method, tuple(sorted(step.params.items()))), []).append(step.column)
    for (method, params), columns in groups.items():
        imputer = IMPUTERS[method](**dict(params)).fit(df, schema, columns=columns)
        filled = imputer.transform(df, rng=generator)
        for column in imputer.columns_:
            out[column] = filled[column]
        notices += [n for n in imputer.notices_ if n not in notices]
    return out, tuple(notices)
