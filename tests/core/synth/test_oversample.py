"""The oversamplers: SMOTE geometry, exact totals, the replace mode's privacy filter, and the errors."""

import numpy as np
import pandas as pd
import pytest
from sklearn.neighbors import NearestNeighbors

from core.errors import DataError, ParameterError
from core.schema import infer_schema
from core.synth import METHODS
from core.synth.oversample import bulk_out_extra, split
from core.synth.registry import OVERSAMPLING


def imbalanced(n_major=300, n_minor=40, seed=0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"x": np.r_[rng.normal(0, 1, n_major), rng.normal(1.5, 1, n_minor)].round(6),
                       "y": np.r_[rng.normal(0, 1, n_major), rng.normal(1.5, 1, n_minor)].round(6),
                       "label": ["no"] * n_major + ["yes"] * n_minor})
    return df, infer_schema(df, target="label")


def test_smote_points_lie_on_segments_between_minority_neighbours():
    df, schema = imbalanced()
    k = 5
    out = METHODS["smote"](k_neighbors=k).fit(df, schema).sample(600, rng=1)
    minority = df[df["label"] == "yes"][["x", "y"]].to_numpy()
    synthetic = out.iloc[len(df):]
    synthetic = synthetic[synthetic["label"] == "yes"][["x", "y"]].to_numpy()
    assert len(synthetic) == 260
    neighbours = NearestNeighbors(n_neighbors=k + 1).fit(minority).kneighbors(minority)[1][:, 1:]
    for point in synthetic:
        best = np.inf
        for i, row in enumerate(minority):
            for j in neighbours[i]:
                direction = minority[j] - row
                t = np.clip(np.dot(point - row, direction) / np.dot(direction, direction), 0, 1)
                best = min(best, np.linalg.norm(row + t * direction - point))
        assert best < 1e-5


@pytest.mark.parametrize("counts,n,expected", [
    ({"a": 300, "b": 40}, 600, {"a": 0, "b": 260}),
    ({"a": 300, "b": 40}, 500, {"a": 0, "b": 160}),
    ({"a": 300, "b": 40, "c": 10}, 900, {"a": 0, "b": 260, "c": 290}),
    ({"a": 300, "b": 40, "c": 10}, 401, {"a": 0, "b": 10, "c": 41}),  # c catches up with b, then both grow
    ({"a": 10, "b": 10}, 25, {"a": 3, "b": 2}),
])
def test_bulk_out_totals_are_exact(counts, n, expected):
    extra = bulk_out_extra(pd.Series(counts), n)
    assert extra.to_dict() == expected and extra.sum() + sum(counts.values()) == n
    with pytest.raises(ParameterError, match="ask for at least"):
        bulk_out_extra(pd.Series(counts), sum(counts.values()) - 1)


def test_split_sums_exactly():
    shares = pd.Series({"a": 0.5, "b": 0.3, "c": 0.2})
    for n in (1, 7, 10, 1001):
        assert split(shares, n).sum() == n


@pytest.mark.parametrize("key", ["smote", "borderline_smote", "adasyn", "random_oversampling", "smotenc"])
def test_bulk_out_keeps_every_real_row_and_balances(key):
    df, schema = imbalanced(seed=2)
    out = METHODS[key]().fit(df, schema).sample(600, rng=3)
    assert len(out) == 600 and out["label"].value_counts().to_dict() == {"no": 300, "yes": 300}
    pd.testing.assert_frame_equal(out.iloc[: len(df)].reset_index(drop=True), df[out.columns])


def test_replace_mode_keeps_the_class_split_and_drops_copies():
    df, schema = imbalanced(seed=4)
    model = METHODS["smote"](mode="replace", privacy_share=0.2).fit(df, schema)
    out = model.sample(340, rng=5)
    assert out["label"].value_counts().to_dict() == {"no": 300, "yes": 40}
    assert out.merge(df, how="inner").empty  # no synthetic row is a real row
    assert model.dropped_["closest"] > 0
    smoothed = METHODS["random_oversampling"](mode="replace", shrinkage=0.5).fit(df, schema).sample(100, rng=6)
    assert smoothed.merge(df, how="inner").empty


def test_label_features_come_back_as_real_labels():
    rng = np.random.default_rng(7)
    df, _ = imbalanced(seed=7)
    df["colour"] = rng.choice(["red", "green", "blue"], len(df))
    schema = infer_schema(df, target="label")
    for key in ("smote", "smotenc"):
        out = METHODS[key]().fit(df, schema).sample(600, rng=8)
        assert set(out["colour"]) <= {"red", "green", "blue"}


def test_errors_are_sentences():
    df, schema = imbalanced()
    with pytest.raises(DataError, match="none is chosen"):
        METHODS["smote"]().fit(df, schema.with_target(None))
    with pytest.raises(DataError, match="single class"):
        METHODS["smote"]().fit(df[df["label"] == "no"], schema)
    tiny, tiny_schema = imbalanced(n_minor=4)
    with pytest.raises(DataError, match=r"'yes' has 4 rows; SMOTE with k = 5 needs at least 6") as info:
        METHODS["smote"]().fit(tiny, tiny_schema)
    assert "Set k to 3 or less" in info.value.hint
    rng = np.random.default_rng(1)
    for key in ("smote", "random_oversampling"):
        with pytest.raises(DataError, match="'label' holds continuous values, not classes"):
            METHODS[key]().fit(df.assign(label=rng.normal(size=len(df))), schema.with_kind("label", "continuous"))
        with pytest.raises(DataError, match="'label' has no values"):
            METHODS[key]().fit(df.assign(label=np.nan), schema)
    assert len(METHODS["smote"](k_neighbors=3).fit(tiny, tiny_schema).sample(400, rng=0)) == 400
    holed = df.copy()
    holed.loc[3, "x"] = np.nan
    with pytest.raises(DataError, match="missing values"):
        METHODS["smote"]().fit(holed, schema)
    with pytest.raises(ParameterError, match="mode"):
        METHODS["smote"](mode="both").fit(df, schema)


def test_safe_level_gap_follows_the_papers_five_cases():
    from core.synth.safe_level import safe_level_gap

    rng = np.random.default_rng(0)
    m = 10_000
    case = lambda slp, sln: safe_level_gap(np.full(m, slp), np.full(m, sln), rng)  # noqa: E731
    assert np.isnan(case(0, 0)).all()  # 1: both noise, no row
    assert (case(3, 0) == 0).all()  # 2: the neighbour is noise, copy p
    equal = case(2, 2)
    assert equal.min() >= 0 and equal.max() <= 1 and equal.std() > 0.25  # 3: U[0, 1]
    safer_p = case(4, 2)  # 4: sl = 2, U[0, 1/2]
    assert safer_p.min() >= 0 and safer_p.max() <= 0.5 and safer_p.max() > 0.45
    safer_n = case(1, 4)  # 5: sl = 1/4, U[3/4, 1]
    assert safer_n.min() >= 0.75 and safer_n.max() <= 1 and safer_n.min() < 0.76
    assert (case(0, 3) == 1).all()  # 5 with slp = 0: a copy of the safe neighbour


def test_safe_level_smote_makes_nothing_between_noise_and_stays_on_segments():
    from core.synth.safe_level import SafeLevelSMOTE

    rng = np.random.default_rng(1)
    majority = rng.normal(0, 1, (300, 2))
    core_rows = rng.normal(6, 0.5, (30, 2))  # a safe minority cluster
    noise = np.array([[0.0, 0.0], [0.2, -0.1]])  # two minority rows lost in the majority
    x = np.vstack([majority, core_rows, noise])
    y = np.array([0] * 300 + [1] * 32)
    out_x, out_y = SafeLevelSMOTE(sampling_strategy={1: 300}, k_neighbors=5, random_state=2).fit_resample(x, y)
    new = out_x[len(x):]
    assert len(new) == 268 and (out_y[len(x):] == 1).all()
    assert np.linalg.norm(new - 6, axis=1).max() < 4  # every new row is made in or towards the safe cluster
    assert (np.linalg.norm(new, axis=1) > 1.0).all()  # none between the two noisy rows


def test_replace_mode_drops_rows_that_become_copies_once_rounded():
    rng = np.random.default_rng(9)
    n = 200
    df = pd.DataFrame({"a": rng.integers(0, 4, n), "b": rng.integers(0, 3, n), "label": rng.choice(["p", "q"], n,
                                                                                                  p=[0.7, 0.3])})
    schema = infer_schema(df, target="label")
    model = METHODS["smote"](mode="replace", privacy_share=0.0, k_neighbors=3)
    with pytest.raises(DataError, match="privacy filter"):  # 12 possible rows, all of them real: nothing is new
        model.fit(df, schema).sample(50, rng=10)


def unseen(seed, classes):
    """A 3,000-row imbalanced table of numbers, whole numbers and a label feature, 2 or 3 classes."""
    rng = np.random.default_rng(seed)
    n = 3000
    shares = np.array([0.8, 0.15, 0.05][:classes])
    y = rng.choice(["no", "yes", "maybe"][:classes], n, p=shares / shares.sum())
    shift = pd.Series(y).map({"no": 0.0, "yes": 1.0, "maybe": 2.0}).to_numpy()
    df = pd.DataFrame({"age": (rng.normal(40, 10, n) + 3 * shift).round().astype(int),
                       "income": (rng.lognormal(10, 0.5, n) * (1 + 0.1 * shift)).round(2),
                       "score": rng.normal(shift, 1, n).round(3),
                       "kids": rng.integers(0, 4, n),
                       "city": rng.choice(["a", "b", "c"], n),
                       "label": y})
    return df, infer_schema(df, target="label")


REPLACE = {"random_oversampling": {"shrinkage": 0.5}}  # shrinkage 0 only copies: refused below


@pytest.mark.parametrize("seed,classes", [(0, 2), (1, 3), (2, 3)])
@pytest.mark.parametrize("key", [k for k, cls in METHODS.items() if cls.family is OVERSAMPLING])
def test_replace_mode_returns_exactly_the_rows_asked_for_in_the_real_split(key, seed, classes):
    df, schema = unseen(seed, classes)
    model = METHODS[key](mode="replace", **REPLACE.get(key, {})).fit(df, schema)
    shares = df["label"].value_counts(normalize=True)
    for n in (60, 700):
        out = model.sample(n, rng=seed)
        assert len(out) == n
        assert out["label"].value_counts().to_dict() == split(shares, n)[lambda s: s > 0].to_dict()
        assert out.merge(df, how="inner").empty  # the privacy filter still holds


def test_random_oversampling_refuses_replace_mode_without_shrinkage():
    df, schema = imbalanced()
    with pytest.raises(ParameterError, match="shrinkage") as info:
        METHODS["random_oversampling"](mode="replace").fit(df, schema)
    assert "shrinkage above 0" in info.value.hint
    assert METHODS["random_oversampling"].refusal({"mode": "replace", "shrinkage": 0.0}) is not None
    assert METHODS["random_oversampling"].refusal({"mode": "bulk_out", "shrinkage": 0.0}) is None
    assert len(METHODS["random_oversampling"]().fit(df, schema).sample(600, rng=0)) == 600  # bulk out copies


def test_bulk_out_returns_exactly_the_rows_asked_for_on_an_unseen_table():
    df, schema = unseen(3, 3)
    for key in ("adasyn", "safe_level_smote", "svm_smote"):
        out = METHODS[key]().fit(df, schema).sample(len(df) + 7, rng=4)
        assert len(out) == len(df) + 7


@pytest.mark.parametrize("mode", ["bulk_out", "replace"])
def test_numbers_near_the_float_limit_are_oversampled_not_lost(mode):
    rng = np.random.default_rng(7)
    df = pd.DataFrame({"x": rng.normal(size=60) * 1e300, "y": np.where(rng.random(60) < 0.3, "p", "q")})
    out = METHODS["smote"](mode=mode).fit(df, infer_schema(df, target="y")).sample(80, rng=0)
    assert out["x"].notna().all() and np.isfinite(out["x"]).all()  # the standard deviation overflowed to inf: NaN
    assert out["x"].abs().max() <= df["x"].abs().max()


@pytest.mark.parametrize("key", [k for k, cls in METHODS.items() if cls.family is OVERSAMPLING])
def test_infinite_values_are_named_as_such_when_they_block_an_oversampler(key):
    """The training rows held no NaN, only ±inf: 'x has missing values' alone sent the user looking for holes."""
    x = np.arange(60.0)
    x[::10] = np.inf
    df = pd.DataFrame({"x": x, "y": ["a", "b", "b"] * 20})
    with pytest.raises(DataError, match="'x' has 6 infinite values, which count as missing"):
        METHODS[key]().fit(df, infer_schema(df).with_target("y"))
    df["a"] = np.where(np.arange(60) % 20 == 0, np.inf, 1.5 * np.arange(60))  # a refusal of no holes: not said
    with pytest.raises(DataError) as refused:
        METHODS[key]().fit(df.assign(y=np.linspace(0, 1, 60)), infer_schema(df.assign(y=np.linspace(0, 1, 60)))
                           .with_target("y"))
    assert "infinite" not in str(refused.value)
