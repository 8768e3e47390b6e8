"""The one object that carries a session's data through the flow.

``Workspace`` holds the table as loaded (``raw``), its schema, the typed real table
(``real``, which is ``raw`` coerced to the schema's kinds), the working table that later
steps use (``real``, or an imputed copy), a seeded holdout of real rows set aside when the
table is loaded, and the synthesis runs. Pages, the command line and recipes all build and
read this object; none keeps a copy of its state elsewhere.

The holdout is drawn once, with the workspace's seed, before anything is fitted: every
synthesizer fits on the other rows, and utility and privacy scores test against the
holdout, so a synthetic table is never judged on rows its model has seen.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from core.errors import DataError
from core.io import check_columns
from core.schema import NUMERIC, Schema, coerce, infer_schema

DEFAULT_HOLDOUT = 0.2
MIN_ROWS_FOR_HOLDOUT = 10


@dataclass(eq=False)
class Run:
    """One synthesis: what was asked, what came out, how long it took and how it scored.

    Runs compare by identity (``eq=False``): two runs with the same settings are still two runs, and
    comparing their tables cell by cell would be ambiguous.
    """

    method: str
    params: dict[str, Any]
    seed: int
    synthetic: pd.DataFrame
    fit_seconds: float
    sample_seconds: float
    scores: Any = None
    created: datetime = field(default_factory=datetime.now)
    name: str = ""
    rules: list[str] = field(default_factory=list)
    derived: list[str] = field(default_factory=list)  # 'name = expression' lines
    notes: list[str] = field(default_factory=list)  # what the user should know about this run
    lost_modes: pd.DataFrame | None = None  # neural models: categories and modes the samples lack
    model: Any = None  # neural models: the trained synthesizer, kept to draw more rows without retraining
    drawn_from: str = ""  # the run whose trained network drew these rows (no training of its own)
    schema: dict[str, Any] | None = None  # the schema it was made with (Schema.to_dict), set by Workspace.add_run
    imputation: dict[str, Any] | None = None  # the imputation plan of its working table, set by Workspace.add_run
    drawing: dict[str, Any] = field(default_factory=dict)  # guard, conditions, quotas (core.synth.drawing, as JSON)
    epsilon: float | None = None  # differentially private methods: the budget ε the training spent

    def lacking(self, schema: Schema) -> list[str]:
        """Columns ``schema`` synthesises that this run has not (left out when it was made): its scores and views
        use the columns it holds."""
        return [c for c in schema.synth_columns if c not in self.synthetic.columns]


class Workspace:
    """A loaded table, its schema, the working table, a holdout and the runs."""

    def __init__(self, raw: pd.DataFrame, *, name: str, schema: Schema | None = None,
                 holdout_share: float = DEFAULT_HOLDOUT, seed: int = 0, notices: list[str] | None = None,
                 source: str = "", origin: str = "") -> None:
        if raw.shape[0] == 0 or raw.shape[1] == 0:
            raise DataError(f"'{name}' has no rows or no columns.", hint="Load a table with data in it.")
        check_columns(f"'{name}'", raw.shape[1])
        if not 0 <= holdout_share < 1:
            raise DataError(f"A holdout share of {holdout_share} is not possible.",
                            hint="Use a share between 0 and 0.9.")
        self.raw = raw
        self.name = name
        self.source = source  # "sample:<key>" or "upload:<file name>"
        self.origin = origin  # one line for the page: where the table came from and how it was read
        self.notices = list(notices or [])
        self.seed = seed
        self.schema = schema if schema is not None else infer_schema(raw)
        self.real = coerce(raw, self.schema)
        self.notices += [f"'{c}' holds time spans: SynthLab reads them as seconds." for c in self.schema.kinds
                         if pd.api.types.is_timedelta64_dtype(raw[c]) and self.schema.kinds[c] in NUMERIC]
        self.fingerprint = _fingerprint(raw)
        self.holdout_share = holdout_share if len(raw) >= MIN_ROWS_FOR_HOLDOUT else 0.0
        rng = np.random.default_rng(seed)
        n_holdout = round(len(raw) * self.holdout_share)
        holdout = np.zeros(len(raw), dtype=bool)
        holdout[rng.choice(len(raw), size=n_holdout, replace=False)] = True
        self.holdout_mask = holdout  # positions of real rows set aside for evaluation only
        self._split_cache: tuple[pd.DataFrame, pd.DataFrame] | None = None
        self.imputed: pd.DataFrame | None = None
        self.imputation: str | None = None
        self.imputation_plan: dict[str, Any] | None = None  # steps [{column, method, params}], seed, rules
        self.runs: list[Run] = []

    # ------------------------------------------------------------------ tables

    @property
    def working(self) -> pd.DataFrame:
        """The table later steps use: the imputed one if there is one, else the real one."""
        return self.imputed if self.imputed is not None else self.real

    @property
    def working_label(self) -> str:
        return f"imputed ({self.imputation})" if self.imputed is not None else "original"

    @property
    def train(self) -> pd.DataFrame:
        """Working rows synthesizers may fit on (the holdout left out)."""
        return self._split()[0]

    @property
    def holdout(self) -> pd.DataFrame:
        """Real rows set aside at load time, for utility and privacy scores."""
        return self._split()[1]

    def _split(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(training rows, holdout rows) of the working table, computed once per working table: pages read
        them on every rerun, and copying a million rows each time is not free."""
        if self._split_cache is None:
            self._split_cache = (self.working.loc[~self.holdout_mask], self.working.loc[self.holdout_mask])
        return self._split_cache

    # ------------------------------------------------------------------ changes

    def set_schema(self, schema: Schema) -> bool:
        """Use a new schema; the data are re-typed. Returns True if an imputed table was dropped.

        If the new kinds don't fit the data a SchemaError is raised and nothing changes.
        """
        real = coerce(self.raw, schema)
        retyped = schema.kinds != self.schema.kinds
        self.schema, self.real, self._split_cache = schema, real, None
        if retyped and self.imputed is not None:
            self.imputed, self.imputation, self.imputation_plan = None, None, None
            return True
        return False

    def set_imputed(self, table: pd.DataFrame, method: str, plan: dict[str, Any] | None = None) -> None:
        """Make ``table`` the working table; ``plan`` (steps, seed, rules) is what recipes replay."""
        if list(table.columns) != list(self.real.columns) or len(table) != len(self.real):
            raise DataError("The imputed table does not have the real table's rows and columns.")
        self.imputed, self.imputation, self.imputation_plan, self._split_cache = table, method, plan, None

    def restore_original(self) -> None:
        self.imputed, self.imputation, self.imputation_plan, self._split_cache = None, None, None, None

    def add_run(self, run: Run) -> Run:
        """Keep a run; it gets a unique name such as 'smote #2' unless it has one, and records the schema and the
        imputation plan of the working table it was made from."""
        if run.schema is None:
            run.schema = self.schema.to_dict()
            run.imputation = self.imputation_plan
        taken = {r.name for r in self.runs}
        if not run.name or run.name in taken:
            k = 1 + sum(r.method == run.method for r in self.runs)
            while f"{run.method} #{k}" in taken:
                k += 1
            run.name = f"{run.method} #{k}"
        self.runs.append(run)
        return run

    def rename_run(self, old: str, new: str) -> None:
        new = new.strip()
        if not new:
            raise DataError("A run needs a name.")
        if new != old and any(r.name == new for r in self.runs):
            raise DataError(f"There is already a run called '{new}'.", hint="Choose another name.")
        self.run(old).name = new

    def delete_run(self, name: str) -> None:
        doomed = self.run(name)
        self.runs = [r for r in self.runs if r is not doomed]

    def run(self, name: str) -> Run:
        for candidate in self.runs:
            if candidate.name == name:
                return candidate
        raise DataError(f"There is no run called '{name}'.")


def _fingerprint(df: pd.DataFrame) -> str:
    """A short content hash: identifies the dataset in caches and recipes."""
    digest = hashlib.sha256()
    digest.update(repr((list(map(str, df.columns)), [str(t) for t in df.dtypes], df.shape)).encode())
    digest.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
    return digest.hexdigest()[:16]
