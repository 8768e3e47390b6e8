"""The differentially private methods: the budget spent is the one asked, a tiny budget leaves independent
columns, a large one keeps a strong dependence, the same seed gives the same table."""

import numpy as np
import pandas as pd
import pytest
from scipy import optimize

from core.errors import ParameterError
from core.schema import infer_schema
from core.synth import METHODS
from core.synth.privacy import BUDGET_CARD, delta_for, zcdp_epsilon, zcdp_rho


def cramers_v(a: pd.Series, b: pd.Series) -> float:
    from scipy.stats.contingency import association

    return float(association(pd.crosstab(a, b).to_numpy(), method="cramer"))


@pytest.fixture(scope="module")
def linked():
    """Two label columns that almost always agree (Cramér's V about 0.9) and a number that follows them."""
    rng = np.random.default_rng(0)
    n = 2_000
    a = rng.choice(["x", "y", "z"], n)
    b = np.where(rng.random(n) < 0.93, a, rng.choice(["x", "y", "z"], n))
    v = np.round(pd.Series(a).map({"x": 0.0, "y": 5.0, "z": 10.0}).to_numpy() + rng.normal(0, 1, n), 2)
    df = pd.DataFrame({"a": a, "b": b, "v": v})
    return df, infer_schema(df)


def test_zcdp_conversion_matches_the_analytic_bound():
    for rho, delta in [(0.01, 1e-5), (0.5, 1e-6), (5.0, 1e-5)]:
        bound = rho + 2 * np.sqrt(rho * np.log(1 / delta))  # Bun & Steinke 2016, proposition 1.3
        best = optimize.minimize_scalar(  # Balle et al. 2020, minimised over a continuous α on its own
            lambda a, r=rho, d=delta: r * a + np.log((a - 1) / a) - (np.log(d) + np.log(a)) / (a - 1),
            bounds=(1.0001, 1e6), method="bounded", options={"xatol": 1e-9}).fun
        assert best - 1e-9 <= zcdp_epsilon(rho, delta) < best * 1.002  # opacus's grid of orders: as tight
        assert 0.7 * bound < zcdp_epsilon(rho, delta) <= bound  # and below the classic bound
    for epsilon in (0.01, 1.0, 100.0):
        assert abs(zcdp_epsilon(zcdp_rho(epsilon, 1e-5), 1e-5) - epsilon) < 1e-6 * epsilon


def test_delta_auto_and_refused():
    assert delta_for("auto", 1_000) == 1e-5 and delta_for("auto", 10**6) == pytest.approx(1e6 ** -1.1)
    with pytest.raises(ParameterError, match="not below 1/n"):
        delta_for(1e-5, 200_000)


@pytest.mark.parametrize("epsilon", [0.3, 3.0])
def test_mst_spends_the_budget_asked(linked, epsilon):
    df, schema = linked
    model = METHODS["dp_mst"](epsilon=epsilon, iterations=50).fit(df, schema)
    assert 0.99 * epsilon < model.epsilon_ <= epsilon
    assert any("ε = " in note for note in model.notes())


def test_mst_pair_scores_move_by_at_most_one_when_a_row_is_added(linked):
    """The exponential mechanism choosing the tree is calibrated to sensitivity 1: with the noisy one-way counts
    fixed, adding any one row moves every pair's score by at most 1 (with the true row count in it, up to 2)."""
    df, schema = linked
    model = METHODS["dp_mst"](epsilon=1.0, iterations=50).fit(df, schema, seed=0)
    rng = np.random.default_rng(1)
    one_way = {c: rng.uniform(0, 900, model.codings_[c].size) for c in df.columns}  # any noisy counts

    def codes(table):
        return {c: model.codings_[c].merged(model.codings_[c].encode(table[c])) for c in table.columns}

    before = model._weights(codes(df), one_way)
    for row in ({"a": "x", "b": "z", "v": 9.5}, {"a": "z", "b": "z", "v": -1.0}, {"a": "y", "b": "x", "v": 30.0}):
        after = model._weights(codes(pd.concat([df, pd.DataFrame([row])], ignore_index=True)), one_way)
        assert max(abs(after[pair] - before[pair]) for pair in before) <= 1 + 1e-9


def test_mst_tiny_budget_independent_large_budget_dependent(linked):
    df, schema = linked
    real = cramers_v(df["a"], df["b"])
    assert real > 0.85
    tiny = METHODS["dp_mst"](epsilon=0.01, iterations=50).fit(df, schema, seed=0).sample(2_000, rng=0)
    large = METHODS["dp_mst"](epsilon=30.0, iterations=300).fit(df, schema, seed=0).sample(2_000, rng=0)
    assert cramers_v(tiny["a"], tiny["b"]) < 0.15  # near independent
    assert cramers_v(large["a"], large["b"]) > 0.75  # the link recovered
    assert set(large["a"]) <= set(df["a"]) and set(tiny["b"]) <= set(df["b"])  # only real categories
    assert large["v"].between(df["v"].min(), df["v"].max()).all()
    assert large.groupby("a")["v"].mean().is_monotonic_increasing


def test_mst_same_seed_same_table_and_missing_as_a_category(linked):
    df, schema = linked
    df = df.copy()
    df.loc[df.index[:400], "v"] = np.nan  # 20% missing
    make = METHODS["dp_mst"](epsilon=10.0, iterations=50)
    first = make.fit(df, schema, seed=1).sample(1_000, rng=2)
    again = METHODS["dp_mst"](epsilon=10.0, iterations=50).fit(df, schema, seed=1).sample(1_000, rng=2)
    pd.testing.assert_frame_equal(first, again)
    assert abs(first["v"].isna().mean() - 0.2) < 0.05


def test_dp_vae_spends_the_budget_asked_and_repeats(linked):
    df, schema = linked
    quick = {**METHODS["dp_vae"].quick, "epsilon": 1.0}
    model = METHODS["dp_vae"](**quick).fit(df, schema, seed=0)
    assert 0.95 < model.epsilon_ <= 1.0  # read from opacus's accountant after training
    assert model.steps_ == 10 and model.noise_multiplier_ > 0
    first = model.sample(300, rng=1)
    again = METHODS["dp_vae"](**quick).fit(df, schema, seed=0).sample(300, rng=1)
    pd.testing.assert_frame_equal(first, again)
    with pytest.raises(ParameterError, match="too small"):
        METHODS["dp_vae"](epsilon=0.01, epochs=1_000, batch_size=1_000).fit(df, schema)


def test_the_card_says_what_epsilon_promises_and_what_not():
    for phrase in ("e^ε", "δ", "does not hide facts about the population", "noise", "range"):
        assert phrase in BUDGET_CARD
    assert all(key in METHODS for key in ("dp_mst", "dp_vae"))
