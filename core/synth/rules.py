"""Business rules and derived columns, written as expressions over the columns and never eval'ed.

An expression such as ``age >= 18``, ``income > 0 or employed == "no"`` or
```bmi = weight / (height / 100) ** 2``` is parsed with Python's ``ast`` module and then walked by
a small interpreter that knows only a whitelist of nodes: numbers, strings, booleans, column
names, lists of constants, arithmetic (+ − × / // % **), comparisons (== != < <= > >= in, not in),
``and``/``or``/``not`` and a few functions (abs, round, log, exp, sqrt, min, max, isna, notna).
Attribute access, subscripts, lambdas, comprehensions and any other call are refused with a
sentence, so a rule can't reach Python itself. Column names that are not identifiers are written
in back-ticks: ```Solar.R` > 100``.

Rules use three-valued logic: a comparison with a missing value is *unknown*, and a row passes a
rule unless the rule is definitely false for it (``and``/``or`` follow Kleene's tables, as pandas'
nullable booleans do).
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from core.errors import DataError, ParameterError

_BACKTICK = re.compile(r"`([^`]+)`")
_COMPARE = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
            ast.Gt: operator.gt, ast.GtE: operator.ge}
_ARITHMETIC = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
               ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow}
_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "abs": np.abs, "round": np.round, "log": np.log, "exp": np.exp, "sqrt": np.sqrt,
    "min": np.minimum, "max": np.maximum,
    "isna": lambda x: pd.Series(x).isna().astype("boolean"), "notna": lambda x: pd.Series(x).notna().astype("boolean"),
}


@dataclass(frozen=True)
class Expression:
    """A parsed expression and the columns it reads."""

    text: str
    tree: ast.Expression
    names: dict[str, str]  # placeholder -> column name
    columns: tuple[str, ...]

    def evaluate(self, df: pd.DataFrame) -> Any:
        with np.errstate(all="ignore"):
            return _Evaluator(df, self.names, self.text).visit(self.tree.body)


def parse(text: str, columns: list[str]) -> Expression:
    """Parse ``text`` against the whitelist and the table's ``columns``; raise ParameterError if it can't be."""
    if not text or not text.strip():
        raise ParameterError("The expression is empty.")
    if len(text) > 1_000:
        raise ParameterError("The expression is longer than 1,000 characters.")
    names: dict[str, str] = {}

    def placeholder(match: re.Match) -> str:
        key = f"__column_{len(names)}__"
        names[key] = match.group(1)
        return key

    source = _BACKTICK.sub(placeholder, text.strip())
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise ParameterError(f"'{text}' is not a valid expression ({exc.msg}).",
                             hint="Write it like: age >= 18 and income > 0") from None
    used = []
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED):
            raise ParameterError(f"'{text}' uses {_describe(node)}, which rules do not allow.",
                                 hint="Rules may use columns, numbers, text, arithmetic, comparisons, and/or/not "
                                      "and " + ", ".join(_FUNCTIONS) + ".")
        if isinstance(node, ast.Call) and not (isinstance(node.func, ast.Name) and node.func.id in _FUNCTIONS):
            raise ParameterError(f"'{text}' calls a function rules do not know.",
                                 hint="Known functions: " + ", ".join(_FUNCTIONS) + ".")
        if isinstance(node, ast.Name) and not _is_function_name(tree, node):
            column = names.get(node.id, node.id)
            if column not in columns and node.id not in ("True", "False", "None"):
                raise ParameterError(f"'{text}' names '{column}', which is not a column of the table.",
                                     hint="Columns: " + ", ".join(map(str, columns)) + ".")
            used.append(column)
    return Expression(text=text, tree=tree, names=names, columns=tuple(dict.fromkeys(used)))


_ALLOWED = (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.UAdd, ast.Compare,
            ast.BinOp, ast.Name, ast.Load, ast.Constant, ast.List, ast.Tuple, ast.Call, ast.In, ast.NotIn,
            *_COMPARE, *_ARITHMETIC)


def _is_function_name(tree: ast.AST, name: ast.Name) -> bool:
    return any(isinstance(n, ast.Call) and n.func is name for n in ast.walk(tree))


def _describe(node: ast.AST) -> str:
    return {ast.Attribute: "attribute access (a.b)", ast.Subscript: "indexing (a[b])", ast.Lambda: "a lambda",
            ast.IfExp: "an if-expression"}.get(type(node), f"a {type(node).__name__} expression")


class _Evaluator(ast.NodeVisitor):
    def __init__(self, df: pd.DataFrame, names: dict[str, str], text: str) -> None:
        self.df, self.names, self.text = df, names, text

    def visit_Constant(self, node: ast.Constant) -> Any:
        return node.value

    def visit_Name(self, node: ast.Name) -> Any:
        if node.id in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[node.id]
        return self.df[self.names.get(node.id, node.id)]

    def visit_List(self, node: ast.List | ast.Tuple) -> list:
        return [self.visit(e) for e in node.elts]

    visit_Tuple = visit_List

    def visit_UnaryOp(self, node: ast.UnaryOp) -> Any:
        value = self.visit(node.operand)
        if isinstance(node.op, ast.Not):
            return ~_boolean(value, len(self.df))
        return -value if isinstance(node.op, ast.USub) else value

    def visit_BoolOp(self, node: ast.BoolOp) -> pd.Series:
        values = [_boolean(self.visit(v), len(self.df)) for v in node.values]
        result = values[0]
        for value in values[1:]:
            result = result & value if isinstance(node.op, ast.And) else result | value  # Kleene logic
        return result

    def visit_BinOp(self, node: ast.BinOp) -> Any:
        try:
            return _ARITHMETIC[type(node.op)](self.visit(node.left), self.visit(node.right))
        except TypeError:
            raise DataError(f"'{self.text}' does arithmetic on text.",
                            hint="Use arithmetic on number columns.") from None

    def visit_Compare(self, node: ast.Compare) -> pd.Series:
        left = self.visit(node.left)
        result = None
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = self.visit(comparator)
            part = _compare(op, left, right, len(self.df), self.text)
            result = part if result is None else result & part
            left = right
        return result

    def visit_Call(self, node: ast.Call) -> Any:
        return _FUNCTIONS[node.func.id](*[self.visit(a) for a in node.args])

    def generic_visit(self, node: ast.AST) -> Any:  # pragma: no cover - parse() refuses everything else
        raise ParameterError(f"'{self.text}' uses {_describe(node)}, which rules do not allow.")


def _unknown(value: Any) -> pd.Series | bool:
    return value.isna() if isinstance(value, pd.Series) else value is None or (isinstance(value, float)
                                                                               and np.isnan(value))


def _compare(op: ast.cmpop, left: Any, right: Any, n: int, text: str) -> pd.Series:
    try:
        if isinstance(op, (ast.In, ast.NotIn)):
            members = right if isinstance(right, list) else [right]
            raw = pd.Series(left).isin(members)
            raw = ~raw if isinstance(op, ast.NotIn) else raw
        else:
            raw = _COMPARE[type(op)](left, right)
    except TypeError:
        raise DataError(f"'{text}' compares text with a number.",
                        hint='Put text in quotes, like employed == "no", and compare numbers with numbers.') from None
    result = _boolean(raw, n)
    unknown = _unknown(left) | _unknown(right) if not isinstance(op, (ast.In, ast.NotIn)) else _unknown(left)
    return result.mask(pd.Series(unknown, index=result.index) if not isinstance(unknown, pd.Series) else unknown)


def _boolean(value: Any, n: int) -> pd.Series:
    if isinstance(value, pd.Series):
        return value.astype("boolean")
    return pd.Series([bool(value)] * n, dtype="boolean")


# --------------------------------------------------------------------------- rules and derived columns


@dataclass(frozen=True)
class RuleReport:
    rule: str
    rejected: int
    share: float


def check_rules(df: pd.DataFrame, rules: list[Expression]) -> tuple[pd.Series, list[RuleReport]]:
    """(rows passing every rule, rows each rule rejects). A rule rejects a row only when surely false."""
    keep = pd.Series(True, index=df.index)
    reports = []
    for rule in rules:
        value = rule.evaluate(df)
        passed = _boolean(value, len(df)).reindex(df.index).fillna(True).astype(bool)
        reports.append(RuleReport(rule.text, int((~passed).sum()), float((~passed).mean()) if len(df) else 0.0))
        keep &= passed
    return keep, reports


def derive(df: pd.DataFrame, name: str, expression: Expression) -> pd.DataFrame:
    """A copy of ``df`` with a new (or replaced) column computed from the expression."""
    if not name or not name.strip():
        raise ParameterError("A derived column needs a name.")
    value = expression.evaluate(df)
    out = df.copy()
    out[name.strip()] = value.astype(object).where(value.notna(), np.nan) if isinstance(value, pd.Series) and \
        value.dtype == "boolean" else value
    return out


def sample_with_rules(draw: Callable[[int, np.random.Generator], pd.DataFrame], n: int, rules: list[Expression],
                      *, rng: Any = None, max_rounds: int = 20) -> tuple[pd.DataFrame, list[RuleReport]]:
    """Draw rows until ``n`` pass every rule; the report counts rejections over all draws."""
    generator = np.random.default_rng(rng)
    kept, totals, drawn = [], {r.text: 0 for r in rules}, 0
    have = 0
    for _ in range(max_rounds):
        pass_rate = have / drawn if drawn else 1.0
        batch = draw(max(int((n - have) / max(pass_rate, 0.05) * 1.1), 16), generator)
        drawn += len(batch)
        keep, reports = check_rules(batch, rules)
        for report in reports:
            totals[report.rule] += report.rejected
        kept.append(batch[keep])
        have += int(keep.sum())
        if have >= n:
            out = pd.concat(kept, ignore_index=True).head(n)
            return out, [RuleReport(t, c, c / drawn) for t, c in totals.items()]
    worst = max(totals, key=totals.get) if totals else ""
    raise DataError(f"Only {have:,} of {n:,} rows passed the rules after {drawn:,} draws; "
                    f"'{worst}' rejected {totals.get(worst, 0) / max(drawn, 1):.0%} of them.",
                    hint="Loosen that rule, or check that the data can satisfy it at all.")
