"""Attack-based privacy risk: what an attacker holding the synthetic table learns about the people in the training
rows, beyond what they would learn about anyone (Giomi et al. 2023, "A Unified Framework for Quantifying Privacy
Risk in Synthetic Data", PoPETs; the method the Anonymeter library implements, written here from the paper).

Three attacks, each run against the training rows (the people the synthesizer saw) and, as the control, against
the real held-out rows (people it never saw). The risk is the attacker's success on the training rows beyond the
control, as a share of what was left to gain: ``risk = (attack − control) / (1 − control)``, with each success rate
a Wilson score estimate and the error propagated to a 95% interval; 0 when the synthetic rows tell no more about
the training rows than about anyone. A baseline attacker who guesses without the synthetic rows is run too: an
attack no better than the baseline says nothing.

* **Singling out**: the attacker writes predicates that pick out exactly one synthetic row (univariate: a rare
  value or an extreme of one column; multivariate: three columns of a synthetic row, numbers as ≥ or ≤ their value
  on the side away from the median) and succeeds when one picks out exactly one real person. A predicate singles
  out more often in a smaller table, so the control's count is scaled to the training rows' size with the model
  of Cohen & Nissim 2020, P(n) = n·w·(1 − w)^(n − 1) integrated over the predicates' weights up to a fitted w,
  fitted on samples of the control rows of growing size (as Anonymeter does). As in Anonymeter, the attacker
  tries ``attacks`` predicates whatever the table's size, and one that could not be written counts as failed.
* **Linkability**: the attacker holds two tables about the same people, the first half of the columns and the second
  half; a person is linked when their nearest synthetic row (Gower distance: numbers scaled by their range, labels
  equal or not) is the same in both halves.
* **Attribute inference**: the attacker knows every column of a person but one (the secret) and guesses it from the
  nearest synthetic row; a guess is right when it equals the secret (labels) or is within 5% of it (numbers). Every
  column takes its turn as the secret; the reported risk is the worst: the most worrying level ("high" over
  "moderate" over "within noise" over "low"), then the largest risk (:func:`worst_first`).

Predicates are data (column, operator, value) evaluated with numpy, never text run as code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from core.errors import DataError
from core.schema import LABELS, Schema

ATTACKS = 500
MULTIVARIATE_COLUMNS = 3
ATTEMPTS = 200  # multivariate predicates tried per attack at most ...
WORK = 400_000_000  # ... and at most this many row checks in all (a large table yields predicates sooner)
TOLERANCE = 0.05  # a number guessed within 5% is a right guess
LOW, NOISE, HIGH = 0.05, 0.02, 0.20  # Risk.level: below LOW low; an interval reaching NOISE within noise; HIGH up high
MAX_CANDIDATES = 10_000  # synthetic rows searched for neighbours and predicates (a sample beyond)
MAX_SECRETS = 12  # columns taken as the secret of the inference attack (the first ones beyond)
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Risk:
    """An attack's risk (0 to 1) with its 95% interval, and the success rates behind it."""

    value: float
    low: float
    high: float
    attack_rate: float
    control_rate: float
    baseline_rate: float
    attacks: int

    @property
    def level(self) -> str:
        """'low', 'within noise' (larger, but its interval reaches down to no risk), 'moderate' or 'high'."""
        return "low" if self.value < LOW else "within noise" if self.low <= NOISE else \
            "moderate" if self.value < HIGH else "high"

    def reading(self) -> str:
        level = self.level
        return (f"{level}: {self.value:.0%} (95% interval {self.low:.0%} to {self.high:.0%}); the attack succeeded on "
                f"{self.attack_rate:.0%} of training rows, {self.control_rate:.0%} of unseen real rows and "
                f"{self.baseline_rate:.0%} by guessing")


def risks(train: pd.DataFrame, synthetic: pd.DataFrame, holdout: pd.DataFrame, schema: Schema, *, rng: Any = 0,
          attacks: int = ATTACKS) -> dict[str, Risk]:
    """The three attacks' risks (see the module text): ``singling_out`` (the worse of ``singling_out_univariate``
    and ``singling_out_multivariate``), ``linkability``, ``inference`` (the worst secret column) and
    ``inference:<column>`` for every secret column."""
    columns = [c for c in schema.synth_columns if c in train.columns and c in synthetic.columns
               and c in holdout.columns]
    if len(holdout) < 10 or len(train) < 10 or len(synthetic) < 10:
        raise DataError("Attack-based privacy risks need at least ten training, held-out and synthetic rows.")
    if not columns:
        raise DataError("No column takes part in synthesis, so there is nothing to attack.")
    generator = np.random.default_rng(rng)
    n = int(min(attacks, len(train), len(holdout)))
    syn = synthetic[columns].sample(n=min(len(synthetic), MAX_CANDIDATES), random_state=generator.integers(2**31 - 1))
    tables = _Tables(train[columns], syn, holdout[columns], schema)
    out = {"singling_out_univariate": _singling_out(tables, attacks, generator, multivariate=False),
           "singling_out_multivariate": _singling_out(tables, attacks, generator, multivariate=True)}
    out["singling_out"] = max(out["singling_out_univariate"], out["singling_out_multivariate"], key=_worst)
    if len(columns) >= 2:
        out["linkability"], secrets = _linkability_and_inference(tables, n, generator)
        out.update({f"inference:{c}": r for c, r in secrets.items()})
        out["inference"] = secrets[worst_first(secrets)[0]]
    return out


LEVELS = ("low", "within noise", "moderate", "high")  # Risk.level, from the least to the most worrying
LEVELS_SAID = (f"**low**: under {LOW:.0%}; **within noise**: {LOW:.0%} or more, but its 95% interval reaches down to "
               f"{NOISE:.0%} or less, so chance alone could give it; **moderate**: {LOW:.0%} to {HIGH:.0%}; "
               f"**high**: {HIGH:.0%} or more")  # Risk.level in words


def _worst(risk: Risk) -> tuple[int, float, float]:
    """The order of "worst": the more worrying level first (so the worst risk's traffic light is the worst light
    of any column), then the larger risk, then the higher low end of its interval. (Ranking by the low end first
    named a 4% "low" column the worst beside a 7% one "within noise".)"""
    return LEVELS.index(risk.level), risk.value, risk.low


def worst_first(found: dict[str, Risk]) -> list[str]:
    """The keys of ``found`` from the worst risk to the least (the order that names ``inference``'s column)."""
    return sorted(found, key=lambda k: _worst(found[k]), reverse=True)


# ---------------------------------------------------------------- rates and risks


def _rate(successes: float, total: int) -> tuple[float, float]:
    """A Wilson score estimate of a success rate and its error at the confidence level (Wilson 1927)."""
    z = float(norm.ppf(0.5 * (1 + CONFIDENCE)))
    denominator = total + z * z
    rate = (successes + 0.5 * z * z) / denominator
    error = z / denominator * np.sqrt(successes * (total - successes) / total + 0.25 * z * z)
    return float(rate), float(error)


def _risk(attack: float, control: float, baseline: float, total: int) -> Risk:
    """(attack − control) / (1 − control), the errors propagated, bounded to 0..1."""
    (a, da), (c, dc) = _rate(attack, total), _rate(control, total)
    value = (a - c) / (1 - c)
    error = np.hypot(da / abs(1 - c), dc * (a - 1) / (1 - c) ** 2)
    bound = lambda x: float(min(max(x, 0.0), 1.0))  # noqa: E731
    return Risk(value=bound(value), low=bound(value - error), high=bound(value + error), attack_rate=attack / total,
                control_rate=control / total, baseline_rate=baseline / total, attacks=total)


# ---------------------------------------------------------------- the tables, encoded once


class _Tables:
    """The training, synthetic and held-out rows with numbers as floats (dates as seconds) and labels as codes
    shared by the three tables; missing values as NaN (numbers) or −1 (labels)."""

    def __init__(self, train: pd.DataFrame, synthetic: pd.DataFrame, holdout: pd.DataFrame, schema: Schema) -> None:
        self.columns = list(train.columns)
        self.numbers = [c for c in self.columns if schema.kinds.get(c) not in LABELS and _ordered(train[c])]
        frames = {"train": train, "synthetic": synthetic, "holdout": holdout}
        self.values: dict[str, dict[str, np.ndarray]] = {k: {} for k in frames}
        for column in self.columns:
            if column in self.numbers:
                for key, frame in frames.items():
                    self.values[key][column] = _as_float(frame[column])
            else:
                levels = pd.Index(pd.concat([f[column] for f in frames.values()]).dropna().astype(str).unique())
                for key, frame in frames.items():
                    codes = levels.get_indexer(frame[column].astype(str).where(frame[column].notna()))
                    self.values[key][column] = codes.astype(float)  # (−1 for missing)
        both = {c: np.concatenate([self.values[k][c] for k in frames]) for c in self.numbers}
        both = {c: both[c] for c in self.numbers}
        self.ranges = {c: float(np.nanmax(v) - np.nanmin(v)) if np.isfinite(v).any() else 1.0 for c, v in both.items()}
        self.ranges = {c: r if r > 0 else 1.0 for c, r in self.ranges.items()}
        self.sizes = {k: len(f) for k, f in frames.items()}

    def distances(self, key: str, index: np.ndarray, column: str) -> np.ndarray:
        """One column's part of the Gower distance between the rows ``index`` of ``key`` and every synthetic row
        (targets × synthetic rows): numbers |a − b| / range, labels 0 or 1; both missing 0, one missing 1."""
        a, b = self.values[key][column][index][:, None], self.values["synthetic"][column][None, :]
        if column in self.numbers:
            differ = np.abs(a - b, dtype=np.float32) / np.float32(self.ranges[column])
            one, both = np.isnan(a) ^ np.isnan(b), np.isnan(a) & np.isnan(b)
            return np.where(both, np.float32(0), np.where(one, np.float32(1), differ)).astype(np.float32)
        return (a != b).astype(np.float32)  # (missing is the label −1: equal when both are missing)

    def summed(self, key: str, index: np.ndarray, columns: list[str]) -> np.ndarray:
        total = np.zeros((len(index), self.sizes["synthetic"]), dtype=np.float32)
        for column in columns:
            total += self.distances(key, index, column)
        return total


def _ordered(values: pd.Series) -> bool:
    return (pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)) or \
        pd.api.types.is_datetime64_any_dtype(values)


def _as_float(values: pd.Series) -> np.ndarray:
    if pd.api.types.is_datetime64_any_dtype(values):
        stamps = pd.to_datetime(values, utc=True)
        return np.where(stamps.notna(), stamps.astype("int64") / 1e9, np.nan).astype(float)
    return pd.to_numeric(values, errors="coerce").astype(float).to_numpy()


# ---------------------------------------------------------------- singling out


Predicate = list[tuple[str, str, float]]  # [(column, "==" | "<=" | ">=" | "isna", value)]


def _matches(tables: _Tables, key: str, predicate: Predicate, index: np.ndarray | None = None) -> int:
    """How many rows of a table (or of its rows ``index``) meet every term of ``predicate``."""
    size = tables.sizes[key] if index is None else len(index)
    ok = np.ones(size, dtype=bool)
    for column, op, value in predicate:
        v = tables.values[key][column] if index is None else tables.values[key][column][index]
        missing = np.isnan(v) if column in tables.numbers else v < 0
        ok &= missing if op == "isna" else (v == value) if op == "==" else (v <= value) if op == "<=" else (v >= value)
        if op != "isna":
            ok &= ~missing
    return int(ok.sum())


def _univariate_candidates(tables: _Tables) -> list[Predicate]:
    out = []
    for column in tables.columns:
        v = tables.values["synthetic"][column]
        missing = np.isnan(v) if column in tables.numbers else v < 0
        if missing.sum() == 1:
            out.append([(column, "isna", 0.0)])
        seen = v[~missing]
        if column in tables.numbers and len(seen):
            out += [[(column, "<=", float(seen.min()))], [(column, ">=", float(seen.max()))]]
        values, counts = np.unique(seen, return_counts=True)
        out += [[(column, "==", float(x))] for x in values[counts == 1]]
    return out


def _multivariate_candidate(tables: _Tables, generator: np.random.Generator, medians: dict) -> Predicate:
    row = int(generator.integers(tables.sizes["synthetic"]))
    chosen = generator.choice(len(tables.columns), size=min(MULTIVARIATE_COLUMNS, len(tables.columns)), replace=False)
    predicate = []
    for column in sorted(tables.columns[i] for i in chosen):
        value = tables.values["synthetic"][column][row]
        if (column in tables.numbers and np.isnan(value)) or (column not in tables.numbers and value < 0):
            predicate.append((column, "isna", 0.0))
        elif column in tables.numbers:
            predicate.append((column, ">=" if value > medians[column] else "<=", float(value)))
        else:
            predicate.append((column, "==", float(value)))
    return predicate


def _singling_out(tables: _Tables, n: int, generator: np.random.Generator, *, multivariate: bool) -> Risk:
    """Predicates that single out one synthetic row, counted where they single out one training (and one held-out)
    row; the baseline's predicates are drawn from the columns' values without the synthetic rows."""
    found: list[Predicate] = []
    seen: set = set()

    def consider(predicate: Predicate) -> None:
        key = tuple(predicate)
        if key not in seen and _matches(tables, "synthetic", predicate) == 1:
            seen.add(key)
            found.append(predicate)

    if multivariate:
        medians = {c: float(np.nanmedian(tables.values["synthetic"][c])) if np.isfinite(
            tables.values["synthetic"][c]).any() else 0.0 for c in tables.numbers}
        for _ in range(min(ATTEMPTS * n, max(10 * n, WORK // max(1, tables.sizes["synthetic"])))):
            if len(found) >= n:
                break
            consider(_multivariate_candidate(tables, generator, medians))
    else:
        candidates = _univariate_candidates(tables)
        for i in generator.permutation(len(candidates)):
            consider(candidates[i])
            if len(found) >= n:
                break
    if not found:
        return Risk(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, n)
    attack = sum(_matches(tables, "train", p) == 1 for p in found)
    control = sum(_matches(tables, "holdout", p) == 1 for p in found) * _size_correction(tables, found, generator)
    baseline = sum(_matches(tables, "train", p) == 1 for p in _random_predicates(tables, found, generator))
    return _risk(attack, min(control, len(found)), baseline, n)  # (predicates not found count as failed attacks)


def _singles(n: np.ndarray, w: float, scale: float) -> np.ndarray:
    """Expected predicates that single out in a population of n: scale · ∫₀^w n·x·(1 − x)^(n − 1) dx."""
    return scale * (1 - (n * w + 1) * (1 - w) ** n) / (n + 1)


def _size_correction(tables: _Tables, found: list[Predicate], generator: np.random.Generator) -> float:
    """How many more predicates single out among as many rows as the training table than among the control's
    (fitted on samples of the control of growing size; 1 when the sizes match or the fit fails)."""
    from scipy.optimize import curve_fit

    size, target = tables.sizes["holdout"], tables.sizes["train"]
    if size == target or size < 20:
        return 1.0
    sizes, counts = [], []
    for n in np.linspace(max(10, size // 4), size, 6).astype(int):
        for _ in range(3):
            rows = generator.choice(size, size=n, replace=False)
            sizes.append(n)
            counts.append(sum(_matches(tables, "holdout", p, rows) == 1 for p in found))
    sizes, counts = np.array(sizes, dtype=float), np.array(counts, dtype=float)
    if not counts.any():
        return 1.0
    try:
        guess = (1 / size, max(counts.max(), 1.0) / max(_singles(np.array([size]), 1 / size, 1.0)[0], 1e-12))
        (w, scale), _ = curve_fit(_singles, sizes, counts, p0=guess, bounds=([1e-9, 0], [1, np.inf]), maxfev=5_000)
    except (RuntimeError, ValueError):
        return 1.0
    at_size = _singles(np.array([float(size)]), w, scale)[0]
    return float(_singles(np.array([float(target)]), w, scale)[0] / at_size) if at_size > 0 else 1.0


def _random_predicates(tables: _Tables, shapes: list[Predicate], generator: np.random.Generator) -> list[Predicate]:
    """Predicates of the same columns and operators as ``shapes``, with values drawn from each column's range or
    labels (what an attacker writes without the synthetic rows)."""
    out = []
    for predicate in shapes:
        terms = []
        for column, op, _ in predicate:
            v = tables.values["train"][column]
            seen = v[np.isfinite(v) & (v >= 0 if column not in tables.numbers else True)]
            if op == "isna" or not len(seen):
                terms.append((column, op, 0.0))
            elif column in tables.numbers:
                terms.append((column, op, float(generator.uniform(seen.min(), seen.max()))))
            else:
                terms.append((column, op, float(generator.choice(np.unique(seen)))))
        out.append(terms)
    return out


# ---------------------------------------------------------------- linkability and inference


def _linkability_and_inference(tables: _Tables, n: int, generator: np.random.Generator
                               ) -> tuple[Risk, dict[str, Risk]]:
    """Both attacks share the distances of the same target rows to every synthetic row: the full Gower distance,
    less one column for each secret, and the first half of the columns for the links."""
    half = len(tables.columns) // 2
    first = tables.columns[:half]
    secrets = tables.columns[:MAX_SECRETS]
    links, right = {}, {c: {} for c in secrets}
    for key in ("train", "holdout"):
        rows = generator.choice(tables.sizes[key], size=n, replace=False)
        part = tables.summed(key, rows, first)
        full = part + tables.summed(key, rows, tables.columns[half:])
        links[key] = int((part.argmin(axis=1) == (full - part).argmin(axis=1)).sum())
        for secret in secrets:
            nearest = (full - tables.distances(key, rows, secret)).argmin(axis=1)
            right[secret][key] = _right(tables, secret, tables.values["synthetic"][secret][nearest],
                                        tables.values[key][secret][rows])
    size = tables.sizes["synthetic"]
    linked_by_chance = int((generator.integers(size, size=n) == generator.integers(size, size=n)).sum())
    inference = {}
    for secret in secrets:
        rows = generator.choice(tables.sizes["train"], size=n, replace=False)
        guesses = tables.values["synthetic"][secret][generator.integers(size, size=n)]
        baseline = _right(tables, secret, guesses, tables.values["train"][secret][rows])
        inference[secret] = _risk(right[secret]["train"], right[secret]["holdout"], baseline, n)
    return _risk(links["train"], links["holdout"], linked_by_chance, n), inference


def _right(tables: _Tables, secret: str, guesses: np.ndarray, truth: np.ndarray) -> int:
    """Right guesses of a secret: equal labels, numbers within 5%, or both missing."""
    if secret in tables.numbers:
        both_missing = np.isnan(guesses) & np.isnan(truth)
        close = np.abs(guesses - truth) <= TOLERANCE * np.abs(truth) + 1e-12
    else:
        both_missing = (guesses < 0) & (truth < 0)
        close = (guesses == truth) & (truth >= 0)
    return int((close | both_missing).sum())
