"""AppTest for the agent-based simulation page: it renders with the rules of each model, a small run shows its chart
and table and becomes the working table (asking first when that would forget an imputed table), and an absurd size
is refused with a sentence before the click."""

from tests.app import conftest

PAGE = "pages/agents.py"


def test_a_small_run_becomes_the_working_table():
    at = conftest.open_page(PAGE)
    assert not at.error and at.title[0].value == "Agent-based simulation"
    assert "Not come yet" in at.dataframe[0].value["When"].tolist()  # the rules of the shop
    at.number_input(key="agents_shop::visitors").set_value(40).run()
    at.number_input(key="agents_shop::steps").set_value(30).run()
    at.selectbox(key="agents_shop::table").select("visitors").run()
    at.button(key="agents_run").click().run()
    assert not at.exception and not at.error
    assert len(at.get("plotly_chart")) == 1 and len(at.dataframe[1].value) == 40
    at.button(key="agents_use").click().run()
    ws = at.session_state["workspace"]
    assert not at.exception and len(ws.raw) == 40 and ws.schema.target == "outcome"
    assert any("is now the working table" in s.value for s in at.success)


def test_the_market_asks_before_it_replaces_an_imputed_table():
    at = conftest.open_page(PAGE)
    at.selectbox(key="agents_model").select("market").run()
    assert "never adopts" in at.dataframe[0].value["What happens"].tolist()
    at.number_input(key="agents_market::customers").set_value(50).run()
    at.number_input(key="agents_market::steps").set_value(10).run()
    at.button(key="agents_run").click().run()
    before = at.session_state["workspace"]
    before.imputed = before.real.copy()  # something the replacement would forget
    at.button(key="agents_use").click().run()
    assert at.session_state["workspace"] is before and any("forgets the imputed table" in w.value for w in at.warning)
    at.button(key="agents_use_yes").click().run()
    assert not at.exception and at.session_state["workspace"].name.startswith("market-customers")


def test_an_absurd_size_is_refused_before_the_click():
    at = conftest.open_page(PAGE)
    at.number_input(key="agents_shop::visitors").set_value(50_000).run()
    at.number_input(key="agents_shop::steps").set_value(5_000).run()
    assert not at.exception and any("more than this server allows" in e.value for e in at.error)
    assert at.button(key="agents_run").disabled
    at.number_input(key="agents_shop::steps").set_value(-3).run()
    assert any("outside its range" in e.value for e in at.error)


def test_a_run_with_no_events_says_so_and_offers_no_empty_table():
    at = conftest.open_page(PAGE)
    at.number_input(key="agents_shop::visitors").set_value(1).run()
    at.number_input(key="agents_shop::steps").set_value(1).run()
    at.slider(key="agents_shop::arrival").set_value(0.0).run()
    at.button(key="agents_run").click().run()
    assert not at.exception and not at.error
    assert any("No event happened" in i.value for i in at.info)
    assert at.button(key="agents_use").disabled
