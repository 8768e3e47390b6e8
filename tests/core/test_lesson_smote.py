"""The SMOTE lesson's properties: every new point on a segment to a k-nearest minority neighbour, fixed gaps give
midpoints, the same seed gives the same points, and the majority-region count is right."""

import numpy as np
import pandas as pd
import pytest
from sklearn.neighbors import NearestNeighbors

from core.errors import DataError, ParameterError
from core.lessons import smote


@pytest.mark.parametrize(("seed", "k"), [(0, 5), (1, 1), (7, 10)])
def test_every_new_point_lies_on_a_segment_to_one_of_its_k_nearest_minority_neighbours(seed, k):
    points = smote.toy(seed)
    plan = smote.plan(points, k=k, n=150, rng=seed)
    rows = points.xy[points.minority]
    z = points.scaled[points.minority]
    # the k nearest minority neighbours, found independently (distances on standardised columns)
    dist = np.linalg.norm(z[:, None] - z[None], axis=2)
    np.fill_diagonal(dist, np.inf)
    kth = np.sort(dist, axis=1)[:, k - 1]
    for base, new in zip(plan.base, plan.new, strict=True):
        x = rows[base]
        found = False
        for j in np.flatnonzero(dist[base] <= kth[base] + 1e-12):
            d = rows[j] - x
            g = np.dot(new - x, d) / np.dot(d, d)
            off = abs(d[0] * (new - x)[1] - d[1] * (new - x)[0])  # cross product: 0 when collinear
            if off < 1e-9 and -1e-12 <= g <= 1 + 1e-12:
                found = True
                break
        assert found, f"new point {new} is on no segment from {x} to one of its {k} nearest minority neighbours"
    assert ((plan.gap >= 0) & (plan.gap <= 1)).all()
    assert np.allclose(plan.new, plan.origin + plan.gap[:, None] * (plan.partner - plan.origin))


def test_the_neighbours_are_sklearns_and_never_the_row_itself():
    points = smote.toy(3)
    nn = smote.minority_neighbours(points, 4)
    z = points.scaled[points.minority]
    expected = NearestNeighbors(n_neighbors=5).fit(z).kneighbors(z, return_distance=False)[:, 1:]
    assert (np.sort(nn, axis=1) == np.sort(expected, axis=1)).all()
    assert not (nn == np.arange(len(nn))[:, None]).any()


def test_a_fixed_gap_puts_every_point_at_a_midpoint_and_keeps_the_picks():
    points = smote.toy(0)
    fixed = smote.plan(points, k=5, n=200, rng=0, fixed_gap=True)
    free = smote.plan(points, k=5, n=200, rng=0)
    assert np.allclose(fixed.new, (fixed.origin + fixed.partner) / 2)
    assert (fixed.base == free.base).all() and (fixed.choice == free.choice).all()
    assert smote.distinct(fixed.new) <= smote.midpoint_places(fixed) < 200 == smote.distinct(free.new)


def test_the_same_seed_gives_the_same_points_and_another_seed_others():
    points = smote.toy(0)
    one, two = smote.plan(points, k=5, n=40, rng=11), smote.plan(points, k=5, n=40, rng=11)
    assert np.array_equal(one.new, two.new)
    assert not np.array_equal(one.new, smote.plan(points, k=5, n=40, rng=12).new)
    assert np.array_equal(smote.toy(4).xy, smote.toy(4).xy)
    first, again = smote.family(points, k=5, n=20, rng=3), smote.family(points, k=5, n=20, rng=3)
    for name in smote.FAMILY:
        assert np.array_equal(first[name], again[name]), name


def test_the_majority_region_count_on_a_constructed_example():
    # majority rows around (0, 0), minority rows around (10, 0); columns on the same scale
    xy = np.array([[0, 0], [0, 1], [1, 0], [10, 0], [10, 1], [11, 0]], float)
    points = smote.Points(xy, np.array([False, False, False, True, True, True]))
    new = np.array([[0.2, 0.2],  # nearest: (0, 0), majority
                    [9.0, 0.5],  # nearest: (10, 0) or (10, 1), minority
                    [4.0, 0.0],  # nearest: (1, 0), majority
                    [6.5, 0.0]])  # nearest: (10, 0), minority
    assert smote.in_majority_region(points, new).tolist() == [True, False, True, False]
    assert smote.in_majority_region(points, np.zeros((0, 2))).tolist() == []


def test_the_family_makes_minority_points_in_the_table_units():
    points = smote.toy(0)
    made = smote.family(points, k=5, n=20, rng=0)
    assert list(made) == list(smote.FAMILY)
    rows = points.xy[points.minority]
    for name, new in made.items():
        assert not isinstance(new, str), new
        assert new.shape[1] == 2 and len(new) > 0, name
        assert (new.min(axis=0) > points.xy.min(axis=0) - 3).all() and (new.max(axis=0) < rows.max(axis=0) + 3).all()
    assert len(made["SMOTE"]) == 20


def test_a_table_gives_its_smallest_class_and_bad_inputs_give_sentences():
    df = pd.DataFrame({"a": [1.0, 2, 3, 4, np.nan, 6, 7, 8], "b": [1.0, 0, 1, 0, 1, 0, 1, 0],
                       "t": ["x", "x", "x", "y", "y", "y", "y", "y"]})
    points = smote.from_table(df, "a", "b", "t")
    assert points.minority_label == "x" and points.n_minority == 3 and len(points.xy) == 7
    with pytest.raises(ParameterError):
        smote.from_table(df, "a", "a", "t")
    with pytest.raises(DataError, match="single complete row"):
        smote.from_table(df.assign(t=["x"] + ["y"] * 7), "a", "b", "t")
    with pytest.raises(DataError, match="fewer than two classes"):
        smote.from_table(df.assign(t="y"), "a", "b", "t")
    with pytest.raises(ParameterError, match="k must be between 1 and 2"):
        smote.plan(points, k=3, n=5)
    with pytest.raises(ParameterError):
        smote.plan(points, k=1, n=0)
    with pytest.raises(ParameterError, match="1 to 100,000 new points"):
        smote.plan(points, k=1, n=10**9)  # (a billion points asked for filled memory)
    with pytest.raises(DataError, match="no column 'zz'"):
        smote.from_table(df, "zz", "b", "t")


def test_the_steps_reveal_the_plan_one_point_at_a_time():
    points = smote.toy(0)
    plan = smote.plan(points, k=5, n=3)
    assert [smote.shown(plan, 1, phase) for phase in range(6)] == [1, 1, 1, 1, 1, 2]
    traces = [len(smote.step_figure(points, plan, 1, phase).data) for phase in range(6)]
    assert traces == sorted(traces) and len(set(traces)) == 6
    assert "g = " in smote.step_caption(points, plan, 1, 4, 5)
