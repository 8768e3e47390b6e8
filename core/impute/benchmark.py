"""Which imputation method suits this table? Hide values we know, impute them, compare.

Observed cells of the fillable columns are hidden with ``core.missing.ampute`` under the chosen
mechanism and rate (so MCAR, MAR or MNAR holes, as on the Missingness page); each method fills
the table; the filled values are compared with the hidden truth:

* numbers: normalised RMSE = √(mean((x̂ − x)²)) / sd(x) (1 is as bad as guessing the mean of a
  column with that spread), and the Kolmogorov-Smirnov distance between imputed and true values
  (0: the imputed values have the true distribution);
* labels: accuracy, and the total variation distance between imputed and true label shares.

Lower NRMSE and distances, higher accuracy are better; methods are ranked by NRMSE, then accuracy.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from core.errors import DataError
from core.impute.plan import impute_table, plan_for
from core.missing import ampute
from core.schema import LABELS, NUMERIC, Schema


def fillable_columns(df: pd.DataFrame, schema: Schema) -> list[str]:
    return [c for c in df.columns if schema.kinds.get(c) in (*NUMERIC, *LABELS)
            and c not in schema.excluded and df[c].notna().sum() >= 10 and df[c].nunique() > 1]


def compare_methods(df: pd.DataFrame, schema: Schema, methods: list[str], *, mechanism: str = "MCAR",
                    rate: float = 0.2, rng: Any = 0, params: dict[str, dict] | None = None,
                    progress: Callable[[int, int, str], None] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(one row per method, ranked; one row per method and column)."""
    if not methods:
        raise DataError("Choose at least one method to compare.")
    if not 0 < rate < 1:
        raise DataError(f"A masking rate of {rate} leaves nothing to compare.", hint="Use a rate between 0 and 1.")
    columns = fillable_columns(df, schema)
    if not columns:
        raise DataError("No column has enough observed values (10) to hide some and check the imputation.")
    generator = np.random.default_rng(rng)
    numeric = [c for c in columns if schema.kinds[c] in NUMERIC]
    by = None
    if mechanism == "MAR":
        drivers = [c for c in df.select_dtypes("number").columns if df[c].notna().all() and df[c].nunique() > 1]
        if not drivers:
            raise DataError("MAR masking needs a complete numeric column to drive it, and this table has none.",
                            hint="Choose MCAR or MNAR.")
    holed = df.copy()
    for column in columns:  # each column gets its own holes, driven (MAR) by a complete column other than itself
        if mechanism == "MAR":
            by = next((c for c in drivers if c != column), None)
            if by is None:
                continue
        scored = ampute(df, mechanism=mechanism, columns=[column], rate=rate, rng=generator, by=by)
        holed[column] = scored[column]
    hidden = holed[columns].isna() & df[columns].notna()
    rows, detail = [], []
    for i, method in enumerate(methods):
        if progress:
            progress(i, len(methods), method)
        start = time.perf_counter()
        plan = plan_for(holed, schema, method, (params or {}).get(method))
        filled = impute_table(holed, schema, plan, rng=generator)
        seconds = time.perf_counter() - start
        stand_ins = [s.column for s in plan if s.method != method and s.column in columns]
        for column in columns:
            mask = hidden[column].to_numpy()
            if not mask.any():
                continue
            truth, guess = df.loc[mask, column], filled.loc[mask, column]
            entry = {"method": method, "column": column, "hidden": int(mask.sum()),
                     "filled by": next((s.method for s in plan if s.column == column), method)}
            if column in numeric:
                spread = df[column].std()
                error = np.sqrt(np.mean((guess.astype(float) - truth.astype(float)) ** 2))
                entry["NRMSE"] = error / spread if spread > 0 else np.nan  # √mean((x̂ − x)²) / sd(x)
                entry["distribution distance"] = stats.ks_2samp(guess.astype(float), truth.astype(float)).statistic
            else:
                entry["accuracy"] = float((guess.astype(str) == truth.astype(str)).mean())
                shares = pd.concat([truth.astype(str).value_counts(normalize=True),
                                    guess.astype(str).value_counts(normalize=True)], axis=1).fillna(0)
                entry["distribution distance"] = 0.5 * float(np.abs(shares.iloc[:, 0] - shares.iloc[:, 1]).sum())
            detail.append(entry)
        method_rows = [d for d in detail if d["method"] == method]
        rows.append({"method": method,
                     "NRMSE": _mean(method_rows, "NRMSE"), "accuracy": _mean(method_rows, "accuracy"),
                     "distribution distance": _mean(method_rows, "distribution distance"),
                     "seconds": seconds,
                     "stand-ins": ", ".join(stand_ins)})
    if progress:
        progress(len(methods), len(methods), "done")
    summary = pd.DataFrame(rows).sort_values(["NRMSE", "accuracy"], ascending=[True, False], na_position="last")
    summary.insert(0, "rank", range(1, len(summary) + 1))
    return summary.reset_index(drop=True), pd.DataFrame(detail)


def _mean(rows: list[dict], key: str) -> float:
    values = [r[key] for r in rows if key in r and r[key] == r[key]]
    return float(np.mean(values)) if values else np.nan
