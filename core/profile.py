"""Per-column profile of a table: what the Data page shows for every column.

For each column: its kind and the reason it was inferred, missing share, distinct count,
a short summary (min, mean and max for numbers and dates; the most common values for labels),
the counts behind a small distribution chart (a 20-bin histogram for numbers and dates, the
top categories' counts for labels) and flags that call for attention: all missing, constant,
infinite values, high cardinality, excluded, target.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.schema import NUMERIC_KINDS, Schema

HIST_BINS = 20
TOP_CATEGORIES = 12
HIGH_CARDINALITY = 50


@dataclass(frozen=True)
class TableSummary:
    rows: int
    columns: int
    missing_cells: int
    memory_bytes: int

    @property
    def missing_share(self) -> float:
        cells = self.rows * self.columns
        return self.missing_cells / cells if cells else 0.0


def summarize(df: pd.DataFrame) -> TableSummary:
    return TableSummary(rows=len(df), columns=df.shape[1], missing_cells=int(df.isna().to_numpy().sum()),
                        memory_bytes=memory_bytes(df))


def memory_bytes(df: pd.DataFrame, *, sample: int = 100_000) -> int:
    """Memory the table takes. Text columns are measured on a sample of rows and scaled up,
    because measuring every Python string of a million-row column takes most of a second."""
    if len(df) <= sample:
        return int(df.memory_usage(deep=True, index=False).sum())
    shallow = df.memory_usage(deep=False, index=False)
    text = [c for c in df.columns if df[c].dtype == object]
    if not text:
        return int(shallow.sum())
    rows = df[text].iloc[np.linspace(0, len(df) - 1, sample).astype(int)]
    per_row = rows.memory_usage(deep=True, index=False).sum() / sample
    return int(shallow.drop(text).sum() + per_row * len(df))


def profile(df: pd.DataFrame, schema: Schema) -> pd.DataFrame:
    """One row per column: column, kind, reason, missing %, unique, summary, distribution, flags."""
    rows = [_profile_column(df[c], c, schema) for c in df.columns]
    return pd.DataFrame(rows, columns=["column", "kind", "distribution", "missing %", "unique", "summary",
                                       "flags", "reason"])


def _profile_column(series: pd.Series, column: str, schema: Schema) -> dict:
    kind = schema.kinds[column]
    observed = series.dropna()
    flags = []
    if observed.empty:
        flags.append("all missing")
    n_unique = int(observed.nunique())
    if n_unique == 1:
        flags.append("constant")
    summary, distribution = "", []
    if kind in NUMERIC_KINDS and pd.api.types.is_numeric_dtype(series) and not observed.empty:
        values = observed.to_numpy(dtype=float)
        finite = values[np.isfinite(values)]
        n_inf = len(values) - len(finite)
        if n_inf:
            flags.append(f"{n_inf:,} infinite")
        if len(finite):
            summary = f"min {_num(finite.min())} · mean {_num(finite.mean())} · max {_num(finite.max())}"
            if n_unique <= HIST_BINS:  # few values: one bar per value, in order
                distribution = pd.Series(finite).value_counts().sort_index().tolist()
            else:
                distribution = np.histogram(finite, bins=HIST_BINS)[0].tolist()
    elif kind == "datetime" and pd.api.types.is_datetime64_any_dtype(series) and not observed.empty:
        summary = f"{observed.min():%Y-%m-%d} → {observed.max():%Y-%m-%d}"
        distribution = np.histogram(observed.to_numpy().astype("datetime64[ns]").astype(np.int64),
                                    bins=HIST_BINS)[0].tolist()
    elif kind in ("binary", "categorical") and not observed.empty:
        counts = observed.value_counts()
        summary = " · ".join(f"{_label(v)} {n / len(observed):.0%}" for v, n in counts.head(3).items())
        if len(counts) > 3:
            summary += f" · +{len(counts) - 3} more"
        distribution = counts.head(TOP_CATEGORIES).tolist()
        if n_unique > HIGH_CARDINALITY:
            flags.append("high cardinality")
    elif not observed.empty:
        summary = f"e.g. {_label(observed.iloc[0])}"
    if column == schema.target:
        flags.append("target")
    if column in schema.excluded:
        flags.append("excluded")
    if column in schema.overrides:
        flags.append(f"was {schema.overrides[column][0]}")
    return {"column": column, "kind": kind, "reason": schema.reasons.get(column, "set by you"),
            "missing %": 100.0 * (1 - len(observed) / len(series)) if len(series) else 0.0,
            "unique": n_unique, "summary": summary, "distribution": distribution, "flags": ", ".join(flags)}


def _num(x: float) -> str:
    """4 significant digits; thousands grouped only from 100,000 up, so years read as 2007."""
    if abs(x) >= 1e9:
        return f"{x:.3g}"
    return f"{x:,.0f}" if abs(x) >= 1e5 else f"{x:.4g}"


def _label(value: object, width: int = 18) -> str:
    text = str(value)
    return text if len(text) <= width else text[: width - 1] + "…"
