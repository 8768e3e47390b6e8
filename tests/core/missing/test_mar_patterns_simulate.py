"""MAR diagnostics, pattern views and the regression simulator."""

import numpy as np
import pandas as pd
import pytest

from core.errors import DataError, ParameterError
from core.io import read_table
from core.missing import (
    ampute,
    dendrogram_input,
    mar_diagnostics,
    missing_by_column,
    nullity_correlation,
    nullity_matrix,
    pattern_table,
    simulate,
    suggest_setup,
)
from core.missing.patterns import missing_patterns, pattern_index
from core.samples import SAMPLES
from core.schema import infer_schema


@pytest.fixture(scope="module")
def airquality():
    return read_table(SAMPLES["airquality"].path)


def test_airquality_ozone_depends_on_month(airquality):
    result = mar_diagnostics(airquality, "Ozone", infer_schema(airquality).kinds)
    assert result.verdict.startswith("Missingness of Ozone depends on Month")
    assert "consistent with MAR" in result.verdict
    top = result.comparisons.iloc[0]
    assert top["column"] == "Month" and top["p (Holm)"] < 0.001
    assert 0.5 < result.auc < 1


def test_mcar_holes_look_like_mcar():
    rng = np.random.default_rng(0)
    n = 1_000
    df = pd.DataFrame({"x": rng.normal(size=n), "y": rng.normal(size=n), "g": rng.choice(list("abc"), n)})
    holes = ampute(df, mechanism="MCAR", columns=["y"], rate=0.3, rng=1)
    result = mar_diagnostics(holes, "y", infer_schema(holes).kinds)
    assert "consistent with MCAR" in result.verdict and "MNAR cannot be ruled out" in result.verdict
    assert abs(result.auc - 0.5) < 0.08
    assert set(result.comparisons["test"]) == {"Welch t / KS", "chi-square"}


def test_holes_driven_by_a_category_are_found():
    rng = np.random.default_rng(1)
    n = 600
    group = rng.choice(["north", "south"], n)
    y = rng.normal(size=n)
    y[(group == "south") & (rng.random(n) < 0.6)] = np.nan
    df = pd.DataFrame({"group": group, "y": y, "noise": rng.normal(size=n)})
    result = mar_diagnostics(df, "y", infer_schema(df).kinds)
    assert result.comparisons.iloc[0]["column"] == "group"
    assert result.comparisons.iloc[0]["where missing"].startswith("south")
    assert result.coefficients.index[0].startswith("group")


@pytest.mark.parametrize("frame,column,message", [
    (pd.DataFrame({"a": [1.0, 2, 3], "b": [1.0, 2, 3]}), "a", "no missing values"),
    (pd.DataFrame({"a": [np.nan] * 3, "b": [1.0, 2, 3]}), "a", "Every value"),
    (pd.DataFrame({"a": [1.0, np.nan, 3]}), "a", "No other usable column"),
    (pd.DataFrame({"a": [1.0, np.nan, 3]}), "zz", "no column named"),
])
def test_mar_bad_requests(frame, column, message):
    with pytest.raises(DataError, match=message):
        mar_diagnostics(frame, column, infer_schema(frame).kinds)


def test_patterns_of_airquality(airquality):
    table = pattern_table(airquality)
    assert table["rows"].tolist() == [111, 35, 5, 2]
    assert table["missing columns"].tolist() == ["(complete rows)", "Ozone", "Solar.R", "Ozone, Solar.R"]
    assert table["share"].sum() == pytest.approx(1)
    by_column = missing_by_column(airquality)
    assert by_column.iloc[0].tolist()[:2] == ["Ozone", 37]


@pytest.mark.parametrize("width", [3, 11, 70])  # one 64-bit key, and byte-string keys past 64 columns
def test_bit_packed_patterns_match_a_plain_group_by(width):
    rng = np.random.default_rng(2)
    df = pd.DataFrame(rng.normal(size=(3_000, width)))
    df[df > (1.2 if width < 70 else 2.5)] = np.nan
    patterns, counts = missing_patterns(df)
    expected = df.isna().value_counts()
    assert sorted(counts.tolist()) == sorted(expected.tolist())
    assert {tuple(p) for p in patterns} == set(expected.index)
    _, codes, _ = pattern_index(df.isna().to_numpy())
    assert all((patterns[codes[i]] == df.isna().to_numpy()[i]).all() for i in range(0, 3_000, 97))


def test_nullity_correlation_and_matrix():
    n = 10_000
    a = np.arange(n) % 3 == 0
    df = pd.DataFrame({"a": np.where(a, np.nan, 1.0), "same": np.where(a, np.nan, 2.0),
                       "opposite": np.where(a, 3.0, np.nan), "full": 1.0, "empty": np.nan})
    corr = nullity_correlation(df)
    assert list(corr.columns) == ["a", "same", "opposite"]  # only partly missing columns
    assert corr.loc["a", "same"] == pytest.approx(1) and corr.loc["a", "opposite"] == pytest.approx(-1)
    matrix = nullity_matrix(df, max_rows=100)
    assert matrix.values.shape == (100, 5) and "about 100 rows" in matrix.note
    assert matrix.values.mean() == pytest.approx(df.isna().to_numpy().mean(), abs=1e-9)
    ordered = nullity_matrix(df, sort=True, max_rows=100)
    assert np.all(np.diff(ordered.completeness) <= 1e-12)
    assert dendrogram_input(df, max_rows=500).shape == (500, 3)
    for bad in (0, -3, 2.5, True, "10"):
        with pytest.raises(ParameterError, match="whole number of 1 or more"):
            nullity_matrix(df, max_rows=bad)
        with pytest.raises(ParameterError, match="whole number of 1 or more"):
            nullity_matrix(df, max_columns=bad)
    assert nullity_matrix(df, max_rows=1).values.shape == (1, 5)


def _line(n=4_000, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    z = 0.6 * x + rng.normal(size=n)
    y = 2 * x + z + rng.normal(scale=0.5, size=n)  # z, related to x, drives y beyond x
    return pd.DataFrame({"x": x, "y": y, "z": z})


def test_simulator_mcar_keeps_the_slope_mar_and_mnar_move_it():
    sim = simulate(_line(), x="x", y="y", by="z", rate=0.4, strength=2, rng=1)
    table = sim.table.set_index(sim.table["data"].str.split().str[0])
    truth, se = table.loc["complete", "slope"], table.loc["MCAR", "se"]
    assert abs(table.loc["MCAR", "slope"] - truth) < 3 * se
    assert table.loc["MCAR", "se"] > table.loc["complete", "se"]  # MCAR costs precision
    assert abs(table.loc["MAR", "slope"] - truth) > 3 * se
    assert abs(table.loc["MNAR", "slope"] - truth) > 3 * se
    assert table.loc["MAR", "rate achieved"] == pytest.approx(0.4, abs=0.05)
    again = simulate(_line(), x="x", y="y", by="z", rate=0.4, strength=2, rng=1)
    pd.testing.assert_frame_equal(sim.table, again.table)


def test_holes_that_depend_only_on_x_leave_the_slope_alone():
    sim = simulate(_line(seed=3), x="x", y="y", hole="y", by="x", rate=0.4, strength=2, rng=2)
    table = sim.table.set_index(sim.table["data"].str.split().str[0])
    assert abs(table.loc["MAR", "slope"] - table.loc["complete", "slope"]) < 3 * table.loc["MAR", "se"]


def test_suggested_setup_and_errors():
    df = _line()
    x, y, by = suggest_setup(df, ["x", "y", "z"])
    assert {x, y} == {"x", "y"} and by == "z"
    with pytest.raises(DataError, match="not numeric"):
        simulate(df.assign(s="a"), x="x", y="s")
    with pytest.raises(DataError, match="different columns"):
        simulate(df, x="x", y="x")
    with pytest.raises(DataError, match="needs 10"):
        simulate(df.head(5), x="x", y="y")
    assert simulate(df[["x", "y"]], x="x", y="y").by == "x"  # no third column: x drives the MAR holes


def test_simulator_at_rate_one_fits_nothing_but_does_not_fail():
    sim = simulate(_line(200), x="x", y="y", by="z", rate=1.0, rng=0)
    assert sim.table.loc[1:, "slope"].isna().all() and (sim.table.loc[1:, "n"] == 0).all()


def test_the_simulator_reads_infinity_as_missing_and_skips_text_columns():
    from core.missing.simulate import simulate, suggest_setup

    rng = np.random.default_rng(0)
    x = rng.normal(size=200)
    df = pd.DataFrame({"x": x, "y": 2 * x + rng.normal(0, 0.3, 200), "t": ["a"] * 200})
    df.loc[3, "x"] = np.inf
    assert suggest_setup(df, ["x", "y", "t"])[:2] in (("x", "y"), ("y", "x"))
    with np.errstate(all="ignore"):
        table = simulate(df, x="x", y="y", rng=0).table
    assert len(table) == 4 and table["slope"].notna().all()
