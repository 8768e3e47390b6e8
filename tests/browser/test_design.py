"""Design from scratch in a real browser at 1280x720: open it from the navigation, start from a worked scenario,
change a parameter, generate, and find the designed table as the working table."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.test_main_flow import choose

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("SYNTHLAB_SHOTS", "test-artifacts"))


def test_design_a_worked_scenario_and_use_it(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    tab = context.new_page()
    tab.set_default_timeout(120_000)  # a loaded 2-core machine can take long to load a widget's code
    errors = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.goto(server)
    tab.get_by_test_id("stSidebarNav").get_by_text("Design from scratch", exact=True).click()
    expect(tab.get_by_role("heading", name="Design from scratch", exact=True)).to_be_visible(timeout=60_000)

    expect(tab.get_by_text("Preview: 500 rows")).to_be_visible(timeout=60_000)  # the first scenario is drawn
    name = tab.locator("[class*='st-key-d'][class*='_c0_name'] input")  # a name cleared, then typed back
    name.fill("")
    name.press("Enter")
    expect(tab.get_by_text("must be a text that is not empty")).to_be_visible(timeout=30_000)
    name = tab.locator("[class*='st-key-d'][class*='_c0_name'] input")
    name.fill("age")
    name.press("Enter")
    expect(tab.get_by_text("must be a text that is not empty")).to_have_count(0, timeout=30_000)
    assert tab.get_by_test_id("stException").count() == 0  # (the column picker read the changed label: TypeError)
    choose(tab, "Start from", "Online shop: customers and orders")
    tab.locator(".st-key-design_start_button button").click()
    expect(tab.get_by_role("heading", name="Online shop: customers and orders")).to_be_visible(timeout=30_000)
    expect(tab.get_by_text("Preview: 500 rows")).to_be_visible(timeout=30_000)

    mean = tab.locator("[class*='st-key-d'][class*='_c0_normal_mean'] input")
    mean.fill("45")
    mean.press("Enter")
    expect(tab.locator("[data-testid=stDataFrame]").first).to_contain_text("mean=45", timeout=30_000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SHOTS / "design-edit.png"))

    tab.get_by_role("button", name="Generate 2,000 rows and use them").click()  # (a hidden copy shares its key)
    expect(tab.get_by_text("is now the working table")).to_be_visible(timeout=60_000)
    sidebar = tab.get_by_test_id("stSidebar")
    expect(sidebar.get_by_text("Online shop: customers and orders")).to_be_visible()
    expect(sidebar).to_contain_text("2,000 rows")
    tab.get_by_test_id("stSidebarNav").get_by_text("Load data", exact=True).click()
    expect(tab.get_by_role("heading", name="Online shop: customers and orders")).to_be_visible()
    assert tab.get_by_text("Traceback").count() == 0 and not errors
    tab.screenshot(path=str(SHOTS / "design-used.png"))
    context.close()
