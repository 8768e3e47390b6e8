"""Learn: correlation, Cholesky and the Gaussian copula, stepped through from independent normals to real columns."""

from dataclasses import replace

import numpy as np
import pandas as pd
import streamlit as st

from core.lessons import copula as lesson
from ui import sidebar, state
from ui.errors import chart, guarded
from ui.text import md, md_list, safe_preview

P = "copula_"  # every key of this lesson
STEP = P + "step"
EDITOR_VERSION = P + "editor_version"
PRESET = P + "preset"
TOY, TABLE = "Toy marginals", "The loaded table's number columns"
DEFAULT_PAIRS = [0.6, 0.3, -0.2]
IMPOSSIBLE = [0.9, 0.9, -0.9]


def move(by: int) -> None:
    st.session_state[STEP] = int(np.clip(st.session_state.get(STEP, 0) + by, 0, len(lesson.STEPS) - 1))


def preset(values: list[float]) -> None:
    """Put ``values`` in the 3-column editor (a new key makes the editor start from them)."""
    st.session_state[PRESET] = values
    st.session_state[EDITOR_VERSION] = st.session_state.get(EDITOR_VERSION, 0) + 1


def marginals_from(ws, source: str, k: int, usable: list[str]) -> list[lesson.Marginal] | None:
    if source == TABLE:
        chosen = [st.selectbox(f"Column {m + 1}", usable, index=m, key=f"{P}column_{m}") for m in range(k)]
        if len(set(chosen)) < k:
            st.info("Choose different columns: a column against itself has correlation 1 whatever the target.")
            return None
        return guarded("reading the columns", lambda: [lesson.empirical_marginal(ws.real[c]) for c in chosen])
    names = list(lesson.TOY)
    return [lesson.toy_marginal(st.selectbox(f"Marginal {m + 1}", names, index=m, key=f"{P}toy_{m}"))
            for m in range(k)]


def target_from(k: int, names: list[str]) -> np.ndarray | None:
    if k == 2:
        rho = st.slider("Target correlation ρ", -1.0, 1.0, key=state.keep(P + "rho", 0.7), step=0.05,
                        help="The Pearson correlation the normals X should have. ±1 is on the edge: see what happens.")
        return lesson.matrix_from_pairs([rho], 2)
    st.markdown("**Target correlations** (edit the numbers; each must lie between −1 and 1):")
    values = st.session_state.get(PRESET, DEFAULT_PAIRS)
    table = pd.DataFrame({"pair": [f"{names[i]} · {names[j]}" for i, j in lesson.pairs(3)], "target": values})
    edited = st.data_editor(table, key=f"{P}editor_{st.session_state.get(EDITOR_VERSION, 0)}", hide_index=True,
                            disabled=["pair"], width="stretch",
                            column_config={"target": st.column_config.NumberColumn(min_value=-1.0, max_value=1.0,
                                                                                   step=0.05, format="%.2f")})
    buttons = st.columns(2)
    buttons[0].button("Try an impossible target (0.9, 0.9, −0.9)", key=P + "impossible", on_click=preset,
                      args=(IMPOSSIBLE,))
    buttons[1].button("Back to the default target", key=P + "default", on_click=preset, args=(DEFAULT_PAIRS,))
    targets = pd.to_numeric(edited["target"], errors="coerce").to_numpy(dtype=float)
    if not np.all(np.isfinite(targets)):
        st.info("Give every pair a correlation (a number between −1 and 1).")
        return None
    return lesson.matrix_from_pairs(list(targets), 3)


def render() -> None:
    ws = state.workspace()
    sidebar.render(ws)
    st.title("Correlation, Cholesky and the copula")
    st.markdown(
        "How does a synthesiser make columns that are **correlated** and still have **any shape you like**? "
        "The Gaussian copula does it in four steps: draw independent normals, mix them with the **Cholesky "
        "factor** L of the target correlation R (R = L Lᵀ), squash them to uniforms with the normal CDF Φ, and "
        "send each uniform column through the **inverse CDF** of the marginal it should have. Step through and "
        "watch the cloud and the histograms change.")

    usable = lesson.usable_columns(ws.real, ws.schema.numeric_columns())
    top = st.columns(3)
    seed = top[0].number_input("Seed", 0, 2**31 - 1, key=state.keep(P + "seed", 0),
                               help="The same seed gives the same points for everyone in the room.")
    n = top[1].select_slider("Rows", [500, 1000, 2000, 5000, 10000, 20000], key=state.keep(P + "rows", 2000),
                             help=f"Every number uses all rows; the picture draws the first {lesson.MAX_POINTS:,}.")
    k = top[2].radio("Columns", [2, 3], key=state.keep(P + "k", 2), horizontal=True)
    sources = [TABLE, TOY] if len(usable) >= k else [TOY]
    source = st.radio("Marginals from", sources, key=P + "source", horizontal=True)
    if len(usable) < k:
        st.info(f"The loaded table has {len(usable)} number column{'s' if len(usable) != 1 else ''} with enough "
                f"distinct values{': ' + md_list(usable) if usable else ''}; {k} are needed, so the lesson uses toy "
                "marginals.")
    marginals = marginals_from(ws, source, k, usable)
    if not marginals:
        st.stop()
    if len({m.name for m in marginals}) < len(marginals):  # the same toy twice: two columns, told apart
        marginals = [replace(m, name=f"{m.name} #{i + 1}") for i, m in enumerate(marginals)]
    names = [m.name for m in marginals]
    target = target_from(k, names)
    if target is None:
        st.stop()

    check = guarded("checking the target", lesson.check_target, target)
    if check is None:
        st.stop()
    if not check.valid:
        st.warning(md(check.reason) + " The lesson uses the **nearest valid correlation matrix** instead "
                   "(the project's repair, as the Gaussian copula synthesiser does).", icon=":material/warning:")
        shown = pd.DataFrame(check.used, index=names, columns=names)
        left, right = st.columns(2)
        with left:
            st.markdown("Nearest valid correlation matrix:")
            safe_preview(shown.round(3), width="stretch")
        with right:
            chart("drawing the eigenvalues", lesson.eigen_figure, check, key=P + "eigen")

    w = guarded("running the copula", lesson.walk, target, marginals, int(n), rng=int(seed))
    if w is None:
        st.stop()

    step = int(st.session_state.get(STEP, 0))
    nav = st.columns([1, 1, 3])
    nav[0].button("Previous step", key=P + "previous", on_click=move, args=(-1,), disabled=step == 0,
                  icon=":material/arrow_back:", width="stretch")
    nav[1].button("Next step", key=P + "next", on_click=move, args=(1,), disabled=step == len(lesson.STEPS) - 1,
                  icon=":material/arrow_forward:", width="stretch")
    nav[2].markdown(f"**Step {step + 1} of {len(lesson.STEPS)}: {lesson.STEPS[step]}**")
    i, j = 0, 1
    if k == 3:
        options = {f"{names[a]} · {names[b]}": (a, b) for a, b in lesson.pairs(3)}  # (labels as the options: a
        i, j = options[st.selectbox("Pair drawn", list(options), key=P + "pair")]  # renamed marginal shows anew)

    picture, numbers = st.columns([3, 2])
    with picture:
        chart("drawing the step", lesson.step_figure, w, step, i, j, key=P + "figure")
    with numbers:
        table = w.achieved()
        st.markdown("**Target against achieved** (all rows):")
        safe_preview(table.set_index("pair").T.round(3), width="stretch")
        ks = lesson.ks_distances(w)
        st.markdown("**Final columns against their marginals** (Kolmogorov-Smirnov distance, 0 = identical):  \n"
                    + "  \n".join(f"{md(name)}: {d:.3f}" for name, d in zip(names, ks, strict=True)))
        if k == 2:
            st.caption(f"L = [[1, 0], [{w.lower[1, 0]:.3f}, {w.lower[1, 1]:.3f}]]: the second column of X is "
                       f"{w.lower[1, 0]:.2f}·z₁ + {w.lower[1, 1]:.2f}·z₂.")
    st.info(lesson.STEP_NOTES[step], icon=":material/visibility:")
    st.markdown("**What to notice:** Pearson's correlation is only right on the normals (step 2); after Φ and the "
                "inverse marginals, the *ranks* never move, so Spearman's correlation stays at "
                "(6/π)·arcsin(ρ/2) whatever the marginals are. That is why a copula keeps rank correlations, "
                "and only rank correlations.")

    st.subheader("Exercise: predict, then reveal")
    st.markdown("Two columns, target ρ = 0.8, exponential and lognormal marginals. Will the final columns' "
                "Spearman correlation be **above**, **equal to** or **below** 0.8? And their Pearson correlation?")
    with st.expander("Reveal the answer"):
        st.markdown(f"**Below**, and the marginals do not matter: Spearman = (6/π)·arcsin(0.8/2) = "
                    f"**{6 / np.pi * np.arcsin(0.4):.3f}**, for any increasing transforms of the normals. "
                    "Pearson's correlation of the final columns depends on the marginals: skewed ones such as "
                    "the exponential pull it further from 0.8. Set the slider to 0.8, step to the end and check.")


render()
