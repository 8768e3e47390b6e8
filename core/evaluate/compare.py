"""Real against synthetic, column by column and pair by pair: the data behind the Compare page.

* Per column: the Kolmogorov-Smirnov statistic for numbers and dates (the largest gap between the
  two empirical CDFs) and the total variation distance ½ Σ |p_real − p_synth| for labels; both are
  0 for identical distributions and 1 for disjoint ones.
* Pairs: a correlation matrix of the number columns (Pearson or Spearman) for each table.
* A 2-D projection: PCA fitted on the real rows (standardised numbers, one-hot labels) with both
  tables projected, so a synthetic cloud that sits elsewhere or is too tight shows at a glance.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.decomposition import PCA

from core.errors import DataError, ParameterError
from core.schema import LABELS, NUMERIC, Kind, Schema, as_labels, to_floats

PROJECTION_ROWS = 5_000


def column_distances(real: pd.DataFrame, synthetic: pd.DataFrame, schema: Schema) -> pd.DataFrame:
    """One row per column: its kind, the distance used and its value; the worst columns first."""
    rows = []
    for column in [c for c in schema.synth_columns if c in real.columns and c in synthetic.columns]:
        kind = schema.kinds[column]
        a, b = real[column].dropna(), synthetic[column].dropna()
        if a.empty or b.empty:
            continue
        if kind in (*NUMERIC, Kind.DATETIME) and (pd.api.types.is_numeric_dtype(a)
                                                        or pd.api.types.is_datetime64_any_dtype(a)):
            x, y = to_floats(a), to_floats(b)
            rows.append({"column": column, "kind": kind, "distance": "KS", "value": stats.ks_2samp(x, y).statistic})
        else:
            shares = pd.concat([a.astype(str).value_counts(normalize=True),
                                b.astype(str).value_counts(normalize=True)], axis=1).fillna(0)
            tv = 0.5 * float(np.abs(shares.iloc[:, 0] - shares.iloc[:, 1]).sum())  # ½ Σ |p − q|
            rows.append({"column": column, "kind": kind, "distance": "total variation", "value": tv})
    table = pd.DataFrame(rows, columns=["column", "kind", "distance", "value"])
    return table.sort_values("value", ascending=False, kind="stable").reset_index(drop=True)


ASSOCIATIONS = ("pearson", "spearman", "cramers_v", "nmi")


def correlations(df: pd.DataFrame, schema: Schema, method: str = "pearson") -> pd.DataFrame:
    """Pairwise dependence. Pearson and Spearman on the number columns; Cramér's V and normalised mutual
    information on every number and label column, numbers cut into (at most) 10 quantile bins."""
    if method not in ASSOCIATIONS:
        raise ParameterError(f"There is no measure of dependence '{method}'.",
                             hint="Use one of: " + ", ".join(ASSOCIATIONS) + ".")
    if df.empty:
        raise DataError("There are no rows to measure the dependence on.")
    if method in ("pearson", "spearman"):
        numbers = [c for c in schema.numeric_columns() if c in df.columns and pd.api.types.is_numeric_dtype(df[c])]
        return df[numbers].corr(method=method)
    from sklearn.metrics import normalized_mutual_info_score

    columns = [c for c in schema.columns_of(*NUMERIC, *LABELS) if c in df.columns]
    codes = {}
    for c in columns:
        values = df[c]
        if schema.kinds[c] in NUMERIC and pd.api.types.is_numeric_dtype(values) and values.nunique() > 10:
            values = pd.qcut(values, 10, duplicates="drop")
        codes[c] = pd.factorize(as_labels(values))[0]
    out = np.eye(len(columns))
    for i, a in enumerate(columns):
        for j in range(i + 1, len(columns)):
            b = columns[j]
            out[i, j] = out[j, i] = normalized_mutual_info_score(codes[a], codes[b]) if method == "nmi" \
                else np.nan_to_num(cramers_v(codes[a], codes[b]))  # (a single value: 0)
    return pd.DataFrame(out, index=columns, columns=columns)


def cramers_v(a: np.ndarray, b: np.ndarray) -> float:
    """Cramér's V of two columns of codes 0..k−1, from the cells seen (no r × c table, so labels with thousands of
    values cost no more than their rows): χ²/n = Σ f²/(f_a f_b) − 1 over the seen cells (Pearson's χ², scipy's
    ``chi2_contingency`` without the continuity correction), V = √(χ²/n / (min(r, c) − 1)); NaN when either column
    holds a single value."""
    width = int(b.max()) + 1
    cells, counts = np.unique(a.astype(np.int64) * width + b, return_counts=True)
    rows, columns = np.bincount(a) / len(a), np.bincount(b) / len(b)
    k = min(np.count_nonzero(rows), np.count_nonzero(columns))
    if k < 2:
        return np.nan
    f = counts / len(a)
    chi2 = float((f ** 2 / (rows[cells // width] * columns[cells % width])).sum()) - 1
    return float(np.sqrt(max(chi2, 0.0) / (k - 1)))


def group_summary(real: pd.DataFrame, synthetic: pd.DataFrame, group: str, value: str) -> pd.DataFrame:
    """Count share and mean of ``value`` in each group of ``group``, real against synthetic."""
    if group == value:
        raise DataError("Choose a value column other than the group column.")
    for name, table in (("real", real), ("synthetic", synthetic)):
        lacking = [c for c in (group, value) if c not in table.columns]
        if lacking:
            raise DataError(f"The {name} table has no column {lacking[0]!r}.")
        if not (pd.api.types.is_numeric_dtype(table[value]) and not pd.api.types.is_bool_dtype(table[value])):
            raise DataError(f"{value!r} holds no numbers in the {name} table, so it has no mean to compare.")

    def summary(df: pd.DataFrame) -> pd.DataFrame:
        grouped = df.groupby(as_labels(df[group]))[value]
        return pd.DataFrame({"share": grouped.size() / len(df), "mean": grouped.mean()})

    both = summary(real).join(summary(synthetic), how="outer", lsuffix=" real", rsuffix=" synthetic")
    both = both[["share real", "share synthetic", "mean real", "mean synthetic"]].fillna({"share real": 0.0,
                                                                                          "share synthetic": 0.0})
    return both.sort_values("share real", ascending=False).rename_axis(group).reset_index()


def encode_rows(frames: list[pd.DataFrame], schema: Schema, *, max_levels: int = 50) -> list[np.ndarray]:
    """Rows as vectors for distances and projections (see :class:`RowEncoder`), encoded as the first frame is."""
    encoder = RowEncoder(frames[0], schema, max_levels=max_levels)
    return [encoder.encode(frame) for frame in frames]


class RowEncoder:
    """Rows as vectors: numbers standardised on ``base`` (missing values at its mean, ±inf as missing), labels
    one-hot over ``base``'s ``max_levels`` most common values."""

    def __init__(self, base: pd.DataFrame, schema: Schema, *, max_levels: int = 50) -> None:
        self.numbers = [c for c in schema.numeric_columns(among=list(base.columns))
                        if pd.api.types.is_numeric_dtype(base[c])]
        base = self._finite(base)
        self.labels = [c for c in base.columns if c not in self.numbers]
        self.center, self.scale = base[self.numbers].mean(), base[self.numbers].std().replace(0, 1).fillna(1)
        self.levels = {c: base[c].astype(str).value_counts().index[:max_levels] for c in self.labels}

    def _finite(self, frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(**{c: frame[c].replace([np.inf, -np.inf], np.nan) for c in self.numbers})

    def encode(self, frame: pd.DataFrame) -> np.ndarray:
        frame = self._finite(frame)
        parts = [((frame[self.numbers] - self.center) / self.scale).fillna(0.0).to_numpy(dtype=float)]  # (x − μ)/σ
        parts += [np.stack([(frame[c].astype(str) == v).to_numpy(dtype=float) for v in self.levels[c]], axis=1)
                  for c in self.labels if len(self.levels[c])]
        return np.hstack(parts)


def projection(real: pd.DataFrame, synthetic: pd.DataFrame, schema: Schema, *, rng=0) -> pd.DataFrame:
    """Rows of both tables on the real data's first two principal components (a sample of each)."""
    generator = np.random.default_rng(rng)
    columns = [c for c in schema.synth_columns if c in real.columns and c in synthetic.columns
               and schema.kinds[c] != Kind.DATETIME]
    if not columns or len(real) < 2 or len(synthetic) < 1:
        raise DataError("A projection needs two real rows, a synthetic one and a number or label column in both.")
    a = real[columns].sample(n=min(len(real), PROJECTION_ROWS), random_state=generator.integers(2**31 - 1))
    b = synthetic[columns].sample(n=min(len(synthetic), PROJECTION_ROWS), random_state=generator.integers(2**31 - 1))
    x_real, x_synth = encode_rows([a, b], schema)
    pca = PCA(n_components=min(2, x_real.shape[1]), random_state=0).fit(x_real)
    points = [pd.DataFrame(pca.transform(x), columns=[f"PC{i + 1}" for i in range(pca.n_components_)])
              .assign(table=name) for x, name in ((x_real, "real"), (x_synth, "synthetic"))]
    out = pd.concat(points, ignore_index=True)
    if "PC2" not in out:
        out["PC2"] = 0.0
    out.attrs["explained"] = pca.explained_variance_ratio_.tolist()
    return out
