"""The report opens from a file in a real browser with every request blocked: no console error, every
section shown, the charts drawn."""

from playwright.sync_api import expect

from core.io import read_table
from core.report import html_report
from core.samples import SAMPLES
from core.synth.run import generate
from core.workspace import Run, Workspace
from tests.core.test_report import SECTIONS


def test_the_report_opens_offline_without_errors(browser, tmp_path):
    ws = Workspace(read_table(SAMPLES["penguins"].path), name="penguins")
    made = generate(ws.train, ws.schema, "gaussian_copula", {}, 200, rng=0)
    ws.add_run(Run(method="gaussian_copula", params={}, seed=0, synthetic=made.table, fit_seconds=0.1,
                   sample_seconds=0.1))
    path = tmp_path / "report.html"
    path.write_text(html_report(ws), encoding="utf-8")
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    tab = context.new_page()
    errors, requests = [], []
    tab.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.route("http*://**", lambda route: (requests.append(route.request.url), route.abort()))
    tab.goto(path.as_uri())
    for title in SECTIONS:
        expect(tab.get_by_role("heading", name=title, exact=True)).to_be_visible()
    expect(tab.locator(".js-plotly-plot svg").first).to_be_visible()
    assert tab.locator(".js-plotly-plot").count() >= 5
    assert not errors and not requests
    context.close()
