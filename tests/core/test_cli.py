"""The command line: generate from flags or a recipe (byte-identical replay), profile, evaluate; bad input is
exit code 2 and one sentence on standard error, never a traceback."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.cli import main
from core.io import read_table, write_table
from core.recipe import recipe_for
from core.samples import SAMPLES
from core.synth.run import generate
from core.synth.statistical import normal_score_correlation
from core.workspace import Run, Workspace

ROOT = Path(__file__).resolve().parents[2]
PENGUINS = str(SAMPLES["penguins"].path)
SALARIES = str(SAMPLES["salaries"].path)


def test_generate_from_flags_then_replay_its_recipe_byte_for_byte(tmp_path, capsys):
    out, recipe, again = tmp_path / "s.csv", tmp_path / "r.json", tmp_path / "again.parquet"
    assert main(["generate", "--data", PENGUINS, "--method", "gaussian_copula", "--rows", "120", "--seed", "4",
                 "--rule", "body_mass_g > 3000", "--derive", "kg = body_mass_g / 1000", "--out", str(out),
                 "--save-recipe", str(recipe)]) == 0
    table = read_table(out)
    assert len(table) == 120 and (table["body_mass_g"].dropna() > 3000).all() and "kg" in table
    assert "Wrote 120 rows" in capsys.readouterr().err
    kept = tmp_path / "kept.json"  # a replay saves the recipe it replayed, not one of the table's own inference
    assert main(["generate", "--data", PENGUINS, "--recipe", str(recipe), "--out", str(tmp_path / "b.csv"),
                 "--save-recipe", str(kept)]) == 0
    assert (tmp_path / "b.csv").read_bytes() == out.read_bytes()
    assert json.loads(kept.read_text()) == json.loads(recipe.read_text())
    assert main(["generate", "--data", PENGUINS, "--recipe", str(recipe), "--out", str(again)]) == 0
    parquet = pd.read_parquet(again)  # the same rows, written as Parquet
    assert list(parquet.columns) == list(table.columns) and len(parquet) == 120
    assert parquet["body_mass_g"].equals(table["body_mass_g"].astype(parquet["body_mass_g"].dtype))


def test_parameters_of_every_type_are_read_from_flags(tmp_path):
    df = read_table(SALARIES)
    ws = Workspace(df, name="salaries.csv")
    matrix = normal_score_correlation(ws.train, ws.schema)
    matrix.loc["salary", "yrs.since.phd"] = matrix.loc["yrs.since.phd", "salary"] = 0.8
    write = tmp_path / "corr.csv"
    write.write_bytes(write_table(matrix.reset_index(names="column"), "csv"))
    out = tmp_path / "c.csv"
    assert main(["generate", "--data", SALARIES, "--method", "cholesky", "--param", 'distributions={"salary": "gamma"}',
                 "--param", f"correlation={write}", "--rows", "80", "--seed", "2", "--out", str(out)]) == 0
    made = generate(ws.train, ws.schema, "cholesky", {"distributions": {"salary": "gamma"}, "correlation": matrix},
                    80, rng=2)
    assert out.read_bytes() == write_table(made.table, "csv")  # the flags ran exactly these settings
    assert main(["generate", "--data", PENGUINS, "--method", "vae", "--param", "epochs=2", "--param",
                 "early_stopping=false", "--param", "learning_rate=1e-3", "--rows", "10",
                 "--out", str(tmp_path / "v.csv")]) == 0


def test_a_recipe_from_the_app_replays_byte_for_byte_on_the_command_line(tmp_path):
    ws = Workspace(read_table(PENGUINS), name="penguins")  # as the app holds an uploaded table
    made = generate(ws.train, ws.schema, "monte_carlo", {"distributions": {"body_mass_g": "normal"}}, 60, rng=9)
    run = ws.add_run(Run(method="monte_carlo", params={"distributions": {"body_mass_g": "normal"}}, seed=9,
                         synthetic=made.table, fit_seconds=0.0, sample_seconds=0.0))
    (tmp_path / "r.json").write_text(recipe_for(ws, run).to_json())
    assert main(["generate", "--data", PENGUINS, "--recipe", str(tmp_path / "r.json"),
                 "--out", str(tmp_path / "o.csv")]) == 0
    assert (tmp_path / "o.csv").read_bytes() == write_table(run.synthetic, "csv")


@pytest.mark.parametrize(("method", "params"), [("gaussian_copula", []), ("vae", ["epochs=2", "early_stopping=false"])])
def test_fit_saves_a_model_that_generate_draws_from_without_the_data(tmp_path, capsys, method, params):
    model, drawn, fitted = tmp_path / "m.synthlab", tmp_path / "m.csv", tmp_path / "f.csv"
    settings = [f"--param={p}" for p in params]
    assert main(["fit", "--data", PENGUINS, "--method", method, *settings, "--seed", "6", "--rule",
                 "body_mass_g > 3000", "--derive", "kg = body_mass_g / 1000", "--out", str(model)]) == 0
    assert "holds the 275 rows it was fitted on" in capsys.readouterr().err
    assert main(["generate", "--model", str(model), "--rows", "70", "--seed", "6", "--out", str(drawn)]) == 0
    assert main(["generate", "--data", PENGUINS, "--method", method, *settings, "--seed", "6", "--rule",
                 "body_mass_g > 3000", "--derive", "kg = body_mass_g / 1000", "--rows", "70", "--out",
                 str(fitted)]) == 0
    assert drawn.read_bytes() == fitted.read_bytes()  # the saved model is the model the flags fit
    table = read_table(drawn)
    assert (table["body_mass_g"].dropna() > 3000).all() and "kg" in table
    assert main(["generate", "--model", str(model), "--rows", "70", "--seed", "7", "--out", str(drawn)]) == 0
    assert drawn.read_bytes() != fitted.read_bytes()  # another seed, other rows from the same model


def test_impute_fills_the_holes_like_the_impute_page(tmp_path, capsys):
    from core.impute.plan import impute, plan_for

    out = tmp_path / "filled.csv"
    data = str(SAMPLES["airquality"].path)
    assert main(["impute", "--data", data, "--method", "pmm", "--param", "max_iter=2", "--seed", "3",
                 "--rule", "Ozone >= 1", "--out", str(out)]) == 0
    assert "Filled" in capsys.readouterr().err
    ws = Workspace(read_table(data), name="airquality.csv")
    plan = plan_for(ws.real, ws.schema, "pmm", {"max_iter": 2, "donors": 5})
    expected = impute(ws.real, ws.schema, plan, rng=3, rules=["Ozone >= 1"]).table
    assert out.read_bytes() == write_table(expected, "csv")
    assert read_table(out)[["Ozone", "Solar.R"]].notna().all().all()


def test_profile_and_evaluate_write_json(tmp_path, capsys):
    assert main(["profile", "--data", PENGUINS, "--target", "species"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["rows"] == 344 and body["target"] == "species" and len(body["profile"]) == 8
    synthetic = tmp_path / "s.csv"
    assert main(["generate", "--data", PENGUINS, "--method", "gaussian_copula", "--rows", "200",
                 "--out", str(synthetic)]) == 0
    capsys.readouterr()
    assert main(["evaluate", "--data", PENGUINS, "--synthetic", str(synthetic), "--target", "species",
                 "--out", str(tmp_path / "scores.json")]) == 0
    scores = json.loads((tmp_path / "scores.json").read_text())
    assert 0 < scores["scores"]["quality"] <= 1 and set(scores["readings"]) >= {"quality", "detection_auc"}
    report = tmp_path / "report.html"
    assert main(["report", "--data", PENGUINS, "--synthetic", str(synthetic), "--out", str(report)]) == 0
    assert "<h2>The scores</h2>" in report.read_text() and "penguins.csv" in report.read_text()


@pytest.mark.parametrize(("argv", "said"), [
    ([], "Say what to do"),
    (["generate", "--data", PENGUINS, "--method", "nope", "--rows", "5", "--out", "x.csv"], "invalid choice: 'nope'"),
    (["generate", "--data", PENGUINS, "--method", "vae", "--rows", "ten", "--out", "x.csv"], "'ten' is not a whole"),
    (["generate", "--data", PENGUINS, "--method", "vae", "--rows", "5", "--out", "x.txt"], "should end in .csv"),
    (["generate", "--data", PENGUINS, "--method", "vae", "--param", "epoch=3", "--rows", "5", "--out", "x.csv"],
     "no parameter 'epoch'"),
    (["generate", "--data", PENGUINS, "--method", "vae", "--param", "epochs", "--rows", "5", "--out", "x.csv"],
     "should read NAME=VALUE"),
    (["generate", "--data", PENGUINS, "--method", "vae", "--param", "epochs=0", "--rows", "5", "--out", "x.csv"],
     "outside its range"),
    (["generate", "--data", PENGUINS, "--method", "gan", "--param", "early_stopping=maybe", "--rows", "5",
      "--out", "x.csv"], "true or false"),
    (["generate", "--data", PENGUINS, "--method", "monte_carlo", "--param", "distributions={", "--rows", "5",
      "--out", "x.csv"], "JSON object"),
    (["generate", "--data", "/no/such.csv", "--method", "vae", "--rows", "5", "--out", "x.csv"], "no file"),
    (["generate", "--data", PENGUINS, "--method", "smote", "--rows", "5", "--out", "x.csv"], "none is chosen"),
    (["generate", "--data", PENGUINS, "--method", "vae", "--out", "x.csv"], "how many --rows"),
    (["generate", "--method", "vae", "--rows", "5", "--out", "x.csv"], "which --data"),
    (["generate", "--model", PENGUINS, "--rows", "5", "--out", "x.csv"], "not a SynthLab model file"),
    (["generate", "--model", "m", "--data", PENGUINS, "--rows", "5", "--out", "x.csv"], "leave out --data"),
    (["generate", "--model", "m", "--param", "epochs=3", "--rows", "5", "--out", "x.csv"], "leave out --param"),
    (["generate", "--model", "m", "--out", "x.csv"], "how many --rows"),
    (["generate", "--model", "no-such-model", "--rows", "5", "--out", "x.csv"], "No such file"),
    (["fit", "--data", PENGUINS, "--out", "m"], "which --method"),
    (["fit", "--data", SALARIES, "--method", "monte_carlo", "--rule", "salary >", "--out", "m"], "not a valid"),
    (["fit", "--data", SALARIES, "--method", "monte_carlo", "--derive", "x = open('f')", "--out", "m"],
     "calls a function"),
    (["generate", "--data", PENGUINS, "--recipe", PENGUINS, "--out", "x.csv"], "not JSON"),
    (["generate", "--data", PENGUINS, "--recipe", "r.json", "--method", "vae", "--out", "x.csv"], "leave out --method"),
    (["generate", "--data", PENGUINS, "--recipe", "r.json", "--seed", "0", "--rule", "x > 1", "--out", "x.csv"],
     "leave out --seed, --rule"),
    (["generate", "--data", PENGUINS, "--method", "gaussian_copula", "--rows", "5", "--out", PENGUINS],
     "would write over or into --data"),
    (["generate", "--data", PENGUINS, "--method", "gaussian_copula", "--rows", "5", "--out", "x.csv",
      "--save-recipe", "x.csv"], "name the same file"),
    (["generate", "--data", str(Path(PENGUINS).parent), "--method", "gaussian_copula", "--rows", "5", "--out",
      str(Path(PENGUINS).parent / "synthetic")], "would write over or into --data"),
    (["fit", "--data", PENGUINS, "--method", "gaussian_copula", "--out", PENGUINS], "would write over"),
    (["profile", "--data", PENGUINS, "--out", PENGUINS], "would write over"),
    (["generate", "--data", PENGUINS, "--method", "gaussian_copula", "--rows", "5", "--condition", "sex=male",
      "--condition", "sex=female", "--out", "x.csv"], "names 'sex' twice"),
    (["generate", "--data", PENGUINS, "--method", "gaussian_copula", "--rows", "5", "--quota", "sex=male:2",
      "--quota", "sex=male:3", "--out", "x.csv"], "gives sex=male twice"),
    (["generate", "--data", PENGUINS, "--method", "gan", "--param", "epochs=1", "--param", "epochs=2", "--rows",
      "5", "--out", "x.csv"], "--param epochs is given twice"),
    (["evaluate", "--data", PENGUINS, "--synthetic", SALARIES], "has no column"),
    (["impute", "--data", PENGUINS, "--method", "knn", "--param", "neighbours=0", "--out", "x.csv"],
     "no parameter 'neighbours'"),
    (["impute", "--data", SALARIES, "--method", "mean", "--out", "x.csv"], "nothing to impute"),
    (["report", "--data", PENGUINS, "--synthetic", PENGUINS, "--out", "r.pdf"], "should end in .html"),
    (["generate", "--data", PENGUINS, "--method", "gaussian_copula", "--rows", "-1", "--out", "x.csv"],
     "whole number from 1 to 1,000,000, not -1"),
    (["generate", "--data", PENGUINS, "--method", "gaussian_copula", "--rows", "0", "--out", "x.csv"], "from 1 to"),
    (["generate", "--data", PENGUINS, "--method", "gaussian_copula", "--rows", str(10**12), "--out", "x.csv"],
     "more than this server allows in one run: at most 1,000,000 rows"),
    (["generate", "--data", PENGUINS, "--method", "vae", "--rows", "1e3", "--out", "x.csv"], "'1e3' is not a whole"),
    (["generate", "--data", PENGUINS, "--method", "vae", "--rows", "", "--out", "x.csv"], "'' is not a whole"),
    (["generate", "--data", PENGUINS, "--method", "gaussian_copula", "--seed", "-5", "--rows", "5", "--out", "x.csv"],
     "'-5' is not a seed: seeds are whole numbers from 0"),
    (["generate", "--data", PENGUINS, "--method", "gaussian_copula", "--seed", str(2**70), "--rows", "5",
      "--out", "x.csv"], "is not a seed"),
    (["impute", "--data", PENGUINS, "--method", "knn", "--seed", "-1", "--out", "x.csv"], "is not a seed"),
    (["generate", "--data", PENGUINS, "--method", "gaussian_copula", "--quota", "species=Adelie:x", "--rows", "5",
      "--out", "x.csv"], "should read COLUMN=VALUE:ROWS, and 'x' is not a whole number"),
    (["generate", "--data", PENGUINS, "--method", "gan", "--param", "epochs=1e400", "--rows", "5", "--out", "x.csv"],
     "'epochs' = '1e400' is outside its range 1 to 10,000"),
    (["generate", "--data", PENGUINS, "--method", "gan", "--param", "epochs=nan", "--rows", "5", "--out", "x.csv"],
     "'epochs' must be a number, not NaN"),
    (["generate", "--data", PENGUINS, "--method", "gan", "--param", "epochs=", "--rows", "5", "--out", "x.csv"],
     "'epochs' must be a number, not ''"),
    (["generate", "--data", PENGUINS, "--method", "cholesky", "--param", "correlation=", "--rows", "5", "--out",
      "x.csv"], "needs the path of a CSV file"),
    (["generate", "--data", PENGUINS, "--method", "gan", "--param", "=3", "--rows", "5", "--out", "x.csv"],
     "should read NAME=VALUE"),
])
def test_bad_input_is_exit_code_2_and_one_sentence(tmp_path, monkeypatch, capsys, argv, said):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    refusal = err.strip().splitlines()[-1]  # (after any progress line)
    assert said in refusal and refusal.startswith("synthlab: ") and "Traceback" not in err


def test_a_model_or_recipe_with_an_impossible_row_count_or_setting_is_a_sentence(tmp_path, capsys):
    model, recipe = tmp_path / "m.synthlab", tmp_path / "r.json"
    assert main(["fit", "--data", PENGUINS, "--method", "gaussian_copula", "--out", str(model)]) == 0
    assert main(["generate", "--data", PENGUINS, "--method", "gan", "--param", "epochs=1", "--rows", "5",
                 "--out", str(tmp_path / "o.csv"), "--save-recipe", str(recipe)]) == 0
    body = json.loads(recipe.read_text())
    body["params"]["epochs"] = "EPOCHS"
    (tmp_path / "inf.json").write_text(json.dumps(body).replace('"EPOCHS"', "1e400"))
    capsys.readouterr()
    for argv, said in ((["--model", str(model), "--rows", "-1"], "whole number from 1 to"),  # (was 65,535 rows)
                       (["--data", PENGUINS, "--recipe", str(recipe), "--rows", "0"], "whole number from 1 to"),
                       (["--data", PENGUINS, "--recipe", str(tmp_path / "inf.json")],
                        "holds the number 1e400, beyond what a number can hold")):
        assert main(["generate", *argv, "--out", str(tmp_path / "x.csv")]) == 2
        err = capsys.readouterr().err
        assert said in err.strip().splitlines()[-1] and "Traceback" not in err
    assert not (tmp_path / "x.csv").exists()


def test_python_dash_m_core_runs_the_same_command_line(tmp_path):
    out = tmp_path / "s.csv"
    done = subprocess.run([sys.executable, "-m", "core", "generate", "--data", PENGUINS, "--method", "gaussian_copula",
                           "--rows", "30", "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert len(read_table(out)) == 30
    bad = subprocess.run([sys.executable, "-m", "core", "generate", "--data", PENGUINS], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr
    helped = subprocess.run([sys.executable, "-m", "core", "generate", "--help"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert "loss_factor" in helped.stdout and "Weight of reconstruction" in helped.stdout  # from the declarations


@pytest.mark.parametrize("flags", [["--rule", "glu >"], ["--derive", "x = nocol"], ["--condition", "nocol=1"],
                                   ["--quota", "nocol=a:5"]])
def test_a_rule_formula_or_condition_that_cannot_run_is_refused_before_training(tmp_path, capsys, flags):
    """It was said after the training (minutes, at the default epochs), glued to the end of the progress bar."""
    argv = ["generate", "--data", str(SAMPLES["pima_tr"].path), "--method", "gan", "--param", "epochs=20",
            "--rows", "5", *flags, "--out", str(tmp_path / "x.csv")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "epoch" not in err and err.strip().splitlines()[-1].startswith("synthlab: ")


def test_an_unexpected_failure_is_one_sentence_not_a_traceback(tmp_path, capsys, monkeypatch):
    import core.cli

    monkeypatch.setattr(core.cli, "_profile", lambda args: {}["boom"])
    assert main(["profile", "--data", PENGUINS]) == 1
    err = capsys.readouterr().err
    assert err.startswith("synthlab: the command failed unexpectedly (KeyError") and "Traceback" not in err


def test_the_readers_notices_are_said(tmp_path, capsys):
    data = tmp_path / "d.csv"
    data.write_text("a,a,\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(30)))
    assert main(["profile", "--data", str(data), "--out", str(tmp_path / "p.json")]) == 0
    err = capsys.readouterr().err
    assert "a_2" in err and "column_3" in err


def test_how_the_table_is_typed_is_said(tmp_path, capsys):
    """Time spans became seconds in every row written, and the command line said nothing."""
    data = tmp_path / "d.parquet"
    spans = pd.to_timedelta(np.arange(40) * 60 + 15, unit="s").to_series().reset_index(drop=True)
    pd.DataFrame({"k": spans.where(np.arange(40) % 7 != 0), "v": np.arange(40.0)}).to_parquet(data)
    assert main(["impute", "--data", str(data), "--method", "median", "--out", str(tmp_path / "i.csv")]) == 0
    assert "'k' holds time spans: SynthLab reads them as seconds." in capsys.readouterr().err


def test_condition_and_quota_values_name_codes_with_leading_zeros_and_missing_values(tmp_path):
    """'007' was read as the number 7, which names no code; an empty value asked for the label ''."""
    data = tmp_path / "z.csv"
    data.write_text("zip,v,opt\n" + "".join(f"{z},{i},{'' if i % 4 == 0 else 'y'}\n"
                                           for i, z in enumerate(["007", "010", "123"] * 20)))
    out = tmp_path / "o.csv"
    assert main(["generate", "--data", str(data), "--method", "gaussian_copula", "--rows", "30", "--condition",
                 "zip=007,010", "--out", str(out)]) == 0
    assert set(pd.read_csv(out, dtype={"zip": str})["zip"]) <= {"007", "010"}
    assert main(["generate", "--data", str(data), "--method", "gaussian_copula", "--rows", "12", "--quota",
                 "zip=007:5", "--quota", "zip=123:7", "--out", str(out)]) == 0
    assert pd.read_csv(out, dtype={"zip": str})["zip"].value_counts().to_dict() == {"123": 7, "007": 5}
    assert main(["generate", "--data", str(data), "--method", "gaussian_copula", "--rows", "10", "--condition",
                 "opt=", "--out", str(out)]) == 0
    assert pd.read_csv(out)["opt"].isna().all()
    numbers = tmp_path / "n.csv"  # a number label written another way still names it
    pd.DataFrame({"y": [0, 1] * 20, "k": [1000, 2500] * 20, "v": range(40)}).to_csv(numbers, index=False)
    assert main(["generate", "--data", str(numbers), "--method", "gaussian_copula", "--rows", "10", "--condition",
                 "y=1.0", "--condition", "k=1e3", "--out", str(out)]) == 0
    drawn = pd.read_csv(out)
    assert set(drawn["y"]) == {1} and set(drawn["k"]) == {1000}
