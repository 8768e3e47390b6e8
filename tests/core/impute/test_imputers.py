"""core.impute: the properties each method promises (the contract itself: tests/core/impute/test_checks.py)."""

import numpy as np
import pandas as pd
import pytest

from core.errors import DataError, NotFittedError, ParameterError
from core.impute import IMPUTERS
from core.impute.plan import impute_table, plan_for
from core.missing import ampute
from core.schema import infer_schema


@pytest.fixture(scope="module")
def mixed():
    rng = np.random.default_rng(0)
    n = 300
    x = rng.normal(50, 10, n)
    df = pd.DataFrame({
        "id": np.arange(n),
        "x": x.round(2),
        "count": rng.poisson(4, n).astype(float),
        "y": (2 * x + rng.normal(0, 5, n)).round(1),
        "group": rng.choice(["a", "b", "c"], n),
        "flag": rng.choice(["yes", "no"], n),
        "when": pd.date_range("2024-01-01", periods=n, freq="D"),
    })
    holed = ampute(df, mechanism="MCAR", columns=["x", "count", "y", "group", "flag"], rate=0.15, rng=1)
    return df, holed, infer_schema(holed)


def test_a_plan_for_one_method_fills_every_column_with_stand_ins(mixed):
    _, holed, schema = mixed
    plan = plan_for(holed, schema, "mean")
    assert {s.column: s.method for s in plan} == {"x": "mean", "count": "mean", "y": "mean", "group": "mode",
                                                  "flag": "mode"}
    assert "does not fill categorical" in next(s.note for s in plan if s.column == "group")
    out = impute_table(holed, schema, plan, rng=0)
    assert out.drop(columns=["id", "when"]).notna().all().all()


def test_multivariate_methods_beat_the_mean_on_mar_holes():
    rng = np.random.default_rng(5)
    n = 2_000
    x = rng.normal(size=n)
    df = pd.DataFrame({"x": x, "z": 0.8 * x + 0.6 * rng.normal(size=n),
                       "y": 0.9 * x + np.sqrt(1 - 0.81) * rng.normal(size=n)})
    holed = ampute(df, mechanism="MAR", columns=["y"], rate=0.3, rng=6, by="x", strength=2)
    schema = infer_schema(holed)
    hidden = holed["y"].isna()

    def rmse(key):
        out = IMPUTERS[key]().fit(holed, schema).transform(holed, rng=7)
        return np.sqrt(np.mean((out.loc[hidden, "y"] - df.loc[hidden, "y"]) ** 2))

    mean = rmse("mean")
    for key in ("knn", "iterative", "pmm"):
        assert rmse(key) < 0.7 * mean, key


def test_pmm_imputes_only_observed_values():
    rng = np.random.default_rng(8)
    n = 500
    x = rng.normal(size=n)
    df = pd.DataFrame({"x": x, "y": np.round(np.exp(x + rng.normal(scale=0.3, size=n)), 1)})
    holed = ampute(df, mechanism="MAR", columns=["y"], rate=0.4, rng=9, by="x")
    out = IMPUTERS["pmm"]().fit(holed, infer_schema(holed)).transform(holed, rng=10)
    assert set(out["y"]) <= set(holed["y"].dropna())
    assert out.loc[holed["y"].isna(), "y"].corr(df.loc[holed["y"].isna(), "y"]) > 0.7


def test_single_column_methods_do_what_they_say():
    df = pd.DataFrame({"t": [1.0, np.nan, 3.0, np.nan, 7.0], "g": ["a", "a", "b", "b", "b"],
                       "v": [10.0, np.nan, 30.0, np.nan, 50.0], "c": ["p", None, "p", "q", None]})
    schema = infer_schema(df)
    fill = lambda key, **p: IMPUTERS[key](**p).fit(df, schema).transform(df, rng=0)  # noqa: E731
    assert fill("mean")["v"].tolist() == [10, 30, 30, 30, 50]
    assert fill("interpolate")["t"].tolist() == [1, 2, 3, 5, 7]
    assert fill("interpolate", order_by="v")["t"].notna().all()
    assert fill("group_mean", group="g")["v"].tolist() == [10, 10, 30, 40, 50]
    assert fill("unknown")["c"].tolist() == ["p", "Unknown", "p", "q", "Unknown"]
    assert fill("constant", value="0")["v"].tolist() == [10, 0, 30, 0, 50]
    assert fill("mode")["c"].tolist() == ["p", "p", "p", "q", "p"]
    noisy = IMPUTERS["noise"]().fit(df, schema).transform(df, rng=1)["v"]
    assert noisy.between(10, 50).all() and noisy[1] != noisy[3]
    grouped = IMPUTERS["hot_deck"](group="g").fit(df, schema).transform(df, rng=2)["v"]
    assert grouped[1] == 10 and grouped[3] in (30, 50)


def test_noise_restores_the_variance_that_the_mean_loses():
    rng = np.random.default_rng(11)
    df = pd.DataFrame({"v": rng.normal(100, 15, 5_000), "w": rng.normal(size=5_000)})
    holed = ampute(df, mechanism="MCAR", columns=["v"], rate=0.4, rng=12)
    schema = infer_schema(holed)
    mean_sd = IMPUTERS["mean"]().fit(holed, schema).transform(holed)["v"].std()
    noise_sd = IMPUTERS["noise"]().fit(holed, schema).transform(holed, rng=13)["v"].std()
    assert mean_sd < 0.8 * 15 and abs(noise_sd - 15) < 1.0


def test_errors_are_sentences(mixed):
    _, holed, schema = mixed
    with pytest.raises(NotFittedError, match="Call fit"):
        IMPUTERS["mean"]().transform(holed)
    with pytest.raises(ParameterError, match="has no parameter"):
        IMPUTERS["mean"](k=3).fit(holed, schema)
    with pytest.raises(ParameterError, match="outside its range"):
        IMPUTERS["knn"](n_neighbors=0).fit(holed, schema)
    with pytest.raises(ParameterError, match="names no column"):
        IMPUTERS["group_mean"](group="nope").fit(holed, schema)
    with pytest.raises(ParameterError, match="needs a group column"):
        IMPUTERS["group_mean"]().fit(holed, schema)
    with pytest.raises(ParameterError, match="is not a number"):
        IMPUTERS["constant"](value="n/a").fit(holed, schema).transform(holed)
    with pytest.raises(DataError, match="empty"):
        IMPUTERS["mean"]().fit(holed.iloc[:0], schema)
    with pytest.raises(ParameterError, match="Unknown imputation method"):
        plan_for(holed, schema, "magic")


def test_all_missing_column_is_skipped_with_a_reason():
    df = pd.DataFrame({"a": [1.0, np.nan, 3.0], "gone": [np.nan] * 3})
    imputer = IMPUTERS["knn"]().fit(df, infer_schema(df), columns=["a", "gone"])
    assert imputer.columns_ == ["a"] and "every value is missing" in imputer.skipped_["gone"]
    assert imputer.transform(df)["a"].notna().all()


def test_collinear_one_hot_blocks_and_large_tables_are_handled(monkeypatch):
    import core.impute.multivariate as multivariate

    rng = np.random.default_rng(14)
    n = 3_000
    latent = rng.normal(size=n)
    df = pd.DataFrame({"x": latent + 0.3 * rng.normal(size=n), "y": latent + 0.3 * rng.normal(size=n),
                       "a": np.where(latent > 0, "up", "down"), "b": np.where(latent > 0.5, "hi", "lo")})
    holed = ampute(df, mechanism="MCAR", columns=list(df.columns), rate=0.1, rng=15)
    schema = infer_schema(holed)
    assert IMPUTERS["pmm"]().fit(holed, schema).transform(holed, rng=16).notna().all().all()
    monkeypatch.setattr(multivariate, "KNN_REFERENCE_ROWS", 500)  # neighbours from a sample of rows
    out = IMPUTERS["knn"]().fit(holed, schema).transform(holed, rng=17)
    assert out.notna().all().all()
    hidden = holed["y"].isna()
    assert np.corrcoef(out.loc[hidden, "y"], df.loc[hidden, "y"])[0, 1] > 0.6


def test_a_constant_beyond_a_nullable_integer_column_and_a_group_with_holes_give_tables():
    df = pd.DataFrame({"v": pd.array([1, None, 3, 4, None, 6], dtype="Int64"),
                       "g": pd.array(["a", "b", None, "a", "b", None], dtype="string")})
    schema = infer_schema(df)
    with pytest.raises(ParameterError, match="not a finite number"):  # (it wrote infinity, which reads as missing)
        impute_table(df, schema, plan_for(df, schema, "constant", {"value": "1e400"}))
    with pytest.raises(ParameterError, match="not a whole number"):  # (it turned the column into floats)
        impute_table(df, schema, plan_for(df, schema, "constant", {"value": "1e30"}))
    filled = impute_table(df, schema, plan_for(df, schema, "constant", {"value": "1e15"}))
    assert filled["v"].tolist() == [1, 10**15, 3, 4, 10**15, 6]  # observed cells untouched, whole numbers kept
    by_group = impute_table(df, schema, [s for s in plan_for(df, schema, "hot_deck", {"group": "g"})
                                         if s.column == "v"], rng=0)
    assert by_group["v"].notna().all() and set(by_group["v"]) <= {1, 3, 4, 6}


@pytest.mark.parametrize("label", ["", " ", "NA", "nan", "None", "null"])
def test_an_unknown_label_that_reads_back_as_missing_is_refused(label):
    df = pd.DataFrame({"c": ["a", "b", None, "a"] * 10, "g": np.arange(40.0)})
    with pytest.raises(ParameterError, match="reads back as a missing value"):
        IMPUTERS["unknown"](label=label).fit(df, infer_schema(df))


@pytest.mark.parametrize("key", ["mean", "noise", "knn", "iterative", "pmm", "interpolate"])
def test_a_float32_column_stays_float32(key):
    df = pd.DataFrame({"f": np.array([1.5, np.nan, 2.5, 3.0] * 10, dtype=np.float32), "g": np.arange(40.0)})
    out = IMPUTERS[key]().fit(df, infer_schema(df)).transform(df, rng=0)
    assert out["f"].dtype == np.float32 and out["f"].notna().all()


def test_a_table_with_a_time_span_column_is_imputed():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"dur": pd.to_timedelta(rng.normal(100, 20, 60), unit="s"),
                       "x": np.where(np.arange(60) % 5 == 0, np.nan, rng.normal(size=60)), "g": list("ab") * 30})
    out = IMPUTERS["mean"]().fit(df, infer_schema(df)).transform(df)
    assert out["x"].notna().all() and out["dur"].equals(df["dur"])


@pytest.mark.parametrize("key", ["mean", "median", "noise", "knn", "pmm", "interpolate"])
def test_holes_in_a_time_span_column_are_filled_as_time_spans(key):
    rng = np.random.default_rng(0)
    spans = pd.Series(pd.to_timedelta(rng.normal(100, 20, 60), unit="s"))
    spans[::6] = pd.NaT
    df = pd.DataFrame({"dur": spans, "x": rng.normal(size=60), "g": list("ab") * 30})
    out = IMPUTERS[key]().fit(df, infer_schema(df)).transform(df, rng=0)["dur"]
    assert pd.api.types.is_timedelta64_dtype(out) and out.notna().all() and out[1:6].equals(spans[1:6])
    assert out[::6].dt.total_seconds().min() > 30 and out[::6].dt.total_seconds().max() < 200


def test_interpolation_ordered_by_the_column_it_fills_leaves_that_column_and_says_why():
    """Its holes sorted last and all took its maximum (9), without a word."""
    df = pd.DataFrame({"x": [1.0, 5.0, np.nan, 2.0, np.nan, 3.0, 4.0, 9.0, 7.0, 6.0], "y": np.arange(10.0) * 1.5})
    df.loc[3, "y"] = np.nan
    imputer = IMPUTERS["interpolate"](order_by="x").fit(df, infer_schema(df))
    out = imputer.transform(df)
    assert out["x"].isna().sum() == 2 and "orders the rows" in imputer.skipped_["x"]
    assert out.loc[3, "y"] == 3.75  # y halfway between its neighbours in x's order (x = 1 and 3 around x = 2)


def test_a_constant_that_is_no_whole_number_is_refused_for_a_whole_number_column():
    df = pd.DataFrame({"n": pd.array([1, 2, None, 4, 5, 6, 7, 8, 9, 10], dtype="Int64")})
    for value in ("2.5", "1e30"):
        with pytest.raises(ParameterError, match="not a whole number"):
            IMPUTERS["constant"](value=value).fit(df, infer_schema(df)).transform(df)
    assert IMPUTERS["constant"](value="3").fit(df, infer_schema(df)).transform(df)["n"].tolist()[2] == 3


def test_posterior_sampling_asked_of_a_forest_is_said():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=60), "b": rng.normal(size=60)})
    df.loc[::7, "a"] = np.nan
    imputer = IMPUTERS["iterative"](estimator="random_forest", sample_posterior=True, max_iter=2)
    assert any("Posterior sampling is Bayesian ridge's" in n for n in imputer.fit(df, infer_schema(df)).notices_)
