"""The counting lesson's properties: independent counts keep marginals and lose dependence, joint counts keep it
and only replay real combinations, and unique combinations grow with the number of columns."""

import numpy as np
import pandas as pd
import pytest

from core.errors import DataError
from core.lessons import counting as lesson
from core.schema import MISSING_LABEL, infer_schema

TOY = lesson.toy_table(5000, rng=0)


def test_the_toy_pair_is_strongly_dependent():
    assert lesson.cramers_v(TOY, "income", "car") > 0.7
    assert lesson.cramers_v(TOY, "pet", "music") < 0.1


def test_independent_counting_keeps_marginals_and_loses_the_relationship():
    synthetic = lesson.independent_counts(TOY, 50_000, rng=1)
    assert list(synthetic.columns) == list(TOY.columns)
    for column in TOY:
        assert lesson.tv_distance(TOY[column], synthetic[column]) < 0.02
    assert lesson.cramers_v(synthetic, "income", "car") < 0.05
    assert lesson.cramers_v(synthetic, "region", "income") < 0.05


def test_joint_counting_keeps_the_relationship_and_only_copies():
    synthetic = lesson.joint_counts(TOY, 50_000, rng=2)
    for a, b in [("income", "car"), ("region", "income"), ("diet", "sport")]:
        assert abs(lesson.cramers_v(synthetic, a, b) - lesson.cramers_v(TOY, a, b)) < 0.03
    assert lesson.copy_share(TOY, synthetic) == 1.0
    seen = set(map(tuple, TOY.to_numpy()))
    assert all(tuple(r) in seen for r in synthetic.to_numpy())


def test_unique_combinations_grow_with_the_columns():
    curve = lesson.curse(lesson.toy_table(1000, rng=3), rng=3)
    assert curve["unique rows"].is_monotonic_increasing
    assert curve["possible combinations"].is_monotonic_increasing
    assert (curve["combinations seen"] <= np.minimum(curve["possible combinations"], curve["rows"])).all()
    assert curve["unique rows"].iloc[-1] > 0.4 and curve["unique rows"].iloc[0] == 0
    assert (curve["copies (joint)"] == 1.0).all()
    assert curve["copies (independent)"].iloc[-1] < 0.05


def test_same_seed_same_tables():
    assert lesson.toy_table(300, rng=5).equals(lesson.toy_table(300, rng=5))
    for method in lesson.SYNTHESISERS.values():
        assert method(TOY, 500, rng=6).equals(method(TOY, 500, rng=6))


def test_the_loaded_table_gives_labels_and_quartiles():
    df = pd.DataFrame({"x": np.arange(100.0), "k": list("ab") * 50, "c": [1.0] * 100,
                       "many": [f"v{i}" for i in range(100)]})
    df.loc[3, "x"] = np.nan
    table, left_out = lesson.label_table(df, infer_schema(df))
    assert set(table["x"]) == {"Q1", "Q2", "Q3", "Q4", MISSING_LABEL}
    assert "k" in table and "c" not in table
    assert "many" not in table and left_out == ["c"]  # an identifier is not a label; a constant has no levels


def test_figures_and_empty_input():
    synthetic = lesson.independent_counts(TOY, 1000, rng=0)
    assert lesson.contingency_figure(TOY, synthetic, "income", "car", "independent").data
    curve = lesson.curse(TOY.iloc[:500, :4], rng=0)
    assert lesson.curse_figure(curve, 2).to_json() != lesson.curse_figure(curve, 3).to_json()
    assert lesson.curse_figure(curve, 3).layout.yaxis.dtick == 1  # powers of ten labelled, not bare 2s and 5s
    with pytest.raises(DataError):
        lesson.joint_counts(TOY.iloc[:0], 10)


def test_row_counts_below_one_are_a_sentence():
    from core.errors import ParameterError

    with pytest.raises(ParameterError, match="Ask for 1 to"):
        lesson.toy_table(-1)
    with pytest.raises(ParameterError, match="Ask for 1 to"):
        lesson.joint_counts(lesson.toy_table(10), 0)
