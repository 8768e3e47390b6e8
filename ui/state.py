"""The session's Workspace and the small amount of UI state around it.

One ``Workspace`` per browser session lives in ``st.session_state["workspace"]``; pages read
it through :func:`workspace` and never keep copies. Loading replaces it only when the new
table was read successfully, so a bad file never costs the user what they had.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from core.io import TableRead, read_table_report
from core.samples import DEFAULT_SAMPLE, sample
from core.workspace import Workspace
from ui.text import md

WORKSPACE = "workspace"
FLASH = "flash"
JOB = "training_job"  # the session's neural-network training, if any (ui.training.Job)
KEPT = "kept_widgets"  # keys of the widgets whose values last for the session (see keep)


@st.cache_data(max_entries=16, show_spinner=False)
def read_sample(key: str) -> TableRead:
    return read_table_report(sample(key).path)


def init() -> None:
    """Session defaults: open on the default sample so a first visit shows data at once."""
    if WORKSPACE not in st.session_state:
        st.session_state[WORKSPACE] = sample_workspace(DEFAULT_SAMPLE)
    restore_kept()


def keep(key: str, default: Any) -> str:
    """The key of a widget whose value lasts for the session, across page switches; returns ``key``.

    Streamlit forgets a widget's value at the end of every run that does not draw the widget, so
    switching pages would reset every choice. ``restore_kept`` re-assigns the kept keys at the start
    of every run (from ``init``, which app.py and every page call first), which makes them session
    values that outlive such runs: Streamlit's documented pattern. The default is set here, once, so
    the widget is drawn without ``value=``/``index=`` (giving both makes Streamlit warn). Only widgets
    that accept values from the session may be kept (no buttons, file uploaders or data editors).
    """
    st.session_state.setdefault(KEPT, set()).add(key)
    if key not in st.session_state:
        st.session_state[key] = default
    return key


def restore_kept() -> None:
    """Carry the kept widgets' values into this run, whichever page draws (or does not draw) them."""
    for key in st.session_state.get(KEPT, ()):
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def leave_legacy_navigation() -> None:
    """Run the page through app.py's navigation, also on a server's very first run.

    With a ``pages/`` folder beside the main script, Streamlit runs its first script run in the
    folder-based navigation of old (every file a page, no sections, app.py skipped) and keeps to it
    until some run calls ``st.navigation``. A first visitor arriving on a page's address would
    leave the whole server in that mode; this rerun hands the page to app.py instead.

    Streamlit (1.67) has no public switch for this: ``client.showSidebarNavigation = false`` only
    hides the folder's menu (the page still runs without app.py), and ``st.navigation`` leaves the
    folder mode only once some run has called it, which a first run on a page's address never does.
    The documented way out, renaming the folder, would break the project's layout; hence the flag.
    """
    from streamlit import config
    from streamlit.runtime.pages_manager import PagesManager

    if getattr(PagesManager, "uses_pages_directory", False) and not config.get_option("global.appTest"):
        PagesManager.uses_pages_directory = False  # (AppTest runs pages this way on purpose: left alone)
        st.rerun()


def workspace() -> Workspace:
    """The session's workspace (every page starts here)."""
    leave_legacy_navigation()
    init()
    return st.session_state[WORKSPACE]


def sample_workspace(key: str) -> Workspace:
    spec = sample(key)
    read = read_sample(key)
    ws = Workspace(read.frame.copy(), name=spec.key, source=f"sample:{key}", notices=read.notices,
                   origin=f"Bundled sample: {spec.title}. {spec.teaches}")
    ws.set_schema(ws.schema.with_target(spec.target))
    return ws


PENDING = "pending_workspace"  # (workspace, message, title): a table waiting for the user to confirm the loss


def use(ws: Workspace, message: str, *, title: str) -> None:
    """Make ``ws`` (called ``title``) the session's workspace and say so (a training on the old table is stopped).

    When that would forget runs or an imputed table, nothing is replaced yet: ``ws`` waits until the
    user answers :func:`pending_question` with :func:`confirm_pending` or :func:`cancel_pending`.
    """
    current = st.session_state.get(WORKSPACE)
    if current is not None and (current.runs or current.imputed is not None):
        st.session_state[PENDING] = (ws, message, title)
        return
    _replace(ws, message)


def _replace(ws: Workspace, message: str) -> None:
    st.session_state.pop(PENDING, None)
    stop_training()
    st.session_state[WORKSPACE] = ws
    flash("success", message)


def pending_question() -> str | None:
    """The question to ask before a waiting table replaces the current one (markdown), or None."""
    waiting, current = st.session_state.get(PENDING), st.session_state.get(WORKSPACE)
    if waiting is None or current is None:
        return None
    lost = [f"{len(current.runs)} run{'s' if len(current.runs) != 1 else ''}"] if current.runs else []
    if current.imputed is not None:
        lost.append("the imputed table")
    job = st.session_state.get(JOB)
    stops = " and stops the training in progress" if job is not None and job.running else ""
    return f"Load {md(waiting[2])}? This forgets {' and '.join(lost) or 'nothing'}{stops}."


def ask_pending(page: str, key: str, *, yes: str = "Yes, use it", on_cancel=None) -> None:
    """Ask :func:`pending_question`, when there is one, with a confirm and a cancel button keyed ``key_yes`` and
    ``key_no``; confirming starts a new action on ``page``."""
    question = pending_question()
    if not question:
        return

    def confirm() -> None:
        new_action(page)
        confirm_pending()

    with st.container(border=True):
        st.warning(question, icon=":material/warning:")
        left, right, _ = st.columns([1, 1, 4])
        left.button(yes, type="primary", key=key + "_yes", on_click=confirm)
        right.button("Cancel", key=key + "_no", on_click=on_cancel or cancel_pending)


def confirm_pending() -> None:
    """Replace the current workspace with the one waiting for an answer."""
    waiting = st.session_state.get(PENDING)
    if waiting is not None:
        _replace(*waiting[:2])


def cancel_pending() -> None:
    """Keep the current workspace; the waiting one is dropped."""
    st.session_state.pop(PENDING, None)


def new_action(page: str) -> None:
    """A user action starts on ``page``: the messages of the previous action are cleared."""
    st.session_state[FLASH] = {"page": page, "messages": []}


def flash(level: str, message: str, detail: str | None = None) -> None:
    """Record a message about the current action (from a callback, before the page is drawn).

    Messages stay on their page until the next action, so a rerun the browser triggers on its
    own (a file uploader sends two) does not wipe a sentence the user has not read yet.
    """
    st.session_state.setdefault(FLASH, {"page": None, "messages": []})["messages"].append((level, message, detail))


def show_flash(page: str) -> None:
    """Draw the messages of the last action, if it happened on ``page``."""
    queued = st.session_state.get(FLASH) or {}
    if queued.get("page") not in (page, None):
        return
    for level, message, detail in queued.get("messages", []):
        if level == "success":
            st.success(message, icon=":material/check_circle:")
        elif level == "info":
            st.info(message, icon=":material/info:")
        else:
            st.error(message, icon=":material/error:")
            if detail:
                with st.expander("Technical details"):
                    st.code(detail, language=None)


def reset() -> None:
    """Forget everything this session loaded, imputed and generated (and stop a training)."""
    stop_training()
    st.session_state.clear()


def stop_training() -> None:
    job = st.session_state.get(JOB)
    if job is not None:
        job.monitor.stop.set()
