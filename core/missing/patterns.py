"""What is missing, and in which combinations: the data behind the Missingness page's views.

Everything here works on the missing-indicator matrix M (M_ij = 1 when cell i, j is missing)
and stays readable on wide and long tables: the nullity matrix is binned to at most a few
hundred row groups (each cell then shows the share missing in its group), the correlation
heatmap and the dendrogram use only columns that are sometimes but not always missing, and
the dendrogram clusters on a row sample.

* Nullity correlation: Pearson correlation of the indicator columns (missingno's heatmap):
  +1 means two columns are missing together, -1 that one is missing exactly when the other is
  present.
* Dendrogram: average-linkage clustering of the indicator columns (as missingno does) on the
  city-block distance, which for 0/1 columns counts the rows where one is missing and the
  other is not, so columns whose holes sit in the same rows join early.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.errors import ParameterError

MATRIX_ROWS = 400  # row groups drawn in the nullity matrix
MATRIX_COLUMNS = 200
DENDROGRAM_ROWS = 20_000
HEATMAP_COLUMNS = 40  # the most incomplete columns shown in the nullity heatmap
DENDROGRAM_COLUMNS = 80


def missing_by_column(df: pd.DataFrame) -> pd.DataFrame:
    """column, missing (count), percent; most missing first, columns missing equally many in table order."""
    counts = df.isna().sum()
    out = pd.DataFrame({"column": counts.index.astype(str), "missing": counts.to_numpy(),
                        "percent": 100 * counts.to_numpy() / max(len(df), 1)})
    return out.sort_values("missing", ascending=False, kind="stable").reset_index(drop=True)


def partially_missing(df: pd.DataFrame, *, most: int | None = None) -> list[str]:
    """Columns that are sometimes, but not always, missing; with ``most``, only the ``most`` columns
    with the most missing values (in table order)."""
    counts = df.isna().sum()
    columns = [c for c in df.columns if 0 < counts[c] < len(df)]
    if most is not None and len(columns) > most:
        keep = set(counts[columns].sort_values(ascending=False, kind="stable").index[:most])
        columns = [c for c in columns if c in keep]
    return columns


def pattern_table(df: pd.DataFrame) -> pd.DataFrame:
    """Each combination of missing columns, its row count and share; most frequent first."""
    columns = np.array([str(c) for c in df.columns])
    patterns, counts = missing_patterns(df)
    order = np.argsort(-counts, kind="stable")
    rows = []
    for k in order:
        missing = columns[patterns[k]].tolist()
        rows.append({"missing columns": ", ".join(missing) if missing else "(complete rows)",
                     "n missing": len(missing), "rows": int(counts[k]), "share": counts[k] / max(len(df), 1)})
    return pd.DataFrame(rows, columns=["missing columns", "n missing", "rows", "share"])


def missing_patterns(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(distinct rows of the indicator matrix, their counts)."""
    indicators = df.isna().to_numpy()
    if indicators.size == 0:
        return np.zeros((0, df.shape[1]), dtype=bool), np.zeros(0, dtype=int)
    patterns, _, counts = pattern_index(indicators)
    return patterns, counts


def pattern_index(indicators: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(distinct rows of a boolean matrix, each row's pattern number, each pattern's count).

    Rows are bit-packed into one key each (a 64-bit integer up to 64 columns, a byte string
    beyond), so a million rows sort as a million keys instead of a million boolean vectors.
    """
    packed = np.packbits(indicators, axis=1)
    width = packed.shape[1]
    if width <= 8:
        padded = np.zeros((len(packed), 8), dtype=np.uint8)
        padded[:, :width] = packed
        keys = padded.view(np.uint64).ravel()
    else:
        keys = np.ascontiguousarray(packed).view(np.dtype((np.void, width))).ravel()
    _, first, codes, counts = np.unique(keys, return_index=True, return_inverse=True, return_counts=True)
    return indicators[first], codes.ravel(), counts


def nullity_correlation(df: pd.DataFrame, *, most: int = HEATMAP_COLUMNS) -> pd.DataFrame:
    """Correlation of the missing indicators of the (at most ``most``) partially missing columns."""
    columns = partially_missing(df, most=most)
    return df[columns].isna().astype(float).corr() if len(columns) >= 2 else pd.DataFrame()


@dataclass(frozen=True)
class NullityMatrix:
    values: np.ndarray  # row groups x columns: share of missing cells (0/1 when not binned)
    columns: list[str]
    row_labels: list[str]
    completeness: np.ndarray  # share of observed cells per row group
    rows_per_group: float
    note: str


def nullity_matrix(df: pd.DataFrame, *, sort: bool = False, max_rows: int = MATRIX_ROWS,
                   max_columns: int = MATRIX_COLUMNS) -> NullityMatrix:
    """The nullity matrix, binned into at most ``max_rows`` groups of consecutive rows."""
    for name, value in (("rows", max_rows), ("columns", max_columns)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ParameterError(f"The matrix shows at least one line of {name}: the most to show must be a whole "
                                 f"number of 1 or more, not {value!r}.")
    notes = []
    columns = list(df.columns)
    if len(columns) > max_columns:
        columns = missing_by_column(df)["column"].head(max_columns).tolist()
        columns = [c for c in df.columns if str(c) in set(columns)]
        notes.append(f"showing the {max_columns} columns with the most missing values of {df.shape[1]:,}")
    indicators = df[columns].isna().to_numpy(dtype=float)
    if sort:  # most complete rows first
        indicators = indicators[np.argsort(indicators.sum(axis=1), kind="stable")]
    n = len(indicators)
    if n > max_rows:
        edges = np.linspace(0, n, max_rows + 1).astype(int)
        values = np.add.reduceat(indicators, edges[:-1], axis=0) / np.diff(edges)[:, None]
        labels = [f"rows {a + 1:,}-{b:,}" for a, b in itertools.pairwise(edges)]
        notes.append(f"each line stands for about {n / max_rows:,.0f} rows and shows the share missing in them")
        per_group = n / max_rows
    else:
        values, labels, per_group = indicators, [f"row {i + 1:,}" for i in range(n)], 1.0
    completeness = 1 - values.mean(axis=1) if values.size else np.array([])
    return NullityMatrix(values=values, columns=[str(c) for c in columns], row_labels=labels,
                         completeness=completeness, rows_per_group=per_group, note="; ".join(notes))


def dendrogram_input(df: pd.DataFrame, *, rng=0, max_rows: int = DENDROGRAM_ROWS,
                     most: int = DENDROGRAM_COLUMNS) -> pd.DataFrame:
    """Indicator columns (as 0/1) of the partially missing columns, on a row sample if long."""
    columns = partially_missing(df, most=most)
    frame = df[columns]
    if len(frame) > max_rows:
        frame = frame.sample(n=max_rows, random_state=np.random.default_rng(rng))
    return frame.isna().astype(float)
