"""How a run's rows were drawn, beyond the method's settings: the privacy guard, conditions and quotas, as one
record that runs, recipes and session files keep as JSON (``Drawing.to_dict``) and read back checked
(``Drawing.from_dict``); ``kwargs()`` hands it to :func:`core.synth.run.generate` and :func:`core.synth.run.draw`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from core.errors import ParameterError
from core.synth.guard import Guard


@dataclass(frozen=True)
class Drawing:
    guard: Guard | None = None  # None: no guard
    conditions: dict[str, Any] = field(default_factory=dict)  # {column: value, [values] or (low, high)}
    quotas: dict[str, dict[Any, int]] = field(default_factory=dict)  # {column: {value: rows}}

    def __post_init__(self) -> None:
        if self.quotas:
            quota_counts(self.quotas)

    def kwargs(self) -> dict[str, Any]:
        return {"guard": self.guard, "conditions": self.conditions or None, "quotas": self.quotas or None}

    def to_dict(self) -> dict[str, Any]:
        return {"guard": None if self.guard is None else self.guard.to_dict(),
                "conditions": {str(c): _encoded(v) for c, v in self.conditions.items()},
                "quotas": {str(c): [[_plain(v), int(k)] for v, k in counts.items()]
                           for c, counts in self.quotas.items()}}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Drawing:
        if not data:
            return cls()
        if not isinstance(data, dict) or set(data) - {"guard", "conditions", "quotas"}:
            raise ParameterError("The drawing settings (guard, conditions, quotas) are not readable.")
        conditions, quotas = data.get("conditions") or {}, data.get("quotas") or {}
        if not isinstance(conditions, dict) or not isinstance(quotas, dict) or not all(
                isinstance(pairs, list) and all(isinstance(p, list) and len(p) == 2 and _single(p[0]) for p in pairs)
                for pairs in quotas.values()):
            raise ParameterError("The conditions or quotas are not readable.")
        guard = data.get("guard")
        if guard is not None and not isinstance(guard, dict):
            raise ParameterError("The privacy guard's settings are not readable.")
        return cls(guard=None if guard is None else Guard.from_dict(guard),
                   conditions={c: _decoded(v) for c, v in conditions.items()},
                   quotas={c: {v: k for v, k in pairs} for c, pairs in quotas.items()})

    def lines(self) -> list[str]:
        """What a run's description says about how it was drawn, one line each."""
        out = [f"privacy guard: {self.guard.text()}" + ("; identifier columns get fresh keys"
                                                        if self.guard.ids == "fresh" else "")] if self.guard else []
        for column, wanted in self.conditions.items():
            if isinstance(wanted, tuple):
                out.append(f"only rows where {wanted[0] if wanted[0] is not None else '…'} ≤ {column} ≤ "
                           f"{wanted[1] if wanted[1] is not None else '…'}")
            else:
                out.append(f"only rows where {column} in {wanted}" if isinstance(wanted, list) else
                           f"only rows where {column} = {wanted}")
        for column, counts in self.quotas.items():
            out.append(f"rows per {column}: " + ", ".join(f"{v} {k:,}" for v, k in counts.items()))
        return out


def quota_counts(quotas: Any) -> tuple[str, dict[Any, int]]:
    """(the column, {value: rows}) of quotas on one column that count whole rows."""
    if not isinstance(quotas, dict) or len(quotas) != 1 or not isinstance(next(iter(quotas.values())), dict):
        raise ParameterError("Quotas count rows per value of one column: {column: {value: rows, ...}}.")
    (column, counts), = quotas.items()
    if any(not isinstance(c, (int, np.integer)) or isinstance(c, bool) or c < 0 for c in counts.values()):
        raise ParameterError(f"The rows per value of '{column}' must be whole numbers of zero or more.")
    return column, counts


def _plain(value: Any) -> Any:
    """A condition's value as JSON holds it: numpy numbers as numbers, dates as ISO text."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (pd.Timestamp, datetime, date)):
        return value.isoformat()
    if isinstance(value, float) and np.isnan(value):
        return None
    return value


def _encoded(wanted: Any) -> Any:
    if isinstance(wanted, tuple):
        return {"between": [_plain(v) for v in wanted]}
    if isinstance(wanted, (list, set, frozenset, np.ndarray, pd.Index, pd.Series)):
        return [_plain(v) for v in wanted]
    return _plain(wanted)


def _decoded(wanted: Any) -> Any:
    if isinstance(wanted, dict):
        if set(wanted) != {"between"} or not isinstance(wanted["between"], list):
            raise ParameterError("A range condition is written {\"between\": [low, high]}.")
        return tuple(wanted["between"])
    return wanted


def _single(value: Any) -> bool:
    """A quota's value is one value (text, a number, true/false or null), not a list or a mapping."""
    return value is None or isinstance(value, (str, int, float, bool))
