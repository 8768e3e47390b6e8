"""Distribution fitting, Monte Carlo and Cholesky synthesis."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from core.errors import ParameterError
from core.schema import infer_schema
from core.synth import METHODS
from core.synth.fitting import EMPIRICAL, fit_marginal, ranking

rng = np.random.default_rng(0)


@pytest.mark.parametrize("values,expected", [
    (rng.normal(50, 5, 3_000), "normal"),
    (rng.lognormal(3, 0.8, 3_000), "lognormal"),
    (rng.exponential(2.0, 3_000) + 1e-3, "exponential"),
    (rng.uniform(10, 20, 3_000), "uniform"),
    (np.r_[rng.normal(0, 1, 1_500), rng.normal(12, 1, 1_500)], EMPIRICAL),  # two modes: nothing fits
])
def test_aic_chooses_the_generating_family(values, expected):
    marginal = fit_marginal(pd.Series(values, name="x"))
    assert marginal.chosen == expected
    table = ranking(marginal)
    assert table["chosen"].sum() == 1 and table.iloc[0]["AIC"] <= table.iloc[1]["AIC"]


def _table(n=20_000):
    z = rng.multivariate_normal([0, 0, 0], [[1, 0.8, -0.3], [0.8, 1, 0.1], [-0.3, 0.1, 1]], size=n)
    return pd.DataFrame({"a": np.round(np.exp(1 + 0.9 * z[:, 0]), 3), "b": np.round(50 + 10 * z[:, 1], 2),
                         "c": np.round(stats.gamma.ppf(stats.norm.cdf(z[:, 2]), 3), 3),
                         "g": rng.choice(["x", "y"], n, p=[0.3, 0.7])})


def test_monte_carlo_keeps_marginals_and_drops_correlations():
    df = _table()
    model = METHODS["monte_carlo"]().fit(df, infer_schema(df))
    out = model.sample(20_000, rng=1)
    for column in "abc":
        assert stats.ks_2samp(out[column], df[column]).statistic < 0.03, column
    assert abs(out[["a", "b"]].corr().iloc[0, 1]) < 0.03  # independent columns
    assert abs((out["g"] == "x").mean() - 0.3) < 0.02
    forced = METHODS["monte_carlo"](distributions={"b": "uniform"}).fit(df, infer_schema(df)).sample(5_000, rng=2)
    assert stats.ks_2samp(forced["b"], df["b"]).statistic > 0.1  # the override is used (and fits badly)
    with pytest.raises(ParameterError, match=r"does not know.*cauchy"):
        METHODS["monte_carlo"](distributions={"b": "cauchy"}).fit(df, infer_schema(df))
    with pytest.raises(ParameterError, match="'g', which is not a number column"):  # not ignored in silence
        METHODS["monte_carlo"](distributions={"g": "normal"}).fit(df, infer_schema(df))


def test_cholesky_reproduces_the_target_normal_score_correlations():
    df = _table()
    model = METHODS["cholesky"]().fit(df, infer_schema(df))
    out = model.sample(20_000, rng=3)
    achieved = model.normal_scores(out).corr()
    assert (achieved - model.target_correlation_).abs().to_numpy().max() < 0.03
    assert model.target_correlation_.loc["a", "b"] == pytest.approx(0.8, abs=0.03)
    pearson = out[["a", "b"]].corr().iloc[0, 1]
    assert pearson < model.target_correlation_.loc["a", "b"]  # shrinks through the skewed marginal of a


def test_cholesky_with_a_user_matrix_and_a_repair():
    df = _table(5_000)
    target = pd.DataFrame([[1, -0.5, 0.4], [-0.5, 1, 0.2], [0.4, 0.2, 1]], index=list("abc"), columns=list("abc"))
    model = METHODS["cholesky"](correlation=target).fit(df, infer_schema(df))
    achieved = model.normal_scores(model.sample(20_000, rng=4)).corr()
    assert (achieved - target).abs().to_numpy().max() < 0.03 and not model.repaired_
    impossible = pd.DataFrame([[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]], index=list("abc"), columns=list("abc"))
    repaired = METHODS["cholesky"](correlation=impossible).fit(df, infer_schema(df))
    assert repaired.repaired_ and np.linalg.eigvalsh(repaired.correlation_.to_numpy()).min() > 0
    assert len(repaired.sample(100, rng=5)) == 100
    for bad, message in [(target.drop(columns="c").drop(index="c"), "exactly the number columns"),
                         (target.replace(0.4, 1.5), "between −1 and 1"),
                         (target.assign(a=[1, 0.1, 0.4]), r"\('a', 'b'\) is -0.5 but \('b', 'a'\) is 0.1")]:
        with pytest.raises(ParameterError, match=message):
            METHODS["cholesky"](correlation=bad).fit(df, infer_schema(df))


def test_a_wide_impossible_matrix_is_repaired_by_clipping_without_the_long_iterations(monkeypatch):
    from core.synth import correlation

    called = []
    monkeypatch.setattr(correlation, "corr_nearest", lambda *a, **k: called.append(1) or a[0])
    rng = np.random.default_rng(0)
    data = rng.normal(size=(40, 200))  # more columns than rows: the sample correlation is singular
    repaired, was = correlation.repair(np.corrcoef(data, rowvar=False))
    assert was and np.linalg.eigvalsh(repaired).min() > 0 and np.allclose(np.diag(repaired), 1)
    assert not called  # 200 columns: up to 20,000 eigendecompositions of 200 x 200 would take minutes
    correlation.repair(np.corrcoef(rng.normal(size=(5, 8)), rowvar=False))
    assert called  # a narrow one still gets the nearest correlation matrix
