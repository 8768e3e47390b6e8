"""Fitting a distribution to a number column: maximum likelihood against the method of moments.

Each candidate family is fitted two ways. **Maximum likelihood** (ML) chooses the parameters θ
that maximise log L(θ) = Σ log f(xᵢ; θ); scipy.stats' ``fit`` does it, with the location fixed
at 0 for the families that live on x > 0, so every family has its usual one or two parameters.
The **method of moments** (MoM) sets the family's mean and variance equal to the sample's mean
x̄ and variance s² (Casella & Berger 2002, §7.2.1) and solves, in closed form:

    normal       μ = x̄, σ = s
    lognormal    σ² = ln(1 + s²/x̄²), μ = ln x̄ − σ²/2
    gamma        k = x̄²/s², θ = s²/x̄
    exponential  θ = x̄
    Weibull      Γ(1 + 2/c)/Γ(1 + 1/c)² − 1 = s²/x̄² (one equation in c, solved numerically), λ = x̄/Γ(1 + 1/c)

Every fit is scored by AIC = 2k − 2 log L (k free parameters; lower is better) and by the
Kolmogorov-Smirnov distance D = sup |Fₙ(x) − F(x)|. The QQ plot draws the sorted data against
the fitted quantiles F⁻¹((i − ½)/n): a straight diagonal means the family and parameters fit.
The Synthesize page's statistical method ranks more candidates by AIC with a free location
(``core.synth.fitting``); the lesson reuses its scipy families and shows its choice beside.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from scipy import optimize, special, stats

from core.errors import DataError, ParameterError
from core.plots import LOSS_COLOURS, REAL_COLOUR
from core.synth.fitting import CANDIDATES, FIT_ROWS, fit_marginal

ML, MOM = "maximum likelihood", "method of moments"
METHODS = (ML, MOM)
# family: its parameters in the order shown; the families after "normal" need x > 0
FAMILIES: dict[str, tuple[str, ...]] = {
    "normal": ("mean", "sd"),
    "lognormal": ("mu", "sigma"),
    "gamma": ("shape", "scale"),
    "exponential": ("scale",),
    "weibull": ("shape", "scale"),
}
POSITIVE = ("lognormal", "gamma", "exponential", "weibull")
UNBOUNDED = ("mean", "mu")  # every other parameter must be > 0


def toy_sample(n: int = 500, *, shape: float = 2.0, scale: float = 3.0, rng=0) -> np.ndarray:
    """The toy column: n seeded draws from a gamma(shape, scale)."""
    if not 10 <= n <= 100_000:
        raise ParameterError("The toy sample needs between 10 and 100,000 values.")
    return np.random.default_rng(rng).gamma(shape, scale, size=n)


def prepare(values, *, name: str = "column", rng=0) -> np.ndarray:
    """The finite values of a column (a seeded sample of at most FIT_ROWS), or a DataError saying why not."""
    x = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    x = x[np.isfinite(x)]
    if len(np.unique(x)) < 3:
        raise DataError(f"The column {name!r} has fewer than three distinct numbers: nothing to fit.",
                        hint="Choose another column, or the toy sample.")
    if len(x) > FIT_ROWS:
        x = np.random.default_rng(rng).choice(x, FIT_ROWS, replace=False)
    return x


def frozen(family: str, params: dict[str, float]):
    """The scipy distribution of ``family`` with these parameters (ParameterError when out of range)."""
    if family not in FAMILIES:
        raise ParameterError(f"Unknown family {family!r}.")
    for name in FAMILIES[family]:
        value = params.get(name)
        if value is None or not np.isfinite(value):
            raise ParameterError(f"The {family} {name} must be a number.")
        if name not in UNBOUNDED and value <= 0:
            raise ParameterError(f"The {family} {name} must be above 0.", hint="Give it a positive value.")
    dist, p = CANDIDATES[family], params
    if family == "normal":
        return dist(loc=p["mean"], scale=p["sd"])
    if family == "lognormal":
        return dist(p["sigma"], scale=np.exp(p["mu"]))  # X = exp(μ + σZ)
    if family == "exponential":
        return dist(scale=p["scale"])
    return dist(p["shape"], scale=p["scale"])  # gamma, weibull


def fit_ml(family: str, x: np.ndarray) -> dict[str, float]:
    """Maximum likelihood by scipy (location fixed at 0 for the positive families)."""
    dist = CANDIDATES[family]
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        if family == "normal":
            loc, scale = dist.fit(x)
            return {"mean": float(loc), "sd": float(scale)}
        fitted = dist.fit(x, floc=0)
    if family == "lognormal":
        return {"mu": float(np.log(fitted[2])), "sigma": float(fitted[0])}
    if family == "exponential":
        return {"scale": float(fitted[1])}
    return {"shape": float(fitted[0]), "scale": float(fitted[2])}


def fit_moments(family: str, x: np.ndarray) -> dict[str, float]:
    """The method of moments: the family's mean and variance set to the sample's (closed forms above)."""
    mean, var = float(np.mean(x)), float(np.var(x))  # x̄ and s² (1/n)
    if family == "normal":
        return {"mean": mean, "sd": np.sqrt(var)}
    if family == "exponential":
        return {"scale": mean}  # θ = x̄
    if family == "gamma":
        return {"shape": mean ** 2 / var, "scale": var / mean}  # k = x̄²/s², θ = s²/x̄
    if family == "lognormal":
        sigma2 = np.log1p(var / mean ** 2)  # σ² = ln(1 + s²/x̄²)
        return {"mu": np.log(mean) - sigma2 / 2, "sigma": float(np.sqrt(sigma2))}  # μ = ln x̄ − σ²/2
    cv2 = var / mean ** 2  # Weibull: Γ(1 + 2/c)/Γ(1 + 1/c)² − 1 = s²/x̄², decreasing in c

    def gap(c):
        return np.expm1(special.gammaln(1 + 2 / c) - 2 * special.gammaln(1 + 1 / c)) - cv2

    c = optimize.brentq(gap, 0.05, 200.0)
    return {"shape": float(c), "scale": float(mean / np.exp(special.gammaln(1 + 1 / c)))}  # λ = x̄/Γ(1 + 1/c)


@dataclass(frozen=True)
class Score:
    log_likelihood: float
    aic: float
    ks: float


def score(family: str, params: dict[str, float], x: np.ndarray) -> Score:
    """log L, AIC = 2k − 2 log L and the KS distance of ``x`` to the family with ``params``."""
    dist = frozen(family, params)
    with np.errstate(all="ignore"):
        log_l = float(np.sum(dist.logpdf(x)))  # log L = Σ log f(xᵢ)
    k = len(FAMILIES[family])
    return Score(log_l, 2 * k - 2 * log_l, float(stats.kstest(x, dist.cdf).statistic))


def fit_all(x: np.ndarray) -> pd.DataFrame:
    """Every family by both methods: parameters, AIC, KS distance, AIC rank (families that can't fit are left out)."""
    rows = []
    for family in FAMILIES:
        if family in POSITIVE and np.min(x) <= 0:
            continue  # a family on x > 0 can't fit zeros or negatives
        for method, fit in ((ML, fit_ml), (MOM, fit_moments)):
            try:
                params = fit(family, x)
                s = score(family, params, x)
            except (ValueError, RuntimeError, FloatingPointError, ZeroDivisionError, OverflowError, ParameterError):
                continue  # (moments of numbers near 1e-200 or 1e200 leave floats: that fit is left out)
            rows.append({"family": family, "method": method, "parameters": params,
                         "shown": ", ".join(f"{k} = {v:.4g}" for k, v in params.items()),
                         "AIC": s.aic if np.isfinite(s.aic) else np.nan, "KS": s.ks})
    table = pd.DataFrame(rows)
    if not table.empty:
        table["rank"] = table["AIC"].rank(method="min").astype("Int64")
        table = table.sort_values(["AIC", "KS"], na_position="last").reset_index(drop=True)
    return table


def synthesize_choice(x: np.ndarray, *, rng=0) -> str:
    """The family the Synthesize page's statistical method would choose for this column (free location)."""
    return fit_marginal(pd.Series(x, name="x"), rng=rng).chosen


def density_figure(x: np.ndarray, table: pd.DataFrame, family: str, params: dict[str, float]) -> go.Figure:
    """The histogram with each family's ML density (thin) and the chosen family's edited density (bold)."""
    counts, edges = np.histogram(x, bins=min(60, max(10, int(np.sqrt(len(x))))), density=True)
    fig = go.Figure(go.Bar(x=(edges[:-1] + edges[1:]) / 2, y=counts, width=np.diff(edges), name="data",
                           marker_color="#c9d6ea", hovertemplate="%{x:.4g}: density %{y:.3g}<extra></extra>"))
    grid = np.linspace(edges[0], edges[-1], 300)
    ml = table[table["method"] == ML] if not table.empty else table
    for i, row in enumerate(ml.itertuples()):
        if row.family != family:
            fig.add_scatter(x=grid, y=frozen(row.family, row.parameters).pdf(grid), mode="lines",
                            line=dict(width=1.2, color=LOSS_COLOURS[i % len(LOSS_COLOURS)], dash="dot"),
                            name=f"{row.family} (ML)")
    fig.add_scatter(x=grid, y=frozen(family, params).pdf(grid), mode="lines", line=dict(width=3, color=REAL_COLOUR),
                    name=f"{family} (your parameters)")
    fig.update_layout(height=380, bargap=0.02, xaxis_title="value", yaxis_title="density",
                      margin=dict(l=40, r=10, t=40, b=40), title="Histogram and fitted densities",
                      legend=dict(orientation="h", y=-0.2))
    return fig


def qq_points(x: np.ndarray, family: str, params: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """(theoretical quantiles F⁻¹((i − ½)/n), sorted data)."""
    n = len(x)
    return frozen(family, params).ppf((np.arange(1, n + 1) - 0.5) / n), np.sort(x)


def qq_figure(x: np.ndarray, family: str, params: dict[str, float]) -> go.Figure:
    """Sorted data against the family's quantiles, with the diagonal they lie on when the fit is right."""
    theory, data = qq_points(x, family, params)
    low, high = float(min(theory.min(), data.min())), float(max(theory.max(), data.max()))
    fig = go.Figure()
    fig.add_scatter(x=[low, high], y=[low, high], mode="lines", line=dict(color="#999", dash="dash"), name="y = x")
    fig.add_scatter(x=theory, y=data, mode="markers", marker=dict(color=LOSS_COLOURS[0], size=5, opacity=0.7),
                    name="data", hovertemplate="fitted %{x:.4g}, data %{y:.4g}<extra></extra>")
    fig.update_layout(height=380, title=f"QQ plot against the {family}", xaxis_title=f"{family} quantile",
                      yaxis_title="data quantile", showlegend=False, margin=dict(l=40, r=10, t=40, b=40))
    return fig
