"""Declared parameters check the values a user gives: mapping and matrix types included."""

import numpy as np
import pandas as pd
import pytest

from core.errors import ParameterError
from core.params import Param, grouped

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
