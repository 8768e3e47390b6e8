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
    return compare_page(ws)


def compare_page(ws: Workspace) -> AppTest:
    """The Compare page on the workspace ``ws``."""
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


# --------------------------------------------------------------------------- a browser walk's findings


def open_with_target(monkeypatch, risks: dict | None = None, leaning: pd.Series | None = None) -> AppTest:
    """The Compare page on ``table()`` with 'flag' as the target, one run, the scores stood in for (with a real
    utility table, so that the utility panels show)."""
    import dataclasses

    import ui.cache
    from core.evaluate.utility import utility_table

    def scores(real, synthetic, schema, *, holdout=None, rng=0, model="gradient_boosting"):
        found = quick_scores(real, synthetic, schema)
        details = found.details if leaning is None else {**found.details, "detector leans on": leaning}
        return dataclasses.replace(found, utility=utility_table(real, synthetic, holdout, schema, model=model),
                                   risks=risks or {}, details=details)

    monkeypatch.setattr(ui.cache, "evaluate", scores)
    ws = Workspace(table(n=300), name="t.csv", source="upload:t.csv")
    ws.set_schema(ws.schema.with_target("flag"))
    rows = ws.train.sample(n=len(ws.train), replace=True, random_state=0).reset_index(drop=True)
    ws.add_run(Run("monte_carlo", {}, 0, rows, 0.1, 0.1, name="first"))
    return compare_page(ws)


def test_the_coefficients_have_readable_headers_and_the_caption_says_what_a_negative_overlap_means(monkeypatch):
    at = open_with_target(monkeypatch)
    fits = next(d.value for d in at.dataframe if "term" in d.value.columns)
    assert list(fits.columns) == ["term", "real estimate", "real std. error", "synthetic estimate",
                                  "synthetic std. error", "difference (real std. errors)", "95% interval overlap",
                                  "same sign and significance"]
    caption = next(c.value for c in at.caption if "compare.fit.synds" in c.value)
    assert "below 0 when they are disjoint" in caption and "(1: the same; 0: disjoint)" not in caption


def test_the_resampling_comparison_uses_the_chosen_model_and_readable_names(monkeypatch):
    import core.evaluate.utility

    used = {}
    real = core.evaluate.utility.resampling_comparison

    def spy(*args, **kwargs):
        used.update(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(core.evaluate.utility, "resampling_comparison", spy)
    at = open_with_target(monkeypatch)
    at.selectbox(key="compare_model").select("random_forest").run()
    at.button(key="compare_resampling").click().run()
    assert not at.exception and not at.error
    assert used.get("model") == "random_forest"  # the same model as the Utility panel's 'real' column
    found = next(d.value for d in at.dataframe if "strategy" in d.value.columns)
    assert list(found.columns) == ["strategy", "recall of the smallest class", "precision of the smallest class",
                                   "false positives", "balanced accuracy", "seconds"]
    numbers = found.drop(columns="strategy").dropna()
    assert (numbers.round(3) == numbers).all().all()  # three decimals
    utility = next(d.value for d in at.dataframe if "metric" in d.value.columns)
    assert "balanced accuracy" in utility["metric"].tolist() and "macro F1" in utility["metric"].tolist()
    caption = next(c.value for c in at.caption if "imbalanced-learn" in c.value)
    assert "Utility panel" in caption and "one-hot" in caption


def test_the_worst_inference_column_heads_the_table_and_the_readings_are_explained(monkeypatch):
    from core.evaluate.privacy import Risk, worst_first

    columns = {"x": Risk(0.04, 0.01, 0.07, 0.12, 0.09, 0.05, 500), "y": Risk(0.0685, 0.0, 0.15, 0.3, 0.25, 0.1, 500),
               "n": Risk(0.0505, 0.0, 0.12, 0.3, 0.26, 0.1, 500)}
    found = {f"inference:{c}": r for c, r in columns.items()}
    found["inference"] = columns[worst_first(columns)[0]]
    found["singling_out"] = found["linkability"] = Risk(0.0, 0.0, 0.01, 0.1, 0.1, 0.0, 500)
    at = open_with_target(monkeypatch, risks=found)
    texts = " ".join(m.value for m in at.markdown)
    assert "**Attribute inference**: :green[●] **within noise** · 7%" in texts
    assert any("The worst column, **y**, is shown" in c.value for c in at.caption)
    table = next(d.value for d in at.dataframe if "secret column" in d.value.columns)
    assert table["secret column"].tolist() == ["y", "n", "x"] and table["risk"].iloc[0] == table["risk"].max()
    assert any("**within noise**: 5% or more, but its 95% interval reaches down to 2% or less" in c.value
               for c in at.caption)


def test_what_the_detector_leans_on_is_sorted_most_important_on_top(monkeypatch):
    leaning = pd.Series([0.01, 0.2, 0.05, 0.0], index=["a_col", "b_col", "c_col", "d_col"])
    at = open_with_target(monkeypatch, leaning=leaning)
    chart = next(c for c in at.get("plotly_chart") if "compare_leaning" in c.proto.id)
    spec = json.loads(chart.proto.spec)
    bars = spec["data"][0]
    assert bars["y"][::-1] == ["b_col", "c_col", "a_col", "d_col"]  # plotly draws the last bar at the top
    assert spec["layout"]["xaxis"]["nticks"] <= 5


def test_the_leaderboard_names_no_best_run_on_a_tie_and_puts_the_scores_before_the_settings(monkeypatch):
    at = open_with_runs(table(), ["first", "second"], monkeypatch)  # the same stood-in scores: a tie on every score
    at.button(key="compare_all").click().run()
    board = next(d.value for d in at.dataframe if "best for" in d.value.columns)
    assert (board["best for"] == "").all()
    columns = list(board.columns)
    assert columns.index("detection AUC") < columns.index("settings") and columns[-1] == "settings"
    assert any("leads every other run by more than 0.01" in m.value for m in at.markdown)
    spec = json.loads(next(c for c in at.get("plotly_chart") if "compare_frontier" in c.proto.id).proto.spec)
    labelled = [t for t in spec["data"] if "text" in t.get("mode", "")]
    assert sorted(name for t in labelled for name in t["text"]) == ["first", "second"]  # every point named
    places = [p for t in labelled for p in t["textposition"]]
    assert len(set(places)) == 2  # the two runs score alike, so their names sit on either side of the one point


def annotation_boxes(fig) -> list[dict]:
    return [a for a in fig.to_dict()["layout"].get("annotations", [])]


def test_the_detection_strip_labels_sit_above_the_plot_on_rows_of_their_own_and_the_run_is_named():
    from core import plots

    fig = plots.reference_figure(0.991, (0.985, 0.997), 0.52)
    notes = {a["text"]: a for a in annotation_boxes(fig)}
    assert set(notes) == {"0.5: cannot tell apart", "real data scores this: 0.52", "this run: 0.99"}
    lines = [notes["0.5: cannot tell apart"], notes["real data scores this: 0.52"]]
    assert all(a["yref"] == "paper" and a["y"] >= 1 and a["yanchor"] == "bottom" for a in lines)  # above the plot
    assert len({a.get("yshift", 0) for a in lines}) == 2  # different heights
    assert all(abs(a.get("xshift", 0)) > 0 for a in lines)  # beside their lines, not on them
    run = notes["this run: 0.99"]  # under the marker, opening inwards from the right edge, lines behind its box
    assert run["yshift"] < 0 and run["xanchor"] == "right" and run["bgcolor"]


def test_the_privacy_histogram_label_is_above_the_bars():
    from core import plots

    rng = np.random.default_rng(0)
    fig = plots.dcr_figure(rng.random(200), rng.random(200))
    (note,) = annotation_boxes(fig)
    assert note["text"] == "5% of held-out rows are closer than this"
    assert note["yref"] == "paper" and note["y"] >= 1 and note["yanchor"] == "bottom" and note["xanchor"] == "left"
    assert fig.layout.legend.y > 1 and fig.layout.margin.t >= 60  # the legend above the label, both in the margin


def test_download_names_are_safe_file_names():
    from ui.text import file_stem

    assert file_stem("gan #1") == "gan-1" and file_stem("../../etc/passwd") == "etc-passwd"
    assert file_stem("a:b/c\\\\d") == "a-b-c-d" and file_stem("###") == "table" and len(file_stem("x" * 99)) == 40
    assert file_stem("Zürich 2024") == "Zürich-2024"  # (letters of any script are kept)


def test_compare_opens_on_the_run_picked_on_synthesize():
    at = conftest.open_page("pages/synthesize.py", "penguins")
    at.radio(key="synth_group").set_value("Statistical models (a whole synthetic table)").run()
    for method in ("monte_carlo", "gaussian_copula"):
        at.selectbox(key="synth_method").select(method).run()
        at.button(key="synth_run").click().run()
    at.selectbox(key="run_choice").select("monte_carlo #1").run()
    at.switch_page("pages/compare.py").run()
    assert at.selectbox(key="compare_run").value == "monte_carlo #1" and not at.exception
