"""Imputing a whole table: one method for every column, or one per column.

A plan maps columns to (method key, parameters). ``plan_for`` builds the plan for "one method
for all columns": columns the method cannot fill get a sensible stand-in (the most frequent
value for labels and dates, the median for numbers), and the plan says so. ``impute_table``
applies a plan; each column's holes are filled by its own method, observed cells never change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from core.errors import ParameterError
from core.schema import Schema

FALLBACK = {"continuous": "median", "integer": "median", "binary": "mode", "categorical": "mode",
            "datetime": "mode"}


@dataclass(frozen=True)
class Step:
    column: str
    method: str
    params: dict[str, Any]
    note: str = ""


def columns_with_holes(df: pd.DataFrame, schema: Schema) -> list[str]:
    """Columns a plan can fill: partly missing, and not an id, free text or excluded column."""
    return [c for c in df.columns if c in schema.kinds and schema.kinds[c] not in ("id", "text")
            and c not in schema.excluded and df[c].isna().any() and not df[c].isna().all()]


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


def impute_table(df: pd.DataFrame, schema: Schema, plan: list[Step], *, rng: Any = None) -> pd.DataFrame:
    """Apply a plan. Multivariate methods see the whole table; steps sharing a method run together."""
    from core.impute import IMPUTERS

    generator = np.random.default_rng(rng)
    out = df.copy()
    groups: dict[tuple[str, tuple], list[str]] = {}
    for step in plan:
        groups.setdefault((step.method, tuple(sorted(step.params.items()))), []).append(step.column)
    for (method, params), columns in groups.items():
        imputer = IMPUTERS[method](**dict(params)).fit(df, schema, columns=columns)
        filled = imputer.transform(df, rng=generator)
        for column in imputer.columns_:
            out[column] = filled[column]
    return out
