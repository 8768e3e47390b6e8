"""core.schema: each kind, the hard cases, targets and exclusions, and coercion."""

import json

import numpy as np
import pandas as pd
import pytest

from core.errors import SchemaError
from core.io import read_table
from core.schema import (
    KINDS,
    LABELS,
    NUMERIC,
    Kind,
    Schema,
    check_typed,
    coerce,
    infer_kind,
    infer_schema,
    parse_numbers,
)

N = 60
rng = np.random.default_rng(7)


def kind_of(values, name="x"):
    return infer_kind(pd.Series(values, name=name), name)


@pytest.mark.parametrize("values,name,kind,reason", [
    (rng.normal(size=N), "height", "continuous", "decimal numbers"),
    (rng.poisson(3, size=N), "visits", "integer", "whole numbers"),
    (rng.integers(0, 2, size=N), "smoke", "binary", "0/1"),
    (rng.choice(["yes", "no"], size=N), "smoker", "binary", "no/yes"),
    (rng.choice(["Y", "N"], size=N), "flag", "binary", "N/Y"),
    (rng.choice([True, False], size=N), "ok", "binary", "true/false"),
    (rng.choice(["female", "male"], size=N), "sex", "binary", "'female'/'male'"),
    (rng.choice(["Adelie", "Gentoo", "Chinstrap"], size=N), "species", "categorical", "3 distinct labels"),
    (rng.choice([1, 2, 3], size=N), "race", "categorical", "3 distinct integer codes 1-3"),
    (rng.choice([0, 1, 2, 3, 4, 5], size=N), "blood_type", "categorical", "named like a category"),
    (rng.integers(1990, 2021, size=N), "year", "integer", "years"),
    (rng.integers(1995, 2020, size=N), "built", "integer", "years"),
    (np.arange(1, N + 1), "n", "id", "counts up one by one"),
    (rng.permutation(10_000)[:N] + 5, "customer_id", "id", "named like an identifier"),
    ([f"{i:08x}-4f2a-9c1d" for i in rng.permutation(10_000)[:N]], "token", "id", "different label"),
    ([f"The quick brown fox jumps over the lazy dog number {i}" for i in range(N)], "note", "text",
     "free text"),
    (pd.date_range("2024-01-01", periods=N), "day", "datetime", "stored as dates"),
])
def test_each_kind(values, name, kind, reason):
    got_kind, got_reason, _ = kind_of(values, name)
    assert got_kind == kind, got_reason
    assert reason in got_reason
    assert got_kind in KINDS and type(got_kind) is Kind


def test_counts_starting_at_zero_stay_integer_but_codes_starting_at_one_are_categories():
    assert kind_of(rng.integers(0, 7, size=N), "ftv")[0] == "integer"
    assert kind_of(rng.integers(5, 10, size=N), "Month")[0] == "integer"
    assert kind_of(rng.integers(1, 5, size=N), "q")[0] == "categorical"
    assert kind_of(rng.integers(1, 40, size=N), "q")[0] == "integer"


@pytest.mark.parametrize("values,fmt", [
    (["2024-01-05", "2024-02-29", "2023-12-31"], "%Y-%m-%d"),
    (["2024-01-05 10:30:00", "2024-02-29 23:59:59"], "%Y-%m-%d %H:%M:%S"),
    (["05/01/2024", "29/02/2024", "31/12/2023"], "%d/%m/%Y"),
    (["01/05/2024", "02/29/2024", "12/31/2023"], "%m/%d/%Y"),
    (["05.01.2024", "29.02.2024"], "%d.%m.%Y"),
    (["5 Jan 2024", "29 Feb 2024"], "%d %b %Y"),
    (["January 5, 2024", "February 29, 2024"], "%B %d, %Y"),
    (["2024-01-05T10:30:00+01:00", "2024-02-29T08:00:00Z"], "ISO8601"),
])
def test_dates_in_common_formats(values, fmt):
    kind, reason, parser = kind_of(values * 5, "when")
    assert kind == "datetime", reason
    assert parser == fmt


def test_zip_codes_with_leading_zeros_are_codes():
    df = read_table(b"zip,n\n02134,1\n02134,2\n10001,3\n00501,4\n", filename="z.csv")
    kind, reason, _ = infer_kind(df["zip"], "zip")
    assert kind == "categorical" and "leading zeros" in reason
    unique = pd.Series([f"{i:05d}" for i in range(0, 3000, 50)])
    assert infer_kind(unique, "zip")[0] == "id"


@pytest.mark.parametrize("values,expected", [
    (["1,234.50", "12.00", "7"], [1234.5, 12.0, 7.0]),
    (["$12", "$1,000", "$3.25"], [12.0, 1000.0, 3.25]),
    (["45%", "3.5%", "100%"], [45.0, 3.5, 100.0]),
    (["(3.2)", "4", "-1"], [-3.2, 4.0, -1.0]),
])
def test_numbers_stored_as_text(values, expected):
    series = pd.Series(values * 4, name="amount", dtype=object)
    kind, reason, parser = infer_kind(series, "amount")
    assert kind in ("continuous", "integer") and "numbers stored as text" in reason and parser == "number"
    schema = infer_schema(series.to_frame())
    typed = coerce(series.to_frame(), schema)["amount"]
    assert typed.dtype.kind == "f"
    assert typed.head(3).tolist() == expected


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_numbers_beyond_floats_do_not_decide_the_kind():
    whole = pd.Series([str(i) for i in range(60)] + ["1e400", "-1E+999"], dtype=object)
    assert infer_kind(whole, "n")[0] == "integer"  # infinity has no fraction (it made the column continuous)
    assert infer_kind(pd.Series([*whole, "2.5"], dtype=object), "n")[0] == "continuous"


def test_decimal_comma_text_is_not_mistaken_for_thousands():
    assert parse_numbers(pd.Series(["3,5"])).isna().all()
    assert kind_of(["3,5", "2,25", "1,0"] * 4)[0] == "categorical"


def test_degenerate_columns():
    df = pd.DataFrame({"empty": [np.nan] * N, "const": [7] * N, "const_s": ["a"] * N,
                       "inf": np.r_[np.inf, -np.inf, rng.normal(size=N - 2)],
                       "mixed": [1, "a", 2.5] * (N // 3)})
    schema = infer_schema(df)
    assert "every value is missing" in schema.reasons["empty"]
    assert "empty" in schema.excluded
    assert "constant" in schema.reasons["const"] and "constant" in schema.reasons["const_s"]
    assert schema.kinds["inf"] == "continuous"
    assert schema.kinds["mixed"] == "categorical"
    assert coerce(df, schema).shape == df.shape


def test_ids_and_text_are_excluded_by_default_and_infer_does_not_mutate():
    df = pd.DataFrame({"id": np.arange(N), "note": [f"a long free text comment about the row {i}"
                                                    for i in range(N)], "x": rng.normal(size=N)})
    before = df.copy()
    schema = infer_schema(df)
    assert schema.kinds == {"id": "id", "note": "text", "x": "continuous"}
    assert schema.excluded == ("id", "note") and schema.synth_columns == ["x"]
    pd.testing.assert_frame_equal(df, before)


def test_target_rules():
    df = pd.DataFrame({"id": np.arange(N), "y": rng.choice(["a", "b", "c"], N), "x": rng.normal(size=N)})
    schema = infer_schema(df, target="y")
    assert schema.target == "y"
    with pytest.raises(SchemaError, match="can't be the target"):
        infer_schema(df, target="id")
    with pytest.raises(SchemaError, match="no column named"):
        schema.with_target("nope")
    with pytest.raises(SchemaError, match="target column, so it can't be excluded"):
        schema.with_excluded(["y"])
    with pytest.raises(SchemaError, match="At least one column"):
        schema.with_target(None).with_excluded(["id", "y", "x"])
    assert schema.with_target(None).target is None
    assert infer_schema(df).with_excluded(["id"]).with_target("x").excluded == ("id",)
    with pytest.raises(SchemaError, match="can't be the target"):
        schema.with_kind("y", "text")


def test_overrides_are_checked_against_the_data():
    df = pd.DataFrame({"race": rng.choice([1, 2, 3], N), "w": rng.normal(size=N) + 50,
                       "label": rng.choice(["p", "q", "r"], N), "year": rng.integers(2000, 2010, N),
                       "when": [f"2024-01-0{i % 9 + 1}" for i in range(N)]})
    schema = infer_schema(df)
    assert schema.kinds["race"] == "categorical"
    as_int = schema.with_kind("race", "integer")
    assert as_int.overrides == {"race": ("categorical", "integer")}
    assert coerce(df, as_int)["race"].tolist() == df["race"].tolist()
    with pytest.raises(SchemaError, match="'label' can't be continuous: 60 values, such as"):
        coerce(df, schema.with_kind("label", "continuous"))
    with pytest.raises(SchemaError, match="has decimals"):
        coerce(df, schema.with_kind("w", "integer"))
    with pytest.raises(SchemaError, match="binary needs at most two"):
        coerce(df, schema.with_kind("label", "binary"))
    with pytest.raises(SchemaError, match="numbers that are not years"):
        coerce(df, schema.with_kind("w", "datetime"))
    with pytest.raises(SchemaError, match="match no common date format"):
        coerce(df, schema.with_kind("label", "datetime"))
    years = coerce(df, schema.with_kind("year", "datetime"))["year"]
    assert years.dt.year.tolist() == df["year"].tolist()
    assert coerce(df, schema)["when"].dtype.kind == "M"
    as_text = coerce(df, schema.with_kind("when", "categorical"))["when"]
    assert as_text.tolist() == df["when"].tolist()
    with pytest.raises(SchemaError, match="not a column kind"):
        schema.with_kind("w", "float")
    assert "w" in schema.with_kind("w", "id").excluded


def test_schema_round_trips_through_a_dict():
    df = read_table(b"a,b,c\n1,x,2024-01-01\n2,y,2024-01-02\n3,z,2024-02-01\n", filename="t.csv")
    schema = infer_schema(df, target="b")
    again = Schema.from_dict(schema.to_dict())
    assert again.kinds == schema.kinds and again.target == "b" and again.parsers == schema.parsers
    with pytest.raises(SchemaError, match="Unknown column kinds"):
        Schema.from_dict({"kinds": {"a": "number"}})


def test_kinds_are_members_that_equal_their_names_and_the_helpers_pick_columns_in_order():
    schema = Schema(kinds={"z": "categorical", "a": "integer", "key": "id", "m": "continuous", "b": "binary",
                           "d": "datetime"}, excluded=("key",))
    assert all(type(k) is Kind for k in schema.kinds.values())  # built from plain strings
    assert schema.kinds["a"] == "integer" and "integer" in NUMERIC and "binary" in LABELS
    assert {"integer": 1}[schema.kinds["a"]] == 1 and f"{schema.kinds['a']}" == "integer"
    assert schema.numeric_columns() == ["a", "m"] and schema.label_columns() == ["z", "b"]
    assert schema.columns_of(Kind.DATETIME, "id") == ["d"]  # the excluded id is no synthesis column
    assert schema.columns_of("id", among=schema.columns) == ["key"]
    assert schema.numeric_columns(among=["m", "nope", "z", "a"]) == ["m", "a"]  # among's order, unknowns dropped
    assert type(schema.with_kind("z", "binary").kinds["z"]) is Kind
    data = json.loads(json.dumps(schema.to_dict()))
    assert data["kinds"]["a"] == "integer"
    again = Schema.from_dict(data)
    assert again.kinds == schema.kinds and all(type(k) is Kind for k in again.kinds.values())


@pytest.mark.parametrize("key,expected", [
    ("birthwt", {"low": "binary", "race": "categorical", "ftv": "integer", "bwt": "integer"}),
    ("penguins", {"species": "categorical", "sex": "binary", "year": "integer", "bill_length_mm": "continuous"}),
    ("msleep", {"name": "id", "vore": "categorical", "sleep_rem": "continuous"}),
    ("pima_tr", {"type": "binary", "npreg": "integer"}),
])
def test_bundled_samples(key, expected):
    from core.samples import SAMPLES

    schema = infer_schema(read_table(SAMPLES[key].path))
    assert {c: schema.kinds[c] for c in expected} == expected


def test_a_column_of_only_infinite_values_is_left_out_like_an_empty_one():
    from core.synth.run import generate

    df = pd.DataFrame({"x": [np.inf, -np.inf] * 6, "v": np.arange(12) * 1.5, "e": [np.nan] * 12})
    schema = infer_schema(df)
    assert {"x", "e"} <= set(schema.excluded) and "v" not in schema.excluded
    table = generate(df, schema, "gaussian_copula", {}, 5, rng=0).table
    assert list(table.columns) == ["v"]


@pytest.mark.parametrize(("df", "words"), [
    (pd.DataFrame(np.zeros((5, 2))), "Column names must be text"),  # as pd.DataFrame(array) names them
    (pd.DataFrame(np.zeros((3, 2)), columns=pd.MultiIndex.from_tuples([("a", "b"), ("a", "c")])), "must be text"),
    (pd.DataFrame([[1, 2], [3, 4]], columns=["x", "x"]), "Two columns are named 'x'"),
    (pd.DataFrame({"a": [[1, 2], [3], None] * 5, "b": np.arange(15.0)}), "lists or records"),
    (pd.DataFrame({"a": np.arange(10) + 1j, "b": np.arange(10.0)}), "complex numbers"),
    (pd.DataFrame({"d": np.array(["2300-01-01", "2024-05-01", "NaT"], dtype="datetime64[s]")}),
     "from 2024-05-01 to 2300"),
])
def test_tables_no_column_kind_can_describe_get_a_sentence(df, words):
    """Names that are not text, repeated names, lists in cells, complex numbers and dates beyond what nanoseconds
    hold: refused at the start, with what to do, instead of a crash (or a silently dropped imaginary part, or a
    date wrapped round) somewhere later."""
    with pytest.raises(SchemaError, match=words) as caught:
        infer_schema(df)
    assert caught.value.hint


def test_a_column_spread_wider_than_floats_is_refused_by_every_method_and_imputer_with_a_sentence():
    from core.errors import DataError
    from core.impute import IMPUTERS
    from core.synth import METHODS

    rng = np.random.default_rng(3)
    df = pd.DataFrame({"x": [1e308, -1e308, 0.5, 1.0] * 10, "y": rng.normal(size=40), "c": rng.choice(["a", "b"], 40)})
    df.loc[::5, "y"] = np.nan
    schema = infer_schema(df, target="c")
    for key in METHODS:
        with pytest.raises(DataError, match="'x' spreads wider than numbers can be computed with"):
            METHODS[key](**METHODS[key].quick).fit(df, schema, seed=0)
    for key in IMPUTERS:
        with pytest.raises(DataError, match="'x' spreads wider"):
            IMPUTERS[key](**({"group": "c"} if key == "group_mean" else {})).fit(df, schema)
    near = df.assign(x=df["x"] / 2)  # from -5e307 to 5e307: its spread is a float still
    METHODS["gaussian_copula"]().fit(near, infer_schema(near), seed=0)


def test_label_text_reads_whole_numbers_alike_and_exactly():
    from core.schema import as_labels, label_text

    assert [label_text(v) for v in (3, 3.0, np.float32(3.0), np.int8(3), "3")] == ["3"] * 5
    assert label_text(2**70 + 1) == "1180591620717411303425"  # (through a float it read as 2**70)
    assert label_text(1e308) == "1e+308" and label_text(True) == "True" and label_text(2.5) == "2.5"
    assert as_labels(pd.Series([1.0, None, 2**60], dtype=object)).tolist() == ["1", "(missing)", str(2**60)]


def test_a_zero_one_column_with_infinite_values_is_binary_and_types():
    """Inference leaves ±inf out when it counts values; typing the table counted them, so the column it called
    binary had three values and the whole table was refused."""
    df = pd.DataFrame({"a": [0, 1, 0, 1, np.inf, -np.inf] * 10, "b": np.arange(60) * 1.5})
    schema = infer_schema(df)
    assert schema.kinds["a"] == Kind.BINARY
    typed = coerce(df, schema)
    assert np.isinf(typed["a"]).sum() == 20  # (kept: the methods count them as missing, and say so)


def test_a_date_beyond_the_years_a_table_holds_is_named_when_the_column_is_made_datetime():
    """An open end written 9999-12-31 made every value "match no common date format", though all were YYYY-MM-DD."""
    dates = [f"20{10 + i % 12}-0{1 + i % 9}-1{i % 10}" for i in range(60)]
    dates[5] = "9999-12-31"
    df = pd.DataFrame({"end": dates, "x": range(60)})
    with pytest.raises(SchemaError, match="dates such as '9999-12-31' outside the years a table can hold"):
        coerce(df, infer_schema(df).with_kind("end", "datetime"))


def test_numbers_held_as_categories_are_inferred_as_numbers_with_a_true_reason():
    """Parquet's dictionaries of numbers read as pandas categories; the reason said 'numbers stored as text'."""
    df = pd.DataFrame({"c": pd.Categorical([1, 2, None, 3] * 10), "d": pd.Categorical([1.5, 2.5, 3.5, None] * 10)})
    schema = infer_schema(df)
    assert schema.kinds["d"] == "continuous" and "text" not in schema.reasons["d"]
    assert all("numbers held as categories" in schema.reasons[c] for c in ("c", "d"))
    with pytest.raises(SchemaError, match=r"holds categories, such as '1\.5'"):
        check_typed(df, {"d": "continuous"})
    assert coerce(df, schema)["d"].dtype == float
    held = pd.DataFrame({"g": pd.Categorical([1.5, np.inf, 2.5, 3.5] * 15)})  # (infinity: labels, as before)
    assert infer_schema(held).kinds["g"] == "categorical" and coerce(held, infer_schema(held)).shape == (60, 1)
