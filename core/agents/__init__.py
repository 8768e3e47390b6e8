"""Agent-based generators: tables that emerge from agents following rules, built on Mesa.

``MODELS`` maps a key to its model class (see :mod:`core.agents.base` for what a model declares);
``simulate(key, settings, rng=...)`` runs one and returns a :class:`Simulation` (the table, the event
log, the events per step). The same seed gives the same table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from core.agents.base import AgentModel, Simulation, counts_per_step, run
from core.agents.market import MarketModel
from core.agents.shop import ShopModel
from core.errors import ParameterError
from core.params import shown

MODELS: dict[str, type[AgentModel]] = {cls.key: cls for cls in (ShopModel, MarketModel)}


def simulate(key: str, settings: dict[str, Any] | None = None, *, rng: Any = None,
             progress: Callable[[int, int, AgentModel], None] | None = None, stop: Any = None) -> Simulation:
    """Run the model ``key`` with ``settings`` (defaults for the rest), seeded by ``rng``; ``progress(step, steps,
    model)`` is called after every step and ``stop.is_set()`` (a ``threading.Event``, say) checked before each."""
    if not isinstance(key, str) or key not in MODELS:
        raise ParameterError(f"There is no agent-based model {shown(key)}.",
                             hint="Use one of: " + ", ".join(MODELS) + ".")
    if settings is not None and not isinstance(settings, Mapping):
        raise ParameterError("The settings must map each setting's name to its value.")
    model = MODELS[key](rng=rng, **(settings or {}))
    steps, stopped = run(model, progress=progress, stop=stop)
    events = model.event_table()
    which = model.settings["table"]
    notes = [f"Stopped after {steps:,} of {model.settings['steps']:,} steps."] if stopped else []
    if not len(events):
        notes.append("No event happened: raise the probabilities or run more steps.")
    return Simulation(model=key, settings=model.settings, table=events if which == "events" else model.agent_table(),
                      events=events, summary=counts_per_step(events, steps, list(model.event_kinds)),
                      steps_run=steps, stopped=stopped, target=model.targets.get(which), notes=notes)


__all__ = ["MODELS", "AgentModel", "Simulation", "simulate"]
