"""check_imputer over the registry, one test per (imputer, check); and toy imputers that break the contract,
each caught by the check that names what it breaks."""

import re

import numpy as np
import pandas as pd
import pytest

from core.impute import IMPUTERS, register
from core.impute.checks import check_imputer, imputer_checks
from core.impute.simple import MeanImputer, ModeImputer, UnknownImputer
from tests.core.registered import registered


@pytest.mark.parametrize(("key", "name"), [pytest.param(key, name, id=f"{key}-{name}")
                                           for key, cls in IMPUTERS.items() for name, _ in imputer_checks(cls)])
def test_every_imputer_keeps_the_contract(key, name):
    dict(imputer_checks(IMPUTERS[key]))[name]()


# ---------------------------------------------------------------- toy imputers that break the contract

class ChangesObserved(MeanImputer):
    key = "toy_changes_observed"

    def transform(self, df, *, rng=None):
        out = super().transform(df, rng=rng)
        out["x"] = out["x"] + 1
        return out


class InventsLabel(ModeImputer):  # writes a label no row has, without saying it adds labels on purpose
    key = "toy_invents_label"

    def _transform(self, df: pd.DataFrame, rng: np.random.Generator) -> dict:
        filled = super()._transform(df, rng)
        return {c: pd.Series("zzz", index=df.index) if self.kinds_[c] == "categorical" else values
                for c, values in filled.items()}


class UndeclaredUnknown(UnknownImputer):  # adds 'Unknown' to label columns without declaring adds_labels
    key = "toy_undeclared_unknown"
    adds_labels = False


class KeepsInfinity(MeanImputer):  # puts infinite values back where the table had them
    key = "toy_keeps_infinity"

    def transform(self, df, *, rng=None):
        out = super().transform(df, rng=rng)
        for column in self.columns_:
            infinite = np.isinf(pd.to_numeric(df[column], errors="coerce").astype(float))
            out.loc[infinite, column] = df.loc[infinite, column]
        return out


TOYS = (ChangesObserved, InventsLabel, UndeclaredUnknown, KeepsInfinity)


@pytest.fixture(scope="module", autouse=True)
def toys():
    with registered(IMPUTERS, register, TOYS):
        yield


@pytest.mark.parametrize(("toy", "check", "why"), [
    (ChangesObserved, "observed_unchanged", "cells of column 'x' that were not holes of a filled column changed"),
    (InventsLabel, "observed_labels", "'group' got labels it never had: ['zzz']"),
    (UndeclaredUnknown, "observed_labels", "'flag' got labels it never had: ['Unknown']"),
    (KeepsInfinity, "infinite_values", "infinite values were not imputed"),
], ids=lambda value: value.__name__ if isinstance(value, type) else None)
def test_a_broken_imputer_fails_the_check_that_names_what_it_breaks(toy, check, why):
    with pytest.raises(AssertionError, match=f"{toy.__name__} fails the check '{check}': .*{re.escape(why)}"):
        check_imputer(toy)
