"""Compare page: how close a run is to the real data, whether it is useful, whether it leaks real rows."""

import pandas as pd
import streamlit as st

from core import plots
from core.errors import SynthLabError
from core.evaluate.compare import ASSOCIATIONS, column_distances, correlations, group_summary, projection
from core.evaluate.leaderboard import MARGIN, leaderboard
from core.evaluate.privacy import LEVELS_SAID, worst_first
from core.evaluate.scores import TSTR_MODELS, readings
from core.report import html_report
from core.schema import LABELS, NUMERIC
from core.synth import METHODS
from ui import cache, sidebar, state
from ui.errors import chart, guarded
from ui.text import file_stem, md, safe_preview

PAGE = "compare"


LIGHTS = {"low": ":green[●] **low**", "within noise": ":green[●] **within noise**",
          "moderate": ":orange[●] **moderate**", "high": ":red[●] **high**"}
ATTACKS = (("singling_out", "Singling out", "Can someone be picked out? Predicates that pick out one synthetic row "
            "(a rare value, three columns of a row) are tried on the real people."),
           ("linkability", "Linkability", "Can two tables about the same people be joined? The columns split in two "
            "halves, each matched to its nearest synthetic row."),
           ("inference", "Attribute inference", "Can a hidden column be guessed? The other columns of a person lead to "
            "the nearest synthetic row, whose value is the guess."))
WORST_SAID = "Attribute inference reports its worst column: the most worrying of these readings, then the largest risk."
COEFFICIENT_HEADERS = {"real": "real estimate", "real_se": "real std. error", "synthetic": "synthetic estimate",
                       "synthetic_se": "synthetic std. error", "std_diff": "difference (real std. errors)",
                       "ci_overlap": "95% interval overlap", "same_sign_and_significance": "same sign and significance"}
METRIC_NAMES = {"accuracy": "accuracy", "balanced_accuracy": "balanced accuracy", "macro_f1": "macro F1",
                "roc_auc": "ROC AUC", "minority_recall": "recall of the smallest class",
                "minority_precision": "precision of the smallest class", "r2": "R²", "rmse": "RMSE", "mae": "MAE"}
RESAMPLING_HEADERS = {"recall": "recall of the smallest class", "precision": "precision of the smallest class",
                      "false_positives": "false positives", "balanced_accuracy": "balanced accuracy",
                      "seconds": "seconds"}


def show_scores(ws, run, scores, model: str = "gradient_boosting") -> None:
    """The numbers with their readings and references, then utility, privacy attacks and the details."""
    said = readings(scores)
    cells = st.columns(6)
    for cell, (label, key, value) in zip(cells, [
            ("Quality", "quality", f"{scores.quality:.2f}"),
            ("Detection AUC", "detection_auc", f"{scores.detection_auc:.2f}"),
            ("S_pMSE", "s_pmse", f"{scores.s_pmse:.1f}"),
            ("Utility (TSTR)", "tstr_ratio", "n/a" if scores.tstr_ratio is None else f"{scores.tstr_ratio:.2f}"),
            ("Exact copies", "exact_copy_rate", f"{scores.exact_copy_rate:.1%}"),
            ("Closer than holdout", "dcr_share_closer",
             "n/a" if scores.dcr_share_closer is None else f"{scores.dcr_share_closer:.2f}")], strict=True):
        cell.metric(label, value)
        cell.caption(said[key])
    chart("drawing the detection score", plots.reference_figure, scores.detection_auc, scores.detection_interval,
          scores.detection_reference, key="compare_reference")
    trends = (f"{scores.column_pair_trends:.2f}" if pd.notna(scores.column_pair_trends)
              else "n/a (no two columns go together in the real rows)")
    st.caption(f"Diagnostics (sdmetrics): validity {scores.validity:.2f} (values within the real ranges and "
               f"categories), structure {scores.structure:.2f} (same columns and types). Column shapes "
               f"{scores.column_shapes:.2f}, column pair trends {trends}. pMSE "
               f"{scores.pmse:.4f} ({scores.details.get('propensity model', '')}).")
    privacy_panel(scores)
    utility_panel(ws, run, scores, model)
    with st.expander("Privacy: how close synthetic rows come to real ones"):
        if "dcr synthetic" in scores.details:
            st.markdown("Distance from each row to its closest training row. Synthetic rows should be no closer "
                        "than real rows the synthesizer never saw; a pile-up near zero means near-copies. Mean "
                        f"nearest-neighbour distance ratio: **{scores.details['nndr']:.2f}** (near 0: a synthetic row "
                        "sits on one particular real row; near 1: it is as far from its closest as from its next).")
            chart("drawing the distances", plots.dcr_figure, scores.details["dcr synthetic"],
                  scores.details["dcr holdout"], key="compare_dcr")
        else:
            st.caption("Needs held-out rows: this table was too small to set any aside.")
    with st.expander("What the detector leans on"):
        st.caption("Permutation importance: how much the detector's AUC drops when a column is shuffled. The top "
                   "columns are the ones that give synthetic rows away.")
        chart("drawing what the detector leans on", plots.leaning_figure, scores.details["detector leans on"],
              key="compare_leaning")


def privacy_panel(scores) -> None:
    """Can anyone be re-identified? Three attacks, each a traffic light and a sentence."""
    st.subheader("Can anyone be re-identified?", divider="gray")
    if not scores.risks:
        st.caption("The attacks need at least ten held-out rows: this table was too small to set them aside.")
        return
    st.caption("Three attacks by someone holding the synthetic table (Giomi et al. 2023, the method of Anonymeter), "
               "each tried on the training rows and, as the control, on real rows the synthesizer never saw. The "
               "risk is how much better the attack does on the training rows: 0% means the synthetic rows tell no "
               "more about the people they came from than about anyone.")
    columns = {k.split(":", 1)[1]: r for k, r in scores.risks.items() if k.startswith("inference:")}
    columns = {c: columns[c] for c in worst_first(columns)}  # the worst first: the one the headline names
    worst = next((c for c, r in columns.items() if r == scores.risks.get("inference")), None)
    cells = st.columns(3)
    for cell, (key, label, what) in zip(cells, ATTACKS, strict=True):
        risk = scores.risks.get(key)
        if risk is None:
            cell.markdown(f"**{label}**: needs two columns or more.")
            continue
        cell.markdown(f"**{label}**: {LIGHTS[risk.level]} · {risk.value:.0%}")
        if key == "inference" and worst is not None:
            what = f"{what} The worst column, **{md(worst)}**, is shown (every column is in the table below)."
        cell.caption(f"{what} {risk.reading()}.")
    st.caption(f"{LEVELS_SAID}. {WORST_SAID}")
    if columns:
        with st.expander("Attribute inference, column by column"):
            st.caption(f"Worst first, in the order that picks the column above. {LEVELS_SAID}.")
            table = [{"secret column": c, "risk": r.value, "low": r.low, "high": r.high, "reading": r.level,
                      "right on training rows": r.attack_rate, "right on unseen rows": r.control_rate,
                      "right by guessing": r.baseline_rate} for c, r in columns.items()]
            safe_preview(pd.DataFrame(table), hide_index=True, width="stretch",
                         column_config={c: st.column_config.NumberColumn(format="percent") for c in
                                        ("risk", "low", "high", "right on training rows", "right on unseen rows",
                                         "right by guessing")})


def coefficients_table(ws, run) -> None:
    """The coefficients side by side, or why the regression cannot be fitted (a sentence, not an error)."""
    from core.evaluate.utility import coefficients

    try:
        fits = coefficients(ws.train, run.synthetic, ws.schema)
    except SynthLabError as exc:
        st.info(md(exc.message + (f" {exc.hint}" if exc.hint else "")), icon=":material/info:")
        return
    shown = (fits.reset_index(names="term") if fits.index.name is None else fits.reset_index())
    shown = shown.rename(columns=COEFFICIENT_HEADERS)  # (for display: the table keeps its names)
    safe_preview(shown, hide_index=True, width="stretch",
                 column_config={c: st.column_config.NumberColumn(format="%.3f") for c in COEFFICIENT_HEADERS.values()
                                if c != COEFFICIENT_HEADERS["same_sign_and_significance"]})


def utility_panel(ws, run, scores, model: str = "gradient_boosting") -> None:
    """What a model learns from the synthetic rows: three training sets, coefficients, resampling strategies."""
    from core.evaluate.utility import resampling_comparison, utility_readings, utility_with_intervals

    table = scores.utility
    if table is None:
        return
    with st.expander("Utility: real, synthetic and real + synthetic training rows", expanded=True):
        st.caption("The same model trained on the real training rows, on the synthetic rows alone (to use them "
                   "instead of the real table) and on both (to bulk out the real table, as oversampling does), each "
                   "tested on the held-out real rows.")
        for line in utility_readings(table, minority=table.attrs.get("minority")):
            st.markdown(f"- {md(line)}")
        readable = utility_with_intervals(table)
        readable["metric"] = readable["metric"].map(lambda m: METRIC_NAMES.get(m, m))
        safe_preview(readable, hide_index=True, width="stretch",
                     column_config={c: st.column_config.NumberColumn(format="%.3f") for c in table.index})
        st.caption("95%: a bootstrap interval over the held-out rows (the same resamples for every training set), "
                   "how far each value could move with another holdout of the same size.")
        confusion = table.attrs.get("confusion")
        if confusion:
            st.markdown("**Confusion matrices** (real classes in rows, predicted in columns):")
            for cell, (name, matrix) in zip(st.columns(len(confusion)), confusion.items(), strict=True):
                cell.caption(f"trained on {name}")
                safe_preview(matrix, container=cell, width="stretch")
    if ws.schema.target and ws.schema.kinds[ws.schema.target] in (*LABELS, *NUMERIC):
        with st.expander("Would an analyst reach the same conclusions?"):
            st.caption("The same regression of the target on the other columns, fitted on the real and on the "
                       "synthetic rows (synthpop's compare.fit.synds): each coefficient side by side, how far apart in "
                       "real standard errors, and how much their 95% intervals overlap (Karr et al. 2006): 1 when "
                       "they are the same, 0 when they just touch, below 0 when they are disjoint, the more negative "
                       "the further apart (−1: the gap between them is as long as the intervals). Same sign and "
                       "significance: both estimates point the same way and both are, or both are not, significant "
                       "at 5%.")
            guarded("fitting the regressions", coefficients_table, ws, run)
    if ws.schema.target and ws.schema.kinds[ws.schema.target] in LABELS:
        with st.expander("Which resampling helps my classifier?"):
            st.caption("imbalanced-learn's strategies applied to the real training rows, the utility model chosen "
                       "above trained on each and tested on the held-out rows: recall and precision of the smallest "
                       "class, false positives, balanced accuracy. 'none' is the baseline, the real rows as they are. "
                       "It can differ a little from the 'real' column of the Utility panel, though the model, rows "
                       "and holdout are the same: here every strategy, 'none' too, reads the columns as the samplers "
                       "need them (numbers standardised, labels one-hot), so that the strategies differ only in the "
                       "resampling; there the model reads the columns as they are.")
            if st.button("Compare the strategies", key="compare_resampling", icon=":material/balance:"):
                with st.spinner("Training a model per strategy…"):
                    found = guarded("comparing the strategies", resampling_comparison, ws.train, ws.holdout, ws.schema,
                                    model=model)
                if found is not None:
                    shown = (found.reset_index(names="strategy") if found.index.name is None else found.reset_index())
                    shown = shown.rename(columns=RESAMPLING_HEADERS).round(3)  # (3 decimals, as in the Utility panel)
                    safe_preview(shown, hide_index=True, width="stretch",
                                 column_config={c: st.column_config.NumberColumn(format="%.3f") for c in
                                                RESAMPLING_HEADERS.values() if c != "false positives"})
                    for strategy, why in found.attrs.get("failed", {}).items():
                        st.caption(f"{strategy}: {why}")


REPORT = "compare_report"  # (run name, its creation time, the HTML) of the report built last


def report_panel(ws, run) -> None:
    """Build the chosen run's stakeholder report (the leaderboard's scored runs included), then download it."""
    built = st.session_state.get(REPORT)
    ready = built is not None and built[:2] == (run.name, run.created)
    left, right = st.columns([1, 3], vertical_alignment="center")
    if left.button("Build the report", key="report_build", icon=":material/description:",
                   help="One HTML file for stakeholders: the data, the method, every score with its reading, the "
                        "charts and the leaderboard. It opens offline and prints to PDF from the browser."):
        with st.spinner(f"Writing the report of '{md(run.name)}'…"):
            others = [r for r in ws.runs if r is not run and r.scores is not None]
            page = guarded("writing the report", html_report, ws, [run, *others])
        if page is not None:
            st.session_state[REPORT] = built = (run.name, run.created, page)
            ready = True
    if ready:
        right.download_button("Download the report", built[2], f"{file_stem(run.name)}-report.html", mime="text/html",
                              key="report_download", icon=":material/download:")
    else:
        right.caption("A self-contained HTML file to hand over: build it, then download it.")


def profiles(real, synthetic, schema, names) -> pd.DataFrame:
    """Both tables' profiles side by side: per column its missing share, distinct values, summary and shape."""
    from core.profile import profile

    shown = ["missing %", "unique", "summary", "distribution"]
    left, right = (profile(t, schema).set_index("column")[shown] for t in (real, synthetic))
    out = pd.concat({names[0]: left, names[1]: right}, axis=1)
    out.columns = [f"{what} ({name})" for name, what in out.columns]
    order = [f"{what} ({name})" for what in shown for name in names]
    return out[order].reset_index()


def render() -> None:
    ws = state.workspace()
    sidebar.render(ws)
    st.title("Compare")
    st.markdown(
        "Real against synthetic, side by side, and five honest numbers. Fidelity and detection compare a run with "
        f"the **{len(ws.train):,} training rows** its synthesizer saw; utility and privacy also use the **"
        f"{len(ws.holdout):,} held-out rows** set aside when the table was loaded, which no synthesizer ever saw: a "
        "synthetic table is only private if its rows are no closer to the training rows than new real rows are.")
    state.show_flash(PAGE)
    if not ws.runs:
        st.info("No runs yet: generate one on the Synthesize page.", icon=":material/info:")
        st.stop()

    names = [r.name for r in ws.runs]
    top = st.columns([2, 2, 1])
    picked = st.session_state.get("synth_picked_run")  # (the run picked on Synthesize's Runs panel)
    run = ws.run(top[0].selectbox("Run", names, index=names.index(picked) if picked in names else len(names) - 1,
                                  key="compare_run"))
    against = top[1].selectbox("Against", ["the real data", *[n for n in names if n != run.name]],
                               key="compare_against", help="The views below can put two runs side by side; the "
                                                           "scores always use the real data.")
    model = top[2].selectbox("Model for the utility score", TSTR_MODELS, key="compare_model",
                             format_func=lambda m: m.replace("_", " "),
                             help="Trained once on the synthetic rows and once on the real training rows, both "
                                  "tested on the holdout; the utility score is the ratio.")
    synthetic = run.synthetic
    real = ws.train if against == "the real data" else ws.run(against).synthetic  # the reference in the views
    names = ("real" if against == "the real data" else against, run.name)  # how the views label the two tables
    columns = [c for c in ws.schema.synth_columns if c in synthetic.columns and c in real.columns]
    left_out = run.lacking(ws.schema)
    if left_out:
        st.info(f"{md(run.name)} has no column {', '.join(md(c) for c in left_out)} (left out when it was made): its "
                "scores and views use the columns it holds.", icon=":material/info:")
    lacking = [c for c in ws.schema.synth_columns if c in synthetic.columns and c not in real.columns]
    if lacking:
        st.info(f"{md(names[0])} has no column {', '.join(md(c) for c in lacking)} (left out when it was made): the "
                "views below compare the columns both runs hold.", icon=":material/info:")
    shared = [c for c in synthetic.columns if c in real.columns]
    real, synthetic = real[shared], synthetic[shared]
    scores = guarded("scoring the run", cache.scores, ws, run, model)  # always against the real training rows
    if run.method in METHODS and METHODS[run.method].keeps_real_rows(run.params):
        st.info("This run contains the real training rows plus synthetic ones (its method's settings keep them), so "
                "copies and rows close to real ones are expected here. To share data instead of the real table, "
                "generate a run of synthetic rows only.", icon=":material/info:")
    if scores is not None:
        run.scores = scores
        guarded("showing the scores", show_scores, ws, run, scores, model)
        report_panel(ws, run)

    shapes, pairs, conditional, cloud, profiled, board = st.tabs(["Columns", "Pairs", "Within groups", "Projection",
                                                                  "Profile", "Leaderboard"])
    with profiled:
        st.markdown(f"The Data page's profile of both tables, column by column: {md(names[0])} on the left, "
                    f"{md(names[1])} on the right.")
        both = guarded("profiling the tables", profiles, real[columns], synthetic[columns], ws.schema, names)
        if both is not None:
            safe_preview(both, hide_index=True, width="stretch",
                         column_config={**{f"distribution ({n})": st.column_config.BarChartColumn(f"distribution ({n})")
                                           for n in names},
                                        **{f"missing % ({n})": st.column_config.NumberColumn(format="%.1f%%")
                                           for n in names}})
    with shapes:
        st.markdown(f"Each column's distribution, {md(names[0])} against {md(names[1])}. The distance is the "
                    "Kolmogorov-Smirnov statistic for numbers and dates and the total variation distance for labels "
                    "(0: identical, 1: disjoint); the worst columns come first.")
        left, right = st.columns([1, 1])
        with left:
            distances = guarded("measuring the distances", column_distances, real, synthetic, ws.schema)
            if distances is not None:
                safe_preview(distances, hide_index=True, width="stretch",
                             column_config={"distance": st.column_config.TextColumn("measure"),
                                            "value": st.column_config.ProgressColumn("distance", min_value=0,
                                                                                     max_value=1, format="%.3f")})
        with right:
            ranked = [c for c in distances["column"] if c in columns] if distances is not None and len(distances) \
                else columns
            column = st.selectbox("Column", ranked, key="compare_column")
            if column is not None:
                chart("drawing the column", plots.overlay_distribution, real[column], synthetic[column],
                      ws.schema.kinds[column], names=names, key="compare_overlay")
    with pairs:
        method = st.radio("Dependence", ASSOCIATIONS, horizontal=True, key="compare_corr",
                          format_func=lambda m: {"pearson": "Pearson", "spearman": "Spearman",
                                                 "cramers_v": "Cramér's V", "nmi": "normalised mutual information"}[m],
                          help="Pearson and Spearman: number columns. Cramér's V and normalised mutual information: "
                               "numbers and labels together, numbers cut into ten quantile bins.")
        matrices = guarded("relating the columns",
                           lambda: [correlations(t, ws.schema, method) for t in (real, synthetic)])
        if matrices is not None and len(matrices[0]) >= 2:
            a, b = matrices
            chart("drawing the matrices", plots.correlation_panels,
                  {names[0]: a, names[1]: b, f"{names[1]} − {names[0]}": b - a}, key="compare_pairs")
            st.caption("A method that keeps relationships shows the same pattern on both sides and a pale difference.")
        elif matrices is not None:
            st.info("Fewer than two columns to relate with this measure.")
    with conditional:
        labels = ws.schema.label_columns(among=columns)
        numbers = ws.schema.numeric_columns(among=columns)
        if not labels or not numbers:
            st.info("Needs a label column and a number column.")
        else:
            pick = st.columns(2)
            group = pick[0].selectbox("Groups of", labels, key="compare_group")
            value = pick[1].selectbox("Distribution of", numbers, key="compare_value")
            chart("drawing the groups", plots.conditional_figure, real, synthetic, value, group, names=names,
                  key="compare_conditional")
            st.markdown("**Aggregates**: each group's share of rows and mean, side by side.")
            summary = guarded("summarising the groups", group_summary, real, synthetic, group, value)
            if summary is not None:
                labelled = {f"{stat} {side}": f"{stat} {name}" for stat in ("share", "mean")
                            for side, name in zip(("real", "synthetic"), names, strict=True)}
                safe_preview(summary.rename(columns=labelled), hide_index=True, width="stretch",
                             column_config={c: st.column_config.NumberColumn(format="%.3f") for c in labelled.values()})
    with cloud:
        points = guarded("projecting the rows", projection, real, synthetic, ws.schema)
        if points is not None:
            st.markdown(f"Both tables on the first two principal components of {md(names[0])}. The rows of "
                        f"{md(names[1])} should cover that cloud: not sit elsewhere, not be tighter, not be copies on "
                        "top of its points.")
            chart("drawing the projection", plots.projection_figure, points, names=names, key="compare_projection")
    with board:
        margins = sorted(set(MARGIN.values()))
        margin = f"{margins[0]:g}" if len(margins) == 1 else ", ".join(f"{c} {m:g}" for c, m in MARGIN.items())
        st.markdown("One row per run, scored the same way. **Best for** marks the run with the highest quality, the "
                    "detection AUC nearest 0.5 (hardest to spot), the highest utility or the lowest share closer than "
                    f"the holdout (most private), when it leads every other run by more than {margin}: a smaller lead "
                    "is within the noise of the scores, a tie, and names no run.")
        if st.button("Score every run", key="compare_all", icon=":material/leaderboard:"):
            progress = st.progress(0.0, text="Scoring…")
            for i, candidate in enumerate(ws.runs):
                progress.progress(i / len(ws.runs), text=f"Scoring {md(candidate.name)} ({i + 1} of {len(ws.runs)})…")
                candidate.scores = guarded(f"scoring {candidate.name}", cache.scores, ws, candidate, model)
            progress.empty()
        table = guarded("ranking the runs", leaderboard, ws.runs)
        if table is not None and len(table):
            private = table["ε spent"].notna().any()
            if private:
                st.caption("ε spent: the differential-privacy budget a private run's training used (lower promises "
                           "more); the other runs make no such promise. ε covers the rows only if the privacy guard "
                           "did not choose which rows to drop by comparing them with the real ones.")
            unscored = {"utility": "Utility needs a target column and held-out rows",
                        "closer than holdout": "Closeness needs held-out rows"}
            unscored = {c: said for c, said in unscored.items() if table[c].isna().all()}  # (a column of None)
            if unscored:
                st.caption("; ".join(unscored.values()) + ": no run has that score here.")
            shown = table.drop(columns=[*unscored, *([] if private else ["ε spent", "ε covers the rows"])])
            first = ["run", "best for", "quality", "detection AUC", "utility", "exact copies", "closer than holdout"]
            rest = [c for c in shown if c not in first and c != "settings"]
            shown = shown[[c for c in first if c in shown] + rest + ["settings"]]  # the long settings last
            safe_preview(shown, hide_index=True, width="stretch",
                         column_config={"settings": st.column_config.TextColumn("settings", width="medium"),
                                        **{c: st.column_config.NumberColumn(format="%.3f") for c in
                                           ("seconds", "quality", "detection AUC", "utility", "closer than holdout",
                                            "ε spent")}})
            chart("drawing the leaderboard", plots.leaderboard_figure, table, key="compare_board")
            st.markdown("**Fidelity against privacy.** Each run is a point: lower is harder to tell from real rows, "
                        "further left is more private. The runs no other run beats on both are joined: the Pareto "
                        "front. The shaded corner is the goal: detection AUC at most 0.65 and at most 10% of rows "
                        "closer to a training row than new real rows (the privacy guard on the Synthesize page holds "
                        "that share).")
            chart("drawing the fidelity-privacy picture", plots.frontier_figure, table, key="compare_frontier")


render()
