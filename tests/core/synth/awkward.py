"""Awkward tables every synthesizer and imputer must take: a table back, or a core.errors sentence."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from core.errors import SynthLabError
from core.io import read_table

ZONES = ("Europe/Oslo", "UTC")


def base(n: int = 40, seed: int = 0) -> pd.DataFrame:
    """Two related number columns with holes and a two-class target."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    df = pd.DataFrame({"x": x.round(3), "y": (x + rng.normal(size=n)).round(2), "cls": rng.choice(["a", "b"], n)})
    df.loc[rng.random(n) < 0.15, "x"] = np.nan
    df.loc[rng.random(n) < 0.15, "y"] = np.nan
    return df


def with_zone(tz: str, n: int = 40) -> pd.DataFrame:
    """A time-zone-aware date column (whole local days across a change of daylight saving time), with holes."""
    df = base(n)
    when = pd.Series(pd.date_range("2024-03-01", periods=n, freq="D", tz=tz))
    when[np.random.default_rng(1).random(n) < 0.15] = pd.NaT
    df["when"] = when
    return df


def tables(tmp_dir) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(2)
    out = {f"tz {tz}": with_zone(tz) for tz in ZONES}
    path = tmp_dir / "zoned.parquet"
    with_zone("Europe/Oslo").to_parquet(path)
    out["tz from Parquet"] = read_table(path)
    df = base()
    df["k"] = 5.0
    out["constant"] = df
    df = base()
    df["gone"] = np.nan
    out["all missing"] = df
    df = base()
    df.loc[[3, 7], "y"], df.loc[5, "y"], df.loc[9, "x"] = np.inf, -np.inf, np.inf
    out["inf"] = df
    df = base()
    df["mixed"] = pd.Series([1, "a", 2, "b"] * 10, dtype=object)
    df.loc[2, "mixed"] = None
    out["mixed int/str"] = df
    df = base()
    df["cls"] = "a"
    out["single class"] = df
    df = base(600)
    df["many"] = [f"L{i % 300}" for i in range(600)]
    df.loc[::7, "many"] = None
    out["300 levels"] = df
    df = base()
    df["flag"] = rng.random(len(df)) < 0.5
    out["boolean"] = df
    df = base()
    df["n"] = pd.array(rng.integers(0, 9, len(df)), dtype="Int64")
    df["f"] = pd.array(rng.normal(size=len(df)).round(2), dtype="Float64")
    df["s"] = pd.array(rng.choice(["p", "q", "r"], len(df)), dtype="string")
    df.loc[::5, "n"], df.loc[::4, "f"], df.loc[::6, "s"] = pd.NA, pd.NA, pd.NA
    out["nullable dtypes"] = df
    df = base()
    df["c"] = pd.Categorical(rng.choice(["u", "v", "w"], len(df)))
    df.loc[::5, "c"] = None
    df["span"] = pd.to_timedelta(rng.integers(0, 100, len(df)), unit="h")
    out["category and timedelta dtypes"] = df
    df = base()
    df.index = [0, 1] * (len(df) // 2)
    out["duplicate row labels"] = df
    df = base()
    df["zones"] = pd.Series([*pd.date_range("2024-01-01", periods=20, tz="UTC"),
                             *pd.date_range("2024-01-01", periods=20, tz="Asia/Tokyo")], dtype=object)
    out["mixed time zones"] = df
    return out


AWKWARD = ("tz from Parquet", "constant", "all missing", "inf", "mixed int/str", "single class", "300 levels",
           "boolean", "nullable dtypes", "category and timedelta dtypes", "duplicate row labels", "mixed time zones")


def table_or_sentence(run: Callable[[], Any]) -> Any:
    """What ``run()`` returns, or None when it refused with a core.errors sentence (checked to be one); any
    other exception, or an overflow or invalid value on the way, fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        try:
            return run()
        except SynthLabError as error:
            assert error.message.endswith((".", "?")) and "\n" not in error.message
            return None
