"""Little's test of missing completely at random (MCAR).

Little (1988) compares, for every missing-data pattern *j* (the set of columns observed
together), the mean of the observed columns in that pattern with the overall mean estimated
by maximum likelihood. Under MCAR every pattern is a random subsample, so the pattern means
scatter around the overall mean only by sampling error:

    d² = Σ_j n_j (ȳ_j − μ_j)ᵀ Σ_j⁻¹ (ȳ_j − μ_j)   ~  χ²(Σ_j p_j − p)

where μ_j and Σ_j are the ML mean and covariance restricted to pattern j's p_j observed
columns and n_j is the number of rows in the pattern. A small p-value says the patterns
differ: the data are not MCAR.

The ML estimates come from the EM algorithm for a multivariate normal with missing values
(Dempster, Laird & Rubin 1977; Little & Rubin 2019, ch. 11): the E-step fills each pattern's
missing block with its conditional expectation given the observed block and adds the
conditional covariance to the cross-products; the M-step takes the mean and covariance of
the completed sufficient statistics. This is what R's norm::em.norm computes and what
naniar::mcar_test uses; on airquality both give d² = 35.1061, df = 14, p = 0.001418.

References: R. J. A. Little (1988), "A test of missing completely at random for multivariate
data with missing values", JASA 83(404), 1198-1202.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from core.errors import DataError
from core.missing.patterns import pattern_index
from core.schema import in_seconds

EM_TOL = 1e-10
EM_MAX_ITER = 10_000
MAX_EM_WORK = 1e9  # patterns × p³ of one test: about 20 s of EM on this server's kind of machine


@dataclass(frozen=True)
class PatternContribution:
    """One missing-data pattern's share of the statistic."""

    observed: tuple[str, ...]
    missing: tuple[str, ...]
    n_rows: int
    d2: float


@dataclass(frozen=True)
class LittleResult:
    statistic: float
    dof: int
    p_value: float
    n_patterns: int
    patterns: list[PatternContribution]
    columns: list[str]
    left_out: list[str]  # non-numeric or constant columns that were not tested
    rows_used: int
    em_iterations: int

    def verdict(self, alpha: float = 0.05) -> str:
        if self.dof == 0:
            return ("Only one missing-data pattern: there is nothing to compare, so the test says nothing."
                    if self.n_patterns < 2 else "The missing-data patterns share no observed column, so there is "
                    "nothing to compare them on (0 degrees of freedom): the test says nothing.")
        if self.p_value < alpha:
            return (f"p = {_p(self.p_value)}: the missing-data patterns differ more than chance allows, "
                    "so the data are not MCAR. Deleting incomplete rows would bias results; look at the "
                    "MAR diagnostics to see what the missingness depends on.")
        return (f"p = {_p(self.p_value)}: no evidence against MCAR. That does not prove MCAR (the test "
                "has little power on small tables), but incomplete rows look like a random subsample.")


def _p(p: float) -> str:
    return "< 0.0001" if p < 0.0001 else f"{p:.2g}"


def em_mvn(x: np.ndarray, *, tol: float = EM_TOL, max_iter: int = EM_MAX_ITER) -> tuple[np.ndarray, np.ndarray, int]:
    """ML mean and covariance of a multivariate normal sample with missing values (NaN), by EM.

    Each pattern's observed block enters only through its row count n, sum S1 = Σ x_o and
    cross-products S2 = Σ x_o x_oᵀ, computed once; an iteration then costs O(patterns · p³),
    whatever the number of rows.
    """
    n, p = x.shape
    patterns, codes, _ = pattern_index(~np.isnan(x))
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(patterns) + 1))
    stats_by_pattern = []
    for k, pattern in enumerate(patterns):
        rows = x[order[bounds[k]:bounds[k + 1]]][:, pattern]
        stats_by_pattern.append((np.flatnonzero(pattern), np.flatnonzero(~pattern), len(rows), rows.sum(axis=0),
                                 rows.T @ rows))
    mu = np.nanmean(x, axis=0)
    sigma = np.diag(np.nanvar(x, axis=0))
    for iteration in range(1, max_iter + 1):
        t1 = np.zeros(p)
        t2 = np.zeros((p, p))
        for o, m, n_j, s1, s2 in stats_by_pattern:
            t1[o] += s1
            t2[np.ix_(o, o)] += s2
            if not len(m):
                continue
            # E-step: x_m ≈ a + B x_o with B = Σ_mo Σ_oo⁻¹, a = μ_m − B μ_o; Cov(x_m | x_o) = Σ_mm − B Σ_om
            b = np.linalg.solve(sigma[np.ix_(o, o)], sigma[np.ix_(o, m)]).T if len(o) else np.zeros((len(m), 0))
            a = mu[m] - b @ mu[o]
            bs1 = b @ s1
            t1[m] += n_j * a + bs1  # Σ x_m = n a + B S1
            cross = np.outer(s1, a) + s2 @ b.T  # Σ x_o x_mᵀ = S1 aᵀ + S2 Bᵀ
            t2[np.ix_(o, m)] += cross
            t2[np.ix_(m, o)] += cross.T
            # Σ x_m x_mᵀ = n a aᵀ + a (B S1)ᵀ + (B S1) aᵀ + B S2 Bᵀ, plus n times the conditional covariance
            t2[np.ix_(m, m)] += (n_j * np.outer(a, a) + np.outer(a, bs1) + np.outer(bs1, a) + b @ s2 @ b.T
                                 + n_j * (sigma[np.ix_(m, m)] - b @ sigma[np.ix_(o, m)]))
        new_mu = t1 / n  # M-step: μ = T1/n, Σ = T2/n − μμᵀ
        new_sigma = t2 / n - np.outer(new_mu, new_mu)
        change = max(np.max(np.abs(new_mu - mu)), np.max(np.abs(new_sigma - sigma)))
        mu, sigma = new_mu, new_sigma
        if change < tol * (1 + np.max(np.abs(sigma))):
            return mu, sigma, iteration
    return mu, sigma, max_iter


def _contributions(x: np.ndarray, mu: np.ndarray, sigma: np.ndarray, names: list[str]) -> list[PatternContribution]:
    patterns, codes, _ = pattern_index(~np.isnan(x))
    out = []
    for k, pattern in enumerate(patterns):
        rows = x[codes == k][:, pattern]
        o = np.flatnonzero(pattern)
        diff = rows.mean(axis=0) - mu[o]  # ȳ_j − μ_j
        d2 = len(rows) * float(diff @ np.linalg.solve(sigma[np.ix_(o, o)], diff))  # n_j dᵀ Σ_j⁻¹ d
        out.append(PatternContribution(observed=tuple(np.array(names)[pattern]),
                                       missing=tuple(np.array(names)[~pattern]), n_rows=len(rows), d2=d2))
    return sorted(out, key=lambda c: -c.d2)


def dependent_columns(df: pd.DataFrame) -> list[str]:
    """Numeric columns that are exact linear combinations of earlier ones (a copy, a sum, 24 − x).

    Checked on the rows where all of them are observed, adding columns one at a time and
    keeping a column only if it raises the rank of the standardised data.
    """
    numeric = df.select_dtypes(include=[np.number]).replace([np.inf, -np.inf], np.nan)
    numeric = numeric[[c for c in numeric.columns if numeric[c].nunique() > 1]]
    rows = numeric.dropna().to_numpy(dtype=float)
    if len(rows) <= numeric.shape[1]:
        return []
    rows = (rows - rows.mean(axis=0)) / np.where(rows.std(axis=0) > 0, rows.std(axis=0), 1)
    kept, dependent = [], []
    for j, column in enumerate(numeric.columns):
        trial = rows[:, [*kept, j]]
        if np.linalg.matrix_rank(np.column_stack([np.ones(len(rows)), trial]), tol=1e-8 * len(rows)) > len(kept) + 1:
            kept.append(j)
        else:
            dependent.append(column)
    return dependent


def little_mcar_test(df: pd.DataFrame) -> LittleResult:
    """Little's MCAR test on the numeric columns of ``df`` (see the module docstring)."""
    numeric = in_seconds(df).select_dtypes(include=[np.number, "bool"]).astype(float)  # (time spans in seconds)
    numeric = numeric.replace([np.inf, -np.inf], np.nan)
    left_out = [c for c in df.columns if c not in numeric.columns]
    usable = [c for c in numeric.columns if numeric[c].notna().sum() >= 2 and numeric[c].nunique() > 1]
    left_out += [c for c in numeric.columns if c not in usable]
    if len(usable) < 1:
        raise DataError("Little's test needs at least one numeric column with varying values.",
                        hint="Mark number columns as continuous or integer, or test another table.")
    x = numeric[usable].to_numpy()
    x = x[~np.isnan(x).all(axis=1)]  # rows with nothing observed carry no information
    n, p = x.shape
    if n <= p:
        raise DataError(f"Little's test needs more rows than columns ({n} rows, {p} numeric columns).",
                        hint="Test fewer columns or a larger table.")
    patterns = len(pattern_index(~np.isnan(x))[0])
    if patterns * p ** 3 > MAX_EM_WORK:  # each EM iteration solves a p × p system per pattern
        raise DataError(f"The table has {patterns:,} missing-data patterns over {p} numeric columns: Little's test "
                        "would take minutes on this server.",
                        hint="Test fewer columns (those whose holes matter) or a sample of the rows.")
    x = x / np.nanmax(np.abs(x), axis=0)  # (first to within ±1: squares of numbers near 1e300 overflow)
    spread = np.nanstd(x, axis=0)
    x = (x - np.nanmean(x, axis=0)) / np.where(spread > 0, spread, 1)  # d² does not depend on each column's scale,
    try:  # but the check for collinearity below does (a column in cents beside one in thousandths read as one)
        mu, sigma, iterations = em_mvn(x)
        eigenvalues = np.linalg.eigvalsh(sigma)
        if eigenvalues.min() <= 1e-10 * eigenvalues.max():
            raise np.linalg.LinAlgError("singular covariance")
        contributions = _contributions(x, mu, sigma, usable)
    except np.linalg.LinAlgError:
        dependent = dependent_columns(numeric[usable])
        named = f" ({', '.join(map(str, dependent))} follow exactly from the others)" if dependent else ""
        raise DataError(f"The numeric columns are perfectly collinear{named}, so Little's test can't be computed.",
                        hint="Leave out columns that are copies, sums or differences of others.") from None
    d2 = sum(c.d2 for c in contributions)
    dof = int(sum(len(c.observed) for c in contributions) - p)  # df = Σ_j p_j − p
    p_value = float(stats.chi2.sf(d2, dof)) if dof > 0 else 1.0
    return LittleResult(statistic=d2, dof=dof, p_value=p_value, n_patterns=len(contributions),
                        patterns=contributions, columns=usable, left_out=left_out, rows_used=n,
                        em_iterations=iterations)
