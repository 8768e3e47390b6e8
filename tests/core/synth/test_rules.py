"""Rules and derived columns: a whitelist, not eval; three-valued logic; rules never violated."""

import numpy as np
import pandas as pd
import pytest

from core.errors import DataError, ParameterError
from core.synth.rules import check_rules, derive, parse, sample_with_rules

DF = pd.DataFrame({"age": [17, 30, np.nan, 45], "income": [0.0, 5e4, 1e4, -1.0],
                   "employed": ["no", "yes", "yes", None], "Solar.R": [100, 200, 300, 400]})
COLUMNS = list(DF.columns)


def passes(text):
    keep, _ = check_rules(DF, [parse(text, COLUMNS)])
    return keep.tolist()


@pytest.mark.parametrize("text,expected", [
    ("age >= 18", [False, True, True, True]),  # a missing age can't be checked: the row passes
    ('income > 0 or employed == "no"', [True, True, True, True]),  # row 4: False or unknown = unknown: passes
    ('income > 0 and employed == "yes"', [False, True, True, False]),
    ("not (age < 18)", [False, True, True, True]),
    ('employed in ["yes", "no"]', [True, True, True, True]),
    ('employed not in ["no"]', [False, True, True, True]),
    ("`Solar.R` / 100 <= 3", [True, True, True, False]),
    ("18 <= age < 40", [False, True, True, False]),
    ("abs(income) >= 1 and sqrt(`Solar.R`) > 10", [False, True, True, True]),
    ("notna(age)", [True, True, False, True]),
])
def test_rules(text, expected):
    assert passes(text) == expected


@pytest.mark.parametrize("text,message", [
    ("__import__('os').system('echo hi')", "attribute access|function rules do not know"),
    ("age.__class__", "attribute access"),
    ("DF['age'] > 1", "indexing|not a column"),
    ("(lambda: 1)()", "lambda"),
    ("[x for x in age]", "ListComp"),
    ("open('/etc/passwd')", "function rules do not know"),
    ("agee >= 18", "'agee', which is not a column"),
    ("age >=", "not a valid expression"),
    ("", "empty"),
    ("1 if age else 2", "if-expression"),
])
def test_anything_outside_the_whitelist_is_refused_with_a_sentence(text, message):
    with pytest.raises(ParameterError, match=message):
        parse(text, COLUMNS)


def test_type_errors_are_sentences():
    with pytest.raises(DataError, match="compares text with a number"):
        check_rules(DF, [parse("employed > 3", COLUMNS)])
    with pytest.raises(DataError, match="arithmetic on text"):
        check_rules(DF, [parse("employed - 2 > 3", COLUMNS)])


def test_derived_columns():
    out = derive(DF, "income_k", parse("income / 1000", COLUMNS))
    assert out["income_k"].tolist() == [0.0, 50.0, 10.0, -0.001]
    assert "income_k" not in DF.columns
    adult = derive(DF, "adult", parse("age >= 18", COLUMNS))["adult"]
    assert adult.tolist()[:2] == [False, True] and pd.isna(adult[2])
    with pytest.raises(ParameterError, match="needs a name"):
        derive(DF, " ", parse("age", COLUMNS))


def test_sampling_with_rules_meets_the_count_and_never_violates_a_rule():
    def draw(k, rng):
        return pd.DataFrame({"age": rng.integers(0, 90, k), "income": rng.normal(3e4, 3e4, k)})

    rules = [parse("age >= 18", ["age", "income"]), parse("income > 0", ["age", "income"])]
    out, reports = sample_with_rules(draw, 1_000, rules, rng=0)
    assert len(out) == 1_000 and (out["age"] >= 18).all() and (out["income"] > 0).all()
    assert reports[0].share == pytest.approx(0.2, abs=0.05) and reports[1].share == pytest.approx(0.16, abs=0.05)
    again, _ = sample_with_rules(draw, 1_000, rules, rng=0)
    pd.testing.assert_frame_equal(out, again)
    with pytest.raises(DataError, match="rejected 100%"):
        sample_with_rules(draw, 10, [parse("age > 200", ["age", "income"])], rng=0, max_rounds=3)
