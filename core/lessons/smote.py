"""SMOTE, step by step: the computations behind the Learn page of the same name.

SMOTE (Chawla, Bowyer, Hall & Kegelmeyer 2002, §4.2) makes a new minority row in four draws:

1. pick a minority row x at random;
2. find its k nearest neighbours *among the minority rows*;
3. pick one of them, n, at random;
4. draw a gap g ~ U(0, 1) and place the new row at x + g·(n − x), on the segment from x to n.

This module writes those steps out by hand, so a page can reveal them one at a time, and plans
all the draws up front from one seed: the point a room reaches by clicking "repeat" is the point
"Generate all" draws, and the same seed gives the same points. Neighbours are searched on
standardised coordinates (z = (v − mean) / sd over all rows), as the project's samplers do, so a
column measured in grams does not outweigh one measured in millimetres; interpolation is linear,
so the new point is the same whichever scale it is computed on.

Two teaching measures sit beside it. *Overlap*: a new point whose nearest original row belongs
to the majority lies in the majority's region, the classic failure of SMOTE on overlapping
classes. *Variety*: with a fixed gap of 0.5 every new point is the midpoint of a pair, so at most
(minority rows × k) places can ever be filled and points repeat; the random gap fills the whole
segment. The family (Borderline-SMOTE, ADASYN, Safe-Level SMOTE, Geometric SMOTE) comes from
imbalanced-learn, imbalanced-learn-extra and :mod:`core.synth.safe_level`, called as
:mod:`core.synth.oversample` calls them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from sklearn.neighbors import NearestNeighbors

from core.errors import DataError, ParameterError

MAJORITY, MINORITY = "majority", "minority"
FIXED_GAP = 0.5
MAX_NEW = 100_000  # new points of one hand-stepped plan (the lesson shows a few hundred)
STEPS = ("pick a minority point", "find its k nearest minority neighbours", "pick one of them",
         "draw a random gap g ~ U(0, 1)", "place the new point x + g·(neighbour − x)", "repeat")
FAMILY = ("SMOTE", "Borderline-SMOTE", "ADASYN", "Safe-Level SMOTE", "Geometric SMOTE")


@dataclass(frozen=True)
class Points:
    """A 2-D two-class picture: the rows' coordinates, which are minority, and the names to show."""

    xy: np.ndarray  # (rows, 2) in the table's units
    minority: np.ndarray  # bool per row
    x_name: str = "x"
    y_name: str = "y"
    minority_label: str = MINORITY
    majority_label: str = MAJORITY

    @property
    def n_minority(self) -> int:
        return int(self.minority.sum())

    @property
    def scaled(self) -> np.ndarray:
        """z = (v − mean) / sd per column, over all rows (a constant column keeps sd 1)."""
        sd = self.xy.std(axis=0)
        return (self.xy - self.xy.mean(axis=0)) / np.where(sd > 0, sd, 1.0)

    def to_scaled(self, xy: np.ndarray) -> np.ndarray:
        sd = self.xy.std(axis=0)
        return (xy - self.xy.mean(axis=0)) / np.where(sd > 0, sd, 1.0)

    def from_scaled(self, z: np.ndarray) -> np.ndarray:
        sd = self.xy.std(axis=0)
        return z * np.where(sd > 0, sd, 1.0) + self.xy.mean(axis=0)


def toy(rng=0, *, n_majority: int = 200, n_minority: int = 20) -> Points:
    """A seeded imbalanced two-class set: a wide majority cloud and a small minority cloud that overlaps its edge."""
    rng = np.random.default_rng(rng)
    majority = rng.normal([0.0, 0.0], [1.2, 1.0], size=(n_majority, 2))
    minority = rng.normal([2.0, 1.2], [0.9, 0.8], size=(n_minority, 2))
    xy = np.vstack([majority, minority])
    return Points(xy, np.r_[np.zeros(n_majority, bool), np.ones(n_minority, bool)], "x₁", "x₂")


def from_table(df: pd.DataFrame, x: str, y: str, target: str) -> Points:
    """Two number columns and a label target of a table; rows with a missing value are dropped.

    The minority is the smallest class; every other class together is the majority.
    """
    if x == y:
        raise ParameterError("Choose two different columns for the two axes.")
    missing = [c for c in (x, y, target) if c not in df.columns]
    if missing:
        raise DataError(f"The table has no column '{missing[0]}'.", hint="Choose columns of the loaded table.")
    frame = df[[x, y, target]].dropna()
    frame = frame[np.isfinite(frame[[x, y]].to_numpy(dtype=float)).all(axis=1)]
    counts = frame[target].value_counts()
    if len(counts) < 2:
        raise DataError(f"The target '{target}' has fewer than two classes in the rows where '{x}' and '{y}' are "
                        "known, so there is no minority to oversample.")
    smallest = counts.index[-1]
    minority = (frame[target] == smallest).to_numpy()
    if minority.sum() < 2:
        raise DataError(f"The smallest class {smallest!r} has a single complete row, which has no neighbour.")
    others = [str(c) for c in counts.index[:-1]]
    return Points(frame[[x, y]].to_numpy(dtype=float), minority, str(x), str(y), str(smallest),
                  others[0] if len(others) == 1 else "other classes")


def minority_neighbours(points: Points, k: int) -> np.ndarray:
    """(minority rows, k): for each minority row, the positions (among the minority rows) of its k nearest others."""
    m = points.n_minority
    if not 1 <= k < m:
        raise ParameterError(f"k must be between 1 and {m - 1}: the minority class has {m} rows, and a row is not "
                             "its own neighbour.", hint=f"Set k to {max(1, min(k, m - 1))}.")
    z = points.scaled[points.minority]
    found = NearestNeighbors(n_neighbors=k + 1).fit(z).kneighbors(z, return_distance=False)
    # a row is its own nearest neighbour, except when it has an exact copy; drop it wherever it stands
    return np.array([[j for j in row if j != i][:k] for i, row in enumerate(found)])


@dataclass(frozen=True)
class Plan:
    """Every draw of n SMOTE steps, made up front from one seed."""

    base: np.ndarray  # position (among the minority rows) of x, per new point
    choice: np.ndarray  # which of x's k neighbours, per new point
    gap: np.ndarray  # g, per new point
    neighbours: np.ndarray  # (minority rows, k) from minority_neighbours
    origin: np.ndarray  # x per new point, (n, 2)
    partner: np.ndarray  # the chosen neighbour per new point, (n, 2)
    new: np.ndarray  # x + g (neighbour − x), (n, 2)

    def __len__(self) -> int:
        return len(self.gap)


def plan(points: Points, *, k: int, n: int, rng=0, fixed_gap: bool = False) -> Plan:
    """The n new points of hand-stepped SMOTE; the fixed gap only changes g (same picks, so the two compare)."""
    if not 1 <= n <= MAX_NEW:
        raise ParameterError(f"Ask for 1 to {MAX_NEW:,} new points, not {n:,}.")
    neighbours = minority_neighbours(points, k)
    rng = np.random.default_rng(rng)
    base = rng.integers(points.n_minority, size=n)  # step 1: x
    choice = rng.integers(k, size=n)  # step 3: one of its k neighbours
    gap = rng.random(n)  # step 4: g ~ U(0, 1)
    if fixed_gap:
        gap = np.full(n, FIXED_GAP)
    rows = points.xy[points.minority]
    origin, partner = rows[base], rows[neighbours[base, choice]]
    new = origin + gap[:, None] * (partner - origin)  # step 5: x + g·(n − x)
    return Plan(base, choice, gap, neighbours, origin, partner, new)


def in_majority_region(points: Points, new: np.ndarray) -> np.ndarray:
    """True for each new point whose nearest original row (either class, standardised distance) is a majority row."""
    if len(new) == 0:
        return np.zeros(0, bool)
    nearest = NearestNeighbors(n_neighbors=1).fit(points.scaled).kneighbors(points.to_scaled(new),
                                                                             return_distance=False)[:, 0]
    return ~points.minority[nearest]


def distinct(new: np.ndarray) -> int:
    """How many different places the new points occupy (rounded to 9 digits, so float noise is not variety)."""
    return len(np.unique(np.round(new, 9), axis=0)) if len(new) else 0


def midpoint_places(p: Plan) -> int:
    """Places a fixed gap of 0.5 can ever fill: the midpoints of the distinct (row, neighbour) pairs."""
    pairs = {tuple(sorted((i, int(j)))) for i, row in enumerate(p.neighbours) for j in row}
    return len(pairs)


# --------------------------------------------------------------------------- the family, from the libraries


def family(points: Points, *, k: int, n: int, rng=0) -> dict[str, np.ndarray | str]:
    """The new points each sampler of the SMOTE family makes on ``points`` (or a sentence saying why none).

    Each is asked for n new minority rows (ADASYN may give a few more or fewer: it shares the
    ask out by difficulty and rounds). Fitted on standardised coordinates, returned in the table's units.
    """
    from imblearn.over_sampling import ADASYN, SMOTE, BorderlineSMOTE
    from imblearn_extra.gsmote import GeometricSMOTE

    from core.synth.safe_level import SafeLevelSMOTE

    seed = int(np.random.default_rng(rng).integers(2**31 - 1))
    z, y = points.scaled, points.minority.astype(int)
    strategy = {1: points.n_minority + n}
    makers = {
        "SMOTE": lambda: SMOTE(sampling_strategy=strategy, k_neighbors=k, random_state=seed),
        "Borderline-SMOTE": lambda: BorderlineSMOTE(sampling_strategy=strategy, k_neighbors=k, random_state=seed),
        "ADASYN": lambda: ADASYN(sampling_strategy=strategy, n_neighbors=k, random_state=seed),
        "Safe-Level SMOTE": lambda: SafeLevelSMOTE(sampling_strategy=strategy, k_neighbors=k, random_state=seed),
        "Geometric SMOTE": lambda: GeometricSMOTE(sampling_strategy=strategy, k_neighbors=k, random_state=seed),
    }
    out: dict[str, np.ndarray | str] = {}
    for name, make in makers.items():
        try:
            resampled, labels = make().fit_resample(z, y)
        except (ValueError, RuntimeError) as exc:  # e.g. ADASYN: no minority row has a majority neighbour
            out[name] = f"{name} made no points here: {str(exc).rstrip('.')}."
            continue
        added = np.asarray(resampled)[len(z):]
        out[name] = points.from_scaled(added[np.asarray(labels)[len(z):] == 1]) if len(added) else np.zeros((0, 2))
    return out


# --------------------------------------------------------------------------- pictures

MAJORITY_COLOUR = "#9aa5b1"
NEW_COLOUR = "#d9822b"  # core.plots.SYNTHETIC_COLOUR
OVERLAP_COLOUR = "#c0392b"  # core.plots.LOST_COLOUR
FOCUS_COLOUR = "#1f2430"
PARTNER_COLOUR = "#2a9d8f"


def shown(p: Plan, done: int, phase: int) -> int:
    """New points already placed after ``done`` finished points and ``phase`` steps into the next one."""
    return min(len(p), done + (phase >= 5))


def step_caption(points: Points, p: Plan, done: int, phase: int, k: int) -> str:
    """What the last step did, in words and numbers (markdown)."""
    if phase == 0 or done >= len(p):
        return ("Press **Next** to start." if done == 0 else
                f"{shown(p, done, phase)} new point{'s' if shown(p, done, phase) != 1 else ''} placed."
                + (" All asked for are made." if done >= len(p) else ""))
    i = done
    x, n, g, new = p.origin[i], p.partner[i], p.gap[i], p.new[i]
    fmt = lambda v: f"({v[0]:.3g}, {v[1]:.3g})"  # noqa: E731 - a one-line formatter
    lines = [f"**Point {i + 1}.** x = {fmt(x)}, minority row {p.base[i] + 1} of {points.n_minority}."]
    if phase >= 2:
        lines.append(f"Its {k} nearest minority neighbours are ringed, joined to x by dashed lines.")
    if phase >= 3:
        lines.append(f"Picked neighbour {p.choice[i] + 1} of {k}: n = {fmt(n)}.")
    if phase >= 4:
        lines.append(f"Gap g = **{g:.3f}**" + (" (fixed)." if g == FIXED_GAP else ", drawn from U(0, 1)."))
    if phase >= 5:
        lines.append(f"New point x + g·(n − x) = **{fmt(new)}**.")
    return "  \n".join(lines)


def _background(fig, points: Points, *, row=None, col=None, legend: bool = True) -> None:
    where = dict(row=row, col=col) if row else {}
    for mask, name, colour in ((~points.minority, points.majority_label, MAJORITY_COLOUR),
                               (points.minority, points.minority_label, "#3b6fb6")):
        fig.add_scatter(x=points.xy[mask, 0], y=points.xy[mask, 1], mode="markers", showlegend=legend,
                        name=f"{name} ({int(mask.sum())})", legendgroup=name,
                        marker=dict(color=colour, size=6, opacity=0.7), **where)


def _new_points(fig, new: np.ndarray, overlap: np.ndarray, *, row=None, col=None, legend: bool = True) -> None:
    where = dict(row=row, col=col) if row else {}
    for mask, name, colour in ((~overlap, "new, in minority region", NEW_COLOUR),
                               (overlap, "new, in majority region", OVERLAP_COLOUR)):
        fig.add_scatter(x=new[mask, 0], y=new[mask, 1], mode="markers", name=name, legendgroup=name,
                        showlegend=legend, marker=dict(color=colour, size=11, symbol="star",
                                                       line=dict(color="white", width=0.5)), **where)


def step_figure(points: Points, p: Plan, done: int, phase: int) -> go.Figure:
    """The data, the points placed so far, and the current step of the next point drawn on top."""
    fig = go.Figure()
    _background(fig, points)
    placed = p.new[:shown(p, done, phase)]
    _new_points(fig, placed, in_majority_region(points, placed))
    title = f"{shown(p, done, phase)} of {len(p)} new points"
    if phase > 0 and done < len(p):
        i = done
        x, partner = p.origin[i], p.partner[i]
        title += f" · step: {STEPS[phase - 1]}"
        if phase >= 2:
            around = points.xy[points.minority][p.neighbours[p.base[i]]]
            xs = np.column_stack([np.full(len(around), x[0]), around[:, 0], np.full(len(around), np.nan)]).ravel()
            ys = np.column_stack([np.full(len(around), x[1]), around[:, 1], np.full(len(around), np.nan)]).ravel()
            fig.add_scatter(x=xs, y=ys, mode="lines", name="k nearest minority neighbours",
                            line=dict(color=FOCUS_COLOUR, width=1, dash="dash"))
            fig.add_scatter(x=around[:, 0], y=around[:, 1], mode="markers", showlegend=False, hoverinfo="skip",
                            marker=dict(size=14, color="rgba(0,0,0,0)", line=dict(color=FOCUS_COLOUR, width=1.5)))
        if phase >= 3:
            fig.add_scatter(x=[x[0], partner[0]], y=[x[1], partner[1]], mode="lines+markers",
                            name="segment x → neighbour", line=dict(color=PARTNER_COLOUR, width=3),
                            marker=dict(size=16, color="rgba(0,0,0,0)", line=dict(color=PARTNER_COLOUR, width=2.5)))
        if phase >= 4:
            at = x + p.gap[i] * (partner - x)
            fig.add_scatter(x=[x[0], at[0]], y=[x[1], at[1]], mode="lines", name=f"gap g = {p.gap[i]:.2f}",
                            line=dict(color=NEW_COLOUR, width=6))
        if phase >= 5:
            fig.add_scatter(x=[p.new[i, 0]], y=[p.new[i, 1]], mode="markers", name="the point just made",
                            marker=dict(size=20, symbol="star", color=NEW_COLOUR,
                                        line=dict(color=FOCUS_COLOUR, width=1.5)))
        fig.add_scatter(x=[x[0]], y=[x[1]], mode="markers", name="x, the picked minority point",
                        marker=dict(size=18, color="rgba(0,0,0,0)", line=dict(color=FOCUS_COLOUR, width=3)))
    _frame(fig, points, title)
    fig.update_layout(height=480)
    return fig


def _axes(fig, points: Points, **titles) -> None:
    """The same ranges whatever is drawn, so the picture does not jump between steps."""
    low, high = points.xy.min(axis=0), points.xy.max(axis=0)
    pad = (high - low) * 0.05 + 1e-9
    fig.update_xaxes(range=[low[0] - pad[0], high[0] + pad[0]], **titles.get("x", {}))
    fig.update_yaxes(range=[low[1] - pad[1], high[1] + pad[1]], **titles.get("y", {}))


def _frame(fig, points: Points, title: str) -> None:
    _axes(fig, points, x=dict(title_text=points.x_name), y=dict(title_text=points.y_name))
    fig.update_layout(title=title, margin=dict(l=40, r=10, t=50, b=40), legend=dict(orientation="h", y=-0.18))


def family_figure(points: Points, made: dict[str, np.ndarray | str]) -> go.Figure:
    """Small multiples: the same data, each sampler's new points on it, the majority-region ones in red."""
    from plotly.subplots import make_subplots

    titles = []
    for name, new in made.items():
        titles.append(f"{name}: nothing made" if isinstance(new, str) else
                      f"{name}: {len(new)} new, {int(in_majority_region(points, new).sum())} in majority region")
    fig = make_subplots(rows=2, cols=3, subplot_titles=titles, horizontal_spacing=0.05, vertical_spacing=0.12)
    for slot, new in enumerate(made.values()):
        row, col = slot // 3 + 1, slot % 3 + 1
        _background(fig, points, row=row, col=col, legend=slot == 0)
        if not isinstance(new, str):
            _new_points(fig, new, in_majority_region(points, new), row=row, col=col, legend=slot == 0)
    _axes(fig, points)
    for row, col in ((2, 1), (2, 2), (1, 3)):  # the lowest panel of each column names the axes
        fig.update_xaxes(title_text=points.x_name, title_font_size=11, row=row, col=col)
    for row in (1, 2):
        fig.update_yaxes(title_text=points.y_name, title_font_size=11, row=row, col=1)
    fig.update_annotations(font_size=12)
    fig.update_layout(height=620, margin=dict(l=30, r=10, t=40, b=40), legend=dict(orientation="h", y=-0.08))
    return fig
