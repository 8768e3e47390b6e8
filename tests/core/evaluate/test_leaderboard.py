"""The leaderboard: one row per scored run, the method's title, and the best run per score."""

from types import SimpleNamespace

import numpy as np
import pandas as pd

from core.evaluate.leaderboard import MARGIN, leaderboard
from core.synth import METHODS
from core.workspace import Run


def run(name: str, quality: float, auc: float, utility: float | None, closer: float | None, *,
        method: str | None = None, scored: bool = True) -> Run:
    scores = SimpleNamespace(quality=quality, detection_auc=auc, tstr_ratio=utility, exact_copy_rate=0.0,
                             dcr_share_closer=closer)
    return Run(method=method or next(iter(METHODS)), params={"mode": "replace", "shrinkage": 0.5}, seed=0,
               synthetic=pd.DataFrame({"x": range(4)}), fit_seconds=1.0, sample_seconds=0.5,
               scores=scores if scored else None, name=name)


def best(table: pd.DataFrame) -> dict[str, set[str]]:
    return dict(zip(table["run"], (set(filter(None, b.split(", "))) for b in table["best for"]), strict=True))


def test_each_score_marks_its_best_run_in_its_own_direction():
    table = leaderboard([run("a", 0.9, 0.8, 0.5, 0.6), run("b", 0.7, 0.6, 0.9, 0.3), run("c", 0.8, 0.7, 0.7, 0.4)])
    assert best(table) == {"a": {"quality"}, "b": {"detection AUC", "utility", "closer than holdout"}, "c": set()}
    assert table["run"].tolist() == ["a", "b", "c"]  # the runs' order, not a ranking
    assert table.loc[0, "settings"] == "mode=replace, shrinkage=0.5"
    assert table.loc[0, "rows"] == 4 and table.loc[0, "seconds"] == 1.5


def test_a_lead_within_the_noise_margin_names_nobody_and_missing_values_never_win():
    table = leaderboard([run("a", 0.8, 0.6, None, None), run("b", 0.8, 0.7, np.nan, 0.2),
                         run("c", 0.5, 0.6, None, None)])
    assert best(table) == {"a": set(), "b": set(), "c": set()}  # tied quality and AUC; b alone has a closeness
    assert table["utility"].isna().all()  # no run has a utility score: nobody is best for it
    close = leaderboard([run("a", 0.900, 0.991, 0.80, 0.001), run("b", 0.895, 0.992, 0.795, 0.001),
                         run("c", 0.700, 0.995, 0.50, 0.3)])
    assert best(close) == {"a": set(), "b": set(), "c": set()}  # 0.991 against 0.992, 0.001 against 0.001: ties
    assert MARGIN == {"quality": 0.01, "detection AUC": 0.01, "utility": 0.01, "closer than holdout": 0.01}
    clear = leaderboard([run("a", 0.92, 0.60, 0.81, 0.05), run("b", 0.90, 0.62, 0.80, 0.07)])
    assert best(clear) == {"a": {"quality", "detection AUC", "closer than holdout"}, "b": set()}  # 0.81-0.80 ties


def test_unscored_runs_are_left_out_and_the_method_shows_its_title():
    key, cls = next(iter(METHODS.items()))
    table = leaderboard([run("a", 0.9, 0.6, 0.5, 0.5, method=key), run("b", 0.9, 0.6, 0.5, 0.5, scored=False),
                         run("c", 0.1, 0.9, 0.1, 0.9, method="gone")])
    assert table["run"].tolist() == ["a", "c"]
    assert table["method"].tolist() == [cls.title, "gone"]  # a method no longer registered shows its key
    assert leaderboard([]).empty and "best for" in leaderboard([]).columns


def test_the_pareto_front_holds_exactly_the_runs_no_other_run_beats_on_both():
    from core.evaluate.leaderboard import frontier
    from core.plots import frontier_figure

    detection = pd.Series([0.9, 0.6, 0.7, 0.55, 0.6, None])
    risk = pd.Series([0.01, 0.30, 0.05, 0.60, 0.35, 0.01])
    on = frontier(detection, risk)
    # 0.9/0.01 (most private), 0.7/0.05, 0.6/0.30, 0.55/0.60 (hardest to tell): a staircase; 0.6/0.35 is beaten by
    # 0.6/0.30, and a run without a detection score is not on it
    assert on.tolist() == [True, True, True, True, False, False]
    assert frontier(pd.Series([0.30, 0.52]), pd.Series([0.05, 0.05])).tolist() == [False, True]  # 0.3 is no win
    rng = np.random.default_rng(0)
    cloud = pd.DataFrame({"d": rng.random(200), "r": rng.random(200)})
    front = cloud[frontier(cloud["d"], cloud["r"]).to_numpy()]
    gap = (cloud["d"] - 0.5).abs()
    for i, point in cloud.iterrows():  # every run is on the front or beaten by one on it
        assert (((front["d"] - 0.5).abs() <= gap[i]) & (front["r"] <= point["r"])).any()
    table = leaderboard([run("a", 0.9, 0.8, 0.5, 0.06), run("b", 0.7, 0.6, 0.9, 0.3), run("c", 0.8, 0.9, 0.7, 0.4)])
    figure = frontier_figure(table)
    named = {name for trace in figure.data if trace.mode == "markers+text" for name in trace.text}
    assert named == {"a", "b", "c"} and any(trace.name == "Pareto front" for trace in figure.data)
    fooled = frontier_figure(leaderboard([run("low", 0.9, 0.405, 0.5, 0.06), run("high", 0.8, 0.97, 0.5, 0.1)]))
    low, high = fooled.layout.yaxis.range
    assert low < 0.405 and high > 0.97  # every run on the chart, an AUC below 0.5 too (it fell off at 0.45)


def test_a_private_run_shows_the_budget_it_spent_and_the_others_none():
    from core.plots import frontier_figure
    from core.synth.run import PRIVATE_GUARD

    private, guarded = run("private", 0.7, 0.6, 0.5, 0.01), run("guarded", 0.7, 0.6, 0.5, 0.02)
    private.epsilon, guarded.epsilon, guarded.notes = 0.98, 1.0, [PRIVATE_GUARD]
    table = leaderboard([run("a", 0.9, 0.8, 0.5, 0.06), private, guarded])
    assert table["ε spent"].tolist()[1:] == [0.98, 1.0] and np.isnan(table["ε spent"].tolist()[0])
    assert table["ε covers the rows"].tolist() == [None, "yes", "no"]  # the guard read real rows: outside ε
    assert "ε" not in table.loc[1, "best for"]  # a promise, not a score to win
    named = {name for trace in frontier_figure(table).data if trace.mode == "markers+text" for name in trace.text}
    assert named == {"a", "private (ε 0.98)", "guarded (ε 1 + guard)"}
