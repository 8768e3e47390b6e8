"""check_synthesizer over the registry, one test per (method, check); and toy classes that break the contract,
each caught by the check that names what it breaks."""

import re
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest

from core.params import Card, Param
from core.synth import METHODS, Synthesizer, register
from core.synth.checks import check_synthesizer, synthesizer_checks
from core.synth.registry import STATISTICAL
from tests.core.registered import registered


def _cases():
    for key, cls in METHODS.items():
        for name, _ in synthesizer_checks(cls):
            yield pytest.param(key, name, id=f"{key}-{name}")


@pytest.mark.parametrize(("key", "name"), list(_cases()))
def test_every_method_keeps_the_contract(key, name):
    dict(synthesizer_checks(METHODS[key]))[name]()


# ---------------------------------------------------------------- toy methods, one good and several broken

class Bootstrap(Synthesizer):
    """Each column drawn from its real values, independently: keeps the contract."""

    key, title, family = "toy_bootstrap", "Toy bootstrap", STATISTICAL
    card = Card(does="Draws each column from its real values.", when="In tests.", distorts="Every relation.")
    params = (Param("pool", "int", 0, "Draw from the first rows only (0: all of them).", low=0, high=10_000),
              Param("spread", "choice", "none", "Not used: a choice.", choices=("none", "some")))
    quick: ClassVar[dict] = {"pool": 0}

    def _fit(self, df: pd.DataFrame) -> None:
        self.real_ = df.reset_index(drop=True).head(self.params_["pool"] or len(df))

    def _sample(self, n: int, rng: np.random.Generator) -> pd.DataFrame:
        rows = len(self.real_)
        return pd.DataFrame({c: self.real_[c].to_numpy()[rng.integers(rows, size=n)] for c in self.columns_})


class IgnoresRng(Bootstrap):
    key = "toy_ignores_rng"

    def _sample(self, n: int, rng: np.random.Generator) -> pd.DataFrame:
        return super()._sample(n, np.random.default_rng(0))


class NewLabel(Bootstrap):
    key = "toy_new_label"

    def _sample(self, n: int, rng: np.random.Generator) -> pd.DataFrame:
        out = super()._sample(n, rng)
        out.loc[0, "flag"] = "maybe"
        return out


class DropsColumn(Bootstrap):
    key = "toy_drops_column"

    def sample(self, n, *, rng=None):
        return super().sample(n, rng=rng).drop(columns="n")


class FailsOnInfinity(Bootstrap):
    key = "toy_fails_on_infinity"

    def fit(self, df, schema, **options):
        if np.isinf(df.select_dtypes("number").to_numpy(dtype=float)).any():
            raise ValueError("cannot handle inf")
        return super().fit(df, schema, **options)


class Unregistered(Bootstrap):  # never registered: its constructor shows Bootstrap's parameters, not its own
    key = "toy_unregistered"
    params = (*Bootstrap.params, Param("extra", "bool", False, "A parameter the constructor does not show."))


TOYS = (Bootstrap, IgnoresRng, NewLabel, DropsColumn, FailsOnInfinity)


@pytest.fixture(scope="module", autouse=True)
def toys():
    with registered(METHODS, register, TOYS):
        yield


def test_a_method_that_keeps_the_contract_passes():
    check_synthesizer(Bootstrap)


@pytest.mark.parametrize(("toy", "check", "why"), [
    (IgnoresRng, "other_rng", "rng=1 and rng=2 gave the same table"),
    (NewLabel, "real_labels", "'flag' has values the real column never takes: ['maybe']"),
    (DropsColumn, "columns_and_rows", "not the synthesis columns"),
    (FailsOnInfinity, "infinite_values", "raised ValueError"),
    (Unregistered, "signature", "register the class"),
], ids=lambda value: value.__name__ if isinstance(value, type) else None)
def test_a_broken_method_fails_the_check_that_names_what_it_breaks(toy, check, why):
    with pytest.raises(AssertionError, match=f"{toy.__name__} fails the check '{check}': .*{re.escape(why)}"):
        check_synthesizer(toy)
