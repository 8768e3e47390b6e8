"""Punch holes in a complete table under a chosen mechanism (for teaching and benchmarking).

Follows R mice's ``ampute`` (Schouten, Lugtig & Vink 2018): each row gets a weighted sum
score, the score is standardised, and the probability that the row loses its value is a
logistic function of the score, shifted so that the mean probability equals the rate asked:

    MCAR:  P(R=1) = rate                       (the score plays no part)
    MAR:   score = z(x_by)                      another, observed column drives the holes
    MNAR:  score = z(x_column)                  the column's own (soon unseen) value drives them

    RIGHT: P = logistic(s·z + b)      high scores go missing
    LEFT:  P = logistic(−s·z + b)     low scores go missing
    MID:   P = logistic(−s·|z| + b)   scores near the centre go missing
    TAIL:  P = logistic(s·|z| + b)    both tails go missing

with z standardised, s the strength (1 is mice's own slope) and b found by bisection so that
mean(P) = rate. Which rows lose their value is then drawn with ``rng``: the same seed gives the
same holes, and the rate achieved matches the rate asked within sampling error.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.special import expit

from core.errors import DataError, ParameterError
from core.params import generator, shown

MECHANISMS = ("MCAR", "MAR", "MNAR")
MAX_STRENGTH = 20.0  # the slope of the holes' log-odds, in standard deviations of the score
SHAPES = ("RIGHT", "LEFT", "MID", "TAIL")


def missing_probability(score: np.ndarray, *, rate: float, shape: str = "RIGHT", strength: float = 1.0) -> np.ndarray:
    """P(missing) per row from a score, with mean exactly ``rate``."""
    if not isinstance(rate, (int, float, np.number)) or isinstance(rate, bool) or not 0 <= rate <= 1:
        raise ParameterError(f"A missing rate of {shown(rate)} is impossible.", hint="Use a rate between 0 and 1.")
    if not (isinstance(strength, (int, float, np.number)) and not isinstance(strength, bool)
            and np.isfinite(strength) and 0 <= strength <= MAX_STRENGTH):
        raise ParameterError(f"A strength of {strength!r} is outside 0 to {MAX_STRENGTH:g}.",
                             hint="1 is mice's own slope; 5 already makes the holes almost a cut-off.")
    if shape not in SHAPES:
        raise ParameterError(f"Unknown shape '{shape}'.", hint="Use one of: " + ", ".join(SHAPES) + ".")
    n = len(score)
    if not 1e-12 < rate < 1 - 1e-12 or n == 0:  # (at such rates every row's chance is the rate itself)
        return np.full(n, float(rate))
    z = np.where(np.isfinite(score), score, np.nan)  # (±inf scores as missing: no spread can hold them)
    z = np.nan_to_num(z - np.nanmean(z) if np.isfinite(z).any() else z, nan=0.0)
    sd = z.std()
    z = (z - z.mean()) / sd if sd > 0 else np.zeros(n)
    shaped = {"RIGHT": z, "LEFT": -z, "MID": -np.abs(z), "TAIL": np.abs(z)}[shape] * strength
    span = 50 + np.abs(shaped).max()  # (the shift that gives the rate lies within: expit is 0 or 1 beyond)
    b = brentq(lambda shift: expit(shaped + shift).mean() - rate, -span, span)  # mean(P) = rate
    return expit(shaped + b)


def ampute(df: pd.DataFrame, *, mechanism: str, columns: list[str], rate: float, rng=None,
           shape: str = "RIGHT", by: str | None = None, strength: float = 1.0) -> pd.DataFrame:
    """A copy of ``df`` with holes in ``columns`` (each column independently)."""
    mechanism = str(mechanism).upper()
    if mechanism not in MECHANISMS:
        raise ParameterError(f"Unknown mechanism '{mechanism}'.", hint="Use MCAR, MAR or MNAR.")
    if isinstance(columns, str) or not isinstance(columns, (list, tuple, pd.Index)):
        raise ParameterError(f"columns must be a list of column names, not {shown(columns)}.")
    missing_cols = [c for c in columns if c not in df.columns]
    if missing_cols or not columns:
        raise DataError(f"Choose columns of the table to punch holes in (not {missing_cols or 'none'}).")
    rng = generator(rng)
    out = df.copy()
    for column in columns:
        if mechanism == "MCAR":
            score = np.zeros(len(df))
        elif mechanism == "MAR":
            driver = by or _default_driver(df, column)
            if driver == column:
                raise DataError("Under MAR the holes must depend on another column, not on the column itself.",
                                hint="Pick a different column to drive the holes, or choose MNAR.")
            score = _score(df, driver)
        else:
            score = _score(df, column)
        p = missing_probability(score, rate=rate, shape=shape, strength=strength)
        out.loc[rng.random(len(df)) < p, column] = np.nan
    return out


def _default_driver(df: pd.DataFrame, column: str) -> str:
    numeric = [c for c in df.select_dtypes("number").columns if c != column and df[c].nunique() > 1]
    if not numeric:
        raise DataError("MAR needs another numeric column to drive the holes, and this table has none.",
                        hint="Choose MCAR or MNAR, or load a table with more numeric columns.")
    if pd.api.types.is_numeric_dtype(df[column]):  # the column most correlated with the one punched
        return max(numeric, key=lambda c: abs(np.nan_to_num(df[c].corr(df[column]))))
    return numeric[0]


def _score(df: pd.DataFrame, column: str) -> np.ndarray:
    if column not in df.columns:
        raise DataError(f"There is no column named '{column}'.")
    values = df[column]
    if pd.api.types.is_numeric_dtype(values):
        return values.to_numpy(dtype=float)
    return values.astype("category").cat.codes.replace(-1, np.nan).to_numpy(dtype=float)  # labels by code
