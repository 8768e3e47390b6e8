"""AppTest smoke and behaviour tests for the router, the sidebar and the Data page."""

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core.samples import DEFAULT_SAMPLE, SAMPLES
from core.workspace import Run, Workspace
from tests.app import conftest
from tests.app.conftest import APP
from tests.app.test_errors import HOSTILE, a_bug, assert_shown_as_text, assert_tables_safe, unescaped


def sidebar_text(at):
    return " ".join(m.value for m in at.sidebar.markdown) + " " + " ".join(c.value for c in at.sidebar.caption)


def kind_box(at):
    return next(s for s in at.selectbox if s.label == "Kind")


def test_opens_on_the_default_sample(app):
    assert app.header[0].value == DEFAULT_SAMPLE
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Rows"] == "344" and metrics["Columns"] == "8"
    assert "penguins" in sidebar_text(app) and "344 rows × 8 columns" in sidebar_text(app)
    assert "Working table: **original**" in sidebar_text(app) and "Synthesis runs: **0**" in sidebar_text(app)
    assert len(app.dataframe) == 2  # preview and column profile
    assert not app.error


@pytest.mark.parametrize("key", [k for k in SAMPLES if k != DEFAULT_SAMPLE])
def test_switching_sample(app, key):
    app.selectbox(key="sample_choice").select(key).run()
    assert not app.exception and not app.error
    assert unescaped(app.header[0].value) == key
    assert app.success[0].value.startswith("Loaded the sample")
    assert key in unescaped(sidebar_text(app))


def test_changing_a_kind_changes_the_profile(app):
    app.selectbox(key="sample_choice").select("birthwt").run()
    app.selectbox(key="inspect_column").select("race").run()
    assert kind_box(app).value == "categorical"
    before = app.dataframe[1].value.set_index("column").loc["race"]
    kind_box(app).select("integer").run()
    assert not app.exception
    assert app.success[0].value == "'race' is now integer (was categorical)."
    after = app.dataframe[1].value.set_index("column").loc["race"]
    assert before["kind"] == "categorical" and after["kind"] == "integer"
    assert after["summary"].startswith("min 1") and "was categorical" in after["flags"]
    assert any("You set **integer**" in m.value for m in app.markdown)
    next(b for b in app.button if b.label == "Undo all kind changes").click().run()
    assert app.dataframe[1].value.set_index("column").loc["race", "kind"] == "categorical"


def test_an_impossible_kind_is_refused_and_nothing_changes(app):
    app.selectbox(key="inspect_column").select("species").run()
    kind_box(app).select("continuous").run()
    assert not app.exception
    assert "can't be continuous" in app.error[0].value
    assert kind_box(app).value == "categorical"
    assert app.dataframe[1].value.set_index("column").loc["species", "kind"] == "categorical"


def test_target_and_exclusions(app):
    target = next(s for s in app.selectbox if s.label == "Target column (optional)")
    assert target.value == SAMPLES[DEFAULT_SAMPLE].target
    target.select("island").run()
    assert "Target: **island**" in sidebar_text(app)
    app.multiselect[0].select("year").run()
    flags = app.dataframe[1].value.set_index("column")["flags"]
    assert "excluded" in flags["year"] and "target" in flags["island"]
    app.multiselect[0].select("island").run()  # the target can't be excluded
    assert "can't be excluded" in app.error[0].value
    assert "excluded" not in app.dataframe[1].value.set_index("column").loc["island", "flags"]


def test_reset_asks_first(app):
    app.selectbox(key="sample_choice").select("titanic").run()
    app.sidebar.button(key="reset").click().run()
    assert app.sidebar.warning and "titanic" in sidebar_text(app)
    app.sidebar.button(key="reset_no").click().run()
    assert "titanic" in sidebar_text(app)
    app.sidebar.button(key="reset").click().run()
    app.sidebar.button(key="reset_yes").click().run()
    assert not app.exception
    assert app.header[0].value == DEFAULT_SAMPLE


def test_degenerate_table_renders():
    rng = np.random.default_rng(0)
    n = 40
    frame = pd.DataFrame({"empty": [np.nan] * n, "const": [1] * n, "inf": np.r_[np.inf, rng.normal(size=n - 1)],
                          "when": [f"2024-01-{i % 28 + 1:02d}" for i in range(n)], "id": np.arange(n),
                          "note": [f"a free text note about row number {i}" for i in range(n)]})
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["workspace"] = Workspace(frame, name="odd.csv", source="upload:odd.csv")
    at.run()
    assert not at.exception and not at.error
    flags = at.dataframe[1].value.set_index("column")["flags"]
    assert "all missing" in flags["empty"] and "constant" in flags["const"] and "1 infinite" in flags["inf"]
    for column in frame.columns:
        at.selectbox(key="inspect_column").select(column).run()
        assert not at.exception and not at.error


# --------------------------------------------------------------------------- hardening (issue 11)


def with_run(at, imputed: bool = False):
    """The open app's workspace gets a run (and optionally an imputed table)."""
    ws = at.session_state["workspace"]
    ws.add_run(Run("monte_carlo", {}, 0, ws.train.head(20).reset_index(drop=True), 0.1, 0.1))
    if imputed:
        ws.set_imputed(ws.real.ffill().bfill(), "mean")
    return ws


def test_loading_another_sample_asks_before_forgetting_runs(app):
    before = with_run(app, imputed=True)
    app.selectbox(key="sample_choice").select("titanic").run()
    assert not app.exception
    assert app.header[0].value == DEFAULT_SAMPLE  # nothing replaced yet
    question = next(w.value for w in app.warning if "forgets" in w.value)
    assert "Titanic" in question and "1 run" in question and "the imputed table" in question
    app.button(key="load_no").click().run()
    assert app.session_state["workspace"] is before and len(before.runs) == 1
    assert app.selectbox(key="sample_choice").value == DEFAULT_SAMPLE
    assert not [w for w in app.warning if "forgets" in w.value]

    app.selectbox(key="sample_choice").select("titanic").run()
    app.button(key="load_yes").click().run()
    assert not app.exception and not app.error
    assert app.header[0].value == "titanic" and not app.session_state["workspace"].runs
    assert app.success[0].value.startswith("Loaded the sample")


def test_loading_without_runs_does_not_ask(app):
    app.selectbox(key="sample_choice").select("titanic").run()
    assert app.header[0].value == "titanic" and not app.warning


def hostile_workspace() -> Workspace:
    rng = np.random.default_rng(0)
    n = 30
    frame = pd.DataFrame({HOSTILE[0]: rng.normal(size=n), HOSTILE[1]: rng.choice(HOSTILE, n),
                          HOSTILE[2]: rng.integers(0, 100, n).astype(float), HOSTILE[3]: rng.choice(["a", "b"], n)})
    frame.iloc[:3, 0] = np.nan
    return Workspace(frame, name="![f](//host/f).csv", source="upload:x.csv", origin="Uploaded file ![f](//host/f).csv",
                     notices=["Column ![n](//host/n) was renamed."])


def test_column_names_values_and_file_names_are_shown_as_text():
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["workspace"] = hostile_workspace()
    at.run()
    assert not at.exception, at.exception
    assert_shown_as_text(at, [*HOSTILE, "![f](//host/f)", "![n](//host/n)"])
    for column in HOSTILE[1:]:
        at.selectbox(key="inspect_column").select(column).run()
        assert_shown_as_text(at, [column])
    next(s for s in at.selectbox if s.label == "Target column (optional)").select(HOSTILE[3]).run()
    at.multiselect[0].select(HOSTILE[0]).run()
    assert not at.exception and not at.error
    assert_shown_as_text(at, [HOSTILE[0], HOSTILE[3]])


def test_previews_are_spreadsheet_safe():
    frame = pd.DataFrame({"cmd": ["=1+1", "+2", "-3x", "@SUM(A1)", "ok"] * 4, "n": range(20)})
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["workspace"] = Workspace(frame, name="t.csv", source="upload:t.csv")
    at.run()
    assert not at.exception
    assert_tables_safe(at)


def test_a_wide_table_shows_a_bounded_number_of_columns():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(50, 2_000)), columns=[f"c{i}" for i in range(2_000)])
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["workspace"] = Workspace(frame, name="wide.csv", source="upload:wide.csv")
    at.run()
    assert not at.exception and not at.error
    preview, profile = at.dataframe[0].value, at.dataframe[1].value
    assert preview.shape[1] <= 100 and len(profile) <= 100
    assert any("of 2,000 columns" in c.value for c in at.caption)
    at.selectbox(key="profile_page").select(2).run()
    shown = at.dataframe[1].value["column"].tolist()
    assert shown[0] == f"c{len(profile)}" and len(shown) == len(profile)
    at.selectbox(key="inspect_column").select("c1999").run()
    assert not at.exception and not at.error


def test_a_failing_profile_leaves_the_rest_of_the_page(app, monkeypatch):
    import ui.cache


    monkeypatch.setattr(ui.cache, "profile", a_bug)
    app.selectbox(key="sample_choice").select("titanic").run()
    assert not app.exception
    assert any("Sorry" in e.value for e in app.error)
    assert app.header[0].value == "titanic" and app.dataframe  # the preview is still drawn


def test_the_session_file_is_prepared_then_offered():
    at = conftest.open_page("pages/data.py")
    assert not [b for b in at.get("download_button") if b.proto.label == "Download the session"]
    at.button(key="session_prepare").click().run()
    assert not at.exception and not at.error
    _, runs, data = at.session_state["session_file"]
    assert runs == 0 and data[:2] == b"PK"  # a zip
    assert [b for b in at.get("download_button") if b.proto.label == "Download the session"]
