"""Learn: counting is not modelling. Independent counts lose relationships; joint counts only replay real rows."""

import numpy as np
import pandas as pd
import streamlit as st

from core.lessons import counting as lesson
from ui import sidebar, state
from ui.errors import chart, guarded
from ui.text import md, md_list

P = "counting_"  # every key of this lesson
COLUMNS_SHOWN = P + "columns_shown"
TABLE, TOY = "The loaded table's label columns (numbers in quartiles)", "Toy table"
MAX_ROWS = 20_000


@st.cache_data(max_entries=8, show_spinner=False)
def curve(table: pd.DataFrame, seed: int) -> pd.DataFrame:
    return lesson.curse(table, rng=seed)


@st.cache_data(max_entries=8, show_spinner=False)
def synthesise(table: pd.DataFrame, method: str, seed: int) -> pd.DataFrame:
    return lesson.SYNTHESISERS[method](table, len(table), rng=seed)


def move(by: int, most: int) -> None:
    st.session_state[COLUMNS_SHOWN] = int(np.clip(st.session_state.get(COLUMNS_SHOWN, 2) + by, 1, most))


def strongest_pair(table: pd.DataFrame) -> tuple[str, str]:
    columns = list(table.columns)
    pairs = [(a, b) for i, a in enumerate(columns) for b in columns[i + 1:]]
    return max(pairs, key=lambda p: lesson.cramers_v(table, *p))


def the_table(ws, source: str, seed: int) -> pd.DataFrame | None:
    if source == TOY:
        n = st.select_slider("Rows in the toy table", [200, 500, 1000, 2000, 5000], key=state.keep(P + "rows", 1000))
        return lesson.toy_table(int(n), rng=seed)
    table, left_out = lesson.label_table(ws.real, ws.schema)
    if left_out:
        st.caption(f"Left out (more than {lesson.MAX_LEVELS} levels, or a single value): " + md_list(left_out) + ".")
    if len(table.columns) > lesson.MAX_COLUMNS:
        st.caption(f"The first {lesson.MAX_COLUMNS} of {len(table.columns)} columns are used.")
        table = table.iloc[:, :lesson.MAX_COLUMNS]
    if len(table) > MAX_ROWS:
        st.caption(f"A seeded sample of {MAX_ROWS:,} of the {len(table):,} rows is used.")
        table = table.sample(MAX_ROWS, random_state=seed).reset_index(drop=True)
    return table


def render() -> None:
    ws = state.workspace()
    sidebar.render(ws)
    st.title("Counting is not modelling")
    st.markdown(
        "The simplest way to synthesise label columns is to **count**. Count each column's values and draw each "
        "column on its own (**independent value counts**), or count whole rows' combinations and draw "
        "combinations (**joint counts**). The first keeps every column's frequencies and loses how the columns go "
        "together. The second keeps everything, until there are more possible combinations than rows. Then it "
        "can only hand back copies of real rows.")

    top = st.columns(2)
    seed = int(top[0].number_input("Seed", 0, 2**31 - 1, key=state.keep(P + "seed", 0),
                                   help="The same seed gives the same tables for everyone in the room."))
    usable, _ = lesson.label_table(ws.real, ws.schema)
    sources = [TABLE, TOY] if usable.shape[1] >= 2 and len(usable) >= 2 else [TOY]
    if sources == [TOY]:
        st.info("The loaded table has fewer than two label or number columns that can be counted, so the lesson "
                "uses the toy table.")
    with top[1]:
        source = st.radio("Table", sources, key=P + "source")
    table = guarded("preparing the table", the_table, ws, source, seed)
    if table is None or table.shape[1] < 2:
        st.stop()
    columns = list(table.columns)

    st.subheader("1. Two ways to count")
    method = st.radio("Synthesise by", list(lesson.METHOD_NAMES), key=P + "method", horizontal=True,
                      format_func=lesson.METHOD_NAMES.get)
    default_a, default_b = strongest_pair(table)
    pick = st.columns(2)
    a = pick[0].selectbox("Rows of the table", columns, index=columns.index(default_a), key=P + "a",
                          help="By default the most strongly related pair of columns.")
    b_options = [c for c in columns if c != a]
    b = pick[1].selectbox("Columns of the table", b_options, key=P + "b",
                          index=b_options.index(default_b) if default_b in b_options else 0)
    synthetic = guarded("counting", synthesise, table, method, seed)
    if synthetic is None:
        st.stop()
    chart("drawing the contingency tables", lesson.contingency_figure, table, synthetic, a, b, method,
          key=P + "contingency")
    v_real, v_synth = lesson.cramers_v(table, a, b), lesson.cramers_v(synthetic, a, b)
    numbers = st.columns(4)
    numbers[0].metric("Cramér's V, real", f"{v_real:.2f}")
    numbers[1].metric("Cramér's V, synthetic", f"{v_synth:.2f}", delta=f"{v_synth - v_real:+.2f}",
                      delta_color="off")
    numbers[2].metric(f"TV distance of {md(a)}", f"{lesson.tv_distance(table[a], synthetic[a]):.3f}",
                      help="Total variation distance of the column's frequencies: ½ Σ |p − q|; 0 = identical.")
    numbers[3].metric(f"TV distance of {md(b)}", f"{lesson.tv_distance(table[b], synthetic[b]):.3f}")
    st.markdown("**What to notice:** " + (
        "each column's frequencies are kept (small TV distances), but the cells of the synthetic table are just "
        "row share × column share: the pattern on the left is gone and Cramér's V drops towards 0."
        if method == "independent" else
        "the synthetic table looks like the real one, cell by cell, and Cramér's V is kept: the whole "
        "combinations were counted. Now see what that costs as columns are added."))

    st.subheader("2. Add columns: the curse of dimensionality")
    most = len(columns)
    shown = int(np.clip(st.session_state.get(COLUMNS_SHOWN, 2), 1, most))
    nav = st.columns([1, 1, 3])
    nav[0].button("Remove a column", key=P + "remove", on_click=move, args=(-1, most), disabled=shown <= 1,
                  icon=":material/remove:", width="stretch")
    nav[1].button("Add a column", key=P + "add", on_click=move, args=(1, most), disabled=shown >= most,
                  icon=":material/add:", width="stretch")
    nav[2].markdown(f"**{shown} of {most} columns:** {md_list(columns[:shown])}")
    curse = guarded("counting the combinations", curve, table, seed)
    if curse is None:
        st.stop()
    chart("drawing the combinations", lesson.curse_figure, curse, shown, key=P + "curse")
    row = curse.iloc[shown - 1]
    stats_ = st.columns(4)
    stats_[0].metric("Possible combinations", f"{int(row['possible combinations']):,}",
                     help="The product of the columns' numbers of levels.")
    stats_[1].metric("Combinations seen", f"{int(row['combinations seen']):,}", help=f"In {len(table):,} rows.")
    stats_[2].metric("Rows that are unique", f"{row['unique rows']:.0%}",
                     help="Rows whose combination occurs only once in the table.")
    stats_[3].metric("Copies of real rows", f"{row['copies (joint)']:.0%}",
                     help=f"Synthetic rows that copy a real row, by joint counting; by independent counting: "
                          f"{row['copies (independent)']:.0%}.")
    unique = (f"{row['unique rows']:.0%} of the real rows are unique, so their copies point at one person"
              if row["unique rows"] > 0 else "no real row is unique yet, so a copy does not single anyone out")
    independent = (
        "Independent counting could make new combinations, but every possible one already occurs in the table, so "
        "it too only hands back combinations that exist. Add columns and watch that change."
        if row["combinations seen"] >= row["possible combinations"] else
        f"Independent counting makes new combinations (only {row['copies (independent)']:.0%} of its rows copy a "
        "real one) but, as part 1 showed, nonsense ones.")
    st.markdown(
        f"**What to notice:** with {shown} column{'s' if shown != 1 else ''} there are "
        f"{int(row['possible combinations']):,} possible combinations for {len(table):,} rows. Joint counting can "
        f"only draw the {int(row['combinations seen']):,} that were seen, so **every** synthetic row copies a real "
        f"one, and {unique}. {independent} A model sits between the two: it learns the relationships and "
        "generalises to combinations it has not seen.")

    st.subheader("Exercise: predict, then reveal")
    st.markdown("The toy table has 10 columns with 2 to 5 levels each; take it at 1,000 rows and seed 0. With all "
                "10 columns, about "
                "what share of rows will be unique combinations, and how many of joint counting's synthetic rows "
                "will be new?")
    with st.expander("Reveal the answer"):
        st.markdown("There are 4·4·4·3·4·3·4·4·5·2 = **368,640** possible combinations for 1,000 rows. The "
                    "dependencies crowd the rows into the likely combinations, so only about 760 are seen, yet "
                    "**about 60%** of the rows are combinations of their own (seed 0). Joint counting makes **no** "
                    "new rows: 100% of its rows copy a real one, and most of those copy a unique, identifying row. "
                    "Choose the toy table and press *Add a column* until all 10 are in.")


render()
