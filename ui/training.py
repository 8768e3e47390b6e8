"""Training a neural synthesizer in the background while the page stays live.

A click on *Train and generate* starts a :class:`Job`: a thread that runs
:func:`core.synth.run.generate` with a :class:`core.synth.neural.TrainingMonitor`. The page
polls the monitor once a second (a Streamlit fragment) to draw the epoch, the losses, the time
left and the live curves; *Stop* sets the monitor's stop flag, training ends after the current
batch and the rows are drawn from the model trained so far. When the thread ends, the next full
run of any page (:func:`finish`, from the sidebar) turns the job into a run of the workspace (or an
error message), once.

The thread never touches Streamlit or the session: it reads copies of the training rows and
writes only to the job. It asks the server, through the monitor, whether the browser session that
started it is still connected; a session gone for :data:`GONE_SECONDS` (a closed tab) ends the
training, and a training waits for one of the server's slots (``max_trainings`` in synthlab.toml)
like any other (:class:`core.synth.neural.Trainings`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import streamlit as st
from streamlit import runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from core.schema import Schema
from core.synth import METHODS
from core.synth.drawing import Drawing
from core.synth.neural import TrainingMonitor, TrainingStopped
from core.synth.run import Generated, generate
from core.workspace import Run, Workspace
from ui.errors import explain
from ui.state import JOB, flash, new_action
from ui.text import md

PAGE = "synthesize"  # where a training's messages are shown
GONE_SECONDS = 15.0  # how long a session may be disconnected (a page reconnecting) before its training stops


@dataclass
class Job:
    method: str
    params: dict[str, Any]
    seed: int
    rules: list[str]
    derived: list[str]
    fingerprint: str  # the workspace table this job trains on
    drawing: Drawing = field(default_factory=Drawing)
    monitor: TrainingMonitor = field(default_factory=TrainingMonitor)
    result: Generated | None = None
    lost: pd.DataFrame | None = None
    error: tuple[str, str | None] | None = None  # (sentence, technical detail)
    notice: str | None = None  # why it ended without a run, when that was asked for (a stop while waiting)
    collected: bool = False
    thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()


def connected(session: str) -> bool:
    """Whether the browser session is still connected to this server (always, when there is no server: AppTest)."""
    return not runtime.exists() or runtime.get_instance().is_active_session(session)


def start(train: pd.DataFrame, schema: Schema, fingerprint: str, method: str, params: dict, n: int, seed: int,
          rules: list[str], derived: list[str], drawing: Drawing | None = None,
          holdout: pd.DataFrame | None = None) -> Job:
    ctx = get_script_run_ctx()
    session = ctx.session_id if ctx else None
    monitor = TrainingMonitor(owner=session if runtime.exists() else None,  # (AppTest gives every session one id)
                              alive=(lambda: connected(session)) if session else None, grace=GONE_SECONDS)
    job = Job(method, params, seed, rules, derived, fingerprint, drawing=drawing or Drawing(), monitor=monitor)
    table, held = train.copy(), None if holdout is None else holdout.copy()

    def work() -> None:
        try:
            job.result = generate(table, schema, method, params, n, rng=seed, rules=rules, derived=derived,
                                  monitor=job.monitor, holdout=held, **job.drawing.kwargs())
            job.lost = job.result.model.collapse_check(table, job.result.table)
        except TrainingStopped as exc:
            job.notice = exc.message
        except Exception as exc:  # noqa: BLE001 - reported on the page, never as a traceback
            job.error = explain(exc, "training")

    job.thread = threading.Thread(target=work, name=f"synthlab-{method}", daemon=True)
    job.thread.start()
    st.session_state[JOB] = job
    return job


def current() -> Job | None:
    return st.session_state.get(JOB)


def to_run(job: Job) -> Run:
    result = job.result
    return Run(method=job.method, params=job.params, seed=job.seed, synthetic=result.table,
               fit_seconds=result.fit_seconds, sample_seconds=result.sample_seconds, rules=job.rules,
               derived=job.derived, notes=result.notes, lost_modes=job.lost,
               model=result.model, drawing=job.drawing.to_dict(), epsilon=result.epsilon)


def finish(ws: Workspace) -> None:
    """A training that has ended becomes a run (once), or a message; its messages wait on the Synthesize page."""
    job = current()
    if job is None or job.running or job.collected:
        return
    job.collected = True
    new_action(PAGE)
    title = METHODS[job.method].title
    if job.error:
        flash("error", *job.error)
    elif job.notice:
        flash("info", job.notice)
    elif job.fingerprint != ws.fingerprint:
        flash("info", f"The {title} training finished on a table that is no longer loaded; its rows were not kept.")
    else:
        run = ws.add_run(to_run(job))
        st.session_state["run_choice"] = run.name
        flash("success", f"Trained {title} and generated {len(run.synthetic):,} rows as run '{run.name}' "
                         f"(training {run.fit_seconds:.1f} s, sampling {run.sample_seconds:.2f} s).")
        flash_notes(job.result)
        st.toast(f"Training finished: run '{run.name}' is ready.", icon=":material/model_training:")


def flash_notes(result: Generated) -> None:
    """What the user should know about a generation: its notes and what each rule rejected."""
    for note in result.notes:
        flash("info", md(note))
    for report in result.rule_report:
        flash("info", f"Rule '{md(report.rule)}' rejected {report.rejected:,} drawn rows ({report.share:.0%}).")
