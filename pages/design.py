"""Design from scratch: declare columns, a target correlation, derived columns and rules; preview; generate.

The scenario being edited is plain JSON data in the session (``DRAFT``). Every run draws its widgets
from it, writes what they hold back into it and checks it with ``core.design.load_scenario``, so what
is previewed, downloaded and generated is exactly what is on screen. Widget keys carry the draft's
``VERSION``: loading a worked scenario or a file starts fresh widgets.
"""

import copy
import datetime as dt
import json

import pandas as pd
import streamlit as st

from core import plots
from core.design import (
    FAMILIES,
    KINDS,
    METHODS,
    MONTHS,
    WEEKDAYS,
    correlation_check,
    design,
    load_scenario,
    worked_scenarios,
)
from core.design.scenario import MAX_JSON
from core.errors import ParameterError
from core.workspace import Workspace
from ui import sidebar, state
from ui.errors import captured, chart, guarded
from ui.params import edit_matrix, sentence
from ui.text import md, safe_preview

PAGE = "design"
DRAFT = "design_draft"
VERSION = "design_version"
CHOSEN = "design_column"
START = "design_start"
UPLOAD = "design_upload"
PREVIEW_ROWS = 500
EMPTY = "empty"
EMPTY_SCENARIO = {"version": 1, "name": "My scenario", "description": "", "rows": 1000, "seed": 0,
                  "columns": [{"name": "x", "kind": "continuous",
                               "distribution": {"family": "normal", "params": {"mean": 0.0, "sd": 1.0}}}],
                  "derived": [], "rules": []}
METHOD_HELP = {"copula": "Gaussian copula: each column's value is its inverse CDF at Φ(z) of correlated normal "
                         "scores z.",
               "cholesky": "Cholesky reordering (Iman-Conover): each column is drawn on its own, then its values "
                           "are reordered to follow the ranks of correlated normal scores."}


@st.cache_data(max_entries=4, show_spinner=False)
def worked() -> dict:
    return {key: s.to_dict() for key, s in worked_scenarios().items()}


@st.cache_data(max_entries=32, show_spinner="Drawing a preview…")
def preview(text: str, seed: int):
    """A small sample of the scenario (its JSON and seed are the cache key)."""
    scenario = load_scenario(text)
    return design(scenario, min(PREVIEW_ROWS, scenario.rows), rng=seed)


# --------------------------------------------------------------------------- callbacks


def _replace_draft(data: dict) -> None:
    st.session_state[DRAFT] = copy.deepcopy(data)
    st.session_state[VERSION] = st.session_state.get(VERSION, 0) + 1
    st.session_state[CHOSEN] = 0


def start_from() -> None:
    state.new_action(PAGE)
    key = st.session_state.get(START)
    _replace_draft(EMPTY_SCENARIO if key == EMPTY else worked()[key])
    state.flash("success", "Started from " + ("an empty scenario." if key == EMPTY
                                               else f"the worked scenario '{md(worked()[key]['name'])}'."))


def upload_scenario() -> None:
    uploaded = st.session_state.get(UPLOAD)
    if uploaded is None:
        return
    state.new_action(PAGE)
    if uploaded.size > MAX_JSON:
        state.flash("error", f"'{md(uploaded.name)}' is larger than {MAX_JSON:,} bytes; a scenario is much smaller.")
        return

    def read() -> dict:
        try:
            text = uploaded.getvalue().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ParameterError("The scenario file is not UTF-8 text.") from None
        return load_scenario(text).to_dict()

    data = captured("reading the scenario", read)
    if data is not None:
        _replace_draft(data)
        state.flash("success", f"Loaded the scenario '{md(data['name'])}' from '{md(uploaded.name)}'.")


def add_column() -> None:
    columns = st.session_state[DRAFT]["columns"]
    names = {c.get("name") for c in columns}
    name = next(f"column_{i}" for i in range(1, len(columns) + 2) if f"column_{i}" not in names)
    columns.append({"name": name, "kind": "continuous",
                    "distribution": {"family": "normal", "params": {"mean": 0.0, "sd": 1.0}}})
    st.session_state[VERSION] += 1
    st.session_state[CHOSEN] = len(columns) - 1


def remove_column(index: int) -> None:
    draft = st.session_state[DRAFT]
    name = draft["columns"].pop(index).get("name")
    correlation = draft.get("correlation")
    if correlation and name in correlation["columns"]:
        keep = [i for i, c in enumerate(correlation["columns"]) if c != name]
        correlation["columns"] = [correlation["columns"][i] for i in keep]
        correlation["matrix"] = [[correlation["matrix"][i][j] for j in keep] for i in keep]
    st.session_state[VERSION] += 1
    st.session_state[CHOSEN] = 0


# --------------------------------------------------------------------------- the column editor


def _default_source(kind: str) -> dict:
    if kind in ("continuous", "integer"):
        return {"distribution": {"family": "normal", "params": {"mean": 0.0, "sd": 1.0}}}
    if kind == "categorical":
        return {"categories": {"a": 0.5, "b": 0.5}}
    if kind == "binary":
        return {"p": 0.5}
    return {"dates": {"start": "2024-01-01", "end": "2024-12-31"}}


def _number(label: str, value, key: str, help: str | None = None, container=st):
    return container.number_input(label, value=None if value is None else float(value), key=key, help=help,
                                  format="%.6g", placeholder="none")


def column_editor(spec: dict, key: str) -> dict:
    """Widgets for one column's declaration; returns the declaration they hold."""
    left, right = st.columns([1, 1])
    name = left.text_input("Name", spec.get("name", ""), key=f"{key}_name", max_chars=100)
    kinds = list(KINDS)
    kind = right.selectbox("Kind", kinds, index=kinds.index(spec["kind"]) if spec.get("kind") in kinds else 0,
                           key=f"{key}_kind", help="What the values are: numbers (continuous or whole), labels "
                                                   "with shares, 0/1, or dates.")
    out = {"name": name, "kind": kind}
    if kind != spec.get("kind"):
        return out | _default_source(kind)
    if kind in ("continuous", "integer"):
        sources = ["A distribution family", "A histogram"]
        source = st.radio("Declared by", sources, index=1 if "histogram" in spec else 0, key=f"{key}_source",
                          horizontal=True)
        if source == sources[1]:
            h = spec.get("histogram") or {"edges": [0.0, 1.0, 2.0], "weights": [1.0, 1.0]}
            edges = st.text_input("Bin edges", ", ".join(f"{v:g}" for v in h["edges"]), key=f"{key}_edges",
                                  help="Increasing numbers separated by commas; values are uniform within a bin.")
            weights = st.text_input("Weights", ", ".join(f"{v:g}" for v in h["weights"]), key=f"{key}_weights",
                                    help="One per bin (one fewer than the edges): the bin's share, in any units.")
            return out | {"histogram": {"edges": _numbers(edges), "weights": _numbers(weights)}}
        d = spec.get("distribution") or _default_source(kind)["distribution"]
        families = list(FAMILIES)
        family = st.selectbox("Family (scipy.stats)", families, index=families.index(d["family"])
                              if d.get("family") in families else 0, key=f"{key}_family",
                              format_func=lambda f: FAMILIES[f].title)
        params = {}
        boxes = st.columns(len(FAMILIES[family].params))
        for box, param in zip(boxes, FAMILIES[family].params, strict=True):
            value = d.get("params", {}).get(param.name, param.default) if family == d.get("family") else param.default
            params[param.name] = _number(param.name, value, f"{key}_{family}_{param.name}", param.help, box)
        low, high = (spec.get("bounds") or [None, None])
        lo_box, hi_box = st.columns(2)
        bounds = [_number("Lower bound", low, f"{key}_low", "Values below are never drawn (truncation). "
                          "Empty: none.", lo_box),
                  _number("Upper bound", high, f"{key}_high", "Values above are never drawn. Empty: none.", hi_box)]
        out["distribution"] = {"family": family, "params": params}
        if bounds != [None, None]:
            out["bounds"] = bounds
        return out
    if kind == "categorical":
        table = _base(f"{key}_categories", pd.DataFrame({"category": list(spec["categories"]),
                                                         "share": list(spec["categories"].values())}))
        edited = st.data_editor(table, num_rows="dynamic", key=f"{key}_categories", hide_index=True,
                                column_config={"category": st.column_config.TextColumn("Category", required=True),
                                               "share": st.column_config.NumberColumn("Share", min_value=0.0,
                                                                                      required=True)})
        rows = edited.dropna(subset=["category"])
        return out | {"categories": {str(c): (float(s) if pd.notna(s) else 0.0)
                                     for c, s in zip(rows["category"], rows["share"], strict=True)}}
    if kind == "binary":
        return out | {"p": st.slider("Share of ones", 0.0, 1.0, float(spec["p"]), 0.01, key=f"{key}_p")}
    d = spec["dates"]
    a, b = st.columns(2)
    start = a.date_input("From", dt.date.fromisoformat(d["start"]), key=f"{key}_start",
                         min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31))
    end = b.date_input("To", dt.date.fromisoformat(d["end"]), key=f"{key}_end",
                       min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31))
    dates = {"start": start.isoformat(), "end": end.isoformat()}
    st.caption("Seasonality: a day's weight is its weekday's weight times its month's (1 everywhere: no season).")
    for field, labels in (("weekly", WEEKDAYS), ("yearly", MONTHS)):
        grid = _base(f"{key}_{field}", pd.DataFrame([d.get(field) or [1.0] * len(labels)], columns=list(labels)))
        edited = st.data_editor(grid, key=f"{key}_{field}", hide_index=True,
                                column_config={c: st.column_config.NumberColumn(c, min_value=0.0) for c in labels})
        weights = [float(v) if pd.notna(v) else 0.0 for v in edited.iloc[0]]
        if any(w != 1.0 for w in weights):
            dates[field] = weights
    return out | {"dates": dates}


def _base(key: str, table: pd.DataFrame) -> pd.DataFrame:
    """The table a data editor started from: its edits are kept relative to it, so it must not change under it."""
    return st.session_state.setdefault(f"{key}::base", table)


def _numbers(text: str) -> list:
    """Comma-separated numbers; a part that is not one is kept as text for the scenario check to name."""
    out = []
    for part in text.split(","):
        try:
            out.append(float(part))
        except ValueError:
            out.append(part.strip())
    return out


def describe(spec: dict) -> str:
    if "distribution" in spec:
        d = spec["distribution"]
        text = d["family"] + "(" + ", ".join(f"{k}={v:g}" for k, v in d["params"].items()
                                             if isinstance(v, (int, float))) + ")"
        bounds = spec.get("bounds")
        return text + (f" in [{'−∞' if bounds[0] is None else f'{bounds[0]:g}'}, "
                       f"{'∞' if bounds[1] is None else f'{bounds[1]:g}'}]" if bounds else "")
    if "histogram" in spec:
        return f"histogram of {len(spec['histogram']['weights'])} bins"
    if "categories" in spec:
        return ", ".join(f"{k} {v:.0%}" for k, v in list(spec["categories"].items())[:6]) + \
            (" …" if len(spec["categories"]) > 6 else "")
    if "p" in spec:
        return f"{spec['p']:.0%} ones"
    d = spec["dates"]
    seasons = [s for s in ("weekly", "yearly") if d.get(s)]
    return f"{d['start']} to {d['end']}" + (f", {' and '.join(seasons)} seasonality" if seasons else "")


# --------------------------------------------------------------------------- the correlation editor


def correlation_editor(draft: dict, version: int) -> None:
    """The columns tied together, the method and the target matrix (an edit is mirrored); written into the draft."""
    names = [c.get("name") for c in draft["columns"] if c.get("name")]
    current = draft.get("correlation") or {"method": "copula", "columns": [], "matrix": []}
    if len(names) < len(draft["columns"]) and current["columns"]:  # (a column being renamed: keep its place)
        st.caption("Give every column a name to edit the correlation; until then it stays as it was.")
        return
    chosen = st.multiselect("Columns tied together", names, default=[c for c in current["columns"] if c in names],
                            key=f"d{version}_corr_columns",
                            help="Numbers, dates, and labels (coded 0, 1, 2… in their declared order).")
    method = st.radio("How", list(METHODS), index=list(METHODS).index(current.get("method", "copula")),
                      key=f"d{version}_corr_method", horizontal=True, format_func=lambda m: METHOD_HELP[m])
    if len(chosen) < 2:
        draft.pop("correlation", None)
        st.caption("Choose two or more columns to give them a target correlation; the others are independent.")
        return
    old = pd.DataFrame(current["matrix"], index=current["columns"], columns=current["columns"]) \
        if current["columns"] else pd.DataFrame()
    matrix = pd.DataFrame([[1.0 if a == b else float(old.loc[a, b]) if a in old.index and b in old.index else 0.0
                            for b in chosen] for a in chosen], index=chosen, columns=chosen)
    edits = st.session_state.setdefault("design_corr_edits", 0)
    key = f"d{version}_corr_{edits}_{'|'.join(chosen)}"
    st.data_editor(matrix.round(3), key=key, width="stretch")
    pending = (st.session_state.get(key) or {}).get("edited_rows", {})
    try:
        edited = edit_matrix(matrix, pending)
    except ParameterError as exc:
        st.error(md(sentence(exc)), icon=":material/error:")
        edited = matrix
    draft["correlation"] = {"method": method, "columns": chosen, "matrix": edited.to_numpy().tolist()}
    if pending and not edited.equals(matrix):  # an edit: keep it, mirrored, in a fresh editor that shows it
        st.session_state["design_corr_edits"] = edits + 1
        st.rerun()


# --------------------------------------------------------------------------- page


def designed_workspace(text: str) -> Workspace:
    """The scenario's table as a workspace, each declared column with its declared kind."""
    scenario = load_scenario(text)
    made = design(scenario)
    table = made.table
    ws = Workspace(table, name=scenario.name, source=f"design:{scenario.name}",
                   origin=f"Designed from scratch: '{scenario.name}', {len(table):,} rows, seed {scenario.seed}.",
                   notices=made.notes)
    schema = ws.schema
    for column in scenario.columns:
        if schema.kinds.get(column.name) != column.kind:
            schema = schema.with_kind(column.name, column.kind)
    ws.set_schema(schema)
    return ws


def generate_and_use(text: str, seed: int, n: int) -> None:
    state.new_action(PAGE)
    with st.status(f"Generating {n:,} rows and checking the rules…", expanded=False) as status:
        ws = guarded("generating the table", designed_workspace, text)
        if ws is None:
            status.update(label="Nothing was generated.", state="error")
            return
        status.update(label="Done.", state="complete")
    scenario = load_scenario(text)
    state.use(ws, f"'{md(scenario.name)}' ({n:,} rows, seed {seed}) is now the working table: explore, synthesise "
                  "or compare it on the other pages.", title=f"the designed table '{scenario.name}'")
    st.rerun()


def render() -> None:
    ws = state.workspace()
    sidebar.render(ws)
    st.title("Design from scratch")
    st.markdown(
        "No real table? Declare one. Give each column a distribution (a scipy.stats family with its parameters, a "
        "histogram, categories with shares, or a date range with seasons), tie columns together with a target "
        "correlation, add derived columns (with random terms like `normal(0, 0.05)`) and business rules, and see "
        "a sample drawn as you edit. **Generate** makes the table the working table for the rest of the flow.")
    state.show_flash(PAGE)
    state.ask_pending(PAGE, "design")

    scenarios = worked()
    if DRAFT not in st.session_state:
        _replace_draft(next(iter(scenarios.values())) if scenarios else EMPTY_SCENARIO)
    draft, version = st.session_state[DRAFT], st.session_state[VERSION]

    start, load = st.columns([3, 2], gap="large")
    with start:
        options = [*scenarios, EMPTY]
        pick, go = st.columns([3, 1], vertical_alignment="bottom")
        pick.selectbox("Start from", options, key=START,
                       format_func=lambda k: "An empty scenario" if k == EMPTY else scenarios[k]["name"],
                       help="A worked scenario to adapt, or one column to build on. Starting replaces what you "
                            "have edited here (download it first to keep it).")
        go.button("Start", key="design_start_button", on_click=start_from, icon=":material/restart_alt:")
    with load:
        st.file_uploader("Load a scenario (JSON)", type=["json"], key=UPLOAD, on_change=upload_scenario,
                         help="A scenario saved from this page (at most 1 MB). It is read as data and checked "
                              "field by field; nothing in it is run.")

    st.header(md(draft.get("name", "")), divider="gray")
    with st.expander("Name and description"):
        draft["name"] = st.text_input("Name", draft.get("name", ""), key=f"d{version}_name", max_chars=100)
        draft["description"] = st.text_area("Description", draft.get("description", ""),
                                             key=f"d{version}_description", max_chars=2000)
    if draft.get("description"):
        st.caption(md(draft["description"]))

    st.subheader("Columns")
    columns = draft["columns"]
    overview = st.container()  # filled once the editor below has written this run's edit into the draft
    chosen = st.session_state.get(CHOSEN, 0)
    if isinstance(chosen, str):  # the widget's label, "2. age", when a rename changed it under the browser
        number = chosen.split(".", 1)[0]
        chosen = int(number) - 1 if number.isdigit() else 0
    st.session_state[CHOSEN] = chosen if isinstance(chosen, int) and 0 <= chosen < len(columns) else 0
    pick, add, remove = st.columns([3, 1, 1], vertical_alignment="bottom")
    index = pick.selectbox("Column to edit", range(len(columns)), key=CHOSEN,
                           format_func=lambda i: f"{i + 1}. {columns[i].get('name')}")
    add.button("Add a column", key="design_add", on_click=add_column, icon=":material/add:")
    remove.button("Remove it", key="design_remove", on_click=remove_column, args=(index,),
                  disabled=len(columns) < 2, icon=":material/delete:")
    with st.container(border=True):
        edit, drawn = st.columns([1, 1], gap="large")
        with edit:
            old = columns[index].get("name")
            columns[index] = column_editor(columns[index], f"d{version}_c{index}")
    if columns[index]["name"] != old:  # a rename: the correlation follows it, and the widgets start afresh
        correlation = draft.get("correlation") or {"columns": []}
        correlation["columns"] = [columns[index]["name"] if c == old else c for c in correlation["columns"]]
        st.session_state[VERSION] += 1
        st.rerun()
    safe_preview(pd.DataFrame({"column": [c.get("name") for c in columns], "kind": [c.get("kind") for c in columns],
                               "declared as": [guarded("describing the column", describe, c) or "" for c in columns]}),
                 overview, hide_index=True, width="stretch")

    scenario = None
    try:
        scenario = load_scenario(json.dumps(draft))
    except ParameterError as exc:
        problem = exc
    with drawn:
        if scenario is not None:
            column = scenario.columns[index]
            chart("drawing the declared distribution", plots.declared_marginal, column.name, *column.declared(),
                  key=f"declared_{version}_{index}")
            st.caption("The declared distribution, as you edit it.")

    st.subheader("Correlation")
    st.caption("A target correlation between columns, on their normal scores (the correlation a Gaussian copula "
               "carries; for normal columns it is the ordinary correlation). A matrix that no data can have is "
               "repaired to the nearest valid one, with a notice. Edit a cell; its mirror image follows.")
    correlation_editor(draft, version)

    st.subheader("Derived columns and business rules")
    left, right = st.columns(2, gap="large")
    draft["derived"] = [line for line in left.text_area(
        "Derived columns, one per line", "\n".join(draft.get("derived", [])), key=f"d{version}_derived", height=110,
        help="name = expression, computed in order after the draw. Besides arithmetic and abs, round, log, exp, "
             "sqrt, min, max: random terms normal(mean, sd), uniform(low, high), poisson(mean), choice(\"a\", "
             "\"b\"), one draw per row.").splitlines() if line.strip()]
    draft["rules"] = [line for line in right.text_area(
        "Business rules, one per line", "\n".join(draft.get("rules", [])), key=f"d{version}_rules", height=110,
        help="Conditions every row must meet, like age >= 18; rows that break one are drawn again.").splitlines()
        if line.strip()]

    st.subheader("Rows, seed and generate")
    rows_box, seed_box = st.columns(2, gap="large")
    draft["rows"] = rows_box.number_input("Rows to generate", value=int(draft.get("rows", 1000)), step=100,
                                          key=f"d{version}_rows")
    draft["seed"] = seed_box.number_input("Seed", value=int(draft.get("seed", 0)), step=1, key=f"d{version}_seed",
                                          help="The same seed gives the same table.")

    try:
        scenario = load_scenario(json.dumps(draft))
    except ParameterError as exc:
        scenario, problem = None, exc
    if scenario is None:
        st.error(md(sentence(problem)), icon=":material/error:")
        return
    for notice in scenario.notices:
        st.info(md(notice), icon=":material/info:")

    text = scenario.to_json()
    save, use = st.columns(2, gap="large")
    if use.button(f"Generate {scenario.rows:,} rows and use them", type="primary", key="design_generate",
                  icon=":material/play_arrow:",
                  help="Draws the table with this seed and makes it the working table (asking first when that would "
                       "forget runs or an imputed table)."):
        generate_and_use(text, scenario.seed, scenario.rows)
    save.download_button("Download the scenario (JSON)", text, file_name="scenario.json", mime="application/json",
                         key="design_download", icon=":material/download:",
                         help="Load it here again later (or share it): the same scenario and seed give the same table.")
    st.subheader(f"Preview: {min(PREVIEW_ROWS, scenario.rows):,} rows")
    sample = guarded("drawing the preview", preview, text, scenario.seed)
    if sample is not None:
        st.caption("Bars: a small sample drawn from the scenario as it stands; diamonds and lines: what you declared. "
                   "They should agree up to sampling noise; rules that reject many rows shift them.")
        grid = st.columns(3)
        for i, column in enumerate(scenario.columns):
            with grid[i % 3]:
                chart("drawing the column", plots.declared_marginal, column.name, *column.declared(),
                      sample.table[column.name], key=f"preview_{i}")
        if scenario.correlated:
            target, achieved = correlation_check(scenario, sample.table)
            chart("drawing the correlations", plots.correlation_panels,
                  {"target (as used)": target, "achieved in the sample": achieved}, key="preview_correlation")
        for report in sample.rule_report:
            st.caption(f"Rule {md(report.rule)}: rejected {report.share:.1%} of the rows drawn.")
        for note in sample.notes:
            st.warning(md(note), icon=":material/warning:")
        safe_preview(sample.table.head(20), hide_index=True, height=250)



render()
