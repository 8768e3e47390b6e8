"""Imputation page: fill the holes with a suitable method, see what it changed, find which method suits."""

import pandas as pd
import streamlit as st

from core import plots
from core.impute import IMPUTERS
from core.impute.base import predictor_columns
from core.impute.plan import Step, columns_with_holes, plan_for, plan_notes
from core.impute.rubin import MODELS, random_methods, suggest_predictors
from core.missing import MECHANISMS
from core.schema import LABELS, NUMERIC, without_infinities
from ui import cache, sidebar, state
from ui.errors import captured, chart, guarded
from ui.params import param_widgets, read_params
from ui.text import md, md_list, safe_preview

PAGE = "impute"
RESULT = "imputed_preview"


def use_table() -> None:
    state.new_action(PAGE)
    result = st.session_state.get(RESULT)
    ws = state.workspace()
    if not result or result["fingerprint"] != ws.fingerprint:
        return

    def apply() -> bool:
        ws.set_imputed(result["table"], result["label"], plan=result["steps"])
        return True

    if captured("using the imputed table", apply):
        state.flash("success", f"The working table is now the one imputed with {result['label']}. Synthesis will "
                               "use it; the original stays and can be restored here.")


def restore() -> None:
    state.new_action(PAGE)
    if captured("restoring the original", lambda: state.workspace().restore_original() or True):
        state.flash("success", "The working table is the original again.")


def rule_note(done, rules: list[str]) -> None:
    """What the imputers reported, and what the rules made of the imputed table."""
    for notice in done.notices:
        st.info(md(notice), icon=":material/info:")
    if not rules:
        return
    parts = [f"Imputed under {len(rules)} rule(s): " + "; ".join(f"`{md(r)}`" for r in rules) + "."]
    if done.redrawn:
        parts.append(f"{done.redrawn:,} row(s) had their imputed values drawn again because they broke a rule.")
    if done.broken_before:
        parts.append(f"{len(done.broken_before):,} row(s) already broke a rule in their observed values; they were "
                     "left as they are.")
    if done.unrepaired:
        st.warning(" ".join(parts) + f" {len(done.unrepaired):,} row(s) still break a rule after every redraw "
                   "(a method that draws nothing at random imputes the same value again, so it cannot be redrawn): "
                   "rows " + ", ".join(md(r) for r in done.unrepaired[:20])
                   + (" …" if len(done.unrepaired) > 20 else "") + ".", icon=":material/warning:")
    else:
        st.success(" ".join(parts) + " Every imputed row keeps the rules.", icon=":material/check_circle:")


def first_choice(keys: list[str]) -> int:
    """The index in ``keys`` of the method to offer first: the first suggested one, else the first."""
    return next((i for i, key in enumerate(keys) if IMPUTERS[key].suggested), 0)


def titles(keys) -> str:
    """The methods' names in a sentence, lower case."""
    return ", ".join(IMPUTERS[key].title[0].lower() + IMPUTERS[key].title[1:] for key in keys)


def card(method: str, container=st) -> None:
    info = IMPUTERS[method].card
    container.markdown(f"**{IMPUTERS[method].title}.** {info.does}  \n*When:* {info.when}  \n"
                       f"*What it distorts:* {info.distorts}")


def render() -> None:
    ws = state.workspace()
    sidebar.render(ws)
    st.title("Impute")
    st.markdown(
        "Fill the holes before synthesis. Which method is safe depends on why values are missing (see the "
        "Missingness page): a method that fills a column from its own values alone is harmless only for a few "
        "values missing completely at random; methods that predict a hole from the other columns ("
        + titles(k for k, cls in IMPUTERS.items() if cls.multivariate) + ") also handle values missing at random. "
        "Nothing here changes the loaded table: the result becomes the *working table* only when you say so, and "
        "you can go back.")
    state.show_flash(PAGE)

    holed = guarded("finding the columns with holes", columns_with_holes, ws.real, ws.schema)
    if holed is None:
        st.stop()
    if ws.imputed is not None:
        left, right = st.columns([3, 1])
        left.info(f"The working table is imputed ({ws.imputation}).", icon=":material/healing:")
        right.button("Restore the original", on_click=restore, icon=":material/undo:")

    if not holed:
        st.success("No column that takes part in synthesis has missing values, so there is nothing to impute. "
                   "Load a table with gaps (airquality, msleep) to try the methods.", icon=":material/check_circle:")
        st.stop()

    fill, compare, multiple = st.tabs(["Fill the holes", "Which method suits this table?", "Multiple imputation"])
    with fill:
        fill_holes(ws, holed)
    with compare:
        which_method(ws)
    with multiple:
        pool_imputations(ws, holed)


def fill_holes(ws, holed: list[str]) -> None:
    """Choose a method (one for all columns or one per column), impute, look at the result, use it."""
    real, schema = ws.real, ws.schema
    data, infinite = without_infinities(real[holed])  # (±inf is no measurement: imputed like a missing value)
    counts = data.isna().sum()

    def holes(column: str) -> str:
        return f"{counts[column]:,}" + (f", {infinite[column]:,} of them ±inf" if infinite.get(column) else "")

    st.caption(f"{len(holed)} column(s) with holes: " + ", ".join(f"{md(c)} ({holes(c)})" for c in holed)
               + ". Identifiers, free text and columns left out of synthesis are not filled.")
    mode = st.radio("Method", ["One method for all columns", "One method per column"], horizontal=True,
                    key="impute_mode")
    plan: list[Step] | None = None
    refused: list[str] = []  # settings out of range: said at their widgets, and Impute waits for them
    if mode == "One method for all columns":
        keys = list(IMPUTERS)
        method = st.selectbox("Method for every column", keys, key="impute_method", index=first_choice(keys),
                              format_func=lambda k: IMPUTERS[k].title)
        left, right = st.columns([3, 2], gap="large")
        card(method, left)
        params = param_widgets(IMPUTERS[method].params, key=f"impute::{method}", columns=list(real.columns),
                               container=right)
        refused += read_params(IMPUTERS[method].params, key=f"impute::{method}", columns=list(real.columns))[1]
        plan = None if refused else guarded("planning the imputation", plan_for, real, schema, method, params)
        predictors = guarded("finding the predictors", predictor_columns, real, schema)
        if IMPUTERS[method].multivariate and predictors is not None:
            st.caption(f"{IMPUTERS[method].title} predicts each hole from: {md_list(predictors)}.")
    else:
        plan = []
        for column in holed:
            kind = schema.kinds[column]
            choices = [k for k, cls in IMPUTERS.items() if kind in cls.kinds]
            row = st.columns([2, 3, 1])
            row[0].markdown(f"**{md(column)}**  \n{kind}, {counts[column]:,} missing")
            method = row[1].selectbox(f"Method for {md(column)}", choices, key=f"impute_col::{column}",
                                      index=first_choice(choices), format_func=lambda k: IMPUTERS[k].title,
                                      label_visibility="collapsed")
            params = {}
            if IMPUTERS[method].params:
                with row[2].popover("Settings"):
                    params = param_widgets(IMPUTERS[method].params, key=f"impute_col::{column}::{method}",
                                           columns=[c for c in real.columns if c != column])
                said = read_params(IMPUTERS[method].params, key=f"impute_col::{column}::{method}",
                                   columns=[c for c in real.columns if c != column])[1]
                refused += [f"{column}: {problem}" for problem in said]
            plan.append(Step(column, method, params))
    random_keys = [k for k, cls in IMPUTERS.items() if cls.stochastic]
    seed = int(st.number_input("Seed", 0, 2**31 - 1, 0, key="impute_seed",
                               help=f"Random methods ({titles(random_keys)}) give the same table for the same seed."))
    st.text_area("Rules the imputed values must keep (optional)", key=state.keep("impute_rules", ""), height=70,
                 placeholder="sleep_rem <= sleep_total",
                 help="One rule per line, written as on the Synthesize page (`age >= 18`). A row whose imputed "
                      "values break a rule gets them drawn again (another donor, another draw) for up to ten "
                      "rounds; rows whose observed values already break a rule are left as they are and counted.")
    rules = [line for line in st.session_state["impute_rules"].splitlines() if line.strip()]
    steps = {"steps": [{"column": s.column, "method": s.method, "params": dict(s.params)} for s in plan or []],
             "seed": seed, "rules": list(rules)}  # what a recipe replays
    if plan:
        notes = plan_notes(real, plan)
        safe_preview(pd.DataFrame([{"column": s.column, "kind": schema.kinds[s.column],
                                    "cells to fill": int(counts[s.column]), "method": IMPUTERS[s.method].title,
                                    "note": notes[s.column]} for s in plan]),
                     hide_index=True, width="stretch")
    for problem in refused if mode == "One method per column" else []:  # (a popover's own error is hidden)
        st.error(md(problem), icon=":material/error:")
    if (plan or refused) and st.button("Impute", type="primary", icon=":material/healing:", key="impute_run",
                                       disabled=bool(refused),
                                       help="Fix the settings marked above first." if refused else None):
            done = guarded("imputing", cache.imputed, ws, plan, seed, rules)
            if done is not None:
                methods = list(dict.fromkeys(s.method for s in plan))
                label = IMPUTERS[methods[0]].title if len(methods) == 1 else "per column: " + titles(methods)
                st.session_state[RESULT] = {"fingerprint": ws.fingerprint, "table": done.table, "label": label,
                                            "steps": steps,
                                            "plan": [s.column for s in plan], "imputation": done, "rules": rules}
    result = st.session_state.get(RESULT)
    if result and result["fingerprint"] == ws.fingerprint:
        if result["steps"] != steps:
            st.info(f"The settings above have changed since the result below was made ({md(result['label'])}): "
                    "click Impute to see what they give. *Use this table* uses the result shown.",
                    icon=":material/info:")
        before_and_after(ws, result)


def before_and_after(ws, result: dict) -> None:
    """The imputed table against the original: a column's distribution, a scatter, the correlations."""
    real, schema = ws.real, ws.schema
    after = result["table"]
    left_over = int(after[result["plan"]].isna().sum().sum())
    st.subheader(f"Before and after: {result['label']}")
    if left_over:
        st.warning(f"{left_over:,} cells are still missing (a method had nothing to draw from for them).")
    rule_note(result["imputation"], result["rules"])
    column = st.selectbox("Column", result["plan"], key="impute_show")
    chart("drawing the column", plots.imputed_distribution, real[column], after[column], schema.kinds[column],
          key="impute_dist")
    numeric = [c for c in schema.numeric_columns(among=list(real.columns)) if pd.api.types.is_numeric_dtype(after[c])]
    if len(numeric) >= 2:
        left, right = st.columns(2)
        x = left.selectbox("x", numeric, key="impute_x", index=numeric.index(column) if column in numeric else 0)
        y = right.selectbox("y", [c for c in numeric if c != x], key="impute_y")
        chart("drawing the scatter", plots.imputed_scatter, real, after, x, y, key="impute_scatter")
        st.markdown("**Correlations** before (each pair on the rows where both are observed) and after. "
                    "Single-value methods pull correlations towards zero; methods that use the other "
                    "columns keep them, or exaggerate them slightly.")
        chart("drawing the correlations", plots.correlation_change, real[numeric], after[numeric],
              key="impute_corr")
    st.button("Use this table", type="primary", on_click=use_table, icon=":material/check:",
              help="Make the imputed table the working table that synthesis uses. The original stays.")


def which_method(ws) -> None:
    """Hide known values, fill them with each method, score the methods against the truth."""
    st.markdown(
        "Hide values you know, fill them with each method, and compare with the truth. The holes are made like "
        "the ones on the Missingness page: **MCAR** at random, **MAR** driven by another column, **MNAR** "
        "driven by the value itself. Scores: **NRMSE** (error of numbers, in standard deviations: 1 is as bad "
        "as guessing the mean), **accuracy** for labels, and the **distribution distance** between imputed "
        "and true values (Kolmogorov-Smirnov for numbers, total variation for labels). NRMSE rewards "
        "predicting the average; the distribution distance rewards methods that keep the spread, which is "
        "what synthesis needs.")
    top = st.columns([3, 1, 1, 1])
    methods = top[0].multiselect("Methods", list(IMPUTERS), key="compare_methods",
                                 default=[k for k, cls in IMPUTERS.items() if cls.compared],
                                 format_func=lambda k: IMPUTERS[k].title)
    mechanism = top[1].selectbox("Holes", MECHANISMS, key="compare_mechanism")
    rate = top[2].slider("Share hidden", 0.05, 0.5, 0.2, 0.05, key="compare_rate")
    compare_seed = int(top[3].number_input("Seed", 0, 2**31 - 1, 0, key="compare_seed"))
    needs = [m for m in methods if any(p.type == "column" and not p.optional for p in IMPUTERS[m].params)]
    if needs:
        st.caption("Left out because they need a column chosen first: "
                   + ", ".join(IMPUTERS[m].title for m in needs) + ".")
    methods = [m for m in methods if m not in needs]
    if not methods:
        st.info("Choose at least one method to compare (one that needs no column chosen first).",
                icon=":material/info:")
    if st.button("Compare", type="primary", key="compare_run", icon=":material/leaderboard:", disabled=not methods):
        st.session_state["compare_result"] = (ws.fingerprint, methods, mechanism, rate, compare_seed)
    request = st.session_state.get("compare_result")
    if request and request[0] == ws.fingerprint:
        outcome = guarded("comparing methods", cache.comparison, ws, *request[1:])
        if outcome is not None:
            summary, detail = outcome
            best = summary.iloc[0]
            st.success(f"Best on this table with {request[2]} holes: **{IMPUTERS[best['method']].title}**"
                       + (f" (NRMSE {best['NRMSE']:.2f})" if best["NRMSE"] == best["NRMSE"] else "") + ".")
            safe_preview(summary.assign(method=summary["method"].map(lambda k: IMPUTERS[k].title)),
                         hide_index=True, width="stretch",
                         column_config={c: st.column_config.NumberColumn(format="%.3f")
                                        for c in ("NRMSE", "accuracy", "distribution distance", "seconds")})
            chart("drawing the comparison", plots.benchmark_figure, summary, key="compare_chart")
            with st.expander("Scores per column"):
                safe_preview(detail, hide_index=True, width="stretch")


def pool_imputations(ws, holed: list[str]) -> None:
    """Impute m times with a random method, fit a model on each, pool with Rubin's rules."""
    real, schema = ws.real, ws.schema
    st.markdown(
        "One imputed table treats guesses as facts, so the standard errors of a model fitted on it are too "
        "small. **Multiple imputation** fills the table *m* times with a random method, fits the model on each, "
        "and pools the results with **Rubin's rules**: the pooled estimate is the average, and its variance adds "
        "the spread *between* the imputations to the average variance *within* them.")
    candidates = schema.columns_of(*NUMERIC, *LABELS)
    top = st.columns(4)
    numeric_holed = schema.numeric_columns(among=holed)
    outcome = top[0].selectbox("Outcome", candidates, key="mi_outcome",
                               index=candidates.index(numeric_holed[0]) if numeric_holed else 0)
    model = top[1].radio("Model", MODELS, key="mi_model", horizontal=True,
                         help="Logistic needs a two-valued outcome.")
    m = top[2].slider("Imputations (m)", 2, 30, 5, key="mi_m")
    random_keys = random_methods()
    mi_method = top[3].selectbox("Random method", random_keys, key="mi_method", index=first_choice(random_keys),
                                 format_func=lambda k: IMPUTERS[k].title,
                                 help="Methods that draw every imputed value at random, in number and label "
                                      "columns alike.")
    others = [c for c in candidates if c != outcome]
    suggested = guarded("suggesting predictors", suggest_predictors, real, outcome, others) or []
    predictors = st.multiselect("Predictors", others, key="mi_predictors", default=suggested)
    if not predictors:
        st.info("Choose at least one predictor: the model of the outcome is fitted on them.", icon=":material/info:")
    if st.button("Run multiple imputation", key="mi_run", icon=":material/functions:", disabled=not predictors):
        st.session_state["mi_request"] = (ws.fingerprint, outcome, tuple(predictors), model, m, mi_method)
    request = st.session_state.get("mi_request")
    if request and request[0] == ws.fingerprint:
        _, outcome, predictors, model, m, mi_method = request
        pooled = guarded("pooling imputations", cache.pooled, ws, outcome=outcome, predictors=list(predictors),
                         model=model, m=m, method=mi_method, rng=0)
        if pooled is not None:
            safe_preview(pooled.pooled, hide_index=True, width="stretch",
                         column_config={c: st.column_config.NumberColumn(format="%.4g")
                                        for c in pooled.pooled.columns if c != "term"})
            st.caption("estimate: pooled coefficient Q̄ · within: average variance Ū · between: variance B of the "
                       "estimates across imputations · total: T = Ū + (1 + 1/m)B · lambda: share of the variance "
                       "due to missing data · df: Barnard-Rubin degrees of freedom · FMI: fraction of missing "
                       "information.")
            chart("drawing the standard errors", plots.standard_error_figure, pooled.pooled, pooled.single,
                  pooled.complete_case, key="mi_se")
            st.markdown(f"The single imputation ({titles([pooled.single_method])}) reports smaller standard errors "
                        "than the pooled ones: it ignores the uncertainty about the missing values. The complete-case "
                        "fit throws rows away (larger SEs) and is biased unless the holes are MCAR.")


render()
