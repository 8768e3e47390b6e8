"""core.profile and core.plots: what the Data page shows for each column."""

import numpy as np
import pandas as pd
import pytest

from core.plots import column_distribution
from core.profile import HIST_BINS, profile, summarize
from core.schema import KINDS, infer_schema


@pytest.fixture
def odd_table():
    rng = np.random.default_rng(1)
    n = 100
    return pd.DataFrame({
        "x": np.r_[np.inf, -np.inf, rng.normal(size=n - 2)],
        "empty": [np.nan] * n,
        "const": [3] * n,
        "label": rng.choice(list("abcdef"), n),
        "many": [f"k{i % 70}" for i in range(n)],
        "when": pd.date_range("2020-01-01", periods=n, freq="D"),
        "row_id": np.arange(n),
    })


def test_profile_flags_what_needs_attention(odd_table):
    schema = infer_schema(odd_table).with_target("label")
    table = profile(odd_table, schema).set_index("column")
    assert table.loc["x", "flags"] == "2 infinite (fitting counts them as missing)"
    assert "all missing" in table.loc["empty", "flags"] and "excluded" in table.loc["empty", "flags"]
    assert table.loc["empty", "missing %"] == 100.0
    assert "constant" in table.loc["const", "flags"]
    assert "high cardinality" in table.loc["many", "flags"]
    assert "target" in table.loc["label", "flags"]
    assert "excluded" in table.loc["row_id", "flags"]
    assert len(table.loc["x", "distribution"]) == HIST_BINS
    assert sum(table.loc["x", "distribution"]) == 98  # infinite values are not binned
    assert table.loc["label", "distribution"] == sorted(table.loc["label", "distribution"], reverse=True)
    assert table.loc["when", "summary"] == "2020-01-01 → 2020-04-09"
    assert table.loc["x", "summary"].startswith("min ")


def test_profile_follows_a_kind_override(odd_table):
    schema = infer_schema(odd_table)
    before = profile(odd_table, schema).set_index("column").loc["const"]
    after = profile(odd_table, schema.with_kind("const", "categorical")).set_index("column").loc["const"]
    assert before["kind"] == "integer" and after["kind"] == "categorical"
    assert before["summary"].startswith("min") and after["summary"] == "3 100%"
    assert "was integer" in after["flags"]


def test_summary(odd_table):
    s = summarize(odd_table)
    assert (s.rows, s.columns) == (100, 7)
    assert s.missing_cells == 100 and s.missing_share == pytest.approx(100 / 700)
    assert s.memory_bytes > 0


@pytest.mark.parametrize("kind", KINDS)
def test_column_distribution_draws_every_kind_without_sending_raw_rows(kind):
    rng = np.random.default_rng(2)
    values = {
        "continuous": rng.normal(size=100_000), "integer": rng.integers(0, 1000, 100_000),
        "binary": rng.integers(0, 2, 100_000), "categorical": rng.choice(list("abc"), 100_000),
        "datetime": pd.Series(pd.date_range("2020-01-01", periods=100_000, freq="min")),
        "id": np.arange(100_000), "text": np.array(["some words here"] * 100_000),
    }[kind]
    series = pd.Series(values, name="col")
    series[:10] = np.nan if kind not in ("datetime",) else pd.NaT
    fig = column_distribution(series, kind)
    points = sum(len(trace.x) for trace in fig.data)
    if kind == "id":  # identifiers are described, not drawn
        assert points == 0 and "99,990 distinct values" in fig.layout.annotations[0].text
    else:
        assert 0 < points <= 100  # binned on the server
    assert "10 missing" in fig.layout.title.text


def test_column_distribution_of_an_all_missing_column():
    fig = column_distribution(pd.Series([np.nan] * 5, name="gone"), "continuous")
    assert not fig.data and "Every value is missing" in fig.layout.annotations[0].text


@pytest.mark.parametrize("kind", ["binary", "continuous"])
def test_infinite_values_are_said_and_not_drawn(kind):
    fig = column_distribution(pd.Series([0.0, 1.0, np.inf, 1.0, -np.inf], name="f"), kind)
    assert sorted(float(x) for x in fig.data[0].x) == [0.0, 1.0] if kind == "binary" else len(fig.data) == 1
    assert "[2 infinite values not drawn]" in fig.layout.title.text
    only = column_distribution(pd.Series([np.inf, np.nan], name="f"), kind)
    assert not only.data and "No finite value" in only.layout.annotations[0].text


def test_many_categories_are_grouped():
    series = pd.Series([f"c{i}" for i in range(100)] * 2, name="c")
    fig = column_distribution(series, "categorical")
    assert len(fig.data[0].x) == 31 and fig.data[0].x[-1] == "(70 others)"


def test_memory_estimate_of_a_large_table_is_close_to_the_exact_figure():
    from core.profile import memory_bytes

    rng = np.random.default_rng(3)
    n = 300_000
    df = pd.DataFrame({"x": rng.normal(size=n), "s": rng.choice(["short", "a much longer label"], n)})
    exact = df.memory_usage(deep=True, index=False).sum()
    assert memory_bytes(df, sample=20_000) == pytest.approx(exact, rel=0.02)
    assert memory_bytes(df.head(100)) == df.head(100).memory_usage(deep=True, index=False).sum()


def test_profile_of_a_wide_table_reads_the_schema_once(monkeypatch):
    """Recomputing the schema's overrides for every column made 10,000 columns take minutes."""
    from core.schema import Schema

    df = pd.DataFrame(np.arange(3 * 300).reshape(3, 300), columns=[f"c{i}" for i in range(300)])
    schema = infer_schema(df)
    calls = []
    original = Schema.overrides
    monkeypatch.setattr(Schema, "overrides", property(lambda self: calls.append(1) or original.fget(self)))
    table = profile(df, schema)
    assert len(table) == 300 and len(calls) <= 1


@pytest.mark.parametrize("seed", range(5))
def test_numeric_profile_matches_pandas_on_every_column(seed):
    rng = np.random.default_rng(seed)
    n = 60
    columns = {f"n{i}": rng.normal(size=n) * 10.0 ** rng.integers(-3, 6) for i in range(6)}
    columns["few"] = rng.integers(0, 5, n).astype(float)
    columns["holes"] = np.where(rng.random(n) < 0.3, np.nan, rng.normal(size=n))
    columns["inf"] = np.r_[np.inf, -np.inf, np.nan, rng.normal(size=n - 3)]
    columns["ints"] = rng.integers(-50, 50, n)
    columns["flag"] = rng.random(n) < 0.5
    df = pd.DataFrame(columns)
    schema = infer_schema(df)
    table = profile(df, schema).set_index("column")
    for column in df.columns:
        if schema.kinds[column] not in ("continuous", "integer"):
            continue
        observed = df[column].dropna().astype(float)
        finite = observed[np.isfinite(observed)]
        assert table.loc[column, "unique"] == finite.nunique()  # (an infinite value is no distinct value)
        expected = (finite.value_counts().sort_index().tolist() if finite.nunique() <= HIST_BINS
                    else np.histogram(finite, bins=HIST_BINS)[0].tolist())
        assert table.loc[column, "distribution"] == expected
        assert table.loc[column, "missing %"] == pytest.approx(100 * df[column].isna().mean())


@pytest.mark.parametrize("when", [
    pd.to_datetime(["2020-01-01", None, "2020-01-01"]),  # one distinct date
    pd.to_datetime(["2020-01-01 00:00:00", "2020-01-01 00:00:00.000000001", None], format="ISO8601"),  # 1 ns apart
    pd.to_datetime(["2020-01-01", "2021-06-01", None]).tz_localize("Europe/Oslo"),
])
def test_datetime_profile_of_a_narrow_or_zoned_column(when):
    df = pd.DataFrame({"when": when, "x": [1.0, 2.0, 3.0]})
    row = profile(df, infer_schema(df)).set_index("column").loc["when"]
    assert sum(row["distribution"]) == 2 and row["summary"].startswith("20")


def test_infinite_values_are_not_counted_as_distinct_values():
    """A 0/1 column holding ±inf is binary, as inference and fitting read it: two distinct values, not four."""
    df = pd.DataFrame({"flag": [0.0, 1.0, np.inf, -np.inf, 1.0, 0.0, np.nan], "only_inf": [np.inf] * 7})
    table = profile(df, infer_schema(df)).set_index("column")
    assert table.loc["flag", "unique"] == 2 and table.loc["flag", "distribution"] == [2, 2]
    assert table.loc["flag", "flags"] == "2 infinite (fitting counts them as missing)"
    assert table.loc["only_inf", "unique"] == 0 and table.loc["only_inf", "distribution"] == []
