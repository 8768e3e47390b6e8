"""Designed scenarios: declared marginals and correlations come back, rules hold, JSON round-trips, seeds repeat,
and every bad field is a sentence."""

import copy
import json
import time

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from core.design import correlation_check, design, generate, load_scenario, worked_scenarios
from core.errors import DataError, ParameterError, SynthLabError

N = 5_000
KS_TOLERANCE = 0.025  # the KS distance at n = 5,000 (the 1% critical value is 1.63/√n = 0.023, plus ties' slack)
CORRELATION_TOLERANCE = 0.05


def spec(method="copula", rules=(), derived=()):
    return {
        "version": 1, "name": "test", "rows": 100, "seed": 0,
        "columns": [
            {"name": "x", "kind": "continuous", "distribution": {"family": "normal", "params": {"mean": 5, "sd": 2}}},
            {"name": "y", "kind": "continuous", "distribution": {"family": "lognormal",
                                                                  "params": {"meanlog": 1, "sdlog": 0.7}}},
            {"name": "g", "kind": "continuous", "distribution": {"family": "gamma", "params": {"shape": 2, "scale": 3}},
             "bounds": [1, 20]},
            {"name": "h", "kind": "continuous", "histogram": {"edges": [0, 1, 3, 6], "weights": [1, 4, 2]}},
            {"name": "t", "kind": "continuous", "distribution": {"family": "triangular",
                                                                  "params": {"low": 0, "mode": 2, "high": 10}}},
            {"name": "c", "kind": "categorical", "categories": {"a": 0.5, "b": 0.3, "c": 0.2}},
            {"name": "k", "kind": "integer", "distribution": {"family": "poisson", "params": {"mean": 4}}},
            {"name": "d", "kind": "datetime", "dates": {"start": "2024-01-01", "end": "2024-12-31",
                                                         "weekly": [1, 1, 1, 1, 1, 3, 0]}},
        ],
        "correlation": {"method": method, "columns": ["x", "y", "g", "h"],
                        "matrix": [[1, 0.6, -0.3, 0.2], [0.6, 1, 0.0, 0.4], [-0.3, 0.0, 1, 0.1], [0.2, 0.4, 0.1, 1]]},
        "derived": list(derived), "rules": list(rules)}


@pytest.fixture(scope="module", params=["copula", "cholesky"])
def drawn(request):
    scenario = load_scenario(spec(request.param))
    return scenario, generate(scenario, N, rng=7)


def test_marginals_are_the_declared_ones(drawn):
    scenario, table = drawn
    for column in scenario.columns:
        if column.kind == "continuous":
            distance = stats.kstest(table[column.name], column.marginal.cdf).statistic
            assert distance < KS_TOLERANCE, (column.name, distance)
    assert table["g"].between(1, 20).all()
    shares = table["c"].value_counts(normalize=True)
    assert abs(shares["a"] - 0.5) < 0.02 and abs(shares["c"] - 0.2) < 0.02
    assert abs(table["k"].mean() - 4) < 0.1 and table["k"].dtype == np.int64
    weekday = table["d"].dt.dayofweek.value_counts(normalize=True)
    assert 6 not in weekday.index and abs(weekday[5] - 3 / 8) < 0.02  # Sunday never, Saturday 3 parts of 8


def test_correlations_reach_the_target(drawn):
    scenario, table = drawn
    target, achieved = correlation_check(scenario, table)
    assert (target - achieved).abs().to_numpy().max() < CORRELATION_TOLERANCE


def test_rules_hold_on_every_row_and_derived_columns_follow():
    scenario = load_scenario(spec("cholesky", rules=["x > 4", "ratio < 3"], derived=["ratio = y / x"]))
    out = design(scenario, 2_000, rng=1)
    assert len(out.table) == 2_000 and (out.table["x"] > 4).all() and (out.table["ratio"] < 3).all()
    assert np.allclose(out.table["ratio"], out.table["y"] / out.table["x"])
    assert out.rule_report[0].share > 0.2  # about 31% of x ~ N(5, 2) lie at or below 4


def test_an_impossible_target_is_repaired_with_a_notice():
    data = spec()
    data["correlation"]["matrix"] = [[1, 0.9, 0.9, 0], [0.9, 1, -0.9, 0], [0.9, -0.9, 1, 0], [0, 0, 0, 1]]
    scenario = load_scenario(data)
    assert any("nearest valid" in n and "moved by up to" in n for n in scenario.notices)
    assert np.linalg.eigvalsh(scenario.correlation).min() > 0
    target, achieved = correlation_check(scenario, generate(scenario, N, rng=0))
    assert (target - achieved).abs().to_numpy().max() < CORRELATION_TOLERANCE  # the repaired one is reached
    data["correlation"]["matrix"] = [[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]  # a hair from valid
    assert any("moved by up to less than 0.001" in n for n in load_scenario(data).notices)  # (not "up to 0.000")


def test_json_round_trip_and_seeds():
    scenario = load_scenario(json.dumps(spec(derived=["noisy = x + normal(0, 1)"], rules=["noisy > 0"])))
    again = load_scenario(scenario.to_json())
    assert again.to_dict() == scenario.to_dict()
    first = generate(scenario, 300, rng=3)
    assert first.equals(generate(again, 300, rng=3)) and first.equals(scenario.generate(300, rng=3))
    assert not first.equals(generate(scenario, 300, rng=4))
    assert generate(scenario).equals(generate(scenario, 100, rng=0))  # defaults: its rows and its seed


def test_random_terms_have_the_declared_mean_and_spread():
    scenario = load_scenario(spec(derived=["e = normal(3, 2)", "u = uniform(-1, 1)", "p = poisson(g)",
                                           'pick = choice("s", "m", "l")']))
    table = generate(scenario, 20_000, rng=5)
    assert abs(table["e"].mean() - 3) < 0.05 and abs(table["e"].std() - 2) < 0.05
    assert abs(table["u"].mean()) < 0.02 and abs(table["u"].var() - 1 / 3) < 0.01  # Var U(a, b) = (b − a)²/12
    assert abs((table["p"] - table["g"]).mean()) < 0.1  # E[poisson(λ)] = λ
    assert table["pick"].value_counts(normalize=True).between(0.31, 0.36).all()


def test_worked_scenarios_load_generate_and_keep_their_rules():
    scenarios = worked_scenarios()
    assert {"online_shop", "clinic"} <= set(scenarios)
    shop = generate(scenarios["online_shop"], 1_000, rng=0)
    assert (shop["age"] >= 18).all() and (shop["total"] > 0).all()
    clinic = generate(scenarios["clinic"], 1_000, rng=0)
    assert (clinic["systolic"] > clinic["diastolic"]).all()


def edit(change):
    data = spec()
    change(data)
    return data


BAD = [
    ("not json", "not valid JSON"),
    ('{"version": 2, "columns": []}', "version '2'"),
    (edit(lambda d: d.update(colour=1)), "field it does not know: 'colour'"),
    (edit(lambda d: d.update(rows=0)), "'rows' = 0 is outside"),
    (edit(lambda d: d.update(rows=10**12)), "'rows'"),
    (edit(lambda d: d.update(columns=[])), "at least one column"),
    (edit(lambda d: d["columns"][0].update(kind="complex")), "kind '\"complex\"'"),
    (edit(lambda d: d["columns"][0]["distribution"].update(family="zipf")), "family"),
    (edit(lambda d: d["columns"][0]["distribution"]["params"].update(sd=-1)), "'sd' = -1 is outside"),
    (edit(lambda d: d["columns"][0]["distribution"]["params"].update(sd="wide")), "'sd' must be a finite number"),
    (edit(lambda d: d["columns"][2].update(bounds=[500, 600])), "bounds that leave"),
    (edit(lambda d: d["columns"][2].update(bounds=[5, 1])), "not below its upper bound"),
    (edit(lambda d: d["columns"][3]["histogram"].update(edges=[0, 2, 1, 3])), "histogram edges"),
    (edit(lambda d: d["columns"][4]["distribution"]["params"].update(mode=20)), "'mode' must lie between"),
    (edit(lambda d: d["columns"][5].update(categories={"a": -1})), "outside 0"),
    (edit(lambda d: d["columns"][7]["dates"].update(end="2020-01-01")), "end on or after"),
    (edit(lambda d: d["columns"][7]["dates"].update(weekly=[1, 2])), "must have 7 numbers"),
    (edit(lambda d: d["columns"][1].update(name="x")), "used twice"),
    (edit(lambda d: d["correlation"].update(columns=["x", "nope", "g", "h"])), "'nope', which is not"),
    (edit(lambda d: d["correlation"]["matrix"][0].__setitem__(1, 0.1)), "not symmetric"),
    (edit(lambda d: d["correlation"].update(method="vine")), "correlation method"),
    (edit(lambda d: d.update(rules=["__import__('os')"])), "function rules do not know"),
    (edit(lambda d: d.update(rules=["normal(0, 1) > 0"])), "random term"),
    (edit(lambda d: d.update(derived=["x = y * 2"])), "name of a declared column"),
    (edit(lambda d: d.update(derived=["z = normal(0)"])), "takes exactly 2 arguments"),
]


@pytest.mark.parametrize(("data", "message"), BAD)
def test_bad_fields_are_sentences(data, message):
    with pytest.raises(ParameterError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_scenario(json.dumps(data) if isinstance(data, dict) else data)


FUZZ = 300
JUNK = [None, -1, 0, 1e308, -1e308, "", "x", [], [1, 2], {}, {"a": 1}, True, 2**70, "2024-13-45", [[1]]]


def test_seeded_fuzz_of_malformed_scenarios_gives_sentences_quickly():
    rng = np.random.default_rng(0)
    base = spec(derived=["z = x * normal(1, 0.1)"], rules=["x > 0"])
    start = time.monotonic()
    for _ in range(FUZZ):
        data = copy.deepcopy(base)
        for _ in range(int(rng.integers(1, 4))):  # replace one to three fields anywhere by junk
            node, path = data, []
            while isinstance(node, (dict, list)) and node and rng.random() < 0.75:
                key = list(node)[rng.integers(len(node))] if isinstance(node, dict) else int(rng.integers(len(node)))
                path.append((node, key))
                node = node[key]
            if path:
                parent, key = path[-1]
                parent[key] = copy.deepcopy(JUNK[rng.integers(len(JUNK))])
        try:  # what loads also generates, or says why not (a rule that is no condition shows when it is checked)
            assert len(generate(load_scenario(data), 50, rng=0)) == 50
        except SynthLabError as exc:
            assert exc.message.endswith(".") and "Traceback" not in exc.message
    assert time.monotonic() - start < 20


def test_generating_refuses_bad_row_counts_and_impossible_rules():
    scenario = load_scenario(spec(rules=["x > 1000"]))
    with pytest.raises(SynthLabError, match="passed the rules"):
        generate(scenario, 10, rng=0)
    with pytest.raises(ParameterError, match="number of rows"):
        generate(scenario, -5, rng=0)
    assert isinstance(generate(load_scenario(spec()), 1, rng=0), pd.DataFrame)


def one_column(column, **top):
    return {"version": 1, "name": "t", "rows": 100, "seed": 0, "columns": [column], **top}


def drawn_from(family, params, kind="integer"):
    return one_column({"name": "amount", "kind": kind, "distribution": {"family": family, "params": params}})


@pytest.mark.parametrize(("data", "message"), [
    (drawn_from("lognormal", {"meanlog": 45, "sdlog": 0.5}), "'amount' drew values beyond what a whole-number"),
    (drawn_from("weibull", {"shape": 0.001, "scale": 1e9}), "'amount' drew values that are not finite"),
    (drawn_from("weibull", {"shape": 0.001, "scale": 1e9}, "continuous"), "weibull distribution"),
    (one_column({"name": "h", "kind": "integer", "histogram": {"edges": [0, 1e300], "weights": [1]}}), "histogram"),
])
def test_drawn_numbers_beyond_their_column_type_are_refused_not_wrapped(data, message):
    scenario = load_scenario(data)
    with pytest.raises(DataError, match=message) as caught:
        generate(scenario, 1_000, rng=0)
    assert caught.value.hint


def test_integer_columns_near_the_int64_limit_keep_their_values():
    table = generate(load_scenario(drawn_from("lognormal", {"meanlog": 35, "sdlog": 0.1})), 1_000, rng=0)
    assert table["amount"].dtype == np.int64 and table["amount"].min() > 10**14


@pytest.mark.parametrize(("start", "end"), [("1500-01-01", "1600-01-01"), ("2250-01-01", "2300-01-01"),
                                            ("1677-09-21", "1677-12-31")])
def test_dates_beyond_what_pandas_holds_are_refused(start, end):
    data = one_column({"name": "d", "kind": "datetime", "dates": {"start": start, "end": end}})
    with pytest.raises(ParameterError, match="between 1677-09-22 and 2262-04-11"):
        load_scenario(data)


def test_dates_at_the_edges_of_the_range_are_drawn():
    data = one_column({"name": "d", "kind": "datetime", "dates": {"start": "1677-09-22", "end": "1677-10-01"}})
    assert generate(load_scenario(data), 50, rng=0)["d"].min() >= pd.Timestamp("1677-09-22")
    data["columns"][0]["dates"] = {"start": "2262-04-01", "end": "2262-04-11"}
    assert generate(load_scenario(data), 50, rng=0)["d"].max() <= pd.Timestamp("2262-04-11")


HUGE = 10**5000 - 1  # more digits than Python turns into text (4,300)
BINARY = {"name": "b", "kind": "binary", "p": 0.5}


def normal(**params):
    return drawn_from("normal", params, "continuous")


@pytest.mark.parametrize(("data", "message"), [
    (one_column(BINARY, rows=HUGE), "'rows' = about 10^5000 is outside 1 to"),
    (one_column(BINARY, rows=-HUGE), "'rows' = about -10^5000 is outside"),
    (one_column(BINARY, seed=HUGE), "'seed' = about 10^5000"),
    (one_column(BINARY, version=HUGE), "version 'about 10^5000'"),
    (one_column({"name": "b", "kind": HUGE, "p": 0.5}), "kind 'about 10^5000'"),
    (one_column({"name": "b", "kind": "binary", "p": HUGE}), "'p' .* = about 10^5000 is outside 0 to 1"),
    (drawn_from(HUGE, {}), "family 'about 10^5000'"),
    (normal(mean=HUGE), "'mean' = about 10^5000 is outside"),
    (normal(mean=10**400), "'mean' = about 10^400 is outside"),
    (normal(mean=True), "'mean' must be a finite number, not 'true'"),
    (normal(mean=float("nan")), "'mean' must be a finite number, not 'NaN'"),
    (normal(sd=-0.0), "'sd' = -0.0 is outside"),
    (one_column({"name": "c", "kind": "categorical", "categories": {"a": HUGE}}), "shares .* = about 10^5000"),
    (one_column({"name": "c", "kind": "categorical", "categories": {"a": 1e308, "b": 1e308}}), "add up to"),
    (one_column({"name": "h", "kind": "continuous", "histogram": {"edges": [0, -HUGE], "weights": [1]}}), "edge 2"),
    (one_column({"name": "h", "kind": "continuous", "histogram": {"edges": [-1e308, 1e308], "weights": [1]}}),
     "histogram edges"),
    ({"version": 1, "columns": [BINARY, BINARY | {"name": "c"}],
      "correlation": {"columns": ["b", "c"], "matrix": [[1, HUGE], [HUGE, 1]]}}, "correlation = about 10^5000"),
    ('{"version": 1, "rows": ' + "9" * 5000 + ', "columns": []}', "number too long to read"),
    (b'{"version": 1, "columns": [{"name": "b", "kind": "binary", "p": -' + b"9" * 5000 + b"}]}",
     "number too long to read"),
    ('{"version": 1, "rows": 1e400, "columns": []}', "'rows' must be a finite number, not 'Infinity'"),
    ('{"version": 1, "columns": [{"name": "b", "kind": "binary", "p": NaN}]}', "must be a finite number, not 'NaN'"),
])
def test_absurd_numbers_are_sentences(data, message):
    with pytest.raises(ParameterError, match=message.replace("^", r"\^")):
        load_scenario(data)


def test_weights_too_large_to_multiply_still_give_their_shares():
    dates = {"start": "2024-01-01", "end": "2024-12-31", "weekly": [1e200] * 6 + [0], "yearly": [1e200] * 12}
    table = generate(load_scenario(one_column({"name": "d", "kind": "datetime", "dates": dates})), 700, rng=0)
    assert 6 not in set(table["d"].dt.dayofweek) and table["d"].notna().all()


def test_a_derived_column_with_no_finite_value_is_noted():
    scenario = load_scenario(json.dumps({
        "version": 1, "name": "t", "rows": 50, "seed": 0,
        "columns": [{"name": "x", "kind": "continuous", "distribution": {"family": "normal",
                                                                           "params": {"mean": 0, "sd": 1}}}],
        "derived": ["ratio = x / 0", "y = log(-1 - abs(x)) + normal(0, 1)", "ok = x * 2"]}))
    notes = design(scenario).notes
    assert [n.split("'")[1] for n in notes] == ["ratio", "y"] and all("no finite value" in n for n in notes)


@pytest.mark.parametrize("family", [("normal", {"mean": 0.5, "sd": 1}), ("uniform", {"low": -3, "high": 3})])
def test_a_whole_number_column_stays_within_its_bounds(family):
    """Clipped to [0.1, 2.6] and then rounded, values of 0 and 3 came out, outside the bounds."""
    name, params = family
    column = {"name": "a", "kind": "integer", "distribution": {"family": name, "params": params}, "bounds": [0.1, 2.6]}
    out = generate(load_scenario({"version": 1, "columns": [column]}), 2_000, rng=0)["a"]
    assert set(out) == {1, 2}
    with pytest.raises(ParameterError, match="no whole number between them"):
        load_scenario({"version": 1, "columns": [{**column, "bounds": [0.2, 0.8]}]})
    histogram = {"name": "a", "kind": "integer", "histogram": {"edges": [0.1, 1.4, 2.6], "weights": [1, 1]}}
    assert set(generate(load_scenario({"version": 1, "columns": [histogram]}), 2_000, rng=0)["a"]) == {1, 2}
    histogram["histogram"] = {"edges": [0.2, 0.8], "weights": [1]}
    with pytest.raises(ParameterError, match="no whole number between them"):
        load_scenario({"version": 1, "columns": [histogram]})


@pytest.mark.parametrize("seed", [-1, "x", 1.5])
def test_a_seed_that_is_no_seed_is_a_sentence(seed):
    scenario = load_scenario({"version": 1, "columns": [{"name": "b", "kind": "binary", "p": 0.5}]})
    with pytest.raises(ParameterError, match="The seed must be a whole number"):
        generate(scenario, 3, rng=seed)


@pytest.mark.parametrize("dates", [{"start": "today", "end": "2030-01-01"}, {"start": "2024-01-01", "end": "now"},
                                   {"start": "2024-01-01 23:00", "end": "2024-01-01 01:00"},
                                   {"start": "1/2/2024", "end": "2024-03-01"}])
def test_dates_are_days_written_year_month_day_so_a_seed_draws_the_same_table_on_any_day(dates):
    with pytest.raises(ParameterError, match="not a date"):
        load_scenario(one_column({"name": "d", "kind": "datetime", "dates": dates}))


def test_a_histogram_bin_too_narrow_for_its_density_is_refused_when_loaded():
    """Edges [0, 5e-324] drew infinite values, with advice to choose smaller edges."""
    histogram = {"edges": [0, 5e-324], "weights": [1]}
    with pytest.raises(ParameterError, match="too narrow"):
        load_scenario(one_column({"name": "a", "kind": "continuous", "histogram": histogram}))
