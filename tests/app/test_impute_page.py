"""AppTest for the Imputation page: fill, inspect, use, restore, compare, pool; and the edge cases."""

import numpy as np
import pandas as pd
from streamlit.testing.v1 import AppTest

from tests.app import conftest
from tests.app.test_errors import HOSTILE, a_bug, assert_shown_as_text, assert_tables_safe, hostile_frame


def open_page(sample: str | None = None, frame: pd.DataFrame | None = None) -> AppTest:
    return conftest.open_page("pages/impute.py", sample, frame)


def button(at, label):
    return next(b for b in at.button if b.label == label)


def test_fill_use_and_restore_on_airquality():
    at = open_page("airquality")
    plan = at.dataframe[0].value
    assert plan["column"].tolist() == ["Ozone", "Solar.R"] and set(plan["method"]) == {"Predictive mean matching"}
    at.button(key="impute_run").click().run()
    assert not at.exception and not at.error
    assert at.subheader[0].value == "Before and after: Predictive mean matching"
    assert len(at.get("plotly_chart")) >= 3
    button(at, "Use this table").click().run()
    assert "Working table: **imputed (Predictive mean matching)**" in at.sidebar.caption[1].value
    assert any("working table is now" in s.value for s in at.success)
    button(at, "Restore the original").click().run()
    assert "Working table: **original**" in at.sidebar.caption[1].value


def test_one_method_per_column_and_stand_ins_on_msleep():
    at = open_page("msleep")
    at.selectbox(key="impute_method").select("mean").run()
    notes = at.dataframe[0].value.set_index("column")["note"]
    assert "does not fill categorical" in notes["vore"]
    at.radio(key="impute_mode").set_value("One method per column").run()
    at.selectbox(key="impute_col::sleep_rem").select("group_mean").run()
    at.button(key="impute_run").click().run()
    assert not at.exception and not at.error


def test_compare_and_multiple_imputation():
    at = open_page("airquality")
    at.multiselect(key="compare_methods").set_value(["mean", "knn", "pmm"]).run()
    at.button(key="compare_run").click().run()
    assert not at.exception and not at.error
    assert any(s.value.startswith("Best on this table with MCAR holes") for s in at.success)
    at.selectbox(key="compare_mechanism").select("MAR").run()
    at.button(key="compare_run").click().run()
    assert not at.error
    at.button(key="mi_run").click().run()
    assert not at.exception and not at.error
    pooled = next(d.value for d in at.dataframe if "FMI" in d.value.columns)
    assert len(pooled) == 4 and (pooled["between"] > 0).all()
    at.radio(key="mi_model").set_value("logistic").run()
    at.button(key="mi_run").click().run()
    assert any("two-valued outcome" in e.value for e in at.error)  # a sentence, not a traceback


def test_defaults_come_from_the_classes():
    from core.impute import IMPUTERS
    from core.impute.rubin import random_methods

    at = open_page("airquality")
    suggested = next(k for k, cls in IMPUTERS.items() if cls.suggested)
    assert at.selectbox(key="impute_method").value == suggested
    assert at.multiselect(key="compare_methods").value == [k for k, cls in IMPUTERS.items() if cls.compared]
    assert at.selectbox(key="mi_method").options == [IMPUTERS[k].title for k in random_methods()]
    assert at.selectbox(key="mi_method").value == suggested
    at.radio(key="impute_mode").set_value("One method per column").run()
    assert {at.selectbox(key=f"impute_col::{c}").value for c in ("Ozone", "Solar.R")} == {suggested}


def test_a_table_without_holes_says_so():
    at = open_page("titanic")
    assert any("nothing to impute" in s.value for s in at.success)


def test_the_holes_counted_include_infinite_values_and_say_how_many():
    frame = pd.DataFrame({"x": [1.0, np.nan, np.inf, 4.0, -np.inf, 6.0] * 5, "y": [1.0, 2.0, np.nan] * 10})
    at = open_page(frame=frame)
    caption = next(c.value for c in at.caption if "with holes" in c.value)
    assert "x (15, 10 of them ±inf)" in caption and "y (10)" in caption, caption


def test_degenerate_table():
    rng = np.random.default_rng(0)
    n = 40
    frame = pd.DataFrame({"x": np.where(rng.random(n) < 0.3, np.nan, rng.normal(size=n)), "empty": np.nan,
                          "label": np.where(rng.random(n) < 0.2, None, rng.choice(list("ab"), n))})
    at = open_page(frame=frame)
    at.button(key="impute_run").click().run()
    assert not at.exception and not at.error


# --------------------------------------------------------------------------- hardening (issue 11)



def test_column_names_are_shown_as_text():
    at = open_page(frame=hostile_frame())
    at.radio(key="impute_mode").set_value("One method per column").run()
    assert not at.exception
    assert_shown_as_text(at, [HOSTILE[1], HOSTILE[3]])
    at.button(key="impute_run").click().run()
    assert not at.exception and not at.error
    assert_shown_as_text(at, [HOSTILE[1], HOSTILE[3]])
    assert_tables_safe(at)


def test_a_failing_view_leaves_the_rest_of_the_page(monkeypatch):
    import core.plots


    monkeypatch.setattr(core.plots, "imputed_scatter", a_bug)
    monkeypatch.setattr(core.plots, "imputed_distribution", a_bug)
    at = open_page(frame=hostile_frame())
    at.button(key="impute_run").click().run()
    assert not at.exception, at.exception
    assert len([e for e in at.error if e.value.startswith("Sorry")]) == 2
    assert button(at, "Use this table") and len(at.tabs) == 3


def test_rules_at_imputation_time_keep_imputed_values_possible_on_msleep():
    at = open_page("msleep")
    at.text_area(key="impute_rules").input("sleep_rem <= sleep_total").run()
    at.button(key="impute_run").click().run()
    assert not at.exception and not at.error
    table = at.session_state["imputed_preview"]["table"]
    assert (table["sleep_rem"] <= table["sleep_total"]).all()  # not one impossible row
    assert any("Every imputed row keeps the rules" in s.value for s in at.success)
    at.text_area(key="impute_rules").input("sleep_rem <= ").run()
    at.button(key="impute_run").click().run()
    assert any("not a valid expression" in e.value for e in at.error) and not at.exception


def test_nothing_chosen_to_compare_or_pool_says_so_and_greys_the_button():
    at = open_page("airquality")
    at.multiselect(key="compare_methods").set_value(["group_mean"]).run()  # needs a column first: left out
    assert at.button(key="compare_run").disabled
    assert any("Choose at least one method" in i.value for i in at.info)
    at.multiselect(key="mi_predictors").set_value([]).run()
    assert at.button(key="mi_run").disabled
    assert any("Choose at least one predictor" in i.value for i in at.info)
    assert not at.exception and not at.error


def test_a_new_label_is_said_before_imputing_and_a_changed_setting_beside_an_old_result():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=80), "grade": rng.choice(["A", "B"], 80).astype(object),
                          "member": rng.choice([True, False], 80).astype(object)})
    frame.loc[::7, "grade"] = None
    frame.loc[::9, "member"] = None
    at = open_page(frame=frame)
    at.selectbox(key="impute_method").select("unknown").run()
    notes = at.dataframe[0].value.set_index("column")["note"]
    assert notes["grade"] == "adds the label 'Unknown', which the column does not have"
    assert notes["member"] == "writes 'Unknown' into a true/false column, which makes it labels"
    at.button(key="impute_run").click().run()
    assert at.subheader[0].value == "Before and after: 'Unknown' category"
    assert not [i for i in at.info if "have changed since" in i.value]
    at.selectbox(key="impute_method").select("constant").run()
    notes = at.dataframe[0].value.set_index("column")["note"]
    assert notes["grade"] == "adds the label '0', which the column does not have" and notes["member"] == ""
    assert any("have changed since the result below was made ('Unknown' category)" in i.value.replace("\\", "")
               for i in at.info)
    assert at.subheader[0].value == "Before and after: 'Unknown' category"


def test_a_setting_out_of_range_is_said_once_by_its_label_and_impute_waits():
    """0 neighbours left Impute live; the click then said the refusal twice, once under 'n_neighbors'."""
    at = open_page("airquality")
    at.selectbox(key="impute_method").select("knn").run()
    at.number_input(key="impute::knn::n_neighbors").set_value(0).run()
    said = [e.value for e in at.error if "outside its range" in e.value]
    assert len(said) == 1 and "'N neighbors' = 0" in said[0] and at.button(key="impute_run").disabled
    at.number_input(key="impute::knn::n_neighbors").set_value(5).run()
    assert not at.button(key="impute_run").disabled
    at.radio(key="impute_mode").set_value("One method per column").run()
    at.selectbox(key="impute_col::Ozone").select("knn").run()
    at.number_input(key="impute_col::Ozone::knn::n_neighbors").set_value(-5).run()
    assert at.button(key="impute_run").disabled  # and said beside the button (a closed popover hides its own)
    assert any(e.value.startswith("Ozone") and "'N neighbors' = -5" in e.value for e in at.error)
    assert not at.exception
