"""The Synthesize page's privacy guard, conditions ("only rows where …") and quotas ("rows per class"): the
widgets (``drawing_panel``) and what they say (``read_drawing``), as a :class:`core.synth.drawing.Drawing`."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from core.limits import limits
from core.schema import LABELS, Kind
from core.synth import METHODS
from core.synth.drawing import Drawing
from core.synth.guard import Guard
from core.synth.privacy import PRIVATE
from core.workspace import Workspace
from ui import state
from ui.text import md

MAX_LEVELS = 200  # a label column with more values than this is offered no value list (too many to pick from)


def _levels(ws: Workspace, column: str) -> list[Any]:
    return list(ws.train[column].dropna().value_counts().index[:MAX_LEVELS])


def conditional_columns(ws: Workspace) -> list[str]:
    """The columns a condition may name: those that take part in synthesis, labels with a list to pick from."""
    return [c for c in ws.schema.synth_columns if c in ws.train.columns and ws.train[c].notna().any()
            and (ws.schema.kinds[c] not in LABELS or ws.train[c].nunique() <= MAX_LEVELS)]


def quota_column(ws: Workspace) -> str | None:
    """The column quotas count rows of: the target, when it holds labels."""
    target = ws.schema.target
    if target in ws.train.columns and ws.schema.kinds[target] in LABELS and ws.train[target].nunique() <= 50:
        return target
    return None


def _each(ws: Workspace, rows: Any, levels: list) -> int:
    """The rows per class offered at first: the rows asked for, shared equally."""
    rows = rows if isinstance(rows, int) and rows > 0 else len(ws.train)
    return max(1, rows // max(1, len(levels)))


def drawing_panel(ws: Workspace, method: str, params: dict, rows: Any) -> None:
    """The widgets, in one expander under the method's settings, and below it what stops a click (shown even when
    the expander is closed); ``rows`` is the 'Rows to generate' value."""
    _widgets(ws, METHODS[method].keeps_real_rows(params), rows, private=METHODS[method].family == PRIVATE)
    for problem in read_drawing(ws, rows)[1]:
        st.error(md(problem), icon=":material/error:")


def _widgets(ws: Workspace, keeps: bool, rows: Any, *, private: bool) -> None:
    with st.expander("Privacy guard, conditions and rows per class"):
        st.markdown("**Privacy guard.** Drops synthetic rows that copy a training row or sit closer to one than new "
                    "real rows do, and draws more until the table has the rows asked for. The run notes say what "
                    "it dropped.")
        on = st.toggle("Privacy guard", key=state.keep("synth_guard", True),
                       help="Off: the method's rows come back as drawn.")
        cols = st.columns(3)
        cols[0].checkbox("Hold copies of training rows to 1%", key=state.keep("synth_guard_copies", True),
                         disabled=not on, help="Where real held-out rows copy training rows more often (a table of a "
                                               "few label columns), that share is allowed.")
        cols[1].slider("Largest share of close rows", 0.0, 1.0, step=0.01, key=state.keep("synth_guard_close", 0.10),
                       disabled=not on, help="Rows closer to a training row than 95% of new real rows are. Real "
                                             "rows have 5% of them; 1.0 lets any number through.")
        cols[2].checkbox("Drop outliers", key=state.keep("synth_guard_outliers", False), disabled=not on,
                         help="Rows farther from every real row than any held-out real row is.")
        ids = [c for c in ws.raw.columns if ws.schema.kinds.get(c) == Kind.ID]
        if ids:
            st.radio(f"Identifier columns ({md(', '.join(map(str, ids)))})", ["drop", "fresh"], horizontal=True,
                     key=state.keep("synth_ids", "drop"),
                     format_func={"drop": "Leave them out", "fresh": "Fresh keys in the real format"}.get,
                     help="Fresh keys are unique, look like the real ones and never equal one.")
        if keeps:
            st.caption("This method keeps the real rows (bulk out): the guard leaves them as they are.")
        if private and on:
            st.warning("With a differentially private method, the guard reads the real rows to decide what to drop, "
                       "and ε does not cover that: turn it off to keep the whole promise.", icon=":material/shield:")
        st.markdown("**Only rows where …** Every row drawn meets these conditions (rows that do not are drawn "
                    "again); a condition no row can meet is said before anything is drawn.")
        chosen = st.multiselect("Columns with a condition", conditional_columns(ws),
                                key=state.keep("synth_conditions", []))
        for column in chosen:
            _condition_widget(ws, column)
        target = quota_column(ws)
        if target is None:
            st.caption("Rows per class: choose a target column that holds labels on the Data page.")
            return
        st.markdown(f"**Rows per class.** Exactly so many rows of each value of the target '{md(target)}'.")
        if st.toggle("Set the rows per class", key=state.keep("synth_quotas", False)):
            levels = _levels(ws, target)
            each = _each(ws, rows, levels)
            boxes = st.columns(min(4, len(levels)))
            for i, level in enumerate(levels):
                boxes[i % len(boxes)].number_input(md(level), step=1,  # (no minimum: -4 is shown, and refused)
                                                   key=state.keep(f"synth_quota::{level}", each))
            total = read_drawing(ws, rows)[2]
            if total:
                st.caption(f"The quotas add up to {total:,} rows: that many are generated.")


def _condition_widget(ws: Workspace, column: str) -> None:
    kind, values = ws.schema.kinds[column], ws.train[column].dropna()
    if kind in LABELS:
        levels = _levels(ws, column)
        st.multiselect(f"{md(column)} is one of", levels, key=state.keep(f"synth_cond::{column}", levels[:1]))
    elif kind == Kind.DATETIME:
        dates = pd.to_datetime(values)
        st.date_input(f"{md(column)} between", key=state.keep(f"synth_cond::{column}",
                                                           (dates.min().date(), dates.max().date())),
                      min_value=dates.min().date(), max_value=dates.max().date())
    else:
        low, high = float(values.min()), float(values.max())
        left, right = st.columns(2)
        left.number_input(f"{md(column)} from", key=state.keep(f"synth_cond::{column}::low", low))
        right.number_input(f"{md(column)} to", key=state.keep(f"synth_cond::{column}::high", high))


def read_drawing(ws: Workspace, rows: Any) -> tuple[Drawing, list[str], int | None]:
    """(the drawing on screen, problems that stop a click, the rows the quotas add up to or None); ``rows`` is the
    'Rows to generate' value (quotas not set yet share it equally)."""
    get = st.session_state.get
    guard = Guard(copies=bool(get("synth_guard_copies", True)), close_share=float(get("synth_guard_close", 0.10)),
                  outliers=bool(get("synth_guard_outliers", False)),
                  ids=get("synth_ids", "drop") if get("synth_ids", "drop") in ("drop", "fresh") else "drop")
    if not get("synth_guard", True):
        guard = Guard.off() if guard.ids == "drop" else Guard(copies=False, close_share=1.0, ids=guard.ids)
    conditions, problems = {}, []
    allowed = conditional_columns(ws)
    for column in [c for c in get("synth_conditions", []) if c in allowed]:
        kind = ws.schema.kinds[column]
        if kind in LABELS:
            picked = list(get(f"synth_cond::{column}", []))
            if not picked:
                problems.append(f"Only rows where: pick at least one value of '{column}', or remove its condition.")
            conditions[column] = picked
        elif kind == Kind.DATETIME:
            picked = get(f"synth_cond::{column}", ())
            if not isinstance(picked, (tuple, list)) or len(picked) != 2:
                problems.append(f"Only rows where: pick the first and the last date of '{column}'.")
                continue
            conditions[column] = (pd.Timestamp(picked[0]), pd.Timestamp(picked[1]) + pd.Timedelta(days=1)
                                  - pd.Timedelta(microseconds=1))  # (the whole last day)
        else:
            low, high = get(f"synth_cond::{column}::low"), get(f"synth_cond::{column}::high")
            if low is None or high is None or low > high:
                problems.append(f"Only rows where: the range of '{column}' is empty ({low} to {high}).")
            conditions[column] = (low, high)
    quotas, total = {}, None
    target = quota_column(ws)
    if target is not None and get("synth_quotas", False):
        levels = _levels(ws, target)
        counts = {level: get(f"synth_quota::{level}", _each(ws, rows, levels)) for level in levels}
        wrong = [f"'{level}' = {'nothing' if n is None else n}" for level, n in counts.items()
                 if not isinstance(n, (int, float)) or n != n or n < 0 or n != int(n)]
        cap = limits().max_rows_generate
        total = None if wrong else sum(int(n) for n in counts.values())
        if wrong:
            problems.append(f"Rows per class: each class needs a whole number of rows, 0 or more ({', '.join(wrong)}).")
        elif total == 0:
            problems.append("Rows per class: they add up to 0 rows; give some class at least one row.")
        elif total > cap:
            problems.append(f"Rows per class: they add up to {total:,} rows, more than this server allows in one run "
                            f"(at most {cap:,}; an operator sets max_rows_generate in synthlab.toml).")
        if target in conditions:
            problems.append(f"'{target}' has both rows per class and a condition: remove one of them.")
        quotas = {} if wrong else {target: {level: int(n) for level, n in counts.items()}}
    return Drawing(guard=guard if guard.filters or guard.ids == "fresh" else None, conditions=conditions,
                   quotas=quotas), problems, total
