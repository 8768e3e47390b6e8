"""The Monte Carlo lesson's properties: inverse-CDF draws follow their target, running means converge."""

import numpy as np
import pytest

from core.errors import DataError, ParameterError
from core.lessons import montecarlo as mc


def defaults(family):
    return {name: default for name, default, _, _ in mc.FAMILIES[family][1]}


@pytest.mark.parametrize("family", [f for f in mc.FAMILIES if f != mc.COLUMN])
def test_inverse_cdf_draws_pass_a_ks_test_against_their_target(family):
    t = mc.target(family, defaults(family))
    _, x = mc.inverse_cdf_sample(t, 5_000, rng=0)
    assert mc.ks_test(t, x).pvalue > 0.01


def test_a_columns_empirical_quantile_function_is_sampled_faithfully():
    column = np.random.default_rng(1).gamma(2.0, 3.0, size=400)
    t = mc.target(mc.COLUMN, values=np.append(column, [np.nan, np.inf]), name="x")
    _, x = mc.inverse_cdf_sample(t, 5_000, rng=0)
    assert mc.ks_test(t, x).pvalue > 0.01
    assert x.min() >= column.min() and x.max() <= column.max()
    u = np.random.default_rng(2).random(400_000)
    draws = t.ppf(u)  # the exact mean and sd of the piecewise-linear quantile function
    assert t.mean == pytest.approx(draws.mean(), abs=4 * t.sd / np.sqrt(len(u)))
    assert t.sd == pytest.approx(draws.std(), rel=0.01)


def test_draw_more_keeps_the_first_draws():
    t = mc.target("normal", defaults("normal"))
    u1, x1 = mc.inverse_cdf_sample(t, 100, rng=3)
    u2, x2 = mc.inverse_cdf_sample(t, 350, rng=3)
    assert np.array_equal(u1, u2[:100]) and np.array_equal(x1, x2[:100])


@pytest.mark.parametrize("outcome", [mc.die(), mc.from_target(mc.target("exponential", {"scale": 2.0}))],
                         ids=["die", "exponential"])
def test_running_means_converge_inside_the_band(outcome):
    seeds = range(20)
    means = mc.running_means(outcome, 10_000, seeds)
    final = means[:, -1]
    assert np.all(np.abs(final - outcome.mean) < 3 * outcome.sd / np.sqrt(10_000))
    assert np.mean(np.abs(final - outcome.mean)) < np.mean(np.abs(means[:, 99] - outcome.mean))
    assert mc.coverage(outcome, means) > 0.85


def test_bad_values_are_sentences():
    with pytest.raises(ParameterError, match="sd"):
        mc.target("normal", {"mean": 0.0, "sd": 0.0})
    with pytest.raises(ParameterError, match="largest"):
        mc.target("uniform", {"low": 1.0, "high": 1.0})
    with pytest.raises(DataError, match="two distinct"):
        mc.target(mc.COLUMN, values=[1.0, 1.0, np.nan])
    with pytest.raises(ParameterError):
        mc.uniforms(0)
    for family, params in (("lognormal", {"mu": 710, "sigma": 0.5}), ("normal", {"mean": 0, "sd": 1e308}),
                           ("uniform", {"low": -1e308, "high": 1e308}), ("gamma", {"shape": 1e300, "scale": 1e300}),
                           ("lognormal", {"mu": 0, "sigma": 30})):  # (the last: a mean and spread of infinity)
        with pytest.raises(ParameterError, match="beyond what numbers can hold"):
            mc.target(family, params)
    with pytest.raises(ParameterError, match="mean must be a number"):
        mc.target("normal", {"mean": "a", "sd": 1.0})
    with pytest.raises(DataError, match="varies too little"):
        mc.target(mc.COLUMN, values=[1.7e18, 1.7e18 + 256, 1.7e18 + 512, 1.7e18 + 1024])


def test_figures_are_built():
    t = mc.target("gamma", defaults("gamma"))
    u, x = mc.inverse_cdf_sample(t, 300, rng=0)
    fig = mc.sampling_figure(t, u, x, lines=4)
    assert len(fig.data) == 1 + 1 + 2 * 4 + 2
    means = mc.running_means(mc.die(), 1_000, [0, 1])
    assert len(mc.lln_figure(mc.die(), means).data) == 2 + 1 + 1
