"""Visitors of an online shop: a clickstream from a few rules.

Each visitor is an agent with three attributes drawn when the model starts:

* age ~ Normal(mean_age, sd_age), rounded, kept within 16-90 (redrawn outside);
* budget ~ LogNormal(ln(median_budget), 0.6), so half the visitors have less than the median and a
  few have several times more;
* patience = 1 + Poisson(patience · age / 40): the pages a visitor looks at before giving up (older
  visitors look longer).

One step is one minute. In every minute each visitor, in a random order, follows the first rule that
applies:

1. not come yet: arrives with probability ``arrival`` (so arrival times are geometric, mean 1/arrival);
2. browsing with items in the cart: buys them all with probability ``buy`` (the conversion rate per
   minute; the amount is the cart's total) and is done;
3. browsing and patience used up: leaves (the amount is what stays in the cart, if anything);
4. otherwise views a product page: a category (books, clothes, electronics in shares 40/35/25%) and a
   price ~ LogNormal(ln(category median), 0.5); if the price fits what is left of the budget, the
   product goes into the cart with probability ``cart``.

The event log (visitor, step, timestamp, event, page, amount, and the visitor's age and budget) is the
table, or one row per visitor with its attributes and outcome. The log lets a reader recover every
declared probability: buys per minute with a full cart estimate ``buy``, and so on.
"""

from __future__ import annotations

from typing import ClassVar

import mesa
import numpy as np
import pandas as pd

from core.agents.base import AgentModel
from core.params import Card, Param

PAGES = {"books": (0.40, 15.0), "clothes": (0.35, 40.0), "electronics": (0.25, 120.0)}  # share, median price
BUDGET_SPREAD, PRICE_SPREAD = 0.6, 0.5  # σ of ln(budget) and ln(price)
AGES = (16, 90)


class Visitor(mesa.Agent):
    """A visitor: age, budget and patience, a cart, and where it is (away, browsing, bought, left)."""

    def __init__(self, model: ShopModel, age: int, budget: float, patience: int) -> None:
        super().__init__(model)
        self.age, self.budget, self.patience = age, budget, patience
        self.state, self.cart, self.pages = "away", [], 0
        self.arrived = self.spent = None

    def step(self) -> None:
        model, rng = self.model, self.model.rng
        s = model.settings
        if self.state == "away":
            if rng.random() < s["arrival"]:  # rule 1: P(arrive) per minute
                self.state, self.arrived = "browsing", model.steps
                self._log("arrive", "home", np.nan, int(rng.integers(60)))
            return
        if self.state != "browsing":
            return
        second = int(rng.integers(60))
        if self.cart and rng.random() < s["buy"]:  # rule 2: P(buy | items in the cart) per minute
            self.state, self.spent = "bought", round(sum(self.cart), 2)
            self._log("buy", "checkout", self.spent, second)
        elif self.pages >= self.patience:  # rule 3: patience used up
            self.state = "left"
            self._log("leave", "exit", round(sum(self.cart), 2) if self.cart else np.nan, second)
        else:  # rule 4: a product page, into the cart if it fits the budget, with P(cart)
            page = model.categories[rng.choice(len(model.categories), p=model.shares)]
            price = round(float(np.exp(rng.normal(np.log(PAGES[page][1]), PRICE_SPREAD))), 2)  # LogNormal(ln m, 0.5)
            self.pages += 1
            self._log("view", page, price, second)
            if price <= self.budget - sum(self.cart) and rng.random() < s["cart"]:
                self.cart.append(price)
                self._log("add_to_cart", page, price, second)

    def _log(self, event: str, page: str, amount: float, second: int) -> None:
        self.model.log(self, event, second, page=page, amount=amount, age=self.age, budget=self.budget)


class ShopModel(AgentModel):
    key = "shop"
    title = "Visitors of an online shop"
    card = Card(does="Visitors with an age, a budget and a patience arrive, look at product pages, fill a cart within "
                     "their budget, buy or leave, minute by minute; every action is a row of the event log.",
                when="Teaching where a clickstream and a conversion rate come from; a realistic event log to practise "
                     "sessionising, funnels and synthesis on, with known true probabilities.",
                distorts="Visitors do not influence each other, prices are drawn fresh on every view, and nobody "
                         "comes back: real shoppers return, compare and react to stock and promotions.")
    teaching = """
    Every **visitor** is an agent with an *age*, a *budget* and a *patience* (how many pages it looks at before
    giving up). Each simulated **minute**, every visitor takes one action, chosen by the rules below in order:
    it may **arrive**, **buy** what is in its cart, **leave** when its patience is used up, or **view** a product
    and perhaps **add it to the cart** when the price fits its budget. The event log is what a web shop's
    analytics would record; the numbers in it are not drawn from a fitted distribution but *emerge* from the
    rules: the conversion rate, the length of sessions, the revenue per hour."""
    population = "visitors"
    step_name = "minute"
    agent_name = "visitor"
    step_unit = "minutes"
    targets: ClassVar[dict[str, str]] = {"events": "event", "visitors": "outcome"}
    log_fields = ("page", "amount", "age", "budget")
    event_kinds = ("arrive", "view", "add_to_cart", "buy", "leave")
    params = (
        Param("visitors", "int", 300, "Visitors simulated (the agents).", low=1, high=50_000),
        Param("steps", "int", 120, "Minutes simulated (one step is one minute).", low=1, high=5_000),
        Param("arrival", "float", 0.05, "Probability per minute that a visitor who has not come yet arrives.",
              low=0.0, high=1.0),
        Param("cart", "float", 0.25, "Probability that a viewed product goes into the cart, when its price fits what "
              "is left of the visitor's budget.", low=0.0, high=1.0),
        Param("buy", "float", 0.30, "Probability per minute that a visitor with items in the cart buys them (the "
              "conversion rate per minute).", low=0.0, high=1.0),
        Param("mean_age", "float", 38.0, "Mean age of the visitors (normal distribution, within 16-90).",
              low=16.0, high=90.0),
        Param("sd_age", "float", 12.0, "Standard deviation of the visitors' age.", low=0.5, high=40.0),
        Param("median_budget", "float", 80.0, "Median budget of a visitor (lognormal, σ of the log 0.6).",
              low=1.0, high=10_000.0),
        Param("patience", "float", 6.0, "Mean pages a 40-year-old views before giving up: patience = 1 + "
              "Poisson(patience × age / 40).", low=0.0, high=100.0),
        Param("table", "choice", "events", "events: one row per event (the clickstream); visitors: one row per "
              "visitor with its attributes and outcome.", choices=("events", "visitors")),
    )
    quick: ClassVar[dict] = {"visitors": 60, "steps": 40, "arrival": 0.2}

    @classmethod
    def rules(cls, settings: dict) -> pd.DataFrame:
        s = settings
        return pd.DataFrame([
            ("Not come yet", "arrives on the home page", f"{s['arrival']:.0%} per minute"),
            ("Browsing, items in the cart", "buys everything in the cart and is done", f"{s['buy']:.0%} per minute"),
            ("Browsing, patience used up", "leaves (the cart is abandoned)", "certain"),
            ("Browsing otherwise", "views a product: books, clothes or electronics", "40% / 35% / 25%"),
            ("Viewed a product that fits the budget left", "adds it to the cart", f"{s['cart']:.0%}"),
        ], columns=["When", "What happens", "Probability"])

    def setup(self) -> None:
        s, rng = self.settings, self.rng
        self.categories = list(PAGES)
        self.shares = np.array([share for share, _ in PAGES.values()])
        n = s["visitors"]
        ages = rng.normal(s["mean_age"], s["sd_age"], n)
        for _ in range(100):  # redraw ages outside 16-90 (a truncated normal)
            outside = (ages < AGES[0]) | (ages > AGES[1])
            if not outside.any():
                break
            ages[outside] = rng.normal(s["mean_age"], s["sd_age"], int(outside.sum()))
        ages = np.clip(np.rint(ages), *AGES).astype(int)
        budgets = np.round(np.exp(rng.normal(np.log(s["median_budget"]), BUDGET_SPREAD, n)), 2)  # LogNormal(ln m, 0.6)
        patience = 1 + rng.poisson(s["patience"] * ages / 40)  # 1 + Poisson(patience · age / 40)
        for age, budget, wait in zip(ages, budgets, patience, strict=True):
            Visitor(self, int(age), float(budget), int(wait))

    def agent_table(self) -> pd.DataFrame:
        outcome = {"away": "never came", "browsing": "still browsing", "bought": "bought", "left": "left"}
        return pd.DataFrame([{"visitor": v.unique_id, "age": v.age, "budget": v.budget, "patience": v.patience,
                              "arrived_step": v.arrived, "pages_viewed": v.pages, "items_in_cart": len(v.cart),
                              "spent": v.spent or 0.0, "outcome": outcome[v.state]}
                             for v in sorted(self.agents, key=lambda a: a.unique_id)]
                            ).astype({"arrived_step": "Int64"})
