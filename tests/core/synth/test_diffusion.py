"""The diffusion model's promises: the normal-score transform goes back exactly, both modes of a bimodal column
come back in their shares, only observed categories come out, the same seed gives the same table, a stopped
training keeps a model that samples, a saved model draws the same rows, and the denoising picture shows the
reverse chain. Tiny networks and few steps, so each test takes seconds."""

import numpy as np
import pandas as pd
import pytest
import torch

from core.bundle import load_model, save_model
from core.schema import infer_schema
from core.synth import METHODS
from core.synth.diffusion import NormalScores, Schedule
from core.synth.neural import TrainingMonitor
from core.synth.transformer import fit_transformer

TINY = {"epochs": 15, "batch_size": 100, "steps": 20, "width": 32}


@pytest.fixture(scope="module")
def mixed():
    rng = np.random.default_rng(0)
    n = 300
    group = rng.choice(["a", "b", "c", "rare"], size=n, p=[0.5, 0.3, 0.17, 0.03])
    df = pd.DataFrame({
        "group": group,
        "income": np.round(np.where(group == "a", 20_000, 60_000) + rng.normal(0, 5_000, n), 2),
        "age": rng.integers(18, 90, n),
        "when": pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D"),
    })
    df.loc[rng.random(n) < 0.15, "income"] = np.nan
    df.loc[rng.random(n) < 0.10, "group"] = None
    return df, infer_schema(df)


@pytest.fixture(scope="module")
def trained(mixed):
    df, schema = mixed
    return METHODS["diffusion"](**TINY).fit(df, schema, seed=3)


def test_normal_scores_go_back_to_the_table(mixed):
    df, schema = mixed
    scores = NormalScores(fit_transformer(df, schema.kinds, seed=0, scores=True))
    matrix = scores.transform(df, np.random.default_rng(0))
    assert matrix.shape == (len(df), scores.width) == (len(df), 4 + 1 + 1 + 2 + 1 + 1)  # labels+None, z, z+hole
    z = matrix[:, scores.columns[2].spans[0].start]  # age
    assert np.allclose(np.percentile(z, [25, 50, 75]), [-0.674, 0, 0.674], atol=0.1)  # standard normal scores
    back = scores.inverse(matrix)
    assert back["group"].isna().equals(df["group"].isna())
    assert (back["group"].dropna() == df["group"].dropna()).all()
    assert back["income"].isna().equals(df["income"].isna())  # holes come back where they were
    seen = df["income"].notna()
    assert np.allclose(back.loc[seen, "income"], df.loc[seen, "income"], rtol=1e-6)
    assert np.allclose(back["age"], df["age"], atol=1e-6)
    assert (back["when"] - df["when"]).abs().max() < pd.Timedelta(minutes=1)  # (the scores are float32)


def test_the_reverse_chain_of_a_perfect_denoiser_gives_standard_normal_scores():
    for schedule in ("linear", "cosine"):
        s = Schedule(schedule, 50)
        generator = torch.Generator().manual_seed(0)
        z = torch.randn(20_000, generator=generator)
        for t in range(49, -1, -1):  # for N(0, 1) data the best guess of the noise is √(1 − ᾱₜ) xₜ
            x0 = (z - s.sqrt_one_minus[t] ** 2 * z) / s.sqrt_alpha_bar[t]
            noise = torch.randn(z.shape, generator=generator) if t else 0
            z = s.mean_x0[t] * x0 + s.mean_xt[t] * z + torch.exp(0.5 * s.log_variance[t]) * noise
        assert abs(float(z.mean())) < 0.03 and abs(float(z.std()) - 1) < 0.03, schedule


def test_both_modes_of_a_bimodal_column_come_back_in_their_shares():
    rng = np.random.default_rng(5)
    n = 400
    left = rng.random(n) < 0.3
    df = pd.DataFrame({"x": np.where(left, -5, 5) + rng.normal(0, 0.5, n), "side": np.where(left, "left", "right")})
    model = METHODS["diffusion"](epochs=60, batch_size=100, steps=30, width=64).fit(df, infer_schema(df), seed=0)
    out = model.sample(2_000, rng=0)
    near_left, near_right = ((out["x"] + 5).abs() < 1.5).mean(), ((out["x"] - 5).abs() < 1.5).mean()
    assert abs(near_left - 0.3) < 0.08 and abs(near_right - 0.7) < 0.08, (near_left, near_right)
    assert near_left + near_right > 0.95  # hardly anything between the modes
    assert ((out["x"] < 0) == (out["side"] == "left")).mean() > 0.8  # and the label goes with its mode


def test_kinds_categories_ranges_and_the_same_seed(mixed, trained):
    df, schema = mixed
    out = trained.sample(500, rng=1)
    assert list(out.columns) == list(df.columns) and len(out) == 500
    assert set(out["group"].dropna()) <= set(df["group"].dropna())  # only observed categories
    assert out["age"].between(18, 89).all() and (out["age"] % 1 == 0).all()
    assert out["when"].dtype.kind == "M" and out["when"].between(df["when"].min(), df["when"].max()).all()
    assert 0 < out["income"].isna().mean() < 0.5  # missingness is learned
    again = METHODS["diffusion"](**TINY).fit(df, schema, seed=3).sample(500, rng=1)
    pd.testing.assert_frame_equal(out, again)  # same seed, same training, same table
    assert not out.equals(trained.sample(500, rng=2))


class StopAfter(TrainingMonitor):
    def report(self, progress):
        super().report(progress)
        if progress.epoch == 2:
            self.stop.set()


def test_a_stopped_training_keeps_a_model_that_samples(mixed):
    df, schema = mixed
    monitor = StopAfter()
    model = METHODS["diffusion"](**{**TINY, "epochs": 500}).fit(df, schema, monitor=monitor)
    assert len(model.history_) == 2 and model.stopped_.startswith("stopped by the user after epoch 2")
    assert 0 <= model.fidelity_ <= 1 and set(monitor.history[0].losses) == {"Gaussian", "multinomial"}
    out = model.sample(100, rng=0)
    assert len(out) == 100 and set(out["group"].dropna()) <= set(df["group"].dropna())


def test_a_saved_model_draws_the_same_rows(mixed, trained):
    df, schema = mixed
    back = load_model(save_model(trained, df, schema)).model
    pd.testing.assert_frame_equal(back.sample(300, rng=4), trained.sample(300, rng=4))


def test_the_denoising_picture_shows_the_reverse_chain_of_the_most_related_pair():
    rng = np.random.default_rng(1)
    x = rng.normal(size=300)
    df = pd.DataFrame({"noise": rng.normal(size=300), "x": x, "y": 2 * x + rng.normal(0, 0.1, 300),
                       "g": rng.choice(["p", "q"], 300)})
    model = METHODS["diffusion"](**TINY).fit(df, infer_schema(df), seed=0)
    frames = model.denoising_frames(rows=100)
    assert {frames.attrs["x"], frames.attrs["y"]} == {"x", "y"}  # the pair that goes together
    assert sorted(frames["step"].unique()) == [0, 5, 10, 15, 20] and (frames.groupby("step").size() == 100).all()
    assert frames["x"].between(df["x"].min(), df["x"].max()).all()  # in real units
    pd.testing.assert_frame_equal(frames, model.denoising_frames(rows=100))  # seeded
    (caption, figure), = model.pictures()
    assert "t = 20" in caption and len(figure.data) == 5
    alone = METHODS["diffusion"](**TINY).fit(df[["x"]], infer_schema(df[["x"]]), seed=0).denoising_frames(rows=50)
    assert alone.attrs["y"] is None and alone["y"].isna().all()


def test_a_column_of_few_values_comes_out_as_those_values_in_their_shares():
    rng = np.random.default_rng(2)
    n = 600
    shares = np.array([0.4, 0.05, 0.1, 0.05, 0.4])  # piled at both ends, as a noisy score would pile them
    month = rng.choice([5, 6, 7, 8, 9], size=n, p=shares)
    df = pd.DataFrame({"month": month, "temp": 60 + 3 * month + rng.normal(0, 2, n)})
    df.loc[rng.random(n) < 0.1, "month"] = np.nan
    schema = infer_schema(df)
    real = df["month"].value_counts(normalize=True, dropna=False)

    def distance(out):  # total variation distance of the shares, holes a share of their own
        return 0.5 * out["month"].value_counts(normalize=True, dropna=False).sub(real, fill_value=0).abs().sum()

    model = METHODS["diffusion"](**{**TINY, "epochs": 100}).fit(df, schema, seed=0)
    (kind, numeric), = {(c.kind, c.numeric) for c in model.transformer_.columns if c.name == "month"}
    assert kind == "labels" and numeric  # a one-hot over the five values, with multinomial diffusion
    out = model.sample(3_000, rng=0)
    assert set(out["month"].dropna()) <= {5, 6, 7, 8, 9}  # exactly the real values
    assert distance(out) < 0.12
    assert out["temp"].corr(out["month"]) > 0.6  # and the number that goes with it follows
    off = METHODS["diffusion"](**{**TINY, "epochs": 100, "discrete_values": False}).fit(df, schema, seed=0)
    assert {c.kind for c in off.transformer_.columns} == {"numbers"}
    assert distance(off.sample(3_000, rng=0)) > distance(out) + 0.05  # as a score, the shares drift
