"""Little's MCAR test against R naniar's published value, and its behaviour on known mechanisms."""

import numpy as np
import pandas as pd
import pytest

from core.errors import DataError
from core.io import read_table
from core.missing import ampute, little_mcar_test
from core.missing.little import em_mvn
from core.samples import SAMPLES


def test_reproduces_naniar_on_airquality():
    result = little_mcar_test(read_table(SAMPLES["airquality"].path))
    # naniar::mcar_test(airquality): statistic 35.1, df 14, p.value 0.00142, missing.patterns 4
    assert result.statistic == pytest.approx(35.1061, abs=5e-4)
    assert result.dof == 14
    assert result.p_value == pytest.approx(0.001418, abs=5e-6)
    assert result.n_patterns == 4
    assert sum(p.n_rows for p in result.patterns) == 153
    assert sum(p.d2 for p in result.patterns) == pytest.approx(result.statistic)
    assert "not MCAR" in result.verdict()


def test_em_without_holes_is_the_sample_mean_and_ml_covariance():
    x = np.random.default_rng(0).normal(size=(200, 3)) @ np.array([[1, 0.5, 0], [0, 1, 0.3], [0, 0, 1]])
    mu, sigma, _ = em_mvn(x)
    np.testing.assert_allclose(mu, x.mean(axis=0))
    np.testing.assert_allclose(sigma, np.cov(x.T, ddof=0), atol=1e-12)


def test_em_recovers_a_known_covariance_under_mar():
    rng = np.random.default_rng(1)
    cov = np.array([[1.0, 0.7], [0.7, 1.0]])
    x = rng.multivariate_normal([0, 0], cov, size=20_000)
    holed = x.copy()
    holed[x[:, 0] > 0.5, 1] = np.nan  # MAR: y lost where x is high
    mu, sigma, _ = em_mvn(holed)
    assert np.nanmean(holed[:, 1]) < -0.2  # the complete-case mean is badly biased ...
    np.testing.assert_allclose(mu, [0, 0], atol=0.03)  # ... EM is not
    np.testing.assert_allclose(sigma, cov, atol=0.04)


def _correlated(n, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    return pd.DataFrame({"x": x, "y": 0.8 * x + rng.normal(scale=0.6, size=n), "z": rng.normal(size=n)})


def test_mcar_holes_are_not_flagged_and_mar_holes_are():
    df = _correlated(2_000, 2)
    mcar = ampute(df, mechanism="MCAR", columns=["y"], rate=0.3, rng=3)
    mar = ampute(df, mechanism="MAR", columns=["y"], rate=0.3, rng=3, by="x", strength=2)
    assert little_mcar_test(mcar).p_value > 0.05
    assert little_mcar_test(mar).p_value < 1e-6


def test_under_mcar_the_p_value_is_not_systematically_small():
    p_values = [little_mcar_test(ampute(_correlated(300, s), mechanism="MCAR", columns=["x", "y"], rate=0.2,
                                        rng=s)).p_value for s in range(40)]
    rejected = np.mean(np.array(p_values) < 0.05)
    assert rejected <= 0.15  # about 5% at the 5% level; 40 runs allow some luck
    assert np.median(p_values) > 0.2


def test_non_numeric_constant_and_empty_columns_are_left_out():
    df = _correlated(100, 4)
    df.loc[:20, "y"] = np.nan
    df["label"] = "a"
    df["const"] = 1.0
    df["empty"] = np.nan
    result = little_mcar_test(df)
    assert result.columns == ["x", "y", "z"]
    assert set(result.left_out) == {"label", "const", "empty"}


def test_no_missing_values_means_one_pattern_and_nothing_to_test():
    result = little_mcar_test(_correlated(50, 5))
    assert (result.n_patterns, result.dof, result.p_value) == (1, 0, 1.0)
    assert "nothing to compare" in result.verdict()


def test_rows_with_nothing_observed_are_dropped():
    df = _correlated(100, 6)
    df.loc[:9, :] = np.nan
    assert little_mcar_test(df).rows_used == 90


@pytest.mark.parametrize("frame,message", [
    (pd.DataFrame({"a": ["x", "y", None]}), "at least one numeric column"),
    (pd.DataFrame({"a": [1.0, 2.0], "b": [2.0, 1.0], "c": [1.0, np.nan]}), "more rows than columns"),
])
def test_unusable_tables_get_a_sentence(frame, message):
    with pytest.raises(DataError, match=message):
        little_mcar_test(frame)


def test_perfectly_collinear_columns_get_a_sentence():
    df = _correlated(100, 7)
    df["x2"] = 2 * df["x"]
    df.loc[:30, "y"] = np.nan
    with pytest.raises(DataError, match=r"collinear \(x2 follow exactly from the others\)"):
        little_mcar_test(df)


def test_dependent_columns_on_msleep():
    from core.missing import dependent_columns

    msleep = read_table(SAMPLES["msleep"].path)
    assert dependent_columns(msleep) == ["awake"]  # awake = 24 − sleep_total
    assert little_mcar_test(msleep.drop(columns="awake")).dof > 0


def test_the_statistic_does_not_depend_on_each_columns_scale():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"cents": rng.normal(5e6, 2e6, 500), "share": rng.uniform(0, 1e-3, 500),
                       "age": rng.normal(40, 10, 500)})
    holed = df.mask(rng.random(df.shape) < 0.2)
    scaled = little_mcar_test(holed)  # (a column in thousandths beside one in cents read as collinear)
    plain = little_mcar_test((holed - holed.mean()) / holed.std())
    assert scaled.statistic == pytest.approx(plain.statistic, rel=1e-4) and scaled.dof == plain.dof
    assert little_mcar_test(holed * 1e300).statistic == pytest.approx(plain.statistic, rel=1e-4)


def test_a_table_with_thousands_of_patterns_over_many_columns_is_refused_quickly():
    rng = np.random.default_rng(1)
    wide = pd.DataFrame(rng.normal(size=(1_000, 200))).add_prefix("c")
    with pytest.raises(DataError, match="missing-data patterns over 200 numeric columns"):
        little_mcar_test(wide.mask(rng.random(wide.shape) < 0.05))


def test_patterns_that_share_no_column_are_said_to_give_nothing_to_compare():
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(100, 4)), columns=list("abcd"))
    df.loc[:49, ["a", "b"]] = np.nan
    df.loc[50:, ["c", "d"]] = np.nan
    result = little_mcar_test(df)
    assert result.n_patterns == 2 and result.dof == 0 and "share no observed column" in result.verdict()


def test_a_time_span_column_takes_part_in_seconds():
    rng = np.random.default_rng(0)
    spans = pd.Series(pd.to_timedelta(rng.normal(100, 20, 60), unit="s"))
    df = pd.DataFrame({"dur": spans, "x": np.where(np.arange(60) % 4 == 0, np.nan, rng.normal(size=60))})
    in_seconds = little_mcar_test(df.assign(dur=spans.dt.total_seconds()))
    assert little_mcar_test(df).statistic == pytest.approx(in_seconds.statistic)
