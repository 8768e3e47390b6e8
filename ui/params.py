"""Widgets built from a method's declared parameters (core.params.Param), and the values they hold.

What a widget shows is what runs: a number is never clamped or replaced by its default. Every
value goes through its ``Param.validate``; a refused value stays on screen with the sentence under
its widget, and the page does not generate until it is fixed. The values are read from the session
(``read_params``), so a button's callback sees what is on screen at the moment of the click, not
what was there when the button was drawn.

Two types need the table to be drawn (``table_widgets``, read with ``read_table_params``): a
``mapping`` gets a per-column distribution picker (the fits ranked by AIC, the density and the Q-Q
plot of the choice), a ``matrix`` an editable correlation matrix of the number columns that starts
from the estimate and mirrors every edit.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd
import streamlit as st

from core import plots
from core.errors import ParameterError, SynthLabError
from core.io import spreadsheet_safe
from core.limits import limits
from core.params import Param
from core.synth.base import MAX_SEED
from core.synth.fitting import EMPIRICAL, ranking
from core.workspace import Workspace
from ui import cache
from ui.errors import guarded, show
from ui.state import keep
from ui.text import md


def sentence(exc: ParameterError) -> str:
    return exc.message + (f" {exc.hint}" if exc.hint else "")


def check(param: Param, value: Any, columns: list[str]) -> tuple[Any, str | None]:
    """(the checked value, None), or (None, the sentence that refuses it, naming the setting as its widget does)."""
    try:
        return replace(param, name=param.label).validate(value, columns=columns), None
    except ParameterError as exc:
        return None, sentence(exc)


TABLE_TYPES = ("mapping", "matrix")  # parameters whose widgets need the table (see table_widgets)


def read_params(params: tuple[Param, ...], *, key: str, columns: list[str]) -> tuple[dict[str, Any], list[str]]:
    """The values the widgets hold now (defaults for widgets not drawn yet), checked: ({name: value}, problems).
    Parameters of the table types are left to :func:`read_table_params`."""
    values, problems = {}, []
    for param in params:
        if param.type in TABLE_TYPES:
            continue
        value, problem = check(param, st.session_state.get(f"{key}::{param.name}", _default(param, columns)), columns)
        if problem:
            problems.append(problem)
        else:
            values[param.name] = value
    return values, problems


def param_widgets(params: tuple[Param, ...], *, key: str, columns: list[str], container=st) -> dict[str, Any]:
    """One widget per parameter, with its help text, and under it the sentence if its value is refused; the
    parameters of a group in a fold of that title, below the others. The table types are drawn by
    :func:`table_widgets`.

    Returns {name: value} as on screen: checked, or as typed when refused (the method then refuses it
    too, with the same sentence; nothing is replaced by a default). Values last for the session
    (``ui.state.keep``); a callback reads them with :func:`read_params`.
    """
    simple = [p for p in params if p.type not in TABLE_TYPES]
    values = _widgets([p for p in simple if not p.group], key, columns, container)
    for group in dict.fromkeys(p.group for p in simple if p.group):
        with container.expander(group):
            values |= _widgets([p for p in simple if p.group == group], key, columns, st)
    return values


def _widgets(params: list[Param], key: str, columns: list[str], container) -> dict[str, Any]:
    values = {}
    for param in params:
        label, help_text = param.label, param.help
        widget_key = keep(f"{key}::{param.name}", _default(param, columns))
        off = bool(param.requires) and not st.session_state.get(f"{key}::{param.requires}")  # (acts with nothing)
        if off:
            help_text += f" (Greyed out: it acts only with '{param.requires.replace('_', ' ')}' on.)"
        if param.type == "int":  # no min/max: a value out of range is shown as typed and refused below
            span = f" ({int(param.low):,} to {int(param.high):,})" if None not in (param.low, param.high) else ""
            container.number_input(label + span, step=1, help=help_text, key=widget_key, disabled=off)
        elif param.type == "float":
            container.slider(label, float(param.low), float(param.high), help=help_text, key=widget_key, disabled=off)
        elif param.type == "bool":
            container.checkbox(label, help=help_text, key=widget_key, disabled=off)
        elif param.type == "choice":
            container.selectbox(label, param.choices, help=help_text, key=widget_key, disabled=off,
                                format_func=lambda c: str(c).replace("_", " "))
        elif param.type == "column":
            container.selectbox(label, ([None] if param.optional else []) + columns, help=help_text, key=widget_key,
                                disabled=off, format_func=lambda c: "none" if c is None else c)
        else:
            container.text_input(label, help=help_text, key=widget_key, disabled=off)
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
    """Why ``seed`` is no seed a run takes (the range a recipe takes too), or None."""
    return check(Param(label, "int", 0, f"Any whole number from 0 to {MAX_SEED:,}.", low=0, high=MAX_SEED),
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


# ---------------------------------------------------------------- parameters that need the table


def table_widgets(params: tuple[Param, ...], ws: Workspace) -> None:
    """The distribution picker of each ``mapping`` parameter and the correlation editor of each ``matrix``."""
    for param in params:
        if param.type == "mapping":
            _distribution_picker(param, ws)
        elif param.type == "matrix":
            _correlation_editor(param, ws)


def read_table_params(params: tuple[Param, ...], ws: Workspace) -> tuple[dict[str, Any], list[str], list[str]]:
    """The values of the ``mapping`` and ``matrix`` parameters as on screen: ({name: value}, problems, notes for
    the run). A mapping holds only the columns whose choice differs from the best fit; a matrix is the default
    (None: estimated at fit) until edited, and an edit is recorded in the notes."""
    values, problems, notes = {}, [], []
    for param in params:
        try:
            if param.type == "mapping":
                fitted = cache.marginals(ws)
                values[param.name] = {c: st.session_state[_mapping_key(param, ws, c)] for c, m in fitted.items()
                                      if st.session_state.get(_mapping_key(param, ws, c), m.chosen) != m.chosen}
            elif param.type == "matrix":
                base, target = _edited_matrix(param, ws)
                changes = _changes(base, target)
                values[param.name] = target if changes else param.default
                if changes:
                    notes.append(f"Target {param.name} edited from the estimate: " + "; ".join(changes) + ".")
        except ParameterError as exc:
            problems.append(sentence(exc))
        except SynthLabError as exc:  # shown where the widget would be
            problems.append(exc.message)
    return values, problems, notes


def _mapping_key(param: Param, ws: Workspace, column: str) -> str:
    return f"{param.name}::{ws.fingerprint}::{column}"  # shared by every method with this parameter


def _distribution_picker(param: Param, ws: Workspace) -> None:
    fitted = guarded("fitting distributions", cache.marginals, ws)
    if not fitted:
        return
    for name, marginal in fitted.items():  # every column's choice lasts, shown or not
        keep(_mapping_key(param, ws, name), marginal.chosen)
    with st.expander("Distribution fitting: which distribution each number column gets", expanded=False):
        st.caption("Candidates ranked by AIC (lower is better) with their Kolmogorov-Smirnov distance to the data; "
                   "the empirical distribution is the fallback when none fits. Override the choice here: "
                   + md(param.help))
        column = st.selectbox("Column", list(fitted), key=keep(f"{param.name}::column", next(iter(fitted))))
        marginal = fitted[column]
        options = [marginal.chosen] + [n for n in param.choices if n != marginal.chosen
                                       and (n == EMPIRICAL or marginal.fit(n) is not None)]
        chosen = st.selectbox("Distribution", options, key=_mapping_key(param, ws, column),
                              format_func=lambda n: f"{n} (best by AIC)" if n == marginal.chosen else n)
        a, b = st.columns(2)
        a.dataframe(ranking(marginal), hide_index=True, width="stretch",
                    column_config={"AIC": st.column_config.NumberColumn(format="%.1f"),
                                   "KS distance": st.column_config.NumberColumn(format="%.3f")})
        show(plots.fitted_density(marginal, chosen), key=f"{param.name}::density", where=b)
        show(plots.qq_plot(marginal, chosen), key=f"{param.name}::qq")


def _matrix_store(param: Param, ws: Workspace, base: pd.DataFrame) -> dict:
    """The matrix as edited so far, for this working table (the estimate until edited)."""
    tag, name = (ws.fingerprint, ws.working_label, tuple(base.columns)), f"{param.name}::edited"
    store = st.session_state.get(name)
    if store is None or store["tag"] != tag:
        store = st.session_state[name] = {"tag": tag, "matrix": base.copy(), "version": 0}
    return store


def _editor_key(param: Param, store: dict) -> str:
    return f"{param.name}::editor::{store['version']}"


def _shown(store: dict) -> pd.DataFrame:
    """The matrix as the editor shows it (rounded; spreadsheet-safe, as its toolbar can download it)."""
    return spreadsheet_safe(store["matrix"].round(3))


def _edited_matrix(param: Param, ws: Workspace) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(estimate, target with the editor's pending edits mirrored); ParameterError for a refused edit."""
    base = cache.normal_score_correlation(ws)
    store = _matrix_store(param, ws, base)
    names = dict(zip(_shown(store).columns, store["matrix"].columns, strict=True))  # shown -> real
    pending = (st.session_state.get(_editor_key(param, store)) or {}).get("edited_rows", {})
    return base, edit_matrix(store["matrix"], {row: {names.get(c, c): v for c, v in changes.items()}
                                               for row, changes in pending.items()})


def _changes(base: pd.DataFrame, target: pd.DataFrame) -> list[str]:
    columns = list(base.columns)
    return [f"{a} ~ {b}: {base.loc[a, b]:.3f} → {target.loc[a, b]:g}" for i, a in enumerate(columns)
            for b in columns[i + 1:] if target.loc[a, b] != base.loc[a, b]]


def _correlation_editor(param: Param, ws: Workspace) -> None:
    base = guarded("estimating correlations", cache.normal_score_correlation, ws)
    if base is None or not len(base):
        return
    store = _matrix_store(param, ws, base)
    with st.expander(f"Target {param.name} (edit to run what-if scenarios)", expanded=False):
        st.caption(md(param.help) + " Change a cell off the diagonal and its mirror image changes with it; an "
                   "impossible matrix is repaired to the nearest valid one, with a notice.")
        st.data_editor(_shown(store), key=_editor_key(param, store), width="stretch")
        try:
            _, target = _edited_matrix(param, ws)
        except ParameterError as exc:
            st.error(md(sentence(exc)), icon=":material/error:")
        else:
            if not target.equals(store["matrix"]):  # an edit: keep it, mirrored, and show it so
                store["matrix"], store["version"] = target, store["version"] + 1
                st.rerun()
        changes = _changes(base, store["matrix"])
        if changes:
            st.text("Edited: " + "; ".join(changes))
            st.button("Restore the estimate", key=f"{param.name}::restore",
                      on_click=lambda: st.session_state.pop(f"{param.name}::edited", None))
