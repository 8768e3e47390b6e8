"""Lesson: counting is not modelling.

The simplest synthesisers for label columns only count:

(a) **independent value counts**: each column is drawn from its own frequencies, p(a, b) ≈ p(a)·p(b)
    (the project's Monte Carlo method does this for label columns). Every marginal is kept; every
    relationship between columns is lost, so Cramér's V of a dependent pair falls towards 0.
(b) **joint counts**: whole combinations are drawn from their joint frequencies, p(a, b, …) = count/n.
    Every relationship is kept exactly, but only combinations that occur in the real rows can come out.

With k columns of m levels there are mᵏ possible combinations and only n rows: as columns are added
the rows spread over ever more cells, most combinations are never seen, and most rows become
unique combinations (the curse of dimensionality). Joint counting then only replays real rows:
every synthetic row copies a real one, often a unique and so identifying one. A model is what
generalises between these two extremes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from scipy.stats.contingency import association

from core.errors import DataError, ParameterError
from core.plots import LOSS_COLOURS, REAL_COLOUR
from core.schema import LABELS, MISSING_LABEL, NUMERIC, Schema, as_labels
from core.synth import METHODS

MAX_LEVELS = 30  # a label column with more levels than this is too fine for the lesson's tables
MAX_COLUMNS = 12
MAX_ROWS = 20_000_000  # rows of one toy or synthetic table of the lesson (as many as a loaded table holds)
METHOD_NAMES = {"independent": "Independent value counts", "joint": "Joint combination counts"}

# The toy: each column follows its parent (the level of the same position) with probability STRENGTH, else any level
TOY_COLUMNS = (  # (name, levels, parent or None)
    ("region", ("north", "south", "east", "west"), None),
    ("income", ("low", "middle", "high", "top"), "region"),
    ("car", ("none", "small", "family", "luxury"), "income"),
    ("education", ("school", "college", "degree"), "income"),
    ("transport", ("bus", "bike", "car", "walk"), "car"),
    ("diet", ("omnivore", "vegetarian", "vegan"), None),
    ("sport", ("none", "team", "solo", "gym"), "diet"),
    ("pet", ("none", "cat", "dog", "fish"), None),
    ("music", ("pop", "rock", "jazz", "classical", "folk"), None),
    ("shift", ("day", "night"), "sport"),
)
STRENGTH = 0.8


def toy_table(n: int = 1000, *, rng=None) -> pd.DataFrame:
    """A seeded table of dependent label columns (income follows region, car follows income, ...)."""
    _check_rows(n)
    rng = np.random.default_rng(rng)
    out: dict[str, np.ndarray] = {}
    codes: dict[str, np.ndarray] = {}
    for name, levels, parent in TOY_COLUMNS:
        k = len(levels)
        free = rng.integers(0, k, n)  # any level, uniformly
        if parent is None:
            code = free
        else:
            follow = rng.random(n) < STRENGTH  # with probability STRENGTH, the parent's level (mod k)
            code = np.where(follow, codes[parent] % k, free)
        codes[name] = code
        out[name] = np.asarray(levels, dtype=object)[code]
    return pd.DataFrame(out)


def label_table(df: pd.DataFrame, schema: Schema) -> tuple[pd.DataFrame, list[str]]:
    """The loaded table's label columns, and its number columns cut into quartiles (Q1..Q4), as text.

    Missing values become their own level. Returns the table and the columns left out (too many levels).
    """
    out, left_out = {}, []
    for column in schema.columns_of(*LABELS, *NUMERIC, among=list(df.columns)):
        values = df[column]
        if column in schema.numeric_columns(among=list(df.columns)):
            numbers = pd.to_numeric(values, errors="coerce").replace([np.inf, -np.inf], np.nan)
            if numbers.nunique() < 2:
                left_out.append(column)
                continue
            bins = pd.qcut(numbers, 4, labels=False, duplicates="drop")  # quartiles (fewer when values repeat)
            text = ("Q" + (bins + 1).astype("Int64").astype(str)).where(bins.notna(), MISSING_LABEL)
        else:
            text = as_labels(values)
            if text.nunique() > MAX_LEVELS:
                left_out.append(column)
                continue
        out[str(column)] = text.to_numpy(dtype=object)
    return pd.DataFrame(out, index=range(len(df))), left_out


def _as_labels(df: pd.DataFrame) -> pd.DataFrame:
    if df.empty or df.shape[1] == 0:
        raise DataError("There are no rows or no columns to count.")
    return df.astype(str)


def _check_rows(n: int) -> None:
    if not (isinstance(n, (int, np.integer)) and 1 <= n <= MAX_ROWS):
        raise ParameterError(f"Ask for 1 to {MAX_ROWS:,} rows, not {n!r}.")


def independent_counts(df: pd.DataFrame, n: int, *, rng=None) -> pd.DataFrame:
    """(a) Each column drawn on its own from its value counts (the project's Monte Carlo method on labels)."""
    df = _as_labels(df)
    schema = Schema(kinds={c: "categorical" for c in df.columns})
    synthesizer = METHODS["monte_carlo"]().fit(df, schema)
    return synthesizer.sample(n, rng=np.random.default_rng(rng))[list(df.columns)].astype(str)


def joint_counts(df: pd.DataFrame, n: int, *, rng=None) -> pd.DataFrame:
    """(b) Whole combinations drawn from their joint frequencies: p(combination) = its count / n."""
    _check_rows(n)
    df = _as_labels(df)
    rng = np.random.default_rng(rng)
    counts = df.value_counts(sort=False)  # one entry per combination seen
    pick = rng.choice(len(counts), size=n, p=counts.to_numpy() / counts.sum())
    combos = counts.index.to_frame(index=False).iloc[pick].reset_index(drop=True)
    combos.columns = list(df.columns)
    return combos


SYNTHESISERS = {"independent": independent_counts, "joint": joint_counts}


def cramers_v(df: pd.DataFrame, a: str, b: str) -> float:
    """Cramér's V of two label columns: V = √(χ² / (n (min(r, c) − 1))), 0 = independent, 1 = one decides the other."""
    table = pd.crosstab(df[a], df[b]).to_numpy()
    if min(table.shape) < 2:
        return 0.0
    return float(association(table, method="cramer", correction=False))


def tv_distance(real: pd.Series, synthetic: pd.Series) -> float:
    """Total variation distance of two label distributions: ½ Σ |p(v) − q(v)| (0 = the same, 1 = disjoint)."""
    p = real.value_counts(normalize=True)
    q = synthetic.value_counts(normalize=True)
    p, q = p.align(q, fill_value=0.0)
    return float(0.5 * np.abs(p - q).sum())


def copy_share(real: pd.DataFrame, synthetic: pd.DataFrame) -> float:
    """The share of synthetic rows whose whole combination is some real row's."""
    seen = set(map(tuple, real.astype(str).to_numpy()))
    rows = list(map(tuple, synthetic[list(real.columns)].astype(str).to_numpy()))
    return float(np.mean([r in seen for r in rows])) if rows else 0.0


def curse(df: pd.DataFrame, *, rng=None) -> pd.DataFrame:
    """For the first 1, 2, ... columns: possible combinations, combinations seen, share of rows that are unique
    combinations, and the share of synthetic rows that copy a real row under each kind of counting."""
    df = _as_labels(df)
    rows = []
    possible = 1
    for m, column in enumerate(df.columns, start=1):
        part = df.iloc[:, :m]
        possible *= df[column].nunique()  # ∏ levels
        sizes = part.value_counts(sort=False)
        independent = independent_counts(part, len(df), rng=rng)
        rows.append({"columns": m, "added": column, "possible combinations": possible,
                     "combinations seen": len(sizes), "rows": len(df),
                     "unique rows": float(sizes[sizes == 1].sum() / len(df)),
                     "copies (joint)": copy_share(part, joint_counts(part, len(df), rng=rng)),
                     "copies (independent)": copy_share(part, independent)})
    return pd.DataFrame(rows)


def contingency_figure(real: pd.DataFrame, synthetic: pd.DataFrame, a: str, b: str, method: str) -> go.Figure:
    """Shares of each (a, b) combination in the real and the synthetic table, side by side."""
    rows = sorted(set(real[a]) | set(synthetic[a]))
    cols = sorted(set(real[b]) | set(synthetic[b]))
    fig = make_subplots(rows=1, cols=2, subplot_titles=("real", METHOD_NAMES[method].lower()),
                        shared_yaxes=True, horizontal_spacing=0.04)
    top = 0.0
    tables = []
    for frame in (real, synthetic):
        table = pd.crosstab(frame[a], frame[b], normalize="all").reindex(index=rows, columns=cols, fill_value=0.0)
        tables.append(table)
        top = max(top, float(table.to_numpy().max()))
    for k, table in enumerate(tables, start=1):
        fig.add_heatmap(z=table.to_numpy(), x=[str(c) for c in cols], y=[str(r) for r in rows], zmin=0, zmax=top,
                        colorscale="Blues", showscale=k == 2, text=np.round(table.to_numpy() * 100, 1),
                        texttemplate="%{text}%" if table.size <= 64 else None, row=1, col=k,
                        hovertemplate=f"{a} %{{y}}, {b} %{{x}}: %{{z:.1%}}<extra></extra>")
    fig.update_xaxes(title_text=b, type="category")
    fig.update_yaxes(title_text=a, type="category", row=1, col=1)
    fig.update_layout(height=380, margin=dict(l=50, r=10, t=40, b=40))
    return fig


def curse_figure(curve: pd.DataFrame, upto: int) -> go.Figure:
    """Possible and seen combinations (log scale) and the share of unique rows, for the first ``upto`` columns."""
    shown = curve[curve["columns"] <= upto]
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_scatter(x=shown["columns"], y=shown["possible combinations"], name="possible combinations",
                    mode="lines+markers", line=dict(color=LOSS_COLOURS[0], width=7), marker=dict(size=12),
                    opacity=0.45)  # (broad beneath: where every possible combination is seen, the two lines meet)
    fig.add_scatter(x=shown["columns"], y=shown["combinations seen"], name="combinations seen",
                    mode="lines+markers", line=dict(color=REAL_COLOUR))
    fig.add_scatter(x=shown["columns"], y=shown["rows"], name="rows in the table", mode="lines+markers",
                    line=dict(color="#888", dash="dot"))
    fig.add_scatter(x=shown["columns"], y=shown["unique rows"], name="share of rows that are unique",
                    mode="lines+markers", line=dict(color=LOSS_COLOURS[1], dash="dash"), secondary_y=True)
    counts = shown[["possible combinations", "combinations seen", "rows"]].to_numpy(dtype=float)
    counts = counts[np.isfinite(counts) & (counts > 0)]
    low, high = (np.log10(counts.min()) - 0.1, np.log10(counts.max()) + 0.1) if counts.size else (0, 1)
    fig.update_yaxes(type="log", range=[low, high], dtick=1 if high - low >= 1 else "D1", tickformat=",",  # (ticks
                     title_text="combinations (log scale)", secondary_y=False)  # as whole numbers, not bare 2s and 5s)
    fig.update_yaxes(range=[0, 1.02], tickmode="linear", tick0=0, dtick=0.2, tickformat=".0%", showgrid=False,
                     title_text="rows that are unique", secondary_y=True)  # (its own ticks, not the log axis's)
    fig.update_xaxes(title_text="number of columns", dtick=1, range=[0.5, len(curve) + 0.5])
    fig.update_layout(height=400, margin=dict(l=50, r=10, t=30, b=40), legend=dict(orientation="h", y=-0.2))
    return fig
