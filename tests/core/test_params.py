"""Declared parameters check the values a user gives: mapping and matrix types included, and numbers that are
infinite, too large for a float or NaN."""

import numpy as np
import pandas as pd
import pytest

from core.errors import ParameterError
from core.params import Param, grouped
from core.schema import infer_schema
from core.synth import METHODS

MAPPING = Param("distributions", "mapping", {}, "h", choices=("normal", "gamma"))
MATRIX = Param("correlation", "matrix", None, "h")


def test_a_mapping_takes_column_names_to_known_values():
    assert MAPPING.validate({"x": "gamma"}) == {"x": "gamma"}
    for bad, said in (({"x": "cauchy"}, "does not know"), ({1: "normal"}, "map column names"),
                      (["normal"], "map column names")):
        with pytest.raises(ParameterError, match=said):
            MAPPING.validate(bad)


def test_a_matrix_is_a_correlation_table_and_comes_back_in_column_order():
    names = ["a", "b", "c"]
    good = pd.DataFrame(np.eye(3), index=names, columns=names)
    good.loc["a", "b"] = good.loc["b", "a"] = 0.4
    shuffled = good.loc[["c", "a", "b"]]  # rows in another order: put back in the columns' order
    back = MATRIX.validate(shuffled)
    assert list(back.index) == names and back.loc["a", "b"] == 0.4
    asymmetric = good.copy()
    asymmetric.loc["a", "c"] = 0.2
    cases = [(asymmetric, r"not symmetric: \('a', 'c'\) is 0.2 but \('c', 'a'\) is 0"),
             (good.drop(index="c"), "same columns"), (good * 2, "between −1 and 1"),
             (good.replace(1.0, 0.9), "diagonal"), (good.astype(object).where(good != 0.4, "x"), "only numbers"),
             (good.replace(0.4, np.nan), "between −1 and 1"), (np.eye(3), "table of numbers")]
    for bad, said in cases:
        with pytest.raises(ParameterError, match=said):
            MATRIX.validate(bad)
    assert MATRIX.validate(None) is None  # the default: estimated from the data at fit


def test_grouped_parameters_carry_their_group():
    a, b = grouped("Network", Param("w", "int", 8, "h", 1, 64), Param("d", "int", 2, "h", 1, 6))
    assert a.group == b.group == "Network" and a.name == "w"


@pytest.mark.parametrize("value", [float("inf"), -float("inf"), "1e400", "-1e400", np.float64("inf"), 10**400,
                                   -(10**400), "9" * 400],
                         ids=["inf", "-inf", "text 1e400", "text -1e400", "numpy inf", "10**400", "-10**400",
                              "400 nines"])
@pytest.mark.parametrize("kind", ["int", "float"])
def test_an_infinite_or_huge_number_is_outside_the_range(kind, value):
    with pytest.raises(ParameterError) as refused:
        Param("n", kind, 5, "h", 1, 100).validate(value)
    message = refused.value.message
    assert message.startswith("'n' = ") and message.endswith(" is outside its range 1 to 100.")
    assert len(message) < 100  # (a huge number is shortened)


@pytest.mark.parametrize("value", [float("nan"), "nan", np.float64("nan")], ids=["nan", "text nan", "numpy nan"])
@pytest.mark.parametrize("kind", ["int", "float"])
def test_nan_is_not_a_number(kind, value):
    with pytest.raises(ParameterError, match="'n' must be a number, not NaN"):
        Param("n", kind, 5, "h", 1, 100).validate(value)


@pytest.mark.parametrize("value", [True, False, np.bool_(True)])
def test_true_and_false_are_no_number_and_no_numeric_choice(value):
    for kind in ("int", "float"):
        with pytest.raises(ParameterError, match="'n' must be a number, not"):
            Param("n", kind, 5, "h", 0, 100).validate(value)  # (Python reads True as 1)
    with pytest.raises(ParameterError, match=r"must be one of 0\.1, 1\.0, 10\.0"):
        Param("epsilon", "choice", 1.0, "h", choices=(0.1, 1.0, 10.0)).validate(value)
    assert Param("flag", "choice", True, "h", choices=(True, False)).validate(bool(value)) is bool(value)
    assert Param("n", "float", 5, "h", 0, 100).validate(np.int64(1)) == 1.0


@pytest.mark.parametrize("epochs", [float("inf"), 10**400, float("nan")], ids=["inf", "10**400", "nan"])
def test_a_method_refuses_an_infinite_or_huge_setting_at_fit(epochs):
    df = pd.DataFrame({"x": np.arange(20.0), "y": np.arange(20.0) % 3})
    with pytest.raises(ParameterError, match="'epochs'"):
        METHODS["gan"](epochs=epochs).fit(df, infer_schema(df), seed=0)
