"""Single-variable imputers: each column is filled from its own observed values (and at most one
grouping or ordering column).

* ``mean`` / ``median`` / ``mode``: one value per column. Keeps the mean (or median, or the most
  common label) but shrinks the variance by the share missing and weakens every correlation.
* ``constant`` / ``unknown``: a fixed value, or a new "Unknown" category for labels, which keeps
  the fact that a value was missing visible to later models.
* ``interpolate``: linear interpolation along the row order or an order column (a date): for
  series where neighbours in time are alike.
* ``group_mean``: the mean (or median) within groups of a categorical column ("mean by
  subclass"); keeps the differences between groups.
* ``hot_deck``: a random observed value, optionally from the same group: keeps the distribution's
  shape, breaks relationships with other columns.
* ``noise``: the mean plus normal noise with the observed standard deviation, so the variance is
  restored ("distribution preservation noise"); values stay within the observed range.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd

from core.errors import ParameterError
from core.impute.base import Card, Imputer, true_false
from core.impute.registry import register
from core.io import read_table
from core.params import Param
from core.schema import LABELS, NUMERIC, Kind, as_labels

ALL_KINDS = (*NUMERIC, *LABELS, Kind.DATETIME)
TRUTH = {"true": True, "false": False, "1": True, "0": False}  # a constant for a true/false column


@register
class MeanImputer(Imputer):
    key = "mean"
    title = "Mean"
    card = Card(does="Fills every hole of a number column with the column's mean.",
                when="A quick baseline when few values (a few percent) are missing completely at random.",
                distorts="Shrinks the variance and weakens correlations; piles values up at the mean.")
    statistic: ClassVar[str] = "mean"

    def _fit(self, df: pd.DataFrame) -> None:
        self.values_ = {c: getattr(df[c].astype(float), self.statistic)() for c in self.columns_}

    def _transform(self, df: pd.DataFrame, rng: np.random.Generator) -> dict[str, Any]:
        return {c: np.full(len(df), self.values_[c]) for c in self.columns_}


@register
class MedianImputer(MeanImputer):
    key = "median"
    title = "Median"
    card = Card(does="Fills every hole of a number column with the column's median.",
                when="Like the mean, for skewed columns or columns with outliers.",
                distorts="Shrinks the variance and weakens correlations; piles values up at the median.")
    statistic = "median"


@register
class ModeImputer(Imputer):
    key = "mode"
    title = "Most frequent"
    compared = False
    kinds = ALL_KINDS
    card = Card(does="Fills every hole with the column's most common value.",
                when="Labels with a clearly dominant category, missing completely at random.",
                distorts="Inflates the most common category; weakens relationships with other columns.")

    def _fit(self, df: pd.DataFrame) -> None:
        self.values_ = {c: df[c].mode(dropna=True).iloc[0] for c in self.columns_}

    def _transform(self, df: pd.DataFrame, rng: np.random.Generator) -> dict[str, Any]:
        return {c: pd.Series([self.values_[c]] * len(df), index=df.index) for c in self.columns_}


@register
class ConstantImputer(Imputer):
    key = "constant"
    title = "Constant"
    compared = False
    kinds = NUMERIC + LABELS
    adds_labels = True
    params = (Param("value", "text", "0", "The value written into every hole (a number for number columns)."),)
    card = Card(does="Fills every hole with a value you choose, such as 0 or 'none'.",
                when="When a hole has a known meaning: no purchases means 0, no second name means ''.",
                distorts="Adds a spike at the value; wrong whenever the hole does not mean that value.")

    @classmethod
    def written_label(cls, params: dict[str, Any], column: pd.Series) -> Any:
        text = str(params.get("value", cls.params[0].default))
        if true_false(column):
            value = TRUTH.get(text.strip().lower(), text)
            return None if isinstance(value, bool) else value
        return None if pd.api.types.is_numeric_dtype(column) else _new_label(text, column)

    def _transform(self, df: pd.DataFrame, rng: np.random.Generator) -> dict[str, Any]:
        text = self.params_["value"]
        out = {}
        for column in self.columns_:
            if true_false(df[column]):  # true or false as such; any other text is a new label (and says so)
                value = TRUTH.get(text.strip().lower(), text)
            elif self.kinds_[column] in NUMERIC or pd.api.types.is_numeric_dtype(df[column]):
                try:
                    value: Any = float(text)
                except ValueError:
                    raise ParameterError(f"'{text}' is not a number, so it can't fill the number column "
                                         f"'{column}'.", hint="Enter a number, or fill only label columns.") from None
                if not np.isfinite(value):  # (infinity counts as missing here; NaN would fill nothing)
                    raise ParameterError(f"'{text}' is not a finite number, so it can't fill the number column "
                                         f"'{column}'.", hint="Enter a number such as 0.")
                whole = self.kinds_[column] == Kind.INTEGER or pd.api.types.is_integer_dtype(df[column])
                if whole and (value != round(value) or abs(value) >= 2**63):  # (2.5 was written as 2)
                    raise ParameterError(f"'{text}' is not a whole number a whole-number column holds, so it can't "
                                         f"fill '{column}'.", hint="Enter a whole number such as 0.")
            else:
                value = text
            out[column] = pd.Series([value] * len(df), index=df.index)
        return out


@register
class UnknownImputer(Imputer):
    key = "unknown"
    title = "'Unknown' category"
    compared = False
    kinds = LABELS
    adds_labels = True
    params = (Param("label", "text", "Unknown", "The name of the new category."),)
    card = Card(does="Gives label columns a new category, 'Unknown', for their holes.",
                when="Labels whose missingness may itself carry information (MAR or MNAR): models can "
                     "learn from it.",
                distorts="Adds a category the real data never had; a binary column gets a third value.")

    @classmethod
    def written_label(cls, params: dict[str, Any], column: pd.Series) -> Any:
        return _new_label(str(params.get("label", cls.params[0].default)), column)

    def _fit(self, df: pd.DataFrame) -> None:
        label = self.params_["label"]
        written = '"' + label.replace('"', '""') + '"'  # a CSV file written with this label, read back
        if not label.strip() or read_table(f"x\n{written}\nb\n".encode(), filename="label.csv")["x"].isna()[0]:
            raise ParameterError(f"The label {label!r} reads back as a missing value from a CSV file (as in most "
                                 "tools), so the holes would come back.", hint="Choose a word, such as Unknown.")

    def _transform(self, df: pd.DataFrame, rng: np.random.Generator) -> dict[str, Any]:
        return {c: pd.Series([self.params_["label"]] * len(df), index=df.index) for c in self.columns_}


def _new_label(text: str, column: pd.Series) -> str | None:
    """``text``, when ``column`` does not hold that label yet."""
    return None if text in set(as_labels(column.dropna())) else text


@register
class InterpolateImputer(Imputer):
    key = "interpolate"
    title = "Interpolation"
    compared = False
    params = (Param("order_by", "column", None, "Column that orders the rows (a date or a time); empty keeps "
                                                  "the row order.", optional=True),)
    card = Card(does="Draws a straight line between the observed neighbours of each hole, along the row "
                     "order or an order column such as a date.",
                when="Time series and measurements where consecutive rows are alike (sensors, daily readings).",
                distorts="Smooths peaks away; meaningless when the row order carries no information.")

    def _fit(self, df: pd.DataFrame) -> None:
        order = self.params_["order_by"]
        if order in self.columns_:  # (its holes have no place in its own order: they all sorted last, to its maximum)
            self.columns_.remove(order)
            self.skipped_[order] = "it orders the rows, so its own holes have no place in the order"

    def _transform(self, df: pd.DataFrame, rng: np.random.Generator) -> dict[str, Any]:
        order = df[self.params_["order_by"]] if self.params_["order_by"] else None
        position = np.arange(len(df))
        if order is not None:  # rows by the order's values, rows without one last (labels sort as their text)
            key = order if _sortable(order) else order.astype(object).map(str, na_action="ignore")
            position = key.reset_index(drop=True).sort_values(kind="stable", na_position="last").index.to_numpy()
        out = {}
        for column in self.columns_:
            values = df[column].astype(float).to_numpy()[position]
            series = pd.Series(values).interpolate(method="linear", limit_direction="both")
            back = np.empty(len(df))
            back[position] = series.to_numpy()
            out[column] = back
        return out


@register
class GroupMeanImputer(Imputer):
    key = "group_mean"
    title = "Mean by group"
    compared = False
    params = (Param("group", "column", None, "Categorical column whose groups get their own mean."),
              Param("statistic", "choice", "mean", "Mean or median within each group.", choices=("mean", "median")))
    card = Card(does="Fills a hole with the mean (or median) of the rows in the same group, e.g. the mean "
                     "salary of the same rank.",
                when="When a categorical column explains much of a number column and holes depend on the "
                     "group (MAR on that column).",
                distorts="Removes the variation within groups; groups with no observed value get the overall "
                         "figure.")

    def _fit(self, df: pd.DataFrame) -> None:
        group = self.params_["group"]
        if group is None:
            raise ParameterError("Mean by group needs a group column.", hint="Choose a categorical column.")
        self.columns_ = [c for c in self.columns_ if c != group]
        stat = self.params_["statistic"]
        self.by_group_ = {c: df.groupby(group, dropna=False)[c].agg(stat) for c in self.columns_}
        self.overall_ = {c: df[c].agg(stat) for c in self.columns_}

    def _transform(self, df: pd.DataFrame, rng: np.random.Generator) -> dict[str, Any]:
        groups = df[self.params_["group"]]
        return {c: groups.map(self.by_group_[c]).astype(float).fillna(self.overall_[c]).to_numpy()
                for c in self.columns_}


@register
class HotDeckImputer(Imputer):
    key = "hot_deck"
    title = "Hot deck (random observed value)"
    kinds = ALL_KINDS
    stochastic = True
    params = (Param("group", "column", None, "Draw only from rows of the same group (optional).", optional=True),)
    card = Card(does="Fills each hole with a randomly drawn observed value of the same column, optionally "
                     "from a row of the same group.",
                when="When the shape of the distribution matters more than relationships between columns.",
                distorts="Breaks the links with other columns (except the group); results vary with the seed.")

    def _transform(self, df: pd.DataFrame, rng: np.random.Generator) -> dict[str, Any]:
        group = self.params_["group"]
        out = {}
        for column in self.columns_:
            values = df[column].copy()
            holes = values.isna().to_numpy()
            pools = [(np.ones(len(df), dtype=bool), None)] if group is None else \
                [(df[group].eq(g).fillna(False).to_numpy(dtype=bool), g) for g in df[group].dropna().unique()]
            filled = np.zeros(len(df), dtype=bool)
            for in_pool, _ in pools:
                donors = values[in_pool & ~holes].to_numpy()
                targets = np.flatnonzero(in_pool & holes & ~filled)
                if len(donors) and len(targets):
                    values.iloc[targets] = donors[rng.integers(len(donors), size=len(targets))]
                    filled[targets] = True
            rest = np.flatnonzero(holes & ~filled)  # groups without any observed value
            if len(rest):
                donors = df[column].dropna().to_numpy()
                values.iloc[rest] = donors[rng.integers(len(donors), size=len(rest))]
            out[column] = values
        return out


@register
class NoiseImputer(Imputer):
    key = "noise"
    title = "Mean plus noise"
    stochastic = True
    card = Card(does="Fills each hole with the mean plus normal noise whose spread is the observed standard "
                     "deviation, kept within the observed range.",
                when="When the variance of a column matters (simulations, synthesis) and values are MCAR.",
                distorts="Keeps mean and variance but not the shape of skewed columns, nor correlations.")

    def _fit(self, df: pd.DataFrame) -> None:
        self.stats_ = {c: (df[c].mean(), df[c].std(ddof=1), df[c].min(), df[c].max()) for c in self.columns_}

    def _transform(self, df: pd.DataFrame, rng: np.random.Generator) -> dict[str, Any]:
        out = {}
        for column in self.columns_:
            mean, sd, low, high = self.stats_[column]
            draws = mean + (sd if np.isfinite(sd) else 0.0) * rng.standard_normal(len(df))  # x = μ + σ·z
            out[column] = np.clip(draws, low, high)
        return out


def _sortable(order: pd.Series) -> bool:
    """Numbers and dates sort by value; anything else by its text."""
    return pd.api.types.is_numeric_dtype(order) or pd.api.types.is_datetime64_any_dtype(order)
