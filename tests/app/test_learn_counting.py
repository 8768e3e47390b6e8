"""AppTest for the counting lesson: renders on the default sample, the controls change the pictures, the reveal."""

import pandas as pd

from tests.app import conftest

PAGE = "pages/learn_counting.py"


def spec(at, index: int) -> str:
    return at.get("plotly_chart")[index].proto.spec


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def test_controls_change_the_pictures_and_the_reveal_exists():
    at = conftest.open_page(PAGE)
    assert at.title[0].value == "Counting is not modelling"
    assert at.radio(key="counting_source").value.startswith("The loaded table")
    assert not at.error
    contingency, curse = spec(at, 0), spec(at, 1)
    at.button(key="counting_add").click().run()
    assert spec(at, 1) != curse
    grown = spec(at, 1)
    at.button(key="counting_remove").click().run()
    assert spec(at, 1) == curse and spec(at, 1) != grown
    at.button(key="counting_remove").click().run()  # one column: every combination occurs, so nothing is new
    said = " ".join(m.value for m in at.markdown)
    assert "every possible one already occurs" in said and "makes new combinations (" not in said
    at.button(key="counting_add").click().run()
    at.radio(key="counting_method").set_value("joint").run()
    assert spec(at, 0) != contingency
    assert metric(at, "Copies of real rows") == "100%"
    assert any(e.label == "Reveal the answer" for e in at.expander)
    assert not at.exception and not at.error


def test_toy_table_loses_the_relationship_when_counted_independently():
    at = conftest.open_page(PAGE)
    at.radio(key="counting_source").set_value("Toy table").run()
    at.selectbox(key="counting_a").set_value("income").run()
    at.selectbox(key="counting_b").set_value("car").run()
    assert float(metric(at, "Cramér's V, real")) > 0.7 and float(metric(at, "Cramér's V, synthetic")) < 0.15
    for _ in range(12):
        if at.button(key="counting_add").disabled:
            break
        at.button(key="counting_add").click().run()
    assert metric(at, "Possible combinations") == "368,640"
    at.number_input(key="counting_seed").set_value(3).run()
    assert not at.exception and not at.error


def test_a_table_without_countable_columns_falls_back_to_the_toy():
    frame = pd.DataFrame({"id": [f"row{i}" for i in range(50)], "constant": [1.0] * 50})
    at = conftest.open_page(PAGE, frame=frame)
    assert any("uses the toy table" in i.value for i in at.info)
    assert at.radio(key="counting_source").value == "Toy table"
    assert not at.exception and not at.error
