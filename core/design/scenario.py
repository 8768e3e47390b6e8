"""A scenario as JSON: read, checked field by field with a sentence for every bad one, and written back.

The JSON is plain data (``json.loads``; nothing in it is run), versioned and bounded; see the
package docstring for its fields. ``Scenario.to_dict`` gives the checked fields in a canonical
form, so ``load_scenario(s.to_json())`` is the same scenario and generates the same table.
"""

from __future__ import annotations

import itertools
import json
import math
import numbers
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from core.design.marginals import FAMILIES, MIN_MASS, MONTHS, WEEKDAYS, Numbers, Values, day_weights
from core.errors import ParameterError
from core.limits import limits
from core.params import Param
from core.synth.correlation import repair
from core.synth.rules import Expression, parse, quote
from core.synth.run import parse_derived

VERSION = 1
KINDS = ("continuous", "integer", "categorical", "binary", "datetime")
METHODS = ("copula", "cholesky")
MAX_JSON = 1_000_000  # characters of one scenario file
MAX_COLUMNS = 100
MAX_CATEGORIES = 200
MAX_BINS = 200
MAX_LINES = 50  # derived columns, and rules
MAX_NAME = 100
MAX_DAYS = 200 * 366
FIRST_DAY, LAST_DAY = pd.Timestamp.min.ceil("D"), pd.Timestamp.max.floor("D")  # the days pandas holds (in ns)
LARGEST = sys.float_info.max  # JSON integers may be longer; no field takes one beyond this
_TOP = {"version", "name", "description", "rows", "seed", "columns", "correlation", "derived", "rules"}
_SOURCES = {"continuous": ("distribution", "histogram"), "integer": ("distribution", "histogram"),
            "categorical": ("categories",), "binary": ("p",), "datetime": ("dates",)}


def _refuse(where: str, what: str, hint: str | None = None) -> ParameterError:
    return ParameterError(f"{where} {what}.", hint=hint)


def _keys(value: Any, where: str, allowed: set[str], required: tuple[str, ...] = ()) -> dict:
    if not isinstance(value, dict):
        raise _refuse(where, "must be an object with named fields ({...})")
    unknown = sorted(set(value) - allowed, key=str)
    if unknown:
        raise _refuse(where, f"has a field it does not know: {quote(unknown[0])}",
                      "Known fields: " + ", ".join(sorted(allowed)) + ".")
    missing = [k for k in required if k not in value]
    if missing:
        raise _refuse(where, f"needs the field '{missing[0]}'")
    return value


def _shown(value: Any) -> str:
    """A user's value inside a sentence: its JSON, quoted; an integer too large for a float as about 10^k."""
    if isinstance(value, numbers.Integral) and abs(value) > LARGEST:
        return quote(_g(value))
    try:
        return quote(json.dumps(value))
    except (TypeError, ValueError):  # not JSON data (a dict built in code), or holding a huge integer
        return quote(type(value).__name__)


def _g(number: float) -> str:
    """A number inside a sentence, like 0.5 or 1e+06; one too large for a float as about 10^k."""
    if abs(number) <= LARGEST:
        return f"{number:g}"
    return f"about {'-' if number < 0 else ''}10^{math.log10(abs(number)):.0f}"  # log10 takes integers of any size


def _number(value: Any, where: str, low: float = -LARGEST, high: float = LARGEST) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or (
            isinstance(value, float) and not math.isfinite(value)):
        raise _refuse(where, f"must be a finite number, not {_shown(value)}")
    if not low <= value <= high:  # exact for integers of any size
        raise _refuse(where, f"= {_g(value)} is outside {low:g} to {high:g}")
    return float(value)


def _whole(value: Any, where: str, low: int, high: int) -> int:
    number = _number(value, where, low, high)
    if number != int(number):
        raise _refuse(where, f"must be a whole number, not {value:g}")
    return int(number)


def _text(value: Any, where: str, longest: int = MAX_NAME, *, empty: bool = False) -> str:
    if not isinstance(value, str) or (not empty and not value.strip()):
        raise _refuse(where, "must be a text" + ("" if empty else " that is not empty"))
    if len(value) > longest:
        raise _refuse(where, f"is longer than {longest:,} characters")
    return value.strip() if not empty else value


def _weights(value: Any, where: str, count: int | None = None, longest: int = MAX_BINS) -> list[float]:
    if not isinstance(value, list) or not value:
        raise _refuse(where, "must be a list of numbers")
    if count is not None and len(value) != count:
        raise _refuse(where, f"must have {count} numbers, not {len(value)}")
    if len(value) > longest:
        raise _refuse(where, f"has more than {longest} numbers")
    out = [_number(v, f"{where} (item {i + 1})", 0.0) for i, v in enumerate(value)]
    total = sum(out)
    if total <= 0:
        raise _refuse(where, "must have at least one weight above 0")
    if total > LARGEST:
        raise _refuse(where, f"add up to more than {LARGEST:.1e}", "Scale the weights down; only their ratios count.")
    return out


@dataclass(frozen=True)
class Column:
    """One declared column: its name, kind and source (the checked JSON fields) and its compiled marginal."""

    spec: dict[str, Any]
    marginal: Numbers | Values

    @property
    def name(self) -> str:
        return self.spec["name"]

    @property
    def kind(self) -> str:
        return self.spec["kind"]

    def declared(self) -> tuple[str, np.ndarray, np.ndarray]:
        """(shape, x, y) of the declared marginal, for ``core.plots.declared_marginal``: a "density" of numbers,
        a "probability" per value (categories, 0/1, counts) or "per day" (dates)."""
        x, y = self.marginal.curve()
        if self.kind == "datetime":
            return "per day", x, y
        return ("probability" if isinstance(self.marginal, Values) or self.marginal.discrete else "density"), x, y


@dataclass(frozen=True)
class Scenario:
    """A checked scenario. ``notices`` say what was changed on the way in (a repaired matrix, shares rescaled)."""

    name: str
    description: str
    rows: int
    seed: int
    columns: tuple[Column, ...]
    method: str
    correlated: tuple[str, ...]  # the columns in the target correlation
    target: np.ndarray | None  # the correlation matrix as given
    correlation: np.ndarray | None  # the matrix used: the nearest valid one when the given one is not
    derived: tuple[tuple[str, Expression], ...]
    rules: tuple[Expression, ...]
    notices: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"version": VERSION, "name": self.name, "description": self.description,
                               "rows": self.rows, "seed": self.seed, "columns": [c.spec for c in self.columns]}
        if self.correlated:
            out["correlation"] = {"method": self.method, "columns": list(self.correlated),
                                  "matrix": self.target.tolist()}
        out["derived"] = [f"{name} = {expression.text}" for name, expression in self.derived]
        out["rules"] = [rule.text for rule in self.rules]
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    def generate(self, n: int | None = None, *, rng: Any = None) -> pd.DataFrame:
        from core.design.generate import generate

        return generate(self, n, rng=rng)


def load_scenario(source: str | Path | dict) -> Scenario:
    """A scenario from its JSON text, a path to a JSON file, or the parsed dict; ParameterError for a bad field."""
    if isinstance(source, Path) or (isinstance(source, str) and not source.lstrip().startswith("{")
                                    and len(source) < 4096 and Path(source).suffix == ".json"):
        path = Path(source)
        if not path.is_file():
            raise ParameterError(f"There is no scenario file {quote(path.name)}.")
        if path.stat().st_size > MAX_JSON:
            raise ParameterError(f"The scenario file is larger than {MAX_JSON:,} bytes.")
        source = path.read_text(encoding="utf-8")
    if isinstance(source, (str, bytes)):
        if len(source) > MAX_JSON:
            raise ParameterError(f"The scenario is longer than {MAX_JSON:,} characters.")
        try:
            source = json.loads(source)
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
            where = f" (line {exc.lineno}, column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
            raise ParameterError(f"The scenario is not valid JSON{where}.",
                                 hint="Save it from this page, or check its brackets and quotes.") from None
        except ValueError:  # an integer longer than Python reads (sys.get_int_max_str_digits)
            raise ParameterError(f"The scenario has a number too long to read (more than "
                                 f"{sys.get_int_max_str_digits():,} digits), outside every field's range.") from None
    return from_dict(source)


def from_dict(data: Any) -> Scenario:
    """Check every field of a parsed scenario (see the package docstring) and compile it."""
    data = _keys(data, "The scenario", _TOP, ("version", "columns"))
    if data["version"] != VERSION:
        raise ParameterError(f"The scenario has version {_shown(data['version'])}; this SynthLab reads "
                             f"version {VERSION}.")
    name = _text(data.get("name", "Designed scenario"), "The scenario's 'name'")
    description = _text(data.get("description", ""), "The scenario's 'description'", 2_000, empty=True)
    cap = limits().max_rows_generate
    rows = _whole(data.get("rows", 1_000), "The scenario's 'rows'", 1, cap)
    seed = _whole(data.get("seed", 0), "The scenario's 'seed'", 0, 2**31 - 1)
    specs = data["columns"]
    if not isinstance(specs, list) or not specs:
        raise ParameterError("The scenario's 'columns' must be a list with at least one column.")
    if len(specs) > MAX_COLUMNS:
        raise ParameterError(f"The scenario declares {len(specs)} columns; at most {MAX_COLUMNS} are allowed.")
    notices: list[str] = []
    columns = []
    for i, spec in enumerate(specs):
        column = _column(spec, i, notices)
        if column.name in {c.name for c in columns}:
            raise ParameterError(f"Column {i + 1}'s name {quote(column.name)} is used twice.",
                                 hint="Give every column its own name.")
        columns.append(column)
    names = [c.name for c in columns]
    method, correlated, target, matrix = _correlation(data.get("correlation"), names, notices)
    lines = [_text(t, f"Derived column {i + 1}", 1_000) for i, t in enumerate(_lines(data.get("derived"), "derived"))]
    derived = parse_derived(lines, names, random=True)
    clash = next((n for n, _ in derived if n in names), None)
    if clash is not None:
        raise ParameterError(f"The derived column {quote(clash)} has the name of a declared column.",
                             hint="Give it a new name.")
    known = names + [n for n, _ in derived]
    rules = [parse(_text(t, f"Rule {i + 1}", 1_000), known) for i, t in enumerate(_lines(data.get("rules"), "rules"))]
    return Scenario(name, description, rows, seed, tuple(columns), method, correlated, target, matrix,
                    tuple(derived), tuple(rules), tuple(notices))


def _lines(value: Any, field_name: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ParameterError(f"The scenario's '{field_name}' must be a list of texts.")
    if len(value) > MAX_LINES:
        raise ParameterError(f"The scenario has more than {MAX_LINES} {field_name} lines.")
    return [v for v in value if not (isinstance(v, str) and not v.strip())]


def _column(spec: Any, i: int, notices: list[str]) -> Column:
    where = f"Column {i + 1}"
    spec = _keys(spec, where, {"name", "kind", "distribution", "bounds", "histogram", "categories", "p", "dates"},
                 ("name", "kind"))
    name = _text(spec["name"], f"{where}'s 'name'")
    where = f"Column {quote(name)}"
    kind = spec["kind"]
    if not isinstance(kind, str) or kind not in KINDS:
        raise _refuse(where, f"has the kind {_shown(kind)}, which a scenario does not know",
                      "Kinds: " + ", ".join(KINDS) + ".")
    given = [s for s in ("distribution", "histogram", "categories", "p", "dates") if s in spec]
    allowed = _SOURCES[kind]
    if len(given) != 1 or given[0] not in allowed:
        raise _refuse(where, f"({kind}) needs exactly one of: " + ", ".join(f"'{a}'" for a in allowed),
                      f"It gives {', '.join(given) or 'none'}.")
    if "bounds" in spec and given[0] != "distribution":
        raise _refuse(where, "has 'bounds', which only a distribution takes")
    out: dict[str, Any] = {"name": name, "kind": kind}
    source = given[0]
    if source == "distribution":
        out["distribution"], out["bounds"], marginal = _family(spec, where, kind == "integer")
        if out["bounds"] is None:
            del out["bounds"]
    elif source == "histogram":
        h = _keys(spec["histogram"], f"{where}'s 'histogram'", {"edges", "weights"}, ("edges", "weights"))
        edges = [_number(v, f"{where}'s histogram edge {j + 1}") for j, v in enumerate(_list(h["edges"], where))]
        if not 2 <= len(edges) <= MAX_BINS + 1 or any(b <= a for a, b in itertools.pairwise(edges)):
            raise _refuse(where, f"needs 2 to {MAX_BINS + 1} histogram edges, each above the one before")
        if edges[-1] - edges[0] > LARGEST:
            raise _refuse(where, f"has histogram edges more than {LARGEST:.1e} apart")
        weights = _weights(h["weights"], f"{where}'s histogram weights", len(edges) - 1)
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            density = np.array(weights) / sum(weights) / np.diff(edges)
        if not np.isfinite(density).all():  # (a bin 5e-324 wide: its density is infinite)
            raise _refuse(where, "has a histogram bin too narrow for a number to hold its density",
                          "Widen the narrowest bin, or measure the column in a smaller unit.")
        out["histogram"] = {"edges": edges, "weights": weights}
        marginal = _whole_within(Numbers(stats.rv_histogram((np.array(weights), np.array(edges)), density=False),
                                         edges[0], edges[-1], whole=kind == "integer"), where)
    elif source == "categories":
        shares = spec["categories"]
        if not isinstance(shares, dict) or not shares:
            raise _refuse(where, "needs 'categories' as an object of category: share, like {\"a\": 0.6, \"b\": 0.4}")
        if len(shares) > MAX_CATEGORIES:
            raise _refuse(where, f"has more than {MAX_CATEGORIES} categories")
        values = [_text(k, f"{where}'s category {j + 1}") for j, k in enumerate(shares)]
        if len(set(values)) < len(values):
            raise _refuse(where, "names a category twice (after trimming spaces)")
        weights = _weights(list(shares.values()), f"{where}'s shares", longest=MAX_CATEGORIES)
        total = sum(weights)
        if abs(total - 1) > 1e-6:
            notices.append(f"The shares of {quote(name)} add up to {total:g}; they were scaled to add up to 1.")
            weights = [w / total for w in weights]
        out["categories"] = dict(zip(values, weights, strict=True))
        marginal = Values(np.array(values, dtype=object), np.array(weights))
    elif source == "p":
        p = _number(spec["p"], f"{where}'s 'p' (the share of ones)", 0.0, 1.0)
        out["p"] = p
        marginal = Values(np.array([0, 1]), np.array([1 - p, p]))
    else:
        out["dates"], marginal = _dates(spec["dates"], where)
    return Column(out, marginal)


def _list(value: Any, where: str) -> list:
    if not isinstance(value, list):
        raise _refuse(where, "needs a list of numbers")
    return value


def _family(spec: dict, where: str, whole: bool) -> tuple[dict, list | None, Numbers]:
    d = _keys(spec["distribution"], f"{where}'s 'distribution'", {"family", "params"}, ("family",))
    key = d["family"]
    if not isinstance(key, str) or key not in FAMILIES:
        raise _refuse(where, f"asks for the family {_shown(key)}, which a scenario does not know",
                      "Families: " + ", ".join(FAMILIES) + ".")
    family = FAMILIES[key]
    given = _keys(d.get("params", {}), f"{where}'s parameters", {p.name for p in family.params})
    values = {}
    for param in family.params:
        try:
            value = given.get(param.name, param.default)
            _number(value, f"'{param.name}'")  # refuses text, true/false and integers beyond a float first
            values[param.name] = Param.validate(param, value)
        except ParameterError as exc:
            raise _refuse(where, f"({key}): {exc.message[:1].lower()}{exc.message[1:].rstrip('.')}",
                          exc.hint) from None
    dist = family.frozen(key, values)
    if isinstance(dist, str):
        raise _refuse(where, f"({key}): {dist}")
    bounds = spec.get("bounds")
    low = high = None
    if bounds is not None:
        if not isinstance(bounds, list) or len(bounds) != 2:
            raise _refuse(where, "needs 'bounds' as [lower, upper], either of them null for none")
        low, high = (None if b is None else _number(b, f"{where}'s bound") for b in bounds)
        if low is not None and high is not None and low >= high:
            raise _refuse(where, f"has a lower bound {low:g} that is not below its upper bound {high:g}")
    marginal = _whole_within(Numbers(dist, low, high, discrete=family.discrete, whole=whole), where)
    lo, hi = marginal.mass
    if not hi - lo >= MIN_MASS:
        raise _refuse(where, f"has bounds that leave {max(hi - lo, 0):.1g} of its {key} distribution",
                      "Move the bounds to where the distribution has values, or change its parameters.")
    return {"family": key, "params": values}, (None if bounds is None else [low, high]), marginal


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _whole_within(marginal: Numbers, where: str) -> Numbers:
    """``marginal``, refused when it draws whole numbers and its bounds (or histogram edges) hold none."""
    if marginal.bounds[0] > marginal.bounds[1]:
        raise _refuse(where, f"draws values from {_g(marginal.low)} to {_g(marginal.high)}, with no whole number "
                      "between them", "Widen its bounds or histogram edges to hold a whole number, or make the column "
                                      "continuous.")
    return marginal


def _dates(value: Any, where: str) -> tuple[dict, Values]:
    d = _keys(value, f"{where}'s 'dates'", {"start", "end", "weekly", "yearly"}, ("start", "end"))
    texts = [_text(d[k], f"{where}'s '{k}'", 40).strip() for k in ("start", "end")]
    if not all(_DAY.fullmatch(t) for t in texts):  # ("today", "now" or a time would change what a seed draws)
        raise _refuse(where, f"has a start or end that is not a date ({', '.join(map(quote, texts))})",
                      'Write dates as year-month-day, like "2024-01-31".')
    try:
        start, end = (pd.Timestamp(t) for t in texts)
    except (ValueError, OverflowError, TypeError):
        raise _refuse(where, "has a start or end that is not a date", 'Write dates like "2024-01-31".') from None
    if pd.isna(start) or pd.isna(end) or start.tz is not None or end.tz is not None:
        raise _refuse(where, "needs a start and end date without a time zone", 'Write dates like "2024-01-31".')
    start, end = start.normalize(), end.normalize()
    if start < FIRST_DAY or end > LAST_DAY:
        raise _refuse(where, f"has dates outside the range a table can hold: between {FIRST_DAY.date()} and "
                      f"{LAST_DAY.date()}", "Move the dates into that range.")
    if end < start or (end - start).days >= MAX_DAYS:
        raise _refuse(where, f"needs an end on or after its start, at most {MAX_DAYS // 366} years later")
    out: dict[str, Any] = {"start": start.date().isoformat(), "end": end.date().isoformat()}
    weekly = _weights(d["weekly"], f"{where}'s weekly weights ({', '.join(WEEKDAYS)})", 7) \
        if d.get("weekly") is not None else None
    yearly = _weights(d["yearly"], f"{where}'s yearly weights ({', '.join(MONTHS)})", 12) \
        if d.get("yearly") is not None else None
    marginal = day_weights(start, end, weekly, yearly)
    if not np.isfinite(marginal.probabilities).all():
        raise _refuse(where, "gives weight 0 to every day of its range", "Give some weekday and month a weight.")
    out |= {k: v for k, v in (("weekly", weekly), ("yearly", yearly)) if v is not None}
    return out, marginal


def _correlation(value: Any, names: list[str], notices: list[str]):
    if value is None:
        return "copula", (), None, None
    c = _keys(value, "The scenario's 'correlation'", {"method", "columns", "matrix"}, ("columns", "matrix"))
    method = c.get("method", "copula")
    if not isinstance(method, str) or method not in METHODS:
        raise ParameterError(f"The correlation method {_shown(method)} is not one a scenario knows.",
                             hint="Methods: copula, cholesky.")
    columns = c["columns"]
    if not isinstance(columns, list) or not all(isinstance(n, str) for n in columns):
        raise ParameterError("The correlation's 'columns' must be a list of column names.")
    if not columns:
        return method, (), None, None
    unknown = next((n for n in columns if n not in names), None)
    if unknown is not None:
        raise ParameterError(f"The correlation names {quote(unknown)}, which is not a declared column.",
                             hint="Derived columns can't take part; list declared ones.")
    if len(set(columns)) < len(columns) or len(columns) < 2 or len(columns) > 50:
        raise ParameterError("The correlation needs 2 to 50 different declared columns.")
    matrix = c["matrix"]
    k = len(columns)
    if not isinstance(matrix, list) or len(matrix) != k or any(not isinstance(r, list) or len(r) != k
                                                               for r in matrix):
        raise ParameterError(f"The correlation's 'matrix' must be {k} rows of {k} numbers, one per column listed.")
    frame = pd.DataFrame([[_number(v, "A correlation", -1.0, 1.0) for v in row] for row in matrix],
                         index=columns, columns=columns)
    target = Param("correlation", "matrix", None, "").validate(frame).to_numpy()
    used, repaired = repair(target)
    if repaired:
        def moved(x: float) -> str:  # (a matrix with a correlation of exactly ±1 moves by less than 0.0005)
            return f"{x:.3f}" if x >= 0.0005 else "less than 0.001"

        notices.append(f"The target correlation is not a valid correlation matrix (not positive definite); the "
                       f"nearest valid one is used instead: cells moved by up to {moved(np.abs(used - target).max())} "
                       f"(Frobenius distance {moved(np.linalg.norm(used - target))}).")
    return method, tuple(columns), target, used
