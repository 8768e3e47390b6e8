"""AppTest for the imputation lesson: it renders, the controls move the pictures, the reveal exists."""

import json

import numpy as np
import pandas as pd

from tests.app import conftest

PAGE = "pages/learn_imputation.py"


def spec(at, key):
    chart = next(c for c in at.get("plotly_chart") if c.proto.id.endswith(key) or key in c.proto.id)
    return json.loads(chart.proto.spec)["data"]


def test_the_lesson_renders_and_the_controls_move_the_pictures():
    at = conftest.open_page(PAGE)
    assert at.title[0].value == "Imputation, the orthogonal view"
    assert not at.error
    assert any(e.label == "Reveal the answer" for e in at.expander)
    assert any("is monotone" in m.value for m in at.markdown)
    scatter, matrix = spec(at, "imputation_scatter"), spec(at, "imputation_pattern_matrix")
    at.slider(key="imputation_rate").set_value(0.8).run()
    assert not at.exception and not at.error
    assert spec(at, "imputation_scatter") != scatter
    at.radio(key="imputation_pattern").set_value("general").run()
    assert spec(at, "imputation_pattern_matrix") != matrix
    assert any("is not monotone" in m.value for m in at.markdown)
    before = spec(at, "imputation_scatter")
    at.selectbox(key="imputation_vertical").select("random draw from the column").run()
    at.selectbox(key="imputation_horizontal").select("k nearest neighbours").run()
    assert spec(at, "imputation_scatter") != before
    at.number_input(key="imputation_seed").set_value(4).run()
    at.slider(key="imputation_rate").set_value(0.0).run()
    assert not at.exception and not at.error


def test_the_loaded_table_with_and_without_its_own_holes():
    at = conftest.open_page(PAGE, "airquality")
    at.radio(key="imputation_source").set_value("loaded table").run()
    assert not at.exception and not at.error
    assert any("no truth" in c.value for c in at.caption)
    assert at.radio(key="imputation_pattern").disabled and at.slider(key="imputation_rate").disabled  # (did nothing)
    assert any("Distribution of" in json.dumps(json.loads(c.proto.spec)["layout"]) for c in at.get("plotly_chart"))
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=80), "b": rng.normal(size=80), "label": list("xy") * 40})
    at = conftest.open_page(PAGE, frame=frame)
    at.radio(key="imputation_source").set_value("loaded table").run()
    assert not at.exception and not at.error
    assert any("are punched" in c.value for c in at.caption)
    assert not at.radio(key="imputation_pattern").disabled and not at.slider(key="imputation_rate").disabled
    at = conftest.open_page(PAGE, frame=pd.DataFrame({"only": range(30)}))
    at.radio(key="imputation_source").set_value("loaded table").run()
    assert any("fewer than two numeric columns" in i.value for i in at.info)
