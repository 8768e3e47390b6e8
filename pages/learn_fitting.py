"""Learn: fitting a distribution. Maximum likelihood against the method of moments, AIC, KS and the QQ plot."""

import streamlit as st

from core.lessons import fitting as fit
from ui import sidebar, state
from ui.errors import chart, guarded
from ui.text import md, safe_preview

P = "fitting_"  # every session key of this lesson starts with it
TOY, COLUMN = "toy", "column"


@st.cache_data(max_entries=16, show_spinner=False)
def fits(x):
    return fit.fit_all(x)


@st.cache_data(max_entries=16, show_spinner=False)
def synthesize_choice(x, seed):
    return fit.synthesize_choice(x, rng=seed)


def _data(ws, seed: int):
    """(values, description, token): the column to fit and a token that changes with it."""
    source = st.radio("Data", [TOY, COLUMN], key=state.keep(P + "source", TOY), horizontal=True,
                      format_func=lambda s: "toy: a gamma sample (shape 2, scale 3)" if s == TOY
                      else "a column of the loaded table")
    if source == COLUMN:
        numeric = ws.schema.numeric_columns()
        if numeric:
            column = st.selectbox("Column", numeric, key=P + "column", format_func=str)
            x = guarded("reading the column", fit.prepare, ws.real[column], name=str(column), rng=seed)
            if x is not None:
                return x, f"the column {md(column)}", f"{ws.fingerprint}-{column}-{seed}"
        else:
            st.info("The loaded table has no number column, so the lesson fits the toy gamma sample instead.")
    n = st.number_input("Toy sample size", 10, 100_000, step=100, key=state.keep(P + "n", 500))
    x = guarded("drawing the toy sample", fit.toy_sample, int(n), rng=seed)
    return x, f"{int(n):,} draws from a gamma with shape 2 and scale 3", f"toy-{n}-{seed}"


def _reset() -> None:
    st.session_state[P + "resets"] = st.session_state.get(P + "resets", 0) + 1


def render() -> None:
    ws = state.workspace()
    sidebar.render(ws)
    st.title("Fitting a distribution")
    st.markdown(
        "To sample new values like a column's, first describe the column by a **family** (normal, gamma, ...) and "
        "its **parameters**. Two classic ways to choose the parameters: **maximum likelihood** (the parameters under "
        "which the data are most probable; scipy's `fit`) and the **method of moments** (match the mean and variance, "
        "a formula per family). **AIC** (2k − 2 log L) compares families, penalising parameters; the **KS distance** "
        "is the largest gap between the data's and the fit's cumulative curves; the **QQ plot** shows where they "
        "disagree.")
    seed = int(st.number_input("Seed", 0, 2**31 - 1, key=state.keep(P + "seed", 0),
                               help="The same seed gives the same sample, for everyone in the room."))
    x, described, token = _data(ws, seed)
    if x is None:
        st.stop()
    table = guarded("fitting the families", fits, x)
    if table is None or table.empty:
        if table is not None:
            st.warning("No family could be fitted to these values. Try another column.")
        st.stop()
    st.markdown(f"Fitting {described} ({len(x):,} values).")
    if x.min() <= 0:
        st.caption("The values include zero or negatives, so only the normal can be fitted: the other families live "
                   "on x > 0.")
    safe_preview(table[["family", "method", "shown", "AIC", "KS", "rank"]].rename(columns={"shown": "parameters",
                                                                                          "KS": "KS distance",
                                                                                          "rank": "AIC rank"}),
                 hide_index=True, width="stretch",
                 column_config={"AIC": st.column_config.NumberColumn(format="%.1f"),
                                "KS distance": st.column_config.NumberColumn(format="%.4f")})
    best = table.iloc[0]
    choice = guarded("asking the Synthesize page's method", synthesize_choice, x, seed)
    st.caption(f"Lowest AIC: **{best['family']}** by {best['method']}."
               + (f" The Synthesize page's statistical method (more families, a free location) would choose "
                  f"**{choice}** for this column." if choice else ""))

    st.subheader("Edit the parameters")
    families = list(dict.fromkeys(table["family"]))
    row = st.columns(3)
    family = row[0].selectbox("Family", families, key=P + "family")
    method = row[1].radio("Start from", list(fit.METHODS), key=P + "method")
    row[2].button("Back to the fitted values", key=P + "reset", on_click=_reset, icon=":material/undo:")
    fitted = table[(table["family"] == family) & (table["method"] == method)]
    if fitted.empty:
        st.info(f"The {method} fit of the {family} failed on these values; start from the other method.")
        st.stop()
    start = fitted.iloc[0]["parameters"]
    resets = st.session_state.get(P + "resets", 0)
    slots = st.columns(3)
    params = {name: slots[i].number_input(name, value=float(value), format="%.4g", step=abs(value) / 20 or 0.1,
                                          key=f"{P}{family}_{method}_{name}_{token}_{resets}")
              for i, (name, value) in enumerate(start.items())}
    edited = guarded("scoring your parameters", fit.score, family, params, x)
    if edited is None:
        st.stop()
    at_fit = fitted.iloc[0]
    numbers = st.columns(3)
    for slot, (name, value, fitted_value, shown) in zip(numbers, (("KS distance", edited.ks, at_fit["KS"], ".4f"),
                                                                   ("AIC", edited.aic, at_fit["AIC"], ",.1f")),
                                                        strict=False):
        change = f"{value - fitted_value:+{shown}}"
        same = float(change.replace(",", "")) == 0  # (as shown: unchanged parameters read +0.0000, a red arrow up)
        slot.metric(name, f"{value:{shown}}", delta="the same as the fit" if same else f"{change} vs the fit",
                    delta_color="off" if same else "inverse", delta_arrow="off" if same else "auto")
    numbers[2].metric("log-likelihood", f"{edited.log_likelihood:,.1f}")
    left, right = st.columns(2)
    with left:
        chart("drawing the densities", fit.density_figure, x, table, family, params, key=P + "density")
    with right:
        chart("drawing the QQ plot", fit.qq_figure, x, family, params, key=P + "qq")
    st.markdown("**Notice:** nudge any parameter away from the maximum-likelihood value and the log-likelihood "
                "falls and AIC rises: that is what *maximum* likelihood means. The KS distance, a different yardstick, "
                "may improve a little; the QQ points leave the diagonal where the fitted curve misses the data.")
    st.markdown("**Exercise.** On the toy sample, choose the **normal**. Predict: at which ends do the QQ points leave "
                "the diagonal, and do they bend above or below it?")
    with st.expander("Reveal the answer"):
        st.markdown("Both ends lie **above** the diagonal, a curve that smiles. At the right, the gamma's long tail "
                    "gives data larger than the normal's quantiles; at the left, the data stop at 0 while the normal "
                    "runs into negative values, so the smallest data are again larger than predicted. Switch to the "
                    "gamma and the points straighten out, and its AIC is the lowest in the table.")


render()
