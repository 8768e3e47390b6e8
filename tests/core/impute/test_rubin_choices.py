"""Which imputers multiple imputation offers, and the predictors it suggests."""

import numpy as np
import pandas as pd
import pytest

from core.impute import IMPUTERS
from core.impute.rubin import multiple_imputation, random_methods, suggest_predictors
from core.schema import LABELS, NUMERIC, infer_schema


def test_random_methods_are_the_stochastic_imputers_of_numbers_and_labels():
    chosen = random_methods()
    assert chosen and chosen == [k for k in IMPUTERS if k in chosen]  # in the registry's order
    for key, cls in IMPUTERS.items():
        fills_all = all(kind in cls.kinds for kind in (*NUMERIC, *LABELS))
        assert (key in chosen) == (cls.stochastic and fills_all), key


@pytest.mark.parametrize("method", random_methods())
def test_every_random_method_draws_different_tables(method):
    rng = np.random.default_rng(0)
    n = 60
    x = rng.normal(size=n)
    df = pd.DataFrame({"y": np.where(rng.random(n) < 0.3, np.nan, x + rng.normal(size=n)), "x": x,
                       "g": np.where(rng.random(n) < 0.2, None, rng.choice(["a", "b", "c"], n))})
    result = multiple_imputation(df, infer_schema(df), outcome="y", predictors=["x", "g"], m=3, method=method)
    assert (result.pooled["between"] > 0).all()  # its m tables differ: Rubin's rules see the uncertainty
    assert result.method == method and result.single_method in IMPUTERS


def table(n: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    sleep = rng.uniform(4, 16, n)
    return pd.DataFrame({"weak": rng.normal(size=n), "sleep": sleep, "awake": 24 - sleep,
                         "noise": rng.normal(size=n), "strong": 0, "medium": 0, "constant": 3.0,
                         "label": rng.choice(["a", "b"], n)}).assign(
        outcome=lambda d: 3 * d["sleep"] + rng.normal(size=n),
        strong=lambda d: d["outcome"] + rng.normal(scale=1, size=n),
        medium=lambda d: d["outcome"] + rng.normal(scale=8, size=n))


def test_the_most_correlated_come_first_and_at_most_three():
    df = table()
    others = [c for c in df.columns if c != "outcome"]
    suggested = suggest_predictors(df, "outcome", others)
    assert len(suggested) == 3
    strength = df[[c for c in others if c not in ("label", "constant")]].corrwith(df["outcome"]).abs()
    assert suggested[0] == "strong" and strength[suggested[0]] == strength.max()
    assert list(strength[suggested]) == sorted(strength[suggested], reverse=True)


def test_never_a_column_that_follows_exactly_from_the_chosen_ones():
    df = table()
    for outcome, others in (("outcome", ["sleep", "awake", "weak"]), ("outcome", ["awake", "sleep", "constant"]),
                            ("label", ["sleep", "awake", "constant", "weak", "noise"])):
        suggested = suggest_predictors(df, outcome, others)
        assert not ({"sleep", "awake"} <= set(suggested)), (outcome, suggested)  # awake = 24 - sleep
        assert "constant" not in suggested  # a constant follows from the intercept
        assert len(suggested) <= 3
    assert suggest_predictors(df, "label", ["sleep", "awake", "weak", "noise"]) == ["sleep", "weak", "noise"]
    assert suggest_predictors(df, "outcome", ["label"]) == []  # labels are never suggested


def _holed(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=200)
    df = pd.DataFrame({"x": x, "y": 2 * x + rng.normal(0, 0.5, 200), "z": rng.normal(size=200),
                       "when": pd.date_range("2020-01-01", periods=200)})
    df.loc[rng.random(200) < 0.2, "x"] = np.nan
    return df


@pytest.mark.parametrize(("settings", "said"), [
    ({"m": 10**9}, "from 2 to 100"), ({"m": 2.5}, "from 2 to 100"), ({"model": "poisson"}, "no model 'poisson'"),
    ({"method": "mean"}, "does not draw its values at random"), ({"predictors": ["nope"]}, "no column 'nope'"),
    ({"predictors": ["x", "when"]}, "'when' is neither a number nor a label"),
    ({"predictors": "xz"}, "a list of them"),
])
def test_settings_that_would_mislead_or_never_end_are_a_sentence(settings, said):
    from core.errors import SynthLabError

    df = _holed()
    with pytest.raises(SynthLabError, match=said):
        multiple_imputation(df, infer_schema(df), **{"outcome": "y", "predictors": ["x"], **settings})


def test_collinear_predictors_are_said_not_split():
    from core.errors import DataError

    df = _holed().assign(x2=lambda d: 2 * d["x"])
    with pytest.raises(DataError, match="collinear"):  # (statsmodels' pseudo-inverse split the slope between them)
        multiple_imputation(df, infer_schema(df), outcome="y", predictors=["x", "x2"])


def test_a_predictor_that_separates_a_logistic_outcome_is_said_not_estimated():
    from core.errors import DataError

    df = _holed().assign(high=lambda d: np.where(d["y"] > 0, "yes", "no"))
    with pytest.raises(DataError, match="does not converge: a predictor separates its two values"):
        multiple_imputation(df, infer_schema(df), outcome="high", predictors=["y", "z"], model="logistic")
    fitted = multiple_imputation(df, infer_schema(df), outcome="high", predictors=["x", "z"], model="logistic")
    slope = fitted.pooled.set_index("term").loc["x", "estimate"]
    assert 2 < slope < 10  # (y = 2x + noise of sd 0.5: P(high) = Φ(4x), a log-odds slope near 1.6 × 4)
