"""AppTest for the Monte Carlo lesson: renders, every stepping control moves its picture, the reveals exist."""

import numpy as np
import pandas as pd

from tests.app import conftest

PAGE = "pages/learn_montecarlo.py"


def test_renders_and_every_control_moves_the_picture():
    at = conftest.open_page(PAGE)
    assert not at.error and at.title[0].value == "Random numbers and Monte Carlo"
    assert len([e for e in at.expander if e.label == "Reveal the answer"]) == 2
    steps = [lambda: at.button(key="montecarlo_more").click(),
             lambda: at.number_input(key="montecarlo_n").set_value(800),
             lambda: at.number_input(key="montecarlo_gamma_scale").set_value(2.5),
             lambda: at.selectbox(key="montecarlo_family").select("lognormal"),
             lambda: at.slider(key="montecarlo_lines").set_value(3),
             lambda: at.number_input(key="montecarlo_seed").set_value(4)]
    for step in steps:
        before = at.get("plotly_chart")[0].proto.spec
        step().run()
        assert not at.exception and not at.error
        assert at.get("plotly_chart")[0].proto.spec != before
    for step in [lambda: at.select_slider(key="montecarlo_lln_n").set_value(10_000),
                 lambda: at.slider(key="montecarlo_seeds").set_value(2),
                 lambda: at.radio(key="montecarlo_outcome").set_value("die")]:
        before = at.get("plotly_chart")[1].proto.spec
        step().run()
        assert not at.exception and not at.error
        assert at.get("plotly_chart")[1].proto.spec != before


def test_a_column_of_the_loaded_table_and_bad_values():
    at = conftest.open_page(PAGE)
    at.selectbox(key="montecarlo_family").select("column").run()
    assert not at.exception and not at.error and at.selectbox(key="montecarlo_column").value
    at.selectbox(key="montecarlo_family").select("normal").run()
    at.number_input(key="montecarlo_normal_sd").set_value(0.0).run()
    assert not at.exception and any("sd must be above" in e.value for e in at.error)


def test_a_table_without_numbers_falls_back_to_the_toy():
    frame = pd.DataFrame({"label": np.random.default_rng(0).choice(list("abc"), 50)})
    at = conftest.open_page(PAGE, frame=frame)
    at.selectbox(key="montecarlo_family").select("column").run()
    assert not at.exception and not at.error
    assert any("no number column" in i.value for i in at.info)
    assert len(at.get("plotly_chart")) == 2
