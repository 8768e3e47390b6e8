"""Multiple imputation, pooled with Rubin's rules (Rubin 1987; van Buuren 2018, §2.3).

m stochastic imputations give m estimates Q_i of each coefficient with variances U_i. Then

    Q̄ = (1/m) Σ Q_i                      pooled estimate
    Ū = (1/m) Σ U_i                      within-imputation variance
    B = (1/(m−1)) Σ (Q_i − Q̄)²           between-imputation variance
    T = Ū + (1 + 1/m) B                  total variance; the pooled SE is √T
    λ = (1 + 1/m) B / T                  proportion of the variance due to the missing data
    ν_old = (m − 1) / λ²                 Rubin's degrees of freedom
    ν_obs = (ν_com + 1)/(ν_com + 3) · ν_com (1 − λ),  ν = ν_old ν_obs / (ν_old + ν_obs)
                                         (Barnard & Rubin 1999, with ν_com = n − k)
    r = (1 + 1/m) B / Ū,  FMI = (r + 2/(ν + 3)) / (1 + r)     fraction of missing information

A single imputation uses Ū alone as if the filled values were real, so its standard errors are
too small: the teaching point of the comparison.

Only a method that draws every imputed value at random can do this (:func:`random_methods`): a
method that fills some holes the same way every time (a stand-in for the kinds it cannot fill,
a deterministic setting) gives m copies of those values and understates B. A stochastic
imputer runs with its ``random_settings``.

:func:`suggest_predictors` proposes predictors for the model: the columns most correlated with
the outcome, none an exact linear function of those already chosen (such a design matrix is
singular: awake = 24 − sleep).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm

from core.errors import DataError, ParameterError
from core.impute.plan import impute_table, plan_for
from core.impute.registry import IMPUTERS
from core.missing import dependent_columns
from core.schema import LABELS, NUMERIC, Schema

MAX_SUGGESTED = 3  # predictors suggested for the model
MAX_M = 100  # imputations of one run (Rubin: 5 to 20 suffice; more only costs time)
MODELS = ("linear", "logistic")


def pool(estimates: np.ndarray, variances: np.ndarray, *, n: int | None = None,
         terms: list[str] | None = None) -> pd.DataFrame:
    """Rubin's rules for m imputations (rows) of k coefficients (columns)."""
    try:
        q, u = np.atleast_2d(np.asarray(estimates, float)), np.atleast_2d(np.asarray(variances, float))
    except (TypeError, ValueError):
        raise DataError("Rubin's rules need numbers: one row of estimates and one of variances per imputation.") \
            from None
    if q.ndim != 2 or q.shape != u.shape:
        raise DataError(f"Rubin's rules need one row of estimates and one of variances per imputation, alike in shape; "
                        f"these are {q.shape} and {u.shape}.")
    if not (np.isfinite(q).all() and np.isfinite(u).all() and (u >= 0).all()):
        raise DataError("Rubin's rules need finite estimates and variances of 0 or more.")
    m, k = q.shape
    if m < 2:
        raise DataError("Rubin's rules need at least two imputations.")
    q_bar, u_bar = q.mean(axis=0), u.mean(axis=0)
    b = q.var(axis=0, ddof=1)
    t = u_bar + (1 + 1 / m) * b
    lam = np.where(t > 0, (1 + 1 / m) * b / t, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        nu_old = np.where(lam > 0, (m - 1) / lam**2, np.inf)
        if n is not None:
            nu_com = max(n - k, 1)
            nu_obs = (nu_com + 1) / (nu_com + 3) * nu_com * (1 - lam)
            nu = np.where(np.isfinite(nu_old), nu_old * nu_obs / (nu_old + nu_obs), nu_obs)
        else:
            nu = nu_old
        r = np.where(u_bar > 0, (1 + 1 / m) * b / u_bar, 0.0)
        fmi = (r + 2 / (nu + 3)) / (1 + r)
    return pd.DataFrame({"term": terms or [f"b{j}" for j in range(k)], "estimate": q_bar, "within": u_bar,
                         "between": b, "total": t, "SE": np.sqrt(t), "lambda": lam, "df": nu, "FMI": fmi})


def random_methods() -> list[str]:
    """The imputers multiple imputation can use: stochastic, and filling number and label columns alike (in the
    registry's order)."""
    return [key for key, cls in IMPUTERS.items() if cls.stochastic and set(NUMERIC + LABELS) <= set(cls.kinds)]


def suggest_predictors(df: pd.DataFrame, outcome: str, others: list[str]) -> list[str]:
    """Up to three number columns of ``others`` to predict ``outcome`` with: the most correlated with a number
    outcome first (table order for a label outcome), skipping any column that follows exactly from those already
    chosen (awake = 24 − sleep)."""
    numbers = [c for c in others if c != outcome and pd.api.types.is_numeric_dtype(df[c])
               and df[c].nunique() > 1]  # a constant follows from the intercept
    if pd.api.types.is_numeric_dtype(df[outcome]):
        strength = {c: abs(np.nan_to_num(df[c].corr(df[outcome]))) for c in numbers}
        numbers.sort(key=lambda c: -strength[c])  # a stable sort: equal strengths keep the table order
    suggested: list[str] = []
    for column in numbers:
        if len(suggested) == MAX_SUGGESTED:
            break
        if not dependent_columns(df[[*suggested, column]]):
            suggested.append(column)
    return suggested


@dataclass(frozen=True)
class MultipleImputation:
    pooled: pd.DataFrame
    single: pd.DataFrame  # the same model on one imputation, its SEs taken at face value
    complete_case: pd.DataFrame
    m: int
    n: int
    method: str  # the imputer drawn from m times
    single_method: str  # the imputer of the single imputation


def _design(df: pd.DataFrame, outcome: str, predictors: list[str], model: str) -> tuple[np.ndarray, np.ndarray, list]:
    x = pd.get_dummies(df[predictors], drop_first=True, dtype=float)
    x = sm.add_constant(x, has_constant="add")
    y = df[outcome]
    if model == "logistic":
        levels = sorted(y.dropna().unique(), key=str)
        if len(levels) != 2:
            raise DataError(f"A logistic model needs a two-valued outcome; '{outcome}' has {len(levels)} values.",
                            hint="Choose a binary outcome or a linear model.")
        y = (y == levels[1]).astype(float)
    elif not pd.api.types.is_numeric_dtype(y):
        raise DataError(f"A linear model needs a numeric outcome; '{outcome}' holds labels.",
                        hint="Choose a numeric outcome, or a logistic model for a two-valued one.")
    return y.to_numpy(dtype=float), x.to_numpy(dtype=float), list(x.columns)


def _fit(df: pd.DataFrame, outcome: str, predictors: list[str], model: str) -> tuple[np.ndarray, np.ndarray, list]:
    y, x, names = _design(df, outcome, predictors, model)
    if not np.isfinite(x).all() or np.linalg.matrix_rank(x) < x.shape[1]:  # (statsmodels would split the estimate)
        raise np.linalg.LinAlgError("collinear predictors")
    if model != "logistic":
        fitted = sm.OLS(y, x).fit()
    else:
        fitted = sm.Logit(y, x).fit(disp=0)
        if not fitted.mle_retvals["converged"]:  # (statsmodels only warns, and its estimates ran off to infinity)
            raise _Unconverged
    return np.asarray(fitted.params), np.asarray(fitted.bse) ** 2, names


class _Unconverged(Exception):
    """A logistic fit that did not converge: a predictor separates the outcome's values (almost) completely."""


def multiple_imputation(df: pd.DataFrame, schema: Schema, *, outcome: str, predictors: list[str] | tuple[str, ...],
                        model: str = "linear", m: int = 5, method: str = "pmm", rng: Any = 0,
                        single_method: str = "mean") -> MultipleImputation:
    """Impute m times with a stochastic method, fit the model on each, pool; compare with one imputation."""
    if isinstance(predictors, str) or not predictors or outcome in predictors:
        raise DataError("Choose an outcome and at least one other column as predictors (a list of them).")
    if not isinstance(m, (int, np.integer)) or isinstance(m, bool) or not 2 <= m <= MAX_M:
        raise DataError(f"Multiple imputation needs a whole number of imputations from 2 to {MAX_M}, not {m!r}.",
                        hint="Use m of 5 or more.")
    if model not in MODELS:
        raise ParameterError(f"There is no model '{model}' here.", hint="Use one of: " + ", ".join(MODELS) + ".")
    if method not in random_methods():
        raise ParameterError(f"'{method}' does not draw its values at random, so its imputations would all be alike "
                             "and the pooled spread too small.", hint="Use one of: " + ", ".join(random_methods()))
    predictors = list(predictors)
    columns = [outcome, *predictors]
    absent = [c for c in columns if c not in df.columns]
    if absent:
        raise DataError(f"The table has no column '{absent[0]}'.")
    dates = [c for c in predictors if not (pd.api.types.is_numeric_dtype(df[c]) or schema.kinds.get(c) in LABELS)]
    if dates:
        raise DataError(f"The predictor '{dates[0]}' is neither a number nor a label column.",
                        hint="Choose number or label columns as predictors.")
    _design(df[columns].dropna(), outcome, predictors, model)  # refuse an impossible model before imputing
    data = df[columns]
    sub_schema = schema.with_excluded([c for c in schema.excluded if c not in columns and c in schema.kinds])
    plan = plan_for(data, sub_schema, method, IMPUTERS[method].random_settings if method in IMPUTERS else None)
    generator = np.random.default_rng(rng)
    estimates, variances, names = [], [], None
    try:
        for _ in range(m):
            filled = impute_table(data, sub_schema, plan, rng=generator)
            q, u, names = _fit(filled, outcome, predictors, model)
            estimates.append(q)
            variances.append(u)
        pooled = pool(np.array(estimates), np.array(variances), n=len(data), terms=names)
        single_table = impute_table(data, sub_schema, plan_for(data, sub_schema, single_method), rng=generator)
        q1, u1, names1 = _fit(single_table, outcome, predictors, model)
        qc, uc, namesc = _fit(data.dropna(), outcome, predictors, model)
    except np.linalg.LinAlgError:
        raise DataError("The model can't be fitted: its predictors are collinear.",
                        hint="Drop predictors that repeat each other.") from None
    except _Unconverged:
        raise DataError(f"The logistic model of '{outcome}' does not converge: a predictor separates its two values "
                        "(almost) completely, in the complete rows or in an imputation, so the estimate has no finite "
                        "value.", hint="Drop the predictor that tells the two values apart, or use a linear "
                                       "model.") from None
    single = pd.DataFrame({"term": names1, "estimate": q1, "SE": np.sqrt(u1)})
    complete_case = pd.DataFrame({"term": namesc, "estimate": qc, "SE": np.sqrt(uc)})
    return MultipleImputation(pooled=pooled, single=single, complete_case=complete_case, m=m, n=len(data),
                              method=method, single_method=single_method)
