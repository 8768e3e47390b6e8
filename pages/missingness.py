"""Missingness page: what is missing, in which patterns, whether it is random, and why it matters."""

import numpy as np
import pandas as pd
import streamlit as st

from core import plots
from core.missing import MNAR_NOTE, SHAPES, nullity_correlation
from core.missing.patterns import DENDROGRAM_COLUMNS, HEATMAP_COLUMNS, MATRIX_COLUMNS, MATRIX_ROWS
from core.schema import NUMERIC
from ui import cache, sidebar, state
from ui.errors import chart, guarded
from ui.text import md, md_list, safe_preview

PAGE = "missingness"
LITTLE_MAX_COLUMNS = 30


def _unplaceable(ws) -> str:
    """Where the holes are when no column the shadow scatter can draw has any, and why it cannot draw them."""
    real, kinds = ws.real, ws.schema.kinds
    holes = real.columns[real.isna().any().to_numpy()]
    empty = [c for c in holes if real[c].isna().all()]
    numbers = [c for c in holes if c not in empty and kinds[c] in NUMERIC and pd.api.types.is_numeric_dtype(real[c])]
    others = [c for c in holes if c not in empty and c not in numbers]
    parts = [f"{md_list(empty)} {'is' if len(empty) == 1 else 'are'} missing in every row" if empty else "",
             f"{md_list(numbers)} {'has' if len(numbers) == 1 else 'have'} a single value besides the holes"
             if numbers else "",
             f"{md_list(others)} {'holds' if len(others) == 1 else 'hold'} labels, dates, text or identifiers, "
             "which the scatter cannot place" if others else ""]
    return "; ".join(p for p in parts if p)


def render() -> None:
    ws = state.workspace()
    sidebar.render(ws)
    st.title("Missingness")
    st.markdown(
        "Which values are missing, in which combinations, and whether the holes are random. That decides "
        "which repair is safe: deleting incomplete rows is only harmless when values are **missing completely "
        "at random** (MCAR); imputation from other columns handles **missing at random** (MAR, the holes depend "
        "on observed columns); nothing fixes **missing not at random** (MNAR, the holes depend on the missing "
        "values themselves) without outside knowledge.")
    state.show_flash(PAGE)

    real = ws.real
    overview = guarded("summarising what is missing", cache.missing_overview, ws)
    summary = guarded("summarising the table", cache.table_summary, ws)
    if overview is None or summary is None:
        st.stop()
    numeric, partial, complete_rows = overview.numeric, overview.partial, overview.complete_rows

    metrics = st.columns(4)
    metrics[0].metric("Cells missing", f"{summary.missing_share:.1%}", help=f"{summary.missing_cells:,} cells")
    metrics[1].metric("Complete rows", f"{complete_rows / len(real):.0%}", help=f"{complete_rows:,} of {len(real):,}")
    metrics[2].metric("Columns with holes", f"{int((overview.by_column['missing'] > 0).sum())} of {real.shape[1]}")
    patterns = overview.patterns
    metrics[3].metric("Missing-data patterns", f"{len(patterns):,}",
                      help="Distinct combinations of missing columns, the complete rows included.")

    if summary.missing_cells == 0:
        st.success("This table has no missing values. Use the simulator below to see what holes would do, or load "
                   "a sample with real gaps (airquality, msleep).", icon=":material/check_circle:")

    where, together, shadow, mechanism, simulator = st.tabs(
        ["Where", "Together", "Shadow scatter", "Mechanism (MCAR / MAR / MNAR)", "Simulator"])

    with where:
        if summary.missing_cells:
            sort_rows = st.toggle("Sort rows by completeness", key="matrix_sort",
                                  help="Most complete rows at the top; off shows the rows in file order, which "
                                       "reveals holes that cluster in time or in a block of the file.")
            st.markdown("**Nullity matrix**: one line per row, one column per column; missing cells are orange. "
                        "The line on the right is each row's completeness.")
            if len(real) > MATRIX_ROWS or real.shape[1] > MATRIX_COLUMNS:
                st.caption(f"Too large to draw cell by cell: at most {MATRIX_ROWS} lines (each the share missing in "
                           f"a block of consecutive rows) and the {MATRIX_COLUMNS} most incomplete columns are drawn.")
            chart("drawing the nullity matrix", cache.missing_figure, ws, "matrix", sort_rows, key="matrix")
        by_column = overview.by_column
        if summary.missing_cells:
            chart("drawing the missing values per column", plots.missing_bar_figure, by_column, key="bar")
        else:
            st.info(f"No column has a missing value: all {real.shape[1]:,} are complete, so there is nothing to "
                    "chart.", icon=":material/info:")
        gone = by_column[by_column["missing"] == len(real)]["column"].tolist()
        if gone:
            st.warning("Every value is missing in: " + md_list(gone) + ". These columns carry no information; "
                       "they are left out of the tests below and should be excluded on the Data page.")

    with together:
        if not summary.missing_cells:
            st.info("This table has no missing values, so there are no holes to go together.",
                    icon=":material/info:")
        elif len(partial) < 2:
            st.info("Fewer than two columns are partly missing, so there is no co-occurrence to show."
                    if partial else "No column is partly missing.")
        elif len(partial) == 2:
            r = guarded("relating the holes", lambda: nullity_correlation(real).iloc[0, 1])
            if r is not None:
                reading = ("they tend to be missing in the same rows" if r > 0.5 else
                           "they tend to be missing in different rows" if r < -0.5 else "where one is missing says "
                           "little about where the other is")
                st.markdown(f"**Nullity correlation** of {md(partial[0])} and {md(partial[1])}: **{r:.2f}**: "
                            f"{reading}. (+1: always missing together; −1: one is missing exactly when the other is "
                            "present; 0: unrelated.)")
        else:
            st.markdown("**Nullity correlation**: how strongly the holes of two columns go together. Near +1 they "
                        "are missing in the same rows (one form, one sensor); near −1 one is missing exactly when "
                        "the other is present; near 0 they are unrelated. Only columns that are sometimes, but not "
                        "always, missing are shown" + (f", the {HEATMAP_COLUMNS} most incomplete of {len(partial)}"
                                                       if len(partial) > HEATMAP_COLUMNS else "") + ".")
            chart("drawing the nullity correlation", cache.missing_figure, ws, "heatmap", key="nullcorr")
            st.markdown("**Dendrogram**: columns clustered by where their holes are; columns that join low down "
                        "are missing in nearly the same rows and are best repaired together."
                        + (f" The {DENDROGRAM_COLUMNS} most incomplete columns are clustered."
                           if len(partial) > DENDROGRAM_COLUMNS else ""))
            chart("drawing the dendrogram", cache.missing_figure, ws, "dendrogram", key="dendrogram")
        if summary.missing_cells:  # (with no holes the one pattern is "every row complete", said above)
            st.markdown("**Missing-data patterns**: each combination of missing columns and how many rows have it, "
                        "most frequent first (an UpSet plot: the dots below a bar show which columns are missing).")
            chart("drawing the patterns", plots.pattern_figure, patterns, [str(c) for c in real.columns],
                  key="patterns")
            safe_preview(patterns, hide_index=True, width="stretch",
                         column_config={"share": st.column_config.ProgressColumn("share", format="percent",
                                                                                min_value=0, max_value=1)})

    with shadow:
        if not summary.missing_cells:
            st.info("This table has no missing values, so the shadow scatter has no holes to place.",
                    icon=":material/info:")
        elif len(numeric) < 2:
            st.info("The shadow scatter needs two numeric columns.")
        else:
            st.markdown("Two numeric columns against each other. Rows where one of them is missing are drawn in a "
                        "band outside the axes, at the value of the other, so you see *where* the holes sit: "
                        "if the orange marks crowd at one end, the missingness depends on that column.")
            holed = [c for c in partial if c in numeric]
            default_y = holed[0] if holed else numeric[0]
            others = [c for c in numeric if c != default_y]
            default_x = max(others, key=lambda c: abs(np.nan_to_num(real[c].corr(real[default_y]))))
            left, right = st.columns(2)
            x = left.selectbox("x", numeric, index=numeric.index(default_x), key="shadow_x")
            y_options = [c for c in numeric if c != x]
            y = right.selectbox("y", y_options, key="shadow_y",
                                index=y_options.index(default_y) if default_y in y_options else 0)
            if not real[[x, y]].isna().any().any():
                st.info(f"Neither {md(x)} nor {md(y)} has a hole, so there are no orange marks"
                        + (f": choose a column with holes ({md_list(holed)})." if holed else
                           ", and no column the scatter can draw has holes: " + _unplaceable(ws) + "."),
                        icon=":material/info:")
            chart("drawing the shadow scatter", cache.missing_figure, ws, "shadow", x, y, key="shadow")

    with mechanism:
        st.subheader("Little's MCAR test")
        st.markdown("Compares the mean of the observed values in each missing-data pattern with the overall "
                    "mean estimated by maximum likelihood (EM). Under MCAR the patterns differ only by chance; a "
                    "small p-value says they differ more than that. Numeric columns only.")
        testable = numeric
        if len(real) > cache.TEST_ROWS:
            st.caption(f"The table has {len(real):,} rows; the test and the diagnostics below run on a seeded random "
                       f"sample of {cache.TEST_ROWS:,} of them, which is plenty for their purpose.")
        dependent = overview.dependent
        default = ([c for c in testable if c in partial] + [c for c in testable if c not in partial])
        default = [c for c in default if c not in dependent]
        if dependent:
            st.caption("Left out by default because they follow exactly from other columns (the test needs an "
                       "invertible covariance): " + md_list(dependent) + ".")
        chosen = st.multiselect("Columns to test", testable, default=default[:LITTLE_MAX_COLUMNS], key="little_columns",
                                help=f"All numeric columns by default (up to {LITTLE_MAX_COLUMNS}). Each extra column "
                                     "adds degrees of freedom; columns without holes still sharpen the estimates.")
        left_out = [c for c in real.columns if c not in testable]
        if left_out:
            st.caption("Not numeric, so not in the test: " + md_list(left_out) + ".")
        if chosen:
            result = guarded("running Little's test", cache.little, ws, chosen)
            holed = [c for c in chosen if real[c].isna().any()]
            if result is not None and result.n_patterns < 2:  # nothing to compare: no statistic worth showing
                elsewhere = [c for c in partial if c not in chosen]
                if not summary.missing_cells:
                    reason = "This table has no missing values, so there are no patterns to compare."
                elif not holed:
                    reason = ("None of the tested columns has a hole, so there are no patterns to compare"
                              + (f" (the holes are in {md_list(elsewhere)})" if elsewhere else "") + ".")
                else:
                    reason = (f"The {result.rows_used:,} rows with at least one tested value all have the same "
                              "pattern (a row missing every tested column tells the test nothing), so there are no "
                              "patterns to compare. Add a column that is observed where these are missing.")
                st.info(reason, icon=":material/info:")
            elif result is not None:
                cols = st.columns(4)
                cols[0].metric("d²", f"{result.statistic:.3f}")
                cols[1].metric("degrees of freedom", result.dof)
                cols[2].metric("p-value", f"{result.p_value:.4g}")
                cols[3].metric("patterns", result.n_patterns)
                (st.warning if result.p_value < 0.05 else st.success)(result.verdict())
                with st.expander("Each pattern's share of d²"):
                    safe_preview(pd.DataFrame([{"missing": ", ".join(map(str, c.missing)) or "(complete rows)",
                                                "rows": c.n_rows, "d²": c.d2} for c in result.patterns]),
                                 hide_index=True, width="stretch")
                    st.caption(f"EM converged in {result.em_iterations} iterations on {result.rows_used:,} rows. "
                               "A pattern with a large share is the one whose observed values stand out.")
        else:
            st.info("Choose at least one numeric column to test.")

        st.subheader("What does the missingness depend on? (MAR diagnostics)")
        if not partial:
            st.info("No column is partly missing, so there is nothing to diagnose." if summary.missing_cells else
                    "This table has no missing values, so there is nothing to diagnose.")
        else:
            column = st.selectbox("Column with holes", partial, key="mar_column")
            mar = guarded("comparing rows with and without the value", cache.mar, ws, column)
            if mar is not None:
                (st.warning if "not MCAR" in mar.verdict or "probably" in mar.verdict else st.success)(md(mar.verdict))
                st.markdown(f"{mar.n_missing:,} of {mar.n_rows:,} rows miss **{md(column)}**. Each other column is "
                            "compared between those rows and the rest: Welch's t and Kolmogorov-Smirnov tests with the "
                            "standardised mean difference (|SMD| > 0.1 is a meaningful imbalance) for numbers, a "
                            "chi-square test with Cramér's V for labels; p-values are Holm-adjusted.")
                safe_preview(mar.comparisons, hide_index=True, width="stretch",
                             column_config={"p": st.column_config.NumberColumn(format="%.2g"),
                                            "p (Holm)": st.column_config.NumberColumn(format="%.2g"),
                                            "size": st.column_config.NumberColumn(format="%.2f")})
                if len(mar.co_missing):
                    st.markdown("**Missing together** (a pattern, not tested): these columns are missing in (nearly) "
                                f"the same rows as **{md(column)}**, so comparing its rows with and without holes on "
                                "them would only compare holes with holes.")
                    safe_preview(mar.co_missing, hide_index=True, width="stretch",
                                 column_config={c: st.column_config.NumberColumn(format="percent")
                                                for c in ("shared holes", "of its own holes")})
                if mar.auc is not None:
                    st.markdown(mar.auc_note)
                    if len(mar.coefficients):
                        chart("drawing the coefficients", plots.coefficient_figure, mar.coefficients,
                              key="coefficients")
                else:
                    st.caption(mar.auc_note)
        with st.expander("MAR or MNAR? What the observed data can't tell", expanded=False):
            st.markdown(MNAR_NOTE)

    with simulator:
        st.markdown("Take the complete rows, punch holes in one column under each mechanism, and refit a straight "
                    "line. **MCAR** only costs precision (the standard error grows, the slope stays). When the holes "
                    "depend on y, through a column correlated with it (**MAR**) or on y's own values (**MNAR**), "
                    "the line fitted to the rows that are left moves away from the truth. Holes that depend only on "
                    "x leave the slope unbiased.")
        if len(numeric) < 2:
            st.info("The simulator needs at least two numeric columns.")
        else:
            suggested_x, suggested_y, suggested_by = overview.suggestion
            top = st.columns(3)
            x = top[0].selectbox("x (predictor)", numeric, index=numeric.index(suggested_x), key="sim_x")
            y_options = [c for c in numeric if c != x]
            y = top[1].selectbox("y (outcome)", y_options, key="sim_y",
                                 index=y_options.index(suggested_y) if suggested_y in y_options else 0)
            hole = top[2].radio("Holes in", [y, x], key="sim_hole", horizontal=True, format_func=md,
                                help="Which column loses values. The classic case is the outcome y.")
            drivers = [c for c in numeric if c != hole]
            default_driver = ([suggested_by] if suggested_by in drivers and suggested_by not in (x, y) else []) + \
                [c for c in drivers if c not in (x, y)] + drivers
            second = st.columns(4)
            by = second[0].selectbox("MAR driven by", drivers, index=drivers.index(default_driver[0]), key="sim_by",
                                     help="The observed column whose values decide which rows lose their value.")
            rate = second[1].slider("Missing rate", 0.0, 1.0, 0.3, 0.05, key="sim_rate")
            shape = second[2].selectbox("Which rows", SHAPES, key="sim_shape",
                                        format_func=lambda s: {"RIGHT": "RIGHT: high scores",
                                                               "LEFT": "LEFT: low scores",
                                                               "MID": "MID: middle scores",
                                                               "TAIL": "TAIL: both tails"}[s])
            strength = second[3].slider("Strength", 0.5, 5.0, 2.0, 0.5, key="sim_strength",
                                        help="Slope of the logistic missingness model; 1 is R mice's ampute default.")
            seed = st.number_input("Seed", 0, 2**31 - 1, 0, key="sim_seed")
            sim = guarded("running the simulation", cache.simulation, ws, x=x, y=y, hole=hole, by=by, rate=rate,
                          shape=shape, strength=strength, rng=int(seed))
            if sim is not None:
                if rate in (0.0, 1.0):
                    st.info("A rate of 0 removes nothing and a rate of 1 removes every value, so no line can be "
                            "fitted to what is left." if rate == 1.0 else "A rate of 0 removes nothing.")
                long_table = len(real) > cache.SIMULATION_ROWS
                sampled = f" (from a seeded sample of {cache.SIMULATION_ROWS:,} rows)" if long_table else ""
                st.caption(f"{len(sim.complete):,} complete rows{sampled}. Same seed, same holes.")
                figures = st.columns(3)
                for slot, name in zip(figures, ["MCAR", "MAR", "MNAR"], strict=True):
                    with slot:
                        chart(f"drawing the {name} case", plots.simulation_figure, sim, name, key=f"sim_{name}")
                table = sim.table.rename(columns={"slope": "slope", "se": "SE of slope", "r2": "R²"})
                # three significant figures, not three decimals: a slope of 0.0169 with an SE of 0.000173 (price
                # per MB of disk in Ecdat's Computers) read 0.017 and 0.000 in every row
                formats = {"R²": "%.3f"}
                safe_preview(table.drop(columns=["intercept"]), hide_index=True, width="stretch",
                             column_config={c: st.column_config.NumberColumn(format=formats.get(c, "%.3g"))
                                            for c in table.columns if table[c].dtype.kind == "f"})
                truth = sim.table.loc[0, "slope"]
                worst = sim.table.iloc[1:].assign(bias=lambda t: (t["slope"] - truth).abs()).sort_values("bias")
                if np.isfinite(truth) and worst["bias"].notna().any():
                    st.markdown(f"Slope on complete data: **{truth:.3g}**. Furthest off: "
                                f"**{md(worst.iloc[-1]['data'])}** ({worst.iloc[-1]['slope']:.3g}).")


render()
