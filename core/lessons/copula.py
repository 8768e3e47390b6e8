"""Lesson: correlation, Cholesky and the Gaussian copula, one step at a time.

The Gaussian copula synthesiser (``core.synth.copula``) makes correlated columns with any
marginals in four steps, which this lesson keeps apart so each can be looked at:

1. Z: n × k independent standard normals;
2. X = Z Lᵀ with R = L Lᵀ the Cholesky factorisation of the target correlation R, so
   Cov(X) = L Cov(Z) Lᵀ = L I Lᵀ = R;
3. U = Φ(X): every column uniform on (0, 1); Φ is increasing, so the ranks (and Spearman's
   correlation) of X are kept;
4. Y_j = F_j⁻¹(U_j): each column through the inverse of the marginal it should have (a toy
   distribution from scipy.stats, or a real column's empirical quantile function); again
   increasing, so Spearman's correlation is still that of X: (6/π) arcsin(ρ/2) for a pair.

Cholesky needs R positive definite. A "correlation matrix" typed by hand need not be one (0.9,
0.9, −0.9 is impossible: two columns that both follow a third closely must follow each other);
the project's repair (``core.synth.correlation.repair``: Higham's nearest correlation matrix)
gives the closest matrix that is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from scipy import stats

from core.errors import DataError
from core.plots import LOSS_COLOURS, REAL_COLOUR
from core.synth.correlation import positive_definite, repair

STEPS = ("Independent normals Z", "Correlated normals X = Z Lᵀ", "Uniforms U = Φ(X)", "The marginals: F⁻¹(U)")
STEP_NOTES = (
    "Each column is an independent standard normal: a round cloud, correlation about 0.",
    "Multiplying by the Cholesky factor mixes the columns: the cloud tilts into an ellipse whose Pearson "
    "correlation is the target.",
    "Φ squashes each column into (0, 1): the histograms turn flat, but the points keep their order, so the "
    "rank (Spearman) correlation is unchanged.",
    "Each uniform column goes through an inverse CDF: the histograms take the marginals' shapes, the ranks "
    "still do not move, so the dependence survives with real-looking columns.",
)
STEP_DATA = ("z", "x", "u", "y")
TOY = {  # name -> a frozen scipy distribution; the inverse CDF makes the column
    "exponential (scale 1)": stats.expon(),
    "lognormal (σ = 0.6)": stats.lognorm(s=0.6),
    "gamma (shape 2)": stats.gamma(a=2.0),
    "normal (0, 1)": stats.norm(),
}
MAX_POINTS = 1500  # points drawn per picture; every number uses all rows
MIN_DISTINCT = 5  # a real column needs this many distinct values to make a quantile function worth looking at


@dataclass
class Marginal:
    """A column's target marginal: an inverse CDF and, for toys, the CDF (for the KS check)."""

    name: str
    ppf: object  # callable: u in (0, 1) -> values
    cdf: object | None = None
    support: np.ndarray | None = field(default=None, repr=False)  # the sorted real values, for a real column


def toy_marginal(name: str) -> Marginal:
    dist = TOY[name]
    return Marginal(name, dist.ppf, dist.cdf)


def empirical_marginal(values: pd.Series) -> Marginal:
    """A real column's empirical quantile function F̂⁻¹(u), linear between the observed values (as the synthesiser)."""
    x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    support = np.sort(x[np.isfinite(x)])
    if len(np.unique(support)) < MIN_DISTINCT:
        raise DataError(f"Column {values.name} has fewer than {MIN_DISTINCT} distinct numbers.",
                        hint="Choose a column with more varied values, or use the toy marginals.")

    def ppf(u: np.ndarray) -> np.ndarray:
        return np.quantile(support, u, method="linear")  # F̂⁻¹(u)

    return Marginal(str(values.name), ppf, None, support)


def usable_columns(df: pd.DataFrame, numeric: list[str]) -> list[str]:
    """The number columns that have enough distinct finite values for an empirical marginal."""
    out = []
    for column in numeric:
        x = pd.to_numeric(df[column], errors="coerce")
        if x[np.isfinite(x)].nunique() >= MIN_DISTINCT:
            out.append(column)
    return out


def pairs(k: int) -> list[tuple[int, int]]:
    return list(combinations(range(k), 2))


def matrix_from_pairs(values: list[float], k: int) -> np.ndarray:
    """The k × k correlation matrix with ones on the diagonal and ``values`` for the pairs (0,1), (0,2), (1,2)..."""
    r = np.eye(k)
    for (i, j), v in zip(pairs(k), values, strict=True):
        r[i, j] = r[j, i] = float(v)
    return r


@dataclass
class Check:
    """Whether a target can be factorised, why not, and the matrix that will be used."""

    target: np.ndarray
    valid: bool
    used: np.ndarray
    smallest_eigenvalue: float
    reason: str


def check_target(target: np.ndarray) -> Check:
    """Try Cholesky on ``target``; when it fails, explain and repair it to the nearest valid correlation matrix."""
    target = np.asarray(target, dtype=float)
    if target.ndim != 2 or target.shape[0] != target.shape[1]:
        raise DataError("The correlation matrix must be square.")
    if not np.all(np.isfinite(target)):
        raise DataError("Every correlation must be a number.", hint="Fill in each pair's correlation.")
    if np.abs(target[~np.eye(len(target), dtype=bool)]).max(initial=0) > 1:
        raise DataError("A correlation lies between −1 and 1.", hint="Change the values outside that range.")
    if not np.allclose(target, target.T):
        raise DataError("A correlation matrix must be symmetric.")
    smallest = float(np.linalg.eigvalsh(target).min())
    if positive_definite(target):
        return Check(target, True, target, smallest, "")
    used, _ = repair(target)
    if smallest > -1e-6:  # singular: a correlation of ±1, or one column an exact mix of the others
        reason = (f"Cholesky needs a positive definite matrix, and this one is not quite: its smallest eigenvalue is "
                  f"{smallest:.3f}, so some weighted sum of the columns would not vary at all (a correlation of "
                  "±1 makes one column an exact copy or mirror of another). It is nudged to the nearest matrix "
                  "in which every such sum varies a little.")
    else:
        reason = (f"Cholesky needs a positive definite matrix, and this one is not: its smallest eigenvalue is "
                  f"{smallest:.3f}, so some weighted sum of the columns would have a variance below zero. "
                  "The correlations contradict each other (two columns that both follow a third closely cannot "
                  "go against each other), so no data set can have them.")
    return Check(target, False, used, smallest, reason)


@dataclass
class Walk:
    """The four stages of the copula for the same n rows."""

    names: list[str]
    check: Check
    lower: np.ndarray  # L, R = L Lᵀ
    z: np.ndarray
    x: np.ndarray
    u: np.ndarray
    y: np.ndarray
    marginals: list[Marginal]

    def stage(self, step: int) -> np.ndarray:
        return getattr(self, STEP_DATA[step])

    def achieved(self) -> pd.DataFrame:
        """Per pair: target, matrix used, Pearson of X, Spearman of the final columns."""
        rows = []
        pearson = np.corrcoef(self.x, rowvar=False)
        spearman = stats.spearmanr(self.y).statistic if len(self.names) > 2 else None
        for i, j in pairs(len(self.names)):
            rho_s = (stats.spearmanr(self.y[:, i], self.y[:, j]).statistic if spearman is None
                     else spearman[i, j])
            rows.append({"pair": f"{self.names[i]} · {self.names[j]}",
                         "target": self.check.target[i, j], "used": self.check.used[i, j],
                         "Pearson of X": pearson[i, j], "Spearman of final": float(rho_s),
                         "expected Spearman": 6 / np.pi * np.arcsin(self.check.used[i, j] / 2)})
        return pd.DataFrame(rows)


def walk(target: np.ndarray, marginals: list[Marginal], n: int, *, rng=None) -> Walk:
    """Run the four steps for ``n`` rows (a non-positive-definite target is repaired first)."""
    k = len(marginals)
    if k < 2:
        raise DataError("The copula needs at least two columns.")
    if not 10 <= n <= 1_000_000:
        raise DataError("Choose between 10 and 1,000,000 rows.")
    check = check_target(target)
    if check.used.shape != (k, k):
        raise DataError("The correlation matrix must have one row and one column per marginal.")
    rng = np.random.default_rng(rng)
    lower = np.linalg.cholesky(check.used)  # R = L Lᵀ
    z = rng.standard_normal((n, k))  # Z ~ N(0, I)
    x = z @ lower.T  # X = Z Lᵀ, Cov(X) = L I Lᵀ = R
    u = stats.norm.cdf(x)  # U = Φ(X), uniform margins, same ranks as X
    u = np.clip(u, 1e-12, 1 - 1e-12)  # keep F⁻¹ finite for unbounded marginals
    y = np.column_stack([m.ppf(u[:, j]) for j, m in enumerate(marginals)])  # Y_j = F_j⁻¹(U_j)
    return Walk([m.name for m in marginals], check, lower, z, x, u, y, marginals)


def ks_distances(w: Walk) -> list[float]:
    """Kolmogorov-Smirnov distance of each final column from its marginal (toy CDF or the real values)."""
    out = []
    for j, m in enumerate(w.marginals):
        if m.cdf is not None:
            out.append(float(stats.kstest(w.y[:, j], m.cdf).statistic))
        else:
            out.append(float(stats.ks_2samp(w.y[:, j], m.support).statistic))
    return out


AXIS_TITLES = ("z", "x", "u", "")


def step_figure(w: Walk, step: int, i: int = 0, j: int = 1) -> go.Figure:
    """A scatter of columns i and j at ``step`` with each column's histogram beside it."""
    data = w.stage(step)
    shown = data[:MAX_POINTS]
    a, b = w.names[i], w.names[j]
    prefix = AXIS_TITLES[step]
    label_a = f"{prefix}: {a}" if prefix else a
    label_b = f"{prefix}: {b}" if prefix else b
    fig = make_subplots(rows=2, cols=2, column_widths=[0.8, 0.2], row_heights=[0.2, 0.8],
                        shared_xaxes=True, shared_yaxes=True, horizontal_spacing=0.02, vertical_spacing=0.02)
    fig.add_scatter(x=shown[:, i], y=shown[:, j], mode="markers", row=2, col=1, showlegend=False,
                    marker=dict(size=4, opacity=0.45, color=REAL_COLOUR),
                    hovertemplate=f"{label_a}: %{{x:.3g}}<br>{label_b}: %{{y:.3g}}<extra></extra>")
    for column, row, col in ((i, 1, 1), (j, 2, 2)):  # binned here: 40 bars, not n values, go to the browser
        counts, edges = np.histogram(data[:, column], bins=40)
        centres, widths = (edges[:-1] + edges[1:]) / 2, np.diff(edges)
        bar = dict(x=centres, y=counts, width=widths) if row == 1 else dict(x=counts, y=centres, width=widths,
                                                                              orientation="h")
        fig.add_bar(**bar, row=row, col=col, marker_color=LOSS_COLOURS[0], showlegend=False, hoverinfo="skip")
    r = np.corrcoef(data[:, i], data[:, j])[0, 1]
    rho = stats.spearmanr(data[:, i], data[:, j]).statistic
    fig.update_layout(title=f"Step {step + 1}: {STEPS[step]}   (Pearson {r:.2f}, Spearman {rho:.2f})",
                      height=480, margin=dict(l=50, r=10, t=50, b=40), bargap=0.02)
    fig.update_xaxes(title_text=label_a, row=2, col=1)
    fig.update_yaxes(title_text=label_b, row=2, col=1)
    return fig


def eigen_figure(check: Check) -> go.Figure:
    """The eigenvalues of the target and of the matrix used: a negative one is why Cholesky fails."""
    fig = go.Figure()
    k = len(check.target)
    labels = [f"λ{m + 1}" for m in range(k)]
    fig.add_bar(x=labels, y=np.linalg.eigvalsh(check.target), name="target", marker_color=LOSS_COLOURS[0])
    fig.add_bar(x=labels, y=np.linalg.eigvalsh(check.used), name="nearest valid", marker_color=REAL_COLOUR)
    fig.add_hline(y=0, line_color="#444")
    fig.update_layout(barmode="group", height=300, yaxis_title="eigenvalue", title="Eigenvalues",
                      margin=dict(l=50, r=10, t=50, b=40))
    return fig
