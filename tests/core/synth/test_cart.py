"""Sequential CART (synthpop): pure leaves keep functions, leaves hold min_leaf rows, donors are real values,
missingness follows the columns before it, the visit sequence is the user's, marginals and correlations stay."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from core.errors import ParameterError
from core.io import read_table
from core.samples import SAMPLES
from core.schema import infer_schema
from core.synth import METHODS
from core.synth.cart import CARTSynthesizer

CART = METHODS["cart"]


def _table(n: int = 1_000, seed: int = 0) -> pd.DataFrame:
    """x decides y (y = 2x) and c decides g; z is noise tied to x; b is missing mostly when x is large; a is
    missing completely at random; 'when' is a date."""
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 7, n)
    c = rng.choice(["a", "b", "c", "d"], n)
    df = pd.DataFrame({
        "x": x,
        "y": 2 * x,
        "c": c,
        "g": pd.Series(c).map({"a": "low", "b": "low", "c": "high", "d": "mid"}),
        "z": (x + rng.normal(0, 1, n)).round(6),
        "a": rng.normal(0, 1, n).round(6),
        "b": rng.gamma(2, 1, n).round(3),
        "when": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D"),
    })
    df.loc[rng.random(n) < 0.3, "a"] = np.nan
    df.loc[rng.random(n) < np.where(x > 3, 0.8, 0.1), "b"] = np.nan
    df.loc[rng.random(n) < 0.1, "when"] = pd.NaT
    return df


@pytest.fixture(scope="module")
def table():
    df = _table()
    return df, infer_schema(df)


@pytest.fixture(scope="module")
def fitted(table):
    df, schema = table
    model = CART(smoothing=False).fit(df, schema, seed=3)
    return model, model.sample(4_000, rng=4)


def test_a_column_that_is_a_function_of_an_earlier_one_keeps_it_on_every_row(table, fitted):
    df, _ = table
    _, out = fitted
    assert (out["y"] == 2 * out["x"]).all()  # the leaves of a pure split hold one value
    assert (out["g"] == out["c"].map({"a": "low", "b": "low", "c": "high", "d": "mid"})).all()
    assert set(out["x"]) == set(df["x"]) and set(out["c"]) == set(df["c"])


def test_every_leaf_holds_at_least_min_leaf_real_rows_and_keeps_them_as_donors(table):
    df, schema = table
    model = CART(min_leaf=23, max_depth=4).fit(df, schema, seed=0)
    trees = 0
    for column in model.visit_sequence_[1:]:
        step = model.steps_[column]
        for leaves in (step.holes, step.values):
            if leaves is None:
                continue
            tree = leaves.tree.tree_
            leaf = tree.children_left == -1
            assert (tree.n_node_samples[leaf] >= 23).all(), column
            assert (leaves.count[leaf] == tree.n_node_samples[leaf]).all() and (leaves.count[~leaf] == 0).all()
            assert leaves.tree.get_depth() <= 4
            trees += 1
    assert trees == len(model.visit_sequence_) - 1 + 3  # 'a', 'b' and 'when' have holes: a tree for them too
    assert model.steps_[model.visit_sequence_[0]].values.tree is None  # the first column: its marginal


def test_values_are_real_values_and_smoothing_moves_continuous_ones_within_the_real_range(table, fitted):
    df, schema = table
    _, out = fitted
    for column in df.columns:
        assert set(out[column].dropna()) <= set(df[column].dropna()), column
    smoothed = CART(smoothing=True).fit(df, schema, seed=3).sample(4_000, rng=4)
    for column in ("z", "a", "b"):  # continuous: moved off the real values, kept within their range
        values = smoothed[column].dropna()
        assert values.between(df[column].min(), df[column].max()).all(), column
        if column != "b":  # (b's three decimals round many a smoothed value back onto a real one)
            assert (~values.isin(df[column])).mean() > 0.9, column
    for column in ("x", "y", "c", "g", "when"):  # labels, whole numbers and dates: never smoothed
        assert set(smoothed[column].dropna()) <= set(df[column].dropna()), column
    assert (smoothed["y"] == 2 * smoothed["x"]).all()
    assert abs(smoothed["z"].std() - df["z"].std()) < 0.1 * df["z"].std()  # a little noise, not a lot


def test_the_same_seed_gives_the_same_table_and_another_seed_another(table, fitted):
    df, schema = table
    _, out = fitted
    pd.testing.assert_frame_equal(CART(smoothing=False).fit(df, schema, seed=3).sample(4_000, rng=4), out)
    assert not CART().fit(df, schema, seed=4).sample(4_000, rng=5).equals(out)  # another seed, as a run gives it
    assert not fitted[0].sample(4_000, rng=5).equals(out)  # another draw from the same model
    assert not CART().fit(df.sample(frac=1, random_state=1), schema, seed=3).sample(4_000, rng=4).equals(out)


def test_missing_values_come_back_at_their_rate_and_follow_the_columns_they_depend_on(table, fitted):
    df, _ = table
    _, out = fitted
    assert abs(out["a"].isna().mean() - df["a"].isna().mean()) < 0.03  # about 30%, completely at random
    assert abs(out["when"].isna().mean() - df["when"].isna().mean()) < 0.03
    for large in (True, False):  # 'b' is missing mostly when x > 3
        real = df.loc[(df["x"] > 3) == large, "b"].isna().mean()
        made = out.loc[(out["x"] > 3) == large, "b"].isna().mean()
        assert abs(made - real) < 0.05, (large, real, made)
    assert out["when"].dtype == df["when"].dtype


def test_a_label_column_draws_missing_as_a_class_of_its_own():
    rng = np.random.default_rng(5)
    n = 2_000
    x = rng.normal(size=n).round(4)
    label = pd.Series(np.where(x > 0, "up", "down"), dtype=object)
    label[(x > 0.5) & (rng.random(n) < 0.6)] = None  # missing mostly where x is large
    df = pd.DataFrame({"x": x, "label": label})
    out = CART().fit(df, infer_schema(df), seed=0).sample(n, rng=1)
    assert abs(out["label"].isna().mean() - label.isna().mean()) < 0.03
    assert out.loc[out["x"] < 0.3, "label"].isna().mean() < 0.02
    assert (out.loc[out["x"] < -0.1, "label"].dropna() == "down").all()


def test_a_visit_sequence_is_the_users_and_a_bad_one_is_a_sentence(table):
    df, schema = table
    model = CART(visit_sequence=" z, when ,x").fit(df, schema, seed=0)
    assert model.visit_sequence_ == ["z", "when", "x", "y", "c", "g", "a", "b"]  # the rest in the table's order
    assert model.steps_["z"].values.tree is None and model.steps_["x"].values.tree is not None
    assert any(n.startswith("Visit sequence: 'z' drawn from its real values, then 'when', 'x'") for n in model.notes())
    out = model.sample(20_000, rng=0)
    real = df["z"].value_counts(normalize=True)
    assert out["z"].value_counts(normalize=True).reindex(real.index).sub(real).abs().max() < 0.002  # a bootstrap
    assert CART().fit(df, schema.with_target("g")).visit_sequence_[0] == "g"  # by default the target first
    excluded = schema.with_excluded(["a"])
    for given, said in [("x, nope", "'nope', which is no column of the table"),
                        ("x, z, x", "'x' twice"),
                        ("a", "'a', which does not take part in synthesis")]:
        with pytest.raises(ParameterError) as caught:
            CART(visit_sequence=given).fit(df, excluded)
        assert said in caught.value.message
        assert CARTSynthesizer.blockers(df, excluded, {"visit_sequence": given})[0].message == caught.value.message


@pytest.mark.parametrize(("settings", "tolerance"), [
    ({"min_leaf": 5, "smoothing": False}, 0.05),  # synthpop's defaults: fine detail
    ({}, 0.10),  # ours: leaves of about 2√n rows and smoothing, which blur a little for privacy
])
def test_marginals_and_correlations_of_the_penguins_are_kept(settings, tolerance):
    df = read_table(SAMPLES["penguins"].path)
    schema = infer_schema(df, target="species")
    out = CART(**settings).fit(df, schema, seed=0).sample(3_000, rng=1)
    for column in schema.numeric_columns():
        assert stats.ks_2samp(out[column].dropna(), df[column].dropna()).statistic < 0.08, column
    for column in schema.label_columns():
        real, made = df[column].value_counts(normalize=True), out[column].value_counts(normalize=True)
        assert made.reindex(real.index).sub(real).abs().max() < 0.04, column
    pair = ["flipper_length_mm", "body_mass_g"]
    assert abs(out[pair].corr().iloc[0, 1] - df[pair].corr().iloc[0, 1]) < tolerance
    species = ["bill_depth_mm", "species"]  # within species the relation flips sign (Simpson): trees keep it
    within = out[species].join(out["bill_length_mm"]).groupby("species").corr().xs("bill_depth_mm", level=1)
    assert (within["bill_length_mm"] > 0.1).all()


def test_the_default_leaf_grows_with_the_table_and_the_note_says_so():
    small, large = _table(n=100), _table(n=2_500)
    for df, leaf in ((small, 20), (large, 100)):
        model = CART().fit(df, infer_schema(df), seed=0)
        assert model.min_leaf_ == leaf
        assert f"Leaves hold at least {leaf:,} real rows" in " ".join(model.notes())
    assert CART(min_leaf=7).fit(small, infer_schema(small)).min_leaf_ == 7
