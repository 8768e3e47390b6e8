"""Declared marginals of a designed scenario: each column's distribution, as an inverse CDF.

Every column is drawn by inverse transform sampling, x = F⁻¹(u) with u ~ U(0, 1), so one code path
serves independent columns (u drawn on its own) and correlated ones (u = Φ(z) from correlated normal
scores, see ``core.design.generate``). The distributions are scipy.stats frozen distributions:

- a **family** (normal, lognormal, gamma, beta, uniform, exponential, triangular, Weibull, Poisson,
  negative binomial) with its parameters, optionally **truncated** to bounds [a, b]:
  x = F⁻¹(F(a⁻) + u (F(b) − F(a⁻))), the inverse CDF of the distribution conditioned on a ≤ x ≤ b;
- an **empirical histogram** (bin edges and weights): ``scipy.stats.rv_histogram``, uniform within a bin;
- **categories with shares**, and a **binary** share p of ones: the category whose cumulative share
  interval holds u, in the declared order (so a correlation may treat them as ordinal codes);
- a **date range** with optional weekly and yearly seasonality: day d gets the weight
  w(d) = w_weekday(d) · w_month(d), and u picks the day whose cumulative weight interval holds it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from core.params import Param

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
BIG = 1e9  # the largest location or scale a family takes
TINY = 1e-9
MIN_MASS = 1e-6  # bounds must keep at least this share of a distribution


def _p(name: str, default: float, low: float, high: float, help: str) -> Param:
    return Param(name, "float", default, help, low=low, high=high)


@dataclass(frozen=True)
class Family:
    """A scipy.stats family: its parameters (declared once: the page's widgets and the JSON check use them)."""

    title: str
    params: tuple[Param, ...]
    discrete: bool = False

    def frozen(self, key: str, values: dict[str, float]):
        """The frozen scipy distribution, or a sentence (str) saying why these values make none."""
        v = values
        if key == "normal":
            return stats.norm(loc=v["mean"], scale=v["sd"])
        if key == "lognormal":
            return stats.lognorm(s=v["sdlog"], scale=math.exp(v["meanlog"]))  # log x ~ N(meanlog, sdlog²)
        if key == "gamma":
            return stats.gamma(a=v["shape"], scale=v["scale"])
        if key == "weibull":
            return stats.weibull_min(c=v["shape"], scale=v["scale"])
        if key == "exponential":
            return stats.expon(scale=v["mean"])
        if key == "poisson":
            return stats.poisson(mu=v["mean"])
        if key == "negative binomial":
            return stats.nbinom(n=v["n"], p=v["p"])  # failures before the n-th success, success chance p
        if v["low"] >= v["high"]:
            return "its 'low' must be below its 'high'"
        width = v["high"] - v["low"]
        if key == "uniform":
            return stats.uniform(loc=v["low"], scale=width)
        if key == "beta":
            return stats.beta(a=v["a"], b=v["b"], loc=v["low"], scale=width)
        if not v["low"] <= v["mode"] <= v["high"]:
            return "its 'mode' must lie between 'low' and 'high'"
        return stats.triang(c=(v["mode"] - v["low"]) / width, loc=v["low"], scale=width)  # triangular


FAMILIES: dict[str, Family] = {
    "normal": Family("Normal", (_p("mean", 0.0, -BIG, BIG, "The centre."),
                                _p("sd", 1.0, TINY, BIG, "The standard deviation: the spread (above 0)."))),
    "lognormal": Family("Lognormal", (
        _p("meanlog", 0.0, -50.0, 50.0, "The mean of log(x); the median of x is exp(meanlog)."),
        _p("sdlog", 0.5, 1e-6, 10.0, "The standard deviation of log(x): the skew grows with it."))),
    "gamma": Family("Gamma", (_p("shape", 2.0, 1e-3, 1e4, "k: 1 is exponential; larger is more symmetric."),
                              _p("scale", 1.0, TINY, BIG, "θ: the mean is k·θ."))),
    "beta": Family("Beta", (_p("a", 2.0, 1e-3, 1e4, "α: weight towards the upper end."),
                            _p("b", 2.0, 1e-3, 1e4, "β: weight towards the lower end."),
                            _p("low", 0.0, -BIG, BIG, "The lower end of the range."),
                            _p("high", 1.0, -BIG, BIG, "The upper end of the range."))),
    "uniform": Family("Uniform", (_p("low", 0.0, -BIG, BIG, "The lower end."),
                                  _p("high", 1.0, -BIG, BIG, "The upper end."))),
    "exponential": Family("Exponential", (_p("mean", 1.0, TINY, BIG, "The mean (1/rate)."),)),
    "triangular": Family("Triangular", (_p("low", 0.0, -BIG, BIG, "The lower end."),
                                        _p("mode", 0.5, -BIG, BIG, "The most likely value."),
                                        _p("high", 1.0, -BIG, BIG, "The upper end."))),
    "weibull": Family("Weibull", (_p("shape", 1.5, 1e-3, 1e3, "k: below 1 a falling rate, above 1 a rising one."),
                                  _p("scale", 1.0, TINY, BIG, "λ: the 63rd percentile."))),
    "poisson": Family("Poisson (counts)", (_p("mean", 3.0, TINY, 1e6, "λ: the mean count, also its variance."),),
                      discrete=True),
    "negative binomial": Family("Negative binomial (overdispersed counts)", (
        _p("n", 5.0, 1e-3, 1e6, "The number of successes: smaller is more overdispersed."),
        _p("p", 0.5, 1e-6, 1.0, "The chance of success; the mean is n(1 − p)/p.")), discrete=True),
}


@dataclass(frozen=True)
class Numbers:
    """A frozen scipy distribution, truncated to [low, high] when given; ``whole`` rounds to integers."""

    dist: Any
    low: float | None = None
    high: float | None = None
    discrete: bool = False
    whole: bool = False

    @property
    def mass(self) -> tuple[float, float]:
        """(F(a⁻), F(b)): the CDF just below the lower bound and at the upper one."""
        lo = float(self.dist.cdf(np.nextafter(self.low, -np.inf))) if self.low is not None else 0.0
        hi = float(self.dist.cdf(self.high)) if self.high is not None else 1.0
        return lo, hi

    def ppf(self, u: np.ndarray) -> np.ndarray:
        lo, hi = self.mass
        x = self.dist.ppf(lo + u * (hi - lo))  # x = F⁻¹(F(a⁻) + u (F(b) − F(a⁻))): the truncated inverse CDF
        low, high = self.bounds
        return np.clip(np.rint(x) if self.whole or self.discrete else x, low, high)

    @property
    def bounds(self) -> tuple[float, float]:
        """The values may lie in [low, high]; whole numbers in [⌈low⌉, ⌊high⌋] (rounded, bounds 0.2 and 0.8 gave 0
        and 1, outside both)."""
        low = -np.inf if self.low is None else self.low
        high = np.inf if self.high is None else self.high
        return (float(np.ceil(low)), float(np.floor(high))) if self.whole or self.discrete else (low, high)

    def cdf(self, x: np.ndarray) -> np.ndarray:
        lo, hi = self.mass
        return np.clip((self.dist.cdf(x) - lo) / (hi - lo), 0.0, 1.0)  # F_T(x) = (F(x) − F(a⁻)) / (F(b) − F(a⁻))

    def curve(self, points: int = 200) -> tuple[np.ndarray, np.ndarray]:
        """(x, density) on a grid over the central 99.8%, or (k, probability) at each count for a discrete one."""
        a, b = self.ppf(np.array([0.001, 0.999]))
        lo, hi = self.mass
        if self.discrete:
            k = np.arange(a, b + 1) if b - a <= points else np.unique(np.rint(np.linspace(a, b, points)))
            return k.astype(np.int64), self.dist.pmf(k) / (hi - lo)
        if a == b:
            a, b = a - 0.5, b + 0.5
        x = np.linspace(a, b, points)
        inside = (x >= (self.low if self.low is not None else -np.inf)) & (x <= (self.high if self.high is not None
                                                                                  else np.inf))
        return x, np.where(inside, self.dist.pdf(x) / (hi - lo), 0.0)


@dataclass(frozen=True)
class Values:
    """Listed values (categories, 0/1, or days) with their probabilities, in the declared order."""

    values: np.ndarray
    probabilities: np.ndarray

    def ppf(self, u: np.ndarray) -> np.ndarray:
        upper = np.cumsum(self.probabilities)  # the value whose cumulative interval holds u
        return self.values[np.minimum(np.searchsorted(upper, u, side="right"), len(self.values) - 1)]

    def curve(self) -> tuple[np.ndarray, np.ndarray]:
        return self.values, self.probabilities


def day_weights(start: pd.Timestamp, end: pd.Timestamp, weekly: list[float] | None, yearly: list[float] | None
                ) -> Values:
    """Every day from start to end with its probability w(d) / Σw, w(d) = w_weekday(d) · w_month(d)."""
    days = pd.date_range(start, end, freq="D")
    w = np.ones(len(days))
    if weekly:
        w *= (np.asarray(weekly, dtype=float) / max(weekly))[days.dayofweek]  # each at most 1: the product is finite
    if yearly:
        w *= (np.asarray(yearly, dtype=float) / max(yearly))[days.month - 1]
    return Values(days.to_numpy(), w / w.sum())
