"""Recipes: a run written as JSON and made again from the same table, byte for byte; and recipes that are
not recipes, or do not fit the loaded table, refused with a sentence."""

import json
import time

import numpy as np
import pandas as pd
import pytest

from core.errors import SynthLabError
from core.impute.plan import Step, impute
from core.io import read_table, write_table
from core.recipe import RecipeError, load_recipe, recipe_for, replay
from core.samples import SAMPLES
from core.synth import METHODS
from core.synth.run import generate
from core.synth.statistical import normal_score_correlation
from core.workspace import Run, Workspace


def workspace(sample: str, target: str | None = None, *, seed: int = 0) -> Workspace:
    ws = Workspace(read_table(SAMPLES[sample].path), name=sample, seed=seed)
    if target:
        ws.set_schema(ws.schema.with_target(target))
    return ws


def make_run(ws: Workspace, method: str, params: dict, n: int, seed: int, rules=(), derived=()) -> Run:
    """A run as the Synthesize page makes it."""
    made = generate(ws.train, ws.schema, method, params, n, rng=seed, rules=list(rules), derived=list(derived))
    return ws.add_run(Run(method=method, params=params, seed=seed, synthetic=made.table, fit_seconds=0.0,
                          sample_seconds=0.0, rules=list(rules), derived=list(derived), notes=made.notes))


def replayed(ws: Workspace, run: Run, fresh: Workspace) -> bytes:
    text = recipe_for(ws, run).to_json()
    return write_table(replay(load_recipe(text), fresh).table, "csv")


def test_a_recipe_replays_a_statistical_run_byte_for_byte_with_rules_and_derived_columns():
    ws = workspace("salaries", seed=3)
    ws.set_schema(ws.schema.with_kind("yrs.service", "continuous"))  # a kind the user changed
    base = normal_score_correlation(ws.train, ws.schema)
    edited = base.copy()
    edited.loc["salary", "yrs.since.phd"] = edited.loc["yrs.since.phd", "salary"] = 0.9
    runs = [make_run(ws, "gaussian_copula", {}, 300, 5, rules=["salary > 80000"], derived=["k = salary / 1000"]),
            make_run(ws, "monte_carlo", {"distributions": {"salary": "gamma"}}, 250, 1),
            make_run(ws, "cholesky", {"distributions": {}, "correlation": edited}, 200, 2)]
    fresh = workspace("salaries", seed=3)  # loaded again, with the inferred kinds: the recipe brings its own
    for run in runs:
        assert replayed(ws, run, fresh) == write_table(run.synthetic, "csv"), run.method
    recipe = json.loads(recipe_for(ws, runs[2]).to_json())
    assert recipe["params"]["correlation"]["values"][recipe["params"]["correlation"]["columns"].index("salary")]
    assert recipe["data"]["schema"]["kinds"]["yrs.service"] == "continuous" and recipe["seed"] == 2


def test_a_recipe_replays_oversampling_and_a_neural_network():
    ws = workspace("birthwt", "low")
    fresh = workspace("birthwt", "low")
    for method, params in (("smote", {"mode": "replace", "k_neighbors": 3, "privacy_share": 0.1}),
                           ("vae", {**METHODS["vae"].quick})):
        run = make_run(ws, method, params, 120, 4)
        assert replayed(ws, run, fresh) == write_table(run.synthetic, "csv"), method


def test_a_recipe_replays_the_imputation_of_the_working_table():
    ws = workspace("airquality")
    plan = {"steps": [{"column": "Ozone", "method": "pmm", "params": {"max_iter": 2}},
                      {"column": "Solar.R", "method": "hot_deck", "params": {}}], "seed": 7, "rules": ["Ozone >= 1"]}
    steps = [Step(s["column"], s["method"], s["params"]) for s in plan["steps"]]
    ws.set_imputed(impute(ws.real, ws.schema, steps, rng=7, rules=plan["rules"]).table, "pmm", plan=plan)
    run = make_run(ws, "gaussian_copula", {}, 150, 0)
    ws.restore_original()  # the run keeps the plan it was made with
    assert replayed(ws, run, workspace("airquality")) == write_table(run.synthetic, "csv")


def test_runs_drawn_again_from_a_network_have_no_recipe():
    ws = workspace("penguins")
    run = make_run(ws, "gaussian_copula", {}, 50, 0)
    run.drawn_from = "vae #1"
    with pytest.raises(RecipeError, match="drawn from the network of run 'vae #1'"):
        recipe_for(ws, run)


def test_a_recipe_that_does_not_fit_the_table_says_which_column():
    ws = workspace("penguins")
    text = recipe_for(ws, make_run(ws, "gaussian_copula", {}, 50, 0)).to_json()
    recipe = load_recipe(text)
    other = Workspace(read_table(SAMPLES["penguins"].path).drop(columns=["island"]), name="p")
    with pytest.raises(RecipeError, match="needs a column 'island'"):
        replay(recipe, other)
    extra = Workspace(read_table(SAMPLES["penguins"].path).assign(extra=1.0), name="p")
    with pytest.raises(RecipeError, match="column 'extra' the recipe's table did not have"):
        replay(recipe, extra)
    body = json.loads(text)
    body["data"]["schema"]["kinds"]["species"] = "continuous"
    with pytest.raises(RecipeError, match="does not fit the loaded table: 'species' can't be continuous"):
        replay(load_recipe(json.dumps(body)), ws)
    changed = read_table(SAMPLES["penguins"].path)
    changed.loc[0, "body_mass_g"] = 9_999
    result = replay(recipe, Workspace(changed, name="p"))  # same columns, other values: runs, and says so
    assert any("other values than the table the recipe was made from" in note for note in result.notes)


@pytest.mark.parametrize(("mutate", "said"), [
    (lambda b: "not json {", "not JSON"),
    (lambda b: json.dumps([1, 2]), "not a SynthLab recipe"),
    (lambda b: json.dumps({**b, "format_version": 99}), "format version 99"),
    (lambda b: json.dumps({**b, "method": "__import__('os')"}), "not one this SynthLab has"),
    (lambda b: json.dumps({k: v for k, v in b.items() if k != "method"}), "names no method"),
    (lambda b: json.dumps({**b, "params": {"nonsense": 1}}), "has no parameter 'nonsense'"),
    (lambda b: json.dumps({**b, "seed": "0"}), "seed must be a whole number"),
    (lambda b: json.dumps({**b, "parms": {"epochs": 2}}), "a setting 'parms' that recipes do not have"),
    (lambda b: json.dumps(b).replace('"seed": 0', '"seed": 0, "seed": 7'), "gives 'seed' twice"),
    (lambda b: json.dumps({**b, "rules": "x > 1"}), "list of lines"),
    (lambda b: json.dumps(b).replace('"seed": 0', '"seed": NaN'), "not JSON"),
    (lambda b: " " * 1_000_001, "at most 1,000,000"),
    (lambda b: json.dumps({**b, "holdout": {"share": "all"}}), "held out"),
    (lambda b: json.dumps({**b, "holdout": {"share": 0.2, "seed": -1}}), "holdout seed must be a whole number"),
    (lambda b: json.dumps({**b, "holdout": {"share": 0.2, "seed": 10**30}}), "holdout seed must be a whole number"),
    (lambda b: json.dumps({**b, "holdout": {"share": "0.2", "seed": 0}}), "holdout share must be a number"),
    (lambda b: json.dumps({**b, "holdout": {"share": 1.5, "seed": 0}}), "holdout share must be a number"),
    (lambda b: json.dumps({**b, "holdout": {"share": 10**4000, "seed": 0}}), "holdout share must be a number"),
    (lambda b: json.dumps(b).replace('"share": 0.2', '"share": 1e400'), "holds the number 1e400"),
    (lambda b: json.dumps({**b, "seed": 10**4000}), r"seed must be a whole number from 0 to 4,294,967,295, not "
                                                    r"about 10\^4000"),
    (lambda b: json.dumps({**b, "imputation": {"steps": [], "seed": "abc"}}), "imputation is not a plan"),
    (lambda b: json.dumps({**b, "imputation": {"steps": [], "seed": -1}}), "imputation is not a plan"),
    (lambda b: json.dumps({**b, "imputation": {"steps": [], "rules": "Temp > 60"}}), "imputation is not a plan"),
    (lambda b: json.dumps({**b, "drawing": {"quotas": {"species": [[["Adelie"], 5]]}}}), "quotas are refused"),
    (lambda b: json.dumps({**b, "drawing": {"guard": {"copies": "no"}}}), "'copies' must be true or false"),
    (lambda b: json.dumps({**b, "drawing": {"guard": {"close_share": True}}}), "between 0 and 1"),
    (lambda b: '{"format": "synthlab-recipe", "x": ' + "[" * 5000 + "]" * 5000 + "}", "nested deeper|not JSON"),
    (lambda b: json.dumps({**b, "method": "cholesky", "params": {"correlation": {"columns": [[1], [2]],
                                                                               "values": [[1, .5], [.5, 1]]}}}),
     "parameters are refused"),
])
def test_what_is_not_a_recipe_is_refused_with_a_sentence(mutate, said):
    ws = workspace("penguins")
    body = json.loads(recipe_for(ws, make_run(ws, "gaussian_copula", {}, 20, 0)).to_json())
    with pytest.raises(RecipeError, match=said):
        load_recipe(mutate(body))


def _mutations(value, rng: np.random.Generator):
    """A copy of a JSON value with one random change somewhere inside."""
    if isinstance(value, dict) and value and rng.random() < 0.8:
        key = list(value)[rng.integers(len(value))]
        out = dict(value)
        if rng.random() < 0.2:
            del out[key]
        else:
            out[key] = _mutations(value[key], rng)
        return out
    if isinstance(value, list) and value and rng.random() < 0.8:
        out = list(value)
        i = rng.integers(len(out))
        out[i] = _mutations(out[i], rng)
        return out
    return [None, True, -1, 10**30, 1e308, "", "x" * 10_000, [[[[]]]], {"a": {}}, 0.5, "normal"][rng.integers(11)]


def test_fuzzed_recipes_are_a_recipe_or_a_sentence():
    ws = workspace("salaries")
    base = normal_score_correlation(ws.train, ws.schema)
    body = json.loads(recipe_for(ws, make_run(ws, "cholesky", {"distributions": {"salary": "gamma"},
                                                              "correlation": base}, 30, 0)).to_json())
    rng = np.random.default_rng(12)
    for _ in range(300):
        start = time.perf_counter()
        try:
            load_recipe(json.dumps(_mutations(body, rng)))
        except SynthLabError as exc:
            assert exc.message
        assert time.perf_counter() - start < 5
    nested: list = [1]
    for _ in range(30):
        nested = [nested]
    deep = json.dumps({"format": "synthlab-recipe", "x": nested})
    with pytest.raises(RecipeError):
        load_recipe(deep)
    with pytest.raises(RecipeError):
        load_recipe("[" * 100_000)  # deeper than the JSON reader goes


def test_a_matrix_parameter_survives_the_json():
    ws = workspace("salaries")
    base = normal_score_correlation(ws.train, ws.schema)
    run = make_run(ws, "cholesky", {"distributions": {}, "correlation": base}, 30, 0)
    back = load_recipe(recipe_for(ws, run).to_json()).params["correlation"]
    pd.testing.assert_frame_equal(back, base.astype(float), check_exact=False, atol=1e-12)
