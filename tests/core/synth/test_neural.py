"""The neural synthesizers: the transformer's exact inverse, the vectorised conditional sampler,
and the GAN's and VAE's promises (kinds, ranges, seeds, modes, stopping), each in seconds."""

import itertools

import numpy as np
import pandas as pd
import pytest
import safetensors.torch
import torch

from core.errors import DataError, ParameterError
from core.schema import LABELS, infer_schema, to_floats
from core.synth import METHODS
from core.synth.gan import PENALTY, ConditionSampler, Critic, Generator, HalfDropout
from core.synth.neural import TrainingMonitor, lost_modes
from core.synth.transformer import fit_transformer

NEURAL = ["gan", "vae"]


@pytest.fixture(scope="module")
def mixed():
    rng = np.random.default_rng(0)
    n = 600
    group = rng.choice(["a", "b", "c", "rare"], size=n, p=[0.5, 0.3, 0.17, 0.03])
    df = pd.DataFrame({
        "group": group,
        "flag": rng.integers(0, 2, n),
        "income": np.round(np.where(group == "a", 20_000, 60_000) + rng.normal(0, 5_000, n), 2),
        "age": rng.integers(18, 90, n),
        "when": pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D"),
    })
    df.loc[rng.random(n) < 0.15, "income"] = np.nan
    df.loc[rng.random(n) < 0.10, "group"] = None
    return df, infer_schema(df)


def test_transformer_round_trip_is_exact_for_labels_and_close_for_numbers(mixed):
    df, schema = mixed
    transformer = fit_transformer(df, schema.kinds, seed=0)
    matrix = transformer.transform(df, np.random.default_rng(0))
    assert matrix.shape == (len(df), transformer.width) and matrix.dtype == np.float32
    back = transformer.inverse(matrix)
    assert back["group"].isna().equals(df["group"].isna())
    assert (back["group"].dropna() == df["group"].dropna()).all()
    assert back["income"].isna().equals(df["income"].isna())  # missing values come back where they were
    observed = df["income"].notna()
    assert np.allclose(back.loc[observed, "income"], df.loc[observed, "income"], rtol=1e-4)
    assert (back["when"] - df["when"]).abs().max() < pd.Timedelta(minutes=1)
    assert np.allclose(back["age"], df["age"], atol=1e-3)
    assert fit_transformer(df, schema.kinds, seed=0) is transformer  # mixtures fitted once, then cached


def test_mixture_finds_the_modes_of_a_bimodal_column():
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.normal(-5, 0.5, 2_000), rng.normal(5, 0.5, 2_000)])
    df = pd.DataFrame({"x": x})
    info = fit_transformer(df, {"x": "continuous"}).columns[0]
    big = info.weights > 0.2
    assert big.sum() == 2
    means = np.sort(info.means[big] * info.scale + info.center)
    assert np.allclose(means, [-5, 5], atol=0.2)


@pytest.fixture(scope="module")
def stepped():
    """Number and date columns holding few values with gaps between them, beside ones holding many."""
    rng = np.random.default_rng(7)
    n = 1_000
    df = pd.DataFrame({
        "ram": rng.choice([2, 4, 8, 16, 24, 32], size=n, p=[0.1, 0.3, 0.3, 0.2, 0.05, 0.05]).astype(float),
        "hd": rng.choice(np.arange(80, 2_200, 40), size=n),  # 53 values, each held by about 19 rows
        "price": np.round(rng.lognormal(7.5, 0.3, n)),  # hundreds of values: a mixture
        "ads": rng.integers(0, 1_000, n),  # 1,000 possible values: a mixture
        "week": pd.Timestamp("2024-01-01") + pd.to_timedelta(7 * rng.integers(0, 5, n), unit="D"),
        "group": rng.choice(["a", "b"], size=n),
    })
    df.loc[rng.random(n) < 0.1, "ram"] = np.nan
    return df, infer_schema(df)


def test_discrete_valued_columns_are_one_hots_over_their_values_and_come_back_exactly(stepped):
    df, schema = stepped
    transformer = fit_transformer(df, schema.kinds, seed=0, discrete=True)
    info = {c.name: c for c in transformer.columns}
    assert [c for c in info if info[c].numeric] == ["ram", "hd", "week"]
    assert info["price"].kind == info["ads"].kind == "numbers"
    assert info["ram"].spans[0].width == 6 + 1  # its six values and "missing"
    assert info["ram"].categories[0] in (4.0, 8.0)  # most frequent first
    assert info["ram"].names()[-1] == "(missing)" and info["week"].names()[0].startswith("2024-")
    assert info["ram"].discrete is not None  # the GAN's conditional vector asks for values too
    back = transformer.inverse(transformer.transform(df, np.random.default_rng(0)))
    for column in ("ram", "hd", "week"):  # exactly the values, missing ones where they were
        pd.testing.assert_series_equal(back[column], df[column], check_dtype=False, check_names=False)
    off_grid = pd.Series([2.9, 5.9, 33.0, np.nan])  # anything else reads as its nearest value
    assert list(transformer.codes(info["ram"], off_grid)) == [list(info["ram"].categories).index(v)
                                                               for v in (2.0, 4.0, 32.0)] + [6]
    plain = fit_transformer(df, schema.kinds, seed=0)  # without the option: every number column a mixture
    assert not any(c.numeric for c in plain.columns) and plain is not transformer


def test_a_column_needs_ten_rows_per_value_to_count_as_discrete():
    at_limit = pd.DataFrame({"x": np.repeat(np.arange(64.0), 10)})  # 64 values, 10 rows each
    assert fit_transformer(at_limit, {"x": "integer"}, discrete=True).columns[0].numeric
    too_many = pd.DataFrame({"x": np.repeat(np.arange(65.0), 20)})
    assert not fit_transformer(too_many, {"x": "integer"}, discrete=True).columns[0].numeric
    too_few_rows = pd.DataFrame({"x": np.repeat(np.arange(30.0), 6)})
    assert not fit_transformer(too_few_rows, {"x": "integer"}, discrete=True).columns[0].numeric


def test_the_gan_makes_only_the_values_a_discrete_column_holds(stepped):
    df, schema = stepped
    out = METHODS["gan"](epochs=5, batch_size=200).fit(df, schema, seed=0).sample(2_000, rng=0)
    for column in ("ram", "hd", "week"):
        assert set(out[column].dropna()) <= set(df[column].dropna())
    assert out["ram"].isna().any() and out["week"].dtype.kind == "M"
    lost = lost_modes(fit_transformer(df, schema.kinds, seed=0, discrete=True), df,
                      df[df["ram"] != 8].reset_index(drop=True))
    assert ("ram", "8") in set(zip(lost["column"], lost["value"], strict=True))  # shown as the value it is


@pytest.fixture(scope="module")
def paired():
    """Columns that are functions of a label column: a country's name and opening date of its code (with holes),
    a month's advertising count (a discrete-valued number); beside a price that is not a function of anything."""
    rng = np.random.default_rng(11)
    n = 1_200
    code = rng.choice(np.array(["NO", "SE", "DK", "FI"], dtype=object), size=n, p=[0.4, 0.3, 0.2, 0.1])
    code[rng.random(n) < 0.05] = None
    names = {"NO": "Norway", "SE": "Sweden", "DK": "Denmark", "FI": "Finland", None: None}
    opened = {"NO": "2019-03-01", "SE": "2020-06-15", "DK": "2021-01-04", "FI": "2022-09-30", None: None}
    month = rng.integers(1, 13, n)
    df = pd.DataFrame({
        "country": [names[c] for c in code], "code": code, "month": month.astype(float),
        "ads": (month % 4) * 10.0 + 5, "price": rng.normal(1_000 + 20 * month, 50).round(2),
        "opened": pd.to_datetime([opened[c] for c in code]),
    })
    return df, infer_schema(df)


def test_a_column_that_is_a_function_of_a_label_comes_back_from_it(paired):
    df, schema = paired
    transformer = fit_transformer(df, schema.kinds, seed=0, discrete=True, dependent=True)
    # of two columns that are functions of each other (country, code) the later one stays
    assert {d.name: d.source for d in transformer.dependent} == {"country": "code", "ads": "month",
                                                                 "opened": "code"}
    assert [c.name for c in transformer.columns] == ["code", "month", "price"]
    plain = fit_transformer(df, schema.kinds, seed=0, discrete=True)
    assert not plain.dependent and transformer.width < plain.width
    assert transformer.spans[0].start == 0 and all(  # the matrix has no gap where the columns left
        a.end == b.start for a, b in itertools.pairwise(transformer.spans))
    back = transformer.inverse(transformer.transform(df, np.random.default_rng(0)))
    assert list(back.columns) == list(df.columns)
    for column in ("country", "code", "ads", "opened"):  # exactly, holes where they were
        pd.testing.assert_series_equal(back[column], df[column], check_dtype=False, check_names=False)
    assert back["opened"].dtype.kind == "M"
    kept = fit_transformer(df, schema.kinds, seed=0, discrete=True, dependent=True, keep=("country",))
    assert {d.name: d.source for d in kept.dependent} == {"code": "country", "ads": "month", "opened": "country"}


def test_a_chance_pattern_in_a_few_rows_is_not_taken_for_a_rule():
    rng = np.random.default_rng(3)
    few = pd.DataFrame({"shop": [f"s{i % 8}" for i in range(60)], "x": rng.normal(size=60)})
    few["owner"] = few["shop"].str.upper()  # a rule, but 8 shops in 60 rows: under ten rows each
    assert not fit_transformer(few, {"shop": "categorical", "x": "continuous", "owner": "categorical"},
                               dependent=True).dependent
    constant = pd.DataFrame({"g": rng.choice(["a", "b"], 200), "k": 1.0})
    assert not fit_transformer(constant, {"g": "binary", "k": "continuous"}, dependent=True).dependent


def test_every_dependency_found_is_a_true_one_and_comes_back_exactly_on_random_tables():
    """Seeded random tables: labels of random widths (some with holes), columns made functions of them (labels,
    numbers, dates, with holes), and noise columns: each dependency reported holds in every row, each planted one
    whose source has ten rows per category is found (or its column is a source itself), and the inverse of the
    transform gives the dependent columns back exactly."""
    rng = np.random.default_rng(2026)
    for _ in range(25):
        n = int(rng.integers(20, 400))
        df, planted = pd.DataFrame(index=range(n)), {}
        for j in range(int(rng.integers(1, 4))):
            width = int(rng.integers(1, 12))
            codes = rng.integers(0, width, n)
            label = pd.Series(np.array([f"L{c}" for c in range(width)], dtype=object)[codes])
            df[f"a{j}"] = label.mask(rng.random(n) < rng.choice([0, 0.1]))
            for k, kind in enumerate(rng.choice(["label", "number", "date"], int(rng.integers(0, 3)))):
                keys = df[f"a{j}"].fillna("(none)")
                seen = sorted(set(keys))
                table = {key: float(v) for key, v in zip(seen, rng.integers(0, 5, len(seen)), strict=True)}
                values = keys.map(table)
                name = f"f{j}{k}"
                df[name] = {"label": values.map(lambda v: f"v{v:g}"), "number": values * 1.5,
                            "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(values, unit="D")}[kind]
                planted[name] = f"a{j}"
        df["noise"] = rng.normal(size=n)
        schema = infer_schema(df)
        transformer = fit_transformer(df, schema.kinds, seed=0, dependent=True)
        for d in transformer.dependent:  # a true function in every row
            assert (df.groupby(df[d.source].astype(object).fillna("\0"))[d.name].nunique(dropna=False) <= 1).all()
        back = transformer.inverse(transformer.transform(df, np.random.default_rng(0)))
        for d in transformer.dependent:
            pd.testing.assert_series_equal(back[d.name], df[d.name], check_dtype=False, check_names=False)
        found = {d.name for d in transformer.dependent}
        sources = {d.source for d in transformer.dependent}
        for name, source in planted.items():
            width = df[source].nunique(dropna=False)
            if 2 <= width <= n // 10 and df[name].nunique(dropna=False) > 1 and schema.kinds[source] in LABELS:
                assert name in found or name in sources or source in found, (name, source)


@pytest.mark.parametrize("key", NEURAL)
def test_the_networks_keep_every_pair_a_dependent_column_makes(paired, key):
    df, schema = paired
    model = METHODS[key](epochs=3, batch_size=200).fit(df, schema, seed=0)
    out = model.sample(1_000, rng=0)
    found = {d.name: d.source for d in model.transformer_.dependent}
    # (the VAE learns every number column as a mixture, so the month is no label there)
    assert found == {"country": "code", "opened": "code", **({"ads": "month"} if key == "gan" else {})}
    for column, source in found.items():
        real = set(zip(df[source].astype(object).where(df[source].notna(), None),
                       df[column].astype(object).where(df[column].notna(), None), strict=True))
        made = zip(out[source].astype(object).where(out[source].notna(), None),
                   out[column].astype(object).where(out[column].notna(), None), strict=True)
        assert all(pair in real for pair in made), column
    assert out["opened"].dtype.kind == "M" and out["code"].isna().any()
    assert "'country' is a function of 'code' in the real rows" in " ".join(model.notes())  # the run says so
    off = METHODS[key](epochs=1, batch_size=200, dependent_columns=False).fit(df, schema, seed=0)
    assert not off.transformer_.dependent


def test_a_private_network_learns_every_column():
    """A dependency read from the rows would be outside the privacy budget: the DP-VAE has no such option."""
    rng = np.random.default_rng(4)
    df = pd.DataFrame({"code": rng.choice(["a", "b", "c"], 600), "x": rng.normal(size=600)})
    df["name"] = df["code"].str.upper()
    model = METHODS["dp_vae"](**METHODS["dp_vae"].quick).fit(df, infer_schema(df), seed=0)
    assert not model.transformer_.dependent and "dependent_columns" not in model.params_
    assert "normal_scores" not in model.params_ and all(c.quantiles is None for c in model.transformer_.columns)


def test_condition_sampler_follows_log_frequency_and_matches_rows(mixed):
    df, schema = mixed
    transformer = fit_transformer(df, schema.kinds, seed=0)
    data = transformer.transform(df, np.random.default_rng(0))
    sampler = ConditionSampler(transformer, data)
    rng = np.random.default_rng(2)
    chosen = sampler.draw(200_000, rng)
    assert chosen.min() >= 0 and chosen.max() < sampler.width
    group = transformer.columns[0]
    counts = np.bincount(transformer.codes(group, df["group"]), minlength=group.spans[0].width)
    expected = np.log1p(counts) / np.log1p(counts).sum() / sampler.n_columns  # column uniform, then log-frequency
    observed = np.bincount(chosen, minlength=sampler.width)[:len(counts)] / len(chosen)
    assert np.allclose(observed, expected, atol=0.005)
    rows = sampler.matching_rows(chosen[:5_000], rng)
    picked = data[rows]  # every real row drawn has the category its condition asks for
    starts = sampler.data_starts[np.searchsorted(sampler.offsets, chosen[:5_000], side="right") - 1]
    offsets = sampler.offsets[np.searchsorted(sampler.offsets, chosen[:5_000], side="right") - 1]
    assert (picked[np.arange(5_000), starts + chosen[:5_000] - offsets] == 1).all()


@pytest.mark.parametrize("key", NEURAL)
def test_kinds_categories_ranges_and_seeds(mixed, key):
    df, schema = mixed
    model = METHODS[key](epochs=30, batch_size=200).fit(df, schema, seed=3)
    out = model.sample(800, rng=1)
    assert list(out.columns) == list(df.columns) and len(out) == 800
    assert set(out["group"].dropna()) <= set(df["group"].dropna())
    assert set(out["flag"]) <= {0, 1} and out["flag"].dtype == df["flag"].dtype
    assert out["age"].between(18, 89).all() and (out["age"] % 1 == 0).all()
    assert out["income"].dropna().between(df["income"].min(), df["income"].max()).all()
    assert out["when"].dtype.kind == "M" and out["when"].between(df["when"].min(), df["when"].max()).all()
    assert 0 < out["income"].isna().mean() < 0.5  # missingness is learned, not dropped
    again = METHODS[key](epochs=30, batch_size=200).fit(df, schema, seed=3).sample(800, rng=1)
    pd.testing.assert_frame_equal(out, again)  # same seed, same table
    other = METHODS[key](epochs=30, batch_size=200).fit(df, schema, seed=4).sample(800, rng=1)
    assert not out.equals(other)


@pytest.mark.parametrize("key", NEURAL)
def test_two_clusters_are_both_covered(key):
    rng = np.random.default_rng(5)
    n = 1_000
    side = rng.random(n) < 0.5
    df = pd.DataFrame({"x": np.where(side, -5, 5) + rng.normal(0, 0.5, n),
                       "y": np.where(side, 10, 30) + rng.normal(0, 1, n),
                       "side": np.where(side, "left", "right")})
    schema = infer_schema(df)
    model = METHODS[key](epochs=150 if key == "gan" else 300).fit(df, schema, seed=0)
    out = model.sample(2_000, rng=0)
    left, right = (out["x"] < 0).mean(), (out["x"] > 0).mean()
    assert left > 0.3 and right > 0.3, (left, right)
    assert ((out["x"] < 0) == (out["side"] == "left")).mean() > 0.8  # and the label goes with its cluster
    assert lost_modes(model.transformer_, df, out).empty


class StopAfter(TrainingMonitor):
    def report(self, progress):
        super().report(progress)
        if progress.epoch == 3:
            self.stop.set()


@pytest.mark.parametrize("key", NEURAL)
def test_stopping_mid_training_keeps_a_usable_model(mixed, key):
    df, schema = mixed
    monitor = StopAfter()
    model = METHODS[key](epochs=500).fit(df, schema, monitor=monitor)
    assert len(monitor.history) == len(model.history_) == 3
    assert model.stopped_.startswith("stopped by the user after epoch 3")
    assert all(p.fidelity is not None and 0 <= p.fidelity <= 1 for p in monitor.history[-1:])
    assert monitor.history[-1].seconds_left > 0 and set(monitor.history[0].losses) == set(model.loss_names)
    out = model.sample(100, rng=0)
    assert len(out) == 100 and set(out["group"].dropna()) <= set(df["group"].dropna())


@pytest.mark.parametrize("key", ["gan", "vae", "diffusion"])
def test_a_training_that_diverges_says_so_instead_of_keeping_weights_that_are_not_numbers(mixed, key, monkeypatch):
    df, schema = mixed
    model = METHODS[key](epochs=5)
    real_epoch = type(model)._epoch

    def diverging(self, *args):  # the third epoch's loss is NaN (its weights would be too)
        losses = real_epoch(self, *args)
        return {name: float("nan") if len(self.history_) == 2 else value for name, value in losses.items()}

    monkeypatch.setattr(type(model), "_epoch", diverging)
    with pytest.raises(ParameterError, match=r"Training diverged: the .* loss became nan in epoch 3 of 5"):
        model.fit(df, schema, seed=0)
    kept = METHODS[key](epochs=5, early_stopping=True).fit(df, schema, seed=0)  # with a model kept before it
    assert kept.stopped_.startswith("early stopping: training diverged (the ") and len(kept.history_) == 2
    assert "in epoch 3 of 5); the model of epoch " in kept.stopped_ and len(kept.sample(50, rng=0)) == 50


@pytest.mark.parametrize("key", ["gan", "vae", "diffusion"])
def test_networks_larger_than_the_server_gives_one_training_are_refused_with_their_size(mixed, key, monkeypatch):
    import core.synth.neural
    from core.limits import Limits

    df, schema = mixed
    monkeypatch.setattr(core.synth.neural, "limits", lambda: Limits(max_network_mb=1))
    with pytest.raises(ParameterError, match=r"networks of [\d.]+ million weights, .* need [\d,]+ MB, .*\(1 MB\)"):
        METHODS[key](epochs=1).fit(df, schema, seed=0)
    monkeypatch.setattr(core.synth.neural, "limits", lambda: Limits(max_network_mb=64))
    model = METHODS[key](epochs=1).fit(df, schema, seed=0)
    weights = sum(w.numel() for net in model._networks().values() for w in net.parameters())
    assert 2**20 / 16 < weights <= 64 * 2**20 / 16  # (above the first limit, within the second)


def test_early_stopping_ends_sooner_and_keeps_the_best_model(mixed):
    df, schema = mixed
    model = METHODS["vae"](epochs=2_000, early_stopping=True, patience=10).fit(df, schema)
    assert len(model.history_) < 2_000 and model.stopped_.startswith("early stopping")
    scored = [p.fidelity for p in model.history_ if p.fidelity is not None]
    assert model.fidelity_ >= max(scored) - 1e-3  # the best model seen is the one kept
    assert model.fidelity_ >= scored[-1]  # not the last one, which was worse or no better
    assert len(model.sample(600, rng=0)) == 600


def test_lost_modes_lists_what_the_samples_lack(mixed):
    df, schema = mixed
    transformer = fit_transformer(df, schema.kinds, seed=0)
    assert lost_modes(transformer, df, df).empty
    collapsed = df[df["group"] != "rare"].copy()
    collapsed = collapsed[collapsed["income"].isna() | (collapsed["income"] < 40_000)]
    lost = lost_modes(transformer, df, collapsed)
    assert ("group", "rare") in set(zip(lost["column"], lost["value"], strict=True))
    assert (lost["column"] == "income").any() and (lost.loc[lost["column"] == "income", "kind"] == "mode").all()


def test_bad_parameters_and_awkward_columns(mixed):
    df, schema = mixed
    with pytest.raises(ParameterError, match="multiple of pac"):
        METHODS["gan"](batch_size=105, pac=10).fit(df, schema)
    with pytest.raises(ParameterError, match="seed"):
        METHODS["vae"]().fit(df, schema, seed=-1)
    awkward = df.assign(constant=7.0, empty=np.nan, one=1, spiky=np.where(np.arange(len(df)) % 50, 1.5, np.inf))
    kinds = infer_schema(awkward)
    for key in NEURAL:
        out = METHODS[key](epochs=2, batch_size=100).fit(awkward, kinds).sample(50, rng=0)
        assert (out["constant"] == 7.0).all() and len(out) == 50
        assert np.isfinite(out["spiky"].dropna()).all()  # infinite values are treated as missing


def test_sampling_does_not_wait_for_a_training_elsewhere(mixed):
    import threading

    from core.synth import neural

    df, schema = mixed
    model = METHODS["gan"](epochs=2, batch_size=100).fit(df, schema)
    expected = model.sample(300, rng=9)
    out = {}
    with neural._TORCH:  # as while another model trains in the background
        worker = threading.Thread(target=lambda: out.setdefault("table", model.sample(300, rng=9)))
        worker.start()
        worker.join(timeout=30)
    assert "table" in out
    pd.testing.assert_frame_equal(out["table"], expected)


def test_training_curves_show_each_loss_and_the_best_fidelity():
    from core.plots import training_curves
    from core.synth.neural import Progress

    scored = {2: 0.7, 4: 0.9, 6: 0.8, 9: 0.85}
    history = [Progress(e, 10, {"reconstruction": 5.0 / e, "KL": 0.1 * e}, e * 0.1, fidelity=scored.get(e))
               for e in range(1, 11)]
    fig = training_curves(history, ("reconstruction", "KL"))
    names = [trace.name for trace in fig.data]
    assert names == ["reconstruction loss", "KL loss", "fidelity"]
    assert list(fig.data[2].x) == [2, 4, 6, 9]
    assert fig.layout.annotations[-1].text == "best 0.900"


def test_gan_can_balance_an_imbalanced_target():
    rng = np.random.default_rng(7)
    n = 1_000
    rare = rng.random(n) < 0.1
    df = pd.DataFrame({"x": np.where(rare, 5, -5) + rng.normal(0, 1, n), "label": np.where(rare, "rare", "common")})
    schema = infer_schema(df, target="label")
    model = METHODS["gan"](epochs=150, target_classes="equal").fit(df, schema, seed=0)
    out = model.sample(2_000, rng=0)
    assert out["label"].value_counts().to_dict() == {"rare": 1_000, "common": 1_000}  # equal, from a 10% minority
    assert out.loc[out["label"] == "rare", "x"].median() > 2  # and the minority's rows look like the minority
    with pytest.raises(ParameterError, match="need a binary or categorical target"):
        METHODS["gan"](epochs=1, target_classes="equal").fit(df, infer_schema(df))
    barely = {"epochs": 1, "batch_size": 20, "pac": 1, "generator_width": 8, "discriminator_width": 8,
              "embedding_dim": 4, "target_classes": "equal"}
    from_noise = METHODS["gan"](**barely, copula_start=False).fit(df.head(120), schema, seed=0)
    label = from_noise.conditions_.data_starts[from_noise._balanced()[0]]
    with torch.no_grad():  # a generator that makes the first class whatever it is asked for
        from_noise.generator_.out.bias[label] += 100
    with pytest.raises(DataError, match="too few rows in the class asked of it"):  # (it returned one class only)
        from_noise.sample(400, rng=0)
    started = METHODS["gan"](**barely).fit(df.head(120), schema, seed=0)  # its start holds rows of each class
    assert started.sample(400, rng=0)["label"].value_counts().to_dict() == {"rare": 200, "common": 200}


def test_torch_uses_the_cores_this_process_may_use(mixed):
    import os

    from core.synth.neural import threads

    df, schema = mixed
    torch.set_num_threads(1)  # torch's own default is often the machine's already: start from something else
    METHODS["vae"](epochs=1).fit(df, schema)
    assert torch.get_num_threads() == threads() == len(os.sched_getaffinity(0))


def test_blocks_match_torch_per_block():

    from core.synth.transformer import Blocks, Span

    spans = [Span(1, 3, "softmax"), Span(5, 1, "softmax"), Span(6, 4, "softmax")]
    blocks = Blocks(spans)
    x = torch.randn(7, 10, dtype=torch.float32) * 30  # large logits: the per-block shift keeps exp finite
    logits = x[:, blocks.columns]
    lse, soft = blocks.logsumexp(logits), blocks.softmax(logits)
    for b, span in enumerate(spans):
        part = x[:, span.start:span.end]
        assert torch.allclose(lse[:, b], torch.logsumexp(part, dim=1), atol=1e-4)
        columns = (blocks.block == b).nonzero().squeeze(1)
        assert torch.allclose(soft[:, columns], torch.softmax(part, dim=1), atol=1e-6)
    target = torch.zeros(7, 8)
    target[torch.arange(7), torch.tensor([0, 1, 2, 0, 1, 2, 0])] = 1  # true category of the first block
    cross_entropy = lse[:, 0] - blocks.sums(logits * target)[:, 0]
    expected = torch.nn.functional.cross_entropy(x[:, 1:4], target[:, :3].argmax(dim=1), reduction="none")
    assert torch.allclose(cross_entropy, expected, atol=1e-4)


def test_numbers_reads_each_number_column_as_the_inverse_does(stepped):

    from core.synth.transformer import Numbers

    df, schema = stepped
    transformer = fit_transformer(df, schema.kinds, seed=0, discrete=True)
    matrix = transformer.transform(df, np.random.default_rng(0))
    numbers = Numbers(transformer)
    assert numbers.names == ["ram", "hd", "price", "ads", "week"]
    out = numbers(torch.from_numpy(matrix)).numpy()
    back = transformer.inverse(matrix)
    for q, name in enumerate(numbers.names):
        info = next(c for c in transformer.columns if c.name == name)
        real = pd.Series(back[name])
        real = (real.astype("int64") if real.dtype.kind == "M" else real).astype(float)
        seen = real.notna().to_numpy()
        if info.numeric:  # a discrete column: its values, standardised over the values it holds
            values = info.categories.astype(float)
            expected = (real[seen] - values.mean()) / values.std()
        else:  # a mixture column: the standardised value the inverse reads
            expected = (real[seen] - info.center) / info.scale
        assert np.allclose(out[seen, q], expected, atol=1e-4), name


def test_the_statistics_term_brings_a_correlation_and_a_skewed_marginal_close_fast():
    """Two numbers correlated 0.6, one of them skewed, learned on their raw values: in a hundred steps CTGAN's critic
    alone has learned neither (the correlation is near 0, x's spread wrong); with the term both are much closer."""
    from scipy.stats import ks_2samp

    rng = np.random.default_rng(11)
    n = 500
    z = rng.multivariate_normal([0, 0], [[1, 0.8], [0.8, 1]], size=n)
    df = pd.DataFrame({"x": np.exp(z[:, 0]), "y": 10 * z[:, 1], "group": rng.choice(["a", "b"], n)})
    schema = infer_schema(df)
    truth = df["x"].corr(df["y"])
    errors = {}
    for weight in (0.0, 10.0):
        model = METHODS["gan"](epochs=20, batch_size=100, statistics_weight=weight, normal_scores=False,
                               copula_start=False, embedding_dim=128, generator_width=256,  # CTGAN's start
                               discriminator_row_width=0).fit(df, schema, seed=0)  # and critic
        out = model.sample(n, rng=0)
        errors[weight] = (abs(out["x"].corr(out["y"]) - truth), ks_2samp(out["x"], df["x"]).statistic)
    assert errors[10.0][0] < 0.3 and errors[10.0][1] < 0.3, errors  # (weight, (|corr error|, KS of x))
    assert errors[0.0][0] > 0.4 and errors[0.0][1] > 0.5, errors


@pytest.fixture(scope="module")
def skewed():
    """Weights spanning six orders of magnitude (grams to tonnes), with holes, beside a label."""
    rng = np.random.default_rng(3)
    n = 1_000
    df = pd.DataFrame({"weight": np.round(np.exp(rng.normal(0, 3, n)), 4), "group": rng.choice(["a", "b"], size=n)})
    df.loc[rng.random(n) < 0.1, "weight"] = np.nan
    return df, infer_schema(df)


def test_normal_scores_spread_a_skewed_column_and_come_back_exactly(skewed):
    """On its raw values, nine in ten of the weights sit in a sliver of the standardised scale, one mode of the
    mixture, and the heaviest come back cut down to the edge of the widest mode; on normal scores they spread like
    a bell curve, and every weight comes back."""
    from scipy import stats

    df, schema = skewed
    seen = df["weight"].dropna().to_numpy()
    bulk = slice(0, int(0.9 * len(seen)))
    raw = fit_transformer(df, schema.kinds, seed=0)
    scored = fit_transformer(df, schema.kinds, seed=0, scores=True)
    assert np.ptp(np.sort(raw.columns[0].standardise(seen))[bulk]) < 0.2
    z = scored.columns[0].standardise(seen)
    assert np.ptp(np.sort(z)[bulk]) > 2.5 and abs(stats.skew(z)) < 0.1
    assert abs(np.median(z)) < 0.1
    back = {}
    for transformer in (raw, scored):
        back[transformer] = transformer.inverse(transformer.transform(df, np.random.default_rng(0)))
        assert back[transformer]["weight"].isna().equals(df["weight"].isna())
        assert (back[transformer]["group"] == df["group"]).all()
    assert np.allclose(back[scored]["weight"].dropna(), seen, rtol=1e-4, atol=1e-6)
    assert back[raw]["weight"].max() < 0.5 * seen.max()
    assert scored is not raw and fit_transformer(df, schema.kinds, seed=0, scores=True) is scored


@pytest.mark.parametrize("key", NEURAL)
def test_normal_scores_let_the_networks_learn_a_skewed_column(skewed, key):
    """Trained alike, a network on normal scores makes weights far closer to the real ones (KS distance) than one
    on the raw values, which piles its rows onto the smallest weight or spreads them over the wrong range."""
    from scipy.stats import ks_2samp

    df, schema = skewed
    seen = df["weight"].dropna()
    distance = {}
    for scores in (True, False):
        model = METHODS[key](epochs=30, batch_size=100, normal_scores=scores).fit(df, schema, seed=0)
        out = model.sample(len(df), rng=0)["weight"].dropna()
        assert out.between(seen.min(), seen.max()).all()
        distance[scores] = ks_2samp(out, seen).statistic
    assert distance[True] < 0.15 and distance[True] < distance[False] / 2, distance


def test_the_statistics_term_sorts_rarely_asked_categories_as_one_group(mixed):
    """Sorted against a random real batch, a group of k rows is best met by a shrunken copy (with k = 1, the
    mean): categories asked for by fewer than MIN_GROUP rows are sorted together, as if not asked for at all."""
    from core.synth.gan import MIN_GROUP

    df, schema = mixed
    model = METHODS["gan"](epochs=1, batch_size=100).fit(df, schema, seed=0)
    width = model.transformer_.width
    generator = torch.Generator().manual_seed(0)
    fake, real = torch.rand(200, width, generator=generator), torch.rand(200, width, generator=generator)
    whole = model._statistics_loss(fake, real, None)
    few = torch.arange(200) % (200 // (MIN_GROUP - 1) + 1)  # every category asked for by fewer rows than that
    assert torch.isclose(model._statistics_loss(fake, real, (few, few.flip(0))), whole)
    many = torch.arange(200) % 2  # two categories, a hundred rows each: groups of their own
    assert not torch.isclose(model._statistics_loss(fake, real, (many, many.flip(0))), whole)


def test_normal_scores_match_scikit_learn_and_keep_small_numbers_apart():
    """Against scikit-learn's QuantileTransformer (normal output) as the reference: the same scores and values
    back on a skewed column with ties (its smallest and largest values at the ends); on wavelengths in metres (4e-7
    to 7e-7) it pins every value within 1e-7 of an end to that end, a third of the column, where ours keeps them
    apart."""
    from sklearn.preprocessing import QuantileTransformer

    from core.synth.transformer import Quantiles

    rng = np.random.default_rng(5)
    x = np.round(rng.lognormal(3, 1, 5_000), 1)
    ours = Quantiles(x, seed=0)
    reference = QuantileTransformer(n_quantiles=1_000, output_distribution="normal").fit(x.reshape(-1, 1))
    assert np.allclose(ours.scores(x), reference.transform(x.reshape(-1, 1))[:, 0], atol=1e-8)
    z = 2 * rng.normal(size=1_000)
    assert np.allclose(ours.values(z), reference.inverse_transform(z.reshape(-1, 1))[:, 0], atol=1e-6 * np.ptp(x))
    wavelengths = rng.uniform(4e-7, 7e-7, 2_000)
    pinned = np.abs(QuantileTransformer(output_distribution="normal").fit_transform(wavelengths.reshape(-1, 1)))
    assert (pinned > 5).mean() > 0.25
    scores = Quantiles(wavelengths, seed=0).scores(wavelengths)
    assert (np.abs(scores) > 5).mean() < 0.01 and np.allclose(Quantiles(wavelengths, 0).values(scores), wavelengths)


def _odd_column(rng: np.random.Generator, n: int):
    kind = rng.integers(7)
    if kind == 5:
        dates = pd.Series(pd.Timestamp("1900-01-01") + pd.to_timedelta(rng.integers(0, 200 * 365, n), unit="D"))
        return dates.mask(rng.random(n) < rng.uniform(0, 0.5))
    x = [lambda: rng.lognormal(0, rng.uniform(0.1, 6), n),  # skewed, up to twelve orders of magnitude
         lambda: rng.normal(0, 10.0 ** rng.integers(-12, 300), n),  # tiny to huge units
         lambda: rng.choice(rng.normal(size=rng.integers(1, 4)), n),  # one to three values, heavy ties
         lambda: np.where(rng.random(n) < 0.6, 0.0, rng.exponential(1e6, n)),  # a pile of zeros
         lambda: np.concatenate([rng.normal(-1e6, 1, n // 2), rng.normal(1e6, 1, n - n // 2)]),  # far modes
         None,
         lambda: rng.uniform(4e-7, 7e-7, n)][kind]().astype(float)
    x[rng.random(n) < rng.uniform(0, 0.5)] = np.nan
    return x


def test_normal_scores_round_trip_on_odd_columns():
    """Seeded odd columns (tiny and huge units, ties, piles, far modes, dates, holes, one to 400 rows): holes
    stay holes, every value comes back within the real range, and on 400 rows nearly every value comes back."""
    import time

    for seed in range(60):
        rng = np.random.default_rng(seed)
        n = int(rng.choice([1, 2, 3, 10, 57, 400]))
        df = pd.DataFrame({f"c{i}": _odd_column(rng, n) for i in range(3)}).assign(g=rng.choice(["a", "b"], n))
        started = time.perf_counter()
        transformer = fit_transformer(df, infer_schema(df).kinds, seed=seed, scores=True)
        back = transformer.inverse(transformer.transform(df, np.random.default_rng(seed)))
        assert time.perf_counter() - started < 20, seed  # (a hang, not a slow machine)
        for name in df.columns[:3]:
            real, made = (to_floats(frame[name]) for frame in (df, back))
            assert np.array_equal(np.isnan(real), np.isnan(made)), (seed, name)
            seen = ~np.isnan(real)
            if seen.any():
                assert real[seen].min() <= made[seen].min() and made[seen].max() <= real[seen].max(), (seed, name)
                if n == 400:
                    assert np.isclose(made[seen], real[seen], rtol=1e-3, atol=0).mean() > 0.98, (seed, name)


def _dense_critic(width_in: int, conditions: int, widths: list[int], pac: int) -> torch.nn.Sequential:
    """The critic as CTGAN builds it (and as SynthLab saved it before): one linear layer over packed rows and
    their conditional vectors."""
    layers, width = [], (width_in + conditions) * pac
    for w in widths:
        layers += [torch.nn.Linear(width, w), torch.nn.LeakyReLU(0.2), torch.nn.Dropout(0.5)]
        width = w
    return torch.nn.Sequential(*layers, torch.nn.Linear(width, 1))


@pytest.mark.parametrize("conditions", [5, 0])
def test_the_critic_is_ctgans_critic_with_its_penalty_and_loads_its_old_weights(conditions):
    torch.manual_seed(0)
    width_in, widths, pac, n = 7, [16, 12], 4, 40
    dense = _dense_critic(width_in, conditions, widths, pac)
    critic = Critic(width_in, conditions, widths, pac)
    critic.load_state_dict({f"body.{key}": value for key, value in dense.state_dict().items()})  # the old layout
    dense.eval(), critic.eval()  # (no dropout: the same function, compared point by point)
    real, fake = torch.rand(n, width_in), torch.rand(n, width_in)
    asked_real, asked_fake = torch.randint(max(conditions, 1), (n,)), torch.randint(max(conditions, 1), (n,))

    def packed(rows, asked):
        vectors = torch.nn.functional.one_hot(asked, conditions).float() if conditions else torch.zeros(n, 0)
        return torch.cat([rows, vectors], dim=1)

    given = [(asked_real, None)] if conditions else []
    assert torch.allclose(critic(real, given), dense(packed(real, asked_real).reshape(n // pac, -1)), atol=1e-6)
    torch.manual_seed(1)  # CTGAN's gradient penalty, on the packed rows and vectors
    alpha = torch.rand(n // pac, 1, 1).repeat(1, pac, width_in + conditions).reshape(n, -1)
    mixed = (alpha * packed(real, asked_real) + (1 - alpha) * packed(fake, asked_fake)).requires_grad_(True)
    gradients = torch.autograd.grad(dense(mixed.reshape(n // pac, -1)).sum(), mixed, create_graph=True)[0]
    expected = ((gradients.reshape(n // pac, -1).norm(2, dim=1) - 1) ** 2).mean() * PENALTY
    wasserstein = (dense(packed(fake, asked_fake).reshape(n // pac, -1)).mean()
                   - dense(packed(real, asked_real).reshape(n // pac, -1)).mean())
    torch.manual_seed(1)
    loss, penalty = critic.losses(real, fake, (asked_fake, asked_real) if conditions else None)  # in one pass
    assert torch.allclose(penalty, expected, rtol=1e-5) and torch.allclose(loss, wasserstein, atol=1e-6)
    (wasserstein + expected).backward(), (loss + penalty).backward()  # and the same gradients for every weight
    first = dense[0].weight.grad.view(widths[0], pac, -1)
    assert torch.allclose(critic.first.rows.grad, first[:, :, :width_in].reshape(widths[0], -1), atol=1e-6)
    assert torch.allclose(critic.first.categories.grad, first[:, :, width_in:].permute(1, 2, 0).reshape(
        -1, widths[0]), atol=1e-6)
    assert torch.allclose(critic.body[2].weight.grad, dense[3].weight.grad, atol=1e-6)


@pytest.mark.parametrize("conditions", [5, 0])
def test_a_critic_reading_rows_first_has_autograds_penalty_over_each_pack(conditions):
    torch.manual_seed(0)
    width_in, widths, pac, n, row_width = 7, [16, 12], 4, 40, 6
    critic = Critic(width_in, conditions, widths, pac, row_width).eval()
    real, fake = torch.rand(n, width_in), torch.rand(n, width_in)
    asked_real, asked_fake = torch.randint(max(conditions, 1), (n,)), torch.randint(max(conditions, 1), (n,))
    first = critic.first

    def scores(rows, vectors):  # the critic on rows and dense conditional vectors, for autograd
        return critic.body(rows @ first.rows.T + vectors @ first.categories + first.bias)

    def vectors(asked):
        return torch.nn.functional.one_hot(asked, conditions).float() if conditions else torch.zeros(n, 0)

    given = [(asked_real, None)] if conditions else []
    assert torch.allclose(critic(real, given), scores(real, vectors(asked_real)), atol=1e-6)
    torch.manual_seed(1)
    alpha = torch.rand(n // pac, 1).repeat(1, pac).reshape(-1, 1)
    rows = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    mixed = (alpha * vectors(asked_real) + (1 - alpha) * vectors(asked_fake)).requires_grad_(True)
    gradients = torch.autograd.grad(scores(rows, mixed).sum(), [rows, mixed], create_graph=True)
    norms = torch.cat(gradients, dim=1).reshape(n // pac, -1).norm(2, dim=1)  # each pack's inputs, all its rows
    expected = ((norms - 1) ** 2).mean() * PENALTY
    torch.manual_seed(1)
    loss, penalty = critic.losses(real, fake, (asked_fake, asked_real) if conditions else None)
    wasserstein = scores(fake, vectors(asked_fake)).mean() - scores(real, vectors(asked_real)).mean()
    assert torch.allclose(penalty, expected, rtol=1e-5) and torch.allclose(loss, wasserstein, atol=1e-6)


@pytest.mark.parametrize("row_width", [6, 0])
def test_a_pack_the_critic_has_no_gradient_for_leaves_its_weights_finite(row_width):
    """Where every unit a pack reaches is dropped, the critic's gradient in it is exactly 0, and the square root
    in the penalty has no finite slope there (every weight became NaN in a barely trained GAN)."""
    torch.manual_seed(0)
    critic = Critic(7, 3, [8], 2, row_width)
    with torch.no_grad():
        critic.first.rows.zero_(), critic.first.categories.zero_()  # (the gradient in every input is 0)
    real, fake, asked = torch.rand(8, 7), torch.rand(8, 7), torch.randint(3, (8,))
    loss, penalty = critic.losses(real, fake, (asked, asked))
    (loss + penalty).backward()
    assert penalty.item() == pytest.approx(PENALTY, abs=1e-4)  # (‖0‖ − 1)², every pack
    assert all(torch.isfinite(w.grad).all() for w in critic.parameters() if w.grad is not None)


def test_only_a_critic_reading_rows_first_sees_a_relation_within_a_row():
    """Rows whose third column is the XOR of two others against rows where it is random: no single column and no
    pair differs, only the three together within a row. CTGAN's critic sums the pack's rows before any
    non-linearity (it would have to learn the relation for each place in the pack) and does not tell them apart."""
    def rows(n, xor, draws):
        a, b = torch.randint(2, (2, n), generator=draws)
        c = a ^ b if xor else torch.randint(2, (n,), generator=draws)
        return torch.cat([torch.nn.functional.one_hot(v, 2) for v in (a, b, c)], dim=1).float()

    gaps = {}
    for row_width in (32, 0):
        torch.manual_seed(0)
        draws = torch.Generator().manual_seed(0)
        critic = Critic(6, 0, [64, 64], 10, row_width)
        optimizer = torch.optim.Adam(critic.parameters(), lr=1e-3, betas=(0.5, 0.9))
        for _ in range(300):
            loss, penalty = critic.losses(rows(500, True, draws), rows(500, False, draws), None)
            optimizer.zero_grad()
            (loss + penalty).backward()
            optimizer.step()
        with torch.no_grad():
            critic.eval()
            gaps[row_width] = float(critic(rows(5_000, True, draws)).mean() - critic(rows(5_000, False, draws)).mean())
    assert gaps[32] > 1 and abs(gaps[0]) < 0.1, gaps


def test_the_critics_dropout_keeps_each_unit_with_probability_one_half_independently():
    drop = HalfDropout()
    torch.manual_seed(3)
    x = torch.ones(4_000, 257)  # not a multiple of the 31 bits a draw gives
    kept = drop(x)
    assert set(kept.unique().tolist()) == {0.0, 2.0}  # kept units are doubled, as torch's dropout does
    share = (kept > 0).float()
    assert abs(share.mean().item() - 0.5) < 0.005
    assert (share.mean(dim=0) - 0.5).abs().max() < 0.04 and (share.mean(dim=1) - 0.5).abs().max() < 0.15
    pairs = torch.corrcoef(share[:, :62].T) - torch.eye(62)  # units 31 apart come from the same bit position
    assert pairs.abs().max() < 0.07
    torch.manual_seed(3)
    assert torch.equal(drop(x), kept) and not torch.equal(drop(x), kept)  # the seed decides, each call draws anew
    drop.eval()
    assert drop(x) is x


class _DenseResidual(torch.nn.Module):
    def __init__(self, width_in: int, width_out: int) -> None:
        super().__init__()
        self.fc, self.bn = torch.nn.Linear(width_in, width_out), torch.nn.BatchNorm1d(width_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([torch.relu(self.bn(self.fc(x))), x], dim=1)


@pytest.mark.parametrize("conditions", [6, 0])
def test_the_generator_is_ctgans_generator_and_loads_its_old_weights(conditions):
    noise_width, widths, width_out, n = 9, [16, 12], 11, 30
    torch.manual_seed(0)  # CTGAN's generator (and SynthLab's before): the noise and the one-hot, all dense
    layers, width = [], noise_width + conditions
    for w in widths:
        layers.append(_DenseResidual(width, w))
        width += w
    dense = torch.nn.Sequential(*layers, torch.nn.Linear(width, width_out))
    torch.manual_seed(0)
    generator = Generator(noise_width, conditions, widths, width_out)
    assert torch.equal(generator.blocks[0].fc.weight, dense[0].fc.weight[:, :noise_width])  # initialised alike
    assert torch.equal(generator.categories, dense[2].weight[:, width - conditions:].T)
    for _ in range(3):  # the batch norms' running statistics move
        dense(torch.randn(n, noise_width + conditions))
    generator.load_state_dict({f"body.{key}": value for key, value in dense.state_dict().items()})  # the old layout
    noise, chosen = torch.randn(n, noise_width), torch.randint(max(conditions, 1), (n,))
    vectors = torch.nn.functional.one_hot(chosen, conditions).float() if conditions else torch.zeros(n, 0)
    for mode in ("train", "eval"):  # batch statistics, and the running ones
        dense.train(mode == "train"), generator.train(mode == "train")
        made = generator(noise, chosen if conditions else None)
        assert torch.allclose(made, dense(torch.cat([noise, vectors], dim=1)), atol=1e-5), mode


def _together(rows: torch.Tensor, categories: torch.Tensor, pac: int = 1) -> torch.Tensor:
    """A dense layer's weights from the rows' weights and the one-hots' lookup (what ``_apart`` splits)."""
    width_out = rows.size(0)
    by_slot = categories.view(pac, -1, width_out).permute(2, 0, 1)
    return torch.cat([rows.view(width_out, pac, -1), by_slot], dim=2).reshape(width_out, -1)


def test_a_gan_saved_in_the_old_layout_comes_back_from_its_file_and_samples_as_before(mixed):
    df, schema = mixed
    model = METHODS["gan"](epochs=3, batch_size=100).fit(df, schema, seed=1)
    weights, record = model.saved()
    new = safetensors.torch.load(weights)
    old = {k: v for k, v in new.items() if not k.startswith(("critic.first.", "critic.body.", "generator."))}
    old["critic.body.0.weight"] = _together(new["critic.first.rows"], new["critic.first.categories"],
                                            model.critic_.first.pac)
    old["critic.body.0.bias"] = new["critic.first.bias"]
    for key, value in new.items():
        if key.startswith("critic.body."):
            index, rest = key[len("critic.body."):].split(".", 1)
            old[f"critic.body.{int(index) + 1}.{rest}"] = value
    blocks = len(model.generator_.blocks)
    for i in range(blocks):
        old[f"generator.body.{i}.fc.weight"] = _together(new[f"generator.blocks.{i}.fc.weight"],
                                                         new[f"generator.blocks.{i}.categories"])
        old[f"generator.body.{i}.fc.bias"] = new[f"generator.blocks.{i}.fc.bias"]
        for key in [k for k in new if k.startswith(f"generator.blocks.{i}.bn.")]:
            old[f"generator.body.{i}.bn.{key.rsplit('.', 1)[1]}"] = new[key]
    old[f"generator.body.{blocks}.weight"] = _together(new["generator.out.weight"], new["generator.categories"])
    old[f"generator.body.{blocks}.bias"] = new["generator.out.bias"]
    assert model.critic_.first.categories.numel() and model.generator_.categories.numel()  # conditions there
    back = METHODS["gan"].restored(df, schema, params=model.params_, seed=1, weights=safetensors.torch.save(old),
                                   record=record)
    pd.testing.assert_frame_equal(back.sample(300, rng=5), model.sample(300, rng=5))


def test_the_copula_start_begins_at_the_copulas_rows_of_the_category_asked(mixed):
    df, schema = mixed
    model = METHODS["gan"](epochs=1, batch_size=100).fit(df, schema, seed=0)
    start, sampler = model.start_, model.conditions_
    assert len(start.matrix) == 10 * len(df)  # ten per real row (within 5,000 to 20,000)
    rng = np.random.default_rng(0)
    chosen = sampler.draw(3_000, rng)
    rows = start.rows(len(chosen), chosen, rng)
    column = np.searchsorted(sampler.offsets, chosen, side="right") - 1
    held = start.conditions.counts[chosen] > 0
    assert held.mean() > 0.99  # ('rare' and the missing group are drawn by the copula too)
    cell = sampler.data_starts[column] + chosen - sampler.offsets[column]
    assert (rows.numpy()[np.arange(len(rows)), cell][held] == 1).all()  # each starts from a row of its category

    made = model._activate(start.logits(rows)).numpy()  # the offset alone makes the copula's rows
    for span in model.transformer_.spans:
        block, want = made[:, span.start:span.end], rows.numpy()[:, span.start:span.end]
        if span.activation == "tanh":
            np.testing.assert_allclose(block, np.clip(want, -0.99, 0.99), atol=1e-5)
        else:  # Gumbel noise at τ = 0.2 rarely moves a drawn category
            assert (block.argmax(axis=1) == want.argmax(axis=1)).mean() > 0.98

    assert model.copula_ is None  # its marginals hold the real values: dropped once its rows are drawn
    assert any(n.startswith("The generator started from 6,000 rows a Gaussian copula drew") for n in model.notes())


def test_an_untrained_generator_adds_nothing_to_the_copulas_rows(mixed, monkeypatch):
    from core.synth.gan import GANSynthesizer

    df, schema = mixed
    seen, train = [], GANSynthesizer._epoch

    def first(self, data, rng, stop):  # before the first step: the generator as built
        if not seen:
            chosen = self.conditions_.draw(1_000, np.random.default_rng(0))
            noise = torch.randn(len(chosen), self.params_["embedding_dim"])
            start = self.start_.logits(self.start_.rows(len(chosen), chosen, np.random.default_rng(2)))
            seen.append((self._generate(noise, chosen, np.random.default_rng(2)), start))
        return train(self, data, rng, stop)

    monkeypatch.setattr(GANSynthesizer, "_epoch", first)
    METHODS["gan"](epochs=1, batch_size=100).fit(df, schema, seed=0)
    assert torch.equal(*seen[0])


def test_a_wide_table_keeps_the_copula_start_linear_in_its_width():
    from core.synth.gan import START_CELLS, START_WIDTH

    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(300, 120)), columns=[f"x{i}" for i in range(120)])
    model = METHODS["gan"](epochs=1, batch_size=100).fit(df, infer_schema(df), seed=0)
    width = model.transformer_.width
    assert width > START_WIDTH  # (an α and several modes per column)
    assert model.generator_.reader.in_features == width and model.generator_.reader.out_features == START_WIDTH
    assert model.generator_.blocks[0].fc.in_features == model.params_["embedding_dim"] + START_WIDTH
    assert len(model.start_.matrix) * width <= max(START_CELLS, 500 * width)
    assert len(model.sample(20, rng=0)) == 20


def test_without_the_copula_start_the_generator_reads_noise_alone(mixed):
    df, schema = mixed
    model = METHODS["gan"](epochs=1, batch_size=100, copula_start=False).fit(df, schema, seed=0)
    assert model.start_ is None and model.copula_ is None
    assert model.generator_.blocks[0].fc.in_features == model.params_["embedding_dim"]
    assert len(model.sample(50, rng=0)) == 50


def test_a_recipe_written_before_the_copula_start_replays_without_it():
    from core.recipe import saved_params

    old = saved_params(METHODS["gan"], {"epochs": 3, "embedding_dim": 128, "generator_width": 256})
    assert (old["copula_start"], old["embedding_dim"], old["generator_width"]) == (False, 128, 256)
    assert old["discriminator_row_width"] == 0  # and CTGAN's critic
