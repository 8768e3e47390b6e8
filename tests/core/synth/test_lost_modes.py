"""The mode-collapse check on hand-made samples: what the samples lack, and where they pile up."""

import numpy as np
import pandas as pd

from core.schema import infer_schema
from core.synth.neural import lost_modes
from core.synth.transformer import fit_transformer


def real_table(n=1_000, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"age": rng.integers(18, 90, n),
                         "income": rng.lognormal(10, 0.4, n).round(2),
                         "kids": rng.choice([0, 1, 2, 3], n, p=[0.4, 0.3, 0.2, 0.1]),
                         "colour": rng.choice(["red", "green", "blue"], n, p=[0.5, 0.3, 0.2]),
                         "when": pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 700, n), unit="D")})


def test_spikes_at_an_edge_or_inside_a_column_are_flagged():
    real = real_table()
    transformer = fit_transformer(real, infer_schema(real).kinds, seed=0)
    fresh = real_table(seed=1)
    assert lost_modes(transformer, real, fresh).empty  # new real rows: nothing lost, nothing piled up
    rng = np.random.default_rng(2)
    spiky = fresh.copy()
    spiky.loc[rng.random(len(spiky)) < 0.485, "income"] = real["income"].min()  # a GAN's pile at the minimum
    spiky.loc[rng.random(len(spiky)) < 0.2, "age"] = 47  # a pile inside the range
    spiky.loc[rng.random(len(spiky)) < 0.3, "when"] = real["when"].max()
    spiky["colour"] = np.where(rng.random(len(spiky)) < 0.95, "blue", spiky["colour"])  # one category takes over
    table = lost_modes(transformer, real, spiky)
    assert "what" in table.columns
    spikes = table[table["what"].str.startswith("spike")].set_index("column")
    assert set(spikes.index) == {"income", "age", "when", "colour"}
    assert "minimum" in spikes.loc["income", "value"] and spikes.loc["income", "synthetic share"] > 0.45
    assert spikes.loc["income", "real share"] < 0.01
    assert "47" in spikes.loc["age", "value"] and "maximum" in spikes.loc["when", "value"]
    assert spikes.loc["colour", "value"] == "blue"
    lost = table[table["what"].str.startswith("lost")]
    assert set(zip(lost["column"], lost["value"], strict=True)) == {("colour", "red"), ("colour", "green")}


def test_a_modest_excess_of_a_common_value_is_not_a_spike():
    real = real_table()
    transformer = fit_transformer(real, infer_schema(real).kinds, seed=0)
    rng = np.random.default_rng(3)
    more_zeros = real.copy()
    more_zeros.loc[rng.random(len(real)) < 0.15, "kids"] = 0  # 40% -> about 49%: more, but not twice
    assert lost_modes(transformer, real, more_zeros).query("column == 'kids'").empty


def test_a_number_column_of_few_values_is_checked_as_values_not_categories():
    """With discrete values, 'kids' is learned as a one-hot over its values; its rows said kind 'category'."""
    real = real_table()
    transformer = fit_transformer(real, infer_schema(real).kinds, seed=0, discrete=True)
    lacking = real.copy()
    lacking["kids"] = lacking["kids"].replace(3, 0)  # the value 3 (10% of the rows) is lost
    rows = lost_modes(transformer, real, lacking).query("column == 'kids'")
    assert rows["kind"].tolist() == ["value"] and "3" in str(rows["value"].iloc[0])
