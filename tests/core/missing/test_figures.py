"""The Missingness figures say what the data shows: no empty axes where nothing is missing, the table's
column order where shares tie, and the simulator's kept points readable under the removed ones."""

import numpy as np
import pandas as pd

from core import plots
from core.missing import missing_by_column, simulate


def test_the_bar_chart_of_a_table_without_holes_says_so_instead_of_drawing_empty_axes():
    complete = pd.DataFrame({"zeta": [1.0, 2.0, 3.0], "alpha": [4.0, 5.0, 6.0], "mid": ["a", "b", "c"]})
    fig = plots.missing_bar_figure(missing_by_column(complete))
    assert not [t for t in fig.data if t.type == "bar"]  # no eleven "0.0%" labels on an axis from -1 to 1
    assert [a.text for a in fig.layout.annotations] == ["No column has a missing value."]


def test_the_bar_chart_is_most_missing_first_then_in_table_order_from_zero():
    df = pd.DataFrame({"zeta": [1.0, np.nan, 3.0, 4.0], "beta": [np.nan, np.nan, 3.0, 4.0],
                       "alpha": [1.0, 2.0, 3.0, 4.0], "gamma": [1.0, 2.0, np.nan, 4.0],
                       "delta": [1.0, 2.0, 3.0, 4.0]})
    by_column = missing_by_column(df)
    assert by_column["column"].tolist() == ["beta", "zeta", "gamma", "alpha", "delta"]  # ties keep table order
    fig = plots.missing_bar_figure(by_column)
    assert list(fig.data[0].x) == ["beta", "zeta", "gamma", "alpha", "delta"]
    assert list(fig.layout.xaxis.categoryarray) == list(fig.data[0].x)
    assert fig.layout.yaxis.rangemode == "tozero" and fig.layout.yaxis.dtick == 1  # whole counts, from 0
    assert "most missing first" in fig.layout.title.text


def test_the_simulator_draws_removed_points_beneath_the_kept_ones():
    rng = np.random.default_rng(0)
    x = rng.normal(500, 300, size=3_000)
    df = pd.DataFrame({"x": x, "y": 0.017 * x + rng.normal(size=3_000), "z": rng.normal(size=3_000)})
    fig = plots.simulation_figure(simulate(df, x="x", y="y", by="z", rate=0.3), "MCAR")
    kept, removed, *lines = fig.data
    assert (kept.name, removed.name) == ("kept", "removed (y)")
    assert removed.zorder < kept.zorder < min(line.zorder for line in lines)  # removed beneath, lines on top
    assert removed.marker.opacity < 1 and kept.marker.opacity < 1  # either shows through the other
    assert removed.marker.size <= 6 and kept.marker.size <= 6
