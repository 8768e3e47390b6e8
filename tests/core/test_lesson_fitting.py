"""The fitting lesson's properties: ML and the method of moments recover a known gamma, AIC prefers it, KS rewards
the true parameters."""

import numpy as np
import pytest

from core.errors import DataError, ParameterError
from core.lessons import fitting as fit

TRUE = {"shape": 2.0, "scale": 3.0}


@pytest.fixture(scope="module")
def sample():
    return fit.toy_sample(20_000, rng=0)


def test_maximum_likelihood_recovers_the_gamma_within_5_percent(sample):
    ml = fit.fit_ml("gamma", sample)
    for name, value in TRUE.items():
        assert ml[name] == pytest.approx(value, rel=0.05)


def test_the_method_of_moments_recovers_the_gamma_within_10_percent(sample):
    mom = fit.fit_moments("gamma", sample)
    for name, value in TRUE.items():
        assert mom[name] == pytest.approx(value, rel=0.10)


def test_aic_ranks_gamma_above_normal(sample):
    table = fit.fit_all(sample)
    aic = table.set_index(["family", "method"])["AIC"]
    assert aic["gamma", fit.ML] < aic["normal", fit.ML]
    assert table.iloc[0]["family"] == "gamma"
    assert len(table) == 10


def test_the_true_parameters_give_a_smaller_ks_than_a_wrong_scale(sample):
    true = fit.score("gamma", TRUE, sample)
    wrong = fit.score("gamma", {"shape": 2.0, "scale": 4.0}, sample)
    assert true.ks < wrong.ks and true.aic < wrong.aic


@pytest.mark.parametrize("family,params", [("normal", {"mean": 5.0, "sd": 2.0}),
                                           ("lognormal", {"mu": 1.0, "sigma": 0.4}),
                                           ("exponential", {"scale": 2.0}),
                                           ("weibull", {"shape": 1.5, "scale": 2.0})])
def test_moment_formulas_recover_each_family(family, params):
    x = fit.frozen(family, params).rvs(size=50_000, random_state=1)
    for method in (fit.fit_moments, fit.fit_ml):
        got = method(family, x)
        for name, value in params.items():
            assert got[name] == pytest.approx(value, rel=0.05, abs=0.02)


def test_negative_values_leave_only_the_normal_and_bad_input_is_a_sentence():
    x = np.random.default_rng(0).normal(size=300)
    assert set(fit.fit_all(x)["family"]) == {"normal"}
    with pytest.raises(DataError, match="three distinct"):
        fit.prepare([1.0, 1.0, np.nan, "a"])
    with pytest.raises(ParameterError, match="above 0"):
        fit.score("gamma", {"shape": 2.0, "scale": 0.0}, x)
    assert len(fit.prepare(np.arange(20_000.0))) == fit.FIT_ROWS
    with np.errstate(all="ignore"):
        for tiny_or_huge in ([1e-200, 3e-190, 5e-180, 2e-185], [1e200, 2e200, 3e200, 5e199]):
            table = fit.fit_all(fit.prepare(tiny_or_huge))  # the fits that leave floats are left out
            assert len(table) and table["KS"].notna().all()


def test_figures_follow_the_parameters(sample):
    x = sample[:500]
    table = fit.fit_all(x)
    a = fit.qq_figure(x, "gamma", TRUE).data[1].x
    b = fit.qq_figure(x, "gamma", {"shape": 2.0, "scale": 4.0}).data[1].x
    assert not np.allclose(a, b)
    assert len(fit.density_figure(x, table, "gamma", TRUE).data) == 1 + 4 + 1
