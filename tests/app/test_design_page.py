"""AppTest for Design from scratch: a worked scenario previews, a parameter edit reaches the preview, bad values are
sentences, an impossible correlation is repaired with a notice, and Generate makes the working table (asking first
when runs would be forgotten)."""

import copy

from core.workspace import Run
from tests.app import conftest

PAGE = "pages/design.py"


def key(at, name: str) -> str:
    return f"d{at.session_state['design_version']}_{name}"


def start(at, scenario: str):
    at.selectbox(key="design_start").select(scenario).run()
    at.button(key="design_start_button").click().run()
    assert not at.exception and not at.error
    return at


def test_a_worked_scenario_previews_and_an_edit_reaches_the_preview():
    at = start(conftest.open_page(PAGE), "online_shop")
    assert at.title[0].value == "Design from scratch"
    assert at.session_state["design_draft"]["name"].startswith("Online shop")
    charts = len(at.get("plotly_chart"))
    assert charts >= 10  # the column being edited, one per column, and the correlations
    before = at.get("plotly_chart")[1].proto.spec
    at.number_input(key=key(at, "c0_normal_mean")).set_value(60.0).run()
    assert at.session_state["design_draft"]["columns"][0]["distribution"]["params"]["mean"] == 60.0
    assert at.get("plotly_chart")[1].proto.spec != before
    at.number_input(key=key(at, "c0_normal_sd")).set_value(-1.0).run()
    assert any("'sd' = -1" in e.value and "outside" in e.value for e in at.error)
    assert not at.exception


def test_an_impossible_correlation_is_repaired_with_a_notice():
    at = conftest.open_page(PAGE)
    draft = copy.deepcopy(at.session_state["design_draft"])
    draft["correlation"] = {"method": "copula", "columns": ["age", "bmi", "systolic"],
                            "matrix": [[1, 0.9, 0.9], [0.9, 1, -0.9], [0.9, -0.9, 1]]}
    at.session_state["design_draft"] = draft
    at.session_state["design_version"] += 1
    at.run()
    assert any("nearest valid one is used instead" in i.value for i in at.info)
    assert not at.exception and not at.error


def test_generate_makes_the_working_table_and_asks_before_forgetting_runs():
    at = start(conftest.open_page(PAGE), "clinic")
    at.number_input(key=key(at, "rows")).set_value(300).run()
    ws = at.session_state["workspace"]
    ws.add_run(Run("monte_carlo", {}, 0, ws.train.head(20).reset_index(drop=True), 0.1, 0.1))
    at.button(key="design_generate").click().run()
    assert any("forgets" in w.value and "1 run" in w.value for w in at.warning)
    at.button(key="design_no").click().run()
    assert at.session_state["workspace"] is ws
    at.button(key="design_generate").click().run()
    at.button(key="design_yes").click().run()
    new = at.session_state["workspace"]
    assert new is not ws and new.name.startswith("Clinic") and len(new.raw) == 300
    assert new.schema.kinds["diagnosis"] == "categorical" and new.schema.kinds["age"] == "integer"
    assert (new.raw["systolic"] > new.raw["diastolic"]).all()
    assert any("is now the working table" in s.value for s in at.success)
    assert not at.exception and not at.error


def test_an_empty_start_grows_column_by_column_through_every_kind():
    at = start(conftest.open_page(PAGE), "empty")
    assert [c["name"] for c in at.session_state["design_draft"]["columns"]] == ["x"]
    at.button(key="design_add").click().run()
    assert at.session_state["design_column"] == 1
    for kind in ("categorical", "binary", "datetime", "integer"):
        at.selectbox(key=key(at, "c1_kind")).select(kind).run()
        assert at.session_state["design_draft"]["columns"][1]["kind"] == kind
        assert not at.exception and not at.error, kind
    at.text_input(key=key(at, "c1_name")).input("visits").run()
    assert at.session_state["design_draft"]["columns"][1]["name"] == "visits"
    at.text_area(key=key(at, "derived")).input("noisy = x + normal(0, 1)").run()
    at.text_area(key=key(at, "rules")).input("visits > ").run()
    assert any("not a valid expression" in e.value for e in at.error)
    at.button(key="design_remove").click().run()
    assert not at.exception


def test_a_derived_column_with_no_finite_value_is_flagged_in_the_preview_and_on_the_table():
    at = start(conftest.open_page(PAGE), "empty")
    at.text_area(key=key(at, "derived")).input("ratio = x / 0\nfine = x * 2").run()
    assert not at.exception and not at.error
    flagged = [w.value for w in at.warning if "no finite value" in w.value]
    assert len(flagged) == 1 and "ratio" in flagged[0]
    at.button(key="design_generate").click().run()
    ws = at.session_state["workspace"]
    assert [n for n in ws.notices if "no finite value" in n] == [flagged[0].replace("\\", "")]


def test_a_column_name_cleared_and_typed_again_keeps_its_correlation():
    at = start(conftest.open_page(PAGE), "clinic")
    tied = at.session_state["design_draft"]["correlation"]
    at.text_input(key=key(at, "c0_name")).set_value("").run()
    assert any("must be a text that is not empty" in e.value for e in at.error)
    at.text_input(key=key(at, "c0_name")).set_value("age").run()
    assert not at.exception and not at.error
    assert at.session_state["design_draft"]["correlation"] == tied  # (it lost the column while it had no name)
