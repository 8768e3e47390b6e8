"""AppTest for the SMOTE lesson: it renders, every stepping control moves the picture, the answer is hidden."""

from itertools import pairwise

import numpy as np
import pandas as pd
from streamlit.testing.v1 import AppTest

from core.workspace import Workspace
from tests.app import conftest

PAGE = "pages/learn_smote.py"


def spec(at, i: int = 0) -> str:
    return at.get("plotly_chart")[i].proto.spec


def test_renders_on_the_default_sample_and_every_step_moves_the_picture():
    at = conftest.open_page(PAGE)
    assert at.title[0].value == "SMOTE, step by step"
    assert not at.error and len(at.get("plotly_chart")) == 2
    assert any(e.label == "Reveal the answer" for e in at.expander)
    seen = [spec(at)]
    for _ in range(6):  # pick, neighbours, pick one, gap, place, repeat
        at.button(key="smote_next").click().run()
        assert not at.exception
        seen.append(spec(at))
    assert all(a != b for a, b in pairwise(seen))
    assert next(m.value for m in at.metric if m.label == "New points") == "1 of 20"
    at.button(key="smote_all").click().run()
    assert spec(at) != seen[-1] and next(m.value for m in at.metric if m.label == "New points") == "20 of 20"
    random_gap = spec(at)
    at.toggle(key="smote_fixed").set_value(True).run()
    assert spec(at) != random_gap and any("can fill at most" in c.value for c in at.caption)
    family = spec(at, 1)
    at.slider(key="smote_k").set_value(2).run()
    assert spec(at, 1) != family
    at.button(key="smote_reset").click().run()
    assert next(m.value for m in at.metric if m.label == "New points") == "0 of 20"
    assert not at.exception and not at.error


def test_the_loaded_table_and_its_columns():
    at = conftest.open_page(PAGE)
    at.radio(key="smote_source").set_value("Loaded table").run()
    assert not at.exception and not at.error
    assert any("Chinstrap" in c.value for c in at.caption)
    before = spec(at)
    at.selectbox(key="smote_y").select("body_mass_g").run()
    assert not at.exception and spec(at) != before
    at.button(key="smote_all").click().run()
    assert not at.exception and not at.error


def test_a_table_without_a_label_target_falls_back_to_the_toy_with_a_sentence():
    rng = np.random.default_rng(0)
    at = conftest.open_page(PAGE, frame=pd.DataFrame({"a": rng.normal(size=30), "b": rng.normal(size=30)}))
    at.radio(key="smote_source").set_value("Loaded table").run()
    assert not at.exception and not at.error
    assert any("no label target" in i.value for i in at.info)
    assert len(at.get("plotly_chart")) == 2


def test_a_tiny_minority_clamps_k_with_a_sentence():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"a": rng.normal(size=40), "b": rng.normal(size=40), "t": ["r"] * 3 + ["c"] * 37})
    ws = Workspace(frame, name="tiny.csv", source="upload:tiny.csv")
    ws.set_schema(ws.schema.with_target("t"))
    at = AppTest.from_file(conftest.APP, default_timeout=60)
    at.session_state["workspace"] = ws
    at.run()
    at.switch_page(PAGE).run()
    at.radio(key="smote_source").set_value("Loaded table").run()
    assert not at.exception and not at.error
    assert any("at most 2 minority neighbours" in w.value for w in at.warning)
