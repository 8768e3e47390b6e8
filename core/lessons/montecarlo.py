"""Random numbers and Monte Carlo: inverse-CDF sampling and the law of large numbers.

Inverse-CDF sampling (Devroye 1986, ch. 2): if U is uniform on (0, 1) and F is a CDF with
quantile function F⁻¹(u) = inf{x : F(x) ≥ u}, then X = F⁻¹(U) has CDF F, because
P(F⁻¹(U) ≤ x) = P(U ≤ F(x)) = F(x). scipy.stats gives F⁻¹ as ``ppf`` for its families; a column
of a table gives its empirical quantile function, the sorted values joined by straight lines
(``np.quantile``'s "linear" method), whose mean and variance are computed exactly below.

The law of large numbers: the running mean of n independent draws, (1/n) Σ xᵢ, converges to
the expected value μ, and by the central limit theorem it lies within ±1.96 σ/√n of μ for about
95% of seeds at each n.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from scipy import stats

from core.errors import DataError, ParameterError
from core.plots import LOSS_COLOURS, MISSING_COLOUR, REAL_COLOUR

COLUMN = "column"
# family: (label, [(parameter, default, minimum allowed (exclusive when positive), help)])
FAMILIES: dict[str, tuple[str, list[tuple[str, float, float | None, str]]]] = {
    "normal": ("Normal", [("mean", 0.0, None, "μ, the centre"), ("sd", 1.0, 0.0, "σ > 0, the spread")]),
    "exponential": ("Exponential", [("scale", 1.0, 0.0, "the mean, > 0")]),
    "gamma": ("Gamma", [("shape", 2.0, 0.0, "k > 0"), ("scale", 1.0, 0.0, "θ > 0; the mean is kθ")]),
    "lognormal": ("Lognormal", [("mu", 0.0, None, "the mean of log X"),
                                ("sigma", 0.5, 0.0, "the sd of log X, > 0")]),
    "uniform": ("Uniform", [("low", 0.0, None, "the smallest value"), ("high", 1.0, None, "the largest value")]),
    COLUMN: ("A column of the loaded table", []),
}
MAX_DRAWS = 100_000
MAX_LINES = 12  # u values mapped across the CDF
DIE = "die"


def _frozen(family: str, params: dict[str, float]):
    """The scipy distribution of ``family`` with ``params``; a ParameterError when they are out of range."""
    for name, _, low, _ in FAMILIES[family][1]:
        value = params.get(name)
        if not isinstance(value, (int, float, np.number)) or isinstance(value, bool) or not np.isfinite(value):
            raise ParameterError(f"The {name} must be a number.")
        if low is not None and value <= low:
            raise ParameterError(f"The {name} must be above {low:g}.", hint="Give it a positive value.")
    p = params
    if family == "normal":
        return stats.norm(loc=p["mean"], scale=p["sd"])
    if family == "exponential":
        return stats.expon(scale=p["scale"])
    if family == "gamma":
        return stats.gamma(p["shape"], scale=p["scale"])
    if family == "lognormal":
        return stats.lognorm(p["sigma"], scale=np.exp(p["mu"]))  # X = exp(μ + σZ)
    if family == "uniform":
        if p["high"] <= p["low"]:
            raise ParameterError("The largest value must be above the smallest.", hint="Raise 'high' above 'low'.")
        return stats.uniform(loc=p["low"], scale=p["high"] - p["low"])
    raise ParameterError(f"Unknown distribution {family!r}.")


@dataclass(frozen=True)
class Target:
    """A distribution to sample from: a scipy family, or a column's empirical quantile function."""

    label: str
    dist: object | None = None  # a frozen scipy distribution
    values: np.ndarray | None = None  # sorted column values (the empirical case)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        if self.dist is not None:
            return self.dist.ppf(u)
        return np.quantile(self.values, u, method="linear")  # F⁻¹(u) = x₍ₕ₎ interpolated, h = (m − 1) u

    def cdf(self, x: np.ndarray) -> np.ndarray:
        if self.dist is not None:
            return self.dist.cdf(x)
        v = self.values
        return np.interp(x, v, np.linspace(0.0, 1.0, len(v)))  # the inverse of the piecewise-linear F⁻¹

    @property
    def mean(self) -> float:
        if self.dist is not None:
            return float(self.dist.mean())
        v = self.values  # ∫₀¹ F⁻¹(u) du: trapezoids between consecutive order statistics
        return float((v.sum() - (v[0] + v[-1]) / 2) / (len(v) - 1))

    @property
    def sd(self) -> float:
        if self.dist is not None:
            return float(self.dist.std())
        a, b = self.values[:-1], self.values[1:]
        second = float(np.sum(a * a + a * b + b * b) / 3 / len(a))  # ∫ (F⁻¹)² du, each segment (a² + ab + b²)/3
        return float(np.sqrt(max(second - self.mean ** 2, 0.0)))

    def support(self) -> tuple[float, float]:
        """The range to draw: the 0.1% and 99.9% quantiles (the whole range for a column)."""
        low, high = (float(q) for q in self.ppf(np.array([0.001, 0.999])))
        return (low, high) if high > low else (low - 1, high + 1)

    def density(self, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(x, density) to draw against a histogram with these bin edges."""
        if self.dist is not None:
            x = np.linspace(edges[0], edges[-1], 300)
            return x, self.dist.pdf(x)
        counts, _ = np.histogram(self.values, bins=edges, density=True)  # the column's own histogram
        return (edges[:-1] + edges[1:]) / 2, counts


def target(family: str, params: dict[str, float] | None = None, values=None, *, name: str = "column") -> Target:
    """The distribution to sample from; ``values`` (a column) for the empirical case."""
    if family not in FAMILIES:
        raise ParameterError(f"Unknown distribution {family!r}.", hint="Choose one of the list.")
    if family == COLUMN:
        x = np.asarray(values, dtype=float) if values is not None else np.array([])
        x = np.sort(x[np.isfinite(x)])
        if len(np.unique(x)) < 2:
            raise DataError(f"The column {name!r} has fewer than two distinct numbers.",
                            hint="Choose another column or a distribution.")
        if x[-1] - x[0] < 1e6 * np.spacing(max(abs(x[0]), abs(x[-1]))):  # (a histogram's bins need the room)
            raise DataError(f"The column {name!r} varies too little for the size of its numbers to be drawn "
                            "(such as times stored as nanoseconds a few apart).",
                            hint="Choose another column or a distribution.")
        return Target(label=f"column {name}", values=x)
    with np.errstate(all="ignore"):
        dist = _frozen(family, dict(params or {}))
        ends, moments = dist.ppf([0.001, 0.999]), (dist.mean(), dist.std())
    if not (np.all(np.isfinite(ends)) and np.isfinite(ends[1] - ends[0]) and np.all(np.isfinite(moments))):
        raise ParameterError("With these parameters the distribution's values, or its mean and spread, are beyond "
                             "what numbers can hold.", hint="Use smaller values.")
    shown = ", ".join(f"{k}={v:g}" for k, v in (params or {}).items())
    return Target(label=f"{FAMILIES[family][0]}({shown})", dist=dist)


def uniforms(n: int, *, rng=0) -> np.ndarray:
    """n uniform numbers; the first m of n + k are those of m with the same seed, so "draw more" adds points."""
    if not 1 <= n <= MAX_DRAWS:
        raise ParameterError(f"The number of draws must be between 1 and {MAX_DRAWS:,}.")
    return np.random.default_rng(rng).random(n)


def inverse_cdf_sample(t: Target, n: int, *, rng=0) -> tuple[np.ndarray, np.ndarray]:
    """(u, x): n uniform numbers and their images x = F⁻¹(u)."""
    u = uniforms(n, rng=rng)
    return u, t.ppf(u)


def sampling_figure(t: Target, u: np.ndarray, x: np.ndarray, *, lines: int = 6) -> go.Figure:
    """Three panels: the uniform draws, the CDF with a few u mapped across to x, the histogram of x vs the target."""
    fig = make_subplots(rows=1, cols=3, column_widths=[0.16, 0.42, 0.42], horizontal_spacing=0.09,
                        subplot_titles=("1. uniform u", "2. x = F⁻¹(u) through the CDF", "3. histogram of x vs target"))
    fig.add_histogram(y=u, ybins=dict(start=0, end=1, size=0.05), marker_color=OTHER, row=1, col=1,
                      showlegend=False, hovertemplate="u in %{y}: %{x} draws<extra></extra>")
    low, high = t.support()
    low, high = min(low, float(np.min(x))), max(high, float(np.max(x)))
    grid = np.linspace(low, high, 400)
    fig.add_scatter(x=grid, y=t.cdf(grid), mode="lines", line=dict(color=REAL_COLOUR, width=2), name="CDF F(x)",
                    row=1, col=2)
    shown = min(lines, len(u), MAX_LINES)
    for i in range(shown):  # u on the y axis -> across to the curve -> down to x
        fig.add_scatter(x=[low, x[i], x[i]], y=[u[i], u[i], 0], mode="lines+markers", row=1, col=2,
                        line=dict(color=MISSING_COLOUR, width=1, dash="dot"), marker=dict(size=[6, 0, 8]),
                        showlegend=False, hovertemplate=f"u = {u[i]:.3f} → x = {x[i]:.3g}<extra></extra>")
        fig.add_scatter(x=[0.5], y=[u[i]], mode="markers", marker=dict(color=MISSING_COLOUR, size=8), row=1, col=1,
                        showlegend=False, hoverinfo="skip")
    edges = np.histogram_bin_edges(x, bins=min(60, max(10, int(np.sqrt(len(x))))), range=(low, high))
    counts, _ = np.histogram(x, bins=edges, density=True)
    fig.add_bar(x=(edges[:-1] + edges[1:]) / 2, y=counts, width=np.diff(edges), marker_color=OTHER, opacity=0.7,
                name=f"{len(x):,} draws", row=1, col=3)
    dx, dy = t.density(edges)
    fig.add_scatter(x=dx, y=dy, mode="lines", line=dict(color=REAL_COLOUR, width=2, shape="linear"
                                                        if t.dist is not None else "hvh"),
                    name="target density", row=1, col=3)
    fig.update_yaxes(range=[0, 1], title_text="u", row=1, col=1)
    fig.update_yaxes(range=[0, 1.02], title_text="F(x)", row=1, col=2)
    fig.update_xaxes(title_text="draws", row=1, col=1)
    fig.update_xaxes(title_text="x", range=[low, high], row=1, col=2)
    fig.update_xaxes(title_text="x", row=1, col=3)
    fig.update_yaxes(title_text="density", row=1, col=3)
    fig.update_layout(height=400, bargap=0.02, margin=dict(l=40, r=10, t=50, b=40),
                      legend=dict(orientation="h", y=-0.18))
    return fig


OTHER = "#8ab17d"


def ks_test(t: Target, x: np.ndarray):
    """Kolmogorov-Smirnov test of the draws against the target's CDF (scipy)."""
    return stats.kstest(x, t.cdf)


# --------------------------------------------------------------------------- law of large numbers


@dataclass(frozen=True)
class Outcome:
    """A random quantity to average: its sampler, expected value and standard deviation."""

    label: str
    mean: float
    sd: float
    target: Target | None = None  # None: a fair die

    def draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        if self.target is None:
            return rng.integers(1, 7, size=n).astype(float)
        return self.target.ppf(rng.random(n))


def die() -> Outcome:
    """A fair die's face: μ = 3.5, σ² = (6² − 1)/12 = 35/12."""
    return Outcome("a fair die's face", 3.5, float(np.sqrt(35 / 12)))


def from_target(t: Target) -> Outcome:
    return Outcome(f"a draw from {t.label}", t.mean, t.sd, t)


def running_means(outcome: Outcome, n: int, seeds) -> np.ndarray:
    """One row per seed: the running mean (1/k) Σᵢ₌₁ᵏ xᵢ for k = 1..n."""
    if not 1 <= n <= MAX_DRAWS:
        raise ParameterError(f"The number of draws must be between 1 and {MAX_DRAWS:,}.")
    rows = [np.cumsum(outcome.draw(n, np.random.default_rng(s))) / np.arange(1, n + 1) for s in seeds]
    return np.vstack(rows)


def band(outcome: Outcome, k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """μ ± 1.96 σ/√k: where the running mean lies for about 95% of seeds at each k."""
    half = 1.96 * outcome.sd / np.sqrt(k)
    return outcome.mean - half, outcome.mean + half


def coverage(outcome: Outcome, means: np.ndarray) -> float:
    """The share of (seed, k) where the running mean lies in the band (about 95% expected)."""
    k = np.arange(1, means.shape[1] + 1)
    low, high = band(outcome, k)
    return float(np.mean((means >= low) & (means <= high)))


def grid(n: int, points: int = 400) -> np.ndarray:
    """About ``points`` draw counts from 1 to n, evenly spaced on a log scale (what the browser is sent)."""
    return np.unique(np.geomspace(1, n, num=min(points, n)).round().astype(int))


def lln_figure(outcome: Outcome, means: np.ndarray) -> go.Figure:
    """Running means of several seeds (the first bold) converging to μ inside the ±1.96σ/√n band."""
    n = means.shape[1]
    k = grid(n)
    low, high = band(outcome, k.astype(float))
    fig = go.Figure()
    fig.add_scatter(x=k, y=high, mode="lines", line=dict(width=0), showlegend=False, hoverinfo="skip")
    fig.add_scatter(x=k, y=low, mode="lines", line=dict(width=0), fill="tonexty", fillcolor="rgba(59,111,182,0.15)",
                    name="μ ± 1.96·σ/√n", hoverinfo="skip")
    for i, row in enumerate(means[1:], start=1):
        fig.add_scatter(x=k, y=row[k - 1], mode="lines", line=dict(color=LOSS_COLOURS[1], width=1), opacity=0.3,
                        name="other seeds", legendgroup="others", showlegend=i == 1)
    fig.add_scatter(x=k, y=means[0][k - 1], mode="lines", line=dict(color=LOSS_COLOURS[0], width=2.5),
                    name="running mean (your seed)", hovertemplate="n = %{x:,}: %{y:.4g}<extra></extra>")
    fig.add_hline(y=outcome.mean, line=dict(color=REAL_COLOUR, dash="dash"), annotation_text=f"μ = {outcome.mean:.4g}")
    spread = 4 * outcome.sd if outcome.sd > 0 else 1.0
    powers = [10 ** p for p in range(int(np.log10(max(n, 1))) + 1) if np.log10(n) - p >= 0.3 or 10 ** p == n]
    ticks = sorted({*powers, n})  # powers of ten and the end (a power too close to it left out: labels collide)
    fig.update_xaxes(type="log", title_text="number of draws n (log scale)", tickvals=ticks,
                     ticktext=[f"{v:,}" for v in ticks], range=[-0.05, np.log10(max(n, 1)) + 0.05])
    fig.update_yaxes(title_text="mean of the first n draws", range=[outcome.mean - spread, outcome.mean + spread])
    fig.update_layout(height=400, margin=dict(l=40, r=10, t=30, b=40), legend=dict(orientation="h", y=-0.2))
    return fig
