"""Data page: load a table (a bundled sample or an upload), look at it, and settle its schema."""

import streamlit as st

from core.bundle import load_session, save_session
from core.io import SUPPORTED_SUFFIXES, read_table_report
from core.samples import SAMPLES
from core.schema import KIND_HELP, KINDS, LABELS, NUMERIC, infer_schema
from core.workspace import Workspace
from ui import cache, sidebar, state
from ui.errors import captured, chart, guarded
from ui.text import file_stem, md, md_list, safe_preview

PAGE = "data"
PREVIEW_ROWS = 1_000
PAGE_COLUMNS = 100  # a wide table is previewed and profiled this many columns at a time
PROFILE_PAGE = "profile_page"
SAMPLE_CHOICE = "sample_choice"
UPLOAD = "upload"
SHEET_CHOICE = "sheet_choice"
UPLOAD_SHEETS = "upload_sheets"


# --------------------------------------------------------------------------- callbacks


def load_sample() -> None:
    key = st.session_state.get(SAMPLE_CHOICE)
    if key is None:
        return
    state.new_action(PAGE)
    ws = captured("loading the sample", state.sample_workspace, key)
    if ws is not None:
        state.use(ws, f"Loaded the sample '{md(SAMPLES[key].title)}'.", title=f"the sample '{SAMPLES[key].title}'")


def load_upload(sheet: str | None = None) -> None:
    uploaded = st.session_state.get(UPLOAD)
    if uploaded is None:  # the file was removed from the uploader: keep the current dataset
        return
    state.new_action(PAGE)
    read = captured("reading the file", read_table_report, uploaded, sheet=sheet)
    if read is None:
        st.session_state[SHEET_CHOICE] = st.session_state.get("loaded_sheet")
        return
    ws = captured("preparing the table", Workspace, read.frame, name=uploaded.name,
                  source=f"upload:{uploaded.name}", notices=read.notices,
                  origin=f"Uploaded file {uploaded.name}: {read.describe()}.")
    if ws is None:
        return
    st.session_state[UPLOAD_SHEETS] = read.sheets
    st.session_state[SHEET_CHOICE] = st.session_state["loaded_sheet"] = read.sheet
    st.session_state[SAMPLE_CHOICE] = None
    state.use(ws, f"Loaded '{md(uploaded.name)}': {len(read.frame):,} rows × {read.frame.shape[1]:,} columns.",
              title=f"'{uploaded.name}'")


SESSION_FILE = "session_file"  # (fingerprint, number of runs, the bytes) of the session file prepared last
SESSION_UPLOAD = "session_upload"


def prepare_session_file() -> None:
    state.new_action(PAGE)
    ws = state.workspace()
    data = captured("saving the session", save_session, ws)
    if data is not None:
        st.session_state[SESSION_FILE] = (ws.fingerprint, len(ws.runs), data)


def restore_session() -> None:
    uploaded = st.session_state.get(SESSION_UPLOAD)
    if uploaded is None:
        return
    state.new_action(PAGE)
    restored = captured("restoring the session", load_session, uploaded.getvalue())
    if restored is None:
        return
    ws, notices = restored
    for notice in notices:
        state.flash("info", md(notice))
    st.session_state[SAMPLE_CHOICE] = None
    state.use(ws, f"Restored the session '{md(ws.name)}' from '{md(uploaded.name)}': {len(ws.raw):,} rows, "
                  f"{len(ws.runs)} run{'s' if len(ws.runs) != 1 else ''}, working table {ws.working_label}.",
              title=f"the session in '{uploaded.name}'")


def session_panel(ws: Workspace) -> None:
    """Save the whole session to one file, or restore one: nothing is lost to a reload."""
    with st.expander("Save or restore the whole session"):
        st.caption("One file holds the table, the column kinds you chose, the held-out rows, the imputed table and "
                   "every run with its settings and trained network (JSON, Parquet and safetensors inside a zip; "
                   "nothing in it is code). Restore it after a reload or on another machine.")
        left, right = st.columns(2, gap="large")
        prepared = st.session_state.get(SESSION_FILE)
        left.button("Prepare the session file", key="session_prepare", icon=":material/inventory_2:",
                    on_click=prepare_session_file)
        if prepared is not None and prepared[:2] == (ws.fingerprint, len(ws.runs)):
            left.download_button("Download the session", prepared[2], f"synthlab-session-{file_stem(ws.name)}.zip",
                                 mime="application/zip", key="session_download", icon=":material/download:")
        right.file_uploader("Restore a session", type=["zip"], key=SESSION_UPLOAD, on_change=restore_session,
                            help="A file made with 'Prepare the session file'. It replaces the current session "
                                 "(asking first when that would forget runs or an imputed table).")


def cancel_load() -> None:
    """Keep the current table; the sample box goes back to it."""
    state.cancel_pending()
    source = state.workspace().source
    st.session_state[SAMPLE_CHOICE] = source.removeprefix("sample:") if source.startswith("sample:") else None


def change_schema(describe: str, make_schema) -> None:
    """Apply a schema change; on a bad change, say why and keep the old schema."""
    state.new_action(PAGE)
    ws = state.workspace()

    def apply() -> bool:
        return ws.set_schema(make_schema(ws.schema))

    dropped = captured("changing the schema", apply)
    if dropped is not None:
        state.flash("success", describe)
    if dropped:
        state.flash("info", "The imputed table was dropped because column kinds changed; "
                            "impute again if you need it.")


def _current(fingerprint: str) -> bool:
    """False for a callback of a widget that belongs to a table no longer loaded.

    A rerun can deliver a stale widget's value just after a new table replaced the old one;
    such a change is for the old table and must not touch the new one.
    """
    return state.workspace().fingerprint == fingerprint


def set_kind(fingerprint: str, column: str, key: str) -> None:
    schema = state.workspace().schema
    kind = st.session_state.get(key)
    if not _current(fingerprint) or column not in schema.kinds or kind == schema.kinds[column]:
        return
    old = schema.kinds[column]
    change_schema(f"'{md(column)}' is now {kind} (was {old}).", lambda s: s.with_kind(column, kind))


def set_target(fingerprint: str, key: str) -> None:
    target = st.session_state.get(key)
    if not _current(fingerprint) or target == state.workspace().schema.target:
        return
    text = f"Target column: '{md(target)}'." if target else "No target column."
    change_schema(text, lambda s: s.with_target(target))


def set_excluded(fingerprint: str, key: str) -> None:
    excluded = list(st.session_state.get(key) or [])
    if not _current(fingerprint) or set(excluded) == set(state.workspace().schema.excluded):
        return
    text = (f"Left out of synthesis: {md_list(excluded)}." if excluded
            else "Every column takes part in synthesis.")
    change_schema(text, lambda s: s.with_excluded(excluded))


def undo_kinds() -> None:
    ws = state.workspace()

    def inferred(s):
        fresh = infer_schema(ws.raw)
        return fresh.with_target(s.target if s.target and fresh.kinds[s.target] in (*NUMERIC, *LABELS) else None)

    change_schema("Column kinds are back to the inferred ones.", inferred)


# --------------------------------------------------------------------------- page


def render() -> None:
    ws = state.workspace()
    sidebar.render(ws)
    st.title("Load data")
    st.markdown(
        "Start from a bundled sample or upload your own table. SynthLab works out what kind of values "
        "each column holds and says why; check its reasoning and correct it where it guessed wrong, "
        "because every later step (imputation, synthesis, scores) treats a column by its kind.")
    state.show_flash(PAGE)
    state.ask_pending(PAGE, "load", yes="Yes, load it", on_cancel=cancel_load)

    left, right = st.columns(2, gap="large")
    with left:
        st.subheader("A bundled sample")
        st.session_state.setdefault(SAMPLE_CHOICE, ws.source.removeprefix("sample:")
                                    if ws.source.startswith("sample:") else None)
        choice = st.selectbox("Sample dataset", list(SAMPLES), key=SAMPLE_CHOICE, on_change=load_sample,
                              format_func=lambda k: SAMPLES[k].title, placeholder="Choose a sample…",
                              help="Picking a sample loads it and replaces the current table (asking first when "
                                   "that would forget runs or an imputed table).")
        if choice:
            st.caption(f"{SAMPLES[choice].teaches} Target: **{SAMPLES[choice].target or 'none'}**.")
    with right:
        st.subheader("Your own file")
        st.file_uploader(
            "Upload a table", type=[s.lstrip(".") for s in SUPPORTED_SUFFIXES], key=UPLOAD,
            on_change=load_upload,
            help="CSV, TSV or TXT (delimiter, encoding and decimal comma are detected), Excel .xlsx, "
                 "Parquet or JSON records; up to 200 MB. A file that can't be read leaves the current "
                 "table in place.")
        sheets = st.session_state.get(UPLOAD_SHEETS) or []
        if ws.source.startswith("upload:") and len(sheets) > 1:
            st.selectbox("Sheet", sheets, key=SHEET_CHOICE,
                         on_change=lambda: load_upload(st.session_state[SHEET_CHOICE]))

    session_panel(ws)

    columns = list(ws.real.columns)
    summary = guarded("summarising the table", cache.table_summary, ws)
    st.header(md(ws.name), divider="gray")
    if ws.origin:
        st.caption(md(ws.origin))
    if summary is not None:
        metrics = st.columns(5)
        metrics[0].metric("Rows", f"{summary.rows:,}")
        metrics[1].metric("Columns", f"{summary.columns:,}")
        metrics[2].metric("Missing cells", f"{summary.missing_share:.1%}", help=f"{summary.missing_cells:,} cells")
        metrics[3].metric("Memory", f"{summary.memory_bytes / 2**20:,.1f} MB")
        metrics[4].metric("Held out for scoring", f"{int(ws.holdout_mask.sum()):,} rows",
                          help="A seeded 20% of the real rows is set aside now and never used to fit anything; "
                               "utility and privacy scores test synthetic data against these rows.")
    for notice in ws.notices:
        st.info(md(notice), icon=":material/info:")

    st.subheader("Preview")
    safe_preview(ws.real.iloc[:PREVIEW_ROWS, :PAGE_COLUMNS], height=280)
    shown_rows = (f"The first {PREVIEW_ROWS:,} of {len(ws.real):,} rows" if len(ws.real) > PREVIEW_ROWS else "")
    shown_columns = (f"the first {PAGE_COLUMNS:,} of {len(columns):,} columns" if len(columns) > PAGE_COLUMNS else "")
    if shown_rows or shown_columns:
        st.caption(" and ".join(filter(None, [shown_rows, shown_columns])).capitalize()
                   + ("; pick any column below to inspect it." if shown_columns else "."))

    st.subheader("Columns")
    st.caption("One row per column: the kind SynthLab uses and why, how much is missing, the number of "
               "distinct values, a summary and the shape of the distribution (a histogram for numbers and "
               "dates, the most common values for labels). Flags point at columns that need a decision.")
    pages = range(1, (len(columns) - 1) // PAGE_COLUMNS + 2)
    page = 1
    if len(pages) > 1:
        if st.session_state.get(PROFILE_PAGE) not in pages:
            st.session_state[PROFILE_PAGE] = 1
        page = st.selectbox(
            "Columns shown", pages, key=PROFILE_PAGE,
            format_func=lambda p: f"{(p - 1) * PAGE_COLUMNS + 1:,}-{min(p * PAGE_COLUMNS, len(columns)):,}",
            help="A wide table is profiled a page of columns at a time, so the page stays quick.")
        st.caption(f"Columns {(page - 1) * PAGE_COLUMNS + 1:,}-{min(page * PAGE_COLUMNS, len(columns)):,} of "
                   f"{len(columns):,} columns; choose another range above.")
    profiled = guarded("profiling the columns", cache.table_profile, ws,
                       columns[(page - 1) * PAGE_COLUMNS:page * PAGE_COLUMNS])
    if profiled is not None:
        safe_preview(
            profiled, hide_index=True, width="stretch",
            column_config={
                "column": st.column_config.TextColumn("Column", pinned=True),
                "kind": st.column_config.TextColumn("Kind"),
                "reason": st.column_config.TextColumn("Why this kind", width="large",
                                                      help="Why the column was read as its kind; the column's "
                                                           "detail below gives it whole."),
                "missing %": st.column_config.ProgressColumn("Missing", format="%.1f%%", min_value=0, max_value=100),
                "unique": st.column_config.NumberColumn("Distinct", format="%d"),
                "summary": st.column_config.TextColumn("Summary", width="medium"),
                "distribution": st.column_config.BarChartColumn("Distribution", width="small", y_min=0),
                "flags": st.column_config.TextColumn("Flags", width="medium"),
            })

    st.subheader("Inspect and correct a column")
    if st.session_state.get("inspect_column") not in columns:
        st.session_state["inspect_column"] = columns[0]
    column = st.selectbox("Column", columns, key="inspect_column")
    kind_key = f"kind::{ws.fingerprint}::{column}"
    st.session_state[kind_key] = ws.schema.kinds[column]
    info, plot = st.columns([2, 3], gap="large")
    with info.container(key="column_detail"):
        st.selectbox("Kind", KINDS, key=kind_key, on_change=set_kind, args=(ws.fingerprint, column, kind_key),
                     help="Change it when the guess is wrong; the profile, the chart and every later step "
                          "follow the kind you set.")
        st.caption(f"{ws.schema.kinds[column]}: {KIND_HELP[ws.schema.kinds[column]]}")
        inferred = ws.schema.inferred.get(column)
        if inferred and inferred != ws.schema.kinds[column]:
            st.markdown(f"You set **{ws.schema.kinds[column]}**; SynthLab had inferred **{inferred}** "
                        f"({md(ws.schema.reasons[column])}).")
        else:
            st.markdown(f"Inferred: {md(ws.schema.reasons.get(column, ''))}.")
        detail = guarded("profiling the column", cache.table_profile, ws, [column])
        if detail is not None:
            row = detail.iloc[0]
            st.markdown(f"- Missing: **{row['missing %']:.1f}%**\n- Distinct values: **{row['unique']:,}**\n"
                        + (f"- {md(row['summary'])}\n" if row["summary"] else "")
                        + (f"- Flags: {md(row['flags'])}\n" if row["flags"] else ""))
        st.button("Undo all kind changes", on_click=undo_kinds, disabled=not ws.schema.overrides,
                  icon=":material/undo:")
    with plot:
        chart("drawing the column", cache.column_figure, ws, column, key=f"chart::{ws.fingerprint}::{column}")

    st.subheader("Target and columns to synthesise")
    st.caption("The target is the column a model should predict: oversampling balances its classes and "
               "utility scores test how well synthetic data predict it. Identifiers and free text are left "
               "out of synthesis by default, because a synthetic row should never carry a real one's id.")
    target_left, target_right = st.columns(2, gap="large")
    with target_left:
        eligible = [None, *ws.schema.columns_of(*NUMERIC, *LABELS, among=list(ws.schema.kinds))]
        target_key = f"target::{ws.fingerprint}"
        st.session_state[target_key] = ws.schema.target
        st.selectbox("Target column (optional)", eligible, key=target_key, on_change=set_target,
                     args=(ws.fingerprint, target_key), format_func=lambda c: "none" if c is None else str(c),
                     placeholder="none")
    with target_right:
        excluded_key = f"excluded::{ws.fingerprint}"
        st.session_state[excluded_key] = list(ws.schema.excluded)
        st.multiselect("Leave out of synthesis", columns, key=excluded_key, on_change=set_excluded,
                       args=(ws.fingerprint, excluded_key), placeholder="every column takes part")

    with st.expander("What the column kinds mean"):
        st.markdown("\n".join(f"- **{k}**: {KIND_HELP[k]}" for k in KINDS))


render()
