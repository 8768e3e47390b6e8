"""Learn: SMOTE, step by step. Pick, find neighbours, pick one, draw a gap, place the point; then its family."""

import pandas as pd
import streamlit as st

from core.lessons import smote
from core.schema import LABELS
from ui import sidebar, state
from ui.errors import chart, guarded
from ui.text import md

TOY, TABLE = "Toy data (200 vs 20 points)", "Loaded table"
DONE, PHASE = "smote_done", "smote_phase"  # finished new points; steps taken into the next one (0-5)


def _next(n: int) -> None:
    done, phase = min(st.session_state.get(DONE, 0), n), st.session_state.get(PHASE, 0)
    if phase < 5:
        st.session_state[PHASE] = phase + 1
    elif done + 1 < n:  # "repeat": the point is kept and the next one is picked
        st.session_state[DONE], st.session_state[PHASE] = done + 1, 1
    else:
        st.session_state[DONE], st.session_state[PHASE] = n, 0


def _all(n: int) -> None:
    st.session_state[DONE], st.session_state[PHASE] = n, 0


def _reset() -> None:
    st.session_state[DONE], st.session_state[PHASE] = 0, 0


def _points(ws) -> smote.Points | None:
    """The two columns and the target the user picks from the loaded table, or None (with a sentence) for the toy."""
    schema, real = ws.schema, ws.real
    target = schema.target
    if not target or target not in real.columns or schema.kinds.get(target) not in LABELS:
        st.info("The loaded table has no label target (choose one on the Data page), so the toy data is shown.")
        return None
    numbers = [c for c in schema.numeric_columns() if c != target and c in real.columns]
    if len(numbers) < 2:
        st.info(f"The loaded table has fewer than two number columns besides the target {md(target)}, so the toy "
                "data is shown.")
        return None
    left, right = st.columns(2)
    x = left.selectbox("x axis", numbers, key="smote_x")
    y_options = [c for c in numbers if c != x]
    y = right.selectbox("y axis", y_options, key="smote_y")
    points = guarded("reading the two columns", smote.from_table, real, x, y, target)
    if points is not None:
        dropped, rest = len(real) - len(points.xy), len(points.xy) - points.n_minority
        st.caption(f"Target {md(target)}: the minority is the smallest class, **{md(points.minority_label)}** "
                   f"({points.n_minority} rows), against {md(points.majority_label)} ({rest} rows)."
                   + ((" 1 row with a missing value is left out." if dropped == 1 else
                       f" {dropped} rows with a missing value are left out.") if dropped else ""))
    return points


def render() -> None:
    ws = state.workspace()
    sidebar.render(ws)
    st.title("SMOTE, step by step")
    st.markdown(
        "A classifier trained on 200 rows of one class and 20 of the other learns to say \"majority\" almost always. "
        "**SMOTE** (Chawla et al. 2002) makes new minority rows instead of copying old ones: pick a minority row "
        "**x**, find its **k** nearest minority neighbours, pick one, **n**, and place the new row at "
        "**x + g·(n − x)** for a random **g** between 0 and 1, somewhere on the segment from x to n. Step through it "
        "below, then see where it goes wrong and how its variants try to fix that.")

    top = st.columns([2, 1, 1])
    source = top[0].radio("Data", [TOY, TABLE], key=state.keep("smote_source", TOY), horizontal=True)
    seed = int(top[1].number_input("Seed", 0, 2**31 - 1, key=state.keep("smote_seed", 0),
                                   help="The same seed gives the same data and the same draws, for the whole room."))
    points = _points(ws) if source == TABLE else None
    if points is None:
        points = smote.toy(seed)

    controls = st.columns(3)
    k = controls[0].slider("k (neighbours)", 1, 15, key=state.keep("smote_k", 5),
                           help="How many nearest minority rows a new point may be drawn towards.")
    n = controls[1].slider("New points", 1, 200, key=state.keep("smote_n", 20))
    fixed = controls[2].toggle("Fixed gap g = 0.5", key=state.keep("smote_fixed", False),
                               help="Off: g ~ U(0, 1), anywhere on the segment. On: every new point is a midpoint.")
    if k >= points.n_minority:
        st.warning(f"The minority class has {points.n_minority} rows, so a row has at most "
                   f"{points.n_minority - 1} minority neighbours; k is set to {points.n_minority - 1} here.")
        k = points.n_minority - 1
    plan = guarded("planning the SMOTE draws", smote.plan, points, k=k, n=n, rng=seed, fixed_gap=fixed)
    if plan is None:
        st.stop()
    done = min(st.session_state.get(DONE, 0), n)
    phase = st.session_state.get(PHASE, 0) if done < n else 0

    step, family = st.tabs(["Step by step", "The SMOTE family"])
    with step:
        made = smote.shown(plan, done, phase)
        next_label = ("All points made" if made >= n and phase == 0 else
                      f"Next: {smote.STEPS[5 if phase == 5 else phase]}")
        buttons = st.columns(3)
        buttons[0].button(next_label, key="smote_next", on_click=_next, args=(n,), type="primary",
                          disabled=done >= n, icon=":material/skip_next:", width="stretch")
        buttons[1].button(f"Generate all {n}", key="smote_all", on_click=_all, args=(n,),
                          icon=":material/fast_forward:", width="stretch")
        buttons[2].button("Reset", key="smote_reset", on_click=_reset, icon=":material/restart_alt:",
                          width="stretch")

        picture, numbers = st.columns([3, 1])
        with picture:
            chart("drawing the SMOTE steps", smote.step_figure, points, plan, done, phase, key="smote_steps")
        with numbers:
            placed = plan.new[:made]
            inside = int(smote.in_majority_region(points, placed).sum())
            st.metric("New points", f"{made} of {n}")
            st.metric("In the majority region", f"{inside}" + (f" ({inside / made:.0%})" if made else ""),
                      help="New points whose nearest original row belongs to the majority class.")
            st.metric("Different places", smote.distinct(placed),
                      help="With a fixed gap, the same pair of rows always gives the same midpoint.")
            if fixed:
                st.caption(f"A gap of 0.5 can fill at most **{smote.midpoint_places(plan)}** places here: the "
                           "midpoints of the distinct (row, neighbour) pairs.")
            st.markdown(smote.step_caption(points, plan, done, phase, k))
        st.caption("Neighbours are searched on standardised columns (each divided by its spread), as the project's "
                   "samplers do, so the unit of a column does not decide who is near.")
        st.markdown("**What to notice:** every new point lies on a line between two minority rows, so SMOTE never "
                    "leaves the minority's outline; but where the minority reaches into the majority, the segments "
                    "cross majority ground and the red stars are new minority rows in the majority's region: noise a "
                    "classifier will learn. Turn on the fixed gap: the points jump to midpoints, and with many new "
                    "points they start to pile on top of each other.")

        st.subheader("Exercise: why must the gap be random?")
        st.markdown(f"With the fixed gap on, k = {k} and {points.n_minority} minority rows, ask for 200 new points. "
                    "**Predict** how many *different* places they can land on at most, then check the "
                    "\"Different places\" number.")
        with st.expander("Reveal the answer"):
            st.markdown(f"At most {points.n_minority} × {k} = {points.n_minority * k} (row, neighbour) pairs, and "
                        "fewer distinct ones, because when two rows are each other's neighbours they share one "
                        "midpoint. So 200 points must repeat: a fixed gap only ever makes the same few rows over and "
                        "over, which is random oversampling by copying with extra steps, and a model overfits to them. "
                        "With g ~ U(0, 1) every new point is different and the whole segment is filled, which is "
                        "what widens the decision region of the minority class (Chawla et al. 2002, §4.2).")

    with family:
        st.markdown("The same points and the same ask, made by the family of SMOTE (imbalanced-learn's samplers and "
                    "the project's Safe-Level SMOTE). **Borderline-SMOTE** only starts from minority rows near the "
                    "border; **ADASYN** makes more points where a row has many majority neighbours (it shares the "
                    "ask out by difficulty and rounds each share, so it may make a few more or fewer); **Safe-Level "
                    "SMOTE** pulls each point towards the safer of its two ends; **Geometric SMOTE** draws inside a "
                    "sphere around the row instead of on a line.")
        made_by = guarded("running the SMOTE family", smote.family, points, k=k, n=n, rng=seed)
        if made_by is not None:
            chart("drawing the SMOTE family", smote.family_figure, points, made_by, key="smote_family")
            rows = []
            for name, new in made_by.items():
                if isinstance(new, str):
                    st.caption(md(new))
                    continue
                inside = smote.in_majority_region(points, new)
                rows.append({"method": name, "new points": len(new), "in majority region": int(inside.sum()),
                             "different places": smote.distinct(new)})
            st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
            if rows:
                ranked = sorted(rows, key=lambda r: r["in majority region"] / max(r["new points"], 1))
                st.markdown("**What to notice:** Borderline-SMOTE and ADASYN start from the rows near the border, so "
                            "their points crowd it; Safe-Level SMOTE leans towards the class's safe core; Geometric "
                            "SMOTE's points leave the lines and fill areas. Here "
                            f"**{ranked[-1]['method']}** puts the largest share of its points in the majority region "
                            f"and **{ranked[0]['method']}** the smallest; change the seed or k and see whether that "
                            "holds.")

render()
