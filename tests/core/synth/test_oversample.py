"""The oversamplers: SMOTE geometry, exact totals, the replace mode's privacy filter, and the errors."""

import numpy as np
import pandas as pd
import pytest
from sklearn.neighbors import NearestNeighbors

from core.errors import DataError, ParameterError
from core.schema import infer_schema
from core.synth import METHODS
from core.synth.oversample import bulk_out_extra, split


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
    with pytest.raises(DataError, match="privacy filter only 0"):  # pure copies can't be shared
        METHODS["random_oversampling"](mode="replace").fit(df, schema).sample(100, rng=6)
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
    assert len(METHODS["smote"](k_neighbors=3).fit(tiny, tiny_schema).sample(400, rng=0)) == 400
    holed = df.copy()
    holed.loc[3, "x"] = np.nan
    with pytest.raises(DataError, match="missing values"):
        METHODS["smote"]().fit(holed, schema)
    with pytest.raises(ParameterError, match="mode"):
        METHODS["smote"](mode="both").fit(df, schema)
