"""Conditional sampling: exactly n rows that all meet the conditions on every method, exact quotas, and a sentence
for a condition that cannot be met (never seen, empty, outside the real values, too rare)."""

import time

import numpy as np
import pandas as pd
import pytest

from core.errors import DataError, ParameterError, SynthLabError
from core.io import read_table
from core.samples import SAMPLES
from core.schema import infer_schema
from core.synth import METHODS
from core.synth.run import draw, generate


@pytest.fixture(scope="module")
def penguins() -> tuple[pd.DataFrame, object]:
    df = read_table(SAMPLES["penguins"].path).dropna().reset_index(drop=True)  # (the oversamplers need no holes)
    schema = infer_schema(df).with_target("species")
    return df, schema


@pytest.mark.parametrize("method", list(METHODS))
def test_every_method_returns_exactly_n_rows_meeting_the_conditions(method):
    df = read_table(SAMPLES["pima_tr"].path)  # classes that overlap: every oversampler can work on it
    schema = infer_schema(df).with_target("type")
    cls = METHODS[method]
    declared = {p.name for p in cls.params}
    params = {**cls.quick, **({"mode": "replace"} if "mode" in declared else {}),
              **({"shrinkage": 0.5} if "shrinkage" in declared else {})}
    model = cls(**params).fit(df, schema, seed=1)
    conditions = {"type": "Yes", "age": (25, 50), "npreg": [1, 2, 3]}
    out = model.sample(120, rng=3, conditions=conditions)
    assert len(out) == 120
    assert (out["type"] == "Yes").all() and out["npreg"].isin([1, 2, 3]).all() and out["age"].between(25, 50).all()
    pd.testing.assert_frame_equal(out, model.sample(120, rng=3, conditions=conditions))  # same seed, same rows


def test_conditional_rows_follow_the_model_given_the_condition(penguins):
    """Rejection sampling: the rows kept are the model's rows that meet the condition, so a column the condition
    does not name keeps its distribution given the condition."""
    df, schema = penguins
    model = METHODS["gaussian_copula"]().fit(df, schema, seed=0)
    gentoo = model.sample(2_000, rng=1, conditions={"species": "Gentoo"})
    free = model.sample(20_000, rng=2)
    expected = free.loc[free["species"] == "Gentoo", "body_mass_g"].mean()
    assert gentoo["body_mass_g"].mean() == pytest.approx(expected, rel=0.02)


@pytest.mark.parametrize(("conditions", "error", "said"), [
    ({"species": "Dragon"}, DataError, "never takes the value 'Dragon'"),
    ({"species": ("Adelie", "Gentoo")}, ParameterError, "no order"),
    ({"body_mass_g": (5000, 4000)}, ParameterError, "is empty"),
    ({"body_mass_g": (9000, None)}, DataError, "No real value"),
    ({"body_mass_g": 12_000}, DataError, "outside the real values"),
    ({"body_mass_g": "heavy"}, ParameterError, "not a number"),
    ({"body_mass_g": (None, None)}, ParameterError, "open at both ends"),
    ({"body_mass_g": (1, 2, 3)}, ParameterError, "a pair"),
    ({"wingspan": 3}, ParameterError, "no column 'wingspan'"),
    ({"island": []}, ParameterError, "lists no value"),
    ({"sex": None}, DataError, "never missing"),
    ({"body_mass_g": (6299.5, 6300), "species": "Adelie"}, DataError, "too rare to reach"),
])
def test_an_impossible_condition_is_a_sentence_within_bounded_effort(penguins, conditions, error, said):
    df, schema = penguins
    model = METHODS["monte_carlo"]().fit(df, schema, seed=0)
    start = time.perf_counter()
    with pytest.raises(error) as caught:
        model.sample(50, rng=0, conditions=conditions)
    assert said in caught.value.message and time.perf_counter() - start < 20


def test_labels_match_whatever_their_written_type_and_dates_take_ranges():
    df = pd.DataFrame({"grade": [1, 2, 3] * 40, "when": pd.date_range("2024-01-01", periods=120, freq="D"),
                       "x": np.arange(120.0)})
    schema = infer_schema(df).with_kind("grade", "categorical")
    model = METHODS["gaussian_copula"]().fit(df, schema, seed=0)
    out = model.sample(60, rng=0, conditions={"grade": "2", "when": ("2024-02-01", "2024-03-15")})
    assert (out["grade"] == 2).all()
    assert out["when"].between(pd.Timestamp("2024-02-01"), pd.Timestamp("2024-03-15")).all()
    aware = df.assign(when=df["when"].dt.tz_localize("Europe/Paris"))
    model = METHODS["gaussian_copula"]().fit(aware, infer_schema(aware), seed=0)
    out = model.sample(30, rng=0, conditions={"when": ("2024-02-01", None)})  # read on the column's own clock
    assert (out["when"] >= pd.Timestamp("2024-02-01", tz="Europe/Paris")).all()


def test_missing_values_can_be_asked_for():
    df = read_table(SAMPLES["airquality"].path)
    model = METHODS["gaussian_copula"]().fit(df, infer_schema(df), seed=0)
    out = model.sample(40, rng=0, conditions={"Ozone": None})
    assert out["Ozone"].isna().all()


def test_quotas_are_exact_and_shuffled(penguins):
    df, schema = penguins
    model = METHODS["gan"](**METHODS["gan"].quick).fit(df, schema, seed=0)
    quotas = {"species": {"Adelie": 50, "Chinstrap": 50, "Gentoo": 50}}
    out, _ = draw(model, 150, rng=0, quotas=quotas, rules=["body_mass_g > 3000"])
    assert out["species"].value_counts().to_dict() == {"Adelie": 50, "Chinstrap": 50, "Gentoo": 50}
    assert (out["body_mass_g"] > 3000).all() and out["species"].head(50).nunique() > 1  # mixed, not in blocks
    made = generate(df, schema, "gaussian_copula", {}, 90, rng=2, quotas={"species": {"Chinstrap": 90}})
    assert (made.table["species"] == "Chinstrap").all() and len(made.table) == 90


@pytest.mark.parametrize(("quotas", "said"), [
    ({"species": {"Adelie": 10, "Gentoo": 10}}, "add up to 20"),
    ({"species": {"Adelie": -1, "Gentoo": 31}}, "whole numbers"),
    ({"species": {"Adelie": 30}, "sex": {"male": 30}}, "one column"),
    ({"species": {"Dragon": 30}}, "never takes the value 'Dragon'"),
])
def test_bad_quotas_are_sentences(penguins, quotas, said):
    df, schema = penguins
    model = METHODS["gaussian_copula"]().fit(df, schema, seed=0)
    with pytest.raises(SynthLabError) as caught:
        draw(model, 30, rng=0, quotas=quotas)
    assert said in caught.value.message


@pytest.mark.parametrize("quotas", [{"species": {"Adelie": "30"}}, {"species": {"Adelie": True}},
                                    {"species": [("Adelie", 30)]}, {"species": {"Adelie": 3}, "sex": {"male": 3}}])
def test_a_drawing_with_malformed_quotas_is_refused_when_made(quotas):
    """A run's description writes each quota as a count: one of another kind is refused before that (it raised
    a ValueError while the run was described)."""
    from core.synth.drawing import Drawing

    with pytest.raises(ParameterError):
        Drawing(quotas=quotas)


def test_seeded_fuzz_of_conditions_gives_rows_or_sentences(penguins):
    df, schema = penguins
    model = METHODS["gaussian_copula"]().fit(df, schema, seed=0)
    rng = np.random.default_rng(5)
    odd = [None, float("nan"), float("inf"), -1e308, "", "Adelie", 3, True, [None], (None, 5000), ("a", "b"),
           pd.Timestamp("2024-01-01"), {"x": 1}, object(), [1, "Gentoo"], (4000.0, 4000.0), np.int64(2008)]
    for _ in range(150):
        column = rng.choice([*df.columns, "nope", 3])
        value = odd[rng.integers(len(odd))]
        start = time.perf_counter()
        try:
            out = model.sample(20, rng=0, conditions={column: value})
            assert len(out) == 20
        except SynthLabError as exc:
            assert exc.message
        assert time.perf_counter() - start < 10


def test_a_slow_method_stops_at_the_time_bound_not_the_row_bound(monkeypatch):
    """A draw at 10 ms a row (a slow model) meeting the condition once in 1,000 rows: the rows allowed (100,000)
    would take 17 minutes, so drawing stops at the time bound with a sentence that says how long it would take."""
    from core.synth import conditions as module

    clock = [0.0]
    monkeypatch.setattr(module.time, "monotonic", lambda: clock[0])

    def draw(k: int, rng: np.random.Generator) -> pd.DataFrame:
        clock[0] += 0.01 * k
        return pd.DataFrame({"x": rng.random(k)})

    condition = module.Condition("x", low=0.0, high=0.001, ranged=True)
    with pytest.raises(DataError, match="minutes at this method's pace: too rare to reach"):
        module.sample_meeting(draw, 200, [condition], np.random.default_rng(0))
    assert clock[0] <= module.MAX_SECONDS  # (it drew nothing it could not finish in time)
