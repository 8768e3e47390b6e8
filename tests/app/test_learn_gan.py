"""AppTest for the GAN lesson: it renders, each training button moves its picture, the reveals exist."""

import json

from tests.app import conftest


def spec(at, index):
    return json.loads(at.get("plotly_chart")[index].proto.spec)["data"]


def test_the_lesson_renders_and_each_button_moves_its_picture():
    at = conftest.open_page("pages/learn_gan.py")
    assert at.title[0].value == "A GAN on a 2-D toy"
    assert not at.error
    assert any("modes" in m.value for m in at.markdown)
    assert len([e for e in at.expander if e.label == "Reveal the answer"]) == 2
    at.segmented_control(key="gan_steps").set_value(50).run()
    at.segmented_control(key="gan_vae_steps").set_value(50).run()
    gan_before, vae_before = spec(at, 0), spec(at, 1)
    at.button(key="gan_train").click().run()
    assert not at.exception and not at.error
    assert spec(at, 0) != gan_before
    assert at.metric[0].value == "50"
    vae_index = len(at.get("plotly_chart")) - 1
    vae_before = spec(at, vae_index)
    at.button(key="gan_vae_train").click().run()
    assert not at.exception and not at.error
    assert spec(at, len(at.get("plotly_chart")) - 2) != vae_before
    at.select_slider(key="gan_beta").set_value(5.0).run()
    assert not at.exception
    at.button(key="gan_reset").click().run()
    assert at.metric[0].value == "0"


def test_the_loaded_table_and_the_settings():
    at = conftest.open_page("pages/learn_gan.py")
    at.radio(key="gan_source").set_value("loaded table").run()
    assert not at.exception and not at.error
    assert at.selectbox(key="gan_x").value is not None
    at.button(key="gan_train").click().run()
    assert not at.exception and not at.error
    at.radio(key="gan_source").set_value("toy").run()
    at.selectbox(key="gan_toy").select("rings").run()
    at.selectbox(key="gan_setting").select(list(__import__("core.lessons.gan", fromlist=["x"]).SETTINGS)[2]).run()
    at.number_input(key="gan_seed").set_value(3).run()
    assert not at.exception and not at.error


def test_a_table_without_two_numeric_columns_falls_back_to_the_toy():
    import pandas as pd

    at = conftest.open_page("pages/learn_gan.py", frame=pd.DataFrame({"a": list("xyz") * 10, "b": range(30)}))
    at.radio(key="gan_source").set_value("loaded table").run()
    assert not at.exception and not at.error
    assert any("fewer than two numeric columns" in i.value for i in at.info)
