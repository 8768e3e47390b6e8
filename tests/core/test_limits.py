"""The operator's limits file: defaults, overrides, and a sentence for a bad file."""

import pytest

from core.errors import ParameterError
from core.limits import Limits, load


def test_the_shipped_file_holds_the_defaults():
    assert load() == Limits()


def test_a_file_overrides_only_what_it_sets(tmp_path):
    path = tmp_path / "synthlab.toml"
    path.write_text("[limits]\nmax_cells = 1000\nexpression_seconds = 0.5\n")
    got = load(path)
    assert got.max_cells == 1000 and got.expression_seconds == 0.5
    assert got.max_rows_generate == Limits().max_rows_generate


@pytest.mark.parametrize("text", ["[limits]\nmax_cells = -1\n", "[limits]\nmax_cells = 'many'\n",
                                  "[limits]\nmax_cells = 1.5\n", "[limits]\nmax_cels = 10\n", "[limits\n",
                                  "[limits]\nmax_trainings = true\n"])
def test_a_bad_file_is_a_sentence(tmp_path, text):
    path = tmp_path / "synthlab.toml"
    path.write_text(text)
    with pytest.raises(ParameterError):
        load(path)


def test_a_named_file_that_is_missing_is_a_sentence(tmp_path):
    with pytest.raises(ParameterError, match="no configuration file"):
        load(tmp_path / "nope.toml")
