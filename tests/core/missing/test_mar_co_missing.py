"""MAR diagnostics test observed values only: holes shared with the tested column are a pattern, not evidence."""

import numpy as np
import pandas as pd
import pytest

from core.missing import mar_diagnostics
from core.schema import infer_schema


def trial(n=400, seed=0):
    """A trial table: the treatment and four baseline measures are missing for the same 100 patients,
    chosen at random (MCAR); age and bilirubin are always observed."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"trt": rng.choice(["drug", "placebo"], n), "age": rng.normal(50, 10, n).round(1),
                       "bili": rng.lognormal(0, 0.5, n).round(2), "ascites": rng.choice(["yes", "no"], n, p=[.1, .9]),
                       "hepato": rng.choice(["yes", "no"], n), "spiders": rng.choice(["yes", "no"], n, p=[.3, .7]),
                       "chol": rng.normal(350, 60, n).round()})
    gone = rng.choice(n, 100, replace=False)
    df.loc[gone, ["trt", "ascites", "hepato", "spiders", "chol"]] = np.nan
    df.loc[gone[:4], "chol"] = 300.0  # a few of them have a cholesterol value: still missing together
    return df


def test_columns_missing_in_the_same_rows_are_a_pattern_not_evidence():
    df = trial()
    result = mar_diagnostics(df, "trt", infer_schema(df).kinds)
    assert "consistent with MCAR" in result.verdict and "depends on" not in result.verdict
    assert set(result.co_missing["column"]) == {"ascites", "hepato", "spiders", "chol"}
    assert result.co_missing.set_index("column").loc["chol", "shared holes"] == 0.96
    assert "ascites" in result.verdict and "same rows" in result.verdict  # the pattern is named, apart
    assert set(result.comparisons["column"]) == {"age", "bili"}  # only columns observed where trt is missing
    assert abs(result.auc - 0.5) < 0.1
    assert not any("missing" in name for name in result.coefficients.index)


def test_other_columns_are_compared_on_their_observed_rows_only():
    rng = np.random.default_rng(2)
    n = 600
    y = rng.normal(size=n)
    holes = rng.random(n) < 0.3
    y[holes] = np.nan
    colour = pd.Series(rng.choice(["red", "blue"], n), dtype=object)
    colour[holes & (rng.random(n) < 0.5)] = None  # half of y's holes are colour's holes too, at random
    size = rng.normal(size=n)
    size[holes & (rng.random(n) < 0.5)] = np.nan
    df = pd.DataFrame({"y": y, "colour": colour, "size": size})
    result = mar_diagnostics(df, "y", infer_schema(df).kinds)
    assert result.co_missing.empty  # half the holes shared: tested, on the rows where each is observed
    table = result.comparisons.set_index("column")
    assert table.loc["colour", "p (Holm)"] > 0.05 and table.loc["size", "p (Holm)"] > 0.05
    assert "consistent with MCAR" in result.verdict and abs(result.auc - 0.5) < 0.1


def test_a_column_of_values_near_1e300_gives_the_same_diagnosis_as_the_same_column_rescaled():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x": rng.normal(size=200), "big": rng.normal(size=200) * 1e300, "z": rng.normal(size=200)})
    df.loc[df["big"] > 0, "x"] = np.nan  # missing where big is positive: MAR
    small = df.assign(big=df["big"] / 1e300)
    huge, scaled = (mar_diagnostics(frame, "x", infer_schema(frame).kinds, rng=0) for frame in (df, small))
    assert huge.auc > 0.95 and np.isclose(huge.auc, scaled.auc)


def test_columns_the_kinds_do_not_name_are_numbers_for_the_model_as_for_the_comparisons():
    rng = np.random.default_rng(0)
    driver = rng.normal(size=300)
    df = pd.DataFrame({"v0": np.where(driver > 0, np.nan, rng.normal(size=300)), "v1": driver,
                       "v2": rng.normal(size=300)})
    unnamed = mar_diagnostics(df, "v0", {}, rng=0)  # (v1 was one-hot encoded as labels: AUC 0.49)
    named = mar_diagnostics(df, "v0", {c: "continuous" for c in df}, rng=0)
    assert unnamed.auc == pytest.approx(named.auc) and unnamed.auc > 0.95
