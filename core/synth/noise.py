"""Noise and augmentation: new rows made by perturbing real rows.

``sample(n)`` draws n base rows from the training rows, uniformly with replacement (a bootstrap,
Efron 1979), and perturbs them in three ways, each with its own setting:

* **mixup** (Zhang et al. 2018): a share ``mixup`` of the rows becomes a convex combination of
  its base row a and a partner b drawn from the rows of the same class of the target (from the
  whole table when there is no label target): x = λ·a + (1 − λ)·b with λ ~ Beta(α, α). Numbers
  and dates are combined; labels, and any value missing in one parent, come from the nearer
  parent (a when λ ≥ ½), so the class of a mixed row is its parents' class. A small α puts λ
  near 0 or 1 (rows near a parent), α = 1 spreads λ uniformly along the segment;
* **jitter** (Gaussian noise injection, Bishop 1995): every number column gets
  ε ~ N(0, (jitter·σ)²) added, where σ is the column's standard deviation in the training rows
  (the standard deviation, not the IQR: the share reads as "noise sd over column sd"); dates move
  by the same rule in whole days; integers are rounded back;
* **swap**: each label value (other than the target's class) is replaced, with probability
  ``swap``, by another category of its column drawn from the column's observed shares with the
  current value left out, so the share of changed values is ``swap``.

Values pushed beyond a column's real range are clipped to it (the base class does this for every
method, at the real precision); the run notes say how many. Missing values stay where the base
row has them. With every setting at 0 the output is a bootstrap of real rows: exact copies, which
the privacy guard counts and drops. Identifier columns are left to the runner, as for every method.

References: Efron B. (1979) Bootstrap methods, Ann. Statist. 7(1); Bishop C. M. (1995) Training
with noise is equivalent to Tikhonov regularization, Neural Computation 7(1); Zhang H., Cisse M.,
Dauphin Y. N., Lopez-Paz D. (2018) mixup: Beyond empirical risk minimization, ICLR.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd

from core.params import Card, Param
from core.schema import LABELS, NUMERIC, Kind, to_floats
from core.synth.base import Synthesizer
from core.synth.registry import AUGMENTATION, register

DAY = pd.Timedelta(days=1)


@register
class NoiseSynthesizer(Synthesizer):
    key = "noise"
    title = "Noise and augmentation"
    family = AUGMENTATION
    keeps_missing = True  # a perturbed row keeps the holes of its base row
    card = Card(does="Takes real rows at random and perturbs them: Gaussian noise on numbers and dates, labels "
                     "swapped with a small probability, and mixup (a row on the line between two rows of the same "
                     "class).",
                when="Augmenting a small training set for a model; a quick, explainable baseline; showing how "
                     "much noise it takes before rows stop being copies of real people.",
                distorts="Rows stay near real rows (a privacy risk at low noise); noise widens each column's "
                         "spread by a factor √(1 + jitter²) and weakens correlations; values clipped at the edges "
                         "pile up there.")
    teaching = """
    **Start from real rows.** Each synthetic row begins as a real row drawn at random (with replacement). Three
    perturbations then make it new. *Jitter* adds Gaussian noise to every number: 0.1 means noise with a
    standard deviation of one tenth of the column's own standard deviation (dates move in whole days, integers
    are rounded back). *Swap* replaces a label by another one of its column, in proportion to how common the
    labels are, with the chosen probability. *Mixup* (Zhang et al. 2018) makes a share of rows as a weighted
    average of two rows of the same class, with a weight drawn from Beta(α, α).

    **Reading the output.** Marginals widen slightly (the variance grows by jitter², so by 1% at 0.1);
    correlations shrink by about the same factor; rows sit close to real ones. At jitter 0 with no swap or
    mixup every row is a copy of a real row: the privacy guard counts copies of training rows and drops them,
    so such a run cannot pass it. Check the distance to the closest real row on the Compare page."""
    params = (
        Param("jitter", "float", 0.1, "Gaussian noise on each number column, as a share of the column's standard "
              "deviation (0.1: noise sd = 0.1 × column sd); dates move in whole days. At 0, with swap and mixup 0, "
              "every row copies a real row and the privacy guard flags them as copies.", low=0.0, high=2.0),
        Param("swap", "float", 0.05, "Probability that a label value is replaced by another category of its column, "
              "drawn from the column's observed shares (the target's class is kept).", low=0.0, high=1.0),
        Param("mixup", "float", 0.0, "Share of rows made by mixup: a weighted average of two rows of the same target "
              "class (of any two rows without a label target); labels from the nearer of the two.", low=0.0, high=1.0),
        Param("alpha", "float", 0.4, "Mixup weight λ ~ Beta(α, α): small α keeps mixed rows near one parent, 1 spreads "
              "them evenly along the line between the two.", low=0.05, high=5.0),
    )
    quick: ClassVar[dict] = {"jitter": 0.1, "swap": 0.05, "mixup": 0.3}

    def notes(self) -> list[str]:
        clipped = getattr(self, "clipped_", {})  # set by the last sample
        return super().notes() + [f"Noise pushed {count:,} values of '{column}' beyond its real range; they were "
                                  "clipped to it." for column, count in clipped.items()]

    def _fit(self, df: pd.DataFrame) -> None:
        self.real_ = df.reset_index(drop=True)
        self.numbers_ = [c for c in self.columns_ if self.kinds_[c] in NUMERIC
                         and pd.api.types.is_numeric_dtype(df[c])]
        self.dates_ = [c for c in self.columns_ if self.kinds_[c] == Kind.DATETIME
                       and pd.api.types.is_datetime64_any_dtype(df[c])]
        self.labels_ = [c for c in self.columns_ if c not in self.numbers_ + self.dates_]
        self.class_ = self.target_ if self.target_ in self.labels_ and self.kinds_[self.target_] in LABELS else None
        self.spread_ = {c: _std(to_floats(df[c])) for c in self.numbers_}
        self.spread_.update({c: _std(to_floats(df[c]) / DAY.value) for c in self.dates_})  # in days
        self.shares_ = {c: df[c].value_counts(normalize=True) for c in self.labels_ if c != self.class_}
        classes = pd.factorize(df[self.class_])[0] if self.class_ else np.zeros(len(df), dtype=int)
        self.order_ = np.argsort(classes, kind="stable")  # row numbers grouped by class (missing: a class of its own)
        self.classes_ = classes
        counts = np.bincount(classes - classes.min())
        self.members_ = counts[classes - classes.min()]  # rows of each row's class
        self.first_ = (np.cumsum(counts) - counts)[classes - classes.min()]  # where its class starts in order_

    def _sample(self, n: int, rng: np.random.Generator) -> pd.DataFrame:
        p = self.params_
        base = rng.integers(len(self.real_), size=n)  # a bootstrap of the training rows
        out = self.real_.iloc[base].reset_index(drop=True)
        if p["mixup"] > 0:
            self._mix(out, base, rng)
        if p["jitter"] > 0:
            for column in self.numbers_:
                x = to_floats(out[column])
                out[column] = x + rng.normal(0.0, p["jitter"] * self.spread_[column], n)  # x + ε, ε ~ N(0, (jσ)²)
            for column in self.dates_:
                days = np.rint(rng.normal(0.0, p["jitter"] * self.spread_[column], n))  # whole days
                out[column] = out[column] + pd.to_timedelta(_within_dates(out[column], days), unit="D")
        if p["swap"] > 0:
            for column, shares in self.shares_.items():
                out[column] = _swapped(out[column], shares, p["swap"], rng)
        self.clipped_ = {c: int(((out[c] < low) | (out[c] > high)).sum()) for c, (low, high) in self.bounds_.items()
                         if c in out and c in self.numbers_ + self.dates_}
        self.clipped_ = {c: k for c, k in self.clipped_.items() if k}
        return out

    def _mix(self, out: pd.DataFrame, base: np.ndarray, rng: np.random.Generator) -> None:
        """Mixup in place on a share of ``out``'s rows: x = λ·a + (1 − λ)·b, b a row of a's class."""
        n = len(out)
        rows = np.sort(rng.choice(n, size=round(self.params_["mixup"] * n), replace=False))
        a = base[rows]
        b = self.order_[self.first_[a] + rng.integers(0, self.members_[a])]  # a partner of the same class
        lam = rng.beta(self.params_["alpha"], self.params_["alpha"], len(rows))  # λ ~ Beta(α, α)
        nearer = np.where(lam >= 0.5, a, b)
        for column in self.columns_:
            first, second = self.real_[column].iloc[a], self.real_[column].iloc[b]
            near = self.real_[column].iloc[nearer].to_numpy()
            if column in self.numbers_:
                x, y = to_floats(first), to_floats(second)
                mixed = np.where(np.isnan(x) | np.isnan(y), to_floats(self.real_[column].iloc[nearer]),
                                 lam * x + (1 - lam) * y)  # λa + (1 − λ)b
                out[column] = to_floats(out[column])
            elif column in self.dates_:
                gap = second.to_numpy() - first.to_numpy()
                mixed = first.to_numpy() + gap * (1 - lam)  # a + (1 − λ)(b − a) = λa + (1 − λ)b
                mixed = np.where(pd.isna(mixed), near, mixed)
            else:
                mixed = near
                out[column] = out[column].astype(object)
            out.loc[rows, column] = mixed


def _std(values: np.ndarray) -> float:
    """The standard deviation of the observed values (0 with fewer than two)."""
    observed = values[np.isfinite(values)]
    return float(np.std(observed, ddof=1)) if len(observed) > 1 else 0.0


def _swapped(values: pd.Series, shares: pd.Series, probability: float, rng: np.random.Generator) -> pd.Series:
    """``values`` with each one replaced, with ``probability``, by another category drawn from ``shares`` (the
    current one left out and the rest renormalised); missing values and single-category columns stay."""
    if len(shares) < 2:
        return values
    codes = pd.Categorical(values, categories=shares.index).codes  # −1: missing
    flip = (rng.random(len(values)) < probability) & (codes >= 0)
    new = codes.copy()
    p = shares.to_numpy(dtype=float)
    for code in np.unique(codes[flip]):
        rows = np.flatnonzero(flip & (codes == code))
        others = p.copy()
        others[code] = 0.0
        new[rows] = rng.choice(len(p), size=len(rows), p=others / others.sum())  # P(j | not current) = p_j / (1 − p_i)
    out = values.astype(object).to_numpy(copy=True)
    out[flip] = shares.index.to_numpy(dtype=object)[new[flip]]
    return pd.Series(out, index=values.index)


def _within_dates(dates: pd.Series, days: np.ndarray) -> np.ndarray:
    """Day offsets cut so that each date moved by its offset stays within what pandas' dates hold (1677 to 2262): a
    wide jitter on a wide range of dates would otherwise leave it (the bounds then clip what lies beyond the data)."""
    day = 86_400 * 10**9
    at = dates.to_numpy(dtype="datetime64[ns]").astype(np.int64).astype(float)  # (NaT: the smallest int64)
    low = np.ceil((pd.Timestamp.min.value + day - at) / day)
    high = np.floor((pd.Timestamp.max.value - day - at) / day)
    span = pd.Timedelta.max.days - 1  # (and a time span holds at most about 292 years)
    return np.clip(days, np.maximum(low, -span), np.minimum(high, span))
