"""Every imputer in the registry on awkward tables: a table back or a sentence, never a crash; observed cells
stay as they were, a time-zone-aware date column keeps its zone and dtype, infinite values and hundreds of
categories are handled on purpose."""

import time

import numpy as np
import pandas as pd
import pytest

from core.impute import IMPUTERS
from core.impute.plan import impute, plan_for
from core.schema import infer_schema
from tests.core.synth.awkward import AWKWARD, ZONES, table_or_sentence, tables, with_zone

TINY = {"iterative": {"max_iter": 3}, "pmm": {"max_iter": 2}, "group_mean": {"group": "cls"}}


@pytest.fixture(scope="module")
def awkward(tmp_path_factory):
    return tables(tmp_path_factory.mktemp("awkward"))


def _impute(key: str, df: pd.DataFrame):
    imputer = IMPUTERS[key](**TINY.get(key, {})).fit(df, infer_schema(df, target="cls" if "cls" in df else None))
    return imputer, imputer.transform(df, rng=0)


@pytest.mark.parametrize("key", list(IMPUTERS))
@pytest.mark.parametrize("tz", ZONES)
def test_a_time_zone_aware_date_column_keeps_its_zone(key, tz):
    df = with_zone(tz)
    imputer, out = _impute(key, df)
    assert out["when"].dtype == df["when"].dtype
    observed = df["when"].notna()
    assert out.loc[observed, "when"].equals(df.loc[observed, "when"])
    filled = out.loc[~observed, "when"].dropna()  # the methods that fill dates fill them with real dates
    assert filled.isin(df["when"]).all()
    assert all(out[column].notna().all() for column in imputer.columns_)


@pytest.mark.parametrize("key", list(IMPUTERS))
@pytest.mark.parametrize("name", AWKWARD)
def test_awkward_tables_give_a_table_or_a_sentence(awkward, key, name):
    df = awkward[name]
    before = df.copy()
    result = table_or_sentence(lambda: _impute(key, df))
    pd.testing.assert_frame_equal(df, before)
    if result is None:
        return
    imputer, out = result
    assert list(out.columns) == list(df.columns) and out.index.equals(df.index)
    for column in df.columns:
        assert _same_dtype(out[column].dtype, df[column].dtype), column
        kept = df[column].notna().to_numpy()
        if pd.api.types.is_float_dtype(df[column]) and column in imputer.columns_:
            kept &= np.isfinite(df[column].to_numpy(dtype=float, na_value=np.nan))
            assert np.isfinite(out[column].to_numpy(dtype=float)).all(), column  # inf is imputed like a hole
        assert (out[column][kept].to_numpy() == df[column][kept].to_numpy()).all(), column
    for column in imputer.columns_:
        assert out[column].notna().all(), column


def _same_dtype(out, real) -> bool:
    """Int64 stays Int64, a zone stays its zone; a category column may gain a category ('Unknown')."""
    both_categories = isinstance(out, pd.CategoricalDtype) and isinstance(real, pd.CategoricalDtype)
    return out == real or pd.api.types.is_object_dtype(real) or both_categories


@pytest.mark.parametrize("key", ["pmm", "knn", "iterative", "mean", "hot_deck"])
def test_infinite_values_are_imputed_like_holes_and_said_so(key):
    rng = np.random.default_rng(3)
    n = 200
    x = rng.normal(size=n)
    df = pd.DataFrame({"x": x, "y": 2 * x + rng.normal(scale=0.1, size=n)})
    df.loc[:9, "y"] = np.inf
    df.loc[10:19, "y"] = np.nan
    df.loc[20:24, "x"] = -np.inf
    imputer, out = _impute(key, df)
    assert np.isfinite(out[["x", "y"]].to_numpy()).all()
    assert out.loc[25:, ["x", "y"]].equals(df.loc[25:, ["x", "y"]])  # finite observed cells are untouched
    assert any("'y' has 10 infinite values" in notice and "missing" in notice for notice in imputer.notices_)
    assert "infinite" in IMPUTERS["pmm"].card.distorts.lower()


@pytest.mark.parametrize("key", ["iterative", "pmm", "knn"])
def test_hundreds_of_categories_do_not_stall_the_multivariate_imputers(key):
    rng = np.random.default_rng(4)
    n = 2_000
    x = rng.normal(size=n)
    df = pd.DataFrame({"x": x, "y": x + rng.normal(scale=0.5, size=n), "z": rng.normal(size=n),
                       "city": [f"c{i % 500}" for i in rng.permutation(n)]})
    df.loc[rng.random(n) < 0.1, "y"] = np.nan
    df.loc[rng.random(n) < 0.1, "city"] = None
    start = time.perf_counter()
    imputer, out = _impute(key, df)
    assert time.perf_counter() - start < 20  # generous: the one-hot block is capped (it took minutes)
    assert out[["y", "city"]].notna().all().all() and set(out["city"]) <= set(df["city"].dropna())
    assert any(notice.startswith(f"'city' has {df['city'].nunique()} categories") for notice in imputer.notices_)
    hidden = df["y"].isna()
    assert np.corrcoef(out.loc[hidden, "y"], x[hidden])[0, 1] > 0.6


def test_a_plan_fills_a_column_whose_only_gaps_are_infinite_and_passes_the_notice_on():
    rng = np.random.default_rng(5)
    df = pd.DataFrame({"x": rng.normal(size=50), "y": rng.normal(size=50)})
    df.loc[[4, 9], "y"] = np.inf
    schema = infer_schema(df)
    plan = plan_for(df, schema, "pmm")
    assert [step.column for step in plan] == ["y"]
    result = impute(df, schema, plan, rng=0)
    assert np.isfinite(result.table["y"]).all() and result.table["x"].equals(df["x"])
    assert result.notices == ("'y' has 2 infinite values, treated as missing and imputed.",)


@pytest.mark.parametrize("key", sorted(set(IMPUTERS) - {"unknown"}))  # (which adds a label: text)
def test_a_binary_or_coded_column_stored_as_floats_stays_floats(key):
    """Classifiers hand their labels back as objects; the column they fill is a float column still."""
    rng = np.random.default_rng(5)
    df = pd.DataFrame({"x": rng.normal(size=60), "flag": rng.choice([0.0, 1.0], 60),
                       "code": rng.choice([1.0, 2.0, 7.0], 60), "cls": rng.choice(["a", "b"], 60)})
    df.loc[::6, "flag"] = np.nan
    df.loc[2::7, "code"] = np.nan
    _, out = _impute(key, df)
    for column in ("flag", "code"):
        assert out[column].dtype == np.float64, (key, column)
        if key in ("mode", "hot_deck", "knn", "iterative", "pmm"):  # the ones that fill in real labels
            assert out[column].notna().all() and set(out[column]) <= set(df[column].dropna()), (key, column)


def test_a_table_read_but_not_typed_gets_a_sentence_saying_to_type_it():
    from core.errors import SchemaError
    from core.schema import coerce

    df = pd.DataFrame({"share": [f"{i}%" for i in range(40)], "x": np.arange(40.0) ** 1.5})
    df.loc[::5, "share"] = None
    schema = infer_schema(df)
    for key in IMPUTERS:
        with pytest.raises(SchemaError, match="'share' is integer in the schema but holds text") as caught:
            IMPUTERS[key](**({"group": "x"} if key == "group_mean" else TINY.get(key, {}))).fit(df, schema)
        assert "coerce" in caught.value.hint
    typed = coerce(df, schema)
    assert IMPUTERS["median"]().fit(typed, schema).transform(typed)["share"].notna().all()


def test_a_constant_beyond_floats_or_nan_is_refused_not_written():
    from core.errors import ParameterError
    from core.impute.plan import impute, plan_for

    df = pd.DataFrame({"x": [1.0, np.nan, 3.0]})
    schema = infer_schema(df)
    for value in ("1e400", "nan", "-inf"):
        with pytest.raises(ParameterError, match="not a finite number"):
            impute(df, schema, plan_for(df, schema, "constant", {"value": value}))


@pytest.mark.parametrize("flags", [pd.array([True, False, None, True] * 5, dtype="boolean"),
                                   pd.Series([True, False, None, True] * 5, dtype=object)])  # (as a CSV reads)
def test_a_true_false_column_takes_true_or_false_and_says_when_a_label_makes_it_labels(flags):
    df = pd.DataFrame({"flag": flags, "x": np.arange(20.0)})
    schema = infer_schema(df)
    for value, expected in (("false", False), ("1", True), (" TRUE ", True)):
        done = impute(df, schema, plan_for(df, schema, "constant", {"value": value}))
        assert done.table["flag"].tolist() == [True, False, expected, True] * 5 and not done.notices
    for method, params, label in (("constant", {"value": "0.5"}, "0.5"), ("unknown", {}, "Unknown")):
        done = impute(df, schema, plan_for(df, schema, method, params))
        assert done.table["flag"].tolist() == [True, False, label, True] * 5  # (0.5 turned True into 1.0)
        assert done.notices == (f"'flag' held only true and false; {label!r}, written into its holes, makes it a "
                                "column of labels.",)


def test_the_plan_says_which_label_a_step_adds_before_it_runs():
    from core.impute.plan import Step, plan_notes

    df = pd.DataFrame({"flag": [True, False, None], "grade": ["A", None, "0"], "x": [1.0, None, 2.0]})
    said = plan_notes(df, [Step("flag", "constant", {"value": "TRUE"}), Step("grade", "constant", {"value": "0"}),
                           Step("x", "constant", {"value": "7"})])
    assert said == {"flag": "", "grade": "", "x": ""}  # true, a label it has, a number: nothing new
    said = plan_notes(df, [Step("flag", "constant", {"value": "0.5"}), Step("grade", "unknown", {}),
                           Step("x", "mean", {}, "a stand-in")])
    assert said == {"flag": "writes '0.5' into a true/false column, which makes it labels",
                    "grade": "adds the label 'Unknown', which the column does not have", "x": "stand-in: a stand-in"}
    sparse = pd.DataFrame({"s": [1.0] + [None] * 99, "t": [None if i % 3 == 0 else float(i) for i in range(100)]})
    said = plan_notes(sparse, [Step("s", "mean", {}), Step("t", "mean", {})])
    assert said == {"s": "99 of its 100 values (99%) would be made up; consider leaving the column out on the Data "
                         "page", "t": ""}  # (a third missing: imputing is what it is for)


def test_interpolation_along_a_label_order_with_holes_puts_those_rows_last():
    from core.impute.plan import impute, plan_for

    df = pd.DataFrame({"x": [1.5, np.nan, 3.5, 4.5, np.nan], "c": ["a", None, "b", "c", "bb"]})
    schema = infer_schema(df)
    filled = impute(df, schema, plan_for(df, schema, "interpolate", {"order_by": "c"})).table["x"]
    assert filled.tolist() == [1.5, 4.5, 3.5, 4.5, 4.0]  # order a, b, bb, c, then the row with no c


@pytest.mark.parametrize("method", ["knn", "iterative", "pmm"])
def test_numbers_near_1e300_are_filled_by_the_multivariate_imputers(method):
    df = pd.DataFrame({"x": np.r_[np.nan, np.arange(1, 40)] * 1e300, "z": np.arange(40.0)})
    schema = infer_schema(df)
    filled = impute(df, schema, plan_for(df, schema, method), rng=0).table["x"]
    assert filled.notna().all() and 1e300 <= filled[0] <= 39e300  # (their spread overflowed: holes stayed holes)
