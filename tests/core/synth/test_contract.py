"""Error sentences and the Gaussian copula's promises (every method's contract: test_checks.py)."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from core.errors import DataError, NotFittedError, ParameterError
from core.io import read_table
from core.samples import SAMPLES
from core.schema import infer_schema
from core.synth import METHODS


@pytest.fixture(scope="module")
def penguins():
    df = read_table(SAMPLES["penguins"].path)
    return df, infer_schema(df, target="species")


def test_errors_are_sentences(penguins):
    df, schema = penguins
    with pytest.raises(NotFittedError, match="fit"):
        METHODS["gaussian_copula"]().sample(10)
    model = METHODS["gaussian_copula"]().fit(df, schema)
    for bad in (0, -5, 2.5, "10", 10**9):
        with pytest.raises(ParameterError, match="number of rows"):
            model.sample(bad)
    with pytest.raises(ParameterError, match="has no parameter"):
        METHODS["gaussian_copula"](epochs=3).fit(df, schema)
    with pytest.raises(DataError, match="at least two rows"):
        METHODS["gaussian_copula"]().fit(df.head(1), schema)


def test_copula_keeps_marginals_and_rank_correlations():
    rng = np.random.default_rng(0)
    n = 20_000
    z = rng.multivariate_normal([0, 0, 0], [[1, 0.7, -0.4], [0.7, 1, -0.2], [-0.4, -0.2, 1]], size=n)
    df = pd.DataFrame({"income": np.round(np.exp(10 + 0.6 * z[:, 0]), 2),  # skewed
                       "age": np.round(40 + 12 * z[:, 1]).astype(int),
                       "score": np.round(stats.beta.ppf(stats.norm.cdf(z[:, 2]), 2, 5), 4),
                       "group": np.where(z[:, 0] + 0.5 * rng.normal(size=n) > 0.3, "high", "low")})
    schema = infer_schema(df)
    out = METHODS["gaussian_copula"]().fit(df, schema).sample(n, rng=1)
    for column in ["income", "age", "score"]:
        assert stats.ks_2samp(out[column], df[column]).statistic < 0.02, column
    numeric = ["income", "age", "score"]
    gap = (out[numeric].corr("spearman") - df[numeric].corr("spearman")).abs().to_numpy().max()
    assert gap < 0.03
    assert abs((out["group"] == "high").mean() - (df["group"] == "high").mean()) < 0.02
    high = out.groupby("group")["income"].median()
    assert high["high"] > high["low"]  # the label follows the number it depends on


def test_copula_missing_values_dates_and_a_non_positive_definite_correlation():
    rng = np.random.default_rng(3)
    n = 3_000
    x = rng.normal(size=n)
    df = pd.DataFrame({"a": x, "b": x + 1e-9 * rng.normal(size=n), "c": -x,
                       "when": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 1000, n), unit="D")})
    df.loc[rng.random(n) < 0.2, "a"] = np.nan
    schema = infer_schema(df)
    model = METHODS["gaussian_copula"]().fit(df, schema)
    out = model.sample(n, rng=4)
    assert abs(out["a"].isna().mean() - 0.2) < 0.03  # missing values at their real rate
    assert out["when"].dtype.kind == "M" and out["when"].between(df["when"].min(), df["when"].max()).all()
    assert model.repaired_ and np.linalg.eigvalsh(model.correlation_.to_numpy()).min() > 0


@pytest.mark.parametrize("key", ["gaussian_copula", "vae"])
def test_dates_come_back_at_their_real_resolution(key):
    rng = np.random.default_rng(2)
    n = 400
    df = pd.DataFrame({"day": pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D"),
                       "stamp": pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 10**6, n), unit="s"),
                       "x": rng.normal(size=n)})
    out = METHODS[key](**METHODS[key].quick).fit(df, infer_schema(df)).sample(500, rng=0)
    assert (out["day"] == out["day"].dt.floor("D")).all()  # whole days, as in the real column
    assert (out["stamp"] == out["stamp"].dt.floor("s")).all() and (out["stamp"].dt.second != 0).any()


@pytest.mark.parametrize("key", ["gaussian_copula", "gan"])
def test_numbers_finer_than_six_decimals_keep_their_precision_and_range(key):
    """Wavelengths in metres and p-values need more than six decimals: rounded to six, every wavelength became 0
    or 1e-6, outside the real range. They come back within it, as many distinct values as the real column
    nearly, and a column of prices still at two decimals. So do concentrations of 1e-10 to 5e-10 and numbers near
    1e-300, which every method made one constant (they were written exactly 'at zero decimals', within 1e-9)."""
    rng = np.random.default_rng(2)
    n = 300
    df = pd.DataFrame({"wavelength": rng.uniform(4e-7, 7e-7, n), "p_value": 10 ** -rng.uniform(0, 30, n),
                       "price": np.round(rng.lognormal(4, 1, n), 2), "conc": rng.uniform(1e-10, 5e-10, n),
                       "tiny": rng.uniform(1, 9, n) * 1e-300})
    params = {"epochs": 5, "batch_size": 100} if key == "gan" else {}
    out = METHODS[key](**params).fit(df, infer_schema(df), seed=0).sample(n, rng=0)
    for column in ("wavelength", "p_value", "conc", "tiny"):
        assert out[column].between(df[column].min(), df[column].max()).all(), column
        assert out[column].nunique() > 0.8 * n, column
    assert np.allclose(out["price"], out["price"].round(2), rtol=0, atol=1e-9)


def test_a_table_read_but_not_typed_is_typed_to_learn_from_as_the_readme_does():
    """read_table keeps dates and numbers written as text ("$1,007.50") as text; infer_schema calls them datetime
    and continuous. Fitted as they were, they were labels: every synthetic value a copy of a real one."""
    from core.evaluate import evaluate

    lines = [f"2024-{1 + i % 12:02d}-{1 + i % 28:02d},\"${1000 + 7 * i:,}.50\",{'ab'[i % 2]}" for i in range(80)]
    csv = "\n".join(["when,amount,y", *lines]).encode()
    real = read_table(csv, filename="t.csv")
    schema = infer_schema(real)
    model = METHODS["gaussian_copula"]().fit(real, schema, seed=0)
    out = model.sample(300, rng=0)
    assert pd.api.types.is_datetime64_any_dtype(out["when"]) and pd.api.types.is_float_dtype(out["amount"])
    assert not out["amount"].isin(real["amount"].str.replace(r"[$,]", "", regex=True).astype(float)).all()
    assert any("'when' held text; it was typed as datetime" in note for note in model.notes())
    assert 0 < evaluate(real, out, schema).quality <= 1


def test_time_spans_are_learned_as_seconds_and_come_back_as_time_spans():
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"x": rng.normal(size=60), "dur": pd.to_timedelta(rng.normal(100, 20, 60), unit="s")})
    model = METHODS["gaussian_copula"]().fit(df, infer_schema(df), seed=0)
    out = model.sample(200, rng=0)["dur"]
    assert pd.api.types.is_timedelta64_dtype(out) and out.nunique() > 100  # (drawn, not copies of the 60)
    assert abs(out.dt.total_seconds().mean() - 100) < 10
    minutes = df.assign(dur=pd.to_timedelta(rng.integers(5, 60, 60), unit="min"))  # come back in whole minutes
    drawn = METHODS["gaussian_copula"]().fit(minutes, infer_schema(minutes), seed=0).sample(100, rng=0)["dur"]
    assert (drawn.dt.total_seconds() % 60 == 0).all() and drawn.nunique() > 20


@pytest.mark.parametrize("rng", [-1, "a", 1.5, [1, -2]])
def test_an_rng_that_is_no_seed_is_a_sentence(rng):
    from core.evaluate import evaluate
    from core.impute import IMPUTERS
    from core.missing import ampute

    df = pd.DataFrame({"x": np.arange(40.0), "k": list("ab") * 20})
    schema = infer_schema(df)
    holed = df.assign(x=df["x"].where(df.index % 5 > 0))
    for call in (lambda: METHODS["gaussian_copula"]().fit(df, schema).sample(5, rng=rng),
                 lambda: evaluate(df, df, schema, rng=rng),
                 lambda: ampute(df, mechanism="MCAR", columns=["x"], rate=0.2, rng=rng),
                 lambda: IMPUTERS["hot_deck"]().fit(holed, schema).transform(holed, rng=rng)):
        with pytest.raises(ParameterError, match="rng must be a whole number"):
            call()


def test_a_sample_too_large_for_memory_is_refused_before_drawing():
    df = pd.DataFrame(np.random.default_rng(0).normal(size=(30, 60))).add_prefix("c")
    model = METHODS["gaussian_copula"]().fit(df, infer_schema(df), seed=0)
    with pytest.raises(ParameterError, match="10,000,000 rows of 60 columns is more than one sample holds"):
        model.sample(10_000_000, rng=0)


@pytest.mark.parametrize("method", ["noise", "gaussian_copula", "cart", "monte_carlo"])
def test_integers_at_the_ends_of_int64_do_not_wrap_around_and_their_rounding_is_said(method):
    """2**63 - 1 (a common sentinel) came back as -2**63 through float: below the real minimum of 0."""
    df = pd.DataFrame({"big": [2**63 - 1, 0, 5, 2**62] * 15, "g": list("abc") * 20})
    model = METHODS[method](**METHODS[method].quick).fit(df, infer_schema(df), seed=0)
    out = model.sample(200, rng=0)["big"]
    assert out.dtype == np.int64 and out.min() >= 0
    assert any("beyond 2^53" in note for note in model.notes())


def test_narrow_integer_columns_keep_their_largest_value():
    """The clip that keeps 2**63 - 1 from wrapping stepped below exact maxima too: 255 in a uint8 came back 254, and
    a nullable Int16 at 32,767 raised."""
    from core.synth.base import as_dtype

    assert as_dtype(pd.Series([255.0, 0.0]), "uint8").tolist() == [255, 0]
    assert as_dtype(pd.Series([32767.0, np.nan]), "Int16").tolist()[0] == 32767
    df = pd.DataFrame({"px": np.array([255, 0, 255, 7] * 20, dtype=np.uint8), "g": list("ab") * 40})
    out = METHODS["cart"]().fit(df, infer_schema(df), seed=0).sample(200, rng=0)["px"]
    assert out.dtype == np.uint8 and (out == 255).any()
