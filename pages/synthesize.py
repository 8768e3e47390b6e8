"""Synthesize page: pick a method, tune it, generate, and keep every run."""

import time

import pandas as pd
import streamlit as st

from core import plots
from core.io import write_table
from core.synth import METHODS
from core.synth.fitting import CANDIDATES, EMPIRICAL, ranking
from core.synth.neural import NeuralSynthesizer
from core.synth.oversample import OVERSAMPLERS
from core.synth.run import draw as draw_rows
from core.synth.run import generate as generate_table
from core.workspace import Run
from ui import cache, sidebar, state, training
from ui.errors import captured, guarded
from ui.params import param_widgets

PAGE = "synthesize"
OVERSAMPLING = [cls.key for cls in OVERSAMPLERS]
NEURAL = [k for k, cls in METHODS.items() if issubclass(cls, NeuralSynthesizer)]
GROUPS = {"Oversampling (balances the target's classes)": OVERSAMPLING,
          "Statistical models (a whole synthetic table)": [k for k in METHODS if k not in OVERSAMPLING + NEURAL],
          "Neural networks (a whole table, trained)": NEURAL}
TRAINING_BASICS = ("epochs", "batch_size", "early_stopping", "patience", "target_classes")
TEACHING = {
    "gan": """
**Two players.** The *generator* turns random noise, plus a condition such as "make a row whose island is
Dream", into a row. The *critic* looks at packs of real and generated rows and scores how real they look.
The critic learns to score real rows higher than generated ones; the generator learns to raise its rows'
scores. Every category gets asked for in turn (training-by-sampling), so rare ones are learned too.

**Reading the curves.** The losses are the scores of a game, not of a fit: they do not fall steadily. The
critic's loss (its score for generated rows minus its score for real ones) is below zero while it can still
tell them apart and moves towards zero as the generator catches up; the generator's loss wanders with the
critic's. Swings that grow instead of settling mean the learning rates are too high. **Watch fidelity**: it
measures the samples themselves (1 − the mean distance between the real and synthetic distribution of each
column, as on the Compare page) and should rise, then flatten.

**Mode collapse.** A generator can find a few kinds of row that fool the critic and make only those: whole
categories or clusters of values vanish. The critic judging *pac* rows at once and the conditioning guard
against it; after training, the check below the run lists every category or number mode holding at least 1%
of the real rows that the samples (almost) lack.

**When to stop.** When fidelity has been flat for tens of epochs. Early stopping does that for you and keeps
the best model; *Stop* ends training at once and keeps the model trained so far.""",
    "vae": """
**Encoder and decoder.** The *encoder* squeezes each row into a short code, a small cloud of points rather
than one point; the *decoder* learns to rebuild the row from any point of the cloud. A second term (KL)
pulls every cloud towards a standard normal, so a fresh random code decodes to a plausible new row.

**Reading the curves.** The reconstruction loss falls as the decoder rebuilds rows better (it can go below
zero: it includes the log-likelihood of the numbers). The KL loss usually rises at first, as the codes start
to carry information, then settles. **Watch fidelity**: it measures the samples themselves (1 − the mean
distance between the real and synthetic distribution of each column) and should rise, then flatten. A higher
loss factor gives sharper rows, closer to the training ones; a lower one smoother, more varied rows.

**Mode collapse.** A VAE rarely collapses the way a GAN can, but it blurs: rare categories and small
clusters get absorbed into their big neighbours. After training, the check below the run lists every
category or number mode holding at least 1% of the real rows that the samples (almost) lack.

**When to stop.** When fidelity has been flat for tens of epochs. Early stopping does that for you and keeps
the best model; *Stop* ends training at once and keeps the model trained so far.""",
}


def generate(method: str, params: dict, n: int, seed: int, rules: list[str], derived: list[str]) -> None:
    state.new_action(PAGE)
    ws = state.workspace()
    with st.spinner(f"Fitting {METHODS[method].title} on {len(ws.train):,} rows and drawing {n:,}…"):
        result = captured("generating", generate_table, ws.train, ws.schema, method, params, n, rng=seed,
                          rules=rules, derived=derived)
    if result is None:
        return
    run = ws.add_run(Run(method=method, params=params, seed=seed, synthetic=result.table,
                         fit_seconds=result.fit_seconds, sample_seconds=result.sample_seconds, rules=rules,
                         derived=derived, notes=result.notes))
    st.session_state["run_choice"] = run.name
    state.flash("success", f"Generated {len(result.table):,} rows with {METHODS[method].title} as run '{run.name}' "
                           f"(fit {result.fit_seconds:.2f} s, sample {result.sample_seconds:.2f} s).")
    training.flash_notes(result)


def start_training(method: str, params: dict, n: int, seed: int, rules: list[str], derived: list[str]) -> None:
    state.new_action(PAGE)
    job = training.current()
    if job is not None and job.running:
        state.flash("info", "A model is training already: stop it, or wait for it to finish.")
        return
    ws = state.workspace()
    training.start(ws.train, ws.schema, ws.fingerprint, method, params, n, seed, rules, derived)


def progress_line(job: training.Job) -> tuple[float, str]:
    monitor, latest = job.monitor, job.monitor.latest
    if latest is None:
        return 0.0, f"{monitor.phase.capitalize()}…"
    losses = " · ".join(f"{name} loss {value:.3f}" for name, value in latest.losses.items())
    scored = [p.fidelity for p in monitor.history if p.fidelity is not None]
    fidelity = f" · fidelity {scored[-1]:.3f}" if scored else ""
    left = "stopping after this batch…" if monitor.stop.is_set() else \
        ("drawing rows…" if monitor.phase == "sampling" else f"about {latest.seconds_left:,.0f} s left")
    return latest.epoch / latest.epochs, f"Epoch {latest.epoch:,} of {latest.epochs:,} · {losses}{fidelity} · {left}"


@st.fragment(run_every=1.0)
def live(job: training.Job) -> None:
    """The training as it happens: progress, live curves and the stop button (redrawn every second)."""
    if not job.running:
        st.rerun()  # the whole page, which turns the finished job into a run
    value, text = progress_line(job)
    st.progress(min(value, 1.0), text=text)
    if job.monitor.history:  # the curves start with the first epoch
        st.plotly_chart(plots.training_curves(job.monitor.history, METHODS[job.method].loss_names),
                        width="stretch", key="train_live")
    st.button("Stop training", icon=":material/stop_circle:", key="train_stop", on_click=job.monitor.stop.set,
              disabled=job.monitor.stop.is_set(),
              help="Ends training after the current batch and draws the rows from the model trained so far.")


def redraw(name: str, n: int, seed: int) -> None:
    """More rows from a run's trained network, as a new run: no retraining."""
    state.new_action(PAGE)
    ws = state.workspace()
    source = ws.run(name)

    def apply() -> Run:
        start = time.perf_counter()
        table, _ = draw_rows(source.model, n, rng=seed, rules=source.rules, derived=source.derived)
        return Run(method=source.method, params=source.params, seed=seed, synthetic=table, fit_seconds=0.0,
                   sample_seconds=time.perf_counter() - start, rules=source.rules, derived=source.derived,
                   notes=[f"Drawn from the network trained for run '{name}' (no retraining)."],
                   lost_modes=source.model.collapse_check(ws.train, table),
                   model=source.model)

    run = captured("drawing rows", apply)
    if run is not None:
        ws.add_run(run)
        st.session_state["run_choice"] = run.name
        state.flash("success", f"Drew {len(run.synthetic):,} rows from the network of '{name}' as run '{run.name}' "
                               f"({run.sample_seconds:.2f} s).")


def rename(old: str) -> None:
    state.new_action(PAGE)
    new = st.session_state.get("run_new_name", "").strip()

    def apply() -> bool:
        state.workspace().rename_run(old, new)
        return True

    if captured("renaming the run", apply):
        st.session_state["run_choice"] = new
        st.session_state["run_new_name"] = ""
        state.flash("success", f"Renamed '{old}' to '{new}'.")


def delete(name: str) -> None:
    state.new_action(PAGE)

    def apply() -> bool:
        state.workspace().delete_run(name)
        return True

    if captured("deleting the run", apply):
        st.session_state.pop("run_choice", None)
        state.flash("success", f"Deleted run '{name}'.")


ws = state.workspace()
sidebar.render(ws)  # (which also turns a training that has ended into a run)
job = training.current()
st.title("Synthesize")
st.markdown(
    "Pick a method, tune it, generate. Every method fits on the working table's rows except the held-out ones "
    f"({len(ws.train):,} of {len(ws.working):,} rows; the rest are kept aside to score the result honestly), "
    "and every generation is kept as a run you can compare, rename, delete and download.")
state.show_flash(PAGE)
if ws.imputed is None and ws.working[ws.schema.synth_columns].isna().any().any():
    st.info("The working table has missing values. Statistical models reproduce them at their real rate and the "
            "neural networks learn where they fall; the SMOTE family needs a complete table: impute it on the Impute "
            "page first.", icon=":material/info:")

group = st.radio("Family", list(GROUPS), horizontal=True, key="synth_group")
method = st.selectbox("Method", GROUPS[group], key="synth_method", format_func=lambda k: METHODS[k].title)
cls = METHODS[method]
left, right = st.columns([3, 2], gap="large")
left.markdown(f"**{cls.title}.** {cls.card.does}  \n*When:* {cls.card.when}  \n*Weaknesses:* {cls.card.distorts}")
if method in OVERSAMPLING and not ws.schema.target:
    left.warning("This method balances the classes of a target column, and none is chosen: pick one on the "
                 "Data page.")
simple = tuple(p for p in cls.params if p.type not in ("mapping", "matrix"))
if method in NEURAL:
    with left.expander("How this network learns, how to read its curves, and when to stop"):
        st.markdown(TEACHING[method])
    params = param_widgets(tuple(p for p in simple if p.name in TRAINING_BASICS), key=f"synth::{method}",
                           columns=list(ws.working.columns), container=right)
    target_kind = ws.schema.kinds.get(ws.schema.target or "")
    if params.get("target_classes") == "equal" and target_kind not in ("binary", "categorical"):
        left.warning("Equal classes need a binary or categorical target column: pick one on the Data page.")
    with right.expander("Network and optimiser"):
        params |= param_widgets(tuple(p for p in simple if p.name not in TRAINING_BASICS), key=f"synth::{method}",
                                columns=list(ws.working.columns))
else:
    params = param_widgets(simple, key=f"synth::{method}", columns=list(ws.working.columns), container=right)

train = ws.train
if method in ("monte_carlo", "cholesky"):
    fitted = guarded("fitting distributions", cache.marginals, ws)
    if fitted:
        with st.expander("Distribution fitting: which distribution each number column gets", expanded=False):
            st.caption("Candidates ranked by AIC (lower is better) with their Kolmogorov-Smirnov distance to the data; "
                       "the empirical distribution is the fallback when none fits. Override the choice here. Columns "
                       "are drawn " + ("independently: relationships between columns are lost." if method ==
                                       "monte_carlo" else "through the target correlation below."))
            column = st.selectbox("Column", list(fitted), key="fit_column")
            marginal = fitted[column]
            options = [marginal.chosen] + [n for n in [*CANDIDATES, EMPIRICAL] if n != marginal.chosen
                                           and (n == EMPIRICAL or marginal.fit(n) is not None)]
            chosen = st.selectbox("Distribution", options, key=f"fit_choice::{column}",
                                  format_func=lambda n: f"{n} (best by AIC)" if n == marginal.chosen else n)
            a, b = st.columns(2)
            a.dataframe(ranking(marginal), hide_index=True, width="stretch",
                        column_config={"AIC": st.column_config.NumberColumn(format="%.1f"),
                                       "KS distance": st.column_config.NumberColumn(format="%.3f")})
            b.plotly_chart(plots.fitted_density(marginal, chosen), width="stretch", key="fit_density")
            st.plotly_chart(plots.qq_plot(marginal, chosen), width="stretch", key="fit_qq")
        overrides = {c: st.session_state.get(f"fit_choice::{c}", m.chosen) for c, m in fitted.items()}
        params["distributions"] = {c: d for c, d in overrides.items() if d != fitted[c].chosen}

if method == "cholesky":
    base = guarded("estimating correlations", cache.normal_score_correlation, ws)
    if base is not None and len(base):
        with st.expander("Target correlation (edit to run what-if scenarios)", expanded=False):
            st.caption("Correlations of the number columns' normal scores, estimated from the data. Change any cell "
                       "(keep it symmetric); an impossible matrix is repaired to the nearest valid one, with a notice.")
            edited = st.data_editor(base.round(3), key="chol_matrix", width="stretch")
            if not edited.round(3).equals(base.round(3)):
                params["correlation"] = edited

n_default = len(train) if not (method in OVERSAMPLING and params.get("mode") == "bulk_out" and ws.schema.target) \
    else int(train[ws.schema.target].value_counts().max() * train[ws.schema.target].nunique())
row = st.columns(3)
n = int(row[0].number_input("Rows to generate", 1, 5_000_000, n_default, key=f"synth_n::{method}::{params.get('mode')}",
                            help="Bulk-out mode: the total, real rows included."))
seed = int(row[1].number_input("Seed", 0, 2**31 - 1, 0, key="synth_seed",
                               help="Same seed, same table (for the neural networks: the same training too)."))
with st.expander("Business rules and derived columns"):
    st.caption("One rule per line, such as `age >= 18` or `income > 0 or employed == \"no\"`; rows that break a rule "
               "are drawn again. Derived columns as `name = expression`. Back-ticks around names with dots: "
               "`` `Solar.R` > 0 ``. Expressions are parsed against a whitelist, never run as code.")
    rules_text = st.text_area("Rules", key="synth_rules", height=90)
    derived_text = st.text_area("Derived columns", key="synth_derived", height=70)
rules = [line for line in rules_text.splitlines() if line.strip()]
derived = [line for line in derived_text.splitlines() if line.strip()]
busy = job is not None and not job.collected  # running, or ended since the sidebar looked (collected on the rerun)
if method in NEURAL:
    row[2].button("Train and generate", type="primary", icon=":material/model_training:", key="synth_run",
                  on_click=start_training, args=(method, params, n, seed, rules, derived), disabled=busy)
else:
    row[2].button("Generate", type="primary", icon=":material/auto_awesome:", key="synth_run",
                  on_click=generate, args=(method, params, n, seed, rules, derived), disabled=busy)
if busy:
    st.subheader(f"Training {METHODS[job.method].title}", divider="gray")
    live(job)

st.header("Runs", divider="gray")
if not ws.runs:
    st.caption("No runs yet: generate one above.")
else:
    st.dataframe(pd.DataFrame([{"run": r.name, "method": METHODS[r.method].title if r.method in METHODS else r.method,
                                "rows": len(r.synthetic), "seed": r.seed, "fit s": r.fit_seconds,
                                "sample s": r.sample_seconds, "created": r.created.strftime("%H:%M:%S"),
                                "settings": ", ".join(f"{k}={v}" for k, v in r.params.items()
                                                      if not isinstance(v, (dict, pd.DataFrame)))}
                               for r in ws.runs]),
                 hide_index=True, width="stretch",
                 column_config={c: st.column_config.NumberColumn(format="%.2f") for c in ("fit s", "sample s")})
    names = [r.name for r in ws.runs]
    if st.session_state.get("run_choice") not in names:
        st.session_state["run_choice"] = names[-1]
    chosen_run = ws.run(st.selectbox("Run", names, key="run_choice"))
    for note in chosen_run.notes:
        st.caption(note)
    if chosen_run.method == "cholesky":
        base = guarded("estimating correlations", cache.normal_score_correlation, ws)
        target = chosen_run.params.get("correlation")
        target = target if isinstance(target, pd.DataFrame) else base
        if target is not None and len(target) >= 2:
            numbers = [c for c in target.columns if c in chosen_run.synthetic.columns]
            st.markdown("**Target and achieved correlations.** The normal scores get the target correlation; the "
                        "Pearson correlation of the numbers themselves is smaller wherever a column is skewed, "
                        "because turning normal scores into a skewed distribution bends straight lines into curves.")
            st.plotly_chart(plots.correlation_panels(
                {"target (normal scores)": target.loc[numbers, numbers],
                 "real data (Pearson)": ws.train[numbers].corr(),
                 "synthetic (Pearson)": chosen_run.synthetic[numbers].corr()}), width="stretch", key="chol_check")
    if chosen_run.model is not None:  # a neural run: its training history and the mode-collapse check
        with st.expander("Training curves and the mode-collapse check", expanded=True):
            st.plotly_chart(plots.training_curves(chosen_run.model.history_, METHODS[chosen_run.method].loss_names),
                            width="stretch", key="run_curves")
            lost = chosen_run.lost_modes
            if lost is None or lost.empty:
                st.success("Mode-collapse check: every category and every number mode holding at least 1% of the "
                           "real rows appears in the samples.", icon=":material/check_circle:")
            else:
                st.warning(f"Mode-collapse check: the samples (almost) lack {len(lost)} categories or number modes "
                           "that hold at least 1% of the real rows. More epochs, a larger pac or the other network "
                           "may recover them.", icon=":material/warning:")
                st.dataframe(lost, hide_index=True, width="stretch",
                             column_config={c: st.column_config.NumberColumn(format="percent")
                                            for c in ("real share", "synthetic share")})
        again = st.columns([2, 2, 3], vertical_alignment="bottom")
        more = int(again[0].number_input("More rows", 1, 5_000_000, len(chosen_run.synthetic), key="redraw_n"))
        more_seed = int(again[1].number_input("Seed for them", 0, 2**31 - 1, chosen_run.seed + 1, key="redraw_seed"))
        again[2].button("Draw again from this network", icon=":material/replay:", key="redraw",
                        on_click=redraw, args=(chosen_run.name, more, more_seed),
                        help="New rows from the trained network, as a new run, without training it again.")
    st.dataframe(chosen_run.synthetic.head(1_000), height=280, width="stretch")
    actions = st.columns([2, 1, 1, 1, 1])
    actions[0].text_input("New name", key="run_new_name", label_visibility="collapsed", placeholder="new name")
    actions[1].button("Rename", key="run_rename", on_click=rename, args=(chosen_run.name,))
    actions[2].button("Delete", key="run_delete", on_click=delete, args=(chosen_run.name,))
    actions[3].download_button("CSV", write_table(chosen_run.synthetic, "csv"), f"{chosen_run.name}.csv",
                               mime="text/csv", key="run_csv", icon=":material/download:")
    actions[4].download_button("Parquet", write_table(chosen_run.synthetic, "parquet"),
                               f"{chosen_run.name}.parquet", key="run_parquet", icon=":material/download:")
