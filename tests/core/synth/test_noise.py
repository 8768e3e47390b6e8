"""Noise and augmentation: the noise has the chosen spread, labels stay valid and swap at the chosen rate, mixup rows
lie between two parents of the same class, the same seed gives the same table, and the privacy guard sees copies."""

import numpy as np
import pandas as pd
import pytest

from core.errors import DataError
from core.schema import Kind, infer_schema
from core.synth import METHODS
from core.synth.guard import Guard
from core.synth.run import generate

N = 400


def table(n: int = N, seed: int = 0) -> pd.DataFrame:
    """Numbers with many decimals, an integer, a date, a label with known shares and a unique key per row."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "x": rng.normal(50, 10, n).round(6),
        "y": rng.gamma(3, 2, n).round(6),
        "k": rng.poisson(20, n),
        "when": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D"),
        "colour": rng.choice(["red", "green", "blue", "black"], n, p=[0.4, 0.3, 0.2, 0.1]),
        "key": [f"r{i}" for i in range(n)],
    })


def keyed(df: pd.DataFrame):
    """A schema whose target is the unique key: the target is never perturbed, so each output row names its base."""
    return infer_schema(df).with_kind("key", Kind.CATEGORICAL).with_target("key")


def fit(df, schema, **params):
    return METHODS["noise"](**params).fit(df, schema)


def test_jitter_has_the_chosen_spread_and_keeps_kinds():
    df = table()
    schema = keyed(df)
    out = fit(df, schema, jitter=0.1, swap=0.0).sample(4_000, rng=1)
    base = df.set_index("key").loc[out["key"]].reset_index()
    for column in ["x", "y"]:
        ratio = (out[column] - base[column]).std() / df[column].std()  # sd of the added noise / column sd
        assert ratio == pytest.approx(0.1, abs=0.01), column
    moved = (out["when"] - base["when"]).dt.days.std() / (df["when"] - df["when"].min()).dt.days.std()
    assert (out["when"] == out["when"].dt.floor("D")).all() and moved == pytest.approx(0.1, abs=0.02)
    assert out["k"].dtype == df["k"].dtype and out["x"].between(df["x"].min(), df["x"].max()).all()
    assert (out["colour"] == base["colour"]).all()  # swap 0: labels untouched


def test_swap_rate_matches_the_probability_and_categories_stay_valid():
    df = table()
    schema = keyed(df)
    out = fit(df, schema, jitter=0.0, swap=0.2).sample(6_000, rng=2)
    base = df.set_index("key").loc[out["key"]].reset_index()
    changed = (out["colour"] != base["colour"]).mean()
    assert changed == pytest.approx(0.2, abs=4 * np.sqrt(0.2 * 0.8 / 6_000))
    assert set(out["colour"]) <= set(df["colour"])
    new = out.loc[out["colour"] != base["colour"], "colour"].value_counts(normalize=True)
    assert new["red"] > new["black"]  # replacements follow the observed shares


def test_mixup_rows_lie_between_two_parents_of_the_same_class():
    rng = np.random.default_rng(3)
    n = 40
    df = pd.DataFrame({"a": rng.normal(size=n).round(6), "b": rng.normal(size=n).round(6),
                       "c": rng.normal(size=n).round(6), "cls": np.repeat(["p", "q"], n // 2)})
    out = fit(df, infer_schema(df, target="cls"), jitter=0.0, swap=0.0, mixup=1.0, alpha=1.0).sample(300, rng=4)
    points, labels = df[["a", "b", "c"]].to_numpy(), df["cls"].to_numpy()
    for row, label in zip(out[["a", "b", "c"]].to_numpy(), out["cls"], strict=True):
        members = points[labels == label]
        start, gap = members[:, None, :], members[None, :, :] - members[:, None, :]  # every ordered pair (p, q)
        t = np.clip(((row - start) * gap).sum(-1) / np.maximum((gap ** 2).sum(-1), 1e-12), 0, 1)
        residual = np.linalg.norm(row - (start + t[..., None] * gap), axis=-1)  # distance to the segment p-q
        assert residual.min() < 1e-5  # on the segment between two rows of its own class
    assert not out[["a", "b", "c"]].round(6).merge(df[["a", "b", "c"]]).shape[0] > 30  # mostly new rows


def test_same_seed_same_table_and_no_noise_gives_real_rows():
    df = table(120)
    schema = infer_schema(df)
    model = fit(df, schema, jitter=0.2, swap=0.1, mixup=0.5)
    pd.testing.assert_frame_equal(model.sample(200, rng=7), fit(df, schema, jitter=0.2, swap=0.1, mixup=0.5)
                                  .sample(200, rng=7))
    assert not model.sample(200, rng=7).equals(model.sample(200, rng=8))
    copies = fit(df, schema, jitter=0.0, swap=0.0).sample(200, rng=5)
    columns = schema.synth_columns
    real = set(map(tuple, df[columns].astype(str).to_numpy()))
    assert all(tuple(row) in real for row in copies[columns].astype(str).to_numpy())


def test_clipping_is_noted_and_missing_values_stay():
    df = table(200)
    df.loc[::10, "x"] = np.nan
    model = fit(df, infer_schema(df), jitter=1.0, swap=0.0)
    out = model.sample(2_000, rng=6)
    assert out["x"].dropna().between(df["x"].min(), df["x"].max()).all()
    assert out["x"].isna().mean() == pytest.approx(0.1, abs=0.03)
    assert any("beyond its real range" in note and "'x'" in note for note in model.notes())


def test_the_privacy_guard_drops_copies():
    df = table(60)
    schema = infer_schema(df)
    with pytest.raises(DataError, match="privacy guard"):
        generate(df, schema, "noise", {"jitter": 0.0, "swap": 0.0}, 10, rng=0, guard=Guard())
    made = generate(df, schema, "noise", {"jitter": 0.3}, 50, rng=0, guard=Guard())
    assert len(made.table) == 50 and any("Privacy guard" in note for note in made.notes)


def test_a_wide_jitter_on_two_centuries_of_dates_stays_within_the_dates_pandas_holds():
    df = pd.DataFrame({"d": pd.date_range("1900-01-01", "2100-01-01", periods=50), "x": np.arange(50.0)})
    df.loc[3, "d"] = pd.NaT
    out = METHODS["noise"](jitter=2.0).fit(df, infer_schema(df), seed=0).sample(1000, rng=0)
    present = out["d"].dropna()
    assert present.min() >= df["d"].min() and present.max() <= df["d"].max()  # (clipped to the data's range)
    assert present.nunique() > 100 and out["d"].isna().mean() < 0.1
