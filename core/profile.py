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

from core.schema import LABELS, NUMERIC, Kind, Schema

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
    """One row per column: column, kind, reason, missing %, unique, summary, distribution, flags.

    Numeric columns are measured together, a block of columns at a time as one sorted array
    (distinct values are the steps between neighbours, min and max its finite ends), so a table of
    10,000 columns takes seconds rather than a pandas call per statistic per column."""
    overrides, excluded = schema.overrides, set(schema.excluded)  # computed once, not per column
    missing = df.isna().sum().to_numpy()
    numeric = [i for i, (c, dtype) in enumerate(df.dtypes.items())
               if schema.kinds[c] in NUMERIC and pd.api.types.is_numeric_dtype(dtype)]
    measured = _numeric_stats(df, numeric)
    rows = []
    for i, column in enumerate(df.columns):
        kind, n_missing = schema.kinds[column], int(missing[i])
        n_unique, flags, summary, distribution = measured[i] if i in measured else _other_stats(
            df.iloc[:, i], kind, n_missing)
        if n_unique == 1:
            flags.insert(0, "constant")
        if n_missing == len(df):
            flags.insert(0, "all missing")
        if column == schema.target:
            flags.append("target")
        if column in excluded:
            flags.append("excluded")
        if column in overrides:
            flags.append(f"was {overrides[column][0]}")
        rows.append({"column": column, "kind": kind, "reason": schema.reasons.get(column, "set by you"),
                     "missing %": 100.0 * n_missing / len(df) if len(df) else 0.0, "unique": n_unique,
                     "summary": summary, "distribution": distribution, "flags": ", ".join(flags)})
    return pd.DataFrame(rows, columns=["column", "kind", "distribution", "missing %", "unique", "summary",
                                       "flags", "reason"])


_BLOCK_VALUES = 4_000_000  # values sorted at once (32 MB of floats)


def _numeric_stats(df: pd.DataFrame, positions: list[int]) -> dict[int, tuple[int, list[str], str, list[int]]]:
    """{position: (distinct count, flags, summary, distribution)} for numeric columns."""
    out = {}
    step = max(1, _BLOCK_VALUES // max(len(df), 1))
    for start in range(0, len(positions), step):
        block = positions[start:start + step]
        # One row per column, each sorted; NaN sorts last.
        values = np.sort(df.iloc[:, block].to_numpy(dtype=float, na_value=np.nan).T, axis=1)
        observed, finite = ~np.isnan(values), np.isfinite(values)
        # distinct finite values: infinite ones are no measurement, and fitting counts them as missing
        n_unique = finite[:, :1].sum(axis=1) + ((values[:, 1:] != values[:, :-1]) & finite[:, 1:]).sum(axis=1)
        n_inf = observed.sum(axis=1) - finite.sum(axis=1)
        for row, position in enumerate(block):
            flags = [_infinite(n_inf[row])] if n_inf[row] else []
            column = values[row][finite[row]]  # sorted finite values
            summary, distribution = "", []
            if len(column):
                summary = f"min {_num(column[0])} · mean {_num(column.mean())} · max {_num(column[-1])}"
                if n_unique[row] <= HIST_BINS:  # few values: one bar per value, in order
                    distribution = np.unique(column, return_counts=True)[1].tolist()
                else:
                    distribution = np.histogram(column, bins=HIST_BINS)[0].tolist()
            out[position] = (int(n_unique[row]), flags, summary, distribution)
    return out


def _other_stats(series: pd.Series, kind: str, n_missing: int) -> tuple[int, list[str], str, list[int]]:
    """(distinct count, flags, summary, distribution) for a date, label or text column."""
    observed = series.dropna() if n_missing else series
    flags, summary, distribution = [], "", []
    if pd.api.types.is_float_dtype(observed.dtype) and not np.isfinite(observed).all():  # (a 0/1 column with ±inf)
        finite = np.isfinite(observed)
        flags.append(_infinite(int((~finite).sum())))
        observed = observed[finite]
    n_unique = int(observed.nunique())
    if kind == Kind.DATETIME and pd.api.types.is_datetime64_any_dtype(series) and not observed.empty:
        summary = f"{observed.min():%Y-%m-%d} → {observed.max():%Y-%m-%d}"
        # Offsets from the first instant (the index's integers are UTC for zoned columns): as floats
        # the raw epoch integers are too coarse to split a narrow range into 20 bins.
        ticks = pd.DatetimeIndex(observed).asi8
        distribution = np.histogram((ticks - ticks.min()).astype(float), bins=HIST_BINS)[0].tolist()
    elif kind in LABELS and not observed.empty:
        counts = observed.value_counts()
        summary = " · ".join(f"{_label(v)} {n / len(observed):.0%}" for v, n in counts.head(3).items())
        if len(counts) > 3:
            summary += f" · +{len(counts) - 3} more"
        distribution = counts.head(TOP_CATEGORIES).tolist()
        if n_unique > HIGH_CARDINALITY:
            flags.append("high cardinality")
    elif not observed.empty:
        summary = f"e.g. {_label(observed.iloc[0])}"
    return n_unique, flags, summary, distribution


def _infinite(count: int) -> str:
    return f"{count:,} infinite (fitting counts them as missing)"


def _num(x: float) -> str:
    """4 significant digits; thousands grouped only from 100,000 up, so years read as 2007."""
    if abs(x) >= 1e9:
        return f"{x:.3g}"
    return f"{x:,.0f}" if abs(x) >= 1e5 else f"{x:.4g}"


def _label(value: object, width: int = 18) -> str:
    text = str(value)
    return text if len(text) <= width else text[: width - 1] + "…"
