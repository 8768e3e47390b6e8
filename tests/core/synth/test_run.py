"""A whole generation: fit, sample, derived columns, rules and notes."""

import numpy as np
import pandas as pd
import pytest

from core.errors import DataError, ParameterError
from core.io import read_table
from core.samples import SAMPLES
from core.schema import infer_schema
from core.synth.neural import TrainingMonitor
from core.synth.run import generate


@pytest.fixture(scope="module")
def salaries():
    df = read_table(SAMPLES["salaries"].path)
    return df, infer_schema(df, target="rank")


def test_generate_with_rules_and_derived_columns(salaries):
    df, schema = salaries
    result = generate(df, schema, "gaussian_copula", {}, 500, rng=0,
                      rules=["salary >= 60000", "`yrs.service` <= `yrs.since.phd`"],
                      derived=["salary_k = salary / 1000", "senior = `yrs.service` > 20"])
    table = result.table
    assert len(table) == 500 and (table["salary"] >= 60000).all()
    assert (table["yrs.service"] <= table["yrs.since.phd"]).all()
    np.testing.assert_allclose(table["salary_k"], table["salary"] / 1000)
    assert [r.rule for r in result.rule_report] == ["salary >= 60000", "`yrs.service` <= `yrs.since.phd`"]
    assert result.fit_seconds >= 0 and result.sample_seconds >= 0
    again = generate(df, schema, "gaussian_copula", {}, 500, rng=0, rules=["salary >= 60000",
                     "`yrs.service` <= `yrs.since.phd`"], derived=["salary_k = salary / 1000",
                                                                   "senior = `yrs.service` > 20"])
    pd.testing.assert_frame_equal(table, again.table)


def test_generation_errors_are_sentences(salaries):
    df, schema = salaries
    with pytest.raises(ParameterError, match="Unknown method"):
        generate(df, schema, "magic", {}, 10)
    with pytest.raises(DataError, match="keeps the real rows"):
        generate(df, schema, "smote", {}, 1000, rules=["salary > 0"])
    with pytest.raises(ParameterError, match="not a derived column"):
        generate(df, schema, "gaussian_copula", {}, 10, derived=["salary > 3"])
    with pytest.raises(ParameterError, match="not a column"):
        generate(df, schema, "gaussian_copula", {}, 10, rules=["wage > 3"])


def test_notes_from_the_privacy_filter(salaries):
    df, schema = salaries
    result = generate(df, schema, "smote", {"mode": "replace", "k_neighbors": 3}, 200, rng=1)
    assert result.notes and result.notes[0].startswith("Privacy filter")


def test_neural_generation_is_seeded_by_rng_and_reports_its_training(salaries):
    df, schema = salaries
    monitor = TrainingMonitor()
    result = generate(df, schema, "vae", {"epochs": 20}, 300, rng=7, rules=["salary >= 60000"], monitor=monitor)
    assert len(result.table) == 300 and (result.table["salary"] >= 60_000).all()
    assert len(monitor.history) == 20 and result.model.seed_ == 7
    assert result.notes[0].startswith("Training: completed; 20 epochs in") and "fidelity" in result.notes[0]
    again = generate(df, schema, "vae", {"epochs": 20}, 300, rng=7, rules=["salary >= 60000"])
    pd.testing.assert_frame_equal(result.table, again.table)


def test_a_run_notes_what_fitting_decided_on_its_own():
    df = pd.DataFrame({"x": [1.0, 2.0, np.inf, 4.0, 5.0, 6.0] * 10, "y": list("abcabc") * 10})
    result = generate(df, infer_schema(df), "gaussian_copula", {}, 30, rng=0)
    assert any("infinite" in note for note in result.notes)


@pytest.mark.parametrize("n", [-1, 0, True, 5.0, np.float64(5), "5", None, 1_000_001, 10**12, np.int64(-3),
                               pytest.param(10**5000, id="10^5000"), pytest.param(-10**5000, id="-10^5000")])
def test_a_row_count_outside_one_to_the_server_limit_is_refused_before_fitting(salaries, monkeypatch, n):
    df, schema = salaries
    monkeypatch.setattr("core.synth.run.fit_model", lambda *a, **k: pytest.fail("fitted before checking n"))
    with pytest.raises(ParameterError, match=r"number of rows|more than this server allows"):
        generate(df, schema, "gaussian_copula", {}, n, rng=0)


def test_the_row_limit_is_the_configured_one_for_generate_and_draw(salaries, tmp_path, monkeypatch):
    from core.limits import limits
    from core.synth.run import draw_guarded

    df, schema = salaries
    (tmp_path / "synthlab.toml").write_text("[limits]\nmax_rows_generate = 50\n")
    monkeypatch.setenv("SYNTHLAB_CONFIG", str(tmp_path / "synthlab.toml"))
    limits.cache_clear()
    try:
        made = generate(df, schema, "gaussian_copula", {}, np.int64(50), rng=0)
        assert len(made.table) == 50
        with pytest.raises(ParameterError, match="at most 50 rows") as refused:
            generate(df, schema, "gaussian_copula", {}, 51, rng=0)
        assert "max_rows_generate" in refused.value.hint
        for n in (-1, 51):  # a fitted model's draws too (-1 was 65,535 rows)
            with pytest.raises(ParameterError):
                draw_guarded(made.model, n, df, schema, rng=0)
    finally:
        monkeypatch.undo()
        limits.cache_clear()


def test_a_negative_seed_is_a_sentence(salaries):
    df, schema = salaries
    with pytest.raises(ParameterError, match="seed must be a whole number from 0"):
        generate(df, schema, "gaussian_copula", {}, 10, rng=-5)


def test_derived_columns_defined_twice_are_refused_and_surprising_ones_noted():
    df = read_table(SAMPLES["penguins"].path)
    schema = infer_schema(df)
    with pytest.raises(ParameterError, match="'z' is defined twice"):
        generate(df, schema, "gaussian_copula", {}, 10, rng=0, derived=["z = 1", "z = 2"])
    made = generate(df, schema, "gaussian_copula", {}, 50, rng=0,
                    derived=["species = 1", "z = body_mass_g / 0", "w = log(-1)", "ok = body_mass_g / 1000"])
    notes = " ".join(made.notes)
    assert "'species' replaces the synthetic column" in notes
    assert "'z' has no finite value" in notes and "'w' has no finite value" in notes and "'ok'" not in notes
    assert "with the one value '1' in every row" in notes and "the target" not in notes
    made = generate(df, schema.with_target("species"), "gaussian_copula", {}, 50, rng=0, derived=["species = 1"])
    assert "'species' replaces the synthetic column of that name, the target: the utility scores then test the " \
           "formula" in " ".join(made.notes)


def test_a_derived_column_that_does_not_parse_gets_a_derived_columns_example():
    from core.synth.run import parse_derived

    with pytest.raises(ParameterError) as caught:
        parse_derived(["pulse = systolic - "], ["systolic"])
    assert "pulse_pressure = systolic - diastolic" in caught.value.hint and "age >= 18" not in caught.value.hint
