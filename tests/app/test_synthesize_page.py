"""AppTest for the Synthesize page: every family generates a run; runs are renamed, deleted, downloaded."""

import pandas as pd
from streamlit.testing.v1 import AppTest

from tests.app import conftest
from tests.app.test_errors import unescaped

STATISTICAL = "Statistical models (a whole synthetic table)"
OVERSAMPLING = "Oversampling (balances the target's classes)"
AUGMENTATION = "Rule-based and augmentation (perturbs the real rows)"
PRIVATE = "Differential privacy (a provable bound on what any one row gives away)"


def open_page(sample: str | None = None, frame: pd.DataFrame | None = None) -> AppTest:
    return conftest.open_page("pages/synthesize.py", sample, frame)


def open_method(sample: str, method: str, group: str = STATISTICAL) -> AppTest:
    """The page on ``sample`` with ``method`` of ``group`` chosen."""
    at = open_page(sample)
    at.radio(key="synth_group").set_value(group).run()
    at.selectbox(key="synth_method").select(method).run()
    return at


def test_statistical_methods_make_runs_and_runs_can_be_managed():
    at = open_page("airquality")
    at.radio(key="synth_group").set_value(STATISTICAL).run()
    for method in ("monte_carlo", "cholesky", "gaussian_copula"):
        at.selectbox(key="synth_method").select(method).run()
        at.button(key="synth_run").click().run()
        assert not at.exception and not at.error, method
        assert at.success[0].value.startswith("Generated 122 rows")
    runs = at.dataframe[0].value
    assert runs["run"].tolist() == ["monte_carlo #1", "cholesky #1", "gaussian_copula #1"]
    assert "Synthesis runs: **3**" in at.sidebar.caption[1].value
    at.text_input(key="run_new_name").set_value("copula baseline").run()
    at.button(key="run_rename").click().run()
    assert at.dataframe[0].value["run"].tolist()[-1] == "copula baseline"
    at.text_input(key="run_new_name").set_value("cholesky #1").run()
    at.button(key="run_rename").click().run()
    assert "already a run" in at.error[0].value
    at.button(key="run_delete").click().run()
    assert at.dataframe[0].value["run"].tolist() == ["monte_carlo #1", "cholesky #1"]
    buttons = at.get("download_button")
    assert len(buttons) == 3 and not buttons[2].proto.disabled  # CSV, Parquet and the recipe


def test_noise_and_augmentation_makes_a_run():
    at = open_method("penguins", "noise", AUGMENTATION)
    assert at.slider(key="synth::noise::jitter").value == 0.1
    at.button(key="synth_run").click().run()
    assert not at.exception and not at.error
    assert at.success[0].value.startswith("Generated")


def test_rules_derived_columns_and_a_bad_rule():
    at = open_method("airquality", "gaussian_copula")
    at.text_area(key="synth_rules").set_value("Temp >= 60\n`Solar.R` > 50").run()
    at.text_area(key="synth_derived").set_value("celsius = (Temp - 32) * 5 / 9").run()
    at.button(key="synth_run").click().run()
    assert not at.error
    table = at.dataframe[1].value
    assert (table["Temp"] >= 60).all() and "celsius" in table.columns
    assert any("Rule 'Temp >= 60' rejected" in unescaped(i.value) for i in at.info)  # shown as text
    at.text_area(key="synth_rules").set_value("__import__('os').getcwd()").run()
    at.button(key="synth_run").click().run()
    assert any("rules do not" in e.value for e in at.error) and not at.exception


def test_oversampling_after_imputation_and_its_errors():
    at = open_page("birthwt")
    at.radio(key="synth_group").set_value(OVERSAMPLING).run()
    at.button(key="synth_run").click().run()  # random oversampling, bulk out, on a complete table
    assert not at.error and at.success[0].value.startswith("Generated")
    at.selectbox(key="synth_method").select("smote").run()
    at.button(key="synth_run").click().run()
    assert not at.error
    penguins = open_page("penguins")
    penguins.radio(key="synth_group").set_value("Oversampling (balances the target's classes)").run()
    penguins.selectbox(key="synth_method").select("smote").run()
    assert any("missing values" in w.value for w in penguins.warning) and penguins.button(key="synth_run").disabled


def test_fitting_panel_and_correlation_editor_render():
    at = open_method("salaries", "cholesky")
    at.selectbox(key="distributions::column").select("salary").run()
    assert not at.exception and not at.error
    assert any("AIC" in d.value.columns for d in at.dataframe)


def test_a_cholesky_run_shows_target_and_achieved_correlations():
    at = open_method("salaries", "cholesky")
    at.button(key="synth_run").click().run()
    assert not at.exception and not at.error
    assert any("Target and achieved correlations" in m.value for m in at.markdown)


NEURAL = "Neural networks (a whole table, trained)"


def finish_training(at: AppTest) -> None:
    """Wait for the background training, then let the page turn it into a run."""
    at.session_state["training_job"].thread.join(timeout=120)
    at.run()


def test_neural_training_makes_a_run_with_curves_and_the_mode_collapse_check():
    at = open_page("penguins")
    at.radio(key="synth_group").set_value(NEURAL).run()
    at.selectbox(key="synth_method").select("vae").run()
    assert any("How it works" in e.label for e in at.expander)
    at.number_input(key="synth::vae::epochs").set_value(20).run()
    at.button(key="synth_run").click().run()
    assert not at.exception
    finish_training(at)
    assert not at.exception and not at.error
    assert at.success[0].value.startswith("Trained Variational autoencoder (TVAE) and generated 275 rows as run")
    assert any(unescaped(i.value).startswith("Training: completed; 20 epochs") for i in at.info)
    assert any("Mode-collapse check" in s.value for s in [*at.success, *at.warning])
    assert at.dataframe[0].value["run"].tolist() == ["vae #1"]
    assert at.button(key="synth_run").label == "Train and generate" and not at.button(key="synth_run").disabled
    at.number_input(key="redraw_n").set_value(1_000).run()
    at.button(key="redraw").click().run()  # more rows from the trained network, without training
    assert not at.exception and not at.error
    assert at.dataframe[0].value["run"].tolist() == ["vae #1", "vae #2"]
    assert at.dataframe[0].value["rows"].tolist() == [275, 1_000] and at.dataframe[0].value["fit s"].iloc[1] == 0
    assert any("Drawn from the network trained for run 'vae #1'" in c.value for c in at.code)
    buttons = {b.proto.id.rsplit("-", 1)[-1]: b.proto for b in at.get("download_button")}
    recipe, model = buttons["run_recipe"], buttons["run_model"]
    assert recipe.disabled and "drawn from the network of run 'vae #1'" in recipe.help  # no recipe remakes it
    assert model.label == "Trained model" and "synthlab generate --model" in model.help
    at.number_input(key="redraw_n").set_value(1_000_001).run()  # over the server's limit: said, not clamped
    assert any("'More rows' = 1,000,001" in e and "synthlab.toml" in e for e in read(at.error))
    assert at.button(key="redraw").disabled and at.number_input(key="redraw_n").value == 1_000_001


def test_a_diffusion_training_shows_its_widgets_teaching_and_the_denoising_picture():
    at = open_page("penguins")
    at.radio(key="synth_group").set_value(NEURAL).run()
    at.selectbox(key="synth_method").select("diffusion").run()
    assert any("Noising" in m.value for m in at.markdown)  # the teaching panel: noising and denoising
    for name, value in (("epochs", 5), ("steps", 10), ("width", 16)):
        at.number_input(key=f"synth::diffusion::{name}").set_value(value).run()
    assert at.selectbox(key="synth::diffusion::schedule").value == "linear"
    at.button(key="synth_run").click().run()
    assert not at.exception
    finish_training(at)
    assert not at.exception and not at.error
    assert at.success[0].value.startswith("Trained Diffusion model (TabDDPM) and generated 275 rows as run")
    assert any("Denoising, step by step" in m.value and "t = 10" in m.value for m in at.markdown)
    assert at.dataframe[0].value["run"].tolist() == ["diffusion #1"]


def test_stop_keeps_the_model_trained_so_far_and_errors_are_sentences():
    at = open_page("titanic")
    at.radio(key="synth_group").set_value(NEURAL).run()
    at.selectbox(key="synth_method").select("gan").run()
    at.number_input(key="synth::gan::epochs").set_value(10_000).run()
    at.button(key="synth_run").click().run()
    assert at.button(key="synth_run").disabled  # one training at a time
    assert any("Training **gan**" in c.value for c in at.sidebar.caption)
    assert at.button(key="train_stop").label == "Stop training"
    at.button(key="train_stop").click().run()
    finish_training(at)
    assert not at.exception and not at.error
    assert any("stopped by the user after epoch" in i.value for i in at.info)
    assert len(at.dataframe[0].value) == 1
    recipe = at.get("download_button")  # its recipe says a replay trains every epoch: a stop is no setting
    assert any("stopped by the user" in (b.proto.help or "") and "makes other rows" in b.proto.help for b in recipe)
    at.number_input(key="synth::gan::batch_size").set_value(105).run()  # refused before the click
    assert "must be a multiple of pac" in at.error[0].value and not at.exception
    assert at.button(key="synth_run").disabled
    assert len(at.dataframe[0].value) == 1  # the earlier run is kept


def test_a_training_that_ends_on_another_page_still_becomes_a_run():
    at = open_page("penguins")
    at.radio(key="synth_group").set_value(NEURAL).run()
    at.selectbox(key="synth_method").select("vae").run()
    at.number_input(key="synth::vae::epochs").set_value(30).run()
    at.button(key="synth_run").click().run()
    at.switch_page("pages/compare.py").run()
    finish_training(at)
    assert not at.exception
    assert "Synthesis runs: **1**" in at.sidebar.caption[1].value
    assert any("Training finished: run 'vae #1' is ready." in t.value for t in at.toast)
    at.switch_page("pages/synthesize.py").run()
    assert at.success[0].value.startswith("Trained Variational autoencoder (TVAE)")  # its messages wait here


# ---------------------------------------------------------------- what the user set is what runs

MARKDOWN_IMAGE = "![x](//host/c)"


def texts(at: AppTest) -> list[str]:
    """Every piece of text the page shows (markdown, captions, alerts, code), as written (escapes included)."""
    return [e.value for kind in (at.markdown, at.caption, at.info, at.warning, at.error, at.success, at.code)
            for e in kind]


def read(elements) -> list[str]:
    """What the reader sees of markdown elements: their text without the escaping backslashes."""
    return [unescaped(e.value) for e in elements]


def rows_input(at: AppTest):
    return next(w for w in at.number_input if w.label == "Rows to generate")


def test_fresh_defaults_make_a_run_on_the_first_click():
    at = AppTest.from_file(conftest.APP, default_timeout=120)
    at.run()
    at.switch_page("pages/synthesize.py").run()  # the default sample has missing values
    assert at.selectbox(key="synth_method").value == "gaussian_copula"
    at.button(key="synth_run").click().run()
    assert not at.exception and not at.error
    assert len(at.session_state["workspace"].runs) == 1 and at.success[0].value.startswith("Generated")


def test_an_oversampler_on_a_table_with_holes_is_explained_before_the_click():
    at = open_page("penguins")
    at.radio(key="synth_group").set_value(OVERSAMPLING)
    at.button(key="synth_run").click().run()  # picked and clicked before the page could say anything
    assert any("missing values" in e and "bill_length_mm" in e for e in read(at.error))
    assert not at.session_state["workspace"].runs and not at.exception
    at.selectbox(key="synth_method").select("smote").run()
    assert any("missing values" in w and "bill_length_mm" in w for w in read(at.warning))  # said before the click
    assert at.button(key="synth_run").disabled


def test_choices_persist_across_pages_without_a_duplicate_value_warning(monkeypatch):
    import logging

    from streamlit.elements.lib import policies

    monkeypatch.setattr(policies, "_shown_default_value_warning", False)
    logged: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: logged.append(record.getMessage())
    logging.getLogger(policies.__name__).addHandler(handler)
    try:
        at = open_page("birthwt")
        at.radio(key="synth_group").set_value(OVERSAMPLING).run()
        at.selectbox(key="synth_method").select("smote").run()
        at.number_input(key="synth::smote::k_neighbors").set_value(7).run()
        at.selectbox(key="synth::smote::mode").select("replace").run()
        at.number_input(key="synth_seed").set_value(5).run()
        at.text_area(key="synth_rules").set_value("age >= 18").run()
        rows_input(at).set_value(321).run()
        for page in ("pages/compare.py", "pages/data.py", "pages/synthesize.py"):
            at.switch_page(page).run()
        assert not at.exception
        assert at.radio(key="synth_group").value == OVERSAMPLING and at.selectbox(key="synth_method").value == "smote"
        assert at.number_input(key="synth::smote::k_neighbors").value == 7
        assert at.selectbox(key="synth::smote::mode").value == "replace"
        assert at.number_input(key="synth_seed").value == 5 and rows_input(at).value == 321
        assert at.text_area(key="synth_rules").value == "age >= 18"
    finally:
        logging.getLogger(policies.__name__).removeHandler(handler)
    assert not [m for m in logged if "default value but also had its value set" in m]


def test_values_out_of_range_are_refused_with_a_sentence_never_replaced():
    at = open_method("birthwt", "smote", OVERSAMPLING)
    for bad in (0, -5, 200):
        at.number_input(key="synth::smote::k_neighbors").set_value(bad)
        at.button(key="synth_run").click().run()  # typed and clicked at once: the click is refused
        assert any(f"'K neighbors' = {bad} is outside its range 1 to 50" in e for e in read(at.error)), bad
        assert not at.session_state["workspace"].runs and not at.exception
        assert at.number_input(key="synth::smote::k_neighbors").value == bad  # shown as typed, not replaced
        assert at.button(key="synth_run").disabled  # and, now on screen, Generate waits for a good value
        at.number_input(key="synth::smote::k_neighbors").set_value(3).run()
        assert not any("outside its range" in e for e in read(at.error[1:])) and not at.button(key="synth_run").disabled
    rows_input(at).set_value(0).run()
    assert any("'Rows to generate' = 0 is outside its range" in e for e in read(at.error))
    assert at.button(key="synth_run").disabled
    rows_input(at).set_value(300).run()
    rows_input(at).set_value(1_000_001)  # over the server's limit (synthlab.toml's default)
    at.button(key="synth_run").click().run()
    assert any("1,000,000 rows" in e and "synthlab.toml" in e for e in read(at.error))
    assert not at.session_state["workspace"].runs
    rows_input(at).set_value(300).run()
    at.button(key="synth_run").click().run()
    assert not at.error and at.session_state["workspace"].runs[-1].params["k_neighbors"] == 3


def test_settings_that_cannot_make_a_table_are_explained_before_the_click():
    at = open_method("birthwt", "random_oversampling", OVERSAMPLING)
    at.selectbox(key="synth::random_oversampling::mode").select("replace").run()
    assert any("only copies real rows" in e for e in read(at.error))  # said before any click
    assert at.button(key="synth_run").disabled
    at.slider(key="synth::random_oversampling::shrinkage").set_value(0.5).run()
    assert not at.button(key="synth_run").disabled
    at.button(key="synth_run").click().run()
    run = at.session_state["workspace"].runs[-1]
    assert not at.error and run.params == {"mode": "replace", "shrinkage": 0.5, "privacy_share": 0.1}


def test_the_click_uses_what_is_on_screen():
    at = open_method("airquality", "gaussian_copula")
    at.text_area(key="synth_rules").set_value("Temp >= 60")
    at.button(key="synth_run").click().run()  # typed and clicked in one go
    run = at.session_state["workspace"].runs[-1]
    assert run.rules == ["Temp >= 60"] and (run.synthetic["Temp"] >= 60).all()
    at.selectbox(key="synth_method").select("monte_carlo")
    at.button(key="synth_run").click().run()  # a quick method change, then the click
    assert at.session_state["workspace"].runs[-1].method == "monte_carlo"


def test_a_run_records_and_shows_what_it_was_made_with():
    at = open_method("salaries", "cholesky")
    at.text_area(key="synth_rules").set_value("salary > 0\n`yrs.service` >= 0").run()
    at.text_area(key="synth_derived").set_value("k = salary / 1000").run()
    assert any("2 rules and 1 derived column will apply to this run" in t for t in texts(at))
    at.selectbox(key="distributions::column").select("salary").run()
    box = next(s for s in at.selectbox if s.label == "Distribution")
    override = box.options[1]
    box.select(override).run()
    at.selectbox(key="distributions::column").select("yrs.service").run()  # the override outlives its widget
    editor = at.data_editor[0]
    at.session_state[editor.key] = {"edited_rows": {0: {"salary": 0.9}}, "added_rows": [], "deleted_rows": []}
    at.run()
    at.number_input(key="synth_seed").set_value(11).run()
    at.button(key="synth_run").click().run()
    assert not at.error and not at.exception
    run = at.session_state["workspace"].runs[-1]
    assert run.seed == 11 and run.rules == ["salary > 0", "`yrs.service` >= 0"] and run.derived == ["k = salary / 1000"]
    assert run.params["distributions"] == {"salary": override}
    assert run.params["correlation"].loc["yrs.since.phd", "salary"] == 0.9
    table = next(d.value for d in at.dataframe if "run" in d.value.columns)
    assert table["rules"].iloc[-1] == "salary > 0; `yrs.service` >= 0"
    assert table["derived"].iloc[-1] == "k = salary / 1000"
    assert f"salary: {override}" in table["settings"].iloc[-1]
    details = "\n".join(c.value for c in at.code)
    for part in ("seed 11", "salary > 0", "k = salary / 1000", f"salary: {override}", "→ 0.9"):
        assert part in details, part
    at.selectbox(key="synth_method").select("gaussian_copula").run()  # the rules stay, and say so
    assert any("2 rules and 1 derived column will apply to this run" in t for t in texts(at))


def test_the_correlation_editor_mirrors_edits_and_keeps_the_diagonal():
    at = open_method("salaries", "cholesky")
    editor = at.data_editor[0]
    at.session_state[editor.key] = {"edited_rows": {0: {"salary": 0.5}}, "added_rows": [], "deleted_rows": []}
    at.run()
    shown = at.data_editor[0].value
    assert shown.loc["yrs.since.phd", "salary"] == shown.loc["salary", "yrs.since.phd"] == 0.5
    at.session_state[at.data_editor[0].key] = {"edited_rows": {1: {"yrs.service": 0.3}}, "added_rows": [],
                                               "deleted_rows": []}
    at.run()
    assert any("diagonal stays 1" in e for e in read(at.error)) and at.button(key="synth_run").disabled
    assert not any("(a, b)" in t for t in texts(at))


def test_previews_are_spreadsheet_safe_and_user_text_is_never_markdown():
    frame = pd.DataFrame({MARKDOWN_IMAGE: ["=cmd|' /C calc'!A0", "plain", "+1"] * 20,
                          "x": [float(i) for i in range(60)], "y": [1, 0] * 30})
    frame.loc[3, "x"] = None
    at = open_page(frame=frame)
    at.radio(key="synth_group").set_value(OVERSAMPLING).run()
    assert any("missing values" in w for w in read(at.warning))
    assert not any(MARKDOWN_IMAGE in t for t in texts(at))  # the column name is escaped, not rendered
    at.radio(key="synth_group").set_value(STATISTICAL).run()
    at.selectbox(key="synth_method").select("gaussian_copula").run()
    at.button(key="synth_run").click().run()
    preview = at.dataframe[1].value[MARKDOWN_IMAGE]
    assert not preview.str.match(r"[=+\-@]").any() and preview.str.startswith("'=").any()
    at.text_input(key="run_new_name").set_value(MARKDOWN_IMAGE).run()
    at.button(key="run_rename").click().run()
    assert at.session_state["workspace"].runs[-1].name == MARKDOWN_IMAGE
    assert not any(MARKDOWN_IMAGE in t for t in texts(at) if t not in [c.value for c in at.code])


def test_cart_and_hybrid_make_runs_with_their_notes():
    at = open_method("penguins", "cart")
    at.button(key="synth_run").click().run()
    assert not at.exception and not at.error
    at.selectbox(key="synth_method").select("hybrid").run()
    at.selectbox(key="synth::hybrid::partition_by").select("species").run()
    at.button(key="synth_run").click().run()
    assert not at.exception and not at.error
    assert at.dataframe[0].value["run"].tolist() == ["cart #1", "hybrid #1"]
    assert any("Parts by 'species'" in c.value for c in at.code)


def test_the_guard_conditions_and_rows_per_class_are_what_runs():
    at = open_method("penguins", "gaussian_copula")
    assert at.toggle(key="synth_guard").value  # on by default
    at.multiselect(key="synth_conditions").set_value(["island", "body_mass_g"]).run()
    at.multiselect(key="synth_cond::island").set_value(["Biscoe", "Dream"]).run()
    at.number_input(key="synth_cond::body_mass_g::low").set_value(3500.0).run()
    at.toggle(key="synth_quotas").set_value(True).run()
    for level, count in (("Adelie", 40), ("Gentoo", 30), ("Chinstrap", 20)):
        at.number_input(key=f"synth_quota::{level}").set_value(count).run()
    assert any("add up to 90 rows" in c.value for c in at.caption)
    at.button(key="synth_run").click().run()
    assert not at.exception and not at.error
    run = at.session_state["workspace"].runs[-1]
    table = run.synthetic
    assert table["species"].value_counts().to_dict() == {"Adelie": 40, "Gentoo": 30, "Chinstrap": 20}
    assert table["island"].isin(["Biscoe", "Dream"]).all() and (table["body_mass_g"] >= 3500).all()
    made = next(c.value for c in at.code if "rows per species" in c.value)
    assert "privacy guard: copies of training rows held to 1%" in made and "only rows where" in made
    assert any(n.startswith("Privacy guard") for n in run.notes)
    assert run.drawing["guard"]["close_share"] == 0.10 and run.drawing["quotas"]["species"][0] == ["Adelie", 40]
    at.number_input(key="synth_cond::body_mass_g::low").set_value(9000.0).run()
    at.number_input(key="synth_cond::body_mass_g::high").set_value(8000.0).run()  # an empty range stops the click
    assert at.button(key="synth_run").disabled
    assert any("the range of 'body_mass_g' is empty" in unescaped(e.value) for e in at.error)  # said, not only greyed
    at.number_input(key="synth_cond::body_mass_g::high").set_value(9500.0).run()  # beyond the real values: said
    at.button(key="synth_run").click().run()
    assert any("No real value of 'body_mass_g' lies in that range" in unescaped(e.value) for e in at.error)
    assert len(at.session_state["workspace"].runs) == 1  # nothing generated, nothing lost
    at.multiselect(key="synth_conditions").set_value([]).run()
    assert not at.button(key="synth_run").disabled
    runs = len(at.session_state["workspace"].runs)
    at.number_input(key="synth_quota::Gentoo").set_value(-4)  # typed and clicked at once: refused, never an older 30
    at.button(key="synth_run").click().run()
    assert len(at.session_state["workspace"].runs) == runs and at.button(key="synth_run").disabled
    assert any("'Gentoo' = -4" in unescaped(e.value) for e in at.error)
    for counts, said in (((0, 0, 0), "add up to 0 rows"), ((10**9, 0, 0), "more than this server allows")):
        for level, count in zip(("Adelie", "Gentoo", "Chinstrap"), counts, strict=True):
            at.number_input(key=f"synth_quota::{level}").set_value(count)
        at.run()
        assert at.button(key="synth_run").disabled and any(said in unescaped(e.value) for e in at.error), said


def test_the_guard_can_be_turned_off_and_identifiers_get_fresh_keys():
    frame = pd.DataFrame({"customer": [f"C{i:05d}" for i in range(150)], "spend": [i * 1.5 for i in range(150)],
                          "tier": list("abc") * 50})
    at = open_page(frame=frame)
    at.radio(key="synth_ids").set_value("fresh").run()
    at.toggle(key="synth_guard").set_value(False).run()
    at.button(key="synth_run").click().run()
    assert not at.exception and not at.error
    run = at.session_state["workspace"].runs[-1]
    assert run.synthetic["customer"].str.fullmatch(r"C\d{5}").all() and not any("Privacy guard" in n for n in run.notes)


def test_more_rows_than_a_session_makes_offers_the_command_line_with_the_recipe():
    at = open_method("penguins", "gaussian_copula")
    rows = next(n for n in at.number_input if n.label == "Rows to generate")
    rows.set_value(5_000_000).run()
    assert not at.exception and not at.error
    assert at.button(key="synth_run").disabled  # not in the session...
    assert at.code[0].value == ("synthlab generate --data assets/samples/penguins.csv --recipe penguins.recipe.json "
                                "--rows 5000000 --out penguins-synthetic")  # ...but on the command line
    offer = [b for b in at.get("download_button") if b.proto.label == "Recipe for this run"]
    assert len(offer) == 1 and not offer[0].proto.disabled
    assert any("more than one session makes here" in m.value for m in at.markdown)


def test_a_private_run_says_the_budget_spent_and_what_the_guard_costs_it():
    """MST at ε = 1 on penguins: the run's notes give the ε spent; the card says what ε promises; the guard, which
    reads real rows, is flagged as outside the promise, and its note goes away with the guard."""
    at = open_method("penguins", "dp_mst", PRIVATE)
    at.number_input(key="synth::dp_mst::iterations").set_value(100).run()
    assert any("What ε promises" in m.value for m in at.markdown)
    assert any("ε does not cover that" in w.value for w in at.warning)
    at.button(key="synth_run").click().run()
    assert not at.exception and not at.error
    notes = [i.value for i in at.info]
    assert any("ε = 1 spent of 1 asked" in n for n in notes), notes
    assert any("privacy guard compared the drawn rows" in n for n in notes), notes
    assert abs(at.session_state["workspace"].runs[-1].epsilon - 1.0) < 0.01  # the run records what it spent
    at.toggle(key="synth_guard").set_value(False).run()
    assert not any("ε does not cover that" in w.value for w in at.warning)
    at.button(key="synth_run").click().run()
    notes = [i.value for i in at.info]
    assert any("spent of 1 asked" in n for n in notes) and not any("privacy guard compared" in n for n in notes)
    at.switch_page("pages/compare.py").run()
    at.button(key="compare_all").click().run()
    board = next(d.value for d in at.dataframe if "best for" in d.value.columns)
    assert board["ε spent"].round(2).tolist() == [1.0, 1.0] and any("ε spent" in c.value for c in at.caption)
    assert board["ε covers the rows"].tolist() == ["no", "yes"]  # the first run's guard read the real rows


def test_column_names_and_classes_in_the_drawing_panel_are_shown_as_text():
    import numpy as np

    from core.workspace import Workspace
    from tests.app.test_errors import HOSTILE, assert_shown_as_text

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({HOSTILE[2]: rng.normal(size=80), "when $x$": pd.date_range("2020-01-01", periods=80),
                          "[t](http://host/t)": rng.choice([":red[hi]", "**B**"], 80),
                          "id [l](http://host/l)": [f"r{i}" for i in range(80)]})
    ws = Workspace(frame, name="t.csv", source="upload:t.csv")
    ws.set_schema(ws.schema.with_target("[t](http://host/t)"))
    at = AppTest.from_file(conftest.APP, default_timeout=120)
    at.session_state["workspace"] = ws
    at.run()
    at.switch_page("pages/synthesize.py").run()
    at.radio(key="synth_group").set_value(STATISTICAL).run()
    at.multiselect(key="synth_conditions").set_value([HOSTILE[2], "when $x$"]).run()
    at.toggle(key="synth_quotas").set_value(True).run()
    assert not at.exception
    assert_shown_as_text(at, [HOSTILE[2], "when $x$", "[t](http://host/t)", ":red[hi]", "**B**"])


def test_back_in_a_family_its_method_is_the_one_last_chosen_there():
    """Statistical → Oversampling → Statistical silently chose Monte Carlo (the family's first), not the copula."""
    at = open_page("birthwt")
    assert at.selectbox(key="synth_method").value == "gaussian_copula"  # the suggested one
    at.radio(key="synth_group").set_value(OVERSAMPLING).run()
    at.selectbox(key="synth_method").select("adasyn").run()
    at.radio(key="synth_group").set_value(STATISTICAL).run()
    assert at.selectbox(key="synth_method").value == "gaussian_copula"
    at.selectbox(key="synth_method").select("cholesky").run()
    at.radio(key="synth_group").set_value(OVERSAMPLING).run()
    assert at.selectbox(key="synth_method").value == "adasyn"
    at.radio(key="synth_group").set_value(STATISTICAL).run()
    assert at.selectbox(key="synth_method").value == "cholesky" and not at.exception


def test_patience_is_greyed_out_while_early_stopping_is_off():
    at = open_method("penguins", "vae", NEURAL)
    assert at.number_input(key="synth::vae::patience").disabled
    at.checkbox(key="synth::vae::early_stopping").check().run()
    assert not at.number_input(key="synth::vae::patience").disabled and not at.exception


def test_the_page_takes_every_seed_a_recipe_takes():
    """The page refused seeds above 2,147,483,647 that recipes and the command line take (up to 2**32 - 1)."""
    at = open_method("penguins", "gaussian_copula")
    at.number_input(key="synth_seed").set_value(2**32 - 1).run()
    assert not at.button(key="synth_run").disabled
    at.number_input(key="synth_seed").set_value(2**32).run()
    assert any("from 0 to 4,294,967,295" in e.value for e in at.error)
