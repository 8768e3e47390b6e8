"""Multivariate imputers: each hole is filled from the other columns of the same row.

All three work on one numeric matrix: numbers standardised, dates as numbers, labels one-hot
(a missing label is a row of NaN in its block; a label column with more than ``MAX_LEVELS``
categories gets one column for each of the most frequent and one shared by the rest, see
:class:`TableEncoder`). The models are fitted with one BLAS thread. After imputation numbers are put back on their
scale (integers rounded, clipped to the observed range) and each label block is decoded to the
category with the largest value, so no category is ever invented.

* ``knn``: scikit-learn's KNNImputer, the mean of the k most similar rows (Troyanskaya et al. 2001).
* ``iterative``: scikit-learn's IterativeImputer (MICE-style chained equations, van Buuren &
  Groothuis-Oudshoorn 2011) with Bayesian ridge regression (optionally drawing from the posterior
  predictive, for multiple imputation) or a random forest.
* ``pmm``: predictive mean matching (Rubin 1986; Little 1988), R mice's default, written here:
  for a number column y with holes, fit a Bayesian linear regression on the observed rows, draw
  its coefficients β* from their posterior, predict ŷ_obs = X_obs β̂ for the observed rows and
  ŷ_mis = X_mis β* for the missing ones, and fill each hole with the observed y of one of the
  ``donors`` observed rows whose ŷ_obs is closest to its ŷ_mis (type-1 matching). Only values
  that occur in the data are imputed. Label columns are drawn from a multinomial logistic model's
  predicted probabilities (mice's ``polyreg``). The columns are cycled ``max_iter`` times.
"""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.experimental import enable_iterative_imputer  # noqa: F401 - registers IterativeImputer
from sklearn.impute import IterativeImputer, KNNImputer
from sklearn.linear_model import BayesianRidge, LogisticRegression
from threadpoolctl import threadpool_limits

from core.impute.base import Card, Imputer
from core.impute.registry import register
from core.params import Param
from core.schema import LABELS, NUMERIC, Kind, to_floats

MULTI_KINDS = NUMERIC + LABELS
KNN_REFERENCE_ROWS = 20_000
MAX_LEVELS = 30


class TableEncoder:
    """Numbers standardised, dates as numbers, labels one-hot; and back again.

    A label column gets at most ``MAX_LEVELS`` one-hot columns: with more categories, the most frequent
    ``MAX_LEVELS - 1`` get one each and the rest share the last, and a hole decoded to that shared column gets
    one of them drawn by its frequency. Hundreds of one-hot columns would make every model in the chain as
    wide (500 categories kept the iterative imputer busy for minutes) for the sake of categories seen a few
    times each; ``notices`` says which columns were grouped so.
    """

    def __init__(self, df: pd.DataFrame, kinds: dict[str, str], columns: list[str]) -> None:
        self.blocks: dict[str, slice] = {}
        self.numeric: dict[str, tuple[float, float, float, float, bool]] = {}
        self.categories: dict[str, list[Any]] = {}
        self.rare: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # grouped categories and their shares
        self.notices: list[str] = []
        start = 0
        for column in columns:
            values = df[column]
            if kinds[column] in (*NUMERIC, Kind.DATETIME) and (pd.api.types.is_numeric_dtype(values)
                                                              or pd.api.types.is_datetime64_any_dtype(values)):
                x = to_floats(values)
                scale = np.nanmax(np.abs(x)) if np.isfinite(x).any() else 1.0
                scale = scale if 0 < scale < np.inf else 1.0  # (the moments of numbers near 1e300 overflow)
                sd = np.nanstd(x / scale) * scale
                self.numeric[column] = (np.nanmean(x / scale) * scale, sd if sd > 0 else 1.0, np.nanmin(x),
                                        np.nanmax(x), pd.api.types.is_datetime64_any_dtype(values))
                self.blocks[column] = slice(start, start + 1)
                start += 1
                continue
            counts = values.dropna().astype(object).value_counts()
            cats = list(counts.index)
            if len(cats) > MAX_LEVELS:
                rest = counts.iloc[MAX_LEVELS - 1:]
                self.rare[column] = (rest.index.to_numpy(dtype=object), (rest / rest.sum()).to_numpy())
                cats = cats[:MAX_LEVELS - 1]
                self.notices.append(f"'{column}' has {len(counts):,} categories; the model sees the {len(cats)} "
                                    f"most frequent one by one and the other {len(rest):,} as one group (a hole "
                                    "placed in that group gets one of them, drawn by frequency).")
            self.categories[column] = cats
            width = len(cats) + (column in self.rare)
            self.blocks[column] = slice(start, start + width)
            start += width
        self.width = start

    def encode(self, df: pd.DataFrame) -> np.ndarray:
        out = np.zeros((len(df), self.width))
        for column, block in self.blocks.items():
            if column in self.numeric:
                mean, sd, *_ = self.numeric[column]
                out[:, block.start] = (to_floats(df[column]) - mean) / sd  # z = (x − μ)/σ
                continue
            values = df[column].astype(object)
            codes = pd.Categorical(values, categories=self.categories[column]).codes
            known = np.flatnonzero(codes >= 0)
            out[known, block.start + codes[known]] = 1.0
            missing = values.isna().to_numpy()
            if column in self.rare:
                out[(codes < 0) & ~missing, block.stop - 1] = 1.0  # one of the grouped categories
            out[missing, block] = np.nan
        return out

    def decode(self, matrix: np.ndarray, column: str, template: pd.Series, rng: np.random.Generator) -> Any:
        block = self.blocks[column]
        if column in self.numeric:
            mean, sd, low, high, is_date = self.numeric[column]
            x = np.clip(matrix[:, block.start] * sd + mean, low, high)  # x = zσ + μ, within observed range
            return pd.to_datetime(x.astype(np.int64)) if is_date else x
        cats = np.array([*self.categories[column], None], dtype=object)
        labels = cats[np.argmax(matrix[:, block], axis=1)]
        grouped = np.flatnonzero(labels == None)  # noqa: E711 - the shared column of the grouped categories
        if len(grouped):
            rare, shares = self.rare[column]
            labels[grouped] = rare[rng.choice(len(rare), size=len(grouped), p=shares)]
        return pd.Series(labels, index=template.index)


class _Multivariate(Imputer):
    kinds = MULTI_KINDS
    multivariate = True

    def _fit(self, df: pd.DataFrame) -> None:
        self.encoder_ = TableEncoder(df, self.kinds_, self.used_)
        self.notices_ += self.encoder_.notices

    def _impute(self, matrix: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError

    def _transform(self, df: pd.DataFrame, rng: np.random.Generator) -> dict[str, Any]:
        matrix = self.encoder_.encode(df)
        # one BLAS thread: the models are thin (rows x a few dozen columns), and threads that wait on each other
        # on a busy shared server made one regression 100 times slower (0.4 s instead of 3 ms)
        with threadpool_limits(limits=1, user_api="blas"):
            filled = self._impute(matrix, rng)
        return {c: self.encoder_.decode(filled, c, df[c], rng) for c in self.columns_}


@register
class NearestNeighboursImputer(_Multivariate):
    key = "knn"
    title = "k nearest neighbours"
    params = (Param("n_neighbors", "int", 5, "How many similar rows are averaged for each hole.", low=1, high=100),)
    card = Card(does="Fills each hole with the average of the k rows most similar on the other columns "
                     "(the most common label among them for label columns).",
                when="MAR data with moderate size, where similar rows really are alike.",
                distorts="Pulls values towards local averages (less variance). On tables over 20,000 rows the "
                         "neighbours come from a random sample of 20,000 rows, to keep it fast.")

    def _impute(self, matrix: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        imputer = KNNImputer(n_neighbors=self.params_["n_neighbors"], keep_empty_features=True)
        if len(matrix) <= KNN_REFERENCE_ROWS:
            return imputer.fit_transform(matrix)
        # every row's neighbours are searched among a random reference sample: n × 20,000 distances, not n²
        reference = matrix[rng.choice(len(matrix), size=KNN_REFERENCE_ROWS, replace=False)]
        return imputer.fit(reference).transform(matrix)


@register
class ChainedEquationsImputer(_Multivariate):
    key = "iterative"
    title = "Iterative (MICE-style)"
    stochastic = True
    random_settings: ClassVar[dict[str, Any]] = {"sample_posterior": True}
    quick: ClassVar[dict[str, Any]] = {"max_iter": 3}
    params = (
        Param("estimator", "choice", "bayesian_ridge", "Model that predicts each column from the others.",
              choices=("bayesian_ridge", "random_forest")),
        Param("sample_posterior", "bool", False, "Draw each value from the model's predictive distribution "
              "(Bayesian ridge only): needed for multiple imputation, keeps the variance."),
        Param("max_iter", "int", 10, "Rounds through all columns.", low=1, high=50),
    )
    card = Card(does="Predicts each column with holes from all the others, round after round (chained "
                     "equations), with Bayesian ridge regression or a random forest.",
                when="MAR data with related columns: the usual default for serious work.",
                distorts="Linear models miss non-linear relations; without posterior sampling the imputed "
                         "values are too certain (variance understated).")

    def _fit(self, df: pd.DataFrame) -> None:
        super()._fit(df)
        if self.params_["sample_posterior"] and self.params_["estimator"] == "random_forest":
            self.notices_.append("Posterior sampling is Bayesian ridge's: the random forest imputes its predictions "
                                 "(each seed grows other trees, so imputations still differ from seed to seed).")

    def _impute(self, matrix: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        forest = self.params_["estimator"] == "random_forest"
        seed = int(rng.integers(2**31 - 1))
        estimator = RandomForestRegressor(n_estimators=25, max_depth=10, min_samples_leaf=3, n_jobs=-1,
                                          random_state=seed) if forest else BayesianRidge()
        imputer = IterativeImputer(estimator=estimator, max_iter=self.params_["max_iter"], random_state=seed,
                                   sample_posterior=self.params_["sample_posterior"] and not forest,
                                   skip_complete=True, keep_empty_features=True)
        with warnings.catch_warnings():  # not converging in max_iter rounds is normal and harmless here
            warnings.simplefilter("ignore", ConvergenceWarning)
            return imputer.fit_transform(matrix)


@register
class PMMImputer(_Multivariate):
    key = "pmm"
    title = "Predictive mean matching"
    suggested = True
    stochastic = True
    quick: ClassVar[dict[str, Any]] = {"max_iter": 2}
    params = (Param("donors", "int", 5, "Observed rows with the closest predictions, one of which gives "
                                        "its value.", low=1, high=50),
              Param("max_iter", "int", 5, "Rounds through all columns.", low=1, high=50))
    card = Card(does="Predicts each hole from the other columns, then copies the observed value of a row "
                     "whose prediction is close (R mice's default).",
                when="MAR data, skewed or bounded columns: only real, observed values are imputed.",
                distorts="Can't impute values beyond the observed range; needs enough observed rows. Donors are "
                         "matched on a straight-line prediction: with skewed predictors (a few huge values, such "
                         "as body weights) the line extrapolates and a hole can get an odd match, a value "
                         "impossible for its row (REM sleep above total sleep): give rules, and such cells are "
                         "drawn again. Infinite values count as missing and are imputed.")

    def _transform(self, df: pd.DataFrame, rng: np.random.Generator) -> dict[str, Any]:
        filled = super()._transform(df, rng)
        for column in filled:  # a donor's value went through scaling and back: snap it to the exact observed value
            if column in self.encoder_.numeric and not self.encoder_.numeric[column][4]:
                observed = np.unique(df[column].dropna().to_numpy(dtype=float))
                values = np.asarray(filled[column], dtype=float)
                at = np.clip(np.searchsorted(observed, values), 1, len(observed) - 1) if len(observed) > 1 \
                    else np.zeros(len(values), dtype=int)
                left = observed[np.maximum(at - 1, 0)]
                right = observed[at]
                filled[column] = np.where(np.abs(values - left) <= np.abs(values - right), left, right)
        return filled

    def _impute(self, matrix: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        holes = np.isnan(matrix)
        filled = matrix.copy()
        for block in self.encoder_.blocks.values():  # start from random observed values
            rows = holes[:, block.start]
            observed = np.flatnonzero(~rows)
            if rows.any() and len(observed):
                filled[rows, block] = matrix[rng.choice(observed, size=rows.sum()), block]
        targets = [c for c in self.columns_ if holes[:, self.encoder_.blocks[c].start].any()]
        for _ in range(self.params_["max_iter"]):
            for column in targets:
                block = self.encoder_.blocks[column]
                missing = holes[:, block.start]
                predictors = np.delete(filled, np.r_[block], axis=1)
                design = np.column_stack([np.ones(len(filled)), predictors])
                if column in self.encoder_.numeric:
                    filled[missing, block.start] = _pmm_draw(design[~missing], filled[~missing, block.start],
                                                             design[missing], self.params_["donors"], rng)
                else:
                    filled[missing, block] = _polyreg_draw(design[~missing], filled[~missing, block],
                                                           design[missing], rng)
        return filled


def _pmm_draw(x_obs: np.ndarray, y_obs: np.ndarray, x_mis: np.ndarray, donors: int,
              rng: np.random.Generator) -> np.ndarray:
    """Type-1 predictive mean matching (van Buuren 2018, algorithm 3.3)."""
    n, p = x_obs.shape
    xtx = x_obs.T @ x_obs
    xtx += 1e-5 * np.diag(np.diag(xtx)) + 1e-8 * np.eye(p)  # mice's ridge: one-hot blocks are collinear
    lower = np.linalg.cholesky(xtx)  # XᵀX + κ = LLᵀ
    beta_hat = np.linalg.solve(xtx, x_obs.T @ y_obs)  # β̂ = (XᵀX + κ)⁻¹ Xᵀy
    residual = y_obs - x_obs @ beta_hat
    sigma = np.sqrt(residual @ residual / rng.chisquare(max(n - p, 1)))  # σ* = √(ε̂ᵀε̂ / g), g ~ χ²(n − p)
    # β* ~ N(β̂, σ*² (XᵀX + κ)⁻¹): with (XᵀX + κ)⁻¹ = L⁻ᵀL⁻¹, β* = β̂ + σ* L⁻ᵀ z
    beta_star = beta_hat + sigma * np.linalg.solve(lower.T, rng.standard_normal(p))
    y_hat_obs, y_hat_mis = x_obs @ beta_hat, x_mis @ beta_star  # ŷ_obs = X_obs β̂, ŷ_mis = X_mis β*
    order = np.argsort(y_hat_obs, kind="stable")
    sorted_hat = y_hat_obs[order]
    k = min(donors, n)
    # the k nearest ŷ_obs to each ŷ_mis lie within k places of its insertion point in the sorted ŷ_obs
    start = np.clip(np.searchsorted(sorted_hat, y_hat_mis) - k, 0, max(n - 2 * k, 0))
    window = start[:, None] + np.arange(min(2 * k, n))[None, :]
    distance = np.abs(sorted_hat[window] - y_hat_mis[:, None])
    nearest = np.argsort(distance, axis=1, kind="stable")[:, :k]
    pick = nearest[np.arange(len(y_hat_mis)), rng.integers(k, size=len(y_hat_mis))]
    return y_obs[order[window[np.arange(len(y_hat_mis)), pick]]]


def _polyreg_draw(x_obs: np.ndarray, y_obs: np.ndarray, x_mis: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A label for each missing row, drawn from a multinomial logistic model's probabilities."""
    labels = np.argmax(y_obs, axis=1)
    out = np.zeros((len(x_mis), y_obs.shape[1]))
    if len(np.unique(labels)) < 2:
        out[:, labels[0] if len(labels) else 0] = 1.0
        return out
    model = LogisticRegression(max_iter=500).fit(x_obs, labels)
    probabilities = model.predict_proba(x_mis)
    cumulative = probabilities.cumsum(axis=1)
    draws = (rng.random(len(x_mis))[:, None] > cumulative).sum(axis=1)
    out[np.arange(len(x_mis)), model.classes_[np.minimum(draws, len(model.classes_) - 1)]] = 1.0
    return out
