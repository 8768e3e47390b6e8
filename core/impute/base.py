"""The imputer contract, shared by every method in ``core.impute``.

``Imputer(**params).fit(df, schema).transform(df, rng=None)``: ``__init__`` only stores the
keyword arguments; ``fit`` checks them against the class's declared ``params``, decides which
columns the method fills (those with holes whose kind it handles; the rest are listed in
``skipped_`` with the reason) and learns what it needs from the observed values; ``transform``
returns a copy of the table in which only the missing cells of those columns have changed, in
the column's own dtype (a nullable Int64 column stays Int64).
Stochastic methods draw from ``rng`` (``np.random.default_rng(rng)``), so the same seed gives
the same table.

An infinite value is no measurement (no mean, distance or regression can use it), so every
method treats ±inf in a number column as missing: it is not learned from, and it is imputed
like a hole. ``notices_`` says so, one sentence per column, beside what else the method had to
decide on its own (such as grouping the rare categories of a column with hundreds of them).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd

from core import __version__
from core.errors import DataError, NotFittedError
from core.params import Card, Param, validate_params
from core.params import generator as as_generator
from core.schema import (
    EXCLUDED_BY_DEFAULT,
    NUMERIC,
    Kind,
    Schema,
    check_typed,
    in_seconds,
    infinity_notice,
    without_infinities,
)


class Imputer:
    """The base of every imputer. A method declares what every surface needs as class attributes (``key``,
    ``title``, ``card``, ``teaching``, ``params``, ``kinds``, ``quick``, ``stochastic``, ``random_settings``,
    ``multivariate``, ``compared``, ``suggested``, ``adds_labels``); it registers itself with
    ``core.impute.register``, and ``core.impute.checks.check_imputer`` tells whether it keeps the contract."""

    key: ClassVar[str] = ""  # its name in recipes, the command line and the registry
    title: ClassVar[str] = ""  # its name on screen
    card: ClassVar[Card]  # what it does, when to use it, what it distorts
    teaching: ClassVar[str] = ""  # a longer explanation in Markdown
    params: ClassVar[tuple[Param, ...]] = ()
    quick: ClassVar[dict[str, Any]] = {}  # settings that run in a second or two, for tests and demonstrations
    kinds: ClassVar[tuple[str, ...]] = NUMERIC  # column kinds the method can fill
    stochastic: ClassVar[bool] = False  # draws at random (with random_settings), so the seed matters
    random_settings: ClassVar[dict[str, Any]] = {}  # settings under which every value it imputes is drawn at random
    multivariate: ClassVar[bool] = False  # predicts a hole from the other columns
    compared: ClassVar[bool] = True  # offered by default in the comparison of methods on masked values
    suggested: ClassVar[bool] = False  # the first choice offered to a user who has not picked a method
    adds_labels: ClassVar[bool] = False  # True: label holes may get a value of its settings, not an observed label

    def __init__(self, **params: Any) -> None:
        self.given = params

    # ------------------------------------------------------------------ public

    def fit(self, df: pd.DataFrame, schema: Schema, *, columns: list[str] | None = None) -> Imputer:
        """Learn from ``df``; ``columns`` limits the columns filled (default: every column with holes)."""
        if df.empty:
            raise DataError("The table is empty, so there is nothing to impute.")
        self.params_ = validate_params(self.params, self.given, self.title or type(self).__name__)
        self.version_ = __version__
        for param in self.params:
            if param.type == "column" and self.params_[param.name] is not None:
                param.validate(self.params_[param.name], columns=list(df.columns))
        self.spans_ = [c for c in df.columns if schema.kinds.get(c) in NUMERIC  # time spans: filled in seconds
                       and pd.api.types.is_timedelta64_dtype(df[c])]
        data, infinite = without_infinities(in_seconds(df, self.spans_))
        usable = [c for c in data.columns if c in schema.kinds and schema.kinds[c] not in EXCLUDED_BY_DEFAULT]
        check_typed(data, {c: schema.kinds[c] for c in usable})
        wanted = columns if columns is not None else [c for c in usable if data[c].isna().any()]
        self.used_ = predictor_columns(data, schema)  # columns a multivariate model may read
        unknown = [c for c in wanted if c not in data.columns]
        if unknown:
            raise DataError(f"There is no column named {unknown[0]!r}.")
        self.kinds_ = {c: schema.kinds[c] for c in data.columns if c in schema.kinds}
        self.columns_, self.skipped_ = [], {}
        for column in wanted:
            kind = schema.kinds.get(column, "text")
            if data[column].isna().all():
                self.skipped_[column] = "every value is missing, so there is nothing to learn from"
            elif kind not in self.kinds:
                self.skipped_[column] = f"{self.title} does not fill {kind} columns"
            else:
                self.columns_.append(column)
        self.notices_ = infinity_notice({c: n for c, n in infinite.items() if c in self.columns_},
                                        "treated as missing and imputed")
        self._fit(data)
        return self

    def transform(self, df: pd.DataFrame, *, rng: Any = None) -> pd.DataFrame:
        if not hasattr(self, "columns_"):
            raise NotFittedError(f"{self.title} has not been fitted yet.",
                                 hint="Call fit(df, schema) before transform(df).")
        missing = [c for c in self.columns_ if c not in df.columns]
        if missing:
            raise DataError(f"The table has no column {missing[0]!r}, which the imputer was fitted on.")
        generator = as_generator(rng)
        out = df.copy()
        if not self.columns_:
            return out
        data, _ = without_infinities(in_seconds(df, getattr(self, "spans_", [])))
        filled = self._transform(data, generator)
        for column, values in filled.items():
            holes = data[column].isna().to_numpy()
            if not holes.any():
                continue
            new = pd.Series(values, index=df.index)[holes]
            if self.kinds_.get(column) == Kind.INTEGER:
                new = new.round()
            if column in getattr(self, "spans_", []):
                new = pd.to_timedelta(pd.to_numeric(new), unit="s")
            out[column] = _put(df[column], holes, new)
            if true_false(df[column]) and not true_false(out[column]):
                shown = next((v for v in new if not isinstance(v, (bool, np.bool_))), new.iloc[0])
                notice = (f"'{column}' held only true and false; {shown!r}, written into its holes, makes it a column "
                          "of labels.")
                self.notices_ += [notice] if notice not in self.notices_ else []
        return out

    @classmethod
    def written_label(cls, params: dict[str, Any], column: pd.Series) -> Any:
        """A value this method with ``params`` writes into ``column``'s holes that the column does not hold (a new
        label, such as 'Unknown'), or None when it writes only values of the column's own kind."""
        return None

    # ------------------------------------------------------------------ for subclasses

    def _fit(self, df: pd.DataFrame) -> None:
        """Learn from the observed values (default: nothing to learn)."""

    def _transform(self, df: pd.DataFrame, rng: np.random.Generator) -> dict[str, Any]:
        raise NotImplementedError


NUMBERS = ("integer", "floating", "mixed-integer-float")  # pandas' names for object columns of numbers


def true_false(column: pd.Series) -> bool:
    """Whether ``column`` holds only true and false (a bool or boolean dtype, or Python's bools among holes)."""
    return pd.api.types.is_bool_dtype(column) or (
        column.dtype == object and column.notna().any() and pd.api.types.infer_dtype(column, skipna=True) == "boolean")


def _put(column: pd.Series, holes: np.ndarray, values: pd.Series) -> pd.Series:
    """``column`` with its holes replaced by ``values``; observed cells are not touched, and the column keeps
    its dtype when that can hold the values (Int64 whole numbers, a category it has or may add)."""
    out = column.copy()
    if values.dtype == object and pd.api.types.infer_dtype(values, skipna=True) in NUMBERS:
        values = pd.to_numeric(values)  # labels that came back as objects are numbers still
    if isinstance(out.dtype, pd.CategoricalDtype):
        new = pd.unique(values.dropna())
        out = out.cat.add_categories([v for v in new if v not in out.cat.categories])
    elif pd.api.types.is_extension_array_dtype(out) and not isinstance(out.dtype, pd.DatetimeTZDtype):
        try:  # a nullable column (Int64, Float64, boolean, string) takes what it can hold ...
            return _assigned(out, holes, pd.array(values.to_numpy(), dtype=out.dtype))
        except (TypeError, ValueError, OverflowError):  # ... not decimals or inf in Int64: floats, else objects
            out = out.astype(float if pd.api.types.is_numeric_dtype(values) and
                             pd.api.types.is_numeric_dtype(out) else object)
    elif pd.api.types.is_integer_dtype(out) or pd.api.types.is_bool_dtype(out):
        out = out.astype(object if not pd.api.types.is_numeric_dtype(values) else float)
    elif pd.api.types.is_float_dtype(out) and pd.api.types.is_numeric_dtype(values):
        values = values.astype(out.dtype)  # a float32 column stays float32, the values at its own precision
    if not pd.api.types.is_numeric_dtype(values) and pd.api.types.is_numeric_dtype(out) and len(values):
        out = out.astype(object)
    return _assigned(out, holes, values.to_numpy())


def _assigned(out: pd.Series, holes: np.ndarray, values) -> pd.Series:
    out[holes] = values
    return out


def predictor_columns(df: pd.DataFrame, schema: Schema) -> list[str]:
    """Columns a multivariate imputer reads: everything but identifiers, free text and empty columns."""
    return [c for c in df.columns if c in schema.kinds and schema.kinds[c] not in EXCLUDED_BY_DEFAULT
            and not df[c].isna().all()]
