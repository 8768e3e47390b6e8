"""Every synthesizer in the registry on awkward tables: a table back or a sentence, never a crash; a
time-zone-aware date column comes back in its own time zone and dtype, within the real range."""

import numpy as np
import pandas as pd
import pytest

from core.errors import SynthLabError
from core.schema import infer_schema
from core.synth import METHODS
from tests.core.synth.awkward import AWKWARD, ZONES, table_or_sentence, tables, with_zone

TINY = {"gan": {"epochs": 1, "batch_size": 20, "pac": 2, "generator_width": 16, "discriminator_width": 16,
                "embedding_dim": 8},
        "vae": {"epochs": 1, "batch_size": 20, "width": 16, "embedding_dim": 8}}


@pytest.fixture(scope="module")
def awkward(tmp_path_factory):
    return tables(tmp_path_factory.mktemp("awkward"))


def _rows(model, df: pd.DataFrame) -> int:
    return len(df) + 10 if model.params_.get("mode") == "bulk_out" else 30


@pytest.mark.parametrize("key", list(METHODS))
@pytest.mark.parametrize("tz", ZONES)
def test_a_time_zone_aware_date_column_comes_back_in_its_zone(key, tz):
    out, _, df = _synthesize(key, with_zone(tz))
    assert out["when"].dtype == df["when"].dtype
    seen = out["when"].dropna()
    assert len(seen) and seen.between(df["when"].min(), df["when"].max()).all()
    assert (seen.dt.tz_localize(None) == seen.dt.tz_localize(None).dt.floor("D")).all()  # whole local days


@pytest.mark.parametrize("key", list(METHODS))
@pytest.mark.parametrize("name", AWKWARD)
def test_awkward_tables_give_a_table_or_a_sentence(awkward, key, name):
    before = awkward[name].copy()
    result = table_or_sentence(lambda: _synthesize(key, awkward[name]))
    pd.testing.assert_frame_equal(awkward[name], before)
    if result is None:
        return
    out, n, df = result
    schema = infer_schema(df, target="cls")
    assert list(out.columns) == schema.synth_columns and len(out) == n
    for column in out.columns:
        assert out[column].dtype == df[column].dtype or df[column].dtype == object, column  # Int64 stays Int64
        if pd.api.types.is_numeric_dtype(df[column]) and not pd.api.types.is_bool_dtype(df[column]):
            assert np.isfinite(out[column].dropna().astype(float)).all(), column


def _synthesize(key: str, df: pd.DataFrame) -> tuple[pd.DataFrame, int, pd.DataFrame]:
    """(the synthetic table, its rows, the table it learned from); the oversamplers, which refuse missing values
    with a sentence, get the complete rows instead, so they meet the awkward columns too."""
    try:
        model = METHODS[key](**TINY.get(key, {})).fit(df, infer_schema(df, target="cls"))
    except SynthLabError as error:
        if "missing values" not in error.message:
            raise
        df = df.dropna(axis=1, how="all").dropna().reset_index(drop=True)
        model = METHODS[key](**TINY.get(key, {})).fit(df, infer_schema(df, target="cls"))
    n = _rows(model, df)
    return model.sample(n, rng=0), n, df


def test_infinite_values_count_as_missing_and_the_model_says_so(awkward):
    df = awkward["inf"]
    model = METHODS["gaussian_copula"]().fit(df, infer_schema(df))
    assert model.notices_ == ["'x' has 1 infinite value, counted as missing.",
                              "'y' has 3 infinite values, counted as missing."]
    assert np.isfinite(model.sample(500, rng=0)[["x", "y"]].dropna().to_numpy()).all()
