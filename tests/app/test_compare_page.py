"""AppTest for the Compare page: scores with their readings, every view, the leaderboard."""

import json

import numpy as np
import pandas as pd
from streamlit.testing.v1 import AppTest

from core.evaluate.scores import Scores
from core.synth import METHODS
from core.workspace import Run, Workspace
from tests.app import conftest
from tests.app.test_errors import HOSTILE, a_bug, assert_shown_as_text


def with_runs(sample: str, methods: list[str]) -> AppTest:
    at = conftest.open_page("pages/synthesize.py", sample)
    at.radio(key="synth_group").set_value("Statistical models (a whole synthetic table)").run()
    for method in methods:
        at.selectbox(key="synth_method").select(method).run()
        at.button(key="synth_run").click().run()
    at.switch_page("pages/compare.py").run()
    assert not at.exception, at.exception
    return at


def test_no_runs_says_where_to_make_one():
    at = conftest.open_page("pages/compare.py")
    assert any("Synthesize page" in i.value for i in at.info)


def test_scores_views_and_leaderboard():
    at = with_runs("salaries", ["monte_carlo", "gaussian_copula"])
    metrics = {m.label: m.value for m in at.metric}
    assert set(metrics) == {"Quality", "Detection AUC", "S_pMSE", "Utility (TSTR)", "Exact copies",
                            "Closer than holdout"}
    assert not at.error
    texts = " ".join(m.value for m in at.markdown)
    assert "Can anyone be re-identified?" in " ".join(h.value for h in at.subheader)
    for attack in ("Singling out", "Linkability", "Attribute inference"):  # each with its traffic light
        assert f"**{attack}**: :" in texts
    assert any("95% interval" in c.value and "held-out real rows score" in c.value for c in at.caption)
    assert any("real rows" in line or "synthetic rows" in line for line in texts.split("- "))  # utility readings
    assert any(":" in c.value for c in at.caption)  # every score has its one-line reading
    at.selectbox(key="compare_column").select("rank").run()
    for method in ("spearman", "cramers_v", "nmi"):
        at.radio(key="compare_corr").set_value(method).run()
        assert not at.exception and not at.error, method
    at.selectbox(key="compare_group").select("sex").run()
    assert any("share real" in d.value.columns for d in at.dataframe)
    at.selectbox(key="compare_against").select("monte_carlo #1").run()  # two runs side by side
    at.selectbox(key="compare_model").select("linear").run()
    assert not at.exception and not at.error
    profiled = next(d.value for d in at.dataframe if "summary (gaussian_copula #1)" in d.value.columns)
    assert list(profiled.columns[:3]) == ["column", "missing % (monte_carlo #1)", "missing % (gaussian_copula #1)"]
    at.button(key="compare_all").click().run()
    board = next(d.value for d in at.dataframe if "best for" in d.value.columns)
    assert board["run"].tolist() == ["monte_carlo #1", "gaussian_copula #1"]
    assert board["method"].tolist() == [METHODS[k].title for k in ("monte_carlo", "gaussian_copula")]
    assert board["best for"].str.contains("quality").sum() == 1
    assert "ε spent" not in board.columns and "ε covers the rows" not in board.columns  # no private run
    assert any("Pareto front" in m.value for m in at.markdown)  # detection against privacy, one point per run


# --------------------------------------------------------------------------- hardening (issue 11)


def table(n: int = 120, levels: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"x": rng.normal(size=n), "y": rng.normal(size=n), "n": rng.integers(0, 50, n).astype(float),
                         "group": rng.choice([f"g{i}" for i in range(levels)], n), "flag": rng.choice(["a", "b"], n)})


def quick_scores(real, synthetic, schema, **kwargs) -> Scores:
    """Stands in for the scores (tested on their own) where a test is about the page's views."""
    leaning = pd.Series([0.1, 0.0], index=list(real.columns[:2]))
    return Scores(0.9, 0.9, 0.9, 0.5, 1.0, 0.0, 0.5, 1.0, 1.0,
                  {"dcr synthetic": np.ones(5), "dcr holdout": np.ones(5), "nndr": 0.5, "detector leans on": leaning})


def open_with_runs(frame: pd.DataFrame, names: list[str], monkeypatch) -> AppTest:
    """The Compare page on ``frame`` with one run per name (each a seeded resample of the training rows),
    with the scores stood in for."""
    import ui.cache

    monkeypatch.setattr(ui.cache, "evaluate", quick_scores)
    ws = Workspace(frame, name="t.csv", source="upload:t.csv")
    for i, name in enumerate(names):
        rows = ws.train.sample(n=len(ws.train), replace=True, random_state=i).reset_index(drop=True)
        ws.add_run(Run("monte_carlo", {}, i, rows, 0.1, 0.1, name=name))
    at = AppTest.from_file(conftest.APP, default_timeout=120)
    at.session_state["workspace"] = ws
    at.run()
    at.switch_page("pages/compare.py").run()
    assert not at.exception, at.exception
    return at


def traces(at, key: str) -> list[str]:
    chart = next(c for c in at.get("plotly_chart") if c.proto.id.endswith(key) or key in c.proto.id)
    return [t.get("name") for t in json.loads(chart.proto.spec)["data"]]


def subplot_titles(at, key: str) -> list[str]:
    chart = next(c for c in at.get("plotly_chart") if key in c.proto.id)
    return [a["text"] for a in json.loads(chart.proto.spec)["layout"].get("annotations", [])]


def test_a_run_against_another_run_is_labelled_with_the_run_names(monkeypatch):
    at = open_with_runs(table(), ["first", "second"], monkeypatch)
    at.selectbox(key="compare_against").select("first").run()
    at.selectbox(key="compare_column").select("x").run()
    assert not at.exception and not at.error
    assert traces(at, "compare_overlay") == ["first", "second"]
    assert traces(at, "compare_projection") == ["first", "second"]
    assert traces(at, "compare_conditional") == ["first", "second"]
    assert subplot_titles(at, "compare_pairs")[:2] == ["first", "second"]
    summary = next(d.value for d in at.dataframe if "share first" in d.value.columns)
    assert "share second" in summary.columns and not [c for c in summary.columns if "real" in c]
    text = " ".join(m.value for m in at.markdown)
    assert "real against synthetic" not in text

    at.selectbox(key="compare_against").select("the real data").run()
    assert traces(at, "compare_overlay") == ["real", "second"]


def test_run_names_and_column_names_are_shown_as_text(monkeypatch):
    frame = table().rename(columns={"x": HOSTILE[0], "group": HOSTILE[1]})
    frame[HOSTILE[1]] = np.where(np.arange(len(frame)) % 2, HOSTILE[2], HOSTILE[3])
    at = open_with_runs(frame, ["![r](//host/r)", "**run**"], monkeypatch)
    at.selectbox(key="compare_against").select("![r](//host/r)").run()
    at.button(key="compare_all").click().run()
    assert not at.exception
    assert_shown_as_text(at, ["![r](//host/r)", "**run**", HOSTILE[0]])


def test_a_failing_score_or_view_leaves_the_rest_of_the_page(monkeypatch):
    import core.evaluate.compare
    import ui.cache


    monkeypatch.setattr(core.evaluate.compare, "column_distances", a_bug)
    monkeypatch.setattr(core.evaluate.compare, "correlations", a_bug)
    at = open_with_runs(table(), ["first"], monkeypatch)
    monkeypatch.setattr(ui.cache, "evaluate", a_bug)
    at.selectbox(key="compare_model").select("linear").run()  # scored afresh, and the score fails
    assert len([e for e in at.error if e.value.startswith("Sorry")]) == 3
    assert len(at.tabs) == 6 and traces(at, "compare_projection") == ["real", "first"]
    assert traces(at, "compare_conditional") == ["real", "first"]


def test_a_label_column_with_many_levels_keeps_the_views(monkeypatch):
    at = open_with_runs(table(n=600, levels=300), ["first"], monkeypatch)
    assert not at.exception
    assert len(at.tabs) == 6 and traces(at, "compare_projection") == ["real", "first"]


def test_a_run_that_keeps_the_real_rows_says_so_and_an_unknown_method_is_no_error(monkeypatch):
    import ui.cache

    key, params = next((key, {p.name: choice}) for key, cls in METHODS.items() for p in cls.params
                       for choice in (p.choices or ()) if cls.keeps_real_rows({p.name: choice}))
    monkeypatch.setattr(ui.cache, "evaluate", quick_scores)
    ws = Workspace(table(), name="t.csv", source="upload:t.csv")
    for i, (name, method, settings) in enumerate([("kept", key, params), ("gone", "no_longer_registered", {})]):
        ws.add_run(Run(method, settings, i, ws.train.reset_index(drop=True), 0.1, 0.1, name=name))
    at = AppTest.from_file(conftest.APP, default_timeout=120)
    at.session_state["workspace"] = ws
    at.run()
    at.switch_page("pages/compare.py").run()
    at.selectbox(key="compare_run").select("kept").run()
    assert any("contains the real training rows" in i.value for i in at.info)
    at.selectbox(key="compare_run").select("gone").run()
    assert not at.exception and not any("contains the real training rows" in i.value for i in at.info)
    at.button(key="compare_all").click().run()
    board = next(d.value for d in at.dataframe if "best for" in d.value.columns)
    assert board["method"].tolist() == [METHODS[key].title, "no_longer_registered"]


def test_the_report_is_built_for_the_chosen_run_and_offered_as_a_download():
    at = with_runs("penguins", ["gaussian_copula", "monte_carlo"])
    assert not at.get("download_button")  # nothing to download before it is built
    at.button(key="compare_all").click().run()  # the scored runs go on the report's leaderboard
    at.button(key="report_build").click().run()
    assert not at.exception and not at.error
    name, _, page = at.session_state["compare_report"]
    assert name == "monte_carlo #1" and "<h2>The leaderboard</h2>" in page and "gaussian_copula #1" in page
    assert at.get("download_button")[0].proto.label == "Download the report"


def test_a_table_whose_columns_go_their_own_ways_says_so_instead_of_nan():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=200), "y": rng.normal(size=200)})  # independent: no pair trend
    at = conftest.open_page("pages/synthesize.py", frame=frame)
    at.radio(key="synth_group").set_value("Statistical models (a whole synthetic table)").run()
    at.selectbox(key="synth_method").select("monte_carlo").run()
    at.button(key="synth_run").click().run()
    at.switch_page("pages/compare.py").run()
    assert not at.exception, at.exception
    diagnostics = next(c.value for c in at.caption if c.value.startswith("Diagnostics"))
    assert "column pair trends n/a (no two columns go together in the real rows)" in diagnostics
    assert "nan" not in diagnostics


def test_a_run_against_a_run_made_without_one_of_its_columns_compares_the_shared_ones(monkeypatch):
    import ui.cache

    monkeypatch.setattr(ui.cache, "evaluate", quick_scores)
    ws = Workspace(table(), name="t.csv", source="upload:t.csv")
    rows = ws.train.sample(n=len(ws.train), replace=True, random_state=0).reset_index(drop=True)
    ws.add_run(Run("monte_carlo", {}, 0, rows.drop(columns="x"), 0.1, 0.1, name="without x"))  # x excluded then
    ws.add_run(Run("monte_carlo", {}, 1, rows, 0.1, 0.1, name="all"))
    at = AppTest.from_file(conftest.APP, default_timeout=120)
    at.session_state["workspace"] = ws
    at.run()
    at.switch_page("pages/compare.py").run()
    at.selectbox(key="compare_against").select("without x").run()
    assert not at.exception and not at.error
    assert any("has no column x" in i.value for i in at.info)
    assert "x" not in at.selectbox(key="compare_column").options


def test_a_run_made_without_a_column_is_scored_on_the_columns_it_holds():
    ws = Workspace(table(), name="t.csv", source="upload:t.csv")
    rows = ws.train.sample(n=len(ws.train), replace=True, random_state=0).reset_index(drop=True)
    ws.add_run(Run("monte_carlo", {}, 0, rows.drop(columns="x"), 0.1, 0.1, name="without x"))
    at = AppTest.from_file(conftest.APP, default_timeout=180)
    at.session_state["workspace"] = ws
    at.run()
    at.switch_page("pages/compare.py").run()
    assert not at.exception and not at.error
    assert any("without x has no column x" in i.value for i in at.info)
    assert {m.label for m in at.metric} >= {"Quality", "Detection AUC"}


def test_a_score_no_run_has_is_said_once_not_a_column_of_none(monkeypatch):
    import dataclasses
    import sys

    scores = quick_scores
    monkeypatch.setattr(sys.modules[__name__], "quick_scores",
                        lambda *a, **k: dataclasses.replace(scores(*a, **k), tstr_ratio=None))  # no target
    at = open_with_runs(table(), ["first", "second"], monkeypatch)
    at.button(key="compare_all").click().run()
    board = next(d.value for d in at.dataframe if "best for" in d.value.columns)
    assert "utility" not in board.columns and "closer than holdout" in board.columns
    assert any("Utility needs a target column and held-out rows: no run has that score here." in c.value
               for c in at.caption)
    profiled = next(d.value for d in at.dataframe if any(c.startswith("missing % (") for c in d.value.columns))
    assert profiled is not None and not at.exception and not at.error
