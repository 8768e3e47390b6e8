"""Attack-based privacy risks, pMSE and the detection interval: a copy of the training rows is maximal risk and
zero pMSE, fresh real rows are risk near 0 and S_pMSE near 1, shuffled columns are a large pMSE, intervals cover
the truth on simulated data, and the risk's arithmetic matches Anonymeter's (Wilson rates, propagated error)."""

import numpy as np
import pandas as pd
import pytest

from core.errors import DataError
from core.evaluate import evaluate
from core.evaluate.privacy import Risk, _rate, _risk, risks
from core.evaluate.scores import _pmse, readings
from core.io import read_table
from core.samples import SAMPLES
from core.schema import infer_schema
from core.workspace import Workspace


@pytest.fixture(scope="module")
def salaries() -> Workspace:
    return Workspace(read_table(SAMPLES["salaries"].path), name="salaries", holdout_share=0.2, seed=0)


def test_a_copy_of_the_training_rows_is_the_largest_risk_and_fresh_real_rows_are_none(salaries):
    ws = salaries
    copied = risks(ws.train, ws.train, ws.holdout, ws.schema, rng=0)
    assert copied["inference"].value > 0.8 and copied["inference"].level == "high"
    # salaries repeats rows: a predicate may match a twin too, and a link may land on one (Anonymeter: 0.62, 0.33)
    assert copied["singling_out"].value > 0.5 and copied["linkability"].value > 0.25
    shuffled = ws.train.sample(frac=1, random_state=3).reset_index(drop=True)
    half = len(shuffled) // 2
    fresh = risks(shuffled.iloc[:half], shuffled.iloc[half:], ws.holdout, ws.schema, rng=0)
    for key in ("singling_out", "linkability", "inference"):
        assert fresh[key].low <= 0.05, (key, fresh[key])  # no risk beyond noise


def test_the_risk_is_anonymeters_residual_success_with_wilson_rates():
    rate, error = _rate(30, 100)  # Wilson 1927 at 95%: (k + z²/2) / (n + z²), z = 1.96
    z = 1.959963984540054
    assert rate == pytest.approx((30 + z * z / 2) / (100 + z * z))
    assert error == pytest.approx(z / (100 + z * z) * np.sqrt(30 * 70 / 100 + z * z / 4))
    risk = _risk(80, 20, 5, 100)
    (a, da), (c, dc) = _rate(80, 100), _rate(20, 100)
    assert risk.value == pytest.approx((a - c) / (1 - c))
    spread = np.hypot(da / (1 - c), dc * (a - 1) / (1 - c) ** 2)
    assert (risk.low, risk.high) == pytest.approx((risk.value - spread, risk.value + spread))
    assert _risk(10, 40, 5, 100).value == 0.0  # a control more attackable than the training rows: no risk
    assert Risk(0.0, 0.0, 0.01, 0.1, 0.1, 0.0, 100).level == "low"


def test_pmse_is_zero_for_a_copy_large_for_shuffled_columns_and_near_one_for_the_same_distribution():
    rng = np.random.default_rng(0)
    n = 600

    def sample(seed: int) -> pd.DataFrame:
        g = np.random.default_rng(seed)
        x = g.normal(size=n)
        return pd.DataFrame({"x": x, "y": 2 * x + g.normal(size=n), "g": np.where(x + g.normal(size=n) > 0, "a", "b")})

    real = sample(1)
    schema = infer_schema(real)
    pmse, ratio, _, null = _pmse(real, real.copy(), schema, rng)
    assert pmse == pytest.approx(0, abs=1e-9) and ratio == pytest.approx(0, abs=1e-6)
    shuffled = pd.DataFrame({c: real[c].sample(frac=1, random_state=i).to_numpy() for i, c in enumerate(real)})
    assert _pmse(real, shuffled, schema, rng)[1] > 5
    ratios = [_pmse(real, sample(seed), schema, np.random.default_rng(seed))[1] for seed in range(2, 12)]
    assert 0.6 < np.mean(ratios) < 1.6  # the null expectation is right: the ratio averages about 1
    assert null[0] < 1 < null[1] and sum(null[0] <= r <= null[1] for r in ratios) >= 8  # and its 95% range


def test_the_detection_interval_covers_one_half_for_two_samples_of_one_distribution():
    covered = 0
    for seed in range(8):
        g = np.random.default_rng(seed)
        real = pd.DataFrame({"x": g.normal(size=300), "y": g.exponential(size=300)})
        other = pd.DataFrame({"x": g.normal(size=300), "y": g.exponential(size=300)})
        scores = evaluate(real, other, infer_schema(real), rng=seed)
        low, high = scores.detection_interval
        covered += low <= 0.5 <= high
        assert low <= scores.detection_auc <= high
    assert covered >= 6  # a 95% interval over five folds misses now and then, not often


def test_held_out_real_rows_are_the_reference_and_the_readings_say_so(salaries):
    ws = salaries
    scores = evaluate(ws.train, ws.train, ws.schema, holdout=ws.holdout)  # a copy
    assert abs(scores.detection_reference - 0.5) < 0.15  # real new rows: about 0.5
    said = readings(scores)
    assert "held-out real rows score" in said["detection_auc"] and "near twin" in said["detection_auc"]
    import dataclasses

    fooled = dataclasses.replace(scores, detection_auc=0.40, detection_interval=(0.36, 0.44), exact_copy_rate=0.0,
                                 dcr_share_closer=0.06, intervals={})
    reading = readings(fooled)["detection_auc"]  # fooled the other way, with no near twin to explain it
    assert "read it as 'cannot tell apart'" in reading and "near twin" not in reading
    assert "near twin" in readings(dataclasses.replace(fooled, dcr_share_closer=0.4))["detection_auc"]
    assert said["singling_out"].startswith("high") and set(scores.risks) >= {"singling_out", "linkability",
                                                                              "inference"}


def test_too_few_rows_to_attack_is_a_sentence():
    df = pd.DataFrame({"x": range(8), "y": list("abababab")})
    with pytest.raises(DataError, match="at least ten"):
        risks(df, df, df, infer_schema(df))


def test_fresh_rows_single_out_no_one_when_the_control_is_a_quarter_of_the_training_rows(monkeypatch):
    """A predicate singles out more often among more rows, so the control's count is scaled up to the training rows'
    size: fresh rows of one population then score a multivariate risk whose interval reaches 0, and without the
    scaling the same attack reads as a risk (what the correction is for)."""
    from core.evaluate import privacy

    def people(n: int, seed: int) -> pd.DataFrame:
        rng = np.random.default_rng(seed)
        age = rng.integers(18, 90, n)
        return pd.DataFrame({"age": age, "income": rng.lognormal(10 + age / 100, 0.5, n).round(-2),
                             "children": rng.poisson(1.5, n), "region": rng.choice(list("ABCDEFGH"), n),
                             "score": rng.normal(600, 80, n).round()})

    train, synthetic, control = people(4_000, 1), people(4_000, 2), people(1_000, 3)
    schema = infer_schema(train)
    fresh = privacy.risks(train, synthetic, control, schema, rng=0)["singling_out_multivariate"]
    assert fresh.low == 0 and fresh.value < 0.08, fresh
    monkeypatch.setattr(privacy, "_size_correction", lambda *args: 1.0)
    unscaled = privacy.risks(train, synthetic, control, schema, rng=0)["singling_out_multivariate"]
    assert unscaled.low > 0, unscaled  # (seen: 0.057 [0, 0.120] scaled, 0.075 [0.020, 0.131] not)


def test_the_worst_column_is_the_most_worrying_light_then_the_largest_risk():
    from core.evaluate.privacy import worst_first

    found = {"sure": Risk(0.04, 0.01, 0.07, 0.12, 0.09, 0.05, 500),  # low, but its interval is above zero
             "noisy": Risk(0.0685, 0.0, 0.15, 0.3, 0.25, 0.1, 500),  # within noise
             "other": Risk(0.0505, 0.0, 0.12, 0.3, 0.26, 0.1, 500),
             "moderate": Risk(0.15, 0.08, 0.22, 0.4, 0.3, 0.1, 500),
             "wide": Risk(0.3, 0.0, 0.6, 0.4, 0.3, 0.1, 500)}  # larger, but within noise
    assert [found[k].level for k in found] == ["low", "within noise", "within noise", "moderate", "within noise"]
    assert worst_first(found) == ["moderate", "wide", "noisy", "other", "sure"]
    assert worst_first({k: found[k] for k in ("sure", "noisy", "other")})[0] == "noisy"  # not the 4% "low" one
