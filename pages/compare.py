"""Compare page: how close a run is to the real data, whether it is useful, whether it leaks real rows."""

import pandas as pd
import streamlit as st

from core import plots
from core.evaluate.compare import ASSOCIATIONS, column_distances, correlations, group_summary, projection
from core.evaluate.scores import TSTR_MODELS, readings
from ui import cache, sidebar, state
from ui.errors import guarded

PAGE = "compare"

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
run = ws.run(top[0].selectbox("Run", names, index=len(names) - 1, key="compare_run"))
against = top[1].selectbox("Against", ["the real data", *[n for n in names if n != run.name]], key="compare_against",
                           help="The views below can put two runs side by side; the scores always use the real data.")
model = top[2].selectbox("Model for the utility score", TSTR_MODELS, key="compare_model",
                         format_func=lambda m: m.replace("_", " "),
                         help="Trained once on the synthetic rows and once on the real training rows, both tested on "
                              "the holdout; the utility score is the ratio.")
synthetic = run.synthetic
real = ws.train if against == "the real data" else ws.run(against).synthetic  # the reference in the views
columns = [c for c in ws.schema.synth_columns if c in synthetic.columns]
scores = guarded("scoring the run", cache.scores, ws, run, model)  # always against the real training rows
if run.params.get("mode") == "bulk_out":
    st.info("This run was made in bulk-out mode: it contains the real training rows plus synthetic ones, so copies and "
            "rows close to real ones are expected here. To share data instead of the real table, generate in replace "
            "mode.", icon=":material/info:")
if scores is not None:
    run.scores = scores
    said = readings(scores)
    cells = st.columns(5)
    for cell, (label, key, value) in zip(cells, [
            ("Quality", "quality", f"{scores.quality:.2f}"),
            ("Detection AUC", "detection_auc", f"{scores.detection_auc:.2f}"),
            ("Utility (TSTR)", "tstr_ratio", "n/a" if scores.tstr_ratio is None else f"{scores.tstr_ratio:.2f}"),
            ("Exact copies", "exact_copy_rate", f"{scores.exact_copy_rate:.1%}"),
            ("Closer than holdout", "dcr_share_closer",
             "n/a" if scores.dcr_share_closer is None else f"{scores.dcr_share_closer:.2f}")], strict=True):
        cell.metric(label, value)
        cell.caption(said[key])
    st.caption(f"Diagnostics (sdmetrics): validity {scores.validity:.2f} (values within the real ranges and "
               f"categories), structure {scores.structure:.2f} (same columns and types). Column shapes "
               f"{scores.column_shapes:.2f}, column pair trends {scores.column_pair_trends:.2f}.")
    with st.expander("Privacy: how close synthetic rows come to real ones"):
        if "dcr synthetic" in scores.details:
            st.markdown("Distance from each row to its closest training row. Synthetic rows should be no closer "
                        "than real rows the synthesizer never saw; a pile-up near zero means near-copies. Mean "
                        f"nearest-neighbour distance ratio: **{scores.details['nndr']:.2f}** (near 0: a synthetic row "
                        "sits on one particular real row; near 1: it is as far from its closest as from its next).")
            st.plotly_chart(plots.dcr_figure(scores.details["dcr synthetic"], scores.details["dcr holdout"]),
                            width="stretch", key="compare_dcr")
        else:
            st.caption("Needs held-out rows: this table was too small to set any aside.")
    with st.expander("What the detector leans on"):
        st.caption("Permutation importance: how much the detector's AUC drops when a column is shuffled. The top "
                   "columns are the ones that give synthetic rows away.")
        st.bar_chart(scores.details["detector leans on"].head(10).rename("AUC drop"), horizontal=True)

shapes, pairs, conditional, cloud, board = st.tabs(["Columns", "Pairs", "Within groups", "Projection",
                                                    "Leaderboard"])
with shapes:
    distances = column_distances(real, synthetic, ws.schema)
    st.markdown("Each column's distribution, real against synthetic. The distance is the Kolmogorov-Smirnov statistic "
                "for numbers and dates and the total variation distance for labels (0: identical, 1: disjoint); the "
                "worst columns come first.")
    left, right = st.columns([2, 3])
    left.dataframe(distances, hide_index=True, width="stretch",
                   column_config={"distance": st.column_config.TextColumn("measure"),
                                  "value": st.column_config.ProgressColumn("distance", min_value=0, max_value=1,
                                                                           format="%.3f")})
    column = right.selectbox("Column", list(distances["column"]) or columns, key="compare_column")
    right.plotly_chart(plots.overlay_distribution(real[column], synthetic[column], ws.schema.kinds[column]),
                       width="stretch", key="compare_overlay")
with pairs:
    method = st.radio("Dependence", ASSOCIATIONS, horizontal=True, key="compare_corr",
                      format_func=lambda m: {"pearson": "Pearson", "spearman": "Spearman", "cramers_v": "Cramér's V",
                                             "nmi": "normalised mutual information"}[m],
                      help="Pearson and Spearman: number columns. Cramér's V and normalised mutual information: "
                           "numbers and labels together, numbers cut into ten quantile bins.")
    a, b = correlations(real, ws.schema, method), correlations(synthetic, ws.schema, method)
    if len(a) >= 2:
        left_name = "real" if against == "the real data" else against
        st.plotly_chart(plots.correlation_panels({left_name: a, run.name: b, f"{run.name} − {left_name}": b - a}),
                        width="stretch", key="compare_pairs")
        st.caption("A method that keeps relationships shows the same pattern on both sides and a pale difference.")
    else:
        st.info("Fewer than two columns to relate with this measure.")
with conditional:
    labels = [c for c in columns if ws.schema.kinds[c] in ("binary", "categorical")]
    numbers = [c for c in columns if ws.schema.kinds[c] in ("continuous", "integer")]
    if not labels or not numbers:
        st.info("Needs a label column and a number column.")
    else:
        pick = st.columns(2)
        group = pick[0].selectbox("Groups of", labels, key="compare_group")
        value = pick[1].selectbox("Distribution of", numbers, key="compare_value")
        st.plotly_chart(plots.conditional_figure(real, synthetic, value, group), width="stretch",
                        key="compare_conditional")
        st.markdown("**Aggregates**: each group's share of rows and mean, side by side.")
        st.dataframe(group_summary(real, synthetic, group, value), hide_index=True, width="stretch",
                     column_config={c: st.column_config.NumberColumn(format="%.3f") for c in
                                    ("share real", "share synthetic", "mean real", "mean synthetic")})
with cloud:
    points = guarded("projecting the rows", projection, real, synthetic, ws.schema)
    if points is not None:
        st.markdown("Both tables on the real data's first two principal components. Synthetic rows should cover the "
                    "real cloud: not sit elsewhere, not be tighter, not be copies on top of real points.")
        st.plotly_chart(plots.projection_figure(points), width="stretch", key="compare_projection")
with board:
    st.markdown("One row per run, scored the same way. Best marked: highest quality, lowest detection AUC (hardest "
                "to spot), highest utility, lowest share closer than the holdout (most private).")
    if st.button("Score every run", key="compare_all", icon=":material/leaderboard:"):
        progress = st.progress(0.0, text="Scoring…")
        for i, candidate in enumerate(ws.runs):
            progress.progress(i / len(ws.runs), text=f"Scoring {candidate.name} ({i + 1} of {len(ws.runs)})…")
            candidate.scores = guarded(f"scoring {candidate.name}", cache.scores, ws, candidate, model)
        progress.empty()
    scored = [r for r in ws.runs if r.scores is not None]
    if scored:
        table = pd.DataFrame([{"run": r.name, "method": r.method,
                               "settings": ", ".join(f"{k}={v}" for k, v in r.params.items()
                                                     if not isinstance(v, (dict, pd.DataFrame))),
                               "rows": len(r.synthetic),
                               "seconds": r.fit_seconds + r.sample_seconds, "quality": r.scores.quality,
                               "detection AUC": r.scores.detection_auc, "utility": r.scores.tstr_ratio,
                               "exact copies": r.scores.exact_copy_rate,
                               "closer than holdout": r.scores.dcr_share_closer} for r in scored])
        best = {"quality": table["quality"].idxmax(), "detection AUC": table["detection AUC"].idxmin()}
        if table["utility"].notna().any():
            best["utility"] = table["utility"].idxmax()
        if table["closer than holdout"].notna().any():
            best["closer than holdout"] = table["closer than holdout"].idxmin()
        table["best for"] = [", ".join(k for k, i in best.items() if i == row) for row in table.index]
        st.dataframe(table, hide_index=True, width="stretch",
                     column_config={c: st.column_config.NumberColumn(format="%.3f") for c in
                                    ("seconds", "quality", "detection AUC", "utility", "closer than holdout")})
        st.plotly_chart(plots.leaderboard_figure(table), width="stretch", key="compare_board")
