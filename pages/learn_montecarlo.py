"""Learn: random numbers and Monte Carlo. Inverse-CDF sampling, and the law of large numbers."""

import numpy as np
import streamlit as st

from core.lessons import montecarlo as mc
from ui import sidebar, state
from ui.errors import chart, guarded
from ui.text import md

P = "montecarlo_"  # every session key of this lesson starts with it
STEP = 250  # points added by "Draw more"
LLN_SIZES = [10, 30, 100, 300, 1_000, 3_000, 10_000, 30_000, 100_000]


def _column_values(ws):
    """(values, column name) of the loaded table's number column the user picks, or (None, None) with a sentence."""
    numeric = [c for c in ws.schema.numeric_columns() if ws.real[c].notna().sum() >= 2]
    if not numeric:
        st.info("The loaded table has no number column with at least two values, so the lesson uses the normal "
                "distribution instead. Load a table with numbers (penguins, airquality) to sample from a column.")
        return None, None
    column = st.selectbox("Column", numeric, key=P + "column", format_func=str)
    return ws.real[column].to_numpy(dtype=float, na_value=np.nan), str(column)


def _reset_extra() -> None:
    st.session_state[P + "extra"] = 0


def _draw_more() -> None:
    st.session_state[P + "extra"] = st.session_state.get(P + "extra", 0) + STEP


def render() -> None:
    ws = state.workspace()
    sidebar.render(ws)
    st.title("Random numbers and Monte Carlo")
    st.markdown(
        "A computer only makes **uniform** random numbers u between 0 and 1. Every other distribution is made from "
        "them, and the simplest recipe is the **inverse CDF**: take the distribution's cumulative curve F, read u on "
        "its vertical axis, go across to the curve and down to x = F⁻¹(u). Steep parts of the curve (where the "
        "density is high) catch many u's; flat parts catch few. Then: averages of many draws settle on the expected "
        "value (the **law of large numbers**), and how fast is known.")
    seed = st.number_input("Seed", 0, 2**31 - 1, key=state.keep(P + "seed", 0), on_change=_reset_extra,
                           help="The same seed gives the same draws, for everyone in the room.")

    st.header("1. From uniform numbers to any distribution")
    families = list(mc.FAMILIES)
    top = st.columns(3)
    family = top[0].selectbox("Distribution", families, key=state.keep(P + "family", "gamma"),
                              format_func=lambda f: mc.FAMILIES[f][0], on_change=_reset_extra)
    n = top[1].number_input("Draws n", 1, 20_000, step=100, key=state.keep(P + "n", 500), on_change=_reset_extra)
    lines = top[2].slider("u values mapped across", 1, mc.MAX_LINES, 6, key=P + "lines")
    values, name, params = None, None, {}
    if family == mc.COLUMN:
        values, name = _column_values(ws)
        if values is None:
            family = "normal"
    if family != mc.COLUMN:
        spec = mc.FAMILIES[family][1]
        slots = st.columns(max(len(spec), 2))
        for slot, (param, default, _, help_text) in zip(slots, spec, strict=False):
            params[param] = slot.number_input(param, step=0.1, format="%.3f", help=help_text,
                                              key=state.keep(f"{P}{family}_{param}", default), on_change=_reset_extra)
    target = guarded("setting up the distribution", mc.target, family, params, values, name=name or "column")
    if target is None:
        st.stop()
    extra = st.session_state.get(P + "extra", 0)
    total = min(int(n) + extra, mc.MAX_DRAWS)
    draws = guarded("drawing", mc.inverse_cdf_sample, target, total, rng=int(seed))
    if draws is None:
        st.stop()
    u, x = draws
    left, right = st.columns([1, 3])
    left.button(f"Draw {STEP} more", key=P + "more", on_click=_draw_more, icon=":material/add:",
                disabled=total >= mc.MAX_DRAWS, help="Adds points to the same sequence: the first draws stay.")
    left.button("Start over", key=P + "restart", on_click=_reset_extra, disabled=extra == 0)
    with right:
        chart("drawing the inverse-CDF picture", mc.sampling_figure, target, u, x, lines=lines, key=P + "sampling")
    ks = mc.ks_test(target, x)
    metrics = st.columns(4)
    metrics[0].metric("Draws", f"{total:,}")
    metrics[1].metric("Mean of the draws", f"{x.mean():.4g}", help=f"Target mean: {target.mean:.4g}")
    metrics[2].metric("KS distance", f"{ks.statistic:.3f}",
                      help="The largest gap between the draws' step CDF and the target's CDF.")
    metrics[3].metric("KS p-value", f"{ks.pvalue:.3f}",
                      help="Small (< 0.01) would say the draws do not come from the target. It should not be.")
    st.markdown(f"**Notice:** the dotted lines start evenly spread on the u axis, but land crowded where the curve "
                f"is steep: that is where the histogram is tall. Press *Draw {STEP} more* and watch the histogram "
                "hug the target curve while the KS distance shrinks (about like 1/√n).")
    st.markdown("**Exercise.** Choose the exponential with scale 1. Which u values end up in its long right tail, "
                "say above x = 2.3? Predict the share of draws beyond 2.3, then reveal.")
    with st.expander("Reveal the answer"):
        st.markdown("F(x) = 1 − e^(−x), so x > 2.3 exactly when u > 1 − e^(−2.3) ≈ 0.90: the top **10%** of the "
                    "uniform numbers make the whole tail. The inverse CDF is x = −ln(1 − u), which is how "
                    "exponential waiting times are simulated.")

    st.header("2. The law of large numbers")
    st.markdown("Average n draws: the running mean wanders at first, then settles on the expected value μ. The "
                "central limit theorem says how close: within ±1.96·σ/√n for about 95% of seeds. Faint lines are "
                "other seeds.")
    row = st.columns(3)
    choice = row[0].radio("Outcome", ["target", mc.DIE], key=state.keep(P + "outcome", "target"),
                          format_func=lambda o: "a fair die (payoff = the face)" if o == mc.DIE
                          else f"a draw from {target.label}")
    size = row[1].select_slider("Number of draws n (log scale)", LLN_SIZES, key=state.keep(P + "lln_n", 1_000))
    n_seeds = row[2].slider("Seeds drawn", 1, 10, 5, key=P + "seeds")
    outcome = mc.die() if choice == mc.DIE else mc.from_target(target)
    seeds = [int(seed) + i for i in range(n_seeds)]
    means = guarded("averaging the draws", mc.running_means, outcome, int(size), seeds)
    if means is None:
        st.stop()
    chart("drawing the running means", mc.lln_figure, outcome, means, key=P + "lln")
    half = 1.96 * outcome.sd / np.sqrt(size)
    final = float(means[0, -1])
    numbers = st.columns(4)
    numbers[0].metric("Expected value μ", f"{outcome.mean:.4g}", help=f"σ = {outcome.sd:.4g}")
    numbers[1].metric(f"Mean of {size:,} draws", f"{final:.4g}", delta=f"{final - outcome.mean:+.3g}",
                      delta_color="off")
    numbers[2].metric("Band half-width 1.96·σ/√n", f"{half:.3g}")
    numbers[3].metric("Inside the band", f"{mc.coverage(outcome, means):.0%}",
                      help="Share of the seeds' running means, over every n, that lie inside the band (about 95%).")
    st.markdown(f"**Notice:** the error of your seed's mean ({abs(final - outcome.mean):.3g}) is of the size of the "
                "band, and the band narrows like 1/√n: each step of the slider (×√10 the draws) makes it about "
                "1.8 times narrower, not 3.2 times.")
    st.markdown("**Exercise.** To make the band half as wide, how many times more draws do you need?")
    with st.expander("Reveal the answer"):
        st.markdown("**Four times** as many: the width is 1.96·σ/√n, and √(4n) = 2√n. One more digit of accuracy "
                    "costs 100 times the draws, which is why Monte Carlo is easy to start and slow to perfect.")
    if family == mc.COLUMN:
        st.caption(f"Sampling from the column {md(name)}: its empirical quantile function joins the sorted values "
                   "with straight lines, so draws stay within the column's range.")


render()
