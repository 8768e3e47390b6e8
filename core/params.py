"""Parameters declared once per method: the page builds its widgets from them, the command line
its flags, recipes their JSON and tests their fast settings.

A ``Param`` says what a value is (``int``, ``float``, ``bool``, ``choice``, ``column``, ``text``;
``mapping``: a distribution per number column; ``matrix``: a correlation matrix of the number
columns), its default, its range or choices and one line of help; ``validate`` turns a user's value
into a checked one or raises ``ParameterError`` with a sentence. ``signature`` turns a method's
declared parameters into the keyword-only signature of its constructor, for ``help()`` and editors.
"""

from __future__ import annotations

import inspect
import math
import reprlib
import sys
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
import pandas as pd

from core.errors import ParameterError

PARAM_TYPES = ("int", "float", "bool", "choice", "column", "text", "mapping", "matrix")


@dataclass(frozen=True)
class Card:
    """What a method does, when it is appropriate and what it distorts: shown beside its widgets."""

    does: str
    when: str
    distorts: str


@dataclass(frozen=True)
class Family:
    """A group of methods on the Synthesize page: its title, its place (lower first) and what it is for."""

    title: str
    order: int
    about: str = ""


def generator(rng: Any, what: str = "rng") -> np.random.Generator:
    """``np.random.default_rng(rng)``: a seed (a whole number of 0 or more), a numpy Generator or None; anything else
    is a ParameterError naming it as ``what``, not numpy's own error."""
    try:
        return np.random.default_rng(rng)
    except (TypeError, ValueError):
        raise ParameterError(f"{what} must be a whole number of 0 or more, a numpy Generator or None, not "
                             f"{shown(rng)}.") from None


def shown(value: Any) -> str:
    """A user's value inside a sentence, shortened; an integer too large for a float as about 10^k (its digits
    may be more than Python will print)."""
    if isinstance(value, int) and abs(value) > sys.float_info.max:
        return f"about {'-' if value < 0 else ''}10^{math.log10(abs(value)):.0f}"  # log10 takes integers of any size
    return reprlib.repr(value)


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: Any
    help: str
    low: float | None = None
    high: float | None = None
    choices: tuple[Any, ...] = ()  # for a mapping: the values each column may take
    optional: bool = False  # a column parameter that may be left empty (None)
    group: str = ""  # the page shows grouped parameters in a fold of that title, below the others
    requires: str = ""  # a bool parameter this one acts with: a page greys this one out while that one is off

    def __post_init__(self) -> None:
        if self.type not in PARAM_TYPES:
            raise TypeError(f"Parameter {self.name!r} has type {self.type!r}; use one of {', '.join(PARAM_TYPES)}.")
        if self.type == "choice" and self.default not in self.choices:
            raise TypeError(f"Parameter {self.name!r}: its default {self.default!r} is not one of its choices.")
        if self.type == "float" and (self.low is None or self.high is None):
            raise TypeError(f"Parameter {self.name!r}: a float parameter needs a range (low and high), for its slider.")

    @property
    def label(self) -> str:
        """The name as a widget shows it: 'batch_size' as 'Batch size'."""
        return self.name.replace("_", " ").capitalize()

    @property
    def annotation(self) -> Any:
        """The Python type of the value, for the constructor's signature."""
        if self.type == "choice":
            return Literal[self.choices]
        return {"int": int, "float": float, "bool": bool, "column": str | None, "text": str,
                "mapping": dict[str, str], "matrix": pd.DataFrame | None}[self.type]

    def validate(self, value: Any, *, columns: list[str] | None = None) -> Any:
        if value is None and (self.optional or self.default is None):
            return None
        label = f"'{self.name}'"
        if self.type in ("int", "float"):
            said = shown(value)
            if isinstance(value, (bool, np.bool_)):  # (Python reads True as 1)
                raise ParameterError(f"{label} must be a number, not {value!r}.")
            try:
                number = float(value)
            except OverflowError:  # an integer too large for a float: infinite, so outside any range
                number = math.inf if value > 0 else -math.inf
            except (TypeError, ValueError):
                raise ParameterError(f"{label} must be a number, not {said}.") from None
            if number != number:  # NaN
                raise ParameterError(f"{label} must be a number, not NaN.")
            low = -math.inf if self.low is None else self.low
            high = math.inf if self.high is None else self.high
            if math.isinf(number) or not low <= number <= high:
                ends = (f"{low:,.0f} to {high:,.0f}" if self.type == "int" and max(abs(low), abs(high)) < math.inf
                        else f"{low:g} to {high:g}")  # (whole numbers in full: 4,294,967,295, not 4.29497e+09)
                raise ParameterError(f"{label} = {said} is outside its range {ends}.", hint=self.help)
            if self.type == "int":
                if number != int(number):
                    raise ParameterError(f"{label} must be a whole number, not {said}.")
                number = int(number)
            return number
        if self.type == "bool":
            if not isinstance(value, bool):
                raise ParameterError(f"{label} must be true or false, not {value!r}.")
            return value
        if self.type == "choice":
            true_false = isinstance(value, (bool, np.bool_)) and not any(isinstance(c, bool) for c in self.choices)
            if true_false or value not in self.choices:  # (True is not the choice 1.0)
                raise ParameterError(f"{label} must be one of {', '.join(map(str, self.choices))}, not {value!r}.")
            return value
        if self.type == "mapping":
            if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
                raise ParameterError(f"{label} must map column names to values, not {value!r}.")
            bad = {k: v for k, v in value.items() if self.choices and v not in self.choices}
            if bad:
                raise ParameterError(f"{label} gives values it does not know: {bad}.",
                                     hint="Use one of: " + ", ".join(map(str, self.choices)) + ".")
            return dict(value)
        if self.type == "matrix":
            return _correlation(value, label)
        if self.type == "column":
            if columns is not None and value not in columns:
                raise ParameterError(f"{label} names no column of the table ({value!r}).",
                                     hint="Choose one of the table's columns.")
            return value
        return str(value)


def grouped(group: str, *params: Param) -> tuple[Param, ...]:
    """``params`` shown together in a fold titled ``group``, below a method's other parameters."""
    return tuple(replace(p, group=group) for p in params)


def _correlation(value: Any, label: str) -> pd.DataFrame:
    """A correlation matrix: the same names on its rows and columns, numbers from −1 to 1, symmetric, ones on
    the diagonal (whether it is positive definite is the method's business: it repairs it). Rows come back in
    the columns' order."""
    if not isinstance(value, pd.DataFrame) or value.index.has_duplicates or value.columns.has_duplicates \
            or set(value.index) != set(value.columns):
        raise ParameterError(f"{label} must be a table of numbers naming the same columns on its rows and columns.")
    names = list(value.columns)
    try:
        values = value.loc[names, names].to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise ParameterError(f"{label} must hold only numbers.") from None
    if not np.isfinite(values).all() or (np.abs(values) > 1).any():
        raise ParameterError("Correlations must be numbers between −1 and 1.")
    if not np.allclose(values, values.T, atol=1e-9):
        i, j = np.unravel_index(np.argmax(np.abs(values - values.T)), values.shape)
        a, b = names[i], names[j]
        raise ParameterError(f"The target correlation is not symmetric: ('{a}', '{b}') is {values[i, j]:g} but "
                             f"('{b}', '{a}') is {values[j, i]:g}.", hint="Give both cells the same value.")
    if not np.allclose(np.diag(values), 1):
        raise ParameterError("The diagonal of a correlation matrix is 1: each column's correlation with itself.")
    return pd.DataFrame(values, index=names, columns=names)


def signature(params: tuple[Param, ...]) -> inspect.Signature:
    """``(self, *, name=default, ...)``: the constructor's signature, from the declared parameters."""
    return inspect.Signature([inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)] + [
        inspect.Parameter(p.name, inspect.Parameter.KEYWORD_ONLY, default=p.default, annotation=p.annotation)
        for p in params])


def describe(params: tuple[Param, ...]) -> str:
    """The parameters as a docstring section: name, type, default and help of each."""
    lines = [f"{p.name} ({p.type}, default {p.default!r}): {p.help}" for p in params]
    return "Parameters\n----------\n" + ("\n".join(lines) if lines else "none")


def settings_text(params: tuple[Param, ...], values: dict[str, Any]) -> str:
    """Parameter values in one line: a mapping's choices named, an edited matrix said."""
    declared = {p.name: p for p in params}
    parts = []
    for name, value in values.items():
        kind = declared[name].type if name in declared else ""
        if kind == "mapping":
            if value:
                parts.append(f"{name} (" + ", ".join(f"{c}: {d}" for c, d in value.items()) + ")")
        elif kind == "matrix":
            if value is not None:
                parts.append(f"{name} edited")
        else:
            parts.append(f"{name}={value}")
    return ", ".join(parts)


def validate_params(declared: tuple[Param, ...], given: dict[str, Any], owner: str) -> dict[str, Any]:
    """Defaults filled in, unknown names refused, each value checked (columns are checked at fit)."""
    names = {p.name for p in declared}
    unknown = sorted(set(given) - names)
    if unknown:
        raise ParameterError(f"{owner} has no parameter {', '.join(map(repr, unknown))}.",
                             hint=f"Its parameters: {', '.join(sorted(names)) or 'none'}.")
    return {p.name: p.validate(given.get(p.name, p.default)) for p in declared}
