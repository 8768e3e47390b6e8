"""Pure functions from data to plotly figures, shared by the pages, the report and the tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core.schema import NUMERIC_KINDS

REAL_COLOUR = "#3b6fb6"
MISSING_COLOUR = "#d9822b"
MAX_BARS = 30
HIST_BINS = 40


def column_distribution(series: pd.Series, kind: str, *, title: str | None = None) -> go.Figure:
    """The distribution of one column, drawn for its kind, with missing values counted in the title."""
    name = str(series.name)
    observed = series.dropna()
    n_missing = len(series) - len(observed)
    heading = title or name
    if n_missing:
        heading += f"  ({n_missing:,} missing, {n_missing / len(series):.0%})"
    fig = go.Figure()
    if observed.empty:
        _note(fig, "Every value is missing: nothing to draw.")
    elif kind in NUMERIC_KINDS and pd.api.types.is_numeric_dtype(observed):
        values = observed.to_numpy(dtype=float)
        finite = values[np.isfinite(values)]
        if kind == "integer" and len(finite) and np.ptp(finite) < 60:
            counts = pd.Series(finite).value_counts().sort_index()
            fig.add_bar(x=counts.index, y=counts.to_numpy(), marker_color=REAL_COLOUR, name=name)
        else:
            _binned(fig, finite, name)
        if len(finite) < len(values):
            heading += f"  [{len(values) - len(finite):,} infinite values not drawn]"
        fig.update_xaxes(title_text=name)
    elif kind == "datetime" and pd.api.types.is_datetime64_any_dtype(observed):
        stamps = observed.to_numpy().astype("datetime64[ns]")
        counts, edges = np.histogram(stamps.astype(np.int64), bins=HIST_BINS)
        centres = pd.to_datetime((edges[:-1] + edges[1:]) / 2)
        fig.add_bar(x=centres, y=counts, marker_color=REAL_COLOUR, name=name)
        fig.update_xaxes(title_text=name)
    elif kind in ("binary", "categorical", "datetime", *NUMERIC_KINDS):
        counts = observed.astype(str).value_counts()
        if len(counts) > MAX_BARS:
            n_others, other = len(counts) - MAX_BARS, counts.iloc[MAX_BARS:].sum()
            counts = counts.head(MAX_BARS)
            counts[f"({n_others} others)"] = other
        fig.add_bar(x=counts.index.astype(str), y=counts.to_numpy(), marker_color=REAL_COLOUR, name=name)
        fig.update_xaxes(type="category", title_text=name)
    else:
        _binned(fig, observed.astype(str).str.len().to_numpy(dtype=float), name)
        fig.update_xaxes(title_text=f"length of '{name}' in characters ({kind}: values are not plotted)")
    fig.update_layout(title=heading, yaxis_title="rows", bargap=0.05, height=320, showlegend=False,
                      margin=dict(l=40, r=10, t=50, b=40))
    return fig


def _binned(fig: go.Figure, values: np.ndarray, name: str) -> None:
    """A histogram binned here, so a million rows send 40 bars to the browser, not a million points."""
    counts, edges = np.histogram(values, bins=HIST_BINS)
    fig.add_bar(x=(edges[:-1] + edges[1:]) / 2, y=counts, width=np.diff(edges), marker_color=REAL_COLOUR,
                name=name, hovertemplate="%{x:.4g}: %{y:,} rows<extra></extra>")


def _note(fig: go.Figure, text: str) -> None:
    fig.add_annotation(text=text, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper",
                       font=dict(size=14, color=MISSING_COLOUR))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
