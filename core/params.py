"""Parameters declared once per method: the page builds its widgets from them, the command line
its flags, recipes their JSON and tests their fast settings.

A ``Param`` says what a value is (``int``, ``float``, ``bool``, ``choice``, ``column``, ``text``),
its default, its range or choices and one line of help; ``validate`` turns a user's value into a
checked one or raises ``ParameterError`` with a sentence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
class Param:
    name: str
    type: str
    default: Any
    help: str
    low: float | None = None
    high: float | None = None
    choices: tuple[Any, ...] = ()
    optional: bool = False  # a column parameter that may be left empty (None)

    def validate(self, value: Any, *, columns: list[str] | None = None) -> Any:
        if value is None and (self.optional or self.default is None):
            return None
        label = f"'{self.name}'"
        if self.type in ("int", "float"):
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise ParameterError(f"{label} must be a number, not {value!r}.") from None
            if number != number:  # NaN
                raise ParameterError(f"{label} must be a number, not NaN.")
            if self.type == "int":
                if number != int(number):
                    raise ParameterError(f"{label} must be a whole number, not {value!r}.")
                number = int(number)
            if (self.low is not None and number < self.low) or (self.high is not None and number > self.high):
                raise ParameterError(f"{label} = {value!r} is outside its range {self.low:g} to {self.high:g}.",
                                     hint=self.help)
            return number
        if self.type == "bool":
            if not isinstance(value, bool):
                raise ParameterError(f"{label} must be true or false, not {value!r}.")
            return value
        if self.type == "choice":
            if value not in self.choices:
                raise ParameterError(f"{label} must be one of {', '.join(map(str, self.choices))}, not {value!r}.")
            return value
        if self.type == "mapping":
            if not isinstance(value, dict):
                raise ParameterError(f"{label} must map names to values, not {value!r}.")
            return dict(value)
        if self.type == "matrix":
            if not isinstance(value, pd.DataFrame):
                raise ParameterError(f"{label} must be a table of numbers with named rows and columns.")
            return value
        if self.type == "column":
            if columns is not None and value not in columns:
                raise ParameterError(f"{label} names no column of the table ({value!r}).",
                                     hint="Choose one of the table's columns.")
            return value
        return str(value)


def validate_params(declared: tuple[Param, ...], given: dict[str, Any], owner: str) -> dict[str, Any]:
    """Defaults filled in, unknown names refused, each value checked (columns are checked at fit)."""
    names = {p.name for p in declared}
    unknown = sorted(set(given) - names)
    if unknown:
        raise ParameterError(f"{owner} has no parameter {', '.join(map(repr, unknown))}.",
                             hint=f"Its parameters: {', '.join(sorted(names)) or 'none'}.")
    return {p.name: p.validate(given.get(p.name, p.default)) for p in declared}
