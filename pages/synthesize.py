"""Synthesize page: pick a method, tune it, generate, and keep every run.

What is on screen is what runs: every choice lasts for the session (``ui.state.keep``), every value is
checked against its declared range and refused with a sentence rather than replaced, and the buttons'
callbacks read the values from the session at the moment of the click (``settings``), never from
arguments bound when the button was drawn.
"""

import time
from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from core import plots
from core.errors import ParameterError, SynthLabError
from core.io import spreadsheet_safe, write_table
from core.limits import limits
from core.synth import METHODS
from core.synth.fitting import CANDIDATES, EMPIRICAL, ranking
from core.synth.neural import LOST, SPIKE, NeuralSynthesizer
from core.synth.registry import OVERSAMPLING as OVERSAMPLING_FAMILY
from core.synth.run import draw as draw_rows
from core.synth.run import generate as generate_table
from core.workspace import Run, Workspace
from ui import cache, sidebar, state, training
from ui.errors import captured, guarded
from ui.params import edit_matrix, param_widgets, read_params, rows_problem, seed_problem, sentence
from ui.text import md, safe_preview

PAGE = "synthesize"
OVERSAMPLING = [k for k, cls in METHODS.items() if cls.family is OVERSAMPLING_FAMILY]
NEURAL = [k for k, cls in METHODS.items() if issubclass(cls, NeuralSynthesizer)]
STATISTICAL = "Statistical models (a whole synthetic table)"
GROUPS = {"Oversampling (balances the target's classes)": OVERSAMPLING,
          STATISTICAL: [k for k in METHODS if k not in OVERSAMPLING + NEURAL],
          "Neural networks (a whole table, trained)": NEURAL}
DEFAULT_METHOD = "gaussian_copula"  # handles missing values, needs no target: a first click makes a run
TRAINING_BASICS = ("epochs", "batch_size", "early_stopping", "patience", "target_classes")
CORRELATION = "chol_target"  # the Cholesky target correlation as edited (kept outside the editor widget)


# ---------------------------------------------------------------- what the Generate button runs


@dataclass
class Settings:
    """Everything a click on Generate runs with, read from the session; ``problems`` stop the click."""

    method: str
    params: dict
    n: object
    seed: object
    rules: list[str]
    derived: list[str]
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # recorded on the run (edits of the target correlation)


def chosen_method() -> tuple[str, str]:
    """(family, method) as on screen: a method of another family gives way to the first of this one."""
    group = st.session_state.get("synth_group", STATISTICAL)
    group = group if group in GROUPS else STATISTICAL
    method = st.session_state.get("synth_method", DEFAULT_METHOD)
    return group, method if method in GROUPS[group] else GROUPS[group][0]


def simple_params(method: str) -> tuple:
    return tuple(p for p in METHODS[method].params if p.type not in ("mapping", "matrix"))


def blockers(ws: Workspace, method: str) -> list[str]:
    """Why ``method`` cannot run on this table at all, said before the click."""
    if method not in OVERSAMPLING:
        return []
    title, found = METHODS[method].title, []
    if not ws.schema.target:
        found.append(f"{title} balances the classes of a target column, and none is chosen: pick one on the Data "
                     "page.")
    holes = [c for c in ws.schema.synth_columns if ws.working[c].isna().any()]
    if holes:
        found.append(f"{title} can't work with missing values, and {', '.join(holes)} "
                     f"{'has' if len(holes) == 1 else 'have'} some: impute them first on the Impute page, or pick a "
                     "statistical model or a neural network, which handle them.")
    return found


def fit_key(ws: Workspace, column: str) -> str:
    return f"fit_choice::{ws.fingerprint}::{column}"


def rows_key(ws: Workspace, method: str, params: dict) -> str:
    return f"synth_n::{ws.fingerprint}::{method}::{params.get('mode')}"


def default_rows(ws: Workspace, method: str, params: dict) -> int:
    target = ws.schema.target
    if method in OVERSAMPLING and params.get("mode") == "bulk_out" and target:
        counts = ws.train[target].value_counts()
        return int(counts.max() * len(counts))
    return len(ws.train)


def correlation_store(ws: Workspace, base: pd.DataFrame) -> dict:
    """The target correlation as edited so far, for this working table (the estimate until edited)."""
    tag = (ws.fingerprint, ws.working_label, tuple(base.columns))
    store = st.session_state.get(CORRELATION)
    if store is None or store["tag"] != tag:
        store = st.session_state[CORRELATION] = {"tag": tag, "matrix": base.copy(), "version": 0}
    return store


def editor_key(store: dict) -> str:
    return f"chol_matrix::{store['version']}"


def shown_correlation(store: dict) -> pd.DataFrame:
    """The matrix as the editor shows it (rounded; spreadsheet-safe, as its toolbar can download it)."""
    return spreadsheet_safe(store["matrix"].round(3))


def edited_correlation(ws: Workspace) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(estimate, target with the editor's pending edits mirrored); ParameterError for a refused edit."""
    base = cache.normal_score_correlation(ws)
    store = correlation_store(ws, base)
    names = dict(zip(shown_correlation(store).columns, store["matrix"].columns, strict=True))  # shown -> real
    pending = (st.session_state.get(editor_key(store)) or {}).get("edited_rows", {})
    return base, edit_matrix(store["matrix"], {row: {names.get(c, c): v for c, v in changes.items()}
                                               for row, changes in pending.items()})


def correlation_changes(base: pd.DataFrame, target: pd.DataFrame) -> list[str]:
    columns = list(base.columns)
    return [f"{a} ~ {b}: {base.loc[a, b]:.3f} → {target.loc[a, b]:g}" for i, a in enumerate(columns)
            for b in columns[i + 1:] if target.loc[a, b] != base.loc[a, b]]


def settings(ws: Workspace) -> Settings:
    """What a click on Generate runs now: the values on screen, checked."""
    _, method = chosen_method()
    columns = list(ws.working.columns)
    params, problems = read_params(simple_params(method), key=f"synth::{method}", columns=columns)
    problems += blockers(ws, method)
    refusal = None if problems else METHODS[method].refusal(params)
    if refusal is not None:
        problems.append(sentence(refusal))
    notes = []
    try:
        if method in ("monte_carlo", "cholesky"):
            params["distributions"] = {c: st.session_state[fit_key(ws, c)] for c, m in cache.marginals(ws).items()
                                       if st.session_state.get(fit_key(ws, c), m.chosen) != m.chosen}
        if method == "cholesky":
            base, target = edited_correlation(ws)
            changes = correlation_changes(base, target)
            if changes:
                params["correlation"] = target
                notes.append("Target correlation edited from the estimate: " + "; ".join(changes) + ".")
    except ParameterError as exc:
        problems.append(sentence(exc))
    except SynthLabError as exc:  # shown where the fitting panel would be
        problems.append(exc.message)
    n = st.session_state.get(rows_key(ws, method, params), default_rows(ws, method, params))
    seed = st.session_state.get("synth_seed", 0)
    problems += [p for p in (rows_problem(n, "Rows to generate"), seed_problem(seed, "Seed")) if p]
    rules = [line for line in st.session_state.get("synth_rules", "").splitlines() if line.strip()]
    derived = [line for line in st.session_state.get("synth_derived", "").splitlines() if line.strip()]
    return Settings(method, params, n, seed, rules, derived, problems, notes)


def applying(chosen: Settings) -> str:
    """'2 rules and 1 derived column will apply to this run.', or '' when none will."""
    parts = [f"{len(items)} {word}{'s' if len(items) != 1 else ''}"
             for items, word in ((chosen.rules, "rule"), (chosen.derived, "derived column")) if items]
    return f"{' and '.join(parts)} will apply to this run." if parts else ""


def clicked() -> None:
    """Generate (or train): with the settings on screen at the moment of the click."""
    state.new_action(PAGE)
    ws = state.workspace()
    chosen = captured("reading the settings", settings, ws)
    if chosen is None:
        return
    if chosen.problems:
        for problem in chosen.problems:
            state.flash("error", md(problem))
        return
    if chosen.method in NEURAL:
        start_training(ws, chosen)
    else:
        generate(ws, chosen)


def generate(ws: Workspace, chosen: Settings) -> None:
    title = METHODS[chosen.method].title
    with st.spinner(f"Fitting {title} on {len(ws.train):,} rows and drawing {chosen.n:,}…"):
        result = captured("generating", generate_table, ws.train, ws.schema, chosen.method, chosen.params, chosen.n,
                          rng=chosen.seed, rules=chosen.rules, derived=chosen.derived)
    if result is None:
        return
    run = ws.add_run(Run(method=chosen.method, params=chosen.params, seed=chosen.seed, synthetic=result.table,
                         fit_seconds=result.fit_seconds, sample_seconds=result.sample_seconds, rules=chosen.rules,
                         derived=chosen.derived, notes=[*chosen.notes, *result.notes]))
    st.session_state["run_choice"] = run.name
    state.flash("success", f"Generated {len(result.table):,} rows with {title} as run '{md(run.name)}' "
                           f"(fit {result.fit_seconds:.2f} s, sample {result.sample_seconds:.2f} s).")
    training.flash_notes(result)


def start_training(ws: Workspace, chosen: Settings) -> None:
    job = training.current()
    if job is not None and job.running:
        state.flash("info", "A model is training already: stop it, or wait for it to finish.")
        return
    training.start(ws.train, ws.schema, ws.fingerprint, chosen.method, chosen.params, chosen.n, chosen.seed,
                   chosen.rules, chosen.derived)


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


# ---------------------------------------------------------------- runs


def redraw_problems() -> list[str]:
    return [p for p in (rows_problem(st.session_state.get("redraw_n"), "More rows"),
                        seed_problem(st.session_state.get("redraw_seed"), "Seed for them")) if p]


def redraw() -> None:
    """More rows from the chosen run's trained network, as a new run: no retraining."""
    state.new_action(PAGE)
    ws = state.workspace()
    problems = redraw_problems()
    if problems:
        for problem in problems:
            state.flash("error", md(problem))
        return
    name, n, seed = st.session_state["run_choice"], st.session_state["redraw_n"], st.session_state["redraw_seed"]

    def apply() -> Run:
        source = ws.run(name)
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
        state.flash("success", f"Drew {len(run.synthetic):,} rows from the network of '{md(name)}' as run "
                               f"'{md(run.name)}' ({run.sample_seconds:.2f} s).")


def rename() -> None:
    state.new_action(PAGE)
    old, new = st.session_state.get("run_choice"), st.session_state.get("run_new_name", "").strip()

    def apply() -> bool:
        state.workspace().rename_run(old, new)
        return True

    if captured("renaming the run", apply):
        st.session_state["run_choice"] = new
        st.session_state["run_new_name"] = ""
        state.flash("success", f"Renamed '{md(old)}' to '{md(new)}'.")


def delete() -> None:
    state.new_action(PAGE)
    name = st.session_state.get("run_choice")

    def apply() -> bool:
        state.workspace().delete_run(name)
        return True

    if captured("deleting the run", apply):
        st.session_state.pop("run_choice", None)
        state.flash("success", f"Deleted run '{md(name)}'.")


def restore_correlation() -> None:
    st.session_state.pop(CORRELATION, None)


def settings_text(run: Run) -> str:
    """The run's method parameters in one line (the distribution overrides named, an edited correlation said)."""
    parts = []
    for name, value in run.params.items():
        if name == "distributions":
            if value:
                parts.append("distributions (" + ", ".join(f"{c}: {d}" for c, d in value.items()) + ")")
        elif name == "correlation":
            if value is not None:
                parts.append("correlation edited")
        else:
            parts.append(f"{name}={value}")
    return ", ".join(parts)


def made_with(run: Run) -> str:
    """Everything the run was made with, and what the user should know about it, as plain text."""
    title = METHODS[run.method].title if run.method in METHODS else run.method
    lines = [f"{title} · seed {run.seed} · {len(run.synthetic):,} rows"]
    if settings_text(run):
        lines.append(f"settings: {settings_text(run)}")
    lines += [f"rule: {rule}" for rule in run.rules] + [f"derived column: {line}" for line in run.derived]
    return "\n".join(lines + run.notes)


# ---------------------------------------------------------------- the page

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

group = st.radio("Family", list(GROUPS), horizontal=True, key=state.keep("synth_group", STATISTICAL))
state.keep("synth_method", DEFAULT_METHOD)
method = st.selectbox("Method", GROUPS[group], key="synth_method", format_func=lambda k: METHODS[k].title)
cls = METHODS[method]
columns = list(ws.working.columns)
left, right = st.columns([3, 2], gap="large")
left.markdown(f"**{cls.title}.** {cls.card.does}  \n*When:* {cls.card.when}  \n*Weaknesses:* {cls.card.distorts}")
for blocker in blockers(ws, method):
    left.warning(md(blocker), icon=":material/warning:")
simple = simple_params(method)
if method in NEURAL:
    with left.expander("How this network learns, how to read its curves, and when to stop"):
        st.markdown(cls.teaching)
    param_widgets(tuple(p for p in simple if p.name in TRAINING_BASICS), key=f"synth::{method}", columns=columns,
                  container=right)
    target_kind = ws.schema.kinds.get(ws.schema.target or "")
    if st.session_state.get(f"synth::{method}::target_classes") == "equal" \
            and target_kind not in ("binary", "categorical"):
        left.warning("Equal classes need a binary or categorical target column: pick one on the Data page.")
    with right.expander("Network and optimiser"):
        param_widgets(tuple(p for p in simple if p.name not in TRAINING_BASICS), key=f"synth::{method}",
                      columns=columns)
else:
    param_widgets(simple, key=f"synth::{method}", columns=columns, container=right)

if method in ("monte_carlo", "cholesky"):
    fitted = guarded("fitting distributions", cache.marginals, ws)
    if fitted:
        for name, marginal in fitted.items():  # every column's choice lasts, shown or not
            state.keep(fit_key(ws, name), marginal.chosen)
        with st.expander("Distribution fitting: which distribution each number column gets", expanded=False):
            st.caption("Candidates ranked by AIC (lower is better) with their Kolmogorov-Smirnov distance to the data; "
                       "the empirical distribution is the fallback when none fits. Override the choice here. Columns "
                       "are drawn " + ("independently: relationships between columns are lost." if method ==
                                       "monte_carlo" else "through the target correlation below."))
            column = st.selectbox("Column", list(fitted), key=state.keep("fit_column", next(iter(fitted))))
            marginal = fitted[column]
            options = [marginal.chosen] + [n for n in [*CANDIDATES, EMPIRICAL] if n != marginal.chosen
                                           and (n == EMPIRICAL or marginal.fit(n) is not None)]
            chosen = st.selectbox("Distribution", options, key=fit_key(ws, column),
                                  format_func=lambda n: f"{n} (best by AIC)" if n == marginal.chosen else n)
            a, b = st.columns(2)
            a.dataframe(ranking(marginal), hide_index=True, width="stretch",
                        column_config={"AIC": st.column_config.NumberColumn(format="%.1f"),
                                       "KS distance": st.column_config.NumberColumn(format="%.3f")})
            b.plotly_chart(plots.fitted_density(marginal, chosen), width="stretch", key="fit_density")
            st.plotly_chart(plots.qq_plot(marginal, chosen), width="stretch", key="fit_qq")

if method == "cholesky":
    base = guarded("estimating correlations", cache.normal_score_correlation, ws)
    if base is not None and len(base):
        store = correlation_store(ws, base)
        with st.expander("Target correlation (edit to run what-if scenarios)", expanded=False):
            st.caption("Correlations of the number columns' normal scores, estimated from the data. Change a cell off "
                       "the diagonal and its mirror image changes with it; an impossible matrix is repaired to the "
                       "nearest valid one, with a notice.")
            st.data_editor(shown_correlation(store), key=editor_key(store), width="stretch")
            try:
                _, target = edited_correlation(ws)
            except ParameterError as exc:
                st.error(md(sentence(exc)), icon=":material/error:")
            else:
                if not target.equals(store["matrix"]):  # an edit: keep it, mirrored, and show it so
                    store["matrix"], store["version"] = target, store["version"] + 1
                    st.rerun()
            changes = correlation_changes(base, store["matrix"])
            if changes:
                st.text("Edited: " + "; ".join(changes))
                st.button("Restore the estimate", key="chol_restore", on_click=restore_correlation)

current = settings(ws)
impossible = METHODS[method].refusal(current.params)  # settings that cannot make a table, said before the click
if impossible is not None:
    right.error(md(sentence(impossible)), icon=":material/error:")
with st.expander("Business rules and derived columns"):
    st.caption("One rule per line, such as `age >= 18` or `income > 0 or employed == \"no\"`; rows that break a rule "
               "are drawn again. Derived columns as `name = expression`. Back-ticks around names with dots: "
               "`` `Solar.R` > 0 ``. Expressions are parsed against a whitelist, never run as code.")
    st.text_area("Rules", key=state.keep("synth_rules", ""), height=90)
    st.text_area("Derived columns", key=state.keep("synth_derived", ""), height=70)
if applying(current):
    st.caption(f":material/rule: {applying(current)} They stay for every method until you clear them.")
cap = limits().max_rows_generate
row = st.columns(3)
row[0].number_input("Rows to generate", step=1, help=f"Bulk-out mode: the total, real rows included. At most {cap:,} "
                    "on this server (an operator sets max_rows_generate in synthlab.toml).",
                    key=state.keep(rows_key(ws, method, current.params), default_rows(ws, method, current.params)))
row[1].number_input("Seed", step=1, key=state.keep("synth_seed", 0),
                    help="Same seed, same table (for the neural networks: the same training too).")
for column, problem in ((row[0], rows_problem(current.n, "Rows to generate")), (row[1], seed_problem(current.seed,
                                                                                                       "Seed"))):
    if problem:
        column.error(md(problem), icon=":material/error:")
busy = job is not None and not job.collected  # running, or ended since the sidebar looked (collected on the rerun)
refused = bool(current.problems)
row[2].button("Train and generate" if method in NEURAL else "Generate", type="primary", key="synth_run",
              icon=":material/model_training:" if method in NEURAL else ":material/auto_awesome:",
              on_click=clicked, disabled=busy or refused,
              help="Fix what is marked above first." if refused else None)
if busy:
    st.subheader(f"Training {METHODS[job.method].title}", divider="gray")
    live(job)

st.header("Runs", divider="gray")
if not ws.runs:
    st.caption("No runs yet: generate one above.")
else:
    table = pd.DataFrame([{"run": r.name, "method": METHODS[r.method].title if r.method in METHODS else r.method,
                           "rows": len(r.synthetic), "seed": r.seed, "settings": settings_text(r),
                           "rules": "; ".join(r.rules), "derived": "; ".join(r.derived), "fit s": r.fit_seconds,
                           "sample s": r.sample_seconds, "created": r.created.strftime("%H:%M:%S")} for r in ws.runs])
    safe_preview(table, hide_index=True, width="stretch",
                 column_config={c: st.column_config.NumberColumn(format="%.2f") for c in ("fit s", "sample s")})
    names = [r.name for r in ws.runs]
    if st.session_state.get("run_choice") not in names:
        st.session_state["run_choice"] = names[-1]
    chosen_run = ws.run(st.selectbox("Run", names, key="run_choice"))
    st.code(made_with(chosen_run), language=None, wrap_lines=True)
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
                           "real rows appears in the samples, and the samples pile up on no value the real rows "
                           "do not.", icon=":material/check_circle:")
            else:
                missed, spikes = int((lost["what"] == LOST).sum()), int((lost["what"] == SPIKE).sum())
                found = ([f"(almost) lack {missed} categories or number modes that hold at least 1% of the real rows"]
                         if missed else []) + ([f"pile up on {spikes} value{'s' if spikes != 1 else ''} far more "
                                                "often than the real rows do"] if spikes else [])
                st.warning("Mode-collapse check: the samples " + " and ".join(found) + ". More epochs, a larger pac "
                           "or the other network may fix this.", icon=":material/warning:")
                safe_preview(lost, hide_index=True, width="stretch",
                             column_config={c: st.column_config.NumberColumn(format="percent")
                                            for c in ("real share", "synthetic share")})
        again = st.columns([2, 2, 3], vertical_alignment="bottom")
        again[0].number_input("More rows", value=len(chosen_run.synthetic), step=1, key="redraw_n",
                              help=f"At most {cap:,} on this server (an operator sets max_rows_generate in "
                                   "synthlab.toml).")
        again[1].number_input("Seed for them", value=chosen_run.seed + 1, step=1, key="redraw_seed")
        for problem in redraw_problems():
            st.error(md(problem), icon=":material/error:")
        again[2].button("Draw again from this network", icon=":material/replay:", key="redraw", on_click=redraw,
                        disabled=bool(redraw_problems()),
                        help="New rows from the trained network, as a new run, without training it again.")
    safe_preview(chosen_run.synthetic.head(1_000), height=280, width="stretch")
    actions = st.columns([2, 1, 1, 1, 1])
    actions[0].text_input("New name", key="run_new_name", label_visibility="collapsed", placeholder="new name")
    actions[1].button("Rename", key="run_rename", on_click=rename)
    actions[2].button("Delete", key="run_delete", on_click=delete)
    actions[3].download_button("CSV", write_table(chosen_run.synthetic, "csv"), f"{chosen_run.name}.csv",
                               mime="text/csv", key="run_csv", icon=":material/download:")
    actions[4].download_button("Parquet", write_table(chosen_run.synthetic, "parquet"),
                               f"{chosen_run.name}.parquet", key="run_parquet", icon=":material/download:")
