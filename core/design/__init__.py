"""Design from scratch: a table from declared distributions, a target correlation and business rules.

When no real table exists, the distributions are assumed (from the literature, an expert, a
published summary) and the table is drawn from them: a *scenario*. Each column is declared on its
own (a scipy.stats family with its parameters and optional truncation bounds, an empirical
histogram, categories with shares, a share of ones, or a date range with weekly and yearly
seasonality; ``core.design.marginals``); a target correlation matrix ties chosen columns together
through normal scores, by a Gaussian copula or by Cholesky reordering (Iman & Conover 1982), after
repairing it to the nearest valid correlation matrix (Higham 2002; ``core.design.generate``);
derived columns add arithmetic with random terms (``total = price * quantity * (1 + normal(0,
0.05))``) and business rules filter the rows, both in the whitelisted expression language of
``core.synth.rules``.

Public names::

    load_scenario(text_or_path_or_dict) -> Scenario   # checked; ParameterError with a sentence otherwise
    Scenario.to_json() / Scenario.to_dict()           # the canonical JSON: loads back to the same scenario
    generate(scenario, n=None, *, rng=None) -> pd.DataFrame   # also Scenario.generate(n, rng=...)
    design(scenario, n=None, *, rng=None) -> Design   # the table and each rule's rejections
    correlation_check(scenario, table) -> (target, achieved)  # on normal scores
    FAMILIES                                          # the distribution families and their parameters
    worked_scenarios() -> {key: Scenario}             # the bundled examples in assets/scenarios/

``n`` defaults to the scenario's ``rows``, ``rng`` to its ``seed``; the same seed gives the same
table, byte for byte.

The JSON (version 1; unknown fields are refused, so a typo is never silently ignored)::

    {"version": 1, "name": "Online shop", "description": "...", "rows": 2000, "seed": 0,
     "columns": [
       {"name": "age", "kind": "integer", "distribution": {"family": "normal",
                                                           "params": {"mean": 38, "sd": 13}},
        "bounds": [16, 90]},
       {"name": "basket", "kind": "continuous", "histogram": {"edges": [0, 20, 50, 200],
                                                              "weights": [3, 5, 2]}},
       {"name": "country", "kind": "categorical", "categories": {"DE": 0.6, "FR": 0.4}},
       {"name": "member", "kind": "binary", "p": 0.3},
       {"name": "ordered", "kind": "datetime", "dates": {"start": "2024-01-01", "end": "2024-12-31",
                                                         "weekly": [1, 1, 1, 1, 1.2, 1.5, 1.3],
                                                         "yearly": [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1.5, 2]}}],
     "correlation": {"method": "copula", "columns": ["age", "basket"], "matrix": [[1, 0.3], [0.3, 1]]},
     "derived": ["total = round(basket * (1 + normal(0, 0.05)), 2)"],
     "rules": ["age >= 18"]}

Kinds take these sources: continuous and integer a ``distribution`` (optionally ``bounds``) or a
``histogram``; categorical ``categories``; binary ``p``; datetime ``dates``. Bounds: at most
100 columns, 200 categories, 200 histogram bins, 50 derived columns and 50 rules, 200 years of
dates, ``rows`` up to the server's ``max_rows_generate``, a file of at most 1 MB.

References: Iman, R. L. & Conover, W. J. (1982), A distribution-free approach to inducing rank
correlation among input variables, Communications in Statistics B 11(3). Higham, N. J. (2002),
Computing the nearest correlation matrix, IMA Journal of Numerical Analysis 22. Nelsen, R. B.
(2006), An Introduction to Copulas, Springer.
"""

from __future__ import annotations

from pathlib import Path

from core.design.generate import Design, correlation_check, design, generate
from core.design.marginals import FAMILIES, MONTHS, WEEKDAYS
from core.design.scenario import KINDS, METHODS, Scenario, load_scenario

WORKED = Path(__file__).resolve().parents[2] / "assets" / "scenarios"


def worked_scenarios() -> dict[str, Scenario]:
    """The bundled worked scenarios, by file name (without .json), in name order."""
    return {path.stem: load_scenario(path) for path in sorted(WORKED.glob("*.json"))}


__all__ = ["FAMILIES", "KINDS", "METHODS", "MONTHS", "WEEKDAYS", "Design", "Scenario", "correlation_check", "design",
           "generate", "load_scenario", "worked_scenarios"]
