"""The imputation lesson's properties: vertical fills shrink, horizontal fills keep the correlation, patterns."""

import numpy as np
import pytest

from core.errors import SynthLabError
from core.lessons import imputation as lesson


def comparison(pattern="general", rate=0.5, seed=0):
    truth = lesson.toy(rho=0.7, rng=seed)
    holed = lesson.punch(truth, pattern=pattern, rate=rate, rng=seed)
    return lesson.compare(holed, "x1", "x4", "mean", "chained equations (iterative)", truth=truth, rng=seed)


@pytest.mark.parametrize("pattern", lesson.PATTERNS)
def test_vertical_mean_shrinks_the_sd_and_the_correlation_and_horizontal_keeps_it(pattern):
    table = comparison(pattern).table.set_index("data")
    truth, vertical, horizontal = table.loc["truth"], table.iloc[2], table.iloc[3]
    assert table.index[2].startswith("vertical") and table.index[3].startswith("horizontal")
    assert 0 < vertical["correlation"] < truth["correlation"] - 0.1
    assert vertical["sd of x4"] < 0.85 * truth["sd of x4"]
    assert abs(horizontal["correlation"] - truth["correlation"]) < abs(vertical["correlation"] - truth["correlation"])
    assert abs(horizontal["correlation"] - truth["correlation"]) < 0.05


def test_the_monotone_generator_is_monotone_and_the_general_one_is_not():
    truth = lesson.toy(n=300, rng=1)
    for seed in range(3):
        monotone = lesson.punch(truth, pattern="monotone", rate=0.6, rng=seed).isna().to_numpy()
        general = lesson.punch(truth, pattern="general", rate=0.6, rng=seed).isna().to_numpy()
        assert lesson.is_monotone(monotone) and monotone.any()
        assert not lesson.is_monotone(general)
        assert not monotone[:, 0].any() and not general[:, 0].any()
        assert abs(monotone[:, -1].mean() - 0.6) < 0.1 and abs(general[:, -1].mean() - 0.6) < 0.1
    assert lesson.is_monotone(np.array([[0, 1, 1], [0, 0, 1], [0, 0, 0]]))
    assert not lesson.is_monotone(np.array([[0, 1, 0]]))


def test_same_seed_same_holes_and_bad_values_are_sentences():
    truth = lesson.toy(rng=2)
    a = lesson.punch(truth, pattern="general", rate=0.3, rng=5)
    assert a.equals(lesson.punch(truth, pattern="general", rate=0.3, rng=5))
    with pytest.raises(SynthLabError):
        lesson.punch(truth, pattern="sideways", rate=0.3)
    with pytest.raises(SynthLabError):
        lesson.punch(truth, pattern="general", rate=1.0)
    with pytest.raises(SynthLabError):
        lesson.compare(a, "x1", "x1", "mean", "k nearest neighbours")
