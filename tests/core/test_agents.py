"""Agent-based models: reproducible by seed, their declared distributions and rule probabilities recovered from the
table they make, absurd sizes refused with a sentence, and the stop flag honoured."""

import threading

import numpy as np
import pandas as pd
import pytest

from core.agents import MODELS, simulate
from core.errors import ParameterError


@pytest.mark.parametrize("key", list(MODELS))
def test_same_seed_same_table_other_seed_another(key):
    quick = MODELS[key].quick
    first = simulate(key, quick, rng=3)
    pd.testing.assert_frame_equal(first.table, simulate(key, quick, rng=3).table)
    pd.testing.assert_frame_equal(first.summary, simulate(key, quick, rng=3).summary)
    assert not first.table.equals(simulate(key, quick, rng=4).table)
    assert len(first.summary) == quick["steps"] and first.target in first.table.columns


def test_visitor_attributes_follow_their_declared_distributions():
    n = 4_000
    visitors = simulate("shop", {"visitors": n, "steps": 1, "mean_age": 50.0, "sd_age": 8.0, "median_budget": 120.0,
                                 "table": "visitors"}, rng=0).table
    assert visitors["age"].mean() == pytest.approx(50, abs=4 * 8 / np.sqrt(n))
    assert visitors["age"].std() == pytest.approx(8, rel=0.05)
    assert np.log(visitors["budget"]).mean() == pytest.approx(np.log(120), abs=4 * 0.6 / np.sqrt(n))  # ln median
    assert visitors["patience"].mean() == pytest.approx(1 + 6 * visitors["age"].mean() / 40, rel=0.05)


def within(successes: int, trials: int, p: float) -> bool:
    """Whether successes / trials is within four binomial standard errors of p."""
    return abs(successes / trials - p) <= 4 * np.sqrt(p * (1 - p) / trials)


def test_arrival_and_conversion_rates_are_recovered_from_the_event_log():
    settings = {"visitors": 2_000, "steps": 60, "arrival": 0.08, "buy": 0.3, "cart": 0.4}
    log = simulate("shop", settings, rng=1).table
    arrived = log[log["event"] == "arrive"].set_index("visitor")["step"]
    waited = arrived.sum() + (settings["visitors"] - len(arrived)) * settings["steps"]  # minutes spent not come yet
    assert within(len(arrived), waited, settings["arrival"])
    first_cart = log[log["event"] == "add_to_cart"].groupby("visitor")["step"].min()
    later = log.merge(first_cart.rename("first_cart"), on="visitor")
    with_cart = later[later["step"] > later["first_cart"]]  # the minutes a visitor starts with items in the cart
    trials = with_cart.groupby("visitor")["step"].nunique().sum()
    buys = (log["event"] == "buy").sum()
    assert buys > 200 and within(buys, trials, settings["buy"])
    assert (log.loc[log["event"] == "buy", "amount"] <= log.loc[log["event"] == "buy", "budget"] + 1e-9).all()


def test_advertising_rate_and_price_are_recovered_from_the_customers():
    settings = {"customers": 3_000, "steps": 15, "advertising": 0.03, "word_of_mouth": 0.3, "price": 60.0,
                "mean_wtp": 80.0, "sd_wtp": 20.0}
    customers = simulate("market", settings, rng=2).table
    assert not customers.loc[customers["wtp"] < 60, "adopted"].any()  # the price shuts them out
    able = customers[customers["wtp"] >= 60]
    weeks = able["week_adopted"].fillna(settings["steps"]).astype(int)
    # each week a customer who has not adopted is one advertising trial (the week it adopts included)
    assert within(int((able["channel"] == "advertising").sum()), int(weeks.sum()), settings["advertising"])
    assert customers["wtp"].mean() == pytest.approx(80, abs=4 * 20 / np.sqrt(3_000))


def test_bad_settings_are_refused_with_a_sentence():
    with pytest.raises(ParameterError, match="agent-steps is more than this server allows"):
        simulate("shop", {"visitors": 50_000, "steps": 5_000})
    with pytest.raises(ParameterError, match="outside its range"):
        simulate("shop", {"arrival": 1.5})
    with pytest.raises(ParameterError, match="has no parameter"):
        simulate("market", {"visitors": 10})
    for key in ("zoo", ["shop"], None):
        with pytest.raises(ParameterError, match="no agent-based model"):
            simulate(key)
    for seed in (-1, "a", 1.5, float("nan")):
        with pytest.raises(ParameterError, match="seed must be a whole number"):
            simulate("shop", {}, rng=seed)
    with pytest.raises(ParameterError, match="settings must map"):
        simulate("shop", [("visitors", 3)])


def test_the_stop_flag_is_honoured_and_progress_is_reported_each_step():
    stop, seen = threading.Event(), []

    def progress(step, steps, model):
        seen.append((step, steps))
        if step == 5:
            stop.set()

    run = simulate("shop", MODELS["shop"].quick, rng=0, progress=progress, stop=stop)
    assert run.stopped and run.steps_run == 5 and len(run.summary) == 5
    assert seen == [(s, MODELS["shop"].quick["steps"]) for s in range(1, 6)]
    assert run.events["step"].max() <= 5 and any("Stopped after 5" in note for note in run.notes)
