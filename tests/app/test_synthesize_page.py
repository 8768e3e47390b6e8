"""AppTest for the Synthesize page: every family generates a run; runs are renamed, deleted, downloaded."""

import pandas as pd
from streamlit.testing.v1 import AppTest

from tests.app import conftest

STATISTICAL = "Statistical models (a whole synthetic table)"


def open_page(sample: str | None = None, frame: pd.DataFrame | None = None) -> AppTest:
    return conftest.open_page("pages/synthesize.py", sample, frame)


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
    assert len(at.get("download_button")) == 2


def test_rules_derived_columns_and_a_bad_rule():
    at = open_page("airquality")
    at.radio(key="synth_group").set_value(STATISTICAL).run()
    at.selectbox(key="synth_method").select("gaussian_copula").run()
    at.text_area(key="synth_rules").set_value("Temp >= 60\n`Solar.R` > 50").run()
    at.text_area(key="synth_derived").set_value("celsius = (Temp - 32) * 5 / 9").run()
    at.button(key="synth_run").click().run()
    assert not at.error
    table = at.dataframe[1].value
    assert (table["Temp"] >= 60).all() and "celsius" in table.columns
    assert any("Rule 'Temp >= 60' rejected" in i.value for i in at.info)
    at.text_area(key="synth_rules").set_value("__import__('os').getcwd()").run()
    at.button(key="synth_run").click().run()
    assert any("rules do not" in e.value for e in at.error) and not at.exception


def test_oversampling_after_imputation_and_its_errors():
    at = open_page("birthwt")
    at.button(key="synth_run").click().run()  # random oversampling, bulk out, on a complete table
    assert not at.error and at.success[0].value.startswith("Generated")
    at.selectbox(key="synth_method").select("smote").run()
    at.button(key="synth_run").click().run()
    assert not at.error
    penguins = open_page("penguins")
    penguins.selectbox(key="synth_method").select("smote").run()
    penguins.button(key="synth_run").click().run()
    assert any("missing values" in e.value for e in penguins.error) and not penguins.exception


def test_fitting_panel_and_correlation_editor_render():
    at = open_page("salaries")
    at.radio(key="synth_group").set_value(STATISTICAL).run()
    at.selectbox(key="synth_method").select("cholesky").run()
    at.selectbox(key="fit_column").select("salary").run()
    assert not at.exception and not at.error
    assert any("AIC" in d.value.columns for d in at.dataframe)


def test_a_cholesky_run_shows_target_and_achieved_correlations():
    at = open_page("salaries")
    at.radio(key="synth_group").set_value(STATISTICAL).run()
    at.selectbox(key="synth_method").select("cholesky").run()
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
    assert any("How this network learns" in e.label for e in at.expander)
    at.number_input(key="synth::vae::epochs").set_value(20).run()
    at.button(key="synth_run").click().run()
    assert not at.exception
    finish_training(at)
    assert not at.exception and not at.error
    assert at.success[0].value.startswith("Trained Variational autoencoder (TVAE) and generated 275 rows as run")
    assert any(i.value.startswith("Training: completed; 20 epochs") for i in at.info)
    assert any("Mode-collapse check" in s.value for s in [*at.success, *at.warning])
    assert at.dataframe[0].value["run"].tolist() == ["vae #1"]
    assert at.button(key="synth_run").label == "Train and generate" and not at.button(key="synth_run").disabled
    at.number_input(key="redraw_n").set_value(1_000).run()
    at.button(key="redraw").click().run()  # more rows from the trained network, without training
    assert not at.exception and not at.error
    assert at.dataframe[0].value["run"].tolist() == ["vae #1", "vae #2"]
    assert at.dataframe[0].value["rows"].tolist() == [275, 1_000] and at.dataframe[0].value["fit s"].iloc[1] == 0
    assert any("Drawn from the network trained for run 'vae #1'" in c.value for c in at.caption)


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
    at.number_input(key="synth::gan::batch_size").set_value(105).run()
    at.button(key="synth_run").click().run()
    finish_training(at)
    assert "must be a multiple of pac" in at.error[0].value and not at.exception
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
