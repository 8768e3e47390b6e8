"""Business rules at imputation time: imputed cells of a row that breaks a rule are drawn again, and what
can't be repaired is reported row by row."""

import numpy as np
import pandas as pd
import pytest

from core.errors import ParameterError
from core.impute.plan import impute, impute_table, plan_for
from core.io import read_table
from core.samples import SAMPLES
from core.schema import coerce, infer_schema

RULE = "sleep_rem <= sleep_total"


@pytest.fixture(scope="module")
def msleep():
    df = read_table(SAMPLES["msleep"].path)
    schema = infer_schema(df)
    return coerce(df, schema), schema


def _breaks(table: pd.DataFrame) -> set:
    return set(table.index[table["sleep_rem"] > table["sleep_total"]])


@pytest.mark.parametrize("seed", range(6))
def test_pmm_with_a_rule_fills_no_impossible_value_on_msleep(msleep, seed):
    df, schema = msleep
    plan = plan_for(df, schema, "pmm")
    result = impute(df, schema, plan, rng=seed, rules=[RULE])
    assert _breaks(result.table) == set(result.unrepaired)  # every row that still breaks it is reported
    assert not result.unrepaired and not result.broken_before
    assert [r.rejected for r in result.reports] == [0]
    observed = df.notna()
    assert result.table[observed].equals(df[observed])  # observed cells never change
    assert result.table[[s.column for s in plan]].notna().all().all()
    again = impute(df, schema, plan, rng=seed, rules=[RULE])
    pd.testing.assert_frame_equal(result.table, again.table)  # same seed, same table


def test_without_rules_pmm_does_break_it_and_the_redraws_are_counted(msleep):
    df, schema = msleep
    plan = plan_for(df, schema, "pmm")
    plain = impute_table(df, schema, plan, rng=0)  # the old call, unchanged: a table
    assert isinstance(plain, pd.DataFrame) and _breaks(plain)
    result = impute(df, schema, plan, rng=0, rules=[RULE])
    assert result.redrawn >= len(_breaks(plain)) and not _breaks(result.table)
    assert impute_table(df, schema, plan, rng=0, rules=[RULE]).equals(result.table)


def test_what_cannot_be_repaired_is_reported_exactly():
    df = pd.DataFrame({"a": [1.0, 2.0, np.nan, np.nan, 5.0, 9.0], "b": [3.0, np.nan, 0.5, 8.0, 2.0, 4.0]},
                      index=[10, 11, 12, 13, 14, 15])
    schema = infer_schema(df)
    for method in ("mean", "hot_deck"):  # one draw only, or draws from values that can't all fit
        result = impute(df, schema, plan_for(df, schema, method), rng=1, rules=["a <= b"])
        table = result.table
        breaking = set(table.index[table["a"] > table["b"]])
        assert breaking == set(result.unrepaired) | set(result.broken_before)
        assert set(result.broken_before) == {14, 15}  # observed values already break it: left as they are
        assert 12 in result.unrepaired  # b = 0.5 is below every observed a
        assert 13 not in result.unrepaired
        assert result.reports[0].rejected == len(breaking)


def test_a_bad_rule_is_a_sentence(msleep):
    df, schema = msleep
    with pytest.raises(ParameterError, match="not a column"):
        impute(df, schema, plan_for(df, schema, "pmm"), rng=0, rules=["sleep_rem <= nap"])
