"""Word of mouth in a market: the Bass diffusion model, agent by agent.

Bass (1969) explained how a new product spreads with two forces: *innovation* (people adopt because
of advertising, at a rate p) and *imitation* (people adopt because others they know have, at a rate
q times the share of adopters). Written as an agent-based model (Rand & Rust 2011), every customer
is an agent with:

* a willingness to pay ~ Normal(mean_wtp, sd_wtp), at least 0: a customer whose willingness is
  below the seller's price never buys;
* contacts in a random network: every customer asks Poisson(contacts / 2) others at random to be
  contacts (both ways), so a customer has about ``contacts`` of them.

One step is one week. Each week every customer who has not adopted and can afford the product, in
a random order, adopts through advertising with probability p; if not, through word of mouth with
probability q × (adopters among its contacts / its contacts). Adoptions add up to the S-shaped
curve of diffusion: slow at first, fast while adopters recruit others, slow again as the market
fills. The table is the log of adoptions (customer, week, channel, price) or one row per customer
with its attributes and whether, when and how it adopted.

References: Bass F. M. (1969) A new product growth for model consumer durables, Management Science
15(5); Rand W., Rust R. T. (2011) Agent-based modeling in marketing: guidelines for rigor,
International Journal of Research in Marketing 28(3).
"""

from __future__ import annotations

from typing import ClassVar

import mesa
import numpy as np
import pandas as pd

from core.agents.base import AgentModel
from core.params import Card, Param

ADVERTISING, WORD_OF_MOUTH = "adopt via advertising", "adopt via word of mouth"


class Customer(mesa.Agent):
    """A customer: willingness to pay, contacts, and whether (when, how) it adopted."""

    def __init__(self, model: MarketModel, wtp: float) -> None:
        super().__init__(model)
        self.wtp, self.contacts = wtp, []
        self.adopted = self.channel = None

    def step(self) -> None:
        model, rng = self.model, self.model.rng
        if self.adopted is not None or self.wtp < model.settings["price"]:
            return
        s = model.settings
        if rng.random() < s["advertising"]:  # innovation: P = p
            self._adopt(ADVERTISING)
        elif self.contacts and rng.random() < s["word_of_mouth"] * self.adopting_contacts():  # imitation: q·A/k
            self._adopt(WORD_OF_MOUTH)

    def adopting_contacts(self) -> float:
        """The share of this customer's contacts who have adopted."""
        return sum(c.adopted is not None for c in self.contacts) / len(self.contacts)

    def _adopt(self, channel: str) -> None:
        self.adopted, self.channel = self.model.steps, channel.removeprefix("adopt via ")
        self.model.log(self, channel, 0, price=self.model.settings["price"], wtp=self.wtp,
                       contacts=len(self.contacts))


class MarketModel(AgentModel):
    key = "market"
    title = "Word of mouth in a market"
    card = Card(does="Customers with a willingness to pay and a network of contacts adopt a new product through "
                     "advertising or because their contacts did, week by week (the Bass model, agent by agent).",
                when="Teaching how a product spreads (the S curve), why word of mouth speeds it up, and how a "
                     "price shuts part of the market out; a table of adopters with known mechanisms.",
                distorts="One seller, one price, no forgetting or churn; contacts are random, whereas real "
                         "networks cluster.")
    teaching = """
    Every **customer** is an agent with a *willingness to pay* and a few *contacts*. Each simulated **week**, a
    customer who has not bought yet and can afford the price may **adopt** for one of two reasons: it saw the
    **advertising** (a small, constant chance), or it heard about the product from its contacts (**word of
    mouth**: a chance that grows with the share of its contacts who already have it). Nobody sets the shape of
    the curve: the slow start, the steep middle and the saturation *emerge* from these two rules, as in Bass's
    1969 model of new products."""
    population = "customers"
    step_name = "week"
    agent_name = "customer"
    step_unit = "W"  # weeks
    targets: ClassVar[dict[str, str]] = {"events": "event", "customers": "adopted"}
    log_fields = ("price", "wtp", "contacts")
    event_kinds = (ADVERTISING, WORD_OF_MOUTH)
    cumulative = True
    params = (
        Param("customers", "int", 500, "Customers simulated (the agents).", low=2, high=50_000),
        Param("steps", "int", 52, "Weeks simulated (one step is one week).", low=1, high=5_000),
        Param("advertising", "float", 0.01, "p: probability per week that a customer adopts because of advertising.",
              low=0.0, high=1.0),
        Param("word_of_mouth", "float", 0.5, "q: probability per week of adopting when every contact has adopted "
              "(q × the share of contacts who have).", low=0.0, high=1.0),
        Param("contacts", "float", 6.0, "Mean contacts per customer (a random network).", low=0.0, high=100.0),
        Param("price", "float", 50.0, "The product's price: customers whose willingness to pay is lower never buy.",
              low=0.0, high=10_000.0),
        Param("mean_wtp", "float", 70.0, "Mean willingness to pay (normal distribution, at least 0).",
              low=0.0, high=10_000.0),
        Param("sd_wtp", "float", 25.0, "Standard deviation of the willingness to pay.", low=0.0, high=5_000.0),
        Param("table", "choice", "customers", "customers: one row per customer with its attributes and adoption; "
              "events: one row per adoption.", choices=("customers", "events")),
    )
    quick: ClassVar[dict] = {"customers": 80, "steps": 20, "advertising": 0.05}

    @classmethod
    def rules(cls, settings: dict) -> pd.DataFrame:
        s = settings
        return pd.DataFrame([
            ("Willingness to pay below the price", "never adopts", "certain"),
            ("Not adopted yet, can afford it", "adopts because of the advertising", f"{s['advertising']:.1%} per week"),
            ("Not adopted yet, can afford it, not reached by advertising", "adopts because contacts have",
             f"{s['word_of_mouth']:.0%} × share of contacts who adopted, per week"),
        ], columns=["When", "What happens", "Probability"])

    def setup(self) -> None:
        s, rng = self.settings, self.rng
        n = s["customers"]
        wtp = np.round(np.maximum(rng.normal(s["mean_wtp"], s["sd_wtp"], n), 0.0), 2)  # max(0, N(μ, σ))
        people = [Customer(self, float(w)) for w in wtp]
        asks = rng.poisson(s["contacts"] / 2, n)  # each asks Poisson(k/2) others: about k contacts in all
        ties: list[set[int]] = [set() for _ in people]  # (a set per customer: a list's lookup grew with k²)
        for person, k in zip(people, asks, strict=True):
            for other in rng.integers(0, n - 1, size=k):  # (a repeated pick adds no second tie)
                contact = people[other + (other >= person.unique_id - 1)]  # anyone but itself
                if contact.unique_id not in ties[person.unique_id - 1]:
                    ties[person.unique_id - 1].add(contact.unique_id)
                    ties[contact.unique_id - 1].add(person.unique_id)
                    person.contacts.append(contact)
                    contact.contacts.append(person)

    def agent_table(self) -> pd.DataFrame:
        return pd.DataFrame([{"customer": c.unique_id, "wtp": c.wtp, "contacts": len(c.contacts),
                              "adopted": c.adopted is not None, "week_adopted": c.adopted,
                              "channel": c.channel or "not adopted"}
                             for c in sorted(self.agents, key=lambda a: a.unique_id)]
                            ).astype({"week_adopted": "Int64"})
