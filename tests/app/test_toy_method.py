"""A new synthesizer is one file plus one decorator: a toy method written into a temporary module, and
no other file touched, appears on the Synthesize page in its own family with its card and widgets,
runs, appears on Compare and on the leaderboard, and keeps the contract (``check_synthesizer``)."""

import importlib.util
import inspect
import sys
import textwrap

import pytest

from core.synth import METHODS
from core.synth.checks import check_synthesizer
from tests.app import conftest

TOY = '''
"""A toy method: real rows drawn with replacement, numbers jittered by a share of their spread."""

import numpy as np
import pandas as pd

from core.params import Card, Family, Param
from core.schema import NUMERIC
from core.synth import Synthesizer, register

TOYS = Family("Toy methods", 99, "Methods written in a test, to prove a method needs nothing but its class.")


@register
class JitteredBootstrap(Synthesizer):
    key = "toy_jittered_bootstrap"
    title = "Jittered bootstrap (toy)"
    family = TOYS
    card = Card(does="Draws real rows with replacement and jitters their numbers.",
                when="Never in earnest: it shows how little a new method needs.",
                distorts="Copies labels exactly and blurs numbers by a fixed share of their spread.")
    teaching = """
    **Bootstrap.** Each synthetic row starts as a real row drawn at random.
    """
    params = (Param("jitter", "float", 0.1, "Noise, as a share of each number column's standard deviation.",
                    low=0.0, high=1.0),
              Param("keep_order", "bool", False, "Draw the real rows in their order instead of at random."))

    def _fit(self, df: pd.DataFrame) -> None:
        self.rows_ = df.reset_index(drop=True)
        self.spread_ = {c: float(df[c].std()) for c in df.columns if self.kinds_[c] in NUMERIC}

    def _sample(self, n: int, rng: np.random.Generator) -> pd.DataFrame:
        picks = np.arange(n) % len(self.rows_) if self.params_["keep_order"] else rng.integers(len(self.rows_), size=n)
        out = self.rows_.iloc[picks].reset_index(drop=True)
        for column, spread in self.spread_.items():
            out[column] = out[column] + rng.normal(0, self.params_["jitter"] * (spread or 0), n)
        return out
'''


@pytest.fixture
def toy(tmp_path):
    """The toy module, imported from a temporary file; the registry forgets it afterwards."""
    path = tmp_path / "toy_method.py"
    path.write_text(textwrap.dedent(TOY))
    spec = importlib.util.spec_from_file_location("toy_method", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["toy_method"] = module
    spec.loader.exec_module(module)
    yield module.JitteredBootstrap
    METHODS.pop(module.JitteredBootstrap.key, None)
    sys.modules.pop("toy_method", None)


def test_a_toy_method_needs_nothing_but_its_class(toy):
    assert METHODS[toy.key] is toy
    check_synthesizer(toy)  # it keeps the contract
    assert list(inspect.signature(toy).parameters) == ["jitter", "keep_order"]  # a real signature
    at = conftest.open_page("pages/synthesize.py", "penguins")
    at.radio(key="synth_group").set_value("Toy methods").run()  # its own family, on the page
    assert at.selectbox(key="synth_method").value == toy.key
    assert any("Draws real rows with replacement" in m.value for m in at.markdown)  # its card
    assert any("How it works" in e.label for e in at.expander)  # its teaching
    assert at.slider(key=f"synth::{toy.key}::jitter").value == 0.1  # its widgets
    at.slider(key=f"synth::{toy.key}::jitter").set_value(0.3).run()
    at.checkbox(key=f"synth::{toy.key}::keep_order").check().run()
    at.button(key="synth_run").click().run()
    assert not at.exception and not at.error
    run = at.session_state["workspace"].runs[-1]
    assert run.method == toy.key and run.params == {"jitter": 0.3, "keep_order": True}  # what was set is what ran
    assert any("jitter=0.3" in c.value for c in at.code)
    at.switch_page("pages/compare.py").run()
    assert not at.exception and not at.error
    assert at.selectbox(key="compare_run").value == run.name
    assert {m.label for m in at.metric} >= {"Quality", "Detection AUC"}
    at.button(key="compare_all").click().run()
    board = next(d.value for d in at.dataframe if "best for" in d.value.columns)
    assert board.loc[board["run"] == run.name, "method"].tolist() == [toy.title]
