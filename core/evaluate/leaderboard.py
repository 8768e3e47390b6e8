"""The leaderboard: every scored run of a workspace in one table, and which run is best at what.

Each run is scored the same way (:func:`core.evaluate.evaluate`), so the rows compare. A run is
*best for* a score when no other run does better on it: the highest quality, the detection AUC
nearest 0.5 (the hardest to tell from real rows; well below 0.5 the detector is fooled the other
way, by rows with near twins among the training rows), the highest utility, the lowest share of synthetic rows
closer to the training rows than the holdout is (the most private). A run is best only when it leads every other
run by more than the score's noise margin (``MARGIN``: 0.01 on each of these 0-to-1 scores, about the spread of
a score between two seeds or two holdouts of a small table): runs within the margin of each other tie, and a tie
names nobody, nor does a single run. A run without a value (no target, so no utility; no holdout, so no closeness)
competes on the rest.
A differentially private run also shows the budget ε its training spent ("ε spent"; empty for the others): it is
what the run's privacy promise rests on, not a score to win, so it names no best run. "ε covers the rows" says
whether the promise covers the rows as drawn: not when the privacy guard chose which rows to drop by comparing them
with the real ones (the run's notes say so).
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from core.params import settings_text
from core.synth import METHODS
from core.synth.run import PRIVATE_GUARD
from core.workspace import Run

BEST = {"quality": "max", "detection AUC": "near 0.5", "utility": "max", "closer than holdout": "min"}
# a lead of at most this is a tie: about the spread of each score between two seeds or holdouts of a small table
MARGIN = {"quality": 0.01, "detection AUC": 0.01, "utility": 0.01, "closer than holdout": 0.01}


def leaderboard(runs: Iterable[Run]) -> pd.DataFrame:
    """One row per run that has scores, in the order given, with a "best for" column (see the module text)."""
    table = pd.DataFrame([_row(run) for run in runs if run.scores is not None],
                         columns=["run", "method", "settings", "rows", "seconds", "quality", "detection AUC",
                                  "utility", "exact copies", "closer than holdout", "ε spent",
                                  "ε covers the rows"])
    for column in (*BEST, "ε spent"):
        table[column] = pd.to_numeric(table[column], errors="coerce").astype(float)
    best = {column: _winners(table[column], direction, MARGIN[column]) for column, direction in BEST.items()}
    table["best for"] = [", ".join(column for column, rows in best.items() if rows[i]) for i in range(len(table))]
    return table


def _row(run: Run) -> dict:
    method = METHODS.get(run.method)
    return {"run": run.name, "method": method.title if method is not None else run.method,
            "settings": settings_text(method.params if method is not None else (), run.params),
            "rows": len(run.synthetic), "seconds": run.fit_seconds + run.sample_seconds,
            "quality": run.scores.quality, "detection AUC": run.scores.detection_auc,
            "utility": run.scores.tstr_ratio, "exact copies": run.scores.exact_copy_rate,
            "closer than holdout": run.scores.dcr_share_closer, "ε spent": run.epsilon,
            "ε covers the rows": None if run.epsilon is None else "no" if PRIVATE_GUARD in run.notes else "yes"}


def frontier(detection: pd.Series, risk: pd.Series) -> pd.Series:
    """Per run, whether it is on the fidelity-privacy Pareto front: no other run is at least as hard to tell from
    real (detection AUC as near 0.5) and at least as private (``risk``, such as the share closer than the holdout)
    and better on one of them. Runs without both values are not on it."""
    points = pd.DataFrame({"d": (pd.to_numeric(detection, errors="coerce") - 0.5).abs(),  # (0.5 is the best)
                           "r": pd.to_numeric(risk, errors="coerce")})
    known = points.dropna()
    on = pd.Series(False, index=points.index)
    for i, (d, r) in known.iterrows():
        dominated = ((known["d"] <= d) & (known["r"] <= r) & ((known["d"] < d) | (known["r"] < r))).any()
        on[i] = not dominated
    return on


def _winners(values: pd.Series, direction: str, margin: float) -> list[bool]:
    """Per row, whether it is the best by more than ``margin`` over every other row with a value (a tie within
    the margin, a single value and a missing value never win)."""
    if values.notna().sum() < 2:
        return [False] * len(values)
    if direction == "near 0.5":  # below 0.5 is not better: rows with near twins fool the detector the other way
        values = (values - 0.5).abs()
    better = values if direction == "max" else -values  # (higher is better from here on)
    first, second = better.nlargest(2)
    return ((better == first) & (first - second > margin + 1e-9)).tolist()  # (1e-9: 0.80 − 0.79 ties)
