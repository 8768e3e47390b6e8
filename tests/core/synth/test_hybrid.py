"""Hybrid synthesis: parts keep their real shares and the dependence on the partition column, clustering is
seeded, small parts are pooled with a note, and bad partition columns are sentences."""

import numpy as np
import pandas as pd
import pytest

import core.synth.hybrid as hybrid
from core.errors import ParameterError, SynthLabError
from core.schema import infer_schema
from core.synth import METHODS

HYBRID = METHODS["hybrid"]


def grouped(sizes: dict[str, int], means: dict[str, float], seed: int = 0) -> pd.DataFrame:
    """A label 'g' and two numbers: 'x' with a mean per group, 'y' tied to 'x' within every group."""
    rng = np.random.default_rng(seed)
    g = np.repeat(list(sizes), list(sizes.values()))
    x = rng.normal(pd.Series(g).map(means).to_numpy(), 1.0)
    return pd.DataFrame({"g": g, "x": x.round(3), "y": (2 * x + rng.normal(size=len(g))).round(3)}) \
        .sample(frac=1, random_state=1).reset_index(drop=True)


def test_each_part_keeps_its_real_share_exactly_up_to_rounding():
    df = grouped({"a": 157, "b": 91, "c": 52}, {"a": 0, "b": 3, "c": 6})
    df.loc[df.index[:40], "g"] = None  # rows with no value are a part of their own
    model = HYBRID(partition_by="g", model="gaussian_copula").fit(df, infer_schema(df), seed=0)
    for n in (1000, 333, 7):
        out = model.sample(n, rng=n)
        real = df["g"].value_counts(dropna=False, normalize=True)
        made = out["g"].value_counts(dropna=False)
        assert made.sum() == n and set(made.index.fillna("-")) <= set(real.index.fillna("-"))
        for value, share in real.items():
            count = made.get(value, 0) if pd.notna(value) else int(out["g"].isna().sum())
            assert abs(count - n * share) < 1, (value, count, n * share)  # largest remainder: floor or ceiling
    assert "(missing)" in " ".join(model.notes())


def test_the_dependence_on_the_partition_column_is_kept_where_one_copula_flattens_it():
    df = grouped({"a": 250, "b": 200, "c": 150}, {"a": 0, "b": 10, "c": 0})  # not monotone: 0, 10, 0
    schema = infer_schema(df)
    real = df.groupby("g")["x"].mean()
    out = HYBRID(partition_by="g", model="gaussian_copula").fit(df, schema, seed=0).sample(3000, rng=1)
    gap = (out.groupby("g")["x"].mean() - real).abs()
    assert gap.max() < 0.5
    assert out[["x", "y"]].corr().iloc[0, 1] > 0.9  # the relation within the parts stays
    single = METHODS["gaussian_copula"]().fit(df, schema, seed=0).sample(3000, rng=1)
    assert (single.groupby("g")["x"].mean() - real).abs().max() > 4 * gap.max()


def test_clustering_is_seeded_and_keeps_each_clusters_own_relation():
    rng = np.random.default_rng(0)
    x = np.r_[rng.normal(0, 1, 120), rng.normal(12, 1, 80)]
    df = pd.DataFrame({"x": x, "y": np.where(x < 6, x, 20 - x) + rng.normal(0, 0.5, 200)}).round(3)
    schema = infer_schema(df)  # y rises with x in one cloud and falls with it in the other

    def run(seed: int) -> tuple[pd.DataFrame, object]:  # a run's seed fits the model and draws its rows
        model = HYBRID(model="gaussian_copula", clusters=2).fit(df, schema, seed=seed)
        return model.sample(400, rng=seed), model

    out, fit = run(4)
    pd.testing.assert_frame_equal(out, run(4)[0])
    assert not out.equals(run(5)[0])
    assert sorted(len(p.rows) for p in fit.parts_) == [80, 120]  # k-means found the two clouds
    assert "Parts by k-means" in " ".join(fit.notes())

    def falling(table: pd.DataFrame) -> float:
        right = table[table["x"] > 6]
        return right["x"].corr(right["y"])

    single = METHODS["gaussian_copula"]().fit(df, schema, seed=4).sample(400, rng=4)
    assert abs(falling(out) - falling(df)) < 0.1 and falling(single) > 0  # one copula: one sign for both


def test_the_result_does_not_depend_on_how_parts_are_scheduled(monkeypatch):
    df = grouped({"a": 60, "b": 50, "c": 40}, {"a": 0, "b": 5, "c": 1})
    schema = infer_schema(df)
    two = HYBRID(partition_by="g", model="cholesky").fit(df, schema, seed=2).sample(200, rng=3)
    monkeypatch.setattr(hybrid, "WORKERS", 1)
    one = HYBRID(partition_by="g", model="cholesky").fit(df, schema, seed=2).sample(200, rng=3)
    pd.testing.assert_frame_equal(two, one)


def test_auto_fits_each_parts_marginals_once_and_draws_what_fitting_twice_drew(monkeypatch):
    import core.synth.statistical as statistical

    df = grouped({"a": 60, "b": 50}, {"a": 0, "b": 5})
    schema = infer_schema(df)
    calls = []
    fit = statistical.fit_marginal
    monkeypatch.setattr(statistical, "fit_marginal", lambda values: calls.append(values.name) or fit(values))
    monkeypatch.setattr(hybrid, "WORKERS", 1)
    shared = HYBRID(partition_by="g").fit(df, schema, seed=4).sample(150, rng=5)
    assert sorted(calls) == ["x", "x", "y", "y"]  # one fit per part and number column (Cholesky's, reused)
    model = METHODS["monte_carlo"]().reusing({})  # for the next fit only
    assert model.fit(df, schema, seed=0).marginals_ == {} and len(model.fit(df, schema, seed=0).marginals_) == 2
    monkeypatch.setattr(statistical.MonteCarloSynthesizer, "reusing", lambda self, marginals: self)
    calls.clear()
    pd.testing.assert_frame_equal(HYBRID(partition_by="g").fit(df, schema, seed=4).sample(150, rng=5), shared)
    assert len(calls) == 8


def test_auto_records_a_model_per_part_and_a_fixed_model_serves_every_part():
    df = grouped({"a": 60, "b": 45}, {"a": 0, "b": 5})
    schema = infer_schema(df)
    auto = HYBRID(partition_by="g").fit(df, schema, seed=0)
    summary = next(note for note in auto.notes() if note.startswith("Parts by 'g'"))
    assert all(f.key in hybrid.CANDIDATES for f in auto.fitted_)
    titles = {METHODS[f.key].title for f in auto.fitted_}
    if len(titles) > 1:
        assert all(f"{p.label} → {METHODS[f.key].title} ({len(p.rows)} rows)" in summary
                   for p, f in zip(auto.parts_, auto.fitted_, strict=True))
    else:
        assert f"each with {titles.pop()}" in summary
    fixed = HYBRID(partition_by="g", model="monte_carlo").fit(df, schema, seed=0)
    assert [f.key for f in fixed.fitted_] == ["monte_carlo", "monte_carlo"]
    assert "Parts by 'g', each with Monte Carlo (fitted distributions): a (60 rows), b (45 rows)." in fixed.notes()


def test_small_parts_are_pooled_or_join_the_smallest_part_with_a_note():
    df = grouped({"a": 80, "b": 50, "d": 12, "e": 9}, {"a": 0, "b": 5, "d": 10, "e": 15})
    schema = infer_schema(df)
    pooled = HYBRID(partition_by="g", model="gaussian_copula", min_part=20).fit(df, schema, seed=0)
    assert [p.label for p in pooled.parts_] == ["a", "b", "other"]
    assert any("2 values of 'g' (d, e)" in note and "pooled into one part, 'other' (21 rows)" in note
               for note in pooled.notes())
    out = pooled.sample(1000, rng=0)
    assert abs(out["g"].isin(["d", "e"]).sum() - 1000 * 21 / len(df)) < 1  # the pooled part keeps its share
    joined = HYBRID(partition_by="g", model="gaussian_copula", min_part=30).fit(df, schema, seed=0)
    assert [p.label for p in joined.parts_] == ["a", "b + other"]
    assert any("21 rows in all, so they joined the smallest part, 'b'" in note for note in joined.notes())
    alone = HYBRID(partition_by="g", model="gaussian_copula", min_part=500).fit(df, schema, seed=0)
    assert len(alone.parts_) == 1 and any("whole table is one part" in note for note in alone.notes())
    assert set(alone.sample(300, rng=0)["g"]) <= set(df["g"])
    clustered = HYBRID(model="gaussian_copula", clusters=5, min_part=40).fit(df, schema, seed=0)
    assert all(len(p.rows) >= 40 for p in clustered.parts_)
    assert any("joined the nearest larger one" in note for note in clustered.notes())


def test_a_single_valued_partition_column_makes_one_part():
    df = grouped({"a": 50}, {"a": 0})
    model = HYBRID(partition_by="g", model="gaussian_copula").fit(df, infer_schema(df), seed=0)
    assert len(model.parts_) == 1 and "'g' holds a single value, so the whole table is one part." in model.notes()
    assert (model.sample(20, rng=0)["g"] == "a").all()


@pytest.mark.parametrize(("column", "said"), [
    ("nope", "'partition_by' names no column of the table"),
    ("row_id", "'row_id' is an identifier"),
    ("x", "'x' is a number column with 148 different values; a partition column may have at most 20."),
    ("when", "'when' is a datetime column"),
])
def test_a_bad_partition_column_is_a_sentence(column, said):
    df = grouped({"a": 100, "b": 50}, {"a": 0, "b": 1}).assign(row_id=lambda d: np.arange(len(d)) + 1000,
                                                                 when=pd.Timestamp("2024-01-01"))
    df["when"] += pd.to_timedelta(np.arange(len(df)), unit="D")
    schema = infer_schema(df)
    with pytest.raises(SynthLabError) as caught:
        HYBRID(partition_by=column, model="gaussian_copula").fit(df, schema)
    assert isinstance(caught.value, ParameterError) and said in caught.value.message
