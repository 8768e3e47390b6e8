"""Gaussian copula synthesis (inverse copula sampling).

Sklar's theorem splits a joint distribution into its marginals and a copula that carries the
dependence. The Gaussian copula models the dependence as a multivariate normal on normal
scores (Nelsen 2006; the approach of SDV's GaussianCopulaSynthesizer, Patki et al. 2016):

1. each number column is mapped through its empirical CDF to normal scores,
   z = Φ⁻¹(F̂(x)) with F̂(x) = rank(x)/(n + 1);
2. each label column becomes an interval of (0, 1) per category, of length its frequency, and a
   row gets the normal score of its category's interval midpoint;
3. R = the correlation of the normal scores (pairwise-complete), repaired to the nearest
   correlation matrix when it is not positive definite (statsmodels ``corr_nearest``);
4. sampling draws z ~ N(0, R) as z = L ε with R = LLᵀ, maps u = Φ(z), and inverts each marginal:
   numbers by the empirical quantile function (linear interpolation between observed values),
   labels by the interval u falls in;
5. missing values are put back at each column's real rate.

Marginals come back as they were (up to interpolation) and rank correlations are kept; what a
Gaussian copula cannot carry is tail dependence and non-monotone relations between columns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from core.params import Card
from core.schema import LABELS, to_floats
from core.synth.base import Synthesizer
from core.synth.correlation import repair
from core.synth.registry import STATISTICAL, register

EPS = 1e-6


@register
class GaussianCopulaSynthesizer(Synthesizer):
    key = "gaussian_copula"
    title = "Gaussian copula"
    family = STATISTICAL
    suggested = True  # handles missing values and needs no target: a first click makes a run
    card = Card(does="Keeps every column's distribution as it is and the rank correlations between columns, by "
                     "modelling the dependence as a multivariate normal on normal scores.",
                when="The workhorse for a whole confidential table: fast, faithful marginals, monotone relations.",
                distorts="Non-monotone relations (U shapes), interactions and tail dependence are lost; labels "
                         "are tied to numbers only through their frequency order.")

    def notes(self) -> list[str]:
        return super().notes() + (["The correlation matrix was not positive definite; the nearest valid correlation "
                                   "matrix was used instead."] if self.repaired_ else [])

    def _fit(self, df: pd.DataFrame) -> None:
        self.marginals_: dict[str, tuple[str, np.ndarray, np.ndarray | None]] = {}
        scores = {}
        for column in self.columns_:
            values = df[column]
            observed = values.dropna()
            if self.kinds_[column] in LABELS or not (pd.api.types.is_numeric_dtype(values)
                                                      or pd.api.types.is_datetime64_any_dtype(values)):
                shares = observed.value_counts(normalize=True)
                upper = np.cumsum(shares.to_numpy())
                lower = upper - shares.to_numpy()
                self.marginals_[column] = ("labels", shares.index.to_numpy(dtype=object), upper)
                midpoint = pd.Series((lower + upper) / 2, index=shares.index)
                u = values.map(midpoint).astype(float)
            else:
                x = to_floats(values)
                self.marginals_[column] = ("numbers", np.sort(x[~np.isnan(x)]), None)
                ranks = pd.Series(x).rank(method="average").to_numpy()
                u = ranks / (np.sum(~np.isnan(x)) + 1)  # F̂(x) = rank/(n + 1)
            scores[column] = stats.norm.ppf(np.clip(np.asarray(u, dtype=float), EPS, 1 - EPS))
        table = pd.DataFrame(scores)
        corr = table.corr(min_periods=3).fillna(0.0).to_numpy()
        corr, self.repaired_ = repair(corr)
        self.correlation_ = pd.DataFrame(corr, index=self.columns_, columns=self.columns_)

    def _sample(self, n: int, rng: np.random.Generator) -> pd.DataFrame:
        lower = np.linalg.cholesky(self.correlation_.to_numpy() + 1e-10 * np.eye(len(self.columns_)))
        z = rng.standard_normal((n, len(self.columns_))) @ lower.T  # z = Lε, Cov(z) = LLᵀ = R
        u = stats.norm.cdf(z)
        out = {}
        for j, column in enumerate(self.columns_):
            kind, support, upper = self.marginals_[column]
            if kind == "labels":
                index = np.minimum(np.searchsorted(upper, u[:, j], side="right"), len(support) - 1)
                values = pd.Series(support[index], dtype=object)
            else:
                x = np.quantile(support, u[:, j], method="linear")  # F̂⁻¹(u)
                values = pd.Series(pd.to_datetime(x.astype(np.int64)) if pd.api.types.is_datetime64_any_dtype(
                    self.dtypes_[column]) else x)
            out[column] = values
        return pd.DataFrame(out)

