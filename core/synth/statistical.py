"""Synthesis from fitted distributions: Monte Carlo (independent columns) and Cholesky (correlated).

**Monte Carlo.** Each number column gets the distribution that fits it best (``core.synth.fitting``:
scipy candidates by AIC, empirical as a fallback, truncated to the observed range), labels their
observed frequencies, and every column is drawn on its own: x = F⁻¹(u), u ~ U(0, 1). Marginals are
kept; every relationship between columns is lost, which is the point when you want to show it.

**Cholesky.** The same marginals, tied together by a target correlation matrix R of the normal
scores z = Φ⁻¹(F(x)) (estimated from the data, or given by the user). R is repaired to the nearest
correlation matrix when it is not positive definite (Higham 2002, statsmodels ``corr_nearest``).
Rows are drawn as z = L ε with R = L Lᵀ (the Cholesky factor) and ε ~ N(0, I), then
x_j = F_j⁻¹(Φ(z_j)). The normal scores then have correlation R; the Pearson correlation of the
numbers themselves is smaller when marginals are skewed, because the monotone but non-linear
transforms F⁻¹∘Φ bend the straight-line relation: two lognormal columns exp(σ z₁), exp(σ z₂)
with normal-score correlation ρ have Pearson correlation (e^{ρσ²} − 1)/(e^{σ²} − 1), e.g.
0.8 becomes 0.67 at σ = 1. Labels are drawn from their frequencies, independently.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from core.errors import ParameterError
from core.params import Card, Param
from core.schema import NUMERIC, Schema
from core.synth.base import Synthesizer
from core.synth.correlation import repair
from core.synth.fitting import CANDIDATES, EMPIRICAL, Marginal, fit_marginal
from core.synth.registry import STATISTICAL, register

EPS = 1e-6


@register
class MonteCarloSynthesizer(Synthesizer):
    key = "monte_carlo"
    title = "Monte Carlo (fitted distributions)"
    family = STATISTICAL
    params = (Param("distributions", "mapping", {}, "A distribution chosen by hand for some number columns "
                                                     "(column -> name); the others use the best fit by AIC.",
                    choices=(*CANDIDATES, EMPIRICAL)),)
    card = Card(does="Fits a distribution to every column (normal, lognormal, gamma, beta, Weibull, ...; chosen "
                     "by AIC) and draws each column on its own.",
                when="Teaching the idea of fitted distributions; single columns; a baseline other methods must beat.",
                distorts="Every relationship between columns is lost: each column is drawn independently.")

    def reusing(self, marginals: dict[str, Marginal] | None) -> MonteCarloSynthesizer:
        """This model, set to take ``marginals`` (fitted on the table it will be fitted on next, by a model of this
        family) instead of fitting them again, for that one fit: the hybrid tries several candidates on one part."""
        self._given_marginals = marginals
        return self

    def _fit(self, df: pd.DataFrame) -> None:
        chosen = self.params_["distributions"]
        given = self.__dict__.pop("_given_marginals", None)
        self.marginals_: dict[str, Marginal] = given if given is not None else fitted_marginals(df, self.kinds_)
        self.frequencies_: dict[str, pd.Series] = {c: df[c].value_counts(normalize=True) for c in self.columns_
                                                   if c not in self.marginals_}
        unknown = [c for c in chosen if c not in self.marginals_]
        if unknown:
            raise ParameterError(f"A distribution is given for {unknown[0]!r}, which is not a number column with "
                                 "more than one value.", hint=f"Fitted: {', '.join(self.marginals_) or 'none'}.")
        self.choice_ = {c: chosen.get(c, m.chosen) for c, m in self.marginals_.items()}

    def _draw_labels(self, n: int, rng: np.random.Generator) -> dict[str, pd.Series]:
        out = {}
        for column, shares in self.frequencies_.items():
            if shares.empty:
                out[column] = pd.Series([np.nan] * n)
                continue
            out[column] = pd.Series(shares.index.to_numpy(dtype=object)[
                rng.choice(len(shares), size=n, p=shares.to_numpy())])
        return out

    def _name(self, column: str) -> str | None:
        name = self.choice_[column]
        return None if name == EMPIRICAL else name

    def _sample(self, n: int, rng: np.random.Generator) -> pd.DataFrame:
        out = {c: self.marginals_[c].ppf(rng.random(n), self._name(c)) for c in self.marginals_}  # x = F⁻¹(u)
        out.update(self._draw_labels(n, rng))
        return pd.DataFrame(out)


@register
class CholeskySynthesizer(MonteCarloSynthesizer):
    key = "cholesky"
    title = "Correlation + Cholesky"
    params = (*MonteCarloSynthesizer.params,
              Param("correlation", "matrix", None, "Target correlation of the number columns' normal scores; "
                                                   "empty: estimated from the data."))
    card = Card(does="Draws correlated normal numbers through the Cholesky factor of a target correlation matrix, "
                     "then turns each into its column's fitted distribution.",
                when="When you want to set the correlations yourself (what-if scenarios) or keep them with "
                     "fitted, smooth marginals.",
                distorts="Only the correlations of number columns are kept; labels are drawn independently; "
                         "Pearson correlations shrink through skewed marginals.")

    def notes(self) -> list[str]:
        return super().notes() + (["The correlation matrix was not positive definite; the nearest valid correlation "
                                   "matrix was used instead."] if self.repaired_ else [])

    def _fit(self, df: pd.DataFrame) -> None:
        super()._fit(df)
        numeric = list(self.marginals_)
        given = self.params_["correlation"]
        target = self.normal_scores(df).corr(min_periods=3).fillna(0.0) if given is None else \
            _check_matrix(given, numeric)
        self.target_correlation_ = target
        matrix, self.repaired_ = repair(target.to_numpy(dtype=float)) if numeric else (np.zeros((0, 0)), False)
        self.correlation_ = pd.DataFrame(matrix, index=numeric, columns=numeric)

    def _sample(self, n: int, rng: np.random.Generator) -> pd.DataFrame:
        numeric = list(self.marginals_)
        out = {}
        if numeric:
            lower = np.linalg.cholesky(self.correlation_.to_numpy() + 1e-12 * np.eye(len(numeric)))  # R = LLᵀ
            z = rng.standard_normal((n, len(numeric))) @ lower.T  # z = Lε
            u = stats.norm.cdf(z)
            out = {c: self.marginals_[c].ppf(u[:, j], self._name(c)) for j, c in enumerate(numeric)}
        out.update(self._draw_labels(n, rng))
        return pd.DataFrame(out)

    def normal_scores(self, df: pd.DataFrame) -> pd.DataFrame:
        """z = Φ⁻¹(F(x)) of the number columns under the fitted marginals (to compare achieved and target)."""
        return pd.DataFrame({c: stats.norm.ppf(np.clip(self.marginals_[c].cdf(df[c].to_numpy(dtype=float),
                                                                              self._name(c)), EPS, 1 - EPS))
                             for c in self.marginals_})  # z = Φ⁻¹(F(x))


def fitted_marginals(df: pd.DataFrame, kinds: dict[str, str]) -> dict[str, Marginal]:
    """The fitted distribution of each number column with more than one value (the others are drawn from their
    observed frequencies)."""
    return {c: fit_marginal(df[c]) for c in df.columns if kinds.get(c) in NUMERIC
            and pd.api.types.is_numeric_dtype(df[c]) and df[c].nunique() > 1}


def normal_score_correlation(df: pd.DataFrame, schema: Schema) -> pd.DataFrame:
    """The correlation of the number columns' normal scores z = Φ⁻¹(F(x)) under their best fits: the estimate a
    target correlation starts from."""
    return CholeskySynthesizer().fit(df, schema).target_correlation_


def _check_matrix(given: pd.DataFrame, numeric: list[str]) -> pd.DataFrame:
    """The target correlation (already a valid correlation table, see ``Param.validate``) over the number columns."""
    if set(given.columns) != set(numeric):
        raise ParameterError("The target correlation must name exactly the number columns, as rows and columns.",
                             hint="Columns: " + ", ".join(numeric) + ".")
    return given.loc[numeric, numeric]

