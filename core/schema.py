"""Column kinds: what each column *is*, which decides how every later step treats it.

Seven kinds cover tabular data:

=============  =====================================================================
continuous     real numbers (a measurement): histograms, KS distances, fitted densities
integer        whole numbers that are quantities (counts, ages, years): kept whole
binary         exactly two values (0/1, yes/no, male/female)
categorical    labels, including integer codes such as race 1/2/3 and zip codes
datetime       dates and times, parsed from common formats
id             a different value on every row; never synthesised (excluded by default)
text           free text; excluded by default
=============  =====================================================================

Inference looks at the values, not only at the storage type, and records a one-line reason
per column ("3 distinct integer codes 1-3 → categorical") so a user can judge and override.
The order of the checks matters: missing and constant columns first, then two-valued columns,
then identifiers, codes, years and plain numbers; for text, yes/no words, digit codes with
leading zeros, numbers stored as text ("1,234.50", "$12", "45%"), dates (tried against a list
of explicit formats, all values must parse), identifiers, free text and finally labels.

:func:`coerce` turns the loaded table into typed columns according to a schema (numbers
stored as text become numbers, date strings become datetimes) and refuses, with a sentence,
a kind that would silently lose values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core.errors import DataError, SchemaError


class Kind(StrEnum):
    """What a column holds. A member is its own name as a string (``Kind.INTEGER == "integer"``), so a kind
    read from a recipe or typed by hand compares equal to it."""

    CONTINUOUS = "continuous"
    INTEGER = "integer"
    BINARY = "binary"
    CATEGORICAL = "categorical"
    DATETIME = "datetime"
    ID = "id"
    TEXT = "text"


KINDS = tuple(Kind)
NUMERIC = (Kind.CONTINUOUS, Kind.INTEGER)  # numbers that are quantities
LABELS = (Kind.BINARY, Kind.CATEGORICAL)  # values that name a class
KIND_HELP = {
    Kind.CONTINUOUS: "real numbers, such as a measurement",
    Kind.INTEGER: "whole numbers that are quantities: counts, ages, years",
    Kind.BINARY: "exactly two values, such as 0/1 or yes/no",
    Kind.CATEGORICAL: "labels or codes, such as species or race 1/2/3",
    Kind.DATETIME: "dates and times",
    Kind.ID: "a different value on every row; not synthesised",
    Kind.TEXT: "free text; not synthesised",
}
EXCLUDED_BY_DEFAULT = (Kind.ID, Kind.TEXT)

_SAMPLE = 2_000  # values inspected for formats; the chosen format is then checked on all values
_MAX_CODES = 10  # at most this many consecutive integers 1..k read as category codes
_MAX_NAMED_CODES = 20
_ID_MIN_ROWS = 10
_TEXT_MEAN_WORDS = 5
_TEXT_MEAN_LENGTH = 40

_ID_NAME = re.compile(r"(^|[_\s.-])(id|key|uuid|guid|identifier|index)$|^id[_\s.-]|^(record|row)_?(no|num|number)$",
                      re.IGNORECASE)
_CODE_NAME = re.compile(r"race|ethnic|type|class|group|categor|code|status|level|grade|region|gender"
                        r"|sex|kind|zone|state|country|diagnos|stage", re.IGNORECASE)
_YEAR_NAME = re.compile(r"year|yr|jahr|annee|^an$", re.IGNORECASE)
_BOOL_WORDS = [{"yes", "no"}, {"y", "n"}, {"true", "false"}, {"t", "f"}, {"0", "1"}, {"on", "off"}]
_LEADING_ZERO = re.compile(r"^0\d+$")
_NUMBER_TEXT = re.compile(
    r"^\(?[+-]?\s*[$€£¥]?\s*[+-]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?\s*%?\)?$|^[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+$")
_DATE_FORMATS = (
    "%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M",
    "%Y/%m/%d", "%d/%m/%Y", "%m/%d/%Y", "%d/%m/%Y %H:%M", "%m/%d/%Y %H:%M", "%d/%m/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M:%S", "%d.%m.%Y", "%d.%m.%Y %H:%M", "%d-%m-%Y", "%m-%d-%Y", "%d %b %Y",
    "%d %B %Y", "%b %d, %Y", "%B %d, %Y", "%b %d %Y", "%d-%b-%Y", "%d-%b-%y", "%Y-%m",
    "%d/%m/%y", "%m/%d/%y", "ISO8601",
)


@dataclass(frozen=True)
class Schema:
    """Kinds of the columns, the optional target and the columns left out of synthesis."""

    kinds: dict[str, str]
    target: str | None = None
    excluded: tuple[str, ...] = ()
    reasons: dict[str, str] = field(default_factory=dict)
    inferred: dict[str, str] = field(default_factory=dict)
    parsers: dict[str, str] = field(default_factory=dict)  # column → "number" or a date format

    def __post_init__(self) -> None:  # every known kind as a Kind member, however it was given
        object.__setattr__(self, "kinds", {c: Kind(k) if k in KINDS else k for c, k in self.kinds.items()})

    @property
    def columns(self) -> list[str]:
        return list(self.kinds)

    @property
    def synth_columns(self) -> list[str]:
        """Columns a synthesizer models: everything not excluded."""
        return [c for c in self.kinds if c not in self.excluded]

    def columns_of(self, *kinds: str, among: list[str] | None = None) -> list[str]:
        """The columns of these kinds, in table order, or in the order of ``among`` when it is given (default:
        the synthesis columns); names in ``among`` that the schema does not know are left out."""
        pool = self.synth_columns if among is None else [c for c in among if c in self.kinds]
        return [c for c in pool if self.kinds[c] in kinds]

    def numeric_columns(self, among: list[str] | None = None) -> list[str]:
        """Continuous and integer columns (see :meth:`columns_of`)."""
        return self.columns_of(*NUMERIC, among=among)

    def label_columns(self, among: list[str] | None = None) -> list[str]:
        """Binary and categorical columns (see :meth:`columns_of`)."""
        return self.columns_of(*LABELS, among=among)

    @property
    def overrides(self) -> dict[str, tuple[str, str]]:
        """{column: (inferred kind, chosen kind)} for the columns the user changed."""
        return {c: (self.inferred[c], k) for c, k in self.kinds.items()
                if c in self.inferred and self.inferred[c] != k}

    def with_kind(self, column: str, kind: str) -> Schema:
        """A copy with one column's kind changed (checked against the data by :func:`coerce`)."""
        self._check_column(column)
        if kind not in KINDS:
            raise SchemaError(f"'{kind}' is not a column kind.", hint="Use one of: " + ", ".join(KINDS) + ".")
        kinds = {**self.kinds, column: kind}
        parsers = {c: p for c, p in self.parsers.items() if c != column or kind == self.inferred.get(c)}
        excluded = tuple(c for c in self.excluded if c != column)
        if kind in EXCLUDED_BY_DEFAULT and column != self.target:
            excluded += (column,)
        schema = replace(self, kinds=kinds, parsers=parsers, excluded=excluded)
        if column == self.target:
            schema._check_target(column)
        return schema

    def with_target(self, target: str | None) -> Schema:
        if target is None:
            return replace(self, target=None)
        self._check_column(target)
        self._check_target(target)
        return replace(self, target=target, excluded=tuple(c for c in self.excluded if c != target))

    def with_excluded(self, columns: list[str] | tuple[str, ...]) -> Schema:
        for column in columns:
            self._check_column(column)
        if self.target in columns:
            raise SchemaError(f"'{self.target}' is the target column, so it can't be excluded.",
                              hint="Choose another target first, or none.")
        if len(set(columns)) >= len(self.kinds):
            raise SchemaError("At least one column must stay in the synthesis.")
        return replace(self, excluded=tuple(c for c in self.kinds if c in set(columns)))

    def _check_column(self, column: str) -> None:
        if column not in self.kinds:
            raise SchemaError(f"There is no column named '{column}'.")

    def _check_target(self, target: str) -> None:
        kind = self.kinds[target]
        if kind in (Kind.ID, Kind.TEXT, Kind.DATETIME):
            raise SchemaError(f"'{target}' is a {kind} column, so it can't be the target.",
                              hint="Pick a binary, categorical or numeric column to predict.")

    def to_dict(self) -> dict[str, Any]:
        return {"kinds": dict(self.kinds), "target": self.target, "excluded": list(self.excluded),
                "parsers": dict(self.parsers)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Schema:
        kinds = dict(data["kinds"])
        bad = {c: k for c, k in kinds.items() if k not in KINDS}
        if bad:
            raise SchemaError(f"Unknown column kinds: {bad}.", hint="Use one of: " + ", ".join(KINDS) + ".")
        target, excluded = data.get("target"), data.get("excluded", ())
        if not (target is None or isinstance(target, str)) or not isinstance(excluded, (list, tuple)):
            raise SchemaError("The schema's target must be a column name and its excluded columns a list of them.")
        return cls(kinds=kinds, target=target, excluded=tuple(excluded),
                   parsers=dict(data.get("parsers", {})), inferred=dict(kinds))


# --------------------------------------------------------------------------- inference


EMPTY = "every value is missing (left out of synthesis)"


def infer_schema(df: pd.DataFrame, *, target: str | None = None) -> Schema:
    """Infer each column's kind, with a reason; ids, free text and empty columns are excluded."""
    _check_names(df.columns)
    kinds, reasons, parsers, excluded = {}, {}, {}, []
    for column in df.columns:
        kind, reason, parser = infer_kind(df[column], str(column))
        kinds[column], reasons[column] = kind, reason
        if parser:
            parsers[column] = parser
        if kind in EXCLUDED_BY_DEFAULT or reason == EMPTY:  # (infinite values count as missing)
            excluded.append(column)
    schema = Schema(kinds=kinds, excluded=tuple(excluded), reasons=reasons, inferred=dict(kinds),
                    parsers=parsers)
    return schema.with_target(target) if target is not None else schema


def _check_names(columns: pd.Index) -> None:
    """Every column is named by a text of its own: kinds, recipes and models find columns by name."""
    named = [c for c in columns if not isinstance(c, str)]
    if named:
        raise SchemaError(f"Column names must be text; one is named {_short(named[0])!r}, a {type(named[0]).__name__} "
                          "value.",
                          hint="Name the columns, for example df.columns = df.columns.astype(str). (Files read "
                               "with read_table always have text names.)")
    twice = columns[columns.duplicated()]
    if len(twice):
        raise SchemaError(f"Two columns are named '{_short(twice[0])}'.",
                          hint="Give each column its own name. (read_table numbers repeated names in files.)")


def infer_kind(series: pd.Series, name: str = "") -> tuple[Kind, str, str | None]:
    """(kind, reason, parser) for one column; parser is "number" or a date format, or None."""
    if pd.api.types.is_complex_dtype(series):
        raise SchemaError(f"'{name}' holds complex numbers; SynthLab works with real ones.",
                          hint="Split it into two columns, its real and its imaginary parts.")
    values = series.dropna()
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        values = values[~np.isinf(values.to_numpy(dtype=float))] if len(values) else values
    if values.empty:
        kind = Kind.CONTINUOUS if pd.api.types.is_numeric_dtype(series) else Kind.CATEGORICAL
        return kind, EMPTY, None
    if pd.api.types.is_bool_dtype(series):
        return Kind.BINARY, "true/false values → binary", None
    if pd.api.types.is_datetime64_any_dtype(series):
        low, high = values.min(), values.max()
        if low.tz_localize(None) < pd.Timestamp.min or high.tz_localize(None) > pd.Timestamp.max:
            raise SchemaError(f"'{name}' holds dates from {low.date()} to {high.date()}; SynthLab computes with "
                              f"dates from {pd.Timestamp.min.date()} to {pd.Timestamp.max.date()}.",
                              hint="Leave the column out, or keep its years as numbers.")
        return Kind.DATETIME, "stored as dates → datetime", None
    if pd.api.types.is_timedelta64_dtype(series):
        return Kind.CONTINUOUS, "time spans → continuous", None
    if pd.api.types.is_numeric_dtype(series):
        return (*_infer_numeric(values.astype(float), name, len(series)), None)
    if isinstance(series.dtype, pd.CategoricalDtype) and pd.api.types.is_numeric_dtype(series.cat.categories) \
            and not pd.api.types.is_bool_dtype(series.cat.categories) \
            and np.isfinite(series.cat.categories.to_numpy(dtype=float)).all():  # (Parquet's dictionary of numbers)
        kind, reason = _infer_numeric(values.astype(float), name, len(series))
        return kind, f"{reason} (numbers held as categories)", "number"
    try:
        return _infer_text(values, name, len(series))
    except TypeError:  # unhashable cells
        raise SchemaError(f"'{name}' holds lists or records in its cells; SynthLab works with one value per cell.",
                          hint="Turn them into text (df[column].astype(str)), or spread them over columns. (Files "
                               "read with read_table hold text there.)") from None


def _infer_numeric(values: pd.Series, name: str, n_rows: int) -> tuple[Kind, str]:
    n_unique = values.nunique()
    lo, hi = values.min(), values.max()
    integral = bool(np.all(np.mod(values.to_numpy(), 1) == 0))
    span = f"{_fmt(lo)}-{_fmt(hi)}"
    if n_unique == 1:
        return (Kind.INTEGER if integral else Kind.CONTINUOUS), f"a single value ({_fmt(lo)}): constant"
    if n_unique == 2:
        return Kind.BINARY, f"2 distinct values ({_fmt(lo)}/{_fmt(hi)}) → binary"
    if not integral:
        return Kind.CONTINUOUS, f"decimal numbers ({span}) → continuous"
    if _ID_NAME.search(name) and n_unique == len(values) == n_rows:
        return Kind.ID, "a different whole number on every row, named like an identifier → id"
    if n_unique == len(values) == n_rows >= _ID_MIN_ROWS and hi - lo + 1 == n_unique:
        return Kind.ID, f"counts up one by one ({span}) on every row → id"
    if _YEAR_NAME.search(name) and lo >= 1000 and hi <= 2200:
        return Kind.INTEGER, f"years ({span}) → integer"
    if n_unique <= _MAX_CODES and lo == 1 and hi == n_unique:
        return Kind.CATEGORICAL, f"{n_unique} distinct integer codes 1-{n_unique} → categorical"
    if n_unique <= _MAX_NAMED_CODES and _CODE_NAME.search(name):
        return Kind.CATEGORICAL, f"{n_unique} distinct integer codes, named like a category → categorical"
    if lo >= 1900 and hi <= 2100 and n_unique <= 200:
        return Kind.INTEGER, f"years ({span}) → integer"
    return Kind.INTEGER, f"whole numbers ({span}) → integer"


def _infer_text(values: pd.Series, name: str, n_rows: int) -> tuple[Kind, str, str | None]:
    """Kind of a column of text; every check runs on the distinct values, which settle it for all rows."""
    uniques = _distinct_text(values)
    n_unique = len(uniques)
    sample = uniques.head(_SAMPLE)
    lowered = set(sample.str.lower())
    if n_unique == 2 and any(lowered == words for words in _BOOL_WORDS):
        a, b = sorted(sample)
        return Kind.BINARY, f"{a}/{b} values → binary", None
    if n_unique == 1:
        return Kind.CATEGORICAL, f"a single value ('{_short(sample.iloc[0])}'): constant", None
    if sample.str.fullmatch(r"\d+").all() and sample.str.match(_LEADING_ZERO).any():
        example = sample[sample.str.match(_LEADING_ZERO)].iloc[0]
        if n_unique == len(values) == n_rows >= _ID_MIN_ROWS:
            return Kind.ID, f"digit codes with leading zeros ('{example}'), one per row → id", None
        return Kind.CATEGORICAL, f"digit codes with leading zeros ('{example}') → categorical", None
    if sample.str.match(_NUMBER_TEXT).all() and sample.str.contains(r"\d").all():
        numbers = _parse_number_strings(uniques)
        if numbers.notna().all():
            finite = numbers.to_numpy(dtype=float)
            finite = finite[np.isfinite(finite)]  # (1e400 reads as infinity, which is no fraction)
            integral = bool(np.all(np.mod(finite, 1) == 0))
            kind = Kind.INTEGER if integral else Kind.CONTINUOUS
            return kind, f"numbers stored as text ('{_short(sample.iloc[0])}') → {kind}", "number"
    date_format = detect_date_format(uniques)
    if date_format:
        shown = "ISO 8601" if date_format == "ISO8601" else date_format
        return Kind.DATETIME, f"dates written like '{_short(sample.iloc[0])}' ({shown}) → datetime", date_format
    if n_unique == 2:
        a, b = sorted(sample)
        return Kind.BINARY, f"2 distinct values ('{_short(a)}'/'{_short(b)}') → binary", None
    words = sample.str.split().str.len().mean()
    if words >= _TEXT_MEAN_WORDS or sample.str.len().mean() >= _TEXT_MEAN_LENGTH:
        return Kind.TEXT, f"free text (about {words:.0f} words a value) → text", None
    if n_unique == len(values) == n_rows >= _ID_MIN_ROWS:
        return Kind.ID, "a different label on every row → id", None
    share = n_unique / len(values)
    if n_unique > 50 and share > 0.5:
        return Kind.CATEGORICAL, f"{n_unique} distinct labels, most used once → categorical (high cardinality)", None
    return Kind.CATEGORICAL, f"{n_unique} distinct labels → categorical", None


def parse_numbers(values: pd.Series) -> pd.Series:
    """Numbers written as text ("1,234.50", "$12", "45%", "(3.2)") as floats; NaN where not."""
    return _map_unique(values, _parse_number_strings)


def _parse_number_strings(values: pd.Series) -> pd.Series:
    """Vectorised with Arrow's string kernels: a million distinct amounts parse in well under a second."""
    text = pc.utf8_trim_whitespace(pa.array(values.astype(str).to_numpy(), type=pa.string()))
    valid = pc.and_(pc.match_substring_regex(text, _NUMBER_TEXT.pattern), pc.match_substring_regex(text, r"\d"))
    negative = pc.match_substring_regex(text, r"^\(.*\)$").to_numpy(zero_copy_only=False)
    cleaned = pc.replace_substring_regex(text, r"[()$€£¥%\s,]", "")
    cleaned = pc.if_else(valid, cleaned, pa.scalar(None, pa.string()))
    try:  # Arrow's cast is fast but strict ...
        parsed = cleaned.cast(pa.float64()).to_numpy(zero_copy_only=False)
    except pa.ArrowInvalid:  # ... so odd leftovers such as "+-" go through pandas, which gives NaN
        parsed = pd.to_numeric(cleaned.to_numpy(zero_copy_only=False), errors="coerce")
    numbers = pd.Series(parsed, index=values.index, dtype=float)
    return numbers.where(~negative, -numbers)


def _map_unique(series: pd.Series, convert) -> pd.Series:
    """Apply ``convert`` to the distinct values only and spread the result back over the rows.

    Parsing text is the slow part of loading; a million dates usually hold a few thousand
    distinct strings, so this turns seconds into milliseconds. Missing values stay missing.
    """
    codes, uniques = pd.factorize(series)
    converted = convert(pd.Series(uniques, dtype=object))
    if not len(uniques):
        return converted.reindex(series.index)
    spread = pd.Series(converted.to_numpy()[np.maximum(codes, 0)], index=series.index)
    return spread.mask(codes < 0)


def detect_date_format(values: pd.Series) -> str | None:
    """The first format in which every value parses as a date, or None (checked on distinct values)."""
    text = _distinct_text(values)
    sample = text.head(_SAMPLE)
    if text.empty or not sample.str.contains(r"[-/.\s:]|^\d{4}-", regex=True).all():
        return None
    if sample.str.fullmatch(r"[+-]?\d+(\.\d+)?").all():
        return None  # plain numbers are not dates
    for date_format in _DATE_FORMATS:
        if to_datetimes(sample, date_format).notna().all() and to_datetimes(text, date_format).notna().all():
            return date_format
    return None


def _distinct_text(values: pd.Series) -> pd.Series:
    """The distinct non-missing values as stripped strings, in order of first appearance."""
    uniques = pd.Series(pd.unique(values.dropna()), dtype=object).astype(str).str.strip()
    return uniques.drop_duplicates().reset_index(drop=True)


# --------------------------------------------------------------------------- coercion


def coerce(df: pd.DataFrame, schema: Schema) -> pd.DataFrame:
    """The table with each column typed for its kind; a kind that does not fit raises SchemaError."""
    missing = [c for c in schema.kinds if c not in df.columns]
    if missing:
        raise SchemaError(f"The table has no column {missing[0]!r}, which the schema names.")
    out = df.copy(deep=False)  # columns are replaced, never written into, so the input stays as it was
    for column, kind in schema.kinds.items():
        out[column] = _coerce_column(df[column], column, kind, schema.parsers.get(column))
    return out


def _coerce_column(series: pd.Series, column: str, kind: str, parser: str | None) -> pd.Series:
    observed = series.dropna()
    if kind in NUMERIC:
        numbers = _as_numbers(series, column, kind)
        finite = numbers.dropna()
        finite = finite[np.isfinite(finite.to_numpy(dtype=float))]
        if kind == Kind.INTEGER and len(finite) and not np.all(np.mod(finite.to_numpy(dtype=float), 1) == 0):
            example = finite[np.mod(finite.to_numpy(dtype=float), 1) != 0].iloc[0]
            raise SchemaError(f"'{column}' has decimals (such as {example:g}), so it can't be integer.",
                              hint="Choose continuous for it.")
        return numbers
    if kind == Kind.BINARY:
        if pd.api.types.is_numeric_dtype(observed) and not pd.api.types.is_bool_dtype(observed):
            observed = observed[np.isfinite(observed.to_numpy(dtype=float))]  # (±inf counts as missing, as inferred)
        n_unique = observed.nunique()
        if n_unique > 2:
            raise SchemaError(f"'{column}' has {n_unique} distinct values; binary needs at most two.",
                              hint="Choose categorical for it.")
        return series
    if kind == Kind.DATETIME:
        return _as_datetimes(series, column, parser)
    return series


def _as_numbers(series: pd.Series, column: str, kind: str) -> pd.Series:
    if pd.api.types.is_bool_dtype(series):
        return series.astype(float)
    if pd.api.types.is_numeric_dtype(series):
        return series
    if pd.api.types.is_timedelta64_dtype(series):
        return series.dt.total_seconds()  # time spans, in seconds (the workspace says so)
    if pd.api.types.is_datetime64_any_dtype(series):
        raise SchemaError(f"'{column}' holds dates, so it can't be {kind}.", hint="Keep it as datetime.")
    numbers = parse_numbers(series)
    bad = series[series.notna() & numbers.isna()]
    if len(bad):
        raise SchemaError(f"'{column}' can't be {kind}: {len(bad):,} values, such as "
                          f"'{_short(bad.iloc[0])}', are not numbers.",
                          hint="Keep it categorical, or fix those values in the file.")
    return numbers


def _as_datetimes(series: pd.Series, column: str, parser: str | None) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(series):
        return series
    observed = series.dropna()
    if pd.api.types.is_numeric_dtype(series):
        if len(observed) and observed.between(1000, 2200).all() and np.all(np.mod(observed, 1) == 0):
            return pd.to_datetime(series.astype("Int64").astype(str), format="%Y", errors="coerce")
        raise SchemaError(f"'{column}' holds numbers that are not years, so it can't be datetime.",
                          hint="Keep it numeric.")
    date_format = parser or detect_date_format(observed)
    if date_format is None and (far := _beyond_pandas(observed)) is not None:
        raise SchemaError(f"'{column}' holds dates such as '{_short(far)}' outside the years a table can hold "
                          "(1677 to 2262), so it can't be datetime.",
                          hint="Leave such markers (an open end written 9999-12-31) empty in the file, or keep the "
                               "column categorical.")
    if date_format is None:
        raise SchemaError(f"'{column}' can't be read as dates: values such as "
                          f"'{_short(observed.iloc[0]) if len(observed) else ''}' match no common date format.",
                          hint="Write dates as YYYY-MM-DD, or keep it categorical.")
    return _map_unique(series, lambda text: to_datetimes(text, date_format))


def _beyond_pandas(values: pd.Series) -> str | None:
    """A value of ``values`` that is a date in the format all the others are in, but beyond the years pandas holds
    (such as 9999-12-31), or None."""
    text = _distinct_text(values)
    for date_format in _DATE_FORMATS[:-1]:  # (ISO 8601 is every one of the formats above it)
        failing = text[to_datetimes(text, date_format).isna()]
        if 0 < len(failing) < len(text) and len(failing) <= _SAMPLE:
            try:
                for value in failing:
                    datetime.strptime(value, date_format)
            except ValueError:
                continue
            return str(failing.iloc[0])
    return None


def to_datetimes(values: pd.Series, date_format: str) -> pd.Series:
    """Parse with one format; ISO 8601 values with offsets become naive UTC times."""
    if date_format != "ISO8601":
        return pd.to_datetime(values, format=date_format, errors="coerce")
    parsed = pd.to_datetime(values, format=date_format, errors="coerce", utc=True)
    return parsed.dt.tz_convert(None)


def _fmt(x: float) -> str:
    return f"{x:g}" if abs(x) < 1e15 else f"{x:.3g}"


def _short(value: Any, width: int = 24) -> str:
    text = str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def to_floats(values: pd.Series) -> np.ndarray:
    """A number or date column as floats (dates as nanoseconds since 1970 UTC), missing values as NaN.

    Nullable columns (Int64, Float64, boolean) and time-zone-aware dates are read like their plain twins."""
    values = pd.Series(values)
    if pd.api.types.is_datetime64_any_dtype(values):
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            values = values.dt.tz_convert(None)  # the same instants, as naive UTC times
        ns = values.to_numpy(dtype="datetime64[ns]").astype(np.int64).astype(float)
        return np.where(values.isna().to_numpy(), np.nan, ns)
    return values.astype(float).to_numpy()


def utc_naive(df: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, Any]]:
    """(the table with every time-zone-aware date column as naive UTC times, {column: its time zone}).

    The methods work on naive times, where every date compares, subtracts and converts to a number
    alike; :func:`in_zone` gives a column back in its own zone and dtype. The instants are unchanged."""
    zones = {c: df[c].dt.tz for c in df.columns if isinstance(df[c].dtype, pd.DatetimeTZDtype)}
    if not zones:
        return df, zones
    out = df.copy(deep=False)  # columns are replaced, never written into
    for column in zones:
        out[column] = df[column].dt.tz_convert(None)
    return out, zones


def in_zone(values: pd.Series, zone: Any, dtype: Any) -> pd.Series:
    """Naive UTC times (from :func:`utc_naive`) back in their time zone, as ``dtype``."""
    return pd.to_datetime(pd.Series(values)).dt.tz_localize("UTC").dt.tz_convert(zone).astype(dtype)


def untyped(df: pd.DataFrame, kinds: dict[str, str], *, spans: bool = True) -> list[str]:
    """The columns of ``kinds`` in ``df`` whose values are not yet of their kind's type: numbers or dates held as
    text, and time spans unless ``spans`` is false (a table read but not :func:`coerce`-d)."""
    out = []
    for column, kind in kinds.items():
        if column not in df.columns:
            continue
        series = df[column]
        if not isinstance(series, pd.Series):  # a name given twice: said where the columns are read
            continue
        if kind in NUMERIC:
            typed = pd.api.types.is_numeric_dtype(series) or (not spans and pd.api.types.is_timedelta64_dtype(series))
        else:
            typed = pd.api.types.is_datetime64_any_dtype(series) if kind == Kind.DATETIME else True
        if not typed and series.notna().any():
            out.append(column)
    return out


def in_seconds(df: pd.DataFrame, spans: list[Any] | None = None) -> pd.DataFrame:
    """``df`` with its time-span columns (``spans``, or every one) as seconds, numbers every method can use."""
    spans = [c for c in df.columns if pd.api.types.is_timedelta64_dtype(df[c])] if spans is None else spans
    if not spans:
        return df
    out = df.copy(deep=False)  # (columns replaced, never written into)
    for column in spans:
        out[column] = df[column].dt.total_seconds()
    return out


def typed(df: pd.DataFrame, schema: Schema, *, spans: bool = True) -> tuple[pd.DataFrame, list[str]]:
    """(``df`` with its :func:`untyped` columns typed as :func:`coerce` types them, those columns); a table already
    typed comes back as it is (time spans too, unless ``spans``). A value that does not fit its kind raises
    SchemaError."""
    loose = untyped(df, schema.kinds, spans=spans)
    if not loose:
        return df, []
    out = df.copy(deep=False)  # columns are replaced, never written into
    for column in loose:
        out[column] = _coerce_column(df[column], column, schema.kinds[column], schema.parsers.get(column))
    return out, loose


def check_typed(df: pd.DataFrame, kinds: dict[str, str]) -> None:
    """Refuse a number or date column that still holds text (a table read but not yet :func:`coerce`-d)."""
    for column in untyped(df, kinds, spans=False)[:1]:  # (time spans are numbers here, in seconds)
        held = "categories" if isinstance(df[column].dtype, pd.CategoricalDtype) else "text"
        raise SchemaError(f"'{column}' is {kinds[column]} in the schema but holds {held}, such as "
                          f"'{_short(df[column].dropna().iloc[0])}'.",
                          hint="Type the table first: core.schema.coerce(df, schema) (a Workspace does it).")


def without_infinities(df: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """(the table with ±inf in its float columns as missing values, {column: how many there were}).

    An infinite value is no measurement: no mean, spread, distance or quantile can use it. A column whose finite
    values are spread wider than floats hold (from near -1.8e308 to near 1.8e308) is refused: its spread, and so
    any scale, would be infinite."""
    counts = {}
    for column in df.columns:
        if pd.api.types.is_float_dtype(df[column]):
            values = to_floats(df[column])
            infinite = np.isinf(values)
            count = int(infinite.sum())
            if count:
                counts[column] = count
            finite = np.where(infinite, np.nan, values)
            low, high = (np.nanmin(finite), np.nanmax(finite)) if count < (~np.isnan(values)).sum() else (0, 0)
            with np.errstate(over="ignore"):
                if np.isinf(high - low):
                    raise DataError(f"'{column}' spreads wider than numbers can be computed with (from "
                                    f"{low:.3g} to {high:.3g}).",
                                    hint="Rescale it, such as dividing it by a power of ten, or leave it out.")
    if not counts:
        return df, counts
    out = df.copy(deep=False)
    for column in counts:
        out[column] = df[column].mask(np.isinf(to_floats(df[column])))
    return out, counts


def infinity_notice(counts: dict[str, int], what: str) -> list[str]:
    """One sentence per column that held infinite values, saying what became of them."""
    return [f"'{c}' has {n:,} infinite value{'s' if n != 1 else ''}, {what}." for c, n in counts.items()]


def label_text(value) -> str:
    """A label as text: whole numbers without a decimal point, so 3, 3.0 and '3' read alike (a float beyond 2**53,
    where every float is whole, as written: 1e+300, not its 301 digits)."""
    if isinstance(value, (bool, np.bool_)):
        return str(value)
    if isinstance(value, (int, np.integer)):
        return str(int(value))  # (exactly: through a float, 2**70 + 1 read as 2**70)
    if isinstance(value, (float, np.floating)):
        number = float(value)
        return str(int(number)) if number.is_integer() and abs(number) < 2**53 else repr(number)
    return str(value)


MISSING_LABEL = "(missing)"


def as_labels(values: pd.Series) -> pd.Series:
    """A column's values as label text (see :func:`label_text`), a missing value as "(missing)": ``astype(str)``
    wrote "nan", "None" or "<NA>", one group with a category of that name, and 3 apart from 3.0."""
    if values.dtype == object:  # each value read on its own (factorising would take True for 1)
        return values.map(label_text, na_action="ignore").where(values.notna(), MISSING_LABEL).astype(object)
    codes, uniques = pd.factorize(values)
    names = np.array([label_text(v) for v in uniques] + [MISSING_LABEL], dtype=object)
    return pd.Series(names[codes], index=values.index, name=values.name, dtype=object)
