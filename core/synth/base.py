"""The synthesizer contract, shared by every method in ``core.synth``.

``Synthesizer(**params).fit(df, schema, seed=0) -> self`` and ``.sample(n, *, rng=None) -> DataFrame``,
like imbalanced-learn's samplers: ``__init__`` only stores keyword arguments; ``fit`` checks them
against the class's declared ``params``, records what every column looks like (kind, labels,
bounds, decimals, share missing) and hands the columns that take part in synthesis to ``_fit``;
``sample`` checks ``n``, draws with ``np.random.default_rng(rng)`` in ``_sample`` and then puts
every column back into its real form: the real column order and labels, integers whole, numbers
within the real bounds and at the real precision, dates at the real resolution (whole days stay
whole days): values a real column never takes give synthetic rows away. The same seed gives the
same table.

Awkward columns are handled here once, for every method: a time-zone-aware date column is
handed to ``_fit`` as naive UTC times (the same instants) and comes back in its own zone and
dtype, rounded on its local clock; ±inf in a number column counts as missing (``notices_`` says
so); nullable Int64, Float64, boolean and string columns, categories and time spans come back in
their own dtype.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd

from core import __version__
from core.errors import DataError, NotFittedError, ParameterError, SynthLabError
from core.params import Card, Family, Param, validate_params
from core.params import generator as as_generator
from core.schema import (
    LABELS,
    NUMERIC,
    Kind,
    Schema,
    in_zone,
    infinity_notice,
    typed,
    utc_naive,
    without_infinities,
)
from core.synth.conditions import read_conditions, sample_meeting

MAX_ROWS = 10_000_000
MAX_CELLS = 150_000_000  # rows x columns of one sample (a block of the scale path at 2,000 columns fits): more would
#                          take tens of GB on the way (about 55 bytes a cell at the peak, measured on a copula)
MAX_DECIMALS = 6
MAX_SEED = 2**32 - 1  # the largest seed fit takes


class Synthesizer:
    """The base of every synthesizer. A method declares what every surface needs as class attributes (``key``,
    ``title``, ``family``, ``card``, ``teaching``, ``params``, ``quick``), may say before a click why it cannot
    run (``refusal``, ``blockers``), and reports what a run should say (``notes``); it registers itself with
    ``core.synth.register``, and ``core.synth.checks.check_synthesizer`` tells whether it keeps the contract."""

    key: ClassVar[str] = ""  # its name in recipes, the command line and the registry
    title: ClassVar[str] = ""  # its name on screen
    family: ClassVar[Family]  # where the Synthesize page lists it
    card: ClassVar[Card]  # what it does, when to use it, what it distorts
    teaching: ClassVar[str] = ""  # a longer explanation in Markdown (how it learns, how to read its output)
    params: ClassVar[tuple[Param, ...]] = ()
    quick: ClassVar[dict[str, Any]] = {}  # settings that fit in a second or two, for tests and demonstrations
    added: ClassVar[dict[str, Any]] = {}  # parameters added later: the value a run saved without them was made with
    suggested: ClassVar[bool] = False  # True: the page offers it first (it should work on any table)
    keeps_missing: ClassVar[bool] = False  # True: _sample draws missing values itself
    trains: ClassVar[bool] = False  # True: a long fit that reports to a TrainingMonitor (the page trains it aside)
    loss_names: ClassVar[tuple[str, ...]] = ()  # the losses a training reports, for its curves

    def __init__(self, **params: Any) -> None:
        self.given = params

    @classmethod
    def refusal(cls, params: dict) -> ParameterError | None:
        """Why these settings cannot make a table whatever the data (None if they can): a page asks before the
        click, and ``fit`` raises it."""
        return None

    @classmethod
    def blockers(cls, df: pd.DataFrame, schema: Schema, params: dict) -> list[SynthLabError]:
        """Why the method cannot run on this table with these settings, one error each (none if it can): a page
        says them before the click, and ``fit`` raises the first."""
        return []

    @classmethod
    def default_rows(cls, df: pd.DataFrame, schema: Schema, params: dict) -> int:
        """How many rows to offer to generate by default: as many as the real table has."""
        return len(df)

    @classmethod
    def keeps_real_rows(cls, params: dict) -> bool:
        """Whether the output holds the real rows themselves (then business rules cannot filter it, and copies of
        real rows are expected in it)."""
        return False

    def notes(self) -> list[str]:
        """What a run made with this fitted model should report: what fitting decided on its own (such as
        infinite values counted as missing), one sentence each."""
        return list(self.notices_)

    # ------------------------------------------------------------------ public

    def __getstate__(self) -> dict[str, Any]:
        """What travels when a fitted model is copied to a Dask worker: everything but the monitor, a live link to
        whoever watched the fit (it holds a lock, and a copy has no one watching)."""
        return {**self.__dict__, "monitor_": None} if "monitor_" in self.__dict__ else dict(self.__dict__)

    def fit(self, df: pd.DataFrame, schema: Schema, *, seed: int = 0, monitor: Any = None) -> Synthesizer:
        """Learn from ``df``. ``seed`` drives any randomness in fitting; ``monitor`` (a
        :class:`core.synth.neural.TrainingMonitor`) follows a long fit and may stop it: the neural models
        report every epoch to it, the others finish at once and ignore it."""
        self.params_ = validate_params(self.params, self.given, self.title or type(self).__name__)
        self.version_ = __version__
        refusal = self.refusal(self.params_)
        if refusal is not None:
            raise refusal
        if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or not 0 <= seed <= MAX_SEED:
            raise ParameterError(f"The seed must be a whole number from 0 to {MAX_SEED:,}, not {seed!r}.")
        self.seed_ = int(seed)
        self.monitor_ = monitor
        columns = [c for c in schema.synth_columns if c in df.columns]
        if not columns:
            raise DataError("No column takes part in synthesis.", hint="Include at least one column on the Data page.")
        if len(df) < 2:
            raise DataError(f"{self.title} needs at least two rows to learn from; the table has {len(df)}.")
        real, loose = typed(df[columns], schema)  # (a table read but not typed: dates as text would be labels)
        data, infinite = without_infinities(real)
        empty = [c for c in columns if data[c].isna().all()]  # nothing to learn from: they come back empty
        if len(empty) == len(columns):
            raise DataError("Every column that takes part in synthesis is empty (or holds only infinite values).",
                            hint="Include a column with values on the Data page.")
        modelled = [c for c in columns if c not in empty]
        blocked = self.blockers(real[modelled], schema, self.params_)  # (as the page asks: infinite values as read)
        if blocked:
            raise blocked[0]
        data, self.zones_ = utc_naive(data)
        self.spans_ = {c: date_unit(df[c]) for c in loose if pd.api.types.is_timedelta64_dtype(df[c])}
        typing = [f"'{c}' held {'time spans' if c in self.spans_ else 'text'}; it was typed as {schema.kinds[c]} to "
                  "learn from (as core.schema.coerce types a table)" + (", in seconds." if c in self.spans_ else ".")
                  for c in loose]
        beyond = [c for c in modelled if schema.kinds[c] == Kind.INTEGER and pd.api.types.is_numeric_dtype(data[c])
                  and np.nanmax(np.abs(data[c].to_numpy(dtype=float)), initial=0) > 2**53]
        typing += [f"'{c}' holds whole numbers beyond 2^53 (about 9e15); they are drawn as floats hold them, to about "
                   "16 significant digits, so the last digits of such values are not kept." for c in beyond]
        self.notices_ = typing + infinity_notice(infinite, "counted as missing") + [
            f"'{c}' has no observed value, so it comes back empty." for c in empty]
        self.output_columns_ = columns  # the columns of every sample, in the real order
        self.columns_ = modelled  # the columns the method learns from
        self.kinds_ = {c: schema.kinds[c] for c in columns}
        self.target_ = schema.target if schema.target in modelled else None
        self.dtypes_ = real.dtypes.to_dict()
        self.missing_ = data.isna().mean().to_dict()
        self.bounds_ = {c: (data[c].min(), data[c].max()) for c in columns
                        if self.kinds_[c] in (*NUMERIC, Kind.DATETIME) and _ordered(data[c]) and data[c].notna().any()}
        self.decimals_ = {c: decimals(data[c]) for c in self.bounds_ if self.kinds_[c] == Kind.CONTINUOUS}
        self.levels_ = {c: pd.Index(real[c].dropna().unique()) for c in modelled if c not in self.bounds_}
        self.date_units_ = {c: date_unit(real[c]) for c in self.bounds_ if self.kinds_[c] == Kind.DATETIME}
        self._fit(data[modelled].copy())
        return self

    def sample(self, n: int, *, rng: Any = None, conditions: dict[str, Any] | None = None) -> pd.DataFrame:
        """``n`` rows; with ``conditions`` ({column: value, list of values or (low, high)}) exactly ``n`` rows that
        all meet them, or a sentence why they cannot be had (see :mod:`core.synth.conditions`)."""
        if not hasattr(self, "columns_"):
            raise NotFittedError(f"{self.title} has not been fitted yet.",
                                 hint="Call fit(df, schema) on the real table before sample(n).")
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or not 1 <= n <= MAX_ROWS:
            raise ParameterError(f"The number of rows must be a whole number from 1 to {MAX_ROWS:,}, not {n!r}.")
        if n * len(self.output_columns_) > MAX_CELLS:
            raise ParameterError(f"{n:,} rows of {len(self.output_columns_):,} columns is more than one sample holds "
                                 f"({MAX_CELLS:,} cells).",
                                 hint="Draw fewer rows at a time, or write a large table as parts (core.scale, or "
                                      "the command line's generate --out DIR).")
        generator = as_generator(rng)
        if conditions:
            checked = read_conditions(self, conditions)
            return sample_meeting(self._drawn, int(n), checked, generator)
        return self._drawn(int(n), generator)

    def _drawn(self, n: int, generator: np.random.Generator) -> pd.DataFrame:
        out = self._sample(n, generator)
        for column, rate in self.missing_.items():  # missing values come back at their real rate
            if rate > 0 and column in out and not self.keeps_missing:
                out[column] = out[column].mask(generator.random(len(out)) < rate)
        return self._finish(out)

    # ------------------------------------------------------------------ for subclasses

    def _fit(self, df: pd.DataFrame) -> None:
        raise NotImplementedError

    def _sample(self, n: int, rng: np.random.Generator) -> pd.DataFrame:
        raise NotImplementedError

    # ------------------------------------------------------------------ shared

    def _finish(self, out: pd.DataFrame) -> pd.DataFrame:
        """Real column order, bounds, precision and types."""
        out = out.reindex(columns=self.output_columns_).reset_index(drop=True)
        for column in self.output_columns_:
            kind, dtype = self.kinds_[column], self.dtypes_[column]
            if column in self.bounds_ and kind in NUMERIC:
                out[column] = as_dtype(self._at_real_precision(out[column], column), dtype)
            elif kind == Kind.DATETIME and column in self.bounds_:
                dates = pd.to_datetime(out[column]).clip(*self.bounds_[column])
                zone = self.zones_.get(column)
                if zone is not None:
                    dates = in_zone(dates, zone, dtype)
                if self.date_units_.get(column):  # dates come back like the real ones: whole days, whole hours...
                    dates = round_dates(dates, self.date_units_[column])
                out[column] = dates.astype(dtype)
            elif pd.api.types.is_numeric_dtype(dtype) and kind in LABELS:
                out[column] = as_dtype(pd.to_numeric(out[column]), dtype)
            elif isinstance(dtype, (pd.StringDtype, pd.CategoricalDtype)) or pd.api.types.is_timedelta64_dtype(dtype):
                out[column] = out[column].astype(dtype)  # drawn from the real values, so the real dtype holds them
        for column, unit in getattr(self, "spans_", {}).items():  # learned as seconds, back as time spans
            spans = pd.to_timedelta(out[column], unit="s")
            out[column] = spans.dt.round(unit) if unit else spans  # in the real grain (whole minutes)
        return out


    def _at_real_precision(self, values: pd.Series, column: str) -> pd.Series:
        """A number column clipped to the real bounds and rounded like the real values."""
        low, high = self.bounds_[column]
        values = values.astype(float).clip(low, high)
        if self.kinds_[column] == Kind.INTEGER:
            return values.round()
        places = self.decimals_.get(column)
        return values if places is None else values.round(places).clip(low, high)


DATE_UNITS = ("D", "h", "min", "s")


def date_unit(values: pd.Series) -> str | None:
    """The coarsest unit (day, hour, minute, second) every observed date, or time span, is a whole number of; None
    if finer.

    Time-zone-aware dates are judged on the clock of their own zone: local midnights are whole days."""
    observed = values.dropna().head(5_000)
    dates = observed if pd.api.types.is_timedelta64_dtype(observed) else pd.to_datetime(observed)
    if isinstance(dates.dtype, pd.DatetimeTZDtype):
        dates = dates.dt.tz_localize(None)  # the local wall-clock time
    for unit in DATE_UNITS:
        if (dates == dates.dt.floor(unit)).all():
            return unit
    return None


def round_dates(dates: pd.Series, unit: str) -> pd.Series:
    """Dates rounded to a whole ``unit``; time-zone-aware ones on their local clock. A local time skipped by a
    change to daylight saving time moves forward; one that occurs twice takes the instant nearer the date."""
    if not isinstance(dates.dtype, pd.DatetimeTZDtype):
        return dates.dt.round(unit)
    wall = dates.dt.tz_localize(None).dt.round(unit)
    both = [wall.dt.tz_localize(dates.dt.tz, ambiguous=np.full(len(wall), summer), nonexistent="shift_forward")
            for summer in (True, False)]
    return both[0].where((both[0] - dates).abs() <= (both[1] - dates).abs(), both[1])


def as_dtype(values: pd.Series, dtype: Any) -> pd.Series:
    """``values`` as the real column's dtype when it can hold them: always for a nullable dtype (Int64, Float64,
    boolean), which holds missing values too; for a plain numpy dtype only when nothing is missing."""
    if values.notna().all() or pd.api.types.is_extension_array_dtype(dtype):
        kind = pd.api.types.pandas_dtype(dtype)
        if kind.kind in "iu" and pd.api.types.is_float_dtype(values):  # floats at the ends of the integers' range
            info = np.iinfo(kind.numpy_dtype if hasattr(kind, "numpy_dtype") else kind)  # would wrap around
            top = float(info.max)  # (2**63 - 1 reads as 2**63 in a float: then the largest float below it)
            values = values.clip(float(info.min), np.nextafter(top, 0) if int(top) > info.max else top)
        return values.astype(dtype)
    return values


def _ordered(values: pd.Series) -> bool:
    """Whether a column's values have a minimum and maximum (numbers or dates, not mixed labels)."""
    return pd.api.types.is_numeric_dtype(values) or pd.api.types.is_datetime64_any_dtype(values)


def decimals(values: pd.Series) -> int | None:
    """The fewest decimals that write every observed value exactly; None when six do not (wavelengths in metres,
    p-values): such a column is kept at full precision, not rounded to six decimals (which turned 5e-7 into 0
    or 1e-6, outside the real range)."""
    x = values.dropna().to_numpy(dtype=float)
    x = x[np.isfinite(x)][:5_000]
    return next((d for d in range(MAX_DECIMALS + 1) if written_with(x, d)), None)


def written_with(x: np.ndarray, places: int) -> bool:
    """Whether ``places`` decimals write every value of ``x`` (finite numbers) exactly: within a billionth of the
    largest (not of 1, which held 1e-10 to 5e-10 at zero decimals)."""
    return bool(np.allclose(np.round(x, places), x, rtol=0, atol=1e-9 * float(np.abs(x).max(initial=0))))
