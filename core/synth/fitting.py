"""Fitting a distribution to each number column, for Monte Carlo and Cholesky synthesis.

Candidates come from scipy.stats (maximum-likelihood fits): normal, lognormal, gamma, beta (on
the column's observed range, slightly widened), Weibull, exponential, uniform and Student t.
Each fit is scored by AIC = 2k − 2 log L (k free parameters; lower is better) and by the
Kolmogorov-Smirnov distance to the data; the candidate with the lowest AIC wins, unless no
candidate fits (KS distance above 0.1 with a KS p-value under 0.001 on a sample), in which case
the empirical distribution (interpolated quantiles) is used: it always fits, but it can't produce
values beyond the observed range. Fits use at most 5,000 values, seeded, so wide tables stay fast.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

FIT_ROWS = 5_000
EMPIRICAL = "empirical"
CANDIDATES = {
    "normal": stats.norm, "lognormal": stats.lognorm, "gamma": stats.gamma, "beta": stats.beta,
    "weibull": stats.weibull_min, "exponential": stats.expon, "uniform": stats.uniform, "student t": stats.t,
}


@dataclass(frozen=True)
class Fit:
    """One candidate's fit to a column."""

    name: str
    params: tuple[float, ...]
    aic: float
    ks: float

    def frozen(self):
        return CANDIDATES[self.name](*self.params)


@dataclass(frozen=True)
class Marginal:
    """The distribution chosen for a column, with every candidate's score for the fitting panel."""

    column: str
    chosen: str
    fits: list[Fit]  # best AIC first
    values: np.ndarray  # sorted observed values (for the empirical distribution and QQ plots)

    def fit(self, name: str | None = None) -> Fit | None:
        name = name or self.chosen
        return next((f for f in self.fits if f.name == name), None)

    def cdf(self, x: np.ndarray, name: str | None = None) -> np.ndarray:
        fit = self.fit(name)
        if fit is None:  # empirical: the interpolated rank of x among the observed values
            return np.interp(x, self.values, (np.arange(len(self.values)) + 0.5) / len(self.values))
        return fit.frozen().cdf(x)

    def ppf(self, u: np.ndarray, name: str | None = None) -> np.ndarray:
        """Inverse CDF, truncated to the observed range: u is first mapped into [F(min), F(max)]."""
        fit = self.fit(name)
        if fit is None:
            return np.quantile(self.values, u, method="linear")
        dist = fit.frozen()
        low, high = dist.cdf(self.values[0]), dist.cdf(self.values[-1])
        return dist.ppf(low + u * (high - low))  # u' = F(a) + u (F(b) − F(a)): sampling from the truncated fit


def fit_marginal(values: pd.Series, *, rng=0) -> Marginal:
    """Fit every candidate to a number column and choose by AIC (empirical if none fits)."""
    x = values.dropna().to_numpy(dtype=float)
    x = x[np.isfinite(x)]
    generator = np.random.default_rng(rng)
    sample = x if len(x) <= FIT_ROWS else generator.choice(x, FIT_ROWS, replace=False)
    fits = []
    if len(np.unique(sample)) >= 3:
        low, high = sample.min(), sample.max()
        pad = 0.01 * (high - low)
        for name, dist in CANDIDATES.items():
            fixed = {}
            if name == "beta":
                fixed = {"floc": low - pad, "fscale": (high - low) + 2 * pad}
            if name in ("lognormal", "gamma", "weibull", "exponential") and low <= 0:
                continue  # positive distributions do not fit columns with zeros or negatives
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                try:
                    params = dist.fit(sample, **fixed)
                except (ValueError, RuntimeError, FloatingPointError):
                    continue
                log_likelihood = float(np.sum(dist.logpdf(sample, *params)))
            if not np.isfinite(log_likelihood):
                continue
            k = len(params) - len(fixed)
            ks = float(stats.kstest(sample, dist(*params).cdf).statistic)
            fits.append(Fit(name, tuple(float(p) for p in params), 2 * k - 2 * log_likelihood, ks))  # AIC = 2k − 2 ln L
    fits.sort(key=lambda f: f.aic)
    fits_well = [f for f in fits if f.ks <= 0.1 or stats.kstwo.sf(f.ks, len(sample)) >= 0.001]
    chosen = fits_well[0].name if fits_well else EMPIRICAL
    return Marginal(column=str(values.name), chosen=chosen, fits=fits, values=np.sort(x))


def ranking(marginal: Marginal) -> pd.DataFrame:
    """The candidates' scores for the fitting panel: AIC, KS distance, chosen or not."""
    rows = [{"distribution": f.name, "AIC": f.aic, "KS distance": f.ks, "chosen": f.name == marginal.chosen}
            for f in marginal.fits]
    rows.append({"distribution": EMPIRICAL, "AIC": np.nan, "KS distance": 0.0, "chosen": marginal.chosen == EMPIRICAL})
    return pd.DataFrame(rows)
