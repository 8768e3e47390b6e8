"""The privacy guard: copies and close rows held within their limits (measured as the privacy scores measure
them), limits relative to what real held-out rows do, outliers dropped, fresh identifier keys, and a sentence when
the guard leaves too few rows."""

import re

import numpy as np
import pandas as pd
import pytest

from core.errors import DataError, ParameterError
from core.evaluate.scores import evaluate
from core.io import read_table
from core.samples import SAMPLES
from core.synth.base import Synthesizer
from core.synth.guard import Guard, Guarding, fresh_keys
from core.synth.run import draw, generate
from core.workspace import Workspace


class Echo(Synthesizer):
    """A leaky method for the tests: a share of its rows are training rows as they are, the rest jittered."""

    key, title = "echo", "Echo"
    keeps_missing = True  # (its copies keep their missing values)

    def __init__(self, copied: float = 0.5, jitter: float = 0.3) -> None:
        super().__init__()
        self.copied, self.jitter = copied, jitter

    def _fit(self, df: pd.DataFrame) -> None:
        self.rows_ = df.reset_index(drop=True)

    def _sample(self, n: int, rng: np.random.Generator) -> pd.DataFrame:
        out = self.rows_.iloc[rng.integers(0, len(self.rows_), n)].reset_index(drop=True)
        moved = rng.random(n) >= self.copied
        for column in out.columns:
            if pd.api.types.is_float_dtype(out[column]):
                spread = self.rows_[column].std() * self.jitter
                out.loc[moved, column] = out.loc[moved, column] + rng.normal(0, spread, int(moved.sum()))
        return out


@pytest.fixture(scope="module")
def penguins() -> Workspace:
    ws = Workspace(read_table(SAMPLES["penguins"].path), name="penguins", seed=2)
    return ws


def test_the_default_guard_holds_copies_and_close_rows_within_bounds_as_the_scores_measure_them(penguins):
    ws = penguins
    model = Echo(copied=0.4, jitter=0.4).fit(ws.train, ws.schema, seed=0)
    leaky, _ = draw(model, 600, rng=1)
    before = evaluate(ws.train, leaky, ws.schema, holdout=ws.holdout)
    assert before.exact_copy_rate > 0.3 and before.dcr_share_closer > 0.3  # the leak is real
    guarding = Guarding(Guard(), ws.train, ws.schema, list(model.output_columns_), ws.holdout)
    kept, _ = draw(model, 600, rng=1, guard=guarding)
    after = evaluate(ws.train, kept, ws.schema, holdout=ws.holdout)
    assert len(kept) == 600 and after.exact_copy_rate <= 0.01 and after.dcr_share_closer <= 0.10
    note = guarding.note()[0]
    assert note.startswith("Privacy guard: of ") and "copies of training rows" in note


def test_generate_applies_the_guard_and_says_what_it_dropped(penguins):
    ws = penguins
    made = generate(ws.train, ws.schema, "gaussian_copula", {}, 300, rng=4, guard=Guard(outliers=True),
                    holdout=ws.holdout)
    assert len(made.table) == 300 and made.notes[-1].startswith("Privacy guard")
    plain = generate(ws.train, ws.schema, "gaussian_copula", {}, 300, rng=4)
    assert not any(n.startswith("Privacy guard") for n in plain.notes)  # off unless asked for


def test_outliers_are_rows_farther_than_any_held_out_row(penguins):
    ws = penguins
    model = Echo(copied=0.0, jitter=3.0).fit(ws.train, ws.schema, seed=0)  # wild jitter: rows far from any
    guarding = Guarding(Guard(copies=False, close_share=1.0, outliers=True), ws.train, ws.schema,
                        list(model.output_columns_), ws.holdout)
    kept, _ = draw(model, 200, rng=0, guard=guarding)
    encoder_distance = guarding.index.kneighbors(guarding.encoder.encode(kept[guarding.columns]))[0][:, 0]
    assert (encoder_distance <= guarding.far).all() and guarding.dropped["outliers"] > 0


def test_on_a_table_of_labels_copies_are_kept_as_often_as_real_rows_copy():
    """Titanic's four label columns: every new real row copies a training row, so copies tell nothing about anyone;
    the guard keeps them at the held-out rows' rate instead of emptying the table."""
    ws = Workspace(read_table(SAMPLES["titanic"].path), name="titanic", seed=0)
    made = generate(ws.train, ws.schema, "gaussian_copula", {}, 400, rng=0, guard=Guard(), holdout=ws.holdout)
    plain = generate(ws.train, ws.schema, "gaussian_copula", {}, 400, rng=0)
    guarded = evaluate(ws.train, made.table, ws.schema, holdout=ws.holdout)
    assert guarded.exact_copy_rate > 0.9
    assert guarded.detection_auc < evaluate(ws.train, plain.table, ws.schema, holdout=ws.holdout).detection_auc + 0.1


def test_a_guard_that_leaves_too_few_rows_is_a_sentence(penguins):
    ws = penguins
    model = Echo(copied=1.0).fit(ws.train, ws.schema, seed=0)  # nothing but copies
    guarding = Guarding(Guard(), ws.train, ws.schema, list(model.output_columns_), ws.holdout)
    with pytest.raises(DataError, match="passed the privacy guard"):
        draw(model, 300, rng=0, guard=guarding)


def test_fresh_keys_keep_the_format_and_never_reuse_a_real_key():
    rng = np.random.default_rng(0)
    real = pd.Series([f"AB-{i:04d}" for i in range(500)] + [f"XY{i:03d}" for i in range(300)])
    keys = fresh_keys(real, 3_000, rng)
    assert keys.is_unique and not keys.isin(real).any() and keys.str.fullmatch(r"AB-\d{4}|XY\d{3}").all()
    numbers = pd.Series(np.arange(1000, 1400), name="id")
    keys = fresh_keys(numbers, 300, rng)
    assert keys.is_unique and not keys.isin(numbers).any() and keys.between(1000, 9999).all()
    tight = pd.Series(np.arange(10, 100))  # every two-digit number is taken: one digit more
    assert not fresh_keys(tight, 50, rng).isin(tight).any()
    with pytest.raises(ParameterError, match="Not enough fresh keys"):
        fresh_keys(pd.Series(list("ab")), 100, rng)  # one letter each: 26 keys at most


def test_identifier_columns_get_fresh_keys_in_the_real_place_when_asked():
    df = pd.DataFrame({"customer": [f"C{i:05d}" for i in range(200)], "spend": np.linspace(1, 50, 200),
                       "tier": list("abcd") * 50})
    ws = Workspace(df, name="c")
    assert ws.schema.kinds["customer"] == "id"
    made = generate(ws.train, ws.schema, "gaussian_copula", {}, 80, rng=0, guard=Guard(ids="fresh"))
    assert list(made.table.columns) == ["customer", "spend", "tier"]
    assert made.table["customer"].is_unique and not made.table["customer"].isin(df["customer"]).any()
    assert all(re.fullmatch(r"C\d{5}", k) for k in made.table["customer"])
    dropped = generate(ws.train, ws.schema, "gaussian_copula", {}, 80, rng=0, guard=Guard(ids="drop"))
    assert "customer" not in dropped.table


@pytest.mark.parametrize(("settings", "said"), [
    ({"close_share": 1.5}, "between 0 and 1"),
    ({"ids": "hash"}, "'drop' or 'fresh'"),
    ({"copies": True, "shout": 1}, "no setting 'shout'"),
])
def test_bad_guard_settings_are_sentences(settings, said):
    with pytest.raises(ParameterError, match=said):
        Guard.from_dict(settings)


def test_guard_settings_round_trip_as_json():
    guard = Guard(copies=False, close_share=0.2, outliers=True, ids="fresh")
    assert Guard.from_dict(guard.to_dict()) == guard and Guard.from_dict(None) == Guard.off()


def test_a_method_that_keeps_the_real_rows_says_the_guard_did_not_run():
    from core.schema import infer_schema
    from core.synth.run import generate

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x": rng.normal(size=200), "y": np.where(rng.random(200) < 0.2, "pos", "neg")})
    schema = infer_schema(df, target="y")
    for method in ("random_oversampling", "smote"):  # bulk out, their default: every real row stays
        notes = generate(df, schema, method, {}, 300, rng=0, guard=Guard()).notes
        assert any(n.startswith("The privacy guard did not run") for n in notes), method
        assert not any("dropped none" in n for n in notes)
    replaced = generate(df, schema, "smote", {"mode": "replace"}, 300, rng=0, guard=Guard()).notes
    assert any(n.startswith("Privacy guard: ") for n in replaced) and not any("did not run" in n for n in replaced)


def test_drawing_options_of_the_wrong_shape_are_sentences():
    from core.schema import infer_schema
    from core.synth.run import generate

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x": rng.normal(size=200), "y": np.where(rng.random(200) < 0.2, "pos", "neg")})
    schema = infer_schema(df, target="y")
    for method, options, error, said in (
            ("smote", {"quotas": {"y": {"pos": 150, "neg": 150}}}, ParameterError, "need new rows only"),
            ("gaussian_copula", {"quotas": {"y": [("pos", 300)]}}, ParameterError, "rows per value of one column"),
            ("gaussian_copula", {"quotas": [("y", {"pos": 300})]}, ParameterError, "rows per value of one column"),
            ("gaussian_copula", {"guard": {"copies": True}}, ParameterError, "must be a Guard"),
            ("gaussian_copula", {"guard": True}, ParameterError, "must be a Guard"),
            ("gaussian_copula", {"guard": Guard(), "holdout": df[["x"]]}, DataError, "has no column 'y'")):
        with pytest.raises(error, match=said):
            generate(df, schema, method, {}, 300, rng=0, **options)
