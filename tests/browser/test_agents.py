"""The agent-based simulation in a real browser at a projector's 1280x720: opened from the navigation, a run draws its
chart and table, and 'Use as working table' makes the simulated table the session's dataset."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("SYNTHLAB_SHOTS", "test-artifacts"))


def test_run_a_simulation_and_use_it_as_the_working_table(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    errors = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.goto(server)
    tab.get_by_test_id("stSidebarNav").get_by_text("Agent-based simulation", exact=True).click()
    expect(tab.get_by_role("heading", name="Agent-based simulation", exact=True)).to_be_visible(timeout=60_000)
    expect(tab.get_by_role("heading", name="The rules")).to_be_visible()
    tab.locator(".st-key-agents_run button:visible").first.click()
    expect(tab.get_by_role("heading", name="The simulated table")).to_be_visible(timeout=60_000)
    expect(tab.locator(".js-plotly-plot").first).to_be_visible()
    tab.locator(".st-key-agents_use button:visible").first.click()
    expect(tab.get_by_text("is now the working table")).to_be_visible(timeout=30_000)
    expect(tab.get_by_test_id("stSidebar").get_by_text("shop-events-seed0")).to_be_visible()
    assert tab.get_by_text("Traceback").count() == 0 and not errors
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SHOTS / "agents.png"))
    context.close()
