"""Conditional sampling: ``model.sample(n, conditions={...})`` returns exactly ``n`` rows that all meet the
conditions, or a sentence says why it cannot.

A condition maps a column the model draws to

* a value (``{"species": "Gentoo"}``; ``None`` asks for rows where the column is missing),
* a list of values, any of which will do (``{"island": ["Biscoe", "Dream"]}``), or
* a ``(low, high)`` pair for a number or date column, both ends included (``{"age": (30, 40)}``;
  ``None`` at one end leaves it open).

Conditions are checked against what the model learned before anything is drawn: a label the real rows
never take, a range that is empty or lies outside the real values (which synthetic rows never leave)
is refused at once. Then rows are drawn in rounds, each asking for what is still short divided by the
share of rows that met the conditions so far (rejection sampling, so the rows that come back are
distributed as the model's rows are, given the conditions). The effort is bounded: a condition that
too few rows meet to reach ``n`` within ``MAX_DRAWN`` candidates, or within ``MAX_SECONDS`` at the pace the
method draws (a slow model, such as diffusion, reaches that long before), is refused with the share that met it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from core.errors import DataError, ParameterError
from core.schema import LABELS, Kind, label_text

MAX_ROUNDS = 30
MAX_DRAWN = 5_000_000  # candidates drawn at most for one conditional sample
PER_ROW = 200  # ... and at most this many per row asked for (at least LEAST_DRAWN)
LEAST_DRAWN = 100_000
MAX_BATCH = 250_000  # candidates drawn at most in one round (memory)
MAX_SECONDS = 60.0  # drawing candidates for one conditional sample, at most (projected from the pace so far)


@dataclass(frozen=True)
class Condition:
    """One column's condition, checked: ``values`` (with ``missing`` for None) or the ``low``/``high`` range."""

    column: str
    values: tuple = ()
    missing: bool = False
    low: Any = None
    high: Any = None
    ranged: bool = False

    def met(self, df: pd.DataFrame) -> np.ndarray:
        column = df[self.column]
        if self.ranged:
            ok = column.notna()
            if self.low is not None:
                ok &= column >= self.low
            if self.high is not None:
                ok &= column <= self.high
            return ok.fillna(False).to_numpy(dtype=bool)
        ok = column.isin(list(self.values)).to_numpy(dtype=bool) if self.values else np.zeros(len(df), dtype=bool)
        return ok | column.isna().to_numpy() if self.missing else ok

    def text(self) -> str:
        if self.ranged:
            low = "" if self.low is None else f"{_shown(self.low)} ≤ "
            high = "" if self.high is None else f" ≤ {_shown(self.high)}"
            return f"{low}{self.column}{high}"
        shown = [_shown(v) for v in self.values] + (["missing"] if self.missing else [])
        return f"{self.column} = {shown[0]}" if len(shown) == 1 else f"{self.column} in {{{', '.join(shown)}}}"


def read_conditions(model: Any, conditions: Any) -> list[Condition]:
    """``conditions`` checked against the fitted ``model`` (a :class:`core.synth.base.Synthesizer`)."""
    if not isinstance(conditions, dict):
        raise ParameterError("Conditions map a column to a value, a list of values or a (low, high) range, such as "
                             "{'species': 'Gentoo', 'body_mass_g': (4000, 5000)}.")
    return [_condition(model, column, wanted) for column, wanted in conditions.items()]


def _condition(model: Any, column: Any, wanted: Any) -> Condition:
    if column not in model.output_columns_:
        raise ParameterError(f"The model draws no column {_shown(column)}, so it cannot be a condition.",
                             hint="Conditions name columns of the synthetic table: "
                                  + ", ".join(map(str, model.output_columns_[:12])) + ".")
    kind, rate = model.kinds_[column], model.missing_.get(column, 0.0)
    if isinstance(wanted, tuple):
        return _range(model, column, kind, wanted)
    values = list(wanted) if isinstance(wanted, (list, set, frozenset, pd.Index, np.ndarray, pd.Series)) else [wanted]
    if not values:
        raise ParameterError(f"The condition on '{column}' lists no value.")
    missing = any(_is_missing(v) for v in values)
    given = [v for v in values if not _is_missing(v)]
    if missing and rate == 0:
        raise DataError(f"'{column}' is never missing in the real rows, so no synthetic row has it missing.")
    if given and column not in model.columns_:
        raise DataError(f"'{column}' has no observed value in the real rows (it comes back empty), so no row can "
                        f"have {column} = {_shown(given[0])}.")
    if kind in LABELS or column not in model.bounds_:
        levels = model.levels_.get(column, pd.Index([]))
        return Condition(column, tuple(_level(column, v, levels) for v in given), missing)
    return Condition(column, tuple(_number(model, column, kind, v) for v in given), missing)


def _range(model: Any, column: str, kind: str, wanted: tuple) -> Condition:
    if len(wanted) != 2:
        raise ParameterError(f"A range for '{column}' is a pair (low, high), not {len(wanted)} values.")
    if kind in LABELS or column not in model.bounds_:
        raise ParameterError(f"'{column}' holds labels, which have no order: give a value or a list of values, "
                             "not a range.")
    low, high = (None if _is_missing(v) else v for v in wanted)
    if low is None and high is None:
        raise ParameterError(f"The range for '{column}' is open at both ends: it asks for nothing.")
    low, high = (None if v is None else _as(model, column, kind, v) for v in (low, high))
    if low is not None and high is not None and low > high:
        raise ParameterError(f"The range for '{column}' is empty: {_shown(low)} is above {_shown(high)}.")
    least, most = model.bounds_[column]
    if (low is not None and low > most) or (high is not None and high < least):
        raise DataError(f"No real value of '{column}' lies in that range: the real values run from {_shown(least)} "
                        f"to {_shown(most)}, and synthetic values stay within them.")
    return Condition(column, low=_output(model, column, low), high=_output(model, column, high), ranged=True)


def _number(model: Any, column: str, kind: str, value: Any) -> Any:
    number = _as(model, column, kind, value)
    least, most = model.bounds_[column]
    if not least <= number <= most:
        raise DataError(f"{column} = {_shown(value)} lies outside the real values ({_shown(least)} to {_shown(most)}), "
                        "and synthetic values stay within them.")
    return _output(model, column, number)


def _output(model: Any, column: str, value: Any) -> Any:
    """A checked value as the synthetic column holds it: a date in the column's own time zone."""
    zone = getattr(model.dtypes_[column], "tz", None)
    return value.tz_localize("UTC").tz_convert(zone) if zone is not None and value is not None else value


def _as(model: Any, column: str, kind: str, value: Any) -> Any:
    """A value as the model's bounds hold the column (a date as a naive UTC time: a time without a zone is read on
    the column's own clock), or a sentence."""
    try:
        if kind == Kind.DATETIME:
            stamp = pd.Timestamp(value)
            if pd.isna(stamp):
                raise ValueError
            zone = getattr(model.dtypes_[column], "tz", None)
            if zone is not None and stamp.tzinfo is None:
                stamp = stamp.tz_localize(zone)
            return stamp.tz_convert("UTC").tz_localize(None) if stamp.tzinfo is not None else stamp
        if isinstance(value, bool):
            raise ValueError
        number = float(value)
        if not np.isfinite(number):
            raise ValueError
        return number
    except (TypeError, ValueError, OverflowError):
        what = "a date" if kind == Kind.DATETIME else "a number"
        raise ParameterError(f"'{column}' holds {'dates' if kind == Kind.DATETIME else 'numbers'}, and "
                             f"{_shown(value)} is not {what}.") from None


def _level(column: str, value: Any, levels: pd.Index) -> Any:
    """``value`` as the real label it names (3, 3.0 and '3' name the same label; '007' the code '007' before the
    number 7, and '1.0' or '1e3' a number label of that value), or a sentence."""
    for level in levels:
        if _same(level, value):
            return level
    number = _float(value)
    for level in levels:
        if number is not None and isinstance(level, (int, float, np.number)) and not isinstance(level, bool) \
                and float(level) == number:
            return level
    known = ", ".join(map(_shown, levels[:8])) + (", …" if len(levels) > 8 else "")
    raise DataError(f"'{column}' never takes the value {_shown(value)} in the real rows, so no synthetic row has it.",
                    hint=f"Its values: {known}." if len(levels) else None)


def _same(level: Any, value: Any) -> bool:
    try:
        if level == value:
            return True
    except (TypeError, ValueError):
        pass
    return label_text(level) == label_text(value)


def _float(value: Any) -> float | None:
    """A number given as a number or as its text, else None."""
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if np.isfinite(number) and not isinstance(value, bool) else None


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA or value is pd.NaT


def _shown(value: Any) -> str:
    text = str(value)
    text = text[:40] + "…" if len(text) > 40 else text
    return f"'{text}'" if isinstance(value, str) else text


def sample_meeting(draw: Callable[[int, np.random.Generator], pd.DataFrame], n: int, conditions: list[Condition],
                   rng: np.random.Generator) -> pd.DataFrame:
    """Exactly ``n`` rows of ``draw``'s that meet every condition, drawn in rounds (see the module text)."""
    budget = min(MAX_DRAWN, max(LEAST_DRAWN, PER_ROW * n))
    kept, have, drawn, start = [], 0, 0, time.monotonic()
    for _ in range(MAX_ROUNDS):
        rate = have / drawn if drawn else 1.0
        if have and drawn + (n - have) / rate > 1.5 * budget:  # at this share, n rows would take far too many
            break
        ask = (n - have) / rate * 1.2 + 16 if rate > 0 else max(drawn, n) * 10
        ask = int(min(max(ask, n), MAX_BATCH, budget - drawn))  # (at least n: bulk out draws no fewer)
        pace = (time.monotonic() - start) / drawn if drawn else 0.0  # seconds per row drawn so far
        if ask <= 0 or time.monotonic() - start + ask * pace > MAX_SECONDS:
            break
        batch = draw(ask, rng)
        drawn += len(batch)
        ok = np.ones(len(batch), dtype=bool)
        for condition in conditions:
            ok &= condition.met(batch)
        kept.append(batch[ok])
        have += int(ok.sum())
        if have >= n:
            return pd.concat(kept, ignore_index=True).head(n)
    said = " and ".join(c.text() for c in conditions)
    pace = (time.monotonic() - start) / max(drawn, 1)
    found = (f"Not one of {drawn:,} rows drawn meets {said}" if not have else
             f"Only {have / drawn:.4%} of the rows drawn meet {said}, so {n:,} of them would take some "
             f"{drawn / have * n:,.0f} draws" + (f", about {drawn / have * n * pace / 60:,.0f} minutes at this "
                                                 "method's pace" if drawn / have * n * pace > MAX_SECONDS else ""))
    raise DataError(f"{found}: too rare to reach.",
                    hint="Ask for fewer rows, widen the condition, or use a method that draws such rows more often.")
