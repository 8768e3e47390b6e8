"""The copula lesson's properties: Cholesky gives the target correlation, the marginals come out as chosen, and an
impossible target is refused and repaired to a close valid one."""

import numpy as np
import pandas as pd
import pytest

from core.errors import DataError
from core.lessons import copula as lesson

TOYS = [lesson.toy_marginal(name) for name in list(lesson.TOY)[:3]]


@pytest.mark.parametrize("pairs", [[0.0, 0.0, 0.0], [0.8, 0.5, 0.3], [-0.6, 0.4, -0.2], [0.95, 0.9, 0.85]])
def test_pearson_of_x_matches_the_target(pairs):
    target = lesson.matrix_from_pairs(pairs, 3)
    w = lesson.walk(target, TOYS, 20_000, rng=1)
    assert w.check.valid
    assert np.abs(np.corrcoef(w.x, rowvar=False) - target).max() < 0.02
    table = w.achieved()
    assert (table["Pearson of X"] - table["target"]).abs().max() < 0.02
    # Spearman of the final columns is that of a normal pair: (6/π) arcsin(ρ/2)
    assert (table["Spearman of final"] - table["expected Spearman"]).abs().max() < 0.02


@pytest.mark.parametrize("rho", [-0.9, 0.3, 0.7])
def test_two_columns(rho):
    w = lesson.walk(lesson.matrix_from_pairs([rho], 2), TOYS[:2], 20_000, rng=2)
    assert abs(np.corrcoef(w.x[:, 0], w.x[:, 1])[0, 1] - rho) < 0.02


def test_final_columns_have_the_chosen_marginals():
    w = lesson.walk(lesson.matrix_from_pairs([0.7, 0.2, -0.4], 3), TOYS, 20_000, rng=3)
    assert max(lesson.ks_distances(w)) < 0.02
    assert np.all(w.y[:, 0] > 0)  # exponential
    uniform = np.linspace(0, 1, 11)
    assert np.allclose(np.quantile(w.u, uniform, axis=0).T, uniform, atol=0.02)


def test_empirical_marginals_replay_the_real_values():
    rng = np.random.default_rng(0)
    real = pd.DataFrame({"a": rng.gamma(2.0, size=3000), "b": rng.integers(0, 50, 3000).astype(float)})
    marginals = [lesson.empirical_marginal(real[c]) for c in real]
    w = lesson.walk(lesson.matrix_from_pairs([0.5], 2), marginals, 20_000, rng=4)
    assert max(lesson.ks_distances(w)) < 0.03
    assert w.y[:, 1].min() >= 0 and w.y[:, 1].max() <= 49


def test_impossible_target_is_refused_by_cholesky_and_repaired_close_by():
    target = lesson.matrix_from_pairs([0.9, 0.9, -0.9], 3)
    with pytest.raises(np.linalg.LinAlgError):
        np.linalg.cholesky(target)
    check = lesson.check_target(target)
    assert not check.valid and check.smallest_eigenvalue < 0 and "eigenvalue" in check.reason
    assert np.linalg.eigvalsh(check.used).min() >= 0
    assert np.allclose(np.diag(check.used), 1) and np.allclose(check.used, check.used.T)
    np.linalg.cholesky(check.used)
    # close: within the size of the contradiction, and no further than simply zeroing the correlations
    assert np.linalg.norm(check.used - target) < np.linalg.norm(np.eye(3) - target)
    w = lesson.walk(target, TOYS, 20_000, rng=5)
    assert np.abs(np.corrcoef(w.x, rowvar=False) - check.used).max() < 0.02


@pytest.mark.parametrize("bad", [np.array([[1, 1.5], [1.5, 1]]), np.array([[1, np.nan], [np.nan, 1]]),
                                 np.array([[1, 0.2], [0.5, 1]])])
def test_bad_targets_give_sentences(bad):
    with pytest.raises(DataError):
        lesson.check_target(bad)


def test_same_seed_same_walk_and_a_figure_per_step():
    target = lesson.matrix_from_pairs([0.6], 2)
    a = lesson.walk(target, TOYS[:2], 1000, rng=7)
    b = lesson.walk(target, TOYS[:2], 1000, rng=7)
    assert np.array_equal(a.y, b.y)
    specs = {lesson.step_figure(a, s).to_json() for s in range(len(lesson.STEPS))}
    assert len(specs) == len(lesson.STEPS)


def test_a_column_with_few_values_is_refused():
    with pytest.raises(DataError):
        lesson.empirical_marginal(pd.Series([1.0, 2.0, 1.0, 2.0], name="x"))


def test_a_correlation_of_one_is_explained_as_no_variation_not_a_contradiction():
    """Two columns at ρ = 1 are possible (one copies the other); the reason blamed a third column and a negative
    variance."""
    check = lesson.check_target(np.array([[1.0, 1.0], [1.0, 1.0]]))
    assert not check.valid and "would not vary at all" in check.reason and "third" not in check.reason
