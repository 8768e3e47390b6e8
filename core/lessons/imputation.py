"""Imputation, the orthogonal view: the same holes filled down a column or across a row.

A table with holes can be filled two ways (van Buuren 2018, *Flexible Imputation of Missing
Data*, §1.3 and §4.1):

- **vertically** (single-variable): each column from its own observed values, a mean or a random
  draw from the column. The other columns of the row are ignored, so an imputed value knows
  nothing about its row: the mean piles values up at one point (the sd shrinks by about √(share
  observed)) and any correlation with other columns is pulled towards 0.
- **horizontally** (cross-linked): each hole from the other columns of the same row, by a
  regression (chained equations), the nearest rows (kNN) or predictive mean matching. The
  relations between columns survive, as long as the predictors are observed.

**Patterns.** A pattern is *monotone* when the columns can be ordered so that a row missing
column j misses every later column too (a study's drop-outs). Then each column can be imputed in
one pass, in order, from the columns before it, which are complete by the time it is its turn
(van Buuren §4.1.2). A *general* pattern has no such order: every column's predictors have holes
of their own, so the fills have to be iterated until they settle (chained equations, MICE).

The toy: a seeded multivariate normal with a known correlation (the truth), holes punched
completely at random in a monotone or a general pattern; the first column never has holes.
The imputers are the project's own (:data:`core.impute.IMPUTERS`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.errors import DataError, ParameterError
from core.impute import IMPUTERS
from core.plots import IMPUTED_COLOUR, MISSING_COLOUR, OBSERVED_COLOUR, REAL_COLOUR
from core.schema import infer_schema

PATTERNS = ("monotone", "general")
VERTICAL = {"mean": ("mean", {}), "random draw from the column": ("hot_deck", {})}
HORIZONTAL = {"chained equations (iterative)": ("iterative", {"sample_posterior": True, "max_iter": 10}),
              "k nearest neighbours": ("knn", {}), "predictive mean matching": ("pmm", {})}
TOY_COLUMNS = ("x1", "x2", "x3", "x4")
MAX_ROWS = 2_000


def toy(*, n: int = 300, rho: float = 0.7, rng=0) -> pd.DataFrame:
    """Four correlated normal columns (mean 50, sd 10, every pair correlated ``rho``): the complete truth."""
    if not -1 / 3 < rho < 1:
        raise ParameterError("The correlation must lie between −1/3 and 1 for four equally correlated columns.")
    k = len(TOY_COLUMNS)
    cov = np.full((k, k), rho) + (1 - rho) * np.eye(k)  # Σ = ρ 11ᵀ + (1 − ρ) I
    values = np.random.default_rng(rng).multivariate_normal(np.zeros(k), cov, size=n)
    return pd.DataFrame(50 + 10 * values, columns=list(TOY_COLUMNS))  # x = 50 + 10 z


def punch(df: pd.DataFrame, *, pattern: str, rate: float, rng=0) -> pd.DataFrame:
    """Holes completely at random in every column but the first, in a ``monotone`` or ``general`` pattern.

    Monotone (drop-out): each row draws u ~ U(0, 1) once and misses column j (j = 1 … k−1) when
    u < rate · j / (k − 1), so a row missing column j misses every later one; the last column loses
    about ``rate`` of its values. General: each cell is missing on its own with the same per-column
    shares."""
    if pattern not in PATTERNS:
        raise ParameterError(f"Unknown pattern {pattern!r}.", hint="Choose monotone or general.")
    if not 0 <= rate < 1:
        raise ParameterError("The missing rate must lie between 0 and 1 (less than 1).")
    n, k = df.shape
    if k < 2:
        raise DataError("Punching holes needs at least two columns (the first stays complete).")
    generator = np.random.default_rng(rng)
    shares = rate * np.arange(1, k) / (k - 1)  # share missing in columns 1 … k−1
    u = generator.random((n, 1)) if pattern == "monotone" else generator.random((n, k - 1))
    mask = np.zeros((n, k), dtype=bool)
    mask[:, 1:] = u < shares
    return df.mask(mask)


def is_monotone(mask: np.ndarray) -> bool:
    """True when missing column j implies missing every later column (in the given order)."""
    mask = np.asarray(mask, dtype=bool)
    return bool(np.all(mask[:, :-1] <= mask[:, 1:]))


def fill(df: pd.DataFrame, method: str, *, rng=0) -> pd.DataFrame:
    """``df`` filled with one of :data:`VERTICAL` or :data:`HORIZONTAL` (the project's imputers)."""
    key, params = {**VERTICAL, **HORIZONTAL}[method]
    if not df.isna().any().any():
        return df.copy()
    return IMPUTERS[key](**params).fit(df, infer_schema(df)).transform(df, rng=rng)


@dataclass
class Comparison:
    holed: pd.DataFrame
    fills: dict[str, pd.DataFrame]  # "complete case", "vertical: …", "horizontal: …" -> table
    truth: pd.DataFrame | None
    x: str
    y: str
    table: pd.DataFrame  # one row per version: mean and sd of y, correlation and slope of y on x


def compare(holed: pd.DataFrame, x: str, y: str, vertical: str, horizontal: str, *,
            truth: pd.DataFrame | None = None, rng=0) -> Comparison:
    """Complete cases, a vertical fill and a horizontal fill of the same holes, summed up on the pair (x, y)."""
    if x == y:
        raise ParameterError("Choose two different columns.")
    complete = holed.dropna(subset=[x, y])
    if len(complete) < 3:
        raise DataError(f"Fewer than three rows have both {x} and {y}, so no correlation can be measured.",
                        hint="Choose other columns or a lower missing rate.")
    fills = {"complete case": complete, f"vertical: {vertical}": fill(holed, vertical, rng=rng),
             f"horizontal: {horizontal}": fill(holed, horizontal, rng=rng)}
    versions = ({"truth": truth} if truth is not None else {}) | fills
    rows = []
    for name, frame in versions.items():
        pair = frame[[x, y]].astype(float).dropna()
        sx, sy = pair[x].std(), pair[y].std()
        r = pair[x].corr(pair[y]) if sx > 0 and sy > 0 else np.nan
        rows.append({"data": name, "rows": len(pair), f"mean of {y}": pair[y].mean(), f"sd of {y}": sy,
                     "correlation": r, "slope": r * sy / sx if sx > 0 else np.nan})  # b = r · s_y / s_x
    return Comparison(holed, fills, truth, x, y, pd.DataFrame(rows))


def scatter_figure(comparison: Comparison) -> go.Figure:
    """One panel per fill: observed points, imputed points highlighted, the fitted line (and the true one)."""
    c, x, y = comparison, comparison.x, comparison.y
    names = list(c.fills)
    fig = make_subplots(rows=1, cols=len(names), subplot_titles=names, shared_yaxes=True, horizontal_spacing=0.04)
    imputed = c.holed[[x, y]].isna().any(axis=1)
    truth_row = c.table[c.table["data"] == "truth"]
    for i, name in enumerate(names, start=1):
        frame = c.fills[name]
        holes = imputed.reindex(frame.index, fill_value=False)
        fig.add_scatter(x=frame.loc[~holes, x], y=frame.loc[~holes, y], mode="markers", name="observed",
                        marker=dict(color=REAL_COLOUR, size=5, opacity=0.5), showlegend=i == 1, row=1, col=i)
        fig.add_scatter(x=frame.loc[holes, x], y=frame.loc[holes, y], mode="markers", name="imputed",
                        marker=dict(color=IMPUTED_COLOUR, size=6, symbol="diamond"), showlegend=i == 2, row=1, col=i)
        row = c.table[c.table["data"] == name].iloc[0]
        _line(fig, frame[x], frame[y], row, "fitted line", "solid", MISSING_COLOUR, i)
        if len(truth_row):
            _line(fig, c.truth[x], c.truth[y], truth_row.iloc[0], "true line", "dash", "#555555", i)
    fig.update_xaxes(title_text=str(x))
    fig.update_yaxes(title_text=str(y), row=1, col=1)
    fig.update_layout(height=380, margin=dict(l=40, r=10, t=50, b=40), legend=dict(orientation="h", y=-0.2))
    return fig


def _line(fig: go.Figure, xs: pd.Series, ys: pd.Series, row: pd.Series, name: str, dash: str, colour: str,
          col: int) -> None:
    slope = row["slope"]
    if not np.isfinite(slope):
        return
    ends = np.array([np.nanmin(xs), np.nanmax(xs)], dtype=float)
    line = np.nanmean(ys) + slope * (ends - np.nanmean(xs))  # ŷ = ȳ + b (x − x̄)
    fig.add_scatter(x=ends, y=line, mode="lines", name=name, line=dict(color=colour, dash=dash, width=2),
                    showlegend=col == 1, row=1, col=col)


def pattern_figure(holed: pd.DataFrame) -> go.Figure:
    """The nullity matrix, rows sorted by how many columns they miss (a monotone pattern shows a staircase)."""
    mask = holed.isna().to_numpy()
    order = np.lexsort(mask.T[::-1])  # sort rows by their pattern, first column most significant
    fig = go.Figure(go.Heatmap(z=mask[order].astype(int), x=[str(c) for c in holed.columns], zmin=0, zmax=1,
                               colorscale=[[0, OBSERVED_COLOUR], [1, MISSING_COLOUR]], showscale=False,
                               hovertemplate="%{x}: %{z} (1 = missing)<extra></extra>"))
    fig.update_yaxes(visible=False, autorange="reversed")
    fig.update_layout(title="Nullity matrix (orange = missing)", height=300, width=320,
                      margin=dict(l=10, r=10, t=40, b=30))
    return fig


def distribution_figure(comparison: Comparison) -> go.Figure:
    """y's distribution in each version (the table's own holes: no truth to compare with)."""
    c = comparison
    fig = go.Figure()
    colours = (REAL_COLOUR, MISSING_COLOUR, "#264653")
    for (name, frame), colour in zip(c.fills.items(), colours, strict=False):
        fig.add_histogram(x=frame[c.y].astype(float), name=name, opacity=0.5, marker_color=colour,
                          histnorm="probability density", nbinsx=40)
    fig.update_layout(barmode="overlay", title=f"Distribution of {c.y}", height=320,
                      margin=dict(l=40, r=10, t=50, b=40), legend=dict(orientation="h", y=-0.25))
    return fig
