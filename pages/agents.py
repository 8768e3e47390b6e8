"""Agent-based simulation (Generate): pick a model, set its parameters, run it with progress, read its rules, and
make the table it produces the working table."""

import streamlit as st

from core import plots
from core.agents import MODELS, Simulation, simulate
from core.agents.base import counts_per_step
from core.params import settings_text, validate_params
from core.workspace import Workspace
from ui import sidebar, state
from ui.errors import captured, chart, guarded, show
from ui.params import param_widgets, read_params, seed_problem, sentence
from ui.text import md, safe_preview

PAGE = "agents"
P = "agents_"  # every session key of this page starts with it
RESULT = P + "result"  # (Simulation, seed) of the last run
PREVIEW_ROWS = 1_000
UPDATES = 10  # the live chart is redrawn this many times during a run


def _key(model: str) -> str:
    return f"{P}{model}"  # the widgets of a model's parameters: f"{_key(model)}::{param}"


def _workspace(run: Simulation, seed: int) -> Workspace:
    cls = MODELS[run.model]
    settings = settings_text(cls.params, run.settings)
    ws = Workspace(run.table, name=f"{run.model}-{run.settings['table']}-seed{seed}", source=f"agents:{run.model}",
                   origin=f"Agent-based simulation: {cls.title}, seed {seed}; {settings}.")
    if run.target in run.table.columns:
        ws.set_schema(ws.schema.with_target(run.target))
    return ws


def use_table() -> None:
    state.new_action(PAGE)
    result = st.session_state.get(RESULT)
    if result is None:
        return
    run, seed = result
    ws = captured("preparing the simulated table", _workspace, run, seed)
    if ws is not None:
        state.use(ws, f"The simulated table ({len(run.table):,} rows × {run.table.shape[1]} columns) is now the "
                      "working table: explore, synthesize and compare it like a loaded one.",
                  title=f"the simulated table '{ws.name}'")


def _run(model: str, settings: dict, seed: int) -> Simulation | None:
    """Run the simulation under a progress bar and a chart redrawn as it goes."""
    cls = MODELS[model]
    steps = settings["steps"]
    bar = st.progress(0.0, text="Starting…")
    live = st.empty()
    every = max(1, steps // UPDATES)
    tick = max(1, steps // 100)

    def progress(step: int, total: int, running) -> None:
        if step % tick == 0 or step == total:
            bar.progress(step / total, text=f"{cls.step_name.capitalize()} {step:,} of {total:,}: "
                                            f"{len(running.events):,} events so far")
        if step % every == 0 and step < total:
            show(plots.agent_steps(counts_per_step(running.event_table(), step, list(cls.event_kinds)),
                                   unit=cls.step_name, cumulative=cls.cumulative), key=f"{P}live{step}", where=live)

    run = guarded("running the simulation", simulate, model, settings, rng=seed, progress=progress)
    bar.empty()
    live.empty()
    return run


def _result(run: Simulation, seed: int) -> None:
    cls = MODELS[run.model]
    st.header("The simulated table", divider="gray")
    st.caption(f"{md(cls.title)}, seed {seed}: {md(settings_text(cls.params, run.settings))}.")
    for note in run.notes:
        st.info(md(note), icon=":material/info:")
    metrics = st.columns(4)
    metrics[0].metric("Rows", f"{len(run.table):,}")
    metrics[1].metric(cls.population.capitalize(), f"{run.settings[cls.population]:,}")
    metrics[2].metric(f"{cls.step_name.capitalize()}s run", f"{run.steps_run:,}")
    metrics[3].metric("Events", f"{len(run.events):,}")
    st.subheader(f"Events {'so far, ' if cls.cumulative else ''}per {cls.step_name}")
    st.caption("Each line counts one kind of event " + ("added up over time: the running totals show how the "
                                                       "product spread." if cls.cumulative else
                                                       f"in every {cls.step_name} of the simulation."))
    chart("drawing the events per step", plots.agent_steps, run.summary, unit=cls.step_name,
          cumulative=cls.cumulative, done=True, key=P + "chart")
    st.subheader("The table")
    safe_preview(run.table.head(PREVIEW_ROWS), height=280)
    if len(run.table) > PREVIEW_ROWS:
        st.caption(f"The first {PREVIEW_ROWS:,} of {len(run.table):,} rows.")
    st.button("Use as working table", type="primary", key=P + "use", icon=":material/input:", on_click=use_table,
              disabled=run.table.empty,
              help="The simulated table has no rows to use: raise the settings above and run again."
              if run.table.empty else
              "The simulated table replaces the loaded one (asking first when that would forget runs or an "
              "imputed table), with a holdout set aside as for any table" +
              (f" and '{md(run.target)}' as the target." if run.target else "."))
    state.show_flash(PAGE)  # here, beside the button, where the user is looking
    state.ask_pending(PAGE, P + "use")


def render() -> None:
    ws = state.workspace()
    sidebar.render(ws)
    st.title("Agent-based simulation")
    st.markdown(
        "An **agent-based model** makes a table without a real one: it describes individuals (*agents*) with their "
        "own attributes, and the rules by which they act and meet, and then lets time run. Every step, each agent "
        "follows the rules with the stated probabilities; what the agents do is written down, and the log (or each "
        "agent's final state) is the table. Patterns such as conversion rates or an S-shaped adoption curve are not "
        "put in: they *emerge* from the rules, and because the rules are known, so is the truth behind the data.")
    model = st.selectbox("Model", list(MODELS), key=state.keep(P + "model", next(iter(MODELS))),
                         format_func=lambda k: MODELS[k].title)
    cls = MODELS[model]
    st.markdown(cls.teaching)
    card = st.columns(3)
    card[0].markdown(f"**What it makes.** {cls.card.does}")
    card[1].markdown(f"**When to use it.** {cls.card.when}")
    card[2].markdown(f"**What it leaves out.** {cls.card.distorts}")

    st.subheader("Settings")
    half = (len(cls.params) + 1) // 2
    left, right = st.columns(2, gap="large")
    param_widgets(cls.params[:half], key=_key(model), columns=[], container=left)
    param_widgets(cls.params[half:], key=_key(model), columns=[], container=right)
    seed = right.number_input("Seed", step=1, key=state.keep(P + "seed", 0),
                              help="The same seed and settings give the same table, for everyone in the room.")
    values, problems = read_params(cls.params, key=_key(model), columns=[])  # (a refused value is said at its widget)
    said = [seed_problem(seed, "Seed")]
    if not problems and not said[0]:
        refusal = cls.refusal(values)
        said.append(sentence(refusal) if refusal else None)
    said = [s for s in said if s]

    st.subheader("The rules")
    st.caption(f"What each {md(cls.agent_name)} does every {cls.step_name}, in this order; the first rule that "
               "applies is the one it follows.")
    rules = cls.rules(values if len(values) == len(cls.params) else validate_params(cls.params, {}, cls.title))
    st.dataframe(rules, hide_index=True, width="stretch")

    for problem in said:
        st.error(md(problem), icon=":material/error:")
    if st.button("Run the simulation", type="primary", key=P + "run", icon=":material/play_arrow:",
                 disabled=bool(problems or said)):
        run = _run(model, values, int(seed))
        if run is not None:
            st.session_state[RESULT] = (run, int(seed))
    result = st.session_state.get(RESULT)
    if result is not None:
        _result(*result)


render()
