"""The masking benchmark and Rubin's rules."""

import numpy as np
import pandas as pd
import pytest

from core.errors import DataError
from core.impute.benchmark import compare_methods
from core.impute.rubin import multiple_imputation, pool
from core.io import read_table
from core.missing import ampute
from core.samples import SAMPLES
from core.schema import infer_schema


def test_rubins_rules_against_a_hand_computed_example():
    # m = 3: Q = 1.0, 1.2, 1.4; U = 0.04, 0.05, 0.06
    # Q̄ = 1.2; Ū = 0.05; B = ((−0.2)² + 0 + 0.2²)/2 = 0.04; T = 0.05 + (4/3)(0.04) = 0.103333
    # λ = 0.053333/0.103333 = 0.516129; ν_old = 2/λ² = 7.507813; r = 0.053333/0.05 = 1.066667
    # FMI = (r + 2/(ν + 3)) / (1 + r) = (1.066667 + 0.190336)/2.066667 = 0.608226
    table = pool(np.array([[1.0], [1.2], [1.4]]), np.array([[0.04], [0.05], [0.06]]))
    row = table.iloc[0]
    assert row["estimate"] == pytest.approx(1.2)
    assert row["within"] == pytest.approx(0.05) and row["between"] == pytest.approx(0.04)
    assert row["total"] == pytest.approx(0.103333, abs=1e-6) and row["SE"] == pytest.approx(np.sqrt(0.1033333))
    assert row["lambda"] == pytest.approx(0.516129, abs=1e-6)
    assert row["df"] == pytest.approx(7.507813, abs=1e-5)
    assert row["FMI"] == pytest.approx(0.608226, abs=1e-6)
    # Barnard-Rubin with n = 50, k = 1: ν_com = 49; ν_obs = 50/52 · 49 · (1 − λ) = 22.79; ν = 1/(1/ν_old + 1/ν_obs)
    adjusted = pool(np.array([[1.0], [1.2], [1.4]]), np.array([[0.04], [0.05], [0.06]]), n=50).iloc[0]
    nu_obs = 50 / 52 * 49 * (1 - 0.516129)
    assert adjusted["df"] == pytest.approx(7.507813 * nu_obs / (7.507813 + nu_obs), abs=1e-4)
    with pytest.raises(DataError):
        pool(np.array([[1.0]]), np.array([[0.1]]))
    good = [[1.0, 2.0], [3.0, 4.0]]
    for estimates, variances, said in (
            (good, [[0.1, 0.1]], r"alike in shape; these are \(2, 2\) and \(1, 2\)"),
            ([[1.0, "x"], [2.0, 3.0]], good, "need numbers"),
            ([[[1.0]], [[2.0]]], [[[1.0]], [[1.0]]], "alike in shape"),
            ([[1.0, np.nan], [2.0, 3.0]], good, "finite"), (good, [[0.1, -0.1], [0.1, 0.1]], "of 0 or more"),
            (good, [[0.1, np.inf], [0.1, 0.1]], "finite")):
        with pytest.raises(DataError, match=said):
            pool(estimates, variances)


def test_multiple_imputation_has_larger_standard_errors_than_single_imputation():
    df = read_table(SAMPLES["airquality"].path)
    result = multiple_imputation(df, infer_schema(df), outcome="Ozone", predictors=["Temp", "Wind", "Solar.R"],
                                 m=5, method="pmm", rng=0)
    pooled = result.pooled.set_index("term")
    single = result.single.set_index("term")
    assert (pooled.loc[["Temp", "Wind"], "SE"] > single.loc[["Temp", "Wind"], "SE"]).all()
    assert (pooled["between"] > 0).all() and pooled["FMI"].between(0, 1).all()
    assert pooled.loc["Temp", "estimate"] > 0 and pooled.loc["Wind", "estimate"] < 0


def test_logistic_pooling_and_bad_requests():
    df = read_table(SAMPLES["birthwt"].path)
    holed = ampute(df, mechanism="MCAR", columns=["lwt"], rate=0.2, rng=1)
    result = multiple_imputation(holed, infer_schema(holed), outcome="low", predictors=["lwt", "smoke"],
                                 model="logistic", m=3, rng=2)
    assert list(result.pooled["term"]) == ["const", "lwt", "smoke"]
    with pytest.raises(DataError, match="two-valued outcome"):
        multiple_imputation(holed, infer_schema(holed), outcome="race", predictors=["lwt"], model="logistic")
    with pytest.raises(DataError, match="linear model needs a numeric outcome"):
        multiple_imputation(holed.assign(label=np.where(holed["low"] == 1, "low", "normal")), infer_schema(holed),
                            outcome="label", predictors=["lwt"])
    with pytest.raises(DataError, match="at least one other column"):
        multiple_imputation(holed, infer_schema(holed), outcome="low", predictors=[])


def test_benchmark_ranks_methods_and_multivariate_wins_on_correlated_data():
    rng = np.random.default_rng(3)
    n = 800
    x = rng.normal(size=n)
    df = pd.DataFrame({"x": x, "y": 0.9 * x + 0.4 * rng.normal(size=n), "z": -0.8 * x + 0.5 * rng.normal(size=n),
                       "g": np.where(x + 0.3 * rng.normal(size=n) > 0, "high", "low")})
    calls = []
    summary, detail = compare_methods(df, infer_schema(df), ["mean", "knn", "iterative", "hot_deck"],
                                      mechanism="MCAR", rate=0.2, rng=4, progress=lambda i, n, m: calls.append(m))
    assert calls[-1] == "done" and len(calls) == 5
    assert summary.iloc[0]["method"] in ("knn", "iterative") and summary.iloc[-1]["method"] in ("mean", "hot_deck")
    assert list(summary["rank"]) == [1, 2, 3, 4]
    mean_row = summary.set_index("method").loc["mean"]
    assert mean_row["stand-ins"] == "g"  # the mean can't fill labels: the most frequent label stands in
    assert set(detail["column"]) == {"x", "y", "z", "g"}
    assert detail.query("method == 'knn' and column == 'g'")["accuracy"].iloc[0] > 0.7


def test_benchmark_errors():
    df = pd.DataFrame({"a": ["x", "y"] * 3})
    with pytest.raises(DataError, match="enough observed values"):
        compare_methods(df, infer_schema(df), ["mode"])
    big = pd.DataFrame({"a": np.arange(50.0) % 7, "b": np.arange(50.0) % 5})
    with pytest.raises(DataError, match="Choose at least one"):
        compare_methods(big, infer_schema(big), [])
    with pytest.raises(DataError, match="leaves nothing"):
        compare_methods(big, infer_schema(big), ["mean"], rate=0)
