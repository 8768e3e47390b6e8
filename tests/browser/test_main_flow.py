"""The main flow in a real browser: open, switch sample, upload, correct a kind, see the profile follow."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)

UPLOAD = (
    "site;code;reading;when\n"
    + "".join(f"S{i % 4};{i % 3 + 1};{i * 0.5:.1f}".replace(".", ",") + f";2024-01-{i % 28 + 1:02d}\n"
              for i in range(40))
)


def choose(page: Page, label: str, option: str) -> None:
    """Pick an option of a selectbox; retried because a rerun that is still arriving closes the list."""
    box = page.get_by_test_id("stSelectbox").filter(has=page.get_by_text(label, exact=True))
    item = page.get_by_role("option", name=option, exact=True)
    for _ in range(10):
        try:  # during a rerun the old widget may linger beside the new one for a moment
            box.get_by_role("button", name="Open").first.click(timeout=5_000)
            item.click(timeout=2_000)
            return
        except PlaywrightError:
            page.keyboard.press("Escape")
    raise AssertionError(f"could not choose {option!r} in {label!r}")


def switch_on(page: Page, label: str) -> None:
    """Turn a toggle on; retried because a click during a rerun can land on a widget that is being replaced."""
    switch = page.get_by_role("switch", name=label, exact=True)
    for _ in range(10):
        try:
            if not switch.is_checked(timeout=5_000):
                page.get_by_text(label, exact=True).click(timeout=5_000)
            expect(switch).to_be_checked(timeout=3_000)
            return
        except (AssertionError, PlaywrightError):
            continue
    raise AssertionError(f"could not turn on {label!r}")


def expect_detail(page: Page, text: str) -> None:
    """The column-detail panel shows ``text`` (a rerun may briefly show the old panel beside the new)."""
    expect(page.locator(".st-key-column_detail").filter(has_text=text).first).to_be_visible()


def sidebar(page: Page):
    return page.locator('[data-testid="stSidebar"]')


def test_main_flow(page: Page, tmp_path):
    expect(page.get_by_role("heading", name="Load data")).to_be_visible()
    expect(sidebar(page)).to_contain_text("penguins")
    expect(sidebar(page)).to_contain_text("344 rows × 8 columns")

    choose(page, "Sample dataset", "Low birth weight")
    expect(page.get_by_text("Loaded the sample 'Low birth weight'.")).to_be_visible()
    expect(sidebar(page)).to_contain_text("189 rows × 10 columns")

    uploader = page.locator('.st-key-upload input[type="file"]')
    junk = tmp_path / "broken.csv"
    junk.write_bytes(bytes(range(256)) * 50)
    uploader.set_input_files(str(junk))
    expect(page.get_by_text("'broken.csv' looks like a binary file, not a text table.")).to_be_visible()
    expect(sidebar(page)).to_contain_text("189 rows × 10 columns")  # the loaded table stays

    path = tmp_path / "readings.csv"
    path.write_text(UPLOAD, encoding="utf-8")
    uploader.set_input_files(str(path))
    expect(page.get_by_text("Loaded 'readings.csv'")).to_be_visible()
    expect(page.get_by_text("Uploaded file readings.csv: CSV, utf-8, semicolon-delimited, decimal comma."))\
        .to_be_visible()
    expect(sidebar(page)).to_contain_text("40 rows × 4 columns")

    choose(page, "Column", "code")
    expect_detail(page, "3 distinct integer codes 1-3 → categorical")
    expect_detail(page, "1 35%")  # categories are summarised by their shares

    choose(page, "Kind", "integer")
    expect(page.get_by_text("'code' is now integer (was categorical).")).to_be_visible()
    expect_detail(page, "You set integer")
    expect_detail(page, "min 1 · mean 1.975 · max 3")  # now summarised as a number
    expect_detail(page, "was categorical")

    choose(page, "Column", "site")
    expect_detail(page, "4 distinct labels → categorical")  # the rerun is done: Kind is site's now
    choose(page, "Kind", "continuous")  # impossible: refused with a sentence, data kept
    expect(page.get_by_text("'site' can't be continuous")).to_be_visible()
    expect(sidebar(page)).to_contain_text("40 rows × 4 columns")


def test_missingness_page(page: Page):
    choose(page, "Sample dataset", "New York air quality, 1973")
    expect(sidebar(page)).to_contain_text("153 rows × 6 columns")
    page.get_by_test_id("stSidebarNav").get_by_text("Missingness").click()
    expect(page.get_by_role("heading", name="Missingness")).to_be_visible()
    expect(sidebar(page)).to_contain_text("airquality")  # the session's table came along
    page.get_by_role("tab", name="Mechanism (MCAR / MAR / MNAR)").click()
    expect(page.get_by_test_id("stMetric").filter(has_text="d²")).to_contain_text("35.106")
    expect(page.get_by_text("Missingness of Ozone depends on Month")).to_be_visible()
    page.get_by_role("tab", name="Simulator").click()
    expect(page.get_by_text("116 complete rows. Same seed, same holes.")).to_be_visible()


def test_impute_and_use_the_table(page: Page, tmp_path):
    choose(page, "Sample dataset", "Mammal sleep")
    expect(sidebar(page)).to_contain_text("83 rows × 11 columns")
    page.get_by_test_id("stSidebarNav").get_by_text("Impute").click()
    expect(page.get_by_role("heading", name="Impute", exact=True)).to_be_visible()
    page.get_by_role("button", name="Impute", exact=True).click()
    expect(page.get_by_role("heading", name="Before and after: Predictive mean matching")).to_be_visible()
    page.get_by_role("button", name="Use this table").click()
    expect(sidebar(page)).to_contain_text("Working table: imputed (Predictive mean matching)")
    page.get_by_role("button", name="Restore the original").click()
    expect(sidebar(page)).to_contain_text("Working table: original")
    page.wait_for_timeout(1_000)  # let the rerun settle: the old page may linger beside the new for a moment
    page.get_by_role("button", name="Use this table").last.click()
    expect(sidebar(page)).to_contain_text("Working table: imputed (Predictive mean matching)")

    page.get_by_test_id("stSidebarNav").get_by_text("Synthesize").click()
    expect(page.get_by_role("heading", name="Synthesize")).to_be_visible()
    page.get_by_text("Statistical models (a whole synthetic table)").click()
    choose(page, "Method", "Gaussian copula")
    page.get_by_role("button", name="Generate", exact=True).click()
    expect(page.get_by_text("as run 'gaussian_copula #1'")).to_be_visible()
    expect(sidebar(page)).to_contain_text("Synthesis runs: 1")
    replay_the_recipe(page, tmp_path)

    page.get_by_role("link", name="Compare").click()
    expect(page.get_by_role("heading", name="Compare")).to_be_visible()
    expect(page.get_by_test_id("stMetric").filter(has_text="Detection AUC")).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("stMetric").filter(has_text="Quality")).to_contain_text("0.")


def download(page: Page, key: str, path):
    """The file the download button with this widget key gives (the newest, should a rerun leave its old twin
    on the page for a moment)."""
    for _ in range(3):  # retried: a click during a rerun can land on a button that is being replaced
        try:
            with page.expect_download(timeout=30_000) as done:
                page.locator(f".st-key-{key} button:visible").first.click()
            done.value.save_as(path)
            return path.read_bytes()
        except PlaywrightError:
            continue
    raise AssertionError(f"no download from the button {key!r}")


def replay_the_recipe(page: Page, tmp_path) -> None:
    """The run's recipe, downloaded and uploaded again, makes the same rows (the imputation included)."""
    download(page, "run_recipe", tmp_path / "run.recipe.json")
    first = download(page, "run_csv", tmp_path / "first.csv")
    page.get_by_text("Replay a recipe").click()
    page.locator('.st-key-recipe_upload input[type="file"]').set_input_files(str(tmp_path / "run.recipe.json"))
    expect(page.get_by_text("run.recipe.json")).to_be_visible()
    page.wait_for_timeout(1_000)  # the upload reaches the server before the click
    page.get_by_role("button", name="Replay", exact=True).click()
    expect(page.get_by_text("as run 'gaussian_copula #2'")).to_be_visible()
    expect(sidebar(page)).to_contain_text("Synthesis runs: 2")
    expect(page.get_by_text("Replayed from recipe 'run.recipe.json' (made with SynthLab")).to_be_visible()
    assert download(page, "run_csv", tmp_path / "second.csv") == first  # byte for byte


def test_excel_sheet_picker(page: Page, tmp_path):
    import pandas as pd

    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        pd.DataFrame({"a": range(12), "b": list("xy") * 6}).to_excel(writer, sheet_name="Data", index=False)
        pd.DataFrame({"c": [1.5, 2.5, 3.5]}).to_excel(writer, sheet_name="Other", index=False)
    page.locator('.st-key-upload input[type="file"]').set_input_files(str(path))
    expect(page.get_by_text("The workbook has 2 sheets; showing 'Data'.")).to_be_visible()
    expect(sidebar(page)).to_contain_text("12 rows × 2 columns")
    choose(page, "Sheet", "Other")
    expect(sidebar(page)).to_contain_text("3 rows × 1 columns")


def test_neural_training_live_and_stopped(page: Page, tmp_path):
    from core.bundle import load_model

    page.get_by_test_id("stSidebarNav").get_by_text("Synthesize").click()
    expect(page.get_by_role("heading", name="Synthesize")).to_be_visible()
    page.get_by_text("Neural networks (a whole table, trained)").click()
    choose(page, "Method", "Variational autoencoder (TVAE)")
    epochs = page.locator(".st-key-synth--vae--epochs input")
    epochs.fill("5000")
    epochs.press("Enter")
    page.wait_for_timeout(1_000)
    page.get_by_role("button", name="Train and generate").click()
    progress = page.get_by_text("Epoch ", exact=False).filter(has_text="of 5,000")
    expect(progress.first).to_be_visible(timeout=30_000)  # the progress line updates while training runs
    first = progress.first.inner_text()
    expect(page.get_by_text("fidelity: 1 − mean column distance").first).to_be_visible()
    page.wait_for_timeout(2_500)
    assert progress.first.inner_text() != first  # live: a later epoch, without any click
    page.get_by_role("button", name="Stop training").click()
    expect(page.get_by_text("as run 'vae #1'")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("stopped by the user after epoch").first).to_be_visible()
    expect(page.get_by_text("Mode-collapse check").first).to_be_visible()
    expect(sidebar(page)).to_contain_text("Synthesis runs: 1")
    saved = load_model(download(page, "run_model", tmp_path / "vae.synthlab"))  # the network, to draw from later
    assert saved.model.key == "vae" and saved.rows == 275 and saved.model.stopped_.startswith("stopped by the user")
    assert len(saved.model.sample(50, rng=0)) == 50

    choose(page, "Method", "Conditional GAN (CTGAN)")
    batch = page.locator(".st-key-synth--gan--batch_size input")
    batch.fill("105")  # not a multiple of pac: refused before the click, the button waits
    batch.press("Enter")
    expect(page.get_by_text("The batch size (105) must be a multiple of pac (10).")).to_be_visible()
    expect(page.get_by_role("button", name="Train and generate")).to_be_disabled()
    expect(sidebar(page)).to_contain_text("Synthesis runs: 1")  # the earlier run is kept


def test_first_visit_on_a_page_address_gets_the_app_navigation(browser, fresh_server):
    tab = browser.new_page(viewport={"width": 1400, "height": 1000})
    tab.goto(f"{fresh_server}/synthesize")  # the server's very first run is for a page, not for app.py
    expect(tab.get_by_role("heading", name="Synthesize")).to_be_visible(timeout=30_000)
    navigation = tab.get_by_test_id("stSidebarNav")
    expect(navigation).to_contain_text("Generate")  # app.py's sections, not the pages/ folder's file names
    expect(navigation.get_by_text("Load data")).to_be_visible()
    tab.close()


def synthesize_birthwt(page: Page, family: str, method: str) -> None:
    """Load the low birth weight sample and open the Synthesize page on ``method``."""
    choose(page, "Sample dataset", "Low birth weight")
    expect(sidebar(page)).to_contain_text("189 rows × 10 columns")
    page.get_by_test_id("stSidebarNav").get_by_text("Synthesize").click()
    expect(page.get_by_role("heading", name="Synthesize")).to_be_visible()
    page.get_by_text(family).click()
    choose(page, "Method", method)


def test_synthesize_settings_survive_a_page_switch_and_are_what_runs(page: Page):
    synthesize_birthwt(page, "Oversampling (balances the target's classes)", "SMOTE")
    k = page.locator(".st-key-synth--smote--k_neighbors input")
    k.fill("0")  # out of range: shown as typed, refused with a sentence
    k.press("Enter")
    expect(page.get_by_text("'K neighbors' = 0 is outside its range 1 to 50.")).to_be_visible()
    expect(page.get_by_role("button", name="Generate", exact=True)).to_be_disabled()
    k.fill("3")
    k.press("Enter")
    expect(page.get_by_role("button", name="Generate", exact=True)).to_be_enabled()

    page.get_by_test_id("stSidebarNav").get_by_text("Missingness").click()
    expect(page.get_by_role("heading", name="Missingness")).to_be_visible()
    page.get_by_test_id("stSidebarNav").get_by_text("Synthesize").click()
    expect(page.get_by_role("heading", name="Synthesize")).to_be_visible()
    expect(page.locator(".st-key-synth--smote--k_neighbors input")).to_have_value("3")  # kept
    page.get_by_role("button", name="Generate", exact=True).click()
    expect(page.get_by_text("as run 'smote #1'")).to_be_visible()
    expect(page.get_by_test_id("stCode").filter(has_text="seed 0")).to_contain_text("k_neighbors=3")


SHOTS = Path(os.environ.get("SYNTHLAB_SHOTS", "test-artifacts"))
HOSTILE = ["![x](//evil.invalid/c)", "<img src=//evil.invalid/i.png>", "**bold**"]


def test_user_text_is_shown_as_text(page: Page, tmp_path):
    fetched = []
    page.on("request", lambda r: fetched.append(r.url) if "evil.invalid" in r.url else None)
    path = tmp_path / "**loud**.csv"
    path.write_text(",".join(f'"{h}"' for h in HOSTILE) + "\n"
                    + "".join(f"{i},{HOSTILE[i % 3]},{i % 4}\n" for i in range(30)), encoding="utf-8")
    page.locator('.st-key-upload input[type="file"]').set_input_files(str(path))
    expect(page.get_by_text("Loaded '**loud**.csv'")).to_be_visible()
    expect(sidebar(page)).to_contain_text("**loud**.csv")  # the name as typed, not in bold
    choose(page, "Column", HOSTILE[1])
    expect_detail(page, "Inferred")
    page.wait_for_timeout(1_000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "data-hostile-names.png"), full_page=True)
    assert page.locator("img[src*='evil.invalid']").count() == 0
    assert not fetched


def test_compare_two_runs_and_load_another_table_asks_first(page: Page):
    synthesize_birthwt(page, "Statistical models (a whole synthetic table)", "Gaussian copula")
    for k in (1, 2):
        page.wait_for_timeout(1_000)  # let the rerun settle: the old page may linger beside the new for a moment
        page.get_by_role("button", name="Generate", exact=True).last.click()
        expect(page.get_by_text(f"as run 'gaussian_copula #{k}'")).to_be_visible(timeout=60_000)

    page.get_by_role("link", name="Compare").click()
    expect(page.get_by_role("heading", name="Compare")).to_be_visible()
    choose(page, "Against", "gaussian_copula #1")
    legend = page.locator(".st-key-compare_overlay .legendtext")
    expect(legend.first).to_have_text("gaussian_copula #1", timeout=60_000)
    expect(legend.nth(1)).to_have_text("gaussian_copula #2")
    page.wait_for_timeout(1_000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "compare-two-runs.png"), full_page=True)

    page.get_by_test_id("stSidebarNav").get_by_text("Load data").click()
    expect(page.get_by_role("heading", name="Load data")).to_be_visible()
    page.wait_for_timeout(1_000)  # let the rerun settle: the old page may linger beside the new for a moment
    choose(page, "Sample dataset", "Titanic passengers")
    expect(page.get_by_text("Load the sample 'Titanic passengers'? This forgets 2 runs.")).to_be_visible()
    page.get_by_role("button", name="Cancel", exact=True).click()
    expect(page.get_by_text("This forgets 2 runs.")).to_have_count(0)
    expect(sidebar(page)).to_contain_text("Synthesis runs: 2")
    expect(sidebar(page)).to_contain_text("birthwt")
    page.wait_for_timeout(1_000)
    choose(page, "Sample dataset", "Titanic passengers")
    expect(page.get_by_text("This forgets 2 runs.")).to_be_visible()
    page.get_by_role("button", name="Yes, load it").click()
    expect(sidebar(page)).to_contain_text("Synthesis runs: 0")
    expect(sidebar(page)).to_contain_text("titanic")


def test_a_saved_session_comes_back_after_a_reset(page: Page, tmp_path):
    page.get_by_test_id("stSidebarNav").get_by_text("Synthesize").click()
    page.get_by_role("button", name="Generate", exact=True).click()
    expect(sidebar(page)).to_contain_text("Synthesis runs: 1")
    page.get_by_test_id("stSidebarNav").get_by_text("Load data").click()
    page.get_by_text("Save or restore the whole session").click()
    page.get_by_role("button", name="Prepare the session file").click()
    saved = download(page, "session_download", tmp_path / "session.zip")
    assert saved[:2] == b"PK"
    sidebar(page).get_by_role("button", name="Reset session").click()
    sidebar(page).get_by_role("button", name="Yes, reset").click()
    expect(sidebar(page)).to_contain_text("Synthesis runs: 0")
    page.get_by_text("Save or restore the whole session").click()
    page.locator('.st-key-session_upload input[type="file"]').set_input_files(str(tmp_path / "session.zip"))
    expect(page.get_by_text("Restored the session 'penguins'")).to_be_visible()
    expect(sidebar(page)).to_contain_text("Synthesis runs: 1")


def test_private_rows_per_class_with_cart_and_the_frontier_on_compare(page: Page):
    """Penguins (target: species): sequential CART with the privacy guard on and exact rows per class; the run says
    what it was drawn with, and Compare places it on the fidelity-privacy picture."""
    page.get_by_test_id("stSidebarNav").get_by_text("Synthesize").click()
    expect(page.get_by_role("heading", name="Synthesize")).to_be_visible()
    choose(page, "Method", "Sequential CART (synthpop)")
    page.get_by_text("Privacy guard, conditions and rows per class").click()
    expect(page.get_by_text("Largest share of close rows")).to_be_visible()
    switch_on(page, "Set the rows per class")
    expect(page.get_by_text("The quotas add up to 273 rows: that many are generated.")).to_be_visible()
    gentoo = page.locator(".st-key-synth_quota--Gentoo input")
    gentoo.fill("151")
    gentoo.press("Enter")
    expect(page.get_by_text("The quotas add up to 333 rows: that many are generated.")).to_be_visible()
    page.wait_for_timeout(1_000)
    page.get_by_role("button", name="Generate", exact=True).last.click()
    expect(page.get_by_text("Generated 333 rows with Sequential CART (synthpop) as run 'cart #1'")).to_be_visible(
        timeout=60_000)
    expect(page.get_by_text("rows per species: Adelie 91, Gentoo 151, Chinstrap 91")).to_be_visible()
    expect(page.get_by_text("privacy guard: copies of training rows held to 1%").first).to_be_visible()
    page.get_by_role("link", name="Compare").click()
    expect(page.get_by_role("heading", name="Compare")).to_be_visible()
    page.get_by_role("tab", name="Leaderboard").click()
    page.get_by_role("button", name="Score every run").click()
    expect(page.get_by_text("Fidelity against privacy.")).to_be_visible(timeout=60_000)
    expect(page.locator(".st-key-compare_frontier .js-plotly-plot").first).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "compare-frontier.png"), full_page=True)


def test_diffusion_teaches_noising_and_shows_the_denoising_picture(page: Page):
    page.get_by_test_id("stSidebarNav").get_by_text("Synthesize").click()
    expect(page.get_by_role("heading", name="Synthesize")).to_be_visible()
    page.get_by_text("Neural networks (a whole table, trained)").click()
    choose(page, "Method", "Diffusion model (TabDDPM)")
    page.get_by_text("How it works, and how to read what it shows").click()
    expect(page.get_by_text("Take a real row and blur it a little").first).to_be_visible()
    epochs = page.locator(".st-key-synth--diffusion--epochs input")
    epochs.fill("5")
    epochs.press("Enter")
    page.wait_for_timeout(1_000)
    page.get_by_role("button", name="Train and generate").click()
    expect(page.get_by_text("as run 'diffusion #1'")).to_be_visible(timeout=60_000)
    picture = page.get_by_text("Denoising, step by step").first
    expect(picture).to_be_visible()
    expect(page.get_by_text("t = T (noise)").first).to_be_visible()  # the small multiples, noise to rows
    assert page.get_by_text("Traceback").count() == 0
    picture.scroll_into_view_if_needed()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "synthesize-diffusion.png"))
