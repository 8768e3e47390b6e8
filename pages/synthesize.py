"""Synthesize page: pick a method, tune it, generate, and keep every run.

What is on screen is what runs: every choice lasts for the session (``ui.state.keep``), every value is
checked against its declared range and refused with a sentence rather than replaced, and the buttons'
callbacks read the values from the session at the moment of the click (``settings``), never from
arguments bound when the button was drawn.

The page knows no method by name: it lists the registry's families and methods, draws each method's
declared parameters, asks the class why it cannot run (``refusal``, ``blockers``) and how many rows to
offer (``default_rows``), trains aside the methods that train, and shows what each run reports.
"""

import time
from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from core import plots, scale
from core.bundle import run_model
from core.errors import ParameterError, SynthLabError
from core.io import write_table
from core.limits import limits
from core.params import settings_text
from core.recipe import load_recipe, recipe_for, recipe_of_settings, replay
from core.synth import METHODS, families
from core.synth.drawing import Drawing
from core.synth.neural import LOST, SPIKE
from core.synth.run import draw_guarded
from core.synth.run import generate as generate_table
from core.workspace import Run, Workspace
from ui import cache, sidebar, state, training
from ui.drawing import drawing_panel, read_drawing
from ui.errors import captured, guarded, show
from ui.params import (
    param_widgets,
    read_params,
    read_table_params,
    rows_problem,
    seed_problem,
    sentence,
    table_widgets,
)
from ui.text import file_stem, md, safe_preview

PAGE = "synthesize"


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
    drawing: Drawing = field(default_factory=Drawing)  # the guard, conditions and quotas
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # recorded on the run (edits of the target correlation)


def family_titles() -> dict[str, list[str]]:
    """{family title: [method keys]} in the families' order."""
    return {family.title: keys for family, keys in families().items()}


def chosen_method() -> tuple[str, str]:
    """(family title, method) as on screen: a method of another family gives way to the first of this one."""
    groups = family_titles()
    group = st.session_state.get("synth_group", METHODS[METHODS.suggested()].family.title)
    group = group if group in groups else next(iter(groups))
    method = st.session_state.get("synth_method", METHODS.suggested())
    return group, method if method in groups[group] else groups[group][0]


LAST_METHODS = "synth_last_methods"  # {family title: the method last chosen in it}
PICKED = "synth_picked_run"  # the run last picked in the Runs panel, for the Compare page


def _family_changed() -> None:
    """Back in a family, its method is the one last chosen in it (or the suggested one), not its first."""
    keys = family_titles()[st.session_state["synth_group"]]
    last, suggested = st.session_state.get(LAST_METHODS, {}).get(st.session_state["synth_group"]), METHODS.suggested()
    st.session_state["synth_method"] = last if last in keys else suggested if suggested in keys else keys[0]


def blockers(ws: Workspace, method: str, params: dict) -> list[str]:
    """Why ``method`` cannot run on this table with these settings, said before the click."""
    return [sentence(exc) for exc in METHODS[method].blockers(ws.train, ws.schema, params)]


def rows_key(ws: Workspace, method: str, params: dict) -> str:
    """The rows widget's key: a setting that changes the default (such as bulk out) gives its own widget."""
    return f"synth_n::{ws.fingerprint}::{method}::{default_rows(ws, method, params)}"


def default_rows(ws: Workspace, method: str, params: dict) -> int:
    return METHODS[method].default_rows(ws.train, ws.schema, params)


def settings(ws: Workspace) -> Settings:
    """What a click on Generate runs now: the values on screen, checked."""
    _, method = chosen_method()
    cls = METHODS[method]
    params, problems = read_params(cls.params, key=f"synth::{method}", columns=list(ws.working.columns))
    rich, more, notes = read_table_params(cls.params, ws)
    params |= rich
    problems += more
    if not problems:
        refusal = cls.refusal(params)
        problems += [sentence(refusal)] if refusal is not None else blockers(ws, method, params)
    n = st.session_state.get(rows_key(ws, method, params), default_rows(ws, method, params))
    seed = st.session_state.get("synth_seed", 0)
    drawing, more, total = read_drawing(ws, n)
    if total is not None:  # rows per class: they add up to the rows
        n = total
    problems += [p for p in (rows_problem(n, "Rows to generate") if total is None else None,  # (else: said with the
                             seed_problem(seed, "Seed")) if p] + more  # rows per class, in the drawing's problems)
    rules = [line for line in st.session_state.get("synth_rules", "").splitlines() if line.strip()]
    derived = [line for line in st.session_state.get("synth_derived", "").splitlines() if line.strip()]
    return Settings(method, params, n, seed, rules, derived, drawing, problems, notes)


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
    if METHODS[chosen.method].trains:
        start_training(ws, chosen)
    else:
        generate(ws, chosen)


def generate(ws: Workspace, chosen: Settings) -> None:
    title = METHODS[chosen.method].title
    with st.spinner(f"Fitting {title} on {len(ws.train):,} rows and drawing {chosen.n:,}…"):
        result = captured("generating", generate_table, ws.train, ws.schema, chosen.method, chosen.params, chosen.n,
                          rng=chosen.seed, rules=chosen.rules, derived=chosen.derived, holdout=ws.holdout,
                          **chosen.drawing.kwargs())
    if result is None:
        return
    run = ws.add_run(Run(method=chosen.method, params=chosen.params, seed=chosen.seed, synthetic=result.table,
                         fit_seconds=result.fit_seconds, sample_seconds=result.sample_seconds, rules=chosen.rules,
                         derived=chosen.derived, notes=[*chosen.notes, *result.notes],
                         drawing=chosen.drawing.to_dict(), epsilon=result.epsilon))
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
                   chosen.rules, chosen.derived, chosen.drawing, ws.holdout)


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
        show(plots.training_curves(job.monitor.history, METHODS[job.method].loss_names), key="train_live")
    st.button("Stop training", icon=":material/stop_circle:", key="train_stop", on_click=job.monitor.stop.set,
              disabled=job.monitor.stop.is_set(),
              help="Ends training after the current batch and draws the rows from the model trained so far.")


# ---------------------------------------------------------------- runs


def redraw_problems() -> list[str]:
    return [p for p in (rows_problem(st.session_state.get("redraw_n"), "More rows"),
                        seed_problem(st.session_state.get("redraw_seed"), "Seed for them")) if p]


def recipe_button(ws: Workspace, run: Run, container) -> None:
    """The run's recipe as a download (a run drawn from another run's network has none: said on the button)."""
    try:
        text, why = recipe_for(ws, run).to_json(), None
    except SynthLabError as exc:
        text, why = "", sentence(exc) if isinstance(exc, ParameterError) else exc.message
    stopped = str(getattr(run.model, "stopped_", ""))
    same = (f"its training was {stopped}, so a replay trains every epoch and makes other rows"  # (a stop is no seed)
            if stopped.startswith("stopped by the user") else "to make the same rows again")
    container.download_button("Recipe", text, f"{file_stem(run.name)}.recipe.json", mime="application/json",
                              key="run_recipe", icon=":material/receipt_long:", disabled=why is not None,
                              help=why or "Everything this run was made with, as JSON: replay it here or with "
                                          f"'synthlab generate --recipe' {same}.")


def replay_clicked() -> None:
    """Replay the uploaded recipe on the loaded table, as a new run."""
    state.new_action(PAGE)
    ws = state.workspace()
    upload = st.session_state.get("recipe_upload")
    if upload is None:
        state.flash("error", "Choose a recipe file first.")
        return

    def apply() -> Run:
        recipe = load_recipe(upload.getvalue())
        result = replay(recipe, ws, source=f"recipe '{upload.name}'")
        notes = [*result.notes]
        if (recipe.holdout["share"], recipe.holdout["seed"]) != (ws.holdout_share, ws.seed):
            notes.append("The recipe held out other rows than this session does; its scores here use this session's "
                         "holdout.")
        return Run(method=recipe.method, params=recipe.params, seed=recipe.seed, synthetic=result.table,
                   fit_seconds=result.fit_seconds, sample_seconds=result.sample_seconds, rules=recipe.rules,
                   derived=recipe.derived, notes=notes, drawing=recipe.drawing,
                   schema=recipe.data["schema"], imputation=recipe.imputation, epsilon=result.epsilon)

    with st.spinner("Replaying the recipe…"):
        run = captured("replaying the recipe", apply)
    if run is not None:
        ws.add_run(run)
        st.session_state["run_choice"] = run.name
        state.flash("success", f"Replayed '{md(upload.name)}' as run '{md(run.name)}' ({len(run.synthetic):,} rows).")


def replay_panel() -> None:
    with st.expander("Replay a recipe"):
        st.caption("A recipe (downloaded beside a run, or written by 'synthlab generate --save-recipe') makes the same "
                   "rows again from the same table: the schema, holdout, imputation, method, settings, seed and rules "
                   "all come from it. A recipe for other columns is refused with the column that differs.")
        st.file_uploader("Recipe", type=["json"], key="recipe_upload", label_visibility="collapsed")
        st.button("Replay", key="recipe_replay", icon=":material/replay:", on_click=replay_clicked)


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
        drawing = Drawing.from_dict(source.drawing)
        drawing = Drawing(guard=drawing.guard, conditions=drawing.conditions)  # (quotas count the source's rows)
        table, _, notes = draw_guarded(source.model, n, ws.train, ws.schema, rng=seed, rules=source.rules,
                                       derived=source.derived, holdout=ws.holdout, **drawing.kwargs())
        return Run(method=source.method, params=source.params, seed=seed, synthetic=table, fit_seconds=0.0,
                   sample_seconds=time.perf_counter() - start, rules=source.rules, derived=source.derived,
                   notes=[f"Drawn from the network trained for run '{name}' (no retraining).", *notes],
                   drawn_from=name, lost_modes=source.model.collapse_check(ws.train, table),
                   model=source.model, drawing=drawing.to_dict(), epsilon=source.epsilon)

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


def run_settings(run: Run) -> str:
    return settings_text(METHODS[run.method].params if run.method in METHODS else (), run.params)


def made_with(run: Run) -> str:
    """Everything the run was made with, and what the user should know about it, as plain text."""
    title = METHODS[run.method].title if run.method in METHODS else run.method
    lines = [f"{title} · seed {run.seed} · {len(run.synthetic):,} rows"]
    if run_settings(run):
        lines.append(f"settings: {run_settings(run)}")
    lines += [f"rule: {rule}" for rule in run.rules] + [f"derived column: {line}" for line in run.derived]
    lines += Drawing.from_dict(run.drawing).lines()
    return "\n".join(lines + run.notes)


# ---------------------------------------------------------------- the page


def method_panel(ws: Workspace) -> str:
    """Family, method, its card, teaching and widgets; returns the method's key."""
    groups = family_titles()
    about = {family.title: family.about for family in families()}
    first = METHODS.suggested()
    group = st.radio("Family", list(groups), horizontal=True, captions=[about[g] for g in groups],
                     key=state.keep("synth_group", METHODS[first].family.title), on_change=_family_changed)
    state.keep("synth_method", first)
    method = st.selectbox("Method", groups[group], key="synth_method", format_func=lambda k: METHODS[k].title)
    st.session_state.setdefault(LAST_METHODS, {})[group] = method
    cls = METHODS[method]
    left, right = st.columns([3, 2], gap="large")
    left.markdown(f"**{cls.title}.** {cls.card.does}  \n*When:* {cls.card.when}  \n*Weaknesses:* {cls.card.distorts}")
    if cls.teaching:
        with left.expander("How it works, and how to read what it shows"):
            st.markdown(cls.teaching)
    params = param_widgets(cls.params, key=f"synth::{method}", columns=list(ws.working.columns), container=right)
    if not params:  # (the settings drawn beside the card)
        right.caption(f"{cls.title} learns everything it needs from the table." if not cls.params else
                      "Its settings depend on the table's columns: they are in the panels below.")
    for blocker in blockers(ws, method, params):
        left.warning(md(blocker), icon=":material/warning:")
    table_widgets(cls.params, ws)
    return method


def generate_panel(ws: Workspace, method: str, job: training.Job | None) -> None:
    """Rules, rows, seed and the Generate button; the live training when one runs."""
    cls = METHODS[method]
    current = settings(ws)
    impossible = cls.refusal(current.params)  # settings that cannot make a table, said before the click
    if impossible is not None:
        st.error(md(sentence(impossible)), icon=":material/error:")
    with st.expander("Business rules and derived columns"):
        st.caption("One rule per line, such as `age >= 18` or `income > 0 or employed == \"no\"`; rows that break a "
                   "rule are drawn again. Derived columns as `name = expression`. Back-ticks around names with dots: "
                   "`` `Solar.R` > 0 ``. Expressions are parsed against a whitelist, never run as code.")
        st.text_area("Rules", key=state.keep("synth_rules", ""), height=90)
        st.text_area("Derived columns", key=state.keep("synth_derived", ""), height=70)
    if applying(current):
        st.caption(f":material/rule: {applying(current)} They stay for every method until you clear them.")
    drawing_panel(ws, method, current.params,
                  st.session_state.get(rows_key(ws, method, current.params), default_rows(ws, method, current.params)))
    cap = limits().max_rows_generate
    row = st.columns(3)
    quotas = bool(current.drawing.quotas)
    row[0].number_input("Rows to generate", step=1, help=f"At most {cap:,} on this server (an operator sets "
                        "max_rows_generate in synthlab.toml). A method that keeps the real rows (such as bulk out) "
                        "counts them in." + (" The rows per class set them now." if quotas else ""), disabled=quotas,
                        key=state.keep(rows_key(ws, method, current.params), default_rows(ws, method, current.params)))
    row[1].number_input("Seed", step=1, key=state.keep("synth_seed", 0),
                        help="Same seed, same table (for the neural networks: the same training too).")
    too_many = not quotas and isinstance(current.n, int) and current.n > cap
    for column, problem in ((row[0], None if quotas or too_many else rows_problem(current.n, "Rows to generate")),
                            (row[1], seed_problem(current.seed, "Seed"))):
        if problem:
            column.error(md(problem), icon=":material/error:")
    busy = job is not None and not job.collected  # running, or ended since the sidebar looked (collected on rerun)
    refused = bool(current.problems)
    row[2].button("Train and generate" if cls.trains else "Generate", type="primary", key="synth_run",
                  icon=":material/model_training:" if cls.trains else ":material/auto_awesome:",
                  on_click=clicked, disabled=busy or refused,
                  help="Fix what is marked above first." if refused else None)
    if too_many:
        scale_offer(ws, current, cap)
    if busy:
        st.subheader(f"Training {METHODS[job.method].title}", divider="gray")
        live(job)


def scale_offer(ws: Workspace, chosen: Settings, cap: int) -> None:
    """Above the session's cap: the command that writes the rows as Parquet parts, with this run's recipe."""
    stem = file_stem(ws.name.rsplit(".", 1)[0])
    recipe_file, out = f"{stem}.recipe.json", f"{stem}-synthetic"
    with st.container(border=True, key="scale_offer"):
        st.markdown(f":material/dataset: **{chosen.n:,} rows is more than one session makes here** (at most {cap:,}, "
                    "set by the operator). Make them on the command line instead: it writes them as a directory of "
                    "Parquet files, block by block, so memory stays small whatever the row count, and gives the same "
                    "rows as this page would for the same seed.")
        recipe = guarded("writing the recipe", recipe_of_settings, ws, method=chosen.method, params=chosen.params,
                         seed=chosen.seed, rows=chosen.n, rules=chosen.rules, derived=chosen.derived,
                         drawing=chosen.drawing.to_dict()) if isinstance(chosen.seed, int) else None
        if recipe is None:
            st.caption("Fix what is marked above first; then the recipe and the command appear here.")
            return
        st.markdown("1. Download the recipe (the method, settings, seed, rules and schema on screen now).")
        st.download_button("Recipe for this run", recipe.to_json(), recipe_file, mime="application/json",
                           key="scale_recipe", icon=":material/download:")
        st.markdown("2. Run this where SynthLab is installed (`--data` is the table you loaded):")
        st.code(scale.command(ws, recipe_file, chosen.n, out), language="bash", wrap_lines=True)
        st.caption("Add `--engine dask` to spread the work over a local Dask cluster (`--workers 4`), or "
                   "`--scheduler tcp://host:8786` for an existing one. The directory gets `part-00000.parquet`, "
                   "… and `_run.json` (rows, rule rejections, privacy guard, seconds).")


def matrix_check(ws: Workspace, run: Run) -> None:
    """For each correlation the run's method was given (or estimated): the target against what came out."""
    matrices = [p for p in METHODS[run.method].params if p.type == "matrix"] if run.method in METHODS else []
    for param in matrices:
        base = guarded("estimating correlations", cache.normal_score_correlation, ws)
        target = run.params.get(param.name)
        target = target if isinstance(target, pd.DataFrame) else base
        if target is None or len(target) < 2:
            continue
        numbers = [c for c in target.columns if c in run.synthetic.columns]
        st.markdown("**Target and achieved correlations.** The normal scores get the target correlation; the "
                    "Pearson correlation of the numbers themselves is smaller wherever a column is skewed, "
                    "because turning normal scores into a skewed distribution bends straight lines into curves.")
        show(plots.correlation_panels(
            {"target (normal scores)": target.loc[numbers, numbers],
             "real data (Pearson)": ws.train[numbers].corr(),
             "synthetic (Pearson)": run.synthetic[numbers].corr()}), key=f"check::{param.name}")


def training_check(ws: Workspace, run: Run) -> None:
    """A trained run: its training history, the mode-collapse check and more rows from the same network."""
    with st.expander("Training curves and the mode-collapse check", expanded=True):
        show(plots.training_curves(run.model.history_, run.model.loss_names), key="run_curves")
        for k, (caption, figure) in enumerate(run.model.pictures()):  # how this network makes rows
            st.markdown(caption)
            show(figure, key=f"run_picture::{k}")
        lost = run.lost_modes
        if lost is None or lost.empty:
            st.success("Mode-collapse check: every category and every number mode holding at least 1% of the "
                       "real rows appears in the samples, and the samples pile up on no value the real rows "
                       "do not.", icon=":material/check_circle:")
        else:
            missed, spikes = int((lost["what"] == LOST).sum()), int((lost["what"] == SPIKE).sum())
            one = missed == 1
            found = ([f"(almost) lack {missed} categor{'y' if one else 'ies'} or number mode{'' if one else 's'} "
                      f"that hold{'s' if one else ''} at least 1% of the real rows"]
                     if missed else []) + ([f"pile up on {spikes} value{'s' if spikes != 1 else ''} far more "
                                            "often than the real rows do"] if spikes else [])
            pac = any(p.name == "pac" for p in type(run.model).params)  # (the GAN's; the others have none)
            st.warning("Mode-collapse check: the samples " + " and ".join(found) + ". More epochs"
                       + (", a larger pac" if pac else "") + " or another network may fix this.",
                       icon=":material/warning:")
            safe_preview(lost, hide_index=True, width="stretch",
                         column_config={c: st.column_config.NumberColumn(format="percent")
                                        for c in ("real share", "synthetic share")})
    cap = limits().max_rows_generate
    again = st.columns([2, 2, 3, 2], vertical_alignment="bottom")
    again[0].number_input("More rows", value=len(run.synthetic), step=1, key="redraw_n",
                          help=f"At most {cap:,} on this server (an operator sets max_rows_generate in "
                               "synthlab.toml).")
    again[1].number_input("Seed for them", value=run.seed + 1, step=1, key="redraw_seed")
    for problem in redraw_problems():
        st.error(md(problem), icon=":material/error:")
    again[2].button("Draw again from this network", icon=":material/replay:", key="redraw", on_click=redraw,
                    disabled=bool(redraw_problems()),
                    help="New rows from the trained network, as a new run, without training it again.")
    again[3].download_button("Trained model", lambda: run_model(ws, run), f"{file_stem(run.name)}.synthlab",
                             mime="application/zip", key="run_model", icon=":material/download:",
                             help="The network's weights (safetensors, no pickle) with its settings and the rows it "
                                  "learned from, so share it as you would share the data. Draw from it with "
                                  "'synthlab generate --model FILE --rows N --out FILE'.")


def runs_panel(ws: Workspace) -> None:
    """Every run: the table of runs, the chosen one's details, checks, preview and actions."""
    st.header("Runs", divider="gray")
    if not ws.runs:
        st.caption("No runs yet: generate one above.")
        return
    table = pd.DataFrame([{"run": r.name, "method": METHODS[r.method].title if r.method in METHODS else r.method,
                           "rows": len(r.synthetic), "seed": r.seed, "settings": run_settings(r),
                           "rules": "; ".join(r.rules), "derived": "; ".join(r.derived), "fit s": r.fit_seconds,
                           "sample s": r.sample_seconds, "created": r.created.strftime("%H:%M:%S")} for r in ws.runs])
    safe_preview(table, hide_index=True, width="stretch",
                 column_config={"method": st.column_config.TextColumn(width="medium"),  # (titles are long)
                                **{c: st.column_config.NumberColumn(format="%.2f") for c in ("fit s", "sample s")}})
    names = [r.name for r in ws.runs]
    if st.session_state.get("run_choice") not in names:
        st.session_state["run_choice"] = names[-1]
    chosen_run = ws.run(st.selectbox("Run", names, key="run_choice"))
    st.session_state[PICKED] = chosen_run.name  # (a widget's own value is dropped on another page: Compare reads this)
    st.code(made_with(chosen_run), language=None, wrap_lines=True)
    matrix_check(ws, chosen_run)
    if chosen_run.model is not None:  # a trained run keeps its network
        training_check(ws, chosen_run)
    safe_preview(chosen_run.synthetic.head(1_000), height=280, width="stretch")
    actions = st.columns([2, 1, 1, 1, 1, 1])
    actions[0].text_input("New name", key="run_new_name", label_visibility="collapsed", placeholder="new name")
    actions[1].button("Rename", key="run_rename", on_click=rename)
    actions[2].button("Delete", key="run_delete", on_click=delete)
    actions[3].download_button("CSV", write_table(chosen_run.synthetic, "csv"), f"{file_stem(chosen_run.name)}.csv",
                               mime="text/csv", key="run_csv", icon=":material/download:")
    actions[4].download_button("Parquet", write_table(chosen_run.synthetic, "parquet"),
                               f"{file_stem(chosen_run.name)}.parquet", key="run_parquet", icon=":material/download:")
    recipe_button(ws, chosen_run, actions[5])

def render() -> None:
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
                "neural networks learn where they fall; the SMOTE family needs a complete table: impute it on the "
                "Impute page first.", icon=":material/info:")
    method = method_panel(ws)
    generate_panel(ws, method, job)
    replay_panel()
    runs_panel(ws)


render()
