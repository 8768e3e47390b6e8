"""What one session may ask of a shared server, set by the operator in one file.

A classroom of eight on a small machine must stay responsive: no session may load a table,
generate a table or start a training that starves the others. The limits live in one TOML
file, ``synthlab.toml`` in the project's root (or the file named by the ``SYNTHLAB_CONFIG``
environment variable), under a ``[limits]`` table; every key is optional and falls back to the
default below, chosen for eight sessions on two cores::

    [limits]
    max_upload_mb = 200            # bytes of one uploaded file (keep .streamlit/config.toml's maxUploadSize equal)
    max_cells = 20_000_000         # cells of one loaded table (rows x columns), counted before parsing finishes
    max_columns = 2_000            # columns of one loaded table (each is profiled, typed and modelled on its own)
    max_expanded_mb = 1024         # what a compressed upload (xlsx, Parquet) may expand to
    read_seconds = 60              # time one file may take to read
    max_rows_generate = 1_000_000  # rows of one synthesis run
    max_trainings = 2              # neural trainings running at once on the whole server (the others wait in line)
    max_network_mb = 2048          # one training's networks with gradients and optimiser state (16 bytes a weight)
    expression_seconds = 2.0       # time one rule or derived column may take to evaluate
    max_agent_steps = 500_000      # agents x steps of one agent-based simulation

``limits()`` reads the file once per process; a file that is malformed or sets a value of the
wrong type is a ``ParameterError`` with a sentence, never a silent fallback.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from functools import cache
from pathlib import Path

from core.errors import ParameterError

CONFIG_ENV = "SYNTHLAB_CONFIG"
DEFAULT_FILE = Path(__file__).resolve().parent.parent / "synthlab.toml"


@dataclass(frozen=True)
class Limits:
    max_upload_mb: int = 200
    max_cells: int = 20_000_000
    max_columns: int = 2_000
    max_expanded_mb: int = 1024
    read_seconds: float = 60.0
    max_rows_generate: int = 1_000_000
    max_trainings: int = 2
    max_network_mb: int = 2048
    expression_seconds: float = 2.0
    max_agent_steps: int = 500_000

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 2**20

    @property
    def max_expanded_bytes(self) -> int:
        return self.max_expanded_mb * 2**20


def load(path: str | os.PathLike | None = None) -> Limits:
    """The limits in ``path`` (default: $SYNTHLAB_CONFIG, else synthlab.toml beside core/), defaults where unset."""
    file = Path(path or os.environ.get(CONFIG_ENV) or DEFAULT_FILE)
    if not file.is_file():
        if path is not None or os.environ.get(CONFIG_ENV):
            raise ParameterError(f"There is no configuration file at '{file}'.",
                                 hint=f"Create it, or unset {CONFIG_ENV} to use the defaults.")
        return Limits()
    try:
        table = tomllib.loads(file.read_text(encoding="utf-8")).get("limits", {})
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ParameterError(f"The configuration file '{file.name}' is not valid TOML ({exc}).") from None
    known = {f.name: f for f in fields(Limits)}
    unknown = sorted(set(table) - set(known))
    if unknown:
        raise ParameterError(f"The configuration file '{file.name}' sets unknown limits: {', '.join(unknown)}.",
                             hint="Known limits: " + ", ".join(known) + ".")
    values = {}
    for name, value in table.items():
        wanted = known[name].type
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0 \
            and (wanted == "float" or float(value).is_integer())
        if not ok:
            raise ParameterError(f"The limit '{name}' in '{file.name}' must be a positive "
                                 f"{'number' if wanted == 'float' else 'whole number'}, not {value!r}.")
        values[name] = float(value) if wanted == "float" else int(value)
    return replace(Limits(), **values)


@cache
def limits() -> Limits:
    """The server's limits, read once per process."""
    return load()
