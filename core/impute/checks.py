"""The public contract checks of an imputer class, like scikit-learn's ``check_estimator``: a method author
runs them on a new class.

``check_imputer(cls)`` runs every check and raises ``AssertionError`` naming the first check the class fails
and what was wrong, in a sentence; ``imputer_checks(cls)`` gives the same checks by name, for a test suite to
parametrize over.

The checks fit ``cls(**cls.quick)`` on a 200-row table made here with a seeded generator, with holes in a
continuous column, a whole-number float column, a nullable Int64 column, a binary, a categorical and a date
column, and a complete categorical column ``site``. A column parameter that may not be left empty (a grouping
column, say) gets ``site``. They check:

* what the class declares: key, title, card, parameters, the constructor's signature, ``quick``, ``kinds``;
* ``transform`` before ``fit`` raises NotFittedError; ``fit`` returns the imputer, leaves the table as it was
  and records ``params_`` and ``version_``;
* it fills every hole of the columns it fills (those with holes of its kinds; the others are in ``skipped_``)
  and changes nothing else; every column keeps its dtype (an Int64 column stays Int64), integers stay whole;
* label holes get labels the column has (or, for a class with ``adds_labels``, a value of its own settings);
* the same seed gives the same table; bad parameters give a ParameterError with a sentence;
* an all-missing column is skipped with a reason; ±inf counts as missing and is imputed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from core.checks import DECLARATION, Check, Fitted, check_bad_parameters, fitting_checks, named, require, run_all
from core.schema import KINDS, LABELS, Kind, infer_schema

RNG = 3
GROUP = "site"  # the complete label column given to column parameters


def holed_table(n: int = 200, seed: int = 0) -> pd.DataFrame:
    """Related columns of every kind an imputer may fill, about 15% of each missing, and a complete ``site``."""
    rng = np.random.default_rng(seed)
    site = rng.choice(["north", "south", "east"], n)
    shift = pd.Series(site).map({"north": 0.0, "south": 1.0, "east": 2.0}).to_numpy()
    x = rng.normal(shift, 1.0)
    df = pd.DataFrame({
        "x": (10 + 3 * x).round(2),
        "age": (40 + 8 * x + rng.normal(0, 4, n)).round(),
        "count": pd.array(rng.poisson(3 + shift), dtype="Int64"),
        "flag": np.where(x + rng.normal(0, 1, n) > 1, "yes", "no"),
        "group": rng.choice(["a", "b", "c"], n),
        "when": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D"),
        "site": site,
    })
    for column in ("x", "age", "count", "flag", "group", "when"):
        df.loc[rng.random(n) < 0.15, column] = None
    return df


def check_imputer(cls: type) -> None:
    """Run every check on ``cls``; raises AssertionError naming the first failed check and what was wrong."""
    run_all(cls, CHECKS)


def imputer_checks(cls: type) -> list[tuple[str, Callable[[], None]]]:
    """[(check name, check of ``cls``)], in the order :func:`check_imputer` runs them."""
    return named(cls, CHECKS)


# ---------------------------------------------------------------- a fit on the table, shared by the checks

def settings(cls: type) -> dict[str, Any]:
    """``quick``, with ``site`` for every column parameter that may not be left empty."""
    columns = {p.name: GROUP for p in cls.params if p.type == "column" and not p.optional}
    return {**columns, **cls.quick}


def _imputer(cls: type) -> Any:
    return cls(**settings(cls))


@functools.lru_cache(maxsize=4)  # the checks of one class run one after another: one fit serves them all
def _fitted(cls: type) -> Fitted:
    df = holed_table()
    schema = infer_schema(df)
    before = df.copy()
    imputer = _imputer(cls)
    returned = imputer.fit(df, schema)
    return Fitted(df, before, schema, imputer, returned, imputer.transform(df, rng=RNG))


def _holed(fitted: Fitted) -> list[str]:
    return [c for c in fitted.df.columns if fitted.df[c].isna().any()]


# ---------------------------------------------------------------- the checks

def check_kinds(cls: type) -> None:
    require(isinstance(cls.kinds, tuple) and cls.kinds and all(k in KINDS for k in cls.kinds),
            f"its kinds {cls.kinds!r} are not a tuple of column kinds (core.schema.Kind).")
    for flag in ("stochastic", "multivariate", "adds_labels"):
        require(isinstance(getattr(cls, flag, None), bool), f"its '{flag}' is not true or false.")


def check_fills_holes(cls: type) -> None:
    fitted = _fitted(cls)
    filled, skipped = list(fitted.model.columns_), dict(fitted.model.skipped_)
    holed = _holed(fitted)
    require(filled, f"it filled no column of a table with holes in columns of every kind ({holed}).")
    wrong = [c for c in filled if fitted.schema.kinds[c] not in cls.kinds]
    require(not wrong, f"it filled {wrong}, whose kinds are not among its kinds {list(cls.kinds)}.")
    require(set(filled) | set(skipped) == set(holed),
            f"the columns filled {filled} and skipped {list(skipped)} are not the columns with holes {holed}.")
    for column in filled:
        left = int(fitted.out[column].isna().sum())
        require(not left, f"column '{column}' still has {left} holes.")


def check_observed_unchanged(cls: type) -> None:
    fitted = _fitted(cls)
    for column in fitted.df.columns:
        observed = fitted.df[column].notna() if column in fitted.model.columns_ else pd.Series(True, fitted.df.index)
        before, after = fitted.df.loc[observed, column], fitted.out.loc[observed, column]
        both = before.notna() & after.notna()
        changed = int((before.isna() != after.isna()).sum() + (before[both] != after[both]).sum())
        require(len(after) == len(before) and not changed,
                f"{changed} cells of column '{column}' that were not holes of a filled column changed.")


def check_dtypes_kept(cls: type) -> None:
    fitted = _fitted(cls)
    require(list(fitted.out.columns) == list(fitted.df.columns) and fitted.out.index.equals(fitted.df.index),
            "the output's columns or rows are not those of the table.")
    for column in fitted.df.columns:
        require(fitted.out[column].dtype == fitted.df[column].dtype,
                f"column '{column}' came back as {fitted.out[column].dtype}, not {fitted.df[column].dtype}.")
        if fitted.schema.kinds[column] == Kind.INTEGER:
            values = fitted.out[column].dropna().astype(float)
            require((values % 1 == 0).all(), f"integer column '{column}' has values that are not whole.")


def check_observed_labels(cls: type) -> None:
    fitted = _fitted(cls)
    own = {str(v) for v in fitted.model.params_.values() if isinstance(v, str)} if cls.adds_labels else set()
    for column in fitted.schema.columns_of(*LABELS, among=fitted.model.columns_):
        new = {v for v in set(fitted.out[column].dropna()) - set(fitted.df[column].dropna()) if str(v) not in own}
        require(not new, f"label column '{column}' got labels it never had: {sorted(map(str, new))} (a class that "
                         "adds a label on purpose says so with adds_labels = True).")


def check_same_seed(cls: type) -> None:
    fitted = _fitted(cls)
    again = _imputer(cls).fit(fitted.df, fitted.schema).transform(fitted.df, rng=RNG)
    try:
        pd.testing.assert_frame_equal(fitted.out, again)
    except AssertionError as difference:
        raise AssertionError(f"two fits, each transforming with rng={RNG}, gave different tables "
                             f"({' '.join(str(difference).split())}).") from None


def check_bad_params(cls: type) -> None:
    df = holed_table(60)
    schema = infer_schema(df)
    check_bad_parameters(cls, settings(cls), lambda imputer: imputer.fit(df, schema).transform(df, rng=RNG))


def check_all_missing_column(cls: type) -> None:
    df = holed_table(60)
    df["gone"] = np.nan
    imputer = _imputer(cls).fit(df, infer_schema(df))
    reason = imputer.skipped_.get("gone")
    require(isinstance(reason, str) and reason.strip(), "an all-missing column is not in skipped_ with a reason.")
    out = imputer.transform(df, rng=RNG)
    require("gone" not in imputer.columns_ and out["gone"].isna().all(), "an all-missing column was filled.")


def check_infinite_values(cls: type) -> None:
    df = holed_table(60)
    infinite = np.zeros(len(df), dtype=bool)
    infinite[[1, 4, 9, 16]] = True
    df.loc[infinite, "x"] = [np.inf, -np.inf, np.inf, -np.inf]
    imputer = _imputer(cls).fit(df, infer_schema(df))
    out = imputer.transform(df, rng=RNG)
    if "x" not in imputer.columns_:
        require(cls.kinds and Kind.CONTINUOUS not in cls.kinds, "it fills continuous columns, yet not 'x', which "
                                                                "has holes and infinite values.")
        return
    values = out.loc[infinite, "x"].astype(float)
    require(np.isfinite(values).all(), f"infinite values were not imputed: {values.tolist()}.")


CHECKS: dict[str, Check] = {
    **DECLARATION,
    "kinds": check_kinds,
    **fitting_checks(_fitted, settings, lambda cls: _imputer(cls).transform(holed_table()), "transform"),
    "fills_holes": check_fills_holes,
    "observed_unchanged": check_observed_unchanged,
    "dtypes_kept": check_dtypes_kept,
    "observed_labels": check_observed_labels,
    "same_seed": check_same_seed,
    "bad_parameters": check_bad_params,
    "all_missing_column": check_all_missing_column,
    "infinite_values": check_infinite_values,
}
