"""AppTest for the fitting lesson: renders, editing a parameter redraws the density and QQ plot, the reveal exists."""

import numpy as np
import pandas as pd

from tests.app import conftest

PAGE = "pages/learn_fitting.py"


def specs(at):
    return [c.proto.spec for c in at.get("plotly_chart")]


def test_renders_and_every_control_moves_the_pictures():
    at = conftest.open_page(PAGE)
    assert not at.error and at.title[0].value == "Fitting a distribution"
    assert any(e.label == "Reveal the answer" for e in at.expander)
    table = at.dataframe[0].value
    assert table.iloc[0]["family"] == "gamma" and len(table) == 10
    scale = next(n for n in at.number_input if n.label == "scale")  # (the normal's ML and moments fits agree)
    steps = [lambda: scale.set_value(scale.value * 1.5),
             lambda: at.radio(key="fitting_method").set_value("method of moments"),
             lambda: at.selectbox(key="fitting_family").select("normal"),
             lambda: at.number_input(key="fitting_n").set_value(800),
             lambda: at.number_input(key="fitting_seed").set_value(3)]
    for step in steps:
        before = specs(at)
        step().run()
        assert not at.exception and not at.error
        after = specs(at)
        assert after[0] != before[0] and after[1] != before[1]


def test_an_edit_is_scored_and_bad_values_are_sentences():
    at = conftest.open_page(PAGE)
    ks = next(m for m in at.metric if m.label == "KS distance")
    assert ks.delta == "the same as the fit"  # (not "+0.0000 vs the fit" under a red arrow up)
    scale = next(n for n in at.number_input if n.label == "scale")
    scale.set_value(scale.value * 2).run()
    worse = next(m for m in at.metric if m.label == "KS distance")
    assert float(worse.value) > float(ks.value) and worse.delta.startswith("+") and worse.delta.endswith("vs the fit")
    next(n for n in at.number_input if n.label == "scale").set_value(0.0).run()
    assert not at.exception and any("must be above 0" in e.value for e in at.error)
    at.button(key="fitting_reset").click().run()
    assert not at.error


def test_a_column_of_the_loaded_table_and_a_table_without_numbers():
    at = conftest.open_page(PAGE)
    at.radio(key="fitting_source").set_value("column").run()
    assert not at.exception and not at.error and at.selectbox(key="fitting_column").value
    assert len(at.get("plotly_chart")) == 2
    frame = pd.DataFrame({"label": np.random.default_rng(0).choice(list("abc"), 50)})
    at = conftest.open_page(PAGE, frame=frame)
    at.radio(key="fitting_source").set_value("column").run()
    assert not at.exception and not at.error and any("no number column" in i.value for i in at.info)
