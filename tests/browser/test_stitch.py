"""The Stitch page in a real browser at 1280x720: open it from the navigation, load the demo pair, stitch, make the
result the working table and see it named in the sidebar."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("SYNTHLAB_SHOTS", "test-artifacts"))


def test_stitch_demo_pair_and_use_it(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    errors = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.goto(server)
    expect(tab.get_by_role("heading", name="Load data")).to_be_visible(timeout=60_000)  # a first visit is slow
    tab.get_by_test_id("stSidebarNav").get_by_text("Stitch tables", exact=True).click()
    expect(tab.get_by_role("heading", name="Stitch tables", exact=True)).to_be_visible(timeout=30_000)
    tab.locator(".st-key-stitch_demo button").first.click()
    expect(tab.get_by_text("loyalty: 700 rows", exact=False)).to_be_visible()
    tab.locator(".st-key-stitch_run button").first.click()
    expect(tab.get_by_role("heading", name="Match quality")).to_be_visible(timeout=30_000)
    expect(tab.locator(".js-plotly-plot").first).to_be_visible()
    tab.get_by_text("Uncertain pairs", exact=True).scroll_into_view_if_needed()
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SHOTS / "stitch.png"))
    tab.locator(".st-key-stitch_use button").first.click()
    expect(tab.get_by_text("is now the working table")).to_be_visible()
    expect(tab.get_by_test_id("stSidebar").get_by_text("customers + loyalty", exact=True)).to_be_visible()
    tab.get_by_test_id("stSidebarNav").get_by_text("Load data", exact=True).click()
    expect(tab.get_by_role("heading", name="customers + loyalty")).to_be_visible()
    assert tab.get_by_text("Traceback").count() == 0 and not errors
    context.close()
