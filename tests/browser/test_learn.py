"""The Learn section in a real browser at a projector's 1280x720: every lesson opens from the navigation without an
error, its first stepping control changes the picture, and a screenshot of each is kept."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("SYNTHLAB_SHOTS", "test-artifacts"))
LESSONS = [  # (navigation label, title, the widget key of a button that steps the lesson)
    ("SMOTE, step by step", "SMOTE, step by step", "smote_next"),
    ("Random numbers and Monte Carlo", "Random numbers and Monte Carlo", None),
    ("Fitting a distribution", "Fitting a distribution", None),
    ("Correlation, Cholesky and the copula", "Correlation, Cholesky and the copula", "copula_next"),
    ("Counting is not modelling", "Counting is not modelling", None),
    ("A GAN on a 2-D toy", "A GAN on a 2-D toy", "gan_train"),
    ("Imputation, the orthogonal view", "Imputation, the orthogonal view", None),
]


@pytest.mark.parametrize(("label", "title", "step"), LESSONS)
def test_each_lesson_opens_at_projector_size_and_steps(browser, server, label, title, step):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    errors = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.goto(server)
    tab.get_by_test_id("stSidebarNav").get_by_text(label, exact=True).click()
    expect(tab.get_by_role("heading", name=title, exact=True)).to_be_visible()
    expect(tab.locator(".js-plotly-plot").first).to_be_visible()
    expect(tab.get_by_text("Reveal the answer").first).to_be_visible()
    if step is not None:
        def picture() -> str:  # the charts and the numbers beside them
            return tab.evaluate("() => Array.from(document.querySelectorAll('.js-plotly-plot'))"
                                ".map(plot => plot.innerHTML).join('') + document.querySelector("
                                "'[data-testid=stMain]').innerText")

        before = picture()
        tab.locator(f".st-key-{step} button").click()
        for _ in range(60):  # the picture moves once the step (a training, for the GAN) is done
            tab.wait_for_timeout(500)
            if picture() != before:
                break
        assert picture() != before  # the picture moved
    assert tab.get_by_text("Traceback").count() == 0 and not errors
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SHOTS / f"learn-{title.split(',')[0].replace(' ', '-').lower()}.png"))
    context.close()
