"""The sidebar every page shows: the current dataset, the working table, the runs, a training in progress, a
reset. Drawing it also turns a training that has ended into a run, whichever page is open."""

from __future__ import annotations

import streamlit as st

from core.workspace import Workspace
from ui import training
from ui.cache import table_summary
from ui.errors import guarded
from ui.state import JOB, reset
from ui.text import md

CONFIRM = "confirm_reset"


def render(ws: Workspace) -> None:
    training.finish(ws)
    with st.sidebar:
        st.markdown("#### Current dataset")
        st.markdown(f"**{md(ws.name)}**")
        summary = guarded("summarising the table", table_summary, ws)
        if summary is not None:
            st.caption(f"{summary.rows:,} rows × {summary.columns:,} columns · "
                       f"{summary.missing_share:.1%} of cells missing")
        st.caption(f"Working table: **{ws.working_label}**  \n"
                   f"Held out for scoring: {int(ws.holdout_mask.sum()):,} rows  \n"
                   f"Synthesis runs: **{len(ws.runs)}**")
        if ws.schema.target:
            st.caption(f"Target: **{md(ws.schema.target)}**")
        job = st.session_state.get(JOB)
        if job is not None and job.running:
            latest = job.monitor.latest
            st.caption(f":material/model_training: Training **{md(job.method)}**"
                       + (f": epoch {latest.epoch:,} of {latest.epochs:,}" if latest else "")
                       + " (on the Synthesize page)")
        if not st.session_state.get(CONFIRM):
            st.button("Reset session", icon=":material/restart_alt:", key="reset",
                      on_click=lambda: st.session_state.update({CONFIRM: True}),
                      help="Start over on the default sample: forgets the loaded table, imputations and runs.")
        else:
            st.warning("Forget the loaded table, any imputation and all runs?")
            left, right = st.columns(2)
            left.button("Yes, reset", type="primary", key="reset_yes", on_click=reset)
            right.button("Cancel", key="reset_no", on_click=lambda: st.session_state.update({CONFIRM: False}))
