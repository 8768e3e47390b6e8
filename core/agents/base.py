"""What every agent-based model here shares: declared parameters, a size limit, an event log, and a run loop
with progress and a stop flag.

An agent-based model (ABM) describes individuals (agents) with their own attributes and the rules by
which they act and meet, and lets a table emerge from running those rules step by step, instead of
drawing the table from fitted distributions (Bonabeau 2002; Railsback & Grimm 2019). The models are
built on Mesa 3 (Kazil et al. 2020; ter Hoeven et al. 2025): each is a ``mesa.Model`` whose agents are
``mesa.Agent`` objects held in the model's ``AgentSet``; a step activates every agent once in a random
order (``AgentSet.shuffle_do``, asynchronous update: an agent sees what agents before it did in the
same step). All randomness comes from the model's generator, seeded through ``Model(rng=...)``; Mesa
derives its shuffling generator from that one, so the same seed gives the same table.

A model declares its parameters once (``core.params.Param``: the page's widgets and the tests' fast
settings come from them), how many agents it has (``population``) and for how many steps it runs
(``steps``); agents × steps is held to the server's ``max_agent_steps`` (``core.limits``). Agents write
events with ``log``; ``simulate`` runs a model, reports each step to a progress callback, checks a stop
flag before each step and returns the event log or the agents' final state as the table, with the
events counted per step for a chart.

References: Bonabeau E. (2002) Agent-based modeling: methods and techniques for simulating human
systems, PNAS 99(suppl. 3); Railsback S. F., Grimm V. (2019) Agent-Based and Individual-Based
Modeling, 2nd ed., Princeton UP; Kazil J., Masad D., Crooks A. (2020) Utilizing Python for agent-based
modeling: the Mesa framework, SBP-BRiMS; ter Hoeven E. et al. (2025) Mesa 3: agent-based modeling with
Python in 2025, JOSS 10(107).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import mesa
import pandas as pd

from core.errors import ParameterError
from core.limits import limits
from core.params import Card, Param, generator, validate_params

START = pd.Timestamp("2024-03-04 09:00")  # the clock of every simulation starts here


class AgentModel(mesa.Model):
    """The base of the agent-based models: ``Model(rng=seed, **settings)`` validates ``settings`` against the
    declared ``params``, refuses a run larger than the server allows and calls ``setup`` to create the agents."""

    key: ClassVar[str] = ""
    title: ClassVar[str] = ""
    card: ClassVar[Card]  # what it shows, when to use it, what it leaves out
    teaching: ClassVar[str] = ""  # the model in a few sentences, in Markdown
    params: ClassVar[tuple[Param, ...]] = ()
    quick: ClassVar[dict[str, Any]] = {}  # a run of well under a second, for tests and demonstrations
    population: ClassVar[str] = "agents"  # the parameter that counts the agents
    targets: ClassVar[dict[str, str]] = {}  # {table: the column a later model would predict}
    step_unit: ClassVar[str] = "minutes"  # what one step is on the clock (a pandas unit: "minutes", "days")
    step_name: ClassVar[str] = "step"  # one step in words ("minute", "week")
    agent_name: ClassVar[str] = "agent"  # the agent's column in the tables ("visitor", "customer")
    log_fields: ClassVar[tuple[str, ...]] = ()  # the columns of the log after agent, step, timestamp and event
    event_kinds: ClassVar[tuple[str, ...]] = ()  # the events the model logs, in the order a chart lists them
    cumulative: ClassVar[bool] = False  # the per-step chart reads better as running totals

    def __init__(self, *, rng: Any = None, **settings: Any) -> None:
        self.settings = validate_params(self.params, settings, self.title)
        refusal = self.refusal(self.settings)
        if refusal is not None:
            raise refusal
        super().__init__(rng=generator(rng, "The seed"))
        self.events: list[dict[str, Any]] = []
        self.setup()

    @classmethod
    def refusal(cls, settings: dict[str, Any]) -> ParameterError | None:
        """Why a run with these (checked) settings is refused, before it starts (None if it may run): agents × steps
        above the server's ``max_agent_steps``."""
        agents, steps, cap = settings[cls.population], settings["steps"], limits().max_agent_steps
        if agents * steps <= cap:
            return None
        return ParameterError(f"{agents:,} {cls.population} × {steps:,} steps = {agents * steps:,} agent-steps is more "
                              f"than this server allows in one simulation ({cap:,}).",
                              hint="Use fewer agents or fewer steps (an operator sets max_agent_steps in "
                                   "synthlab.toml).")

    @classmethod
    def rules(cls, settings: dict[str, Any]) -> pd.DataFrame:
        """The rules of the model with these settings: one row per rule (who, when, what happens, probability)."""
        raise NotImplementedError

    def setup(self) -> None:
        raise NotImplementedError

    def step(self) -> None:
        self.agents.shuffle_do("step")

    def log(self, agent: mesa.Agent, event: str, second: int = 0, **fields: Any) -> None:
        """Record ``event`` of ``agent`` at this step, ``second`` seconds into it, with its ``fields``."""
        self.events.append({self.agent_name: agent.unique_id, "step": self.steps, "second": second, "event": event,
                            **fields})

    def event_table(self) -> pd.DataFrame:
        """The event log in time order: agent, step, timestamp, event and the fields the model logs."""
        log = pd.DataFrame(self.events, columns=[self.agent_name, "step", "second", "event", *self.log_fields])
        clock = pd.to_timedelta(log["step"] - 1, unit=self.step_unit) + pd.to_timedelta(log["second"], unit="s")
        log.insert(2, "timestamp", START + clock)  # the step's start on the clock, plus the second within it
        return log.drop(columns="second").sort_values("timestamp", kind="stable").reset_index(drop=True)

    def agent_table(self) -> pd.DataFrame:
        """One row per agent: its attributes and final state."""
        raise NotImplementedError


@dataclass
class Simulation:
    """One run: the ``table`` asked for, the event log, the events counted per step, and how far it got."""

    model: str
    settings: dict[str, Any]
    table: pd.DataFrame
    events: pd.DataFrame
    summary: pd.DataFrame  # rows: steps 1..steps run; columns: events; cells: how many
    steps_run: int
    stopped: bool
    target: str | None
    notes: list[str] = field(default_factory=list)


def counts_per_step(events: pd.DataFrame, steps: int, kinds: list[str]) -> pd.DataFrame:
    """Events of each kind per step, steps 1..``steps`` (zeros where none happened), kinds in declared order."""
    table = pd.crosstab(events["step"], events["event"]) if len(events) else pd.DataFrame()
    order = [k for k in kinds if k in table.columns] + [k for k in table.columns if k not in kinds]
    return table.reindex(index=range(1, steps + 1), columns=order or kinds, fill_value=0).rename_axis("step")


def run(model: AgentModel, *, progress: Callable[[int, int, AgentModel], None] | None = None,
        stop: Any = None) -> tuple[int, bool]:
    """Step ``model`` for its ``steps``, calling ``progress(step, steps, model)`` after each and stopping early when
    ``stop.is_set()`` (any object with that method, such as ``threading.Event``): (steps run, stopped early)."""
    steps = model.settings["steps"]
    for _ in range(steps):
        if stop is not None and stop.is_set():
            return model.steps, True
        model.step()
        if progress is not None:
            progress(model.steps, steps, model)
    return model.steps, False
