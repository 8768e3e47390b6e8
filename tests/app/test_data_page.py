"""AppTest smoke and behaviour tests for the router, the sidebar and the Data page."""

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core.samples import DEFAULT_SAMPLE, SAMPLES
from core.workspace import Workspace
from tests.app.conftest import APP


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
    assert app.header[0].value == key
    assert app.success[0].value.startswith("Loaded the sample")
    assert key in sidebar_text(app)


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
