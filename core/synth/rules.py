"""Business rules and derived columns, written as expressions over the columns and never eval'ed.

An expression such as ``age >= 18``, ``income > 0 or employed == "no"`` or
```bmi = weight / (height / 100) ** 2``` is parsed with Python's ``ast`` module and then walked by
a small interpreter that knows only a whitelist of nodes: numbers, strings, booleans, column
names, lists of constants after ``in``, arithmetic (+ − × / // % **), comparisons (== != < <= > >=
in, not in), ``and``/``or``/``not`` and a few functions, each with a fixed number of arguments
(abs, round, log, exp, sqrt, min, max, isna, notna). Attribute access, subscripts, lambdas,
comprehensions, keyword arguments and any other call are refused with a sentence when the text is
parsed, so a rule can't reach Python itself. Column names that are not identifiers are written in
back-ticks: ```Solar.R` > 100``.

Rules use three-valued logic: a comparison with a missing value is *unknown*, and a row passes a
rule unless the rule is definitely false for it (``and``/``or`` follow Kleene's tables, as pandas'
nullable booleans do).

**Bounded evaluation.** Every value the interpreter handles is a fixed-width numpy array (or a
0-d one for a constant) of one kind: numbers (int64 or float64), booleans, text (bounded
strings), dates, durations, each with a mask of missing entries. So no Python integer ever grows:
integer arithmetic stays int64 only while the float64 result is exactly representable and
otherwise returns float64 (an overflow is ``inf``, never a wrapped or big integer; ``10**10**10``
is ``inf`` in microseconds); a literal beyond int64 or float64 is refused; text is never repeated
(``'ab' * 3`` and any arithmetic on lists are refused), and text that an expression builds is
bounded per value and in total. Parsing is bounded too (length, nesting depth, number of parts),
and each evaluation has a time budget (``expression_seconds`` in ``core.limits``).

**Random terms.** A derived column may carry noise, ``total = price * quantity * (1 + normal(0, 0.05))``,
when its caller asks for them (``parse(..., random=True)``, as a designed scenario does): ``normal(μ, σ)``
draws x = μ + σz with z ~ N(0, 1); ``uniform(a, b)`` draws x = a + (b − a)u with u ~ U(0, 1); ``poisson(λ)``
draws a count with mean λ; ``choice(v₁, …, v_k)`` draws one of the values written out, each with chance 1/k.
Each draws exactly one value per row from the ``rng`` given to ``evaluate`` (numpy's Generator, so the same
seed gives the same column byte for byte, whatever the values), its parameters may be numbers or columns,
and they are bounded (finite, |x| ≤ 10¹², σ ≥ 0, a ≤ b, 0 ≤ λ ≤ 10⁹) or the row's value is refused with a
sentence. A caller that does not ask for random terms (the business rules of imputation and synthesis, whose
checks must give the same verdict every time they run) gets them refused when the text is parsed, so every
expression it evaluates stays deterministic.

**Why not numexpr.** We weighed handing the whitelisted tree to numexpr, a well-kept typed array
evaluator. It would give fixed-width arithmetic, but rules need what it does not have: text
values and text equality, ``in`` lists, ``isna``/``notna`` and Kleene logic over missing values,
dates; so our interpreter would still be needed for most nodes, and numexpr would only add a
second evaluator (with a string-compiling entry point whose sanitiser has needed repeated
hardening) for the arithmetic, where numpy's own fixed-width kernels are as bounded and fast
enough for tables of a million rows. The bound therefore lives in the value model below, on numpy.
"""

from __future__ import annotations

import ast
import math
import operator
import re
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from core.errors import DataError, ParameterError
from core.limits import limits

_MAX_LENGTH = 1_000  # characters of one expression
_MAX_PARTS = 300  # values and operations of one expression
MAX_SECONDS = 60.0  # drawing rows for rules to filter, at most (projected from the pace so far)
_MAX_DEPTH = 40  # levels of nesting
_MAX_TEXT = 10_000  # characters of one text value an expression builds
_EXACT = 2.0**53  # integers up to this size are exact in float64, so int64 arithmetic below it can't overflow
_INT64 = 2**63 - 1

_BACKTICK = re.compile(r"""("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|`([^`]+)`""")  # a quoted text, or a `name`
_COMPARE = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
            ast.Gt: operator.gt, ast.GtE: operator.ge}
_ARITHMETIC = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.true_divide,
               ast.FloorDiv: np.floor_divide, ast.Mod: np.mod, ast.Pow: np.power}
_IN_HINT = 'Write a list of values after in, like: employed in ["yes", "no"]'
RULE_HINT = 'Write it like: age >= 18 and (income > 0 or employed == "no")'


def quote(text: str) -> str:
    """User text inside a one-line sentence: printable, whitespace collapsed, at most 60 characters."""
    flat = " ".join("".join(c if c.isprintable() else " " for c in str(text)).split())
    return f"'{flat if len(flat) <= 60 else flat[:57] + '...'}'"


def _listing(items: Any) -> str:
    items = [str(i) for i in items]
    return ", ".join(items[:20]) + (f" and {len(items) - 20} more" if len(items) > 20 else "")


# --------------------------------------------------------------------------- values


@dataclass(frozen=True)
class _Value:
    """One intermediate: ``data`` is a numpy array, 0-d for a constant or one entry per row; ``missing`` masks it.

    kind: "number" (int64 or float64; NaN is missing), "boolean", "text" (str objects, "" where missing),
    "date" (datetime64, UTC when ``tz`` is set), "duration" (timedelta64) or "list" (constants after ``in``).
    """

    kind: str
    data: Any
    missing: Any
    tz: Any = None


def _number(data: np.ndarray) -> _Value:
    data = np.asarray(data)
    missing = np.isnan(data) if data.dtype.kind == "f" else np.zeros(data.shape, bool)
    return _Value("number", data, missing)


def _boolean(data: np.ndarray, missing: np.ndarray) -> _Value:
    missing = np.asarray(missing, bool)
    return _Value("boolean", np.asarray(data, bool) & ~missing, missing)


def _constant(value: Any) -> _Value:
    if value is None:
        return _number(np.array(np.nan))
    if isinstance(value, bool):
        return _boolean(np.array(value), np.array(False))
    if isinstance(value, str):
        return _Value("text", np.array(value, dtype=object), np.array(False))
    return _number(np.array(value, dtype=np.int64 if isinstance(value, int) else np.float64))


def _from_column(column: pd.Series) -> _Value:
    """A column as a value, copied: nothing done to the value can reach the table."""
    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return _from_column(column.astype(object))
    missing = column.isna().to_numpy(dtype=bool, copy=True)
    if pd.api.types.is_bool_dtype(dtype):
        return _boolean(column.fillna(False).to_numpy(dtype=bool, copy=True), missing)
    if pd.api.types.is_complex_dtype(dtype):
        raise _Refusal("reads a column of complex numbers, which rules do not handle")
    if pd.api.types.is_numeric_dtype(dtype):
        if pd.api.types.is_integer_dtype(dtype) and not missing.any() and \
                (len(column) == 0 or (column.min() >= -_INT64 - 1 and column.max() <= _INT64)):
            return _number(column.to_numpy(dtype=np.int64, copy=True))
        return _number(column.to_numpy(dtype=np.float64, na_value=np.nan, copy=True))
    if pd.api.types.is_datetime64_any_dtype(dtype):
        tz = getattr(dtype, "tz", None)
        naive = column.dt.tz_convert("UTC").dt.tz_localize(None) if tz is not None else column
        return _Value("date", naive.to_numpy(copy=True), missing, tz)
    if pd.api.types.is_timedelta64_dtype(dtype):
        return _Value("duration", column.to_numpy(copy=True), missing)
    inferred = pd.api.types.infer_dtype(column, skipna=True)
    if inferred in ("integer", "floating", "mixed-integer-float", "decimal"):
        return _from_column(pd.to_numeric(column, errors="coerce"))
    if inferred == "boolean":
        return _from_column(column.astype("boolean"))
    if inferred in ("string", "empty"):
        text = column.to_numpy(dtype=object, copy=True)
        text[missing] = ""
    else:  # mixed values: each as the text it shows
        text = np.array([v if isinstance(v, str) else "" if m else str(v)
                         for v, m in zip(column.tolist(), missing, strict=True)], dtype=object)
    return _Value("text", text.reshape(len(column)), missing)


def _to_series(value: _Value, index: pd.Index) -> pd.Series:
    n = len(index)
    data = np.array(np.broadcast_to(value.data, (n,)))
    missing = np.array(np.broadcast_to(value.missing, (n,)))
    if value.kind == "boolean":
        return pd.Series(pd.arrays.BooleanArray(data, missing), index=index)
    if value.kind == "text":
        data[missing] = np.nan
        return pd.Series(data, index=index, dtype=object)
    out = pd.Series(data, index=index)
    if value.kind == "date" and value.tz is not None:
        out = out.dt.tz_localize("UTC").dt.tz_convert(value.tz)
    return out


def _full(value: _Value, n: int) -> _Value:
    return _Value(value.kind, np.broadcast_to(value.data, (n,)), np.broadcast_to(value.missing, (n,)), value.tz)


_KIND_WORDS = {"number": "a number", "boolean": "a true/false value", "text": "text", "date": "a date",
               "duration": "a duration", "list": "a list"}


# --------------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class _Function:
    arguments: tuple[int, int]  # fewest and most
    kinds: tuple[str, ...]  # kinds of value it takes
    apply: Callable[..., _Value]  # a random one is called as apply(rng, rows, *values)
    random: bool = False

    def takes(self, name: str) -> str:
        low, high = self.arguments
        count = f"exactly {low} argument{'s' if low > 1 else ''}" if low == high else \
            f"{low} {'or' if high == low + 1 else 'to'} {high} arguments"
        return f"{name}() takes {count}"

    def example(self, name: str) -> str:
        """How a call is written, with as few arguments as it takes."""
        if name == "choice":
            return 'choice("a", "b", "c")'
        return f"{name}({', '.join(['income', 'age', '0'][:self.arguments[0]])})"


def _rounded(x: _Value, digits: _Value | None = None) -> _Value:
    places = 0
    if digits is not None:
        if digits.kind != "number" or digits.data.ndim or digits.data.dtype.kind != "i" or abs(int(digits.data)) > 15:
            raise _Refusal("round() takes a whole number from -15 to 15 as its second argument")
        places = int(digits.data)
    if x.data.dtype.kind == "i" and places >= 0:
        return x
    return _exactly(lambda v: np.round(v, places), x)


_FUNCTIONS: dict[str, _Function] = {
    "abs": _Function((1, 1), ("number",), lambda x: _exactly(np.abs, x)),
    "round": _Function((1, 2), ("number",), _rounded),
    "log": _Function((1, 1), ("number",), lambda x: _number(np.log(x.data.astype(np.float64)))),
    "exp": _Function((1, 1), ("number",), lambda x: _number(np.exp(x.data.astype(np.float64)))),
    "sqrt": _Function((1, 1), ("number",), lambda x: _number(np.sqrt(x.data.astype(np.float64)))),
    "min": _Function((2, 2), ("number",), lambda a, b: _exactly(np.minimum, a, b)),
    "max": _Function((2, 2), ("number",), lambda a, b: _exactly(np.maximum, a, b)),
    "isna": _Function((1, 1), ("number", "boolean", "text", "date", "duration"),
                      lambda x: _boolean(x.missing, np.zeros(np.shape(x.missing), bool))),
    "notna": _Function((1, 1), ("number", "boolean", "text", "date", "duration"),
                       lambda x: _boolean(~x.missing, np.zeros(np.shape(x.missing), bool))),
}


_RANDOM_BOUND = 1e12  # largest |parameter| a random term takes
_MAX_RATE = 1e9  # largest mean of poisson()


def _parameters(name: str, *values: _Value) -> list[np.ndarray]:
    """Random terms' parameters as float64 (NaN where missing), refused when infinite or beyond the bound."""
    out = []
    for value in values:
        data = np.where(value.missing, np.nan, value.data.astype(np.float64))
        if np.any(np.abs(data[~np.isnan(data)]) > _RANDOM_BOUND):
            raise _Refusal(f"gives {name}() a parameter that is infinite or beyond ±{_RANDOM_BOUND:.0e}")
        out.append(data)
    return out


def _normal(rng: np.random.Generator, rows: int, mu: _Value, sd: _Value) -> _Value:
    mu, sd = _parameters("normal", mu, sd)
    if np.any(sd < 0):
        raise _Refusal("gives normal() a negative standard deviation", "Write it like: normal(0, 0.05)")
    return _number(mu + sd * rng.standard_normal(rows))  # x = μ + σz, z ~ N(0, 1)


def _uniform(rng: np.random.Generator, rows: int, a: _Value, b: _Value) -> _Value:
    a, b = _parameters("uniform", a, b)
    if np.any(a > b):
        raise _Refusal("gives uniform() a lower end above its upper end", "Write it like: uniform(0, 1)")
    return _number(a + (b - a) * rng.random(rows))  # x = a + (b − a)u, u ~ U(0, 1)


def _poisson(rng: np.random.Generator, rows: int, rate: _Value) -> _Value:
    (rate,) = _parameters("poisson", rate)
    if np.any(rate < 0) or np.any(rate > _MAX_RATE):
        raise _Refusal(f"gives poisson() a mean outside 0 to {_MAX_RATE:.0e}", "Write it like: poisson(3)")
    missing = np.broadcast_to(np.isnan(rate), (rows,))
    counts = rng.poisson(np.broadcast_to(np.nan_to_num(rate), (rows,)))  # P(k) = λᵏ e^(−λ) / k!
    return _number(np.where(missing, np.nan, counts) if missing.any() else counts.astype(np.int64))


def _choice(rng: np.random.Generator, rows: int, *values: _Value) -> _Value:
    if len({v.kind for v in values}) > 1:
        raise _Refusal("gives choice() values of different kinds", 'Write it like: choice("a", "b", "c")')
    picked = rng.integers(len(values), size=rows)  # each value with chance 1/k
    options = [v.data.item() for v in values]
    if values[0].kind == "text":
        return _Value("text", np.array(options, dtype=object)[picked], np.zeros(rows, bool))
    return _number(np.asarray(options)[picked])


_RANDOM_FUNCTIONS: dict[str, _Function] = {
    "normal": _Function((2, 2), ("number",), _normal, random=True),
    "uniform": _Function((2, 2), ("number",), _uniform, random=True),
    "poisson": _Function((1, 1), ("number",), _poisson, random=True),
    "choice": _Function((2, 20), ("number", "text"), _choice, random=True),
}


@dataclass(frozen=True)
class Expression:
    """A parsed expression and the columns it reads; ``random`` when it draws random terms (then it needs an rng)."""

    text: str
    tree: ast.Expression
    names: dict[str, Any]  # name in the parsed text (a placeholder for a back-ticked one) -> column of the table
    columns: tuple[Any, ...]
    random: bool = False

    def evaluate(self, df: pd.DataFrame, *, rng: np.random.Generator | None = None) -> pd.Series:
        """The expression over ``df``: a Series with ``df``'s index (a constant is repeated). ``df`` is not changed.

        An expression with random terms draws them from ``rng`` (one value per row each), which it then needs."""
        if self.random and rng is None:
            raise DataError(f"{quote(self.text)} draws random terms, so it needs a seeded generator to evaluate.")
        seconds = limits().expression_seconds
        evaluator = _Evaluator(df, self, time.monotonic() + seconds, seconds, rng)
        try:
            with np.errstate(all="ignore"):
                return _to_series(evaluator.visit(self.tree.body), df.index)
        except _Refusal as refusal:
            raise DataError(f"{quote(self.text)} {refusal.args[0]}.", hint=refusal.hint) from None
        except MemoryError:
            raise DataError(f"{quote(self.text)} needs more memory than the server has.",
                            hint="Simplify the expression, or use fewer rows.") from None


def parse(text: str, columns: list[Any], *, random: bool = False, hint: str = RULE_HINT) -> Expression:
    """Parse ``text`` against the whitelist and the table's ``columns``; raise ParameterError if it can't be.

    Random terms (normal, uniform, poisson, choice) are allowed only with ``random=True``."""
    if not isinstance(text, str) or not text.strip():
        raise ParameterError("The expression is empty.")
    if len(text) > _MAX_LENGTH:
        raise ParameterError(f"The expression is longer than {_MAX_LENGTH:,} characters.")
    lookup = {str(c): c for c in columns}
    prefix = "_col"
    while prefix in text:  # placeholders can't collide with anything the user wrote
        prefix += "_"
    names: dict[str, Any] = {}

    def placeholder(match: re.Match) -> str:
        if match.group(1):  # back-ticks inside quoted text are text
            return match.group(1)
        key = f"{prefix}{len(names)}_"
        names[key] = match.group(2)
        return key

    source = _BACKTICK.sub(placeholder, text.strip())
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise ParameterError(f"{quote(text)} is not a valid expression ({exc.msg}).", hint=hint) from None
    except (RecursionError, MemoryError, ValueError):
        raise ParameterError(f"{quote(text)} is nested too deeply to read.", hint=hint) from None
    used = _check(tree, text, names, lookup, random)
    draws = any(isinstance(n, ast.Call) and n.func.id in _RANDOM_FUNCTIONS for n in ast.walk(tree))
    return Expression(text=text, tree=tree, names=used, columns=tuple(dict.fromkeys(used.values())), random=draws)


_ALLOWED = (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.UAdd, ast.Compare,
            ast.BinOp, ast.Name, ast.Load, ast.Constant, ast.List, ast.Tuple, ast.Call, ast.In, ast.NotIn,
            *_COMPARE, *_ARITHMETIC)


def _check(tree: ast.Expression, text: str, names: dict[str, str], lookup: dict[str, Any],
           random: bool = False) -> dict[str, Any]:
    """Walk the tree once, without recursion; refuse what rules can't do. Returns {name in the text: column}."""
    known = {**_FUNCTIONS, **(_RANDOM_FUNCTIONS if random else {})}

    def refuse(what: str, hint: str | None = None) -> ParameterError:
        return ParameterError(f"{quote(text)} {what}.", hint=hint)

    functions = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    used: dict[str, Any] = {}
    lists: set[int] = set()  # the lists after in / not in
    parts = 0
    stack: list[tuple[ast.AST, int]] = [(tree.body, 1)]
    while stack:
        node, depth = stack.pop()
        parts += isinstance(node, ast.expr)
        if parts > _MAX_PARTS:
            raise refuse(f"has more than {_MAX_PARTS} parts", "Split it into several shorter rules.")
        if depth > _MAX_DEPTH:
            raise refuse(f"is nested more than {_MAX_DEPTH} levels deep", "Write it with fewer brackets.")
        if not isinstance(node, _ALLOWED):
            raise refuse(f"uses {_describe(node)}, which rules do not allow",
                         "Rules may use columns, numbers, text, arithmetic, comparisons, and/or/not and "
                         + ", ".join(known) + ".")
        if isinstance(node, ast.Constant):
            _check_constant(node.value, refuse)
        elif isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else None
            if name in _RANDOM_FUNCTIONS and not random:
                raise refuse(f"calls {name}(), a random term, which only the derived columns of a designed scenario "
                             "may use", "Rules and derived columns here must give the same result every time.")
            if name not in known:
                raise refuse("calls a function rules do not know", "Known functions: " + ", ".join(known) + ".")
            low, high = known[name].arguments
            if node.keywords:
                raise refuse(f"gives {name}() a named argument", f"Write it like: {known[name].example(name)}")
            if not low <= len(node.args) <= high:
                raise refuse(f"gives {name}() {len(node.args)} argument(s), but "
                             f"{known[name].takes(name)}", f"Write it like: {known[name].example(name)}")
            if name == "choice" and not all(_is_literal(a) for a in node.args):
                raise refuse("gives choice() something other than values written out",
                             'Write it like: choice("a", "b", "c")')
        elif isinstance(node, ast.Name) and id(node) not in functions:
            column = names.get(node.id) or _unfolded(node.id, lookup, refuse)
            if column not in lookup:
                raise refuse(f"names {quote(column)}, which is not a column of the table",
                             "Columns: " + _listing(lookup) + ".")
            used[node.id] = lookup[column]
        elif isinstance(node, ast.Compare):
            for position, (op, right) in enumerate(zip(node.ops, node.comparators, strict=True)):
                membership = isinstance(op, (ast.In, ast.NotIn))
                if membership and position == len(node.ops) - 1 and isinstance(right, (ast.List, ast.Tuple)):
                    lists.add(id(right))
                elif membership:
                    raise refuse("uses in or not in without a list of values after it", _IN_HINT)
        elif isinstance(node, (ast.List, ast.Tuple)) and \
                (id(node) not in lists or not all(_is_literal(e) for e in node.elts)):
            raise refuse("uses a list other than a list of values after in or not in", _IN_HINT)
        chain = node.left if isinstance(node, ast.BinOp) else None  # a + b + c nests to the left: one level
        stack.extend((child, depth + (isinstance(child, ast.expr) and child is not chain))
                     for child in ast.iter_child_nodes(node))
    return used


def _unfolded(name: str, lookup: dict[str, Any], refuse: Callable[..., ParameterError]) -> str:
    """The column a bare name stands for. Python reads a name in its NFKC form (the micro sign µ as the Greek μ, ﬁ
    as fi), so the name written is found among the columns' names read the same way; one that two columns share
    needs back-ticks, which keep a name exactly as written."""
    if name in lookup:
        others = [c for c in lookup if c != name and unicodedata.normalize("NFKC", c) == name]
    else:
        others = [c for c in lookup if unicodedata.normalize("NFKC", c) == name]
        if len(others) == 1:
            return others[0]
    if others:
        both = sorted({name, *others} & set(lookup))
        raise refuse(f"names {quote(name)}, which could be any of the columns {_listing(both)} (their names differ "
                     "only in look-alike characters)", f"Put the column's name in back-ticks, like `{both[0]}`.")
    return name


def _check_constant(value: Any, refuse: Callable[..., ParameterError]) -> None:
    if isinstance(value, complex):
        raise refuse("uses a complex number, which rules do not allow")
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > _INT64:
        raise refuse("uses a number too large for a 64-bit integer", "Write large numbers as decimals, like 1e20.")
    if isinstance(value, float) and not np.isfinite(value):
        raise refuse("uses a number too large for a 64-bit float", "Numbers can be at most about 1.8e308.")
    if not isinstance(value, (str, int, float, type(None))):
        raise refuse(f"uses a {type(value).__name__} constant, which rules do not allow")


def _is_literal(node: ast.AST) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
        return isinstance(node, ast.Constant) and isinstance(node.value, (int, float))
    return isinstance(node, ast.Constant)


_DESCRIPTIONS = {
    ast.Attribute: "attribute access (a.b)", ast.Subscript: "indexing (a[b])", ast.Lambda: "a lambda",
    ast.IfExp: "an if-expression", ast.keyword: "a named argument", ast.Starred: "unpacking (*a)",
    ast.NamedExpr: "an assignment (:=)", ast.JoinedStr: "an f-string", ast.Dict: "a dictionary", ast.Set: "a set",
    ast.Is: "'is'", ast.IsNot: "'is not'", ast.Invert: "'~'",
    ast.BitAnd: "'&'", ast.BitOr: "'|'", ast.BitXor: "'^'", ast.LShift: "'<<'", ast.RShift: "'>>'",
    ast.MatMult: "'@'", ast.Await: "await", ast.Yield: "yield", ast.YieldFrom: "yield", ast.Slice: "a slice"}


def _describe(node: ast.AST) -> str:
    return _DESCRIPTIONS.get(type(node), f"a {type(node).__name__} expression")


# --------------------------------------------------------------------------- evaluation


class _Refusal(Exception):
    """A value the expression can't use; Expression.evaluate turns it into a DataError naming the expression."""

    def __init__(self, what: str, hint: str | None = None) -> None:
        super().__init__(what)
        self.hint = hint


class _Evaluator(ast.NodeVisitor):
    def __init__(self, df: pd.DataFrame, expression: Expression, deadline: float, seconds: float,
                 rng: np.random.Generator | None = None) -> None:
        self.df, self.expression, self.deadline, self.seconds = df, expression, deadline, seconds
        self.rng = rng

    def visit(self, node: ast.AST) -> _Value:
        value = super().visit(node)
        if time.monotonic() > self.deadline:
            raise _Refusal(f"took longer than {self.seconds:g} s to evaluate",
                           "Simplify it, or ask the operator to raise expression_seconds.")
        return value

    def visit_Constant(self, node: ast.Constant) -> _Value:
        return _constant(node.value)

    def visit_Name(self, node: ast.Name) -> _Value:
        column = self.expression.names[node.id]
        if column not in self.df.columns:
            raise _Refusal(f"reads {quote(column)}, which is not a column of this table")
        values = self.df[column]
        if isinstance(values, pd.DataFrame):
            raise _Refusal(f"reads {quote(column)}, but the table has several columns of that name",
                           "Rename the columns so that each name is used once.")
        return _from_column(values)

    def visit_List(self, node: ast.List | ast.Tuple) -> _Value:
        return _Value("list", [self.visit(e) for e in node.elts], None)

    visit_Tuple = visit_List

    def visit_UnaryOp(self, node: ast.UnaryOp) -> _Value:
        value = self.visit(node.operand)
        if isinstance(node.op, ast.Not):
            value = _truth(value)
            return _boolean(~value.data, value.missing)
        zero = _constant(0)
        return _arithmetic(ast.Sub() if isinstance(node.op, ast.USub) else ast.Add(), zero, value)

    def visit_BoolOp(self, node: ast.BoolOp) -> _Value:
        combine = _and if isinstance(node.op, ast.And) else _or
        result = _truth(self.visit(node.values[0]))
        for operand in node.values[1:]:
            result = combine(result, _truth(self.visit(operand)))
        return result

    def visit_BinOp(self, node: ast.BinOp) -> _Value:
        return _arithmetic(node.op, self.visit(node.left), self.visit(node.right))

    def visit_Compare(self, node: ast.Compare) -> _Value:
        left = self.visit(node.left)
        result = None
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = self.visit(comparator)
            part = _member(op, left, right, len(self.df)) if isinstance(op, (ast.In, ast.NotIn)) else \
                _compare(op, left, right)
            result = part if result is None else _and(result, part)
            left = right
        return result

    def visit_Call(self, node: ast.Call) -> _Value:
        function = _FUNCTIONS.get(node.func.id) or _RANDOM_FUNCTIONS[node.func.id]
        values = [self.visit(a) for a in node.args]
        for value in values:
            if value.kind not in function.kinds and not (value.kind == "boolean" and "number" in function.kinds):
                raise _Refusal(f"gives {node.func.id}() {_KIND_WORDS[value.kind]}, but it takes "
                               + " or ".join(_KIND_WORDS[k] for k in function.kinds))
        values = [_as_number(v) if "number" in function.kinds and v.kind == "boolean" else v for v in values]
        return function.apply(self.rng, len(self.df), *values) if function.random else function.apply(*values)


def _and(a: _Value, b: _Value) -> _Value:
    """Kleene's and: false if either is surely false, unknown if not and either is unknown."""
    false = (~a.data & ~a.missing) | (~b.data & ~b.missing)
    return _boolean(a.data & b.data, (a.missing | b.missing) & ~false)


def _or(a: _Value, b: _Value) -> _Value:
    """Kleene's or: true if either is surely true (a boolean's data is False where it is missing)."""
    true = a.data | b.data
    return _boolean(true, (a.missing | b.missing) & ~true)


def _as_number(value: _Value) -> _Value:
    if value.kind != "boolean":
        return value
    if value.missing.any():
        return _number(np.where(value.missing, np.nan, value.data.astype(np.float64)))
    return _number(value.data.astype(np.int64))


def _exactly(function: Callable[..., np.ndarray], *values: _Value) -> _Value:
    """``function`` on numbers: in int64 if every input is an integer and the result is exact, else in float64."""
    approximate = function(*[v.data.astype(np.float64) for v in values])
    if all(v.data.dtype.kind == "i" for v in values) and np.all(np.abs(approximate) < _EXACT):
        return _number(np.asarray(function(*[v.data for v in values]), dtype=np.int64))
    return _number(approximate)


def _arithmetic(op: ast.operator, left: _Value, right: _Value) -> _Value:
    kinds = {left.kind, right.kind}
    if kinds <= {"number", "boolean"}:
        left, right = _as_number(left), _as_number(right)
        function = _ARITHMETIC[type(op)]
        if isinstance(op, ast.Div) or (isinstance(op, ast.Pow) and np.any(right.data < 0)):
            return _number(function(left.data.astype(np.float64), right.data.astype(np.float64)))
        return _exactly(function, left, right)
    if kinds == {"text"} and isinstance(op, ast.Add):
        return _concatenate(left, right)
    if "list" in kinds:
        raise _Refusal("does arithmetic on a list", "A list of values can only follow in or not in.")
    words = " and ".join(sorted(_KIND_WORDS[k].removeprefix("a ") + "s" if k != "text" else "text" for k in kinds
                                if k not in ("number", "boolean")))
    raise _Refusal(f"does arithmetic on {words}", "Use arithmetic on number columns; text can only be joined with +.")


def _concatenate(left: _Value, right: _Value) -> _Value:
    """Text joined with +, bounded per value and in total: text is never repeated, so this is the only growth."""
    longest = [max(map(len, v.data.ravel()), default=0) for v in (left, right)]
    if sum(longest) > _MAX_TEXT:
        raise _Refusal(f"builds text longer than {_MAX_TEXT:,} characters")
    total = [sum(map(len, v.data.ravel())) for v in (left, right)]
    rows = max(left.data.size, right.data.size)
    if sum(t * rows // max(v.data.size, 1) for t, v in zip(total, (left, right), strict=True)) > \
            limits().max_expanded_bytes:
        raise _Refusal(f"builds more than {limits().max_expanded_mb:,} MB of text")
    return _Value("text", left.data + right.data, left.missing | right.missing)


def _truth(value: _Value) -> _Value:
    if value.kind == "boolean":
        return value
    if value.kind == "number":
        return _boolean(value.data != 0, value.missing)
    raise _Refusal(f"uses {_KIND_WORDS[value.kind]} where a condition is expected",
                   'Compare it with something, like employed == "yes".')


def _time(value: _Value, like: _Value) -> _Value:
    """A text constant read as the date or duration it is compared with."""
    if value.kind != "text" or value.data.ndim or like.kind not in ("date", "duration"):
        return value
    try:
        if like.kind == "duration":
            stamp = pd.Timedelta(str(value.data)).to_timedelta64()
        else:
            parsed = pd.Timestamp(str(value.data))
            if like.tz is not None and parsed.tz is None:
                parsed = parsed.tz_localize(like.tz)
            stamp = (parsed.tz_convert("UTC").tz_localize(None) if parsed.tz is not None else parsed).to_datetime64()
    except (ValueError, TypeError, OverflowError):
        raise _Refusal(f"compares {_KIND_WORDS[like.kind]} with {quote(value.data)}, which is not one",
                       'Write dates like "2024-01-31".') from None
    return _Value(like.kind, _in_unit(stamp, like.data.dtype), np.array(pd.isna(stamp)))


def _in_unit(stamp: np.generic, dtype: np.dtype) -> np.ndarray:
    """A date or duration in the unit of the column it is compared with; one beyond what that unit holds (the year
    2300 in nanoseconds) as the unit's largest or smallest value, which compares with every value of the column as
    the date itself would (a plain cast would wrap round)."""
    if np.isnat(stamp) or dtype.kind not in "mM":
        return np.asarray(stamp)
    cast = stamp.astype(dtype)
    if not np.isnat(cast) and cast.astype(stamp.dtype) == stamp:
        return np.asarray(cast)
    extreme = np.iinfo(np.int64).max if stamp.astype(np.int64) > 0 else np.iinfo(np.int64).min + 1
    return np.asarray(np.array(extreme, dtype=np.int64).view(dtype))


def _compare(op: ast.cmpop, left: _Value, right: _Value) -> _Value:
    left, right = _time(left, right), _time(right, left)
    if {left.kind, right.kind} == {"boolean", "number"}:
        left, right = _as_number(left), _as_number(right)
    missing = left.missing | right.missing
    if left.kind != right.kind:  # (== too: it would hold for no row, or != for every row, without a word)
        if {left.kind, right.kind} == {"text", "number"}:
            raise _Refusal(*_text_with_number(*sorted((left, right), key=lambda v: v.kind != "text")))
        raise _Refusal(f"compares {_KIND_WORDS[left.kind]} with {_KIND_WORDS[right.kind]}",
                       "Compare values of one kind: numbers with numbers, dates with dates, text with text.")
    return _boolean(np.asarray(_COMPARE[type(op)](left.data, right.data), dtype=bool), missing)


def _text_with_number(text: _Value, number: _Value) -> tuple[str, str]:
    """Why an ordering of text against a number is refused, and what to write, naming the side written as a
    constant (a quoted date beside a number column reads as text)."""
    if np.ndim(text.data) == 0:
        value = str(text.data)
        try:
            dated = not pd.isna(pd.to_datetime(value, format="ISO8601"))
        except (ValueError, OverflowError):
            dated = False
        return (f"compares a number with the text {quote(value)}",
                "Dates compare only with a date column, and the other side holds numbers (if the column holds "
                "dates, set its kind to datetime)." if dated else
                "The other side holds numbers: compare it with a number, like x > 3 (no quotes).")
    if np.ndim(number.data) == 0:
        return (f"compares text with the number {number.data.item()!r}",
                'The other side holds text: put the value in quotes, like employed == "no".')
    return "compares text with a number", "Compare numbers with numbers and text with text."


def _member(op: ast.cmpop, left: _Value, right: _Value, n: int) -> _Value:
    left = _full(left, n)
    items = [_time(item, left) for item in right.data]
    if left.kind in ("number", "boolean"):
        left = _as_number(left)
        items = [_as_number(item) for item in items]
    values = [item.data.item() for item in items if item.kind == left.kind and not item.missing]
    hits = pd.Series(left.data).isin(values).to_numpy(dtype=bool)  # a hash table: one pass over the rows
    return _boolean(hits if isinstance(op, ast.In) else ~hits, left.missing)


# --------------------------------------------------------------------------- rules and derived columns


@dataclass(frozen=True)
class RuleReport:
    rule: str
    rejected: int
    share: float
    drawn: int = 0  # the rows the rule was checked on (so reports of several blocks add up)


def check_rules(df: pd.DataFrame, rules: list[Expression]) -> tuple[pd.Series, list[RuleReport]]:
    """(rows passing every rule, rows each rule rejects). A rule rejects a row only when surely false."""
    keep = pd.Series(True, index=df.index)
    reports = []
    for rule in rules:
        value = rule.evaluate(df)
        if value.dtype != "boolean":
            raise DataError(f"The rule {quote(rule.text)} is not a condition that is true or false.",
                            hint="Compare with something, like age >= 18.")
        passed = pd.Series(value.fillna(True).to_numpy(dtype=bool), index=df.index)
        reports.append(RuleReport(rule.text, int((~passed).sum()), float((~passed).mean()) if len(df) else 0.0,
                                   len(df)))
        keep &= passed
    return keep, reports


def derive(df: pd.DataFrame, name: str, expression: Expression, *, rng: np.random.Generator | None = None
           ) -> pd.DataFrame:
    """A copy of ``df`` with a new (or replaced) column computed from the expression (random terms from ``rng``)."""
    if not name or not name.strip():
        raise ParameterError("A derived column needs a name.")
    value = expression.evaluate(df, rng=rng)
    if value.dtype == "boolean":  # a derived column holds True, False or NaN like a loaded one
        value = value.astype(object).where(value.notna(), np.nan)
    out = df.copy()
    out[name.strip()] = value.array  # by position: the index may repeat labels
    return out


MIN_PASS_RATE = 0.001  # with none of the rows drawn passing yet, a batch is sized for this share passing
MAX_BATCH = 1_000_000  # rows of one batch, at most (or four times the rows asked for, if more)


def sample_with_rules(draw: Callable[[int, np.random.Generator], pd.DataFrame], n: int, rules: list[Expression],
                      *, rng: Any = None, max_rounds: int = 20,
                      keep: Callable[[pd.DataFrame], np.ndarray] | None = None, max_batch: int | None = None
                      ) -> tuple[pd.DataFrame, list[RuleReport]]:
    """Draw rows until ``n`` pass every rule (and ``keep``, a filter called on each batch's rows that passed, in the
    order drawn); the report counts the rules' rejections over all draws. ``max_batch`` caps the rows of one draw
    (a wide table's sample is bounded in cells)."""
    generator = np.random.default_rng(rng)
    kept, totals, drawn = [], {r.text: 0 for r in rules}, 0
    have = filtered = 0
    start, timed_out, hopeless = time.monotonic(), False, False
    for left in range(max_rounds - 1, -1, -1):
        # a rule passing 1% of rows needs batches of 100 times the rest; with none passed yet, MIN_PASS_RATE
        pass_rate = (have / drawn if have else MIN_PASS_RATE) if drawn else 1.0
        wanted = (n - have) / pass_rate * 1.1
        cap = max(4 * n, MAX_BATCH) if max_batch is None else min(max(4 * n, MAX_BATCH), max_batch)
        ask = max(int(min(wanted, cap)), min(16, cap))
        pace = (time.monotonic() - start) / drawn if drawn else 0.0  # seconds per row drawn and checked so far
        if time.monotonic() - start + ask * pace > MAX_SECONDS:  # (projected: a rare rule on a slow method)
            timed_out = True
            break
        batch = draw(ask, generator)
        drawn += len(batch)
        passed, reports = check_rules(batch, rules)
        for report in reports:
            totals[report.rule] += report.rejected
        batch = batch[passed]
        if keep is not None:
            before = len(batch)
            batch = batch[keep(batch)]
            filtered += before - len(batch)
        kept.append(batch)
        have += len(batch)
        if have >= n:
            out = pd.concat(kept, ignore_index=True).head(n)
            return out, [RuleReport(t, c, c / drawn, drawn) for t, c in totals.items()]
        # even at an optimistic pass rate (the upper end of a 95% interval: 3 / drawn with none passed, about
        # (k + 2√k + 3) / drawn with k), the rows still wanted need more draws than the rounds left allow: say so
        # now, not after all of them
        if left and (n - have) * drawn / (have + 2 * math.sqrt(have) + 3) > left * cap:
            hopeless = True
            break
    worst = max(totals, key=totals.get) if totals else ""
    if filtered > totals.get(worst, 0):
        raise DataError(f"Only {have:,} of {n:,} rows passed the privacy guard after {drawn:,} draws: it dropped "
                        f"{_share(filtered, drawn)} of them as copies of training rows or too close to one.",
                        hint="Allow a larger share of close rows, keep copies, or use a method that copies less.")
    raise DataError(f"Only {have:,} of {n:,} rows passed the rules after {drawn:,} draws"
                    + (" (more would take over a minute at this method's pace)" if timed_out else "")
                    + (" (at this pass rate, the rest would take more draws than are allowed)" if hopeless else "")
                    + f"; '{worst}' rejected {_share(totals.get(worst, 0), drawn)} of them.",
                    hint="Loosen that rule, or check that the data can satisfy it at all.")


def _share(part: int, whole: int) -> str:
    """part / whole as a percentage, never rounded to 0% or 100% when it is neither (421 of 423: 'over 99%')."""
    share = part / max(whole, 1)
    if 0.995 <= share < 1:
        return "over 99%"
    if 0 < share < 0.005:
        return "under 1%"
    return f"{share:.0%}"
