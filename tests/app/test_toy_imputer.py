"""A new imputer is one class and one decorator: written into a module of its own, it appears on the Impute page
with its card and its parameter's widget, fills the holes and takes part in the comparison of methods."""

import importlib.util
import sys
import textwrap

import numpy as np
import pytest

from core.impute import IMPUTERS
from core.impute.checks import check_imputer
from tests.app import conftest

TOY = textwrap.dedent('''
    import numpy as np

    from core.impute import Imputer, register
    from core.params import Card, Param


    @register
    class MinimumImputer(Imputer):
        key = "toy_minimum"
        title = "Toy minimum"
        card = Card(does="Fills every hole with the column's smallest observed value, shifted.",
                    when="Never: a toy that shows how little a new method needs.",
                    distorts="Piles every imputed value up at the bottom of the range.")
        params = (Param("shift", "int", 0, "Added to the minimum.", low=-1000, high=1000),)

        def _fit(self, df):
            self.values_ = {c: float(df[c].min()) + self.params_["shift"] for c in self.columns_}

        def _transform(self, df, rng):
            return {c: np.full(len(df), self.values_[c]) for c in self.columns_}
''')


@pytest.fixture
def toy(tmp_path):
    """The toy imputer, imported from a temporary module; unregistered afterwards."""
    path = tmp_path / "toy_imputer.py"
    path.write_text(TOY)
    spec = importlib.util.spec_from_file_location("toy_imputer", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
        yield module.MinimumImputer
    finally:
        IMPUTERS.pop("toy_minimum", None)
        sys.modules.pop(spec.name, None)


def test_a_new_imputer_appears_on_the_page_fills_the_holes_and_is_compared(toy):
    check_imputer(toy)  # it keeps the contract
    at = conftest.open_page("pages/impute.py", "airquality")
    at.selectbox(key="impute_method").select(toy.key).run()
    assert not at.exception and not at.error
    assert any(toy.card.does in m.value and toy.card.distorts in m.value for m in at.markdown)  # its card
    at.number_input(key=f"impute::{toy.key}::shift").set_value(2).run()  # its parameter's widget
    plan = at.dataframe[0].value
    assert set(plan["method"]) == {toy.title} and set(plan["column"]) == {"Ozone", "Solar.R"}

    at.button(key="impute_run").click().run()
    assert not at.exception and not at.error
    real, filled = at.session_state["workspace"].real, at.session_state["imputed_preview"]["table"]
    for column in ("Ozone", "Solar.R"):
        holes = real[column].isna()
        assert holes.any() and filled[column].notna().all()
        assert np.allclose(filled.loc[holes, column].astype(float), real[column].min() + 2)  # minimum, shifted
        assert filled.loc[~holes, column].equals(real.loc[~holes, column])

    assert toy.key in at.multiselect(key="compare_methods").value  # offered in the comparison by default
    at.multiselect(key="compare_methods").set_value([toy.key]).run()
    at.button(key="compare_run").click().run()
    assert not at.exception and not at.error
    assert any(f"**{toy.title}**" in s.value for s in at.success)
    summary = next(d.value for d in at.dataframe if "NRMSE" in d.value.columns)
    assert summary["method"].tolist() == [toy.title]
