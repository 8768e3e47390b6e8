"""ampute: the rate asked is the rate achieved, each mechanism and shape removes the rows it should."""

import numpy as np
import pandas as pd
import pytest

from core.errors import DataError, ParameterError
from core.missing import MECHANISMS, SHAPES, ampute, missing_probability


@pytest.fixture(scope="module")
def table():
    rng = np.random.default_rng(0)
    n = 20_000
    x = rng.normal(size=n)
    return pd.DataFrame({"x": x, "y": 0.7 * x + rng.normal(scale=0.7, size=n), "label": rng.choice(list("abc"), n)})


@pytest.mark.parametrize("mechanism", MECHANISMS)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("rate", [0.1, 0.5])
def test_rate_achieved_matches_rate_asked(table, mechanism, shape, rate):
    holes = ampute(table, mechanism=mechanism, columns=["y"], rate=rate, rng=1, shape=shape, by="x")
    achieved = holes["y"].isna().mean()
    assert abs(achieved - rate) < 4 * np.sqrt(rate * (1 - rate) / len(table))  # within sampling error
    assert holes["x"].notna().all()


def test_probabilities_average_to_the_rate():
    score = np.random.default_rng(2).lognormal(size=5_000)
    for shape in SHAPES:
        for rate in (0.05, 0.3, 0.9):
            assert missing_probability(score, rate=rate, shape=shape, strength=3).mean() == pytest.approx(rate)


def test_same_seed_same_holes_and_input_untouched(table):
    before = table.copy()
    a = ampute(table, mechanism="MNAR", columns=["x", "y"], rate=0.3, rng=7)
    b = ampute(table, mechanism="MNAR", columns=["x", "y"], rate=0.3, rng=7)
    c = ampute(table, mechanism="MNAR", columns=["x", "y"], rate=0.3, rng=8)
    pd.testing.assert_frame_equal(a, b)
    assert not a.isna().equals(c.isna())
    pd.testing.assert_frame_equal(table, before)


def test_mechanisms_remove_the_rows_they_should(table):
    lost = lambda holes: holes["y"].isna()  # noqa: E731
    mcar = ampute(table, mechanism="MCAR", columns=["y"], rate=0.3, rng=3)
    assert abs(table.loc[lost(mcar), "x"].mean() - table["x"].mean()) < 0.05
    mar = ampute(table, mechanism="MAR", columns=["y"], rate=0.3, rng=3, by="x", shape="RIGHT")
    assert table.loc[lost(mar), "x"].mean() > table.loc[~lost(mar), "x"].mean() + 0.5  # high x lost
    mnar = ampute(table, mechanism="MNAR", columns=["y"], rate=0.3, rng=3, shape="LEFT")
    assert table.loc[lost(mnar), "y"].mean() < table.loc[~lost(mnar), "y"].mean() - 0.5  # low y lost
    mid = ampute(table, mechanism="MNAR", columns=["y"], rate=0.3, rng=3, shape="MID", strength=3)
    tail = ampute(table, mechanism="MNAR", columns=["y"], rate=0.3, rng=3, shape="TAIL", strength=3)
    centre = (table["y"] - table["y"].mean()).abs()
    assert centre[lost(mid)].mean() < centre[~lost(mid)].mean()
    assert centre[lost(tail)].mean() > centre[~lost(tail)].mean()


def test_rate_zero_and_one(table):
    assert ampute(table, mechanism="MAR", columns=["y"], rate=0, rng=0, by="x")["y"].notna().all()
    assert ampute(table, mechanism="MNAR", columns=["y"], rate=1, rng=0)["y"].isna().all()


def test_mar_picks_the_most_correlated_driver_and_labels_work(table):
    holes = ampute(table, mechanism="MAR", columns=["y"], rate=0.3, rng=4, shape="RIGHT")
    assert table.loc[holes["y"].isna(), "x"].mean() > 0.2
    assert ampute(table, mechanism="MNAR", columns=["label"], rate=0.2, rng=4)["label"].isna().any()


def test_bad_requests_get_a_sentence(table):
    with pytest.raises(DataError, match="needs another numeric column"):
        ampute(table[["y"]], mechanism="MAR", columns=["y"], rate=0.3)
    with pytest.raises(DataError, match="not on the column itself"):
        ampute(table, mechanism="MAR", columns=["y"], rate=0.3, by="y")
    with pytest.raises(ParameterError, match="Unknown mechanism"):
        ampute(table, mechanism="MXAR", columns=["y"], rate=0.3)
    with pytest.raises(ParameterError, match="impossible"):
        ampute(table, mechanism="MCAR", columns=["y"], rate=1.5)
    with pytest.raises(ParameterError, match="Unknown shape"):
        ampute(table, mechanism="MNAR", columns=["y"], rate=0.5, shape="UP")
    with pytest.raises(DataError, match="Choose columns"):
        ampute(table, mechanism="MCAR", columns=["nope"], rate=0.3)


def test_absurd_strengths_rates_and_mechanisms_are_sentences_or_exact():
    from core.errors import ParameterError

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=100), "b": rng.normal(size=100)})
    for strength in (1e6, float("inf"), float("nan"), -1.0):
        with pytest.raises(ParameterError, match="strength"):
            ampute(df, mechanism="MAR", columns=["a"], rate=0.2, strength=strength, rng=0)
    with pytest.raises(ParameterError, match="Unknown mechanism"):
        ampute(df, mechanism=1, columns=["a"], rate=0.2, rng=0)
    assert ampute(df, mechanism="MAR", columns=["a"], rate=1e-30, rng=0)["a"].notna().all()
    steep = missing_probability(df["b"].to_numpy(), rate=0.2, strength=20.0)
    assert steep.mean() == pytest.approx(0.2)  # the rate is kept however steep the slope


@pytest.mark.parametrize(("given", "said"), [
    ({"rate": "0.2"}, "missing rate of '0.2' is impossible"), ({"rate": None}, "missing rate of None"),
    ({"columns": None}, "list of column names"), ({"columns": "x"}, "list of column names"),
])
def test_malformed_amputation_settings_are_sentences(given, said):
    df = pd.DataFrame({"x": np.arange(40.0), "k": range(40)})
    with pytest.raises(ParameterError, match=said):
        ampute(df, **{"mechanism": "MNAR", "columns": ["x"], "rate": 0.2, **given})


def test_infinite_values_driving_the_holes_and_a_numpy_strength_are_taken():
    df = pd.DataFrame({"x": [1.0, 2.0, np.inf, 4.0] * 10, "k": range(40)})
    out = ampute(df, mechanism="MNAR", columns=["x"], rate=0.25, rng=0, strength=np.float32(2))
    assert 0 < out["x"].isna().sum() < 40
