"""Above the session's cap, in a real browser at 1280x720: the Synthesize page offers the command line with this
run's recipe instead of a dead end; the recipe downloads and asks for the rows on screen."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from core.recipe import load_recipe

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("SYNTHLAB_SHOTS", "test-artifacts"))


def test_too_many_rows_for_a_session_offers_the_command_and_the_recipe(browser, server, tmp_path):
    context = browser.new_context(viewport={"width": 1280, "height": 720}, accept_downloads=True)
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    errors = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.goto(server)
    expect(tab.get_by_role("heading", name="Load data")).to_be_visible(timeout=60_000)
    tab.get_by_test_id("stSidebarNav").get_by_text("Synthesize").click()
    expect(tab.get_by_role("heading", name="Synthesize")).to_be_visible(timeout=60_000)
    rows = tab.get_by_role("spinbutton", name="Rows to generate")
    rows.fill("5000000")
    rows.press("Enter")
    offer = tab.locator(".st-key-scale_offer")
    expect(offer).to_contain_text("5,000,000 rows is more than one session makes here", timeout=30_000)
    expect(offer.get_by_test_id("stCode")).to_contain_text("--recipe penguins.recipe.json --rows 5000000 --out "
                                                  "penguins-synthetic")
    expect(tab.locator(".st-key-synth_run button:visible").first).to_be_disabled()
    with tab.expect_download() as done:
        tab.locator(".st-key-scale_recipe button:visible").first.click()
    done.value.save_as(tmp_path / "r.json")
    recipe = load_recipe((tmp_path / "r.json").read_bytes())
    assert recipe.rows == 5_000_000 and recipe.data["name"] == "penguins"
    offer.scroll_into_view_if_needed()
    assert tab.get_by_text("Traceback").count() == 0 and not errors
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SHOTS / "synthesize-scale-offer.png"))
    context.close()
