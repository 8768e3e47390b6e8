"""Pure functions from data to plotly figures, shared by the pages, the report and the tests."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core.schema import LABELS, NUMERIC, Kind, as_labels

REAL_COLOUR = "#3b6fb6"
LOSS_COLOURS = ("#e76f51", "#264653", "#f4a261", "#8ab17d")
MISSING_COLOUR = "#d9822b"
MAX_BARS = 30
HIST_BINS = 40
OUR_MARKUP = re.compile(r"(<br>|<extra>|</extra>)")  # the only markup the figures write themselves


def plain(fig: go.Figure) -> go.Figure:
    """``fig`` with every text in it shown as written: plotly reads a subset of HTML in titles, names, labels and
    hover text (``<b>``, ``<i>``, ``<a href>``, ``&lt;``), so a column named ``<b>x</b>`` came out bold. Every
    ``&``, ``<`` and ``>`` becomes an entity plotly turns back into that character, except in the line breaks and
    hover boxes the figures write themselves (so a user's literal ``<br>`` still breaks a line)."""
    return go.Figure(_escaped(fig.to_dict()))


def _escaped(value):
    if isinstance(value, str):
        return "".join(part if i % 2 else part.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                       for i, part in enumerate(OUR_MARKUP.split(value)))
    if isinstance(value, dict):
        return {k: _escaped(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_escaped(v) for v in value)
    if isinstance(value, np.ndarray) and value.dtype == object:
        return np.array([_escaped(v) for v in value.ravel()], dtype=object).reshape(value.shape)
    return value


def column_distribution(series: pd.Series, kind: str, *, title: str | None = None) -> go.Figure:
    """The distribution of one column, drawn for its kind, with missing values counted in the title."""
    name = str(series.name)
    observed = series.dropna()
    n_missing = len(series) - len(observed)
    heading = title or name
    if n_missing:
        heading += f"  ({n_missing:,} missing, {n_missing / len(series):.0%})"
    if pd.api.types.is_float_dtype(observed.dtype) and not np.isfinite(observed).all():  # (numbers or 0/1 codes)
        finite = np.isfinite(observed)
        heading += f"  [{int((~finite).sum()):,} infinite values not drawn]"
        observed = observed[finite]
    fig = go.Figure()
    if observed.empty:
        _note(fig, "No finite value: nothing to draw." if n_missing < len(series) else
              "Every value is missing: nothing to draw.")
    elif kind in NUMERIC and pd.api.types.is_numeric_dtype(observed):
        values = observed.to_numpy(dtype=float)
        if kind == Kind.INTEGER and np.ptp(values) < 60:
            counts = pd.Series(values).value_counts().sort_index()
            fig.add_bar(x=counts.index, y=counts.to_numpy(), marker_color=REAL_COLOUR, name=name)
        else:
            _binned(fig, values, name)
        fig.update_xaxes(title_text=name)
    elif kind == Kind.DATETIME and pd.api.types.is_datetime64_any_dtype(observed):
        stamps = observed.to_numpy().astype("datetime64[ns]")
        counts, edges = np.histogram(stamps.astype(np.int64), bins=HIST_BINS)
        centres = pd.to_datetime((edges[:-1] + edges[1:]) / 2)
        fig.add_bar(x=centres, y=counts, marker_color=REAL_COLOUR, name=name)
        fig.update_xaxes(title_text=name)
    elif kind in (*LABELS, Kind.DATETIME, *NUMERIC):
        counts = observed.astype(str).value_counts()
        if len(counts) > MAX_BARS:
            n_others, other = len(counts) - MAX_BARS, counts.iloc[MAX_BARS:].sum()
            counts = counts.head(MAX_BARS)
            counts[f"({n_others} others)"] = other
        fig.add_bar(x=counts.index.astype(str), y=counts.to_numpy(), marker_color=REAL_COLOUR, name=name)
        fig.update_xaxes(type="category", title_text=name)
    elif kind == Kind.ID:
        examples = ", ".join(map(str, observed.head(3)))
        _note(fig, f"An identifier: {observed.nunique():,} distinct values ({examples}, …). "
                   "Not plotted, not synthesised.")
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


# --------------------------------------------------------------------------- missing data

OBSERVED_COLOUR = "#e8edf5"
MAX_PATTERN_COLUMNS = 25  # rows of dots under the pattern bars
LOST_COLOUR = "#c0392b"


def nullity_matrix_figure(matrix) -> go.Figure:
    """Rows x columns with missing cells dark, and each row's completeness beside it."""
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, column_widths=[0.86, 0.14], horizontal_spacing=0.01)
    binned = matrix.rows_per_group > 1
    fig.add_heatmap(z=matrix.values, x=matrix.columns, y=matrix.row_labels, zmin=0, zmax=1, row=1, col=1,
                    colorscale=[[0, OBSERVED_COLOUR], [1, MISSING_COLOUR]], showscale=binned,
                    colorbar=dict(title="share<br>missing", x=1.02) if binned else None,
                    hovertemplate="%{y}, %{x}: " + ("%{z:.0%} missing" if binned else "%{z:.0f} = missing")
                    + "<extra></extra>")
    fig.add_scatter(x=matrix.completeness, y=matrix.row_labels, mode="lines", line=dict(color=REAL_COLOUR),
                    row=1, col=2, hovertemplate="%{y}: %{x:.0%} complete<extra></extra>", showlegend=False)
    fig.update_yaxes(autorange="reversed", showticklabels=False, title_text="rows (top = first)", row=1, col=1)
    fig.update_xaxes(side="top", tickangle=-45, row=1, col=1)
    fig.update_xaxes(range=[0, 1.02], tickformat=".0%", tickvals=[0, 0.5, 1], title_text="row complete", row=1, col=2)
    fig.update_layout(height=460, margin=dict(l=40, r=10, t=90, b=40))
    return fig


def missing_bar_figure(by_column: pd.DataFrame) -> go.Figure:
    """Missing values per column, as counts with percentages on the bars, in the order of ``by_column`` (most
    missing first, as ``missing_by_column`` gives it); with no missing value at all, a sentence instead of bars."""
    if not (by_column["missing"] > 0).any():
        fig = go.Figure()
        _note(fig, "No column has a missing value.")
        fig.update_layout(title="Missing values per column", height=200, margin=dict(l=40, r=10, t=50, b=40))
        return fig
    shown = by_column.head(60)
    fig = go.Figure(go.Bar(x=shown["column"], y=shown["missing"], marker_color=MISSING_COLOUR,
                           text=[f"{p:.1f}%" for p in shown["percent"]], textposition="outside",
                           hovertemplate="%{x}: %{y:,} missing<extra></extra>"))
    title = "Missing values per column, most missing first" + (
        f" (the 60 most missing of {len(by_column):,})" if len(by_column) > 60 else "")
    fig.update_layout(title=title, yaxis_title="missing values", height=360, margin=dict(l=40, r=10, t=50, b=40))
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=list(shown["column"]))
    # counts start at 0; whole ticks when the largest count is small (no 0.5 of a missing value)
    fig.update_yaxes(rangemode="tozero", dtick=1 if shown["missing"].max() <= 5 else None)
    return fig


def nullity_heatmap_figure(corr: pd.DataFrame) -> go.Figure:
    """Lower triangle of the nullity correlation, values written in the cells."""
    z = corr.to_numpy().copy()
    z[np.triu_indices_from(z)] = np.nan
    z = z[1:, :-1]  # the first row and last column of a lower triangle are empty
    text = np.where(np.isnan(z), "", np.round(z, 2).astype(str))
    fig = go.Figure(go.Heatmap(z=z, x=list(corr.columns[:-1]), y=list(corr.index[1:]), zmin=-1, zmax=1,
                               colorscale="RdBu",
                               text=text, texttemplate="%{text}" if len(corr) <= 25 else None,
                               hovertemplate="%{y} / %{x}: %{z:.2f}<extra></extra>",
                               colorbar=dict(title="nullity<br>correlation")))
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(height=max(320, 24 * len(corr) + 120), margin=dict(l=40, r=10, t=30, b=40))
    return fig


def dendrogram_figure(indicators: pd.DataFrame) -> go.Figure:
    """Columns clustered by where their values are missing (average linkage)."""
    import plotly.figure_factory as ff
    from scipy.cluster import hierarchy
    from scipy.spatial.distance import pdist

    fig = ff.create_dendrogram(indicators.T.to_numpy(), labels=list(map(str, indicators.columns)),
                               distfun=lambda x: pdist(x, "cityblock"),
                               linkagefun=lambda d: hierarchy.linkage(d, "average"), color_threshold=0)
    fig.update_xaxes(range=[0, 10 * indicators.shape[1]])  # leaves sit at 5, 15, 25, ...
    fig.update_layout(height=360, yaxis_title="rows where one is missing<br>and the other is not",
                      margin=dict(l=60, r=10, t=30, b=60), showlegend=False)
    return fig


def pattern_figure(patterns: pd.DataFrame, columns: list[str], *, top: int = 20) -> go.Figure:
    """UpSet-style: how many rows have each combination of missing columns (dots below the bars).

    Every column in the dot matrix is labelled: its rows get a fixed height and the ticks are set
    one per column, so plotly never thins them out."""
    from plotly.subplots import make_subplots

    shown = patterns.head(top).reset_index(drop=True)
    labels = [f"#{i + 1}" for i in range(len(shown))]
    known = set(columns)
    missing_sets = [m.split(", ") for m in shown["missing columns"]]
    frequency = pd.Series([c for m in missing_sets for c in m if c in known])
    most = set(frequency.value_counts().index[:MAX_PATTERN_COLUMNS])
    involved = [c for c in columns if c in most]
    bars, dots = 260, 24 * max(len(involved), 1)  # pixels: the bar chart, and one dot row per column
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[bars, dots], vertical_spacing=0.03)
    fig.add_bar(x=labels, y=shown["rows"], marker_color=MISSING_COLOUR, row=1, col=1,
                text=[f"{s:.0%}" for s in shown["share"]], textposition="outside",
                customdata=shown["missing columns"], hovertemplate="%{customdata}: %{y:,} rows<extra></extra>")
    for column in involved:
        present = [column in m for m in missing_sets]
        fig.add_scatter(x=labels, y=[column] * len(labels), mode="markers", row=2, col=1, showlegend=False,
                        marker=dict(size=11, color=[MISSING_COLOUR if p else OBSERVED_COLOUR for p in present]),
                        hoverinfo="skip")
    fig.update_yaxes(title_text="rows", row=1, col=1)
    fig.update_yaxes(type="category", tickmode="array", tickvals=involved, ticktext=involved,
                     categoryorder="array", categoryarray=involved[::-1], automargin=True, row=2, col=1)
    fig.update_xaxes(type="category", row=1, col=1)
    fig.update_xaxes(type="category", title_text="pattern (most frequent first)", row=2, col=1)
    fig.update_layout(height=bars + dots + 90, showlegend=False, margin=dict(l=40, r=10, t=30, b=30))
    return fig


def coefficient_figure(coefficients: pd.Series, *, top: int = 12) -> go.Figure:
    """Horizontal bars of model coefficients, largest magnitude on top."""
    shown = coefficients.head(top).iloc[::-1]
    colours = [MISSING_COLOUR if v > 0 else REAL_COLOUR for v in shown]
    fig = go.Figure(go.Bar(x=shown.to_numpy(), y=list(shown.index), orientation="h", marker_color=colours,
                           hovertemplate="%{y}: %{x:.3f}<extra></extra>"))
    fig.update_layout(height=120 + 26 * len(shown), margin=dict(l=40, r=10, t=30, b=40),
                      xaxis_title="coefficient per standard deviation (orange: higher values, more often missing)")
    return fig


def shadow_scatter(df: pd.DataFrame, x: str, y: str, *, max_points: int = 20_000, rng=0) -> go.Figure:
    """x against y, with rows missing y drawn in a band below the axis and rows missing x left of it."""
    data = df[[x, y]]
    if len(data) > max_points:
        data = data.sample(n=max_points, random_state=np.random.default_rng(rng))
    xs, ys = data[x].astype(float), data[y].astype(float)
    x_lo, x_span = np.nanmin(xs) if xs.notna().any() else 0.0, _span(xs)
    y_lo, y_span = np.nanmin(ys) if ys.notna().any() else 0.0, _span(ys)
    x_shadow, y_shadow = x_lo - 0.1 * x_span, y_lo - 0.1 * y_span
    both = xs.notna() & ys.notna()
    fig = go.Figure()
    fig.add_scatter(x=xs[both], y=ys[both], mode="markers", name="both observed",
                    marker=dict(color=REAL_COLOUR, size=6, opacity=0.7))
    only_x = xs.notna() & ys.isna()
    fig.add_scatter(x=xs[only_x], y=np.full(only_x.sum(), y_shadow), mode="markers", name=f"{y} missing",
                    marker=dict(color=MISSING_COLOUR, size=7, symbol="line-ns-open"))
    only_y = xs.isna() & ys.notna()
    fig.add_scatter(x=np.full(only_y.sum(), x_shadow), y=ys[only_y], mode="markers", name=f"{x} missing",
                    marker=dict(color=LOST_COLOUR, size=7, symbol="line-ew-open"))
    n_both_missing = int((xs.isna() & ys.isna()).sum())
    fig.update_layout(xaxis_title=x, yaxis_title=y, height=420, margin=dict(l=40, r=10, t=40, b=40),
                      title=f"{x} vs {y}" + (f"  ({n_both_missing:,} rows miss both, not drawn)"
                                             if n_both_missing else ""),
                      legend=dict(orientation="h", y=-0.2))
    return fig


def _span(values: pd.Series) -> float:
    if values.notna().sum() < 2:
        return 1.0
    span = float(np.nanmax(values) - np.nanmin(values))
    return span if span > 0 else 1.0


def simulation_figure(simulation, mechanism: str) -> go.Figure:
    """Kept and removed points, with the complete-data and the observed-data regression lines.

    The removed points are drawn beneath the kept ones (``zorder``), as thin translucent crosses, and the
    lines above both: the kept rows are what the dashed line is fitted to, and where removed rows crowd
    alone (the end a mechanism punched out) they still show; drawn on top, a 30% rate turned every
    point orange on a few thousand rows."""
    from core.missing.simulate import fit_line

    x, y, hole = simulation.x, simulation.y, simulation.hole
    complete, holes = simulation.complete, simulation.amputed[mechanism]
    lost = holes[hole].isna()
    size = 6 if len(complete) <= 1_000 else 4  # smaller marks where thousands of points share the panel
    fig = go.Figure()
    fig.add_scatter(x=complete.loc[~lost, x], y=complete.loc[~lost, y], mode="markers", name="kept", zorder=1,
                    marker=dict(color=REAL_COLOUR, size=size, opacity=0.6))
    fig.add_scatter(x=complete.loc[lost, x], y=complete.loc[lost, y], mode="markers", name=f"removed ({hole})",
                    zorder=0, marker=dict(color=MISSING_COLOUR, size=size + 1, symbol="x-thin", opacity=0.6,
                                          line=dict(color=MISSING_COLOUR, width=1.5)))
    grid = np.linspace(complete[x].min(), complete[x].max(), 2)
    for data, name, dash, colour in ((complete, "fit on complete data", "solid", "#1f2430"),
                                     (holes, "fit on observed rows", "dash", MISSING_COLOUR)):
        line = fit_line(data, x, y)
        if np.isfinite(line["slope"]):
            fig.add_scatter(x=grid, y=line["intercept"] + line["slope"] * grid, mode="lines", name=name, zorder=2,
                            line=dict(color=colour, dash=dash, width=2.5))
    fig.update_layout(title=mechanism, xaxis_title=x, yaxis_title=y, height=380,
                      margin=dict(l=40, r=10, t=40, b=40), legend=dict(orientation="h", y=-0.25))
    return fig


# --------------------------------------------------------------------------- imputation

IMPUTED_COLOUR = "#d9822b"


def imputed_distribution(before: pd.Series, after: pd.Series, kind: str) -> go.Figure:
    """The column after imputation, observed values and imputed values stacked in different colours."""
    holes = before.isna() & after.notna()
    observed, imputed = after[~holes].dropna(), after[holes]
    fig = go.Figure()
    if kind in NUMERIC and pd.api.types.is_numeric_dtype(after):
        values = after.dropna().to_numpy(dtype=float)
        edges = np.histogram_bin_edges(values, bins=HIST_BINS) if len(values) else np.array([0.0, 1.0])
        centres, width = (edges[:-1] + edges[1:]) / 2, np.diff(edges)
        for name, data, colour in (("observed", observed, REAL_COLOUR), ("imputed", imputed, IMPUTED_COLOUR)):
            counts = np.histogram(data.to_numpy(dtype=float), bins=edges)[0]
            fig.add_bar(x=centres, y=counts, width=width, name=f"{name} ({len(data):,})", marker_color=colour)
    else:
        order = after.astype(str).value_counts().index[:MAX_BARS]
        for name, data, colour in (("observed", observed, REAL_COLOUR), ("imputed", imputed, IMPUTED_COLOUR)):
            counts = data.astype(str).value_counts().reindex(order, fill_value=0)
            fig.add_bar(x=list(order), y=counts.to_numpy(), name=f"{name} ({len(data):,})", marker_color=colour)
        fig.update_xaxes(type="category")
    fig.update_layout(barmode="stack", title=f"{before.name}: observed and imputed values", yaxis_title="rows",
                      xaxis_title=str(before.name), height=340, margin=dict(l=40, r=10, t=50, b=40),
                      legend=dict(orientation="h", y=1.12, x=1, xanchor="right"))
    return fig


def imputed_scatter(before: pd.DataFrame, after: pd.DataFrame, x: str, y: str, *,
                    max_points: int = 20_000) -> go.Figure:
    """Two columns after imputation; rows where either value was imputed are marked."""
    rows = after.index if len(after) <= max_points else after.sample(n=max_points, random_state=0).index
    imputed = (before.loc[rows, x].isna() | before.loc[rows, y].isna()) & after.loc[rows, [x, y]].notna().all(axis=1)
    fig = go.Figure()
    fig.add_scatter(x=after.loc[rows[~imputed], x], y=after.loc[rows[~imputed], y], mode="markers",
                    name="observed", marker=dict(color=REAL_COLOUR, size=6, opacity=0.6))
    fig.add_scatter(x=after.loc[rows[imputed], x], y=after.loc[rows[imputed], y], mode="markers",
                    name=f"imputed x or y ({int(imputed.sum()):,})",
                    marker=dict(color=IMPUTED_COLOUR, size=8, symbol="diamond"))
    fig.update_layout(xaxis_title=x, yaxis_title=y, height=380, margin=dict(l=40, r=10, t=30, b=40),
                      legend=dict(orientation="h", y=1.1))
    return fig


def correlation_change(before: pd.DataFrame, after: pd.DataFrame) -> go.Figure:
    """Pearson correlations before (pairwise-complete) and after imputation, and their difference."""
    from plotly.subplots import make_subplots

    a, b = before.corr(), after.corr()
    fig = make_subplots(rows=1, cols=3, subplot_titles=("before (observed pairs)", "after imputation",
                                                        "after − before"), horizontal_spacing=0.03)
    for col, matrix, scale in ((1, a, "RdBu"), (2, b, "RdBu"), (3, b - a, "PuOr")):
        fig.add_heatmap(z=matrix.to_numpy(), x=list(matrix.columns), y=list(matrix.index), zmin=-1 if col < 3 else -0.5,
                        zmax=1 if col < 3 else 0.5, colorscale=scale, showscale=col == 3, row=1, col=col,
                        text=np.round(matrix.to_numpy(), 2), texttemplate="%{text}" if len(matrix) <= 10 else None,
                        colorbar=dict(title="change"), hovertemplate="%{y} / %{x}: %{z:.2f}<extra></extra>")
        fig.update_yaxes(showticklabels=col == 1, row=1, col=col)
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(automargin=True)
    fig.update_layout(height=380, margin=dict(l=40, r=10, t=40, b=40))
    return fig


def correlation_panels(matrices: dict[str, pd.DataFrame]) -> go.Figure:
    """Correlation matrices side by side on one colour scale, values written in the cells."""
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=len(matrices), subplot_titles=list(matrices), horizontal_spacing=0.03)
    for col, matrix in enumerate(matrices.values(), start=1):
        fig.add_heatmap(z=matrix.to_numpy(), x=list(matrix.columns), y=list(matrix.index), zmin=-1, zmax=1,
                        colorscale="RdBu", showscale=col == len(matrices), row=1, col=col,
                        text=np.round(matrix.to_numpy(), 2), texttemplate="%{text}" if len(matrix) <= 10 else None,
                        hovertemplate="%{y} / %{x}: %{z:.2f}<extra></extra>")
        fig.update_yaxes(showticklabels=col == 1, autorange="reversed", row=1, col=col)
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)  # (the names of the rows, not cut to fit a 40-pixel margin)
    fig.update_layout(height=360, margin=dict(l=40, r=10, t=40, b=40))
    return fig


def benchmark_figure(summary: pd.DataFrame) -> go.Figure:
    """Each method's error (NRMSE), label accuracy and distribution distance, best first."""
    fig = go.Figure()
    for metric, colour in (("NRMSE", MISSING_COLOUR), ("distribution distance", REAL_COLOUR),
                           ("accuracy", "#5a9e6f")):
        if metric in summary and summary[metric].notna().any():
            fig.add_bar(x=summary["method"], y=summary[metric], name=metric, marker_color=colour,
                        hovertemplate="%{x}: %{y:.3f}<extra>" + metric + "</extra>")
    fig.update_layout(barmode="group", height=340, margin=dict(l=40, r=10, t=30, b=40),
                      yaxis_title="lower is better (accuracy: higher)", legend=dict(orientation="h", y=1.12))
    fig.update_xaxes(type="category")
    return fig


def standard_error_figure(pooled: pd.DataFrame, single: pd.DataFrame, complete_case: pd.DataFrame) -> go.Figure:
    """Standard errors of each coefficient: multiple imputation vs single imputation vs complete cases."""
    fig = go.Figure()
    terms = [t for t in pooled["term"] if t != "const"]
    for name, table, colour in (("multiple imputation (Rubin)", pooled, REAL_COLOUR),
                                ("single imputation", single, IMPUTED_COLOUR),
                                ("complete cases", complete_case, "#8a8f99")):
        shown = table.set_index("term").reindex(terms)
        fig.add_bar(x=terms, y=shown["SE"], name=name, marker_color=colour)
    fig.update_layout(barmode="group", yaxis_title="standard error", height=340,
                      margin=dict(l=40, r=10, t=30, b=40), legend=dict(orientation="h", y=1.12))
    return fig


# --------------------------------------------------------------------------- distribution fitting


def fitted_density(marginal, name: str) -> go.Figure:
    """Histogram of a column (as a density) with the chosen distribution's density drawn over it."""
    values = marginal.values
    counts, edges = np.histogram(values, bins=HIST_BINS, density=True)
    fig = go.Figure(go.Bar(x=(edges[:-1] + edges[1:]) / 2, y=counts, width=np.diff(edges), name="data",
                           marker_color=REAL_COLOUR, opacity=0.6))
    fit = marginal.fit(name)
    if fit is not None:
        grid = np.linspace(values[0], values[-1], 200)
        fig.add_scatter(x=grid, y=fit.frozen().pdf(grid), mode="lines", name=name,
                        line=dict(color=MISSING_COLOUR, width=2.5))
    title = f"{marginal.column}: {name}" + (" (the data's own distribution)" if fit is None else "")
    fig.update_layout(title=title, height=300, bargap=0, yaxis_title="density", margin=dict(l=40, r=10, t=40, b=40),
                      legend=dict(orientation="h", y=1.15, x=1, xanchor="right"))
    return fig


def qq_plot(marginal, name: str, *, points: int = 300) -> go.Figure:
    """Quantiles of the data against the chosen distribution's: on the diagonal when it fits."""
    values = marginal.values
    probabilities = (np.arange(points) + 0.5) / points
    observed = np.quantile(values, probabilities)
    fit = marginal.fit(name)
    expected = fit.frozen().ppf(probabilities) if fit is not None else observed
    fig = go.Figure(go.Scatter(x=expected, y=observed, mode="markers", marker=dict(color=REAL_COLOUR, size=5),
                               name="quantiles"))
    low, high = float(np.nanmin([expected.min(), observed.min()])), float(np.nanmax([expected.max(), observed.max()]))
    fig.add_scatter(x=[low, high], y=[low, high], mode="lines", line=dict(color="#8a8f99", dash="dash"),
                    name="perfect fit")
    fig.update_layout(title=f"QQ plot: data against {name}", xaxis_title=f"{name} quantiles",
                      yaxis_title="data quantiles", height=320, margin=dict(l=40, r=10, t=40, b=40), showlegend=False)
    return fig


# --------------------------------------------------------------------------- real vs synthetic

SYNTHETIC_COLOUR = "#d9822b"


COMPARED = ("real", "synthetic")  # the default names of the two tables a comparison draws


def overlay_distribution(real: pd.Series, synthetic: pd.Series, kind: str, *,
                         names: tuple[str, str] = COMPARED) -> go.Figure:
    """One column, real and synthetic side by side on the same bins (shares of all rows, so sizes may differ); a
    label column's holes are a bar of their own, "(missing)", and a number or date column's holes are said in the
    legend ("real · 12% missing"), its bars adding up to the rest.

    ``names`` label the two tables (another run can take the place of the real data)."""
    fig = go.Figure()
    a, b = real.dropna(), synthetic.dropna()
    if kind in (*NUMERIC, Kind.DATETIME) and (pd.api.types.is_numeric_dtype(a)
                                                    or pd.api.types.is_datetime64_any_dtype(a)):
        dates = pd.api.types.is_datetime64_any_dtype(a)
        x = a.to_numpy().astype("datetime64[ns]").astype(np.int64) if dates else a.to_numpy(dtype=float)
        y = b.to_numpy().astype("datetime64[ns]").astype(np.int64) if dates else b.to_numpy(dtype=float)
        edges = np.histogram_bin_edges(np.r_[x, y], bins=HIST_BINS)
        centres = (edges[:-1] + edges[1:]) / 2
        shown = pd.to_datetime(centres) if dates else centres
        holes = real.isna().any() or synthetic.isna().any()
        for name, values, whole, colour in ((names[0], x, real, REAL_COLOUR), (names[1], y, synthetic,
                                                                                 SYNTHETIC_COLOUR)):
            counts = np.histogram(values, bins=edges)[0]
            missing = f" · {whole.isna().mean():.0%} missing" if holes and len(whole) else ""
            fig.add_bar(x=shown, y=counts / max(len(whole), 1), name=name + missing, marker_color=colour,
                        opacity=0.75)
        fig.update_layout(barmode="overlay", bargap=0)
    else:
        shares = pd.concat([as_labels(real).value_counts(normalize=True),  # holes as "(missing)", 3 as 3.0
                            as_labels(synthetic).value_counts(normalize=True)], axis=1, keys=[0, 1]).fillna(0)
        shares = shares.sort_values(0, ascending=False).head(MAX_BARS)
        for side, name, colour in ((0, names[0], REAL_COLOUR), (1, names[1], SYNTHETIC_COLOUR)):
            fig.add_bar(x=list(shares.index), y=shares[side], name=name, marker_color=colour)
        fig.update_layout(barmode="group")
        fig.update_xaxes(type="category")
    fig.update_layout(title=str(real.name), yaxis_title="share of rows", height=340, yaxis_tickformat=".0%",
                      margin=dict(l=40, r=10, t=50, b=40), legend=dict(orientation="h", y=1.12, x=1, xanchor="right"))
    return fig


def projection_figure(points: pd.DataFrame, *, names: tuple[str, str] = COMPARED) -> go.Figure:
    """Real and synthetic rows (``points["table"]`` "real" and "synthetic", shown as ``names``) on the real
    data's first two principal components."""
    explained = points.attrs.get("explained", [])
    fig = go.Figure()
    for table, name, colour in zip(COMPARED, names, (REAL_COLOUR, SYNTHETIC_COLOUR), strict=True):
        part = points[points["table"] == table]
        fig.add_scatter(x=part["PC1"], y=part["PC2"], mode="markers", name=name,
                        marker=dict(color=colour, size=5, opacity=0.5))
    label = lambda i: f"PC{i + 1}" + (f" ({explained[i]:.0%} of variance)" if i < len(explained) else "")  # noqa: E731
    fig.update_layout(xaxis_title=label(0), yaxis_title=label(1), height=420, margin=dict(l=40, r=10, t=30, b=40),
                      legend=dict(orientation="h", y=1.08))
    return fig


def leaderboard_figure(table: pd.DataFrame) -> go.Figure:
    """Each run's quality, detection AUC, utility and closeness share, side by side."""
    fig = go.Figure()
    for metric, colour in (("quality", "#5a9e6f"), ("detection AUC", SYNTHETIC_COLOUR), ("utility", REAL_COLOUR),
                           ("closer than holdout", "#8a5aa8")):
        if metric in table and table[metric].notna().any():
            fig.add_bar(x=table["run"], y=table[metric], name=metric, marker_color=colour,
                        hovertemplate="%{x}: %{y:.3f}<extra>" + metric + "</extra>")
    fig.update_layout(barmode="group", height=360, margin=dict(l=40, r=10, t=30, b=40),
                      legend=dict(orientation="h", y=1.12),
                      yaxis_title="quality, utility: higher is better; detection, closeness: lower")
    fig.update_xaxes(type="category")
    return fig


def reference_figure(value: float, interval: tuple[float, float], reference: float | None, *,
                     name: str = "detection AUC") -> go.Figure:
    """A score on its 0.5-to-1 scale with its 95% interval, 0.5 (cannot tell apart) and the reference: what real
    held-out rows score against the training rows."""
    fig = go.Figure()
    fig.add_vrect(x0=0.0, x1=0.5, fillcolor="rgba(180,180,180,0.15)", line_width=0, layer="below")
    fig.add_vline(x=0.5, line_dash="dot", line_color="#1f2430")
    # The lines' labels sit above the plot area, each on a row of its own and beside its line (not on it), so they
    # cross neither the lines, nor the marker, nor each other, however close the two lines are.
    fig.add_annotation(x=0.5, y=1, xref="x", yref="paper", yanchor="bottom", xanchor="right", xshift=-4,
                       text="0.5: cannot tell apart", showarrow=False, font=dict(size=11, color="#1f2430"))
    if reference is not None and np.isfinite(reference):
        fig.add_vline(x=reference, line_color=REAL_COLOUR, line_width=3)
        right = reference > 0.7  # (near the right edge the label opens leftwards)
        fig.add_annotation(x=reference, y=1, xref="x", yref="paper", yanchor="bottom", yshift=18,
                           xanchor="right" if right else "left", xshift=-4 if right else 4, showarrow=False,
                           text=f"real data scores this: {reference:.2f}", font=dict(size=11, color=REAL_COLOUR))
    low, high = interval
    error = dict(type="data", symmetric=False, array=[max(0.0, high - value)], arrayminus=[max(0.0, value - low)],
                 thickness=2, width=10) if np.isfinite(low) else None
    fig.add_scatter(x=[value], y=[name], mode="markers", marker=dict(size=14, color=SYNTHETIC_COLOUR),
                    error_x=error, name="this run",
                    hovertemplate=f"{name} %{{x:.3f}}<extra>95% interval {low:.2f} to {high:.2f}</extra>")
    # The run's own label under its marker, on a white box: a line passing there goes behind it, not through it.
    fig.add_annotation(x=value, y=name, yanchor="top", yshift=-12, showarrow=False, bgcolor="rgba(255,255,255,0.9)",
                       xanchor="right" if value > 0.85 else "left" if value < 0.15 else "center",
                       text=f"this run: {value:.2f}", font=dict(size=11, color=SYNTHETIC_COLOUR))
    fig.update_layout(height=190, margin=dict(l=10, r=10, t=50, b=30), showlegend=False,
                      xaxis=dict(range=[0, 1.02], title=None), yaxis=dict(title=None))
    return fig


def frontier_figure(table: pd.DataFrame, *, detection_goal: float = 0.65, risk_goal: float = 0.10) -> go.Figure:
    """Detection AUC against privacy, one point per run of the leaderboard ``table``; the runs on the Pareto front
    joined by a line, the corner where rows are both hard to tell from real and private shaded."""
    from core.evaluate.leaderboard import frontier

    risk = table["closer than holdout"].where(table["closer than holdout"].notna(), table["exact copies"])
    on = frontier(table["detection AUC"], risk)
    fig = go.Figure()
    fig.add_shape(type="rect", x0=0, x1=risk_goal, y0=0.5, y1=detection_goal, line_width=0,
                  fillcolor="rgba(90,158,111,0.15)", layer="below")
    fig.add_annotation(x=risk_goal, y=0.5, text="private and hard to tell from real", showarrow=False,
                       xanchor="right", yanchor="bottom", font=dict(size=11, color="#3d6e4c"))
    if "ε spent" in table:  # a private run's point says the budget it spent, and whether the guard stepped outside it
        marks = zip(table["run"], table["ε spent"], table["ε covers the rows"], strict=True)
        table = table.assign(run=[name if pd.isna(eps) else
                                  f"{name} (ε {eps:.3g}{'' if covers == 'yes' else ' + guard'})"
                                  for name, eps, covers in marks])
    front = table[on].assign(risk=risk[on]).sort_values("risk")
    if len(front) > 1:
        fig.add_scatter(x=front["risk"], y=front["detection AUC"], mode="lines", name="Pareto front",
                        line=dict(color="#1f2430", dash="dot"), hoverinfo="skip")
    auc = table["detection AUC"].dropna()
    low = min(0.45, float(auc.min()) - 0.03) if len(auc) else 0.45  # (below 0.5 is possible: fooled the other way)
    high = max(1.0, float(auc.max()) + 0.06) if len(auc) else 1.0  # (room for a label above the top point)
    x_span = max(float(risk.max()) if risk.notna().any() else 0.0, risk_goal)
    placed, where = [], {}
    for i, x, y in zip(table.index, risk, table["detection AUC"], strict=True):
        # Every point is named; a point near others (runs that score alike) takes the next free place around
        # it, below, then on the other side, so the names do not print over each other. Near the chart's edges a
        # name opens inwards.
        near = sum(abs(x - a) < 0.12 * x_span and abs(y - b) < 0.08 * (high - low) for a, b in placed) \
            if np.isfinite(x) and np.isfinite(y) else 0
        side = "left" if x > 0.7 * x_span else "right" if x < 0.15 * x_span else "center"
        if near >= 2:
            side = "left" if side != "left" else "right"
        where[i] = f"{'top' if near % 2 == 0 else 'bottom'} {side}"
        placed.append((x, y))
    for is_on, colour, name in ((True, SYNTHETIC_COLOUR, "on the front"), (False, "#9aa0ac", "beaten by another run")):
        part = table[on == is_on]
        if len(part):
            fig.add_scatter(x=risk[on == is_on], y=part["detection AUC"], mode="markers+text", name=name,
                            text=part["run"], marker=dict(size=11, color=colour), cliponaxis=False,
                            textposition=[where[i] for i in part.index], textfont=dict(size=11),
                            hovertemplate="%{text}<br>closer than holdout %{x:.3f}<br>detection AUC %{y:.3f}"
                                          "<extra></extra>")
    fig.update_layout(height=380, margin=dict(l=50, r=10, t=30, b=50), legend=dict(orientation="h", y=1.12),
                      xaxis_title="privacy risk: share of rows closer to a training row than new real rows "
                                  "(lower is more private)",
                      yaxis_title="detection AUC (0.5: cannot be told from real)")
    fig.update_xaxes(rangemode="tozero")
    fig.update_yaxes(range=[low, high])
    return fig


def dcr_figure(synthetic_dcr: np.ndarray, holdout_dcr: np.ndarray) -> go.Figure:
    """Distances to the closest training row: synthetic rows against real held-out rows."""
    both = np.r_[synthetic_dcr, holdout_dcr]
    edges = np.histogram_bin_edges(both[np.isfinite(both)], bins=HIST_BINS)
    centres = (edges[:-1] + edges[1:]) / 2
    fig = go.Figure()
    for name, values, colour in (("real held-out rows", holdout_dcr, REAL_COLOUR),
                                 ("synthetic rows", synthetic_dcr, SYNTHETIC_COLOUR)):
        counts = np.histogram(values, bins=edges)[0]
        fig.add_bar(x=centres, y=counts / max(counts.sum(), 1), name=name, marker_color=colour, opacity=0.7)
    cut = float(np.quantile(holdout_dcr, 0.05))
    fig.add_vline(x=cut, line_dash="dash", line_color="#1f2430")
    # The line's label sits above the plot area (not over the bars), beside the line, below the legend.
    right = (cut - edges[0]) > 0.5 * (edges[-1] - edges[0])  # (past the middle the label opens leftwards)
    fig.add_annotation(x=cut, y=1, xref="x", yref="paper", yanchor="bottom", xanchor="right" if right else "left",
                       xshift=-4 if right else 4, showarrow=False, font=dict(size=11, color="#1f2430"),
                       text="5% of held-out rows are closer than this")
    fig.update_layout(barmode="overlay", bargap=0, height=360, yaxis_tickformat=".0%", yaxis_title="share of rows",
                      xaxis_title="distance to the closest training row", margin=dict(l=40, r=10, t=70, b=40),
                      legend=dict(orientation="h", y=1.1, yanchor="bottom"))
    return fig


def leaning_figure(leaning: pd.Series, *, top: int = 10) -> go.Figure:
    """The ``top`` columns the detector leans on as horizontal bars, the largest AUC drop at the top."""
    shown = leaning.sort_values(ascending=False).head(top).iloc[::-1]  # (plotly draws the first bar at the bottom)
    fig = go.Figure(go.Bar(x=shown.to_numpy(dtype=float), y=[str(c) for c in shown.index], orientation="h",
                           marker_color=SYNTHETIC_COLOUR, hovertemplate="%{y}: AUC drop %{x:.3f}<extra></extra>"))
    fig.update_layout(height=120 + 26 * len(shown), margin=dict(l=10, r=10, t=10, b=40), xaxis_title="AUC drop")
    fig.update_xaxes(nticks=5, tickformat=".2f", rangemode="tozero")
    fig.update_yaxes(type="category")
    return fig


def conditional_figure(real: pd.DataFrame, synthetic: pd.DataFrame, value: str, group: str, *,
                       names: tuple[str, str] = COMPARED) -> go.Figure:
    """A number column's distribution within each group of a label column, real beside synthetic (``names``)."""
    fig = go.Figure()
    order = as_labels(real[group]).value_counts().index[:MAX_BARS]
    for name, df, colour in ((names[0], real, REAL_COLOUR), (names[1], synthetic, SYNTHETIC_COLOUR)):
        groups = as_labels(df[group])
        kept = groups.isin(order)
        fig.add_box(x=groups[kept], y=df.loc[kept, value], name=name, marker_color=colour, boxmean=True)
    fig.update_layout(boxmode="group", xaxis_title=group, yaxis_title=value, height=380,
                      margin=dict(l=40, r=10, t=30, b=40), legend=dict(orientation="h", y=1.1))
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=list(order))
    return fig


def training_curves(history: list, loss_names: tuple[str, ...]) -> go.Figure:
    """Losses per epoch (left) and fidelity, the score that says how real the samples look (right)."""
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=2, subplot_titles=("losses", "fidelity: 1 − mean column distance"),
                        horizontal_spacing=0.1)
    epochs = [p.epoch for p in history]
    for k, name in enumerate(loss_names):
        fig.add_trace(go.Scatter(x=epochs, y=[p.losses.get(name) for p in history], name=f"{name} loss",
                                 mode="lines", line={"color": LOSS_COLOURS[k % len(LOSS_COLOURS)]}), row=1, col=1)
    scored = [p for p in history if p.fidelity is not None]
    fig.add_trace(go.Scatter(x=[p.epoch for p in scored], y=[p.fidelity for p in scored], name="fidelity",
                             mode="lines+markers", line={"color": "#2a9d8f"}), row=1, col=2)
    if scored:
        best = max(scored, key=lambda p: p.fidelity)
        fig.add_annotation(x=best.epoch, y=best.fidelity, text=f"best {best.fidelity:.3f}", showarrow=True,
                           arrowhead=2, row=1, col=2)
    last = history[-1].epochs if history else 1
    fig.update_xaxes(title_text="epoch", range=[0, max(last, 1)])
    fig.update_yaxes(range=[max(0.0, min([p.fidelity for p in scored], default=0.5) - 0.05), 1.0], row=1, col=2)
    fig.update_layout(height=320, margin={"t": 40, "b": 40, "l": 50, "r": 20},
                      legend={"orientation": "h", "y": -0.25})
    return fig


# --------------------------------------------------------------------------- stitching

MATCH_COLOURS = {"certain": "#2a9d8f", "uncertain": "#e9c46a", "left only": "#8d99ae", "right only": "#b7b7a4"}


def match_counts_figure(counts: dict[str, int]) -> go.Figure:
    """How the records of two stitched tables fared: certain and uncertain pairs, records left unmatched per side."""
    fig = go.Figure()
    fig.add_bar(x=list(counts.values()), y=list(counts), orientation="h", text=[f"{v:,}" for v in counts.values()],
                marker_color=[MATCH_COLOURS.get(k, REAL_COLOUR) for k in counts], textposition="auto",
                hovertemplate="%{y}: %{x:,}<extra></extra>")
    fig.update_layout(height=260, margin=dict(l=10, r=10, t=30, b=40), xaxis_title="rows of the stitched table",
                      yaxis=dict(autorange="reversed"), title="Rows by how they were matched")
    return fig


def match_score_figure(best: pd.Series, threshold: float) -> go.Figure:
    """Each left record's best candidate score (0-100), with the threshold a match must reach."""
    counts, edges = np.histogram(best.to_numpy(dtype=float), bins=50, range=(0, 100))
    fig = go.Figure()
    fig.add_bar(x=(edges[:-1] + edges[1:]) / 2, y=counts, width=np.diff(edges), marker_color=REAL_COLOUR,
                hovertemplate="score %{x:.0f}: %{y:,} records<extra></extra>")
    fig.add_vline(x=threshold, line_dash="dash", line_color="#c0392b", annotation_text=f"threshold {threshold:g}",
                  annotation_position="top left")
    fig.update_layout(height=260, margin=dict(l=40, r=10, t=30, b=40), bargap=0, yaxis_title="left records",
                      xaxis=dict(title="best score against the other table (0 = nothing comparable)", range=[0, 100]),
                      title="Best match score per record")
    return fig


# --------------------------------------------------------------------------- designed scenarios

def declared_marginal(name: str, shape: str, x, y, sample: pd.Series | None = None) -> go.Figure:
    """A declared marginal (``shape``: "density" of numbers, "probability" per value, or "per day" for dates),
    with the shares of a drawn ``sample`` on the same scale as bars when one is given."""
    fig = go.Figure()
    values = sample.dropna() if sample is not None else None
    if shape == "probability":
        labels = [str(v) for v in x]
        if values is not None:
            numeric = pd.api.types.is_numeric_dtype(values)
            shares = (values if numeric else values.astype(str)).value_counts(normalize=True).reindex(
                list(x) if numeric else labels, fill_value=0.0)
            fig.add_bar(x=labels, y=shares.to_numpy(), name="drawn", marker_color=REAL_COLOUR, opacity=0.7)
        fig.add_scatter(x=labels, y=np.asarray(y), mode="markers+lines" if len(labels) > 12 else "markers",
                        name="declared", marker=dict(color=SYNTHETIC_COLOUR, size=9, symbol="diamond"),
                        line=dict(color=SYNTHETIC_COLOUR))
        fig.update_xaxes(type="category")
        fig.update_yaxes(title="share")
    else:
        dates = shape == "per day"
        x = np.asarray(x)
        grid = x.astype("datetime64[ns]").astype(np.int64) if dates else x.astype(float)
        if values is not None and len(values):
            stamps = values.to_numpy().astype("datetime64[ns]").astype(np.int64) if dates else \
                values.to_numpy(dtype=float)
            edges = np.histogram_bin_edges(grid if dates else stamps, bins=HIST_BINS)  # dates: the declared range
            counts = np.histogram(stamps, bins=edges)[0]
            width = np.diff(edges) / (86_400e9 if dates else 1.0)  # a bin's width in days (dates) or units
            centres = (edges[:-1] + edges[1:]) / 2
            fig.add_bar(x=pd.to_datetime(centres) if dates else centres, y=counts / counts.sum() / width,
                        width=np.diff(edges) / 1e6 if dates else np.diff(edges), name="drawn",
                        marker_color=REAL_COLOUR, opacity=0.6)
        if dates:  # the declared share per day, averaged over the chart's bins (a weekly pattern would be a comb)
            edges = np.histogram_bin_edges(grid, bins=HIST_BINS)
            per_bin = np.histogram(grid, bins=edges, weights=np.asarray(y))[0]
            days = np.maximum(np.histogram(grid, bins=edges)[0], 1)
            x, y = pd.to_datetime((edges[:-1] + edges[1:]) / 2), per_bin / days  # mean share per day in the bin
        fig.add_scatter(x=x, y=np.asarray(y), mode="lines+markers" if dates else "lines", name="declared",
                        line=dict(color=SYNTHETIC_COLOUR, width=2.5))
        fig.update_yaxes(title="share per day" if dates else "density")
    fig.update_layout(title=str(name), height=260, bargap=0.05 if shape == "probability" else 0,
                      margin=dict(l=40, r=10, t=40, b=30), legend=dict(orientation="h", y=1.2, x=1, xanchor="right"))
    return fig


# --------------------------------------------------------------------------- agent-based simulation

def agent_steps(summary: pd.DataFrame, *, unit: str = "step", cumulative: bool = False,
                done: bool = False) -> go.Figure:
    """Events of each kind per step of an agent-based simulation (running totals when ``cumulative``), one line
    each; an empty run says so (``done``: the run has ended, so none will come)."""
    fig = go.Figure()
    shown = summary.cumsum() if cumulative else summary
    for event in shown.columns:
        fig.add_trace(go.Scatter(x=shown.index, y=shown[event], name=str(event), mode="lines"))
    if not len(summary) or not summary.to_numpy().any():
        _note(fig, "No event happened in this run: the chances set above never came true." if done else
              "No event yet.")
    fig.update_xaxes(title_text=unit, range=[0.5, max(len(summary), 1) + 0.5])
    fig.update_yaxes(title_text="events so far" if cumulative else f"events per {unit}", rangemode="tozero")
    fig.update_layout(height=320, margin={"t": 30, "b": 40, "l": 60, "r": 20}, legend={"orientation": "h", "y": -0.25})
    return fig


# --------------------------------------------------------------------------- diffusion

def denoising_figure(frames: pd.DataFrame) -> go.Figure:
    """The reverse chain of a diffusion model as small multiples, t = T on the left to t = 0 on the right: a number
    column against its partner (a scatter, or a strip per category), or its histogram when it has none."""
    from plotly.subplots import make_subplots

    steps = sorted(frames["step"].unique(), reverse=True)
    last = max(steps)
    titles = [("t = T (noise)" if t == last else "t = 0 (rows)" if t == 0 else f"t = {t}") for t in steps]
    fig = make_subplots(rows=1, cols=len(steps), subplot_titles=titles, shared_yaxes=True, horizontal_spacing=0.02)
    x_name, y_name = frames.attrs.get("x", "x"), frames.attrs.get("y")
    for k, t in enumerate(steps, start=1):
        part = frames[frames["step"] == t]
        if y_name is None:
            fig.add_histogram(x=part["x"], marker_color=SYNTHETIC_COLOUR, showlegend=False, row=1, col=k)
        else:
            fig.add_scatter(x=part["x"], y=part["y"], mode="markers", showlegend=False, row=1, col=k,
                            marker={"size": 4, "color": SYNTHETIC_COLOUR, "opacity": 0.5})
        fig.update_xaxes(title_text=x_name if k == (len(steps) + 1) // 2 else None, row=1, col=k)
    fig.update_xaxes(matches="x")  # one scale for every step, so the frames compare
    fig.update_yaxes(title_text=y_name if y_name is not None else "rows", row=1, col=1)
    fig.update_layout(height=300, margin={"t": 40, "b": 40, "l": 60, "r": 10})
    return fig
