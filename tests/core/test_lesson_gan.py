"""The GAN lesson's properties: the mode counter, reproducibility, learning, and the VAE's β trade-off."""

import numpy as np

from core.lessons import gan


def test_the_mode_counter_counts_constructed_samples():
    centres, sigma = gan.GRID_CENTRES, gan.GRID_SIGMA
    rng = np.random.default_rng(0)
    everywhere = centres[np.arange(450) % 9] + 0.5 * sigma * rng.standard_normal((450, 2))
    assert gan.modes_covered(everywhere, centres, sigma) == 9
    one = centres[4] + 0.5 * sigma * rng.standard_normal((450, 2))
    assert gan.modes_covered(one, centres, sigma) == 1
    counts, close = gan.mode_coverage(one, centres, sigma)
    assert counts[4] == counts.sum() and close > 0.9
    between = (centres[0] + centres[1]) / 2 + 0.01 * rng.standard_normal((100, 2))  # far from every centre
    assert gan.modes_covered(between, centres, sigma) == 0


def test_same_seed_same_samples_after_the_same_steps():
    data = gan.toy("two moons", n=200, rng=0)
    a, b = (gan.ToyGAN(data.points, seed=3) for _ in range(2))
    a.step(20)
    b.step(10)
    b.step(10)
    assert np.array_equal(a.samples(), b.samples())
    c = gan.ToyGAN(data.points, seed=4)
    c.step(20)
    assert not np.array_equal(a.samples(), c.samples())
    assert np.array_equal(gan.toy("blob grid", rng=1).points, gan.toy("blob grid", rng=1).points)


def test_the_generator_gets_closer_to_two_moons():
    data = gan.toy("two moons", rng=0)
    net = gan.ToyGAN(data.points, loss="vanilla", lr=1e-3, beta1=0.5, seed=1)
    before = gan.nearest_distance(net.samples(), data.points)
    net.step(1_200)
    assert gan.nearest_distance(net.samples(), data.points) < 0.5 * before


def test_a_larger_beta_gives_a_larger_reconstruction_error():
    data = gan.toy("two moons", n=500, rng=0)
    errors = []
    for beta in (0.01, 1.0, 5.0):
        vae = gan.ToyVAE(data.points, beta=beta, seed=0)
        vae.step(400)
        errors.append(vae.reconstruction_error())
    assert errors[0] < errors[1] < errors[2]


def test_a_table_pair_is_standardised_and_bad_pairs_are_sentences():
    import pandas as pd
    import pytest

    from core.errors import SynthLabError

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(5, 2, 300), "b": rng.normal(size=300), "c": 1.0})
    pair = gan.table_toy(df, "a", "b")
    assert np.allclose(pair.points.mean(axis=0), 0, atol=1e-5) and pair.centres is None
    fig = gan.gan_figure(gan.ToyGAN(pair.points, seed=0), pair)  # the axes name the columns, not x₁ and x₂
    assert fig.layout.xaxis.title.text == "a (standardised)" and fig.layout.yaxis.title.text == "b (standardised)"
    for x, y in (("a", "a"), ("a", "c")):
        with pytest.raises(SynthLabError):
            gan.table_toy(df, x, y)
