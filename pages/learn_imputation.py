"""Learn: imputation, the orthogonal view. The same holes filled down a column and across a row, side by side."""

import pandas as pd
import streamlit as st

from core.lessons import imputation as lesson
from ui import sidebar, state
from ui.errors import chart, guarded
from ui.lessons import numeric_columns, teach
from ui.text import md, safe_preview

PAGE = "learn_imputation"
MAX_PREDICTORS = 8


def toy_data(seed: int, pattern: str, rate: float):
    rho = st.slider("True correlation between the toy's columns", 0.0, 0.95, key=state.keep("imputation_rho", 0.7),
                    step=0.05)
    truth = lesson.toy(rho=rho, rng=seed)
    holed = guarded("punching the holes", lesson.punch, truth, pattern=pattern, rate=rate, rng=seed)
    return truth, holed, list(lesson.TOY_COLUMNS)


def table_data(ws, seed: int, pattern: str, rate: float):
    """The loaded table's numeric columns: its own holes (no truth), or holes punched into its complete rows."""
    columns = numeric_columns(ws.real)
    if len(columns) < 2:
        st.info(f"The loaded table {md(ws.name)} has fewer than two numeric columns with at least 20 values, so the "
                "lesson uses the toy instead.")
        return None
    left, right = st.columns(2)
    x = left.selectbox("x (a predictor)", columns, key="imputation_x", format_func=str)
    y_options = [c for c in columns if c != x]
    holed_first = sorted(y_options, key=lambda c: -ws.real[c].isna().sum())
    y = right.selectbox("y (the column with holes)", y_options, key="imputation_y", format_func=str,
                        index=y_options.index(holed_first[0]))
    used = [x, *[c for c in columns if c not in (x, y)][:MAX_PREDICTORS - 2], y]
    frame = ws.real[used].apply(pd.to_numeric, errors="coerce")
    if len(frame) > lesson.MAX_ROWS:
        frame = frame.sample(lesson.MAX_ROWS, random_state=seed)
        st.caption(f"A seeded sample of {lesson.MAX_ROWS:,} rows.")
    if frame[[x, y]].isna().any().any():
        st.caption("These columns have holes of their own, so there is no truth to compare with: compare the "
                   "distributions. (The pattern and the rate act only on columns without holes: greyed out.)")
        return None, frame, used
    complete = frame.dropna()
    if len(complete) < 20:
        st.info("Fewer than 20 complete rows in these columns; the lesson uses the toy instead.")
        return None
    st.caption(f"{md(x)} and {md(y)} have no holes, so holes are punched into the {len(complete):,} complete rows "
               "with the pattern below; those rows are the truth.")
    holed = guarded("punching the holes", lesson.punch, complete, pattern=pattern, rate=rate, rng=seed)
    return complete, holed, used


def render() -> None:
    ws = state.workspace()
    sidebar.render(ws)
    st.title("Imputation, the orthogonal view")
    st.markdown(
        "A table with holes can be filled in two directions. **Vertically**: each column from its own values (its "
        "mean, or a random value drawn from it); the rest of the row is ignored. **Horizontally**: each hole from "
        "the other columns of the same row (a regression, the nearest rows). Below, the same holes are filled both "
        "ways and compared with the rows that were complete, and on the toy with the truth it knows.")
    source = st.radio("Data", ["toy", "loaded table"], key=state.keep("imputation_source", "toy"), horizontal=True)
    top = st.columns(3)
    seed = int(top[0].number_input("Seed", 0, 2**31 - 1, key=state.keep("imputation_seed", 0)))
    pattern_key, rate_key = state.keep("imputation_pattern", "monotone"), state.keep("imputation_rate", 0.5)
    pattern, rate = st.session_state[pattern_key], st.session_state[rate_key]  # (the widgets are drawn below)
    data = table_data(ws, seed, pattern, rate) if source == "loaded table" else None
    punched = data is None or data[0] is not None  # holes punched (the toy, or complete columns of the table)
    top[1].radio("Missing pattern", lesson.PATTERNS, key=pattern_key, horizontal=True, disabled=not punched,
                 help="Monotone: drop-out, a row that misses a column misses every later one. General: any cell may "
                      "be missing.")
    top[2].slider("Missing rate (last column)", 0.0, 0.9, key=rate_key, step=0.05, disabled=not punched)
    if data is None:
        data = toy_data(seed, pattern, rate)
    truth, holed, columns = data
    if holed is None:
        return
    methods = st.columns(2)
    vertical = methods[0].selectbox("Vertical (single-variable)", list(lesson.VERTICAL),
                                    key=state.keep("imputation_vertical", "mean"))
    horizontal = methods[1].selectbox("Horizontal (from the other columns)", list(lesson.HORIZONTAL),
                                      key=state.keep("imputation_horizontal", next(iter(lesson.HORIZONTAL))))
    x, y = columns[0], columns[-1]
    if source == "toy":
        pick = st.columns(2)
        x = pick[0].selectbox("x", columns, key=state.keep("imputation_toy_x", columns[0]))
        y = pick[1].selectbox("y", [c for c in columns if c != x], key="imputation_toy_y",
                              index=len(columns) - 2 if x != columns[-1] else 0)
    if not holed[[x, y]].isna().any().any():
        st.info("No value of these two columns is missing at this rate: raise the missing rate to see a difference.")
    comparison = guarded("filling the holes", lesson.compare, holed, x, y, vertical, horizontal, truth=truth, rng=seed)
    if comparison is None:
        return
    chart("drawing the scatters", lesson.scatter_figure, comparison, key="imputation_scatter")
    number = {c: st.column_config.NumberColumn(format="%.3f") for c in comparison.table.columns
              if c not in ("data", "rows")}
    safe_preview(comparison.table, hide_index=True, width="stretch", column_config=number)
    if truth is None:
        chart("drawing the distributions", lesson.distribution_figure, comparison, key="imputation_distribution")
    else:
        table = comparison.table.set_index("data")
        r_true = table.loc["truth", "correlation"]
        r_v, r_h = table.iloc[2]["correlation"], table.iloc[3]["correlation"]
        st.markdown(f"True correlation **{r_true:.2f}**; vertical fill **{r_v:.2f}**, horizontal fill "
                    f"**{r_h:.2f}**.")

    st.subheader("Monotone or general?")
    left, right = st.columns([1, 2])
    with left:
        chart("drawing the pattern", lesson.pattern_figure, holed, key="imputation_pattern_matrix")
    with right:
        monotone = lesson.is_monotone(holed.isna().to_numpy())
        st.markdown(f"This pattern **is {'' if monotone else 'not '}monotone** in the column order shown.")
        st.markdown(
            "In a **monotone** pattern (drop-out: a row that misses a column misses every later one) the columns "
            "can be filled in one pass, in order: when it is column j's turn, every column before it is already "
            "complete in the rows that need it, so a regression on them predicts j once and for all. In a "
            "**general** pattern there is no such order: every column's predictors have holes of their own, so "
            "each column is filled from provisional fills of the others, and the round is repeated until the "
            "fills settle. That is what chained equations (MICE) do.")
    teach(
        "The vertical mean puts every imputed point on one horizontal (or vertical) line: the sd of y shrinks and "
        "the correlation falls towards 0, more the more is missing. A random draw keeps the sd but still ignores "
        "x, so it also weakens the correlation. The horizontal fill puts imputed points along the cloud, and its "
        "correlation stays close to the truth.",
        "Set the missing rate to 0.8 with the mean as the vertical fill. Before you look: roughly what "
        "correlation will the mean-filled table show, compared with the truth of 0.7?",
        "Roughly the truth × √(share of y observed): with about a quarter of x4 observed, 0.7 × √0.25 ≈ 0.35 (seed 0 "
        "shows 0.40), because the imputed values add rows but no co-variation. That is far below the truth, while "
        "the horizontal fill stays near 0.7. Complete cases keep the "
        "correlation here because the holes are completely at random; they would not if the holes depended on "
        "the values.")


render()
