"""AppTest for the copula lesson: renders on the default sample, each step changes the picture, the reveal exists."""

from tests.app import conftest

PAGE = "pages/learn_copula.py"


def spec(at) -> str:
    return at.get("plotly_chart")[-1].proto.spec


def test_steps_change_the_picture_and_the_reveal_exists():
    at = conftest.open_page(PAGE)
    assert at.title[0].value == "Correlation, Cholesky and the copula"
    assert not at.error
    assert at.radio(key="copula_source").value.startswith("The loaded table")
    first = spec(at)
    at.button(key="copula_next").click().run()
    second = spec(at)
    assert second != first
    at.button(key="copula_next").click().run()
    at.button(key="copula_next").click().run()
    assert spec(at) not in (first, second)
    assert at.button(key="copula_next").disabled
    at.button(key="copula_previous").click().run()
    at.button(key="copula_previous").click().run()
    assert spec(at) == second
    at.slider(key="copula_rho").set_value(-0.5).run()
    assert spec(at) != second
    assert any(e.label == "Reveal the answer" for e in at.expander)
    assert not at.exception and not at.error


def test_three_toy_columns_and_an_impossible_target_are_explained():
    at = conftest.open_page(PAGE)
    at.radio(key="copula_k").set_value(3).run()
    at.radio(key="copula_source").set_value("Toy marginals").run()
    assert not at.warning
    at.button(key="copula_impossible").click().run()
    assert any("positive definite" in w.value and "nearest valid" in w.value for w in at.warning)
    pair = at.selectbox(key="copula_pair")
    pair.set_value(pair.options[2]).run()  # the second and third columns
    at.radio(key="copula_k").set_value(2).run()
    at.slider(key="copula_rho").set_value(1.0).run()
    assert any("positive definite" in w.value for w in at.warning)
    assert not at.exception and not at.error


def test_a_table_without_number_columns_falls_back_to_the_toy():
    import pandas as pd

    frame = pd.DataFrame({"colour": list("abcab") * 20, "size": list("SMLSM") * 20})
    at = conftest.open_page(PAGE, frame=frame)
    assert any("toy marginals" in i.value for i in at.info)
    assert at.radio(key="copula_source").value == "Toy marginals"
    assert not at.exception and not at.error


def test_the_same_toy_marginal_twice_makes_two_columns_told_apart():
    at = conftest.open_page(PAGE)
    at.radio(key="copula_source").set_value("Toy marginals").run()
    at.radio(key="copula_k").set_value(3).run()
    first = at.selectbox(key="copula_toy_0").value
    at.selectbox(key="copula_toy_1").set_value(first).run()
    at.button(key="copula_impossible").click().run()
    assert not at.exception and not at.error
    shown = [m.value.replace("\\", "") for m in at.markdown]  # (names are escaped for Markdown)
    assert any(f"{first} #1" in m and f"{first} #2" in m for m in shown)
    assert at.selectbox(key="copula_pair").value == f"{first} #1 · {first} #2"  # the pair drawn, named anew
