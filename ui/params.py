"""Widgets built from a method's declared parameters (core.params.Param), and the values they hold.

What a widget shows is what runs: a number is never clamped or replaced by its default. Every
value goes through its ``Param.validate``; a refused value stays on screen with the sentence under
its widget, and the page does not generate until it is fixed. The values are read from the session
(``read_params``), so a button's callback sees what is on screen at the moment of the click, not
what was there when the button was drawn.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from core.errors import ParameterError
from core.limits import limits
from core.params import Param
from ui.state import keep
from ui.text import md


def sentence(exc: ParameterError) -> str:
    return exc.message + (f" {exc.hint}" if exc.hint else "")


def check(param: Param, value: Any, columns: list[str]) -> tuple[Any, str | None]:
    """(the checked value, None), or (None, the sentence that refuses it)."""
    try:
        return param.validate(value, columns=columns), None
    except ParameterError as exc:
        return None, sentence(exc)


def read_params(params: tuple[Param, ...], *, key: str, columns: list[str]) -> tuple[dict[str, Any], list[str]]:
    """The values the widgets hold now (defaults for widgets not drawn yet), checked: ({name: value}, problems)."""
    values, problems = {}, []
    for param in params:
        value, problem = check(param, st.session_state.get(f"{key}::{param.name}", _default(param, columns)), columns)
        if problem:
            problems.append(problem)
        else:
            values[param.name] = value
    return values, problems


def param_widgets(params: tuple[Param, ...], *, key: str, columns: list[str], container=st) -> dict[str, Any]:
    """One widget per parameter, with its help text, and under it the sentence if its value is refused.

    Returns {name: value} as on screen: checked, or as typed when refused (the method then refuses it
    too, with the same sentence; nothing is replaced by a default). Values last for the session
    (``ui.state.keep``); a callback reads them with :func:`read_params`.
    """
    values = {}
    for param in params:
        label, help_text = param.name.replace("_", " ").capitalize(), param.help
        widget_key = keep(f"{key}::{param.name}", _default(param, columns))
        if param.type == "int":  # no min/max: a value out of range is shown as typed and refused below
            container.number_input(label, step=1, help=help_text, key=widget_key)
        elif param.type == "float":
            container.slider(label, float(param.low), float(param.high), help=help_text, key=widget_key)
        elif param.type == "bool":
            container.checkbox(label, help=help_text, key=widget_key)
        elif param.type == "choice":
            container.selectbox(label, param.choices, help=help_text, key=widget_key,
                                format_func=lambda c: str(c).replace("_", " "))
        elif param.type == "column":
            container.selectbox(label, ([None] if param.optional else []) + columns, help=help_text, key=widget_key,
                                format_func=lambda c: "none" if c is None else c)
        else:
            container.text_input(label, help=help_text, key=widget_key)
        value, problem = check(param, st.session_state.get(widget_key), columns)
        values[param.name] = st.session_state.get(widget_key) if problem else value
        if problem:
            container.error(md(problem), icon=":material/error:")
    return values


def _default(param: Param, columns: list[str]) -> Any:
    if param.type == "column" and not param.optional and param.default not in columns:
        return columns[0] if columns else None
    if param.type == "float":
        return float(param.default)
    if param.type == "text":
        return str(param.default)
    return param.default


def rows_problem(n: Any, label: str) -> str | None:
    """Why ``n`` rows cannot be generated (at least 1; at most the server's limit), or None."""
    cap = limits().max_rows_generate
    problem = check(Param(label, "int", 1, "", low=1, high=cap), n, [])[1]
    if problem and isinstance(n, (int, float)) and n > cap:
        return (f"'{label}' = {n:,} is more than this server allows in one run: at most {cap:,} rows. "
                "An operator sets this limit (max_rows_generate) in synthlab.toml.")
    return problem


def seed_problem(seed: Any, label: str) -> str | None:
    return check(Param(label, "int", 0, "Any whole number from 0 to 2,147,483,647.", low=0, high=2**31 - 1),
                 seed, [])[1]


def edit_matrix(matrix: pd.DataFrame, edited_rows: dict) -> pd.DataFrame:
    """A correlation matrix with a data editor's cell edits applied, each to both (a, b) and (b, a).

    ``edited_rows`` is the editor's state: {row position: {column name: new value}}. A cell on the
    diagonal, an empty cell or a value outside −1..1 is refused with a ParameterError.
    """
    out = matrix.copy()
    for position, changes in edited_rows.items():
        row = matrix.index[int(position)]
        for column, value in changes.items():
            if column == row:
                raise ParameterError(f"The diagonal stays 1: it is the correlation of '{row}' with itself.",
                                     hint="Edit a cell off the diagonal.")
            if value is None or isinstance(value, bool) or not isinstance(value, (int, float)) or value != value \
                    or not -1 <= value <= 1:
                raise ParameterError(f"The correlation of '{row}' and '{column}' must be a number from −1 to 1, "
                                     f"not {value!r}.")
            out.loc[row, column] = out.loc[column, row] = float(value)
    return out
