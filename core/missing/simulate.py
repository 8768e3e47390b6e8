"""The teaching simulator: how each missingness mechanism biases a complete-case regression.

Starting from complete rows, the column ``hole`` loses ``rate`` of its values under MCAR, MAR
(driven by another column) and MNAR (driven by its own values), with the same seed. For each
mechanism the ordinary least squares fit of y on x on the rows that are left is compared with
the fit on the complete data: slope, its standard error, R², and the mean of the punched column.

The rule it illustrates (Little & Rubin 2019, ch. 3): a complete-case regression of y on x stays
unbiased when whether a row is lost depends only on x; it is biased when it depends on y,
directly (MNAR holes in y) or through a column correlated with y (MAR). MCAR only costs
precision: the standard error grows, the slope does not move.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm

from core.errors import DataError
from core.missing.ampute import ampute


@dataclass(frozen=True)
class Simulation:
    complete: pd.DataFrame  # the complete rows used
    amputed: dict[str, pd.DataFrame]  # mechanism -> table with holes
    table: pd.DataFrame  # one row per data set: complete, MCAR, MAR, MNAR
    x: str
    y: str
    hole: str
    by: str | None


def suggest_setup(df: pd.DataFrame, numeric: list[str]) -> tuple[str, str, str | None]:
    """(x, y, MAR driver) that make the simulator's point: y and x the most correlated pair, the
    driver the remaining column most correlated with y."""
    numeric = [c for c in numeric if c in df.columns and pd.api.types.is_numeric_dtype(df[c])
               and not pd.api.types.is_bool_dtype(df[c])]
    if len(numeric) < 2:
        raise DataError("The simulator needs at least two numeric columns.")
    corr = df[numeric].replace([np.inf, -np.inf], np.nan).corr().abs().fillna(0.0).to_numpy()
    np.fill_diagonal(corr, -1.0)
    i, j = np.unravel_index(np.argmax(corr), corr.shape)
    x, y = (numeric[i], numeric[j]) if df[numeric[i]].isna().sum() <= df[numeric[j]].isna().sum() else \
        (numeric[j], numeric[i])
    others = [c for c in numeric if c not in (x, y)]
    by = max(others, key=lambda c: abs(np.nan_to_num(df[c].corr(df[y])))) if others else None
    return x, y, by


def fit_line(df: pd.DataFrame, x: str, y: str) -> dict:
    """OLS of y on x on the rows where both are observed: slope, SE, intercept, R², n."""
    rows = df[[x, y]].replace([np.inf, -np.inf], np.nan).dropna()  # (infinity counts as missing, as elsewhere)
    if len(rows) < 3 or rows[x].nunique() < 2:
        return {"slope": np.nan, "se": np.nan, "intercept": np.nan, "r2": np.nan, "n": len(rows)}
    fit = sm.OLS(rows[y].to_numpy(float), sm.add_constant(rows[x].to_numpy(float))).fit()
    return {"slope": fit.params[1], "se": fit.bse[1], "intercept": fit.params[0], "r2": fit.rsquared, "n": len(rows)}


def simulate(df: pd.DataFrame, *, x: str, y: str, hole: str | None = None, by: str | None = None,
             rate: float = 0.3, shape: str = "RIGHT", strength: float = 1.0, rng=0) -> Simulation:
    """Amputate ``hole`` (default y) under each mechanism and refit y ~ x."""
    hole = hole or y
    for name in {x, y, hole} | ({by} if by else set()):
        if name not in df.columns:
            raise DataError(f"There is no column named '{name}'.")
        if not pd.api.types.is_numeric_dtype(df[name]):
            raise DataError(f"'{name}' is not numeric; the simulator fits a straight line.",
                            hint="Choose numeric columns for x, y and the column that drives the holes.")
    if x == y:
        raise DataError("x and y must be different columns.")
    used = list(dict.fromkeys([x, y, hole] + ([by] if by else [])))
    others = [c for c in df.select_dtypes("number").columns if c not in used]
    complete = df[used + others].dropna(subset=used).reset_index(drop=True)
    if len(complete) < 10:
        raise DataError(f"Only {len(complete)} rows have {', '.join(used)} all observed; the simulator needs 10.",
                        hint="Choose other columns.")
    seed = np.random.default_rng(rng).integers(2**32)
    mechanisms = ["MCAR", "MAR", "MNAR"]
    amputed, rows = {}, [{"data": "complete", **fit_line(complete, x, y), "mean of " + hole: complete[hole].mean(),
                          "rate achieved": 0.0}]
    for mechanism in mechanisms:
        driver = by if mechanism == "MAR" else None
        if mechanism == "MAR" and driver is None:
            candidates = [c for c in complete.select_dtypes("number").columns if c not in (hole, x)]
            candidates = candidates or [c for c in complete.select_dtypes("number").columns if c != hole]
            if not candidates:
                raise DataError("MAR needs another numeric column to drive the holes, and this table has none.",
                                hint="Load a table with at least two numeric columns.")
            driver = max(candidates, key=lambda c: abs(np.nan_to_num(complete[c].corr(complete[hole]))))
        holes = ampute(complete, mechanism=mechanism, columns=[hole], rate=rate, rng=seed, shape=shape, by=driver,
                       strength=strength)
        amputed[mechanism] = holes
        rows.append({"data": mechanism + (f" (driven by {driver})" if mechanism == "MAR" else ""),
                     **fit_line(holes, x, y), "mean of " + hole: holes[hole].mean(),
                     "rate achieved": float(holes[hole].isna().mean())})
        if mechanism == "MAR":
            by = driver
    table = pd.DataFrame(rows)
    table["slope bias"] = table["slope"] - table.loc[0, "slope"]
    return Simulation(complete=complete, amputed=amputed, table=table, x=x, y=y, hole=hole, by=by)
