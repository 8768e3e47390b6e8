"""The Missingness page's figures: built from real data, small enough to send for large tables."""

import numpy as np
import pandas as pd
import pytest

from core import plots
from core.io import read_table
from core.missing import (
    dendrogram_input,
    mar_diagnostics,
    missing_by_column,
    nullity_correlation,
    nullity_matrix,
    pattern_table,
    simulate,
)
from core.samples import SAMPLES
from core.schema import infer_schema


@pytest.fixture(scope="module")
def msleep():
    return read_table(SAMPLES["msleep"].path)


def test_every_missingness_figure_builds_on_real_data(msleep):
    matrix = plots.nullity_matrix_figure(nullity_matrix(msleep))
    assert matrix.data[0].z.shape == (83, 11)
    bar = plots.missing_bar_figure(missing_by_column(msleep))
    assert list(bar.data[0].y) == sorted(bar.data[0].y, reverse=True)
    corr = nullity_correlation(msleep)
    heat = plots.nullity_heatmap_figure(corr)
    assert heat.data[0].z.shape == (len(corr) - 1, len(corr) - 1)
    dendrogram = plots.dendrogram_figure(dendrogram_input(msleep))
    assert set(dendrogram.layout.xaxis.ticktext) == set(corr.columns)
    upset = plots.pattern_figure(pattern_table(msleep), list(msleep.columns))
    assert upset.data[0].y.sum() == len(msleep)
    shadow = plots.shadow_scatter(msleep, "sleep_total", "sleep_rem")
    drawn = sum(len(t.x) for t in shadow.data)
    both_missing = int((msleep["sleep_total"].isna() & msleep["sleep_rem"].isna()).sum())
    assert drawn == len(msleep) - both_missing
    mar = mar_diagnostics(msleep, "sleep_rem", infer_schema(msleep).kinds)
    assert len(plots.coefficient_figure(mar.coefficients).data[0].x) <= 12


def test_simulation_figure_shows_both_lines():
    rng = np.random.default_rng(0)
    x = rng.normal(size=300)
    df = pd.DataFrame({"x": x, "y": x + rng.normal(size=300), "z": rng.normal(size=300)})
    fig = plots.simulation_figure(simulate(df, x="x", y="y", rate=0.3), "MNAR")
    names = [t.name for t in fig.data]
    assert names == ["kept", "removed (y)", "fit on complete data", "fit on observed rows"]
    assert len(fig.data[0].x) + len(fig.data[1].x) == 300


def test_large_tables_send_binned_or_sampled_data():
    rng = np.random.default_rng(1)
    big = pd.DataFrame(rng.normal(size=(200_000, 5)), columns=list("abcde"))
    big[big > 1.5] = np.nan
    matrix = plots.nullity_matrix_figure(nullity_matrix(big))
    assert matrix.data[0].z.shape[0] <= 400
    assert sum(len(t.x) for t in plots.shadow_scatter(big, "a", "b").data) <= 20_000


def test_upset_labels_every_column_it_draws():
    rng = np.random.default_rng(4)
    names = [f"measure_{i:02d}" for i in range(12)]
    df = pd.DataFrame(rng.normal(size=(400, 12)), columns=names)
    for i, name in enumerate(names):
        df.loc[rng.random(400) < 0.03 + 0.01 * i, name] = np.nan
    upset = plots.pattern_figure(pattern_table(df), names)
    drawn = {trace.y[0] for trace in upset.data[1:]}
    assert drawn == set(names)
    axis = upset.layout.yaxis2
    assert set(axis.ticktext) == set(names) and list(axis.tickvals) == list(axis.ticktext)
