"""The scores on tables whose answers are known: a copy, fresh real rows, and shuffled columns."""

import numpy as np
import pandas as pd
import pytest

from core.errors import DataError
from core.evaluate import evaluate
from core.evaluate.compare import cramers_v
from core.evaluate.scores import TSTR_MODELS, _detection, _quality, _tstr, readings
from core.schema import infer_schema


def population(n, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    z = 0.8 * x + 0.6 * rng.normal(size=n)
    return pd.DataFrame({"x": x.round(4), "z": z.round(4), "w": rng.gamma(2, 2, n).round(3),
                         "group": np.where(x + 0.5 * rng.normal(size=n) > 0, "high", "low")})


@pytest.fixture(scope="module")
def tables():
    real = population(3_000, 0)
    schema = infer_schema(real, target="group")
    return real, population(1_000, 1), population(3_000, 2), schema


def test_a_copy_scores_as_a_copy(tables):
    real, holdout, _, schema = tables
    scores = evaluate(real, real.copy(), schema, holdout=holdout)
    assert scores.quality > 0.97 and scores.exact_copy_rate == 1.0
    assert scores.dcr_share_closer > 0.95


def test_fresh_real_rows_are_indistinguishable_useful_and_private(tables):
    real, holdout, fresh, schema = tables
    scores = evaluate(real, fresh, schema, holdout=holdout)
    assert abs(scores.detection_auc - 0.5) < 0.05
    assert abs(scores.tstr_ratio - 1) < 0.05
    assert scores.dcr_share_closer < 0.1 and scores.exact_copy_rate == 0.0
    assert scores.quality > 0.9


def test_every_finite_sample_score_has_an_interval_and_real_data_a_reference(tables):
    real, holdout, fresh, schema = tables
    scores = evaluate(real, fresh, schema, holdout=holdout)
    for name in ("quality", "tstr_ratio", "exact_copy_rate", "dcr_share_closer"):
        low, high = scores.intervals[name]
        assert low <= getattr(scores, name) <= high, name
    assert scores.intervals["tstr_ratio"][0] <= 1 <= scores.intervals["tstr_ratio"][1]  # fresh rows: TSTR 1
    assert scores.intervals["exact_copy_rate"][1] < 0.01  # no copy in 3,000 rows: the rate is below 1%
    assert scores.intervals["dcr_share_closer"][0] <= 0.05 <= scores.intervals["dcr_share_closer"][1]
    # held-out real rows against the training rows: what real data scores
    assert abs(scores.references["quality"] - scores.quality) < 0.05
    assert scores.references["exact_copy_rate"] == 0.0
    assert scores.references["dcr_share_closer"] == pytest.approx(0.05, abs=0.01)
    said = readings(scores)
    assert "95% interval" in said["tstr_ratio"] and "held-out real rows score" in said["quality"]
    assert "95% interval" in said["quality"]


@pytest.mark.parametrize("sample", ["penguins", "birthwt", "msleep", "air_daily"])
def test_the_fast_quality_behind_the_interval_is_sdmetrics_report(sample):
    """The numpy replica scores what sdmetrics' QualityReport scores, on tables with labels, numbers, dates and
    missing values, for a weak and a good synthesizer."""
    from core.evaluate import scores as module
    from core.io import read_table
    from core.samples import SAMPLES
    from core.synth.run import generate
    from core.workspace import Workspace

    ws = Workspace(read_table(SAMPLES[sample].path), name=sample)
    columns = ws.schema.synth_columns
    real = module._on_one_clock(ws.train[columns])
    for method in ("monte_carlo", "cart"):
        synthetic = module._on_one_clock(generate(ws.train, ws.schema, method, {}, len(real), rng=0).table[columns])
        fast = module._FastQuality(real, synthetic, ws.schema).score(np.arange(len(real)), np.arange(len(synthetic)))
        assert fast == pytest.approx(module._overall(*_quality(real, synthetic, ws.schema)), abs=0.01), method


@pytest.mark.parametrize("rows", [None, 60])  # whole tables resampled, or fewer rows with the spread rescaled
def test_the_quality_interval_is_as_wide_as_the_quality_varies_between_samples(monkeypatch, rows):
    """Ten independent pairs of tables (real and a shifted synthetic population): the bootstrap's standard error
    from one pair is about the quality's spread over the pairs, and the intervals cover the mean quality."""
    from core.evaluate import scores as module

    if rows:
        monkeypatch.setattr(module, "QUALITY_ROWS", rows)
    schema = infer_schema(population(200, 0))
    values, errors, intervals = [], [], []
    for seed in range(10):
        real, synthetic = population(200, 100 + seed), population(200, 200 + seed)
        synthetic["x"] = synthetic["x"] + 0.3  # a synthesizer that is off by a bit
        quality = module._overall(*_quality(real, synthetic, schema))
        low, high = module._quality_interval(real, synthetic, schema, np.random.default_rng(seed), quality)
        values.append(quality)
        errors.append((high - low) / (2 * 1.96))
        intervals.append((low, high))
    spread = np.std(values, ddof=1)
    assert 0.6 < np.median(errors) / spread < 1.6, (np.median(errors), spread)  # (seen: 1.05 and 0.92)
    assert sum(low <= np.mean(values) <= high for low, high in intervals) >= 8


def test_copies_in_a_table_of_duplicates_are_read_against_the_copies_real_rows_make():
    """Labels only: most real rows have a twin, so a fresh sample copies training rows as often as held-out real
    rows do, and reads so, not as a privacy risk."""
    rng = np.random.default_rng(0)

    def draw(n):
        return pd.DataFrame({"class": rng.choice(["1st", "2nd", "3rd"], n), "sex": rng.choice(["f", "m"], n),
                             "survived": rng.choice(["yes", "no"], n)})

    real, holdout, fresh = draw(600), draw(200), draw(600)
    scores = evaluate(real, fresh, infer_schema(real, target="survived"), holdout=holdout)
    assert scores.exact_copy_rate == 1.0 and scores.references["exact_copy_rate"] == 1.0
    said = readings(scores)
    assert "privacy risk" not in said["exact_copy_rate"] and "many duplicate rows" in said["exact_copy_rate"]
    assert "no closer to real ones than new real rows" in said["dcr_share_closer"]


def test_shuffled_columns_lose_their_relationships(tables):
    real, holdout, fresh, schema = tables
    rng = np.random.default_rng(3)
    shuffled = fresh.apply(lambda column: column.sample(frac=1, random_state=rng.integers(1_000)).to_numpy())
    good, bad = evaluate(real, fresh, schema, holdout=holdout), evaluate(real, shuffled, schema, holdout=holdout)
    assert bad.column_pair_trends < good.column_pair_trends - 0.1
    assert bad.detection_auc > 0.7
    assert bad.tstr_ratio < 0.85
    assert bad.details["detector leans on"].index[0] in ("x", "z", "group")


def test_scores_without_target_or_holdout_and_bad_input(tables):
    real, _, fresh, schema = tables
    scores = evaluate(real, fresh, schema.with_target(None))
    assert scores.tstr_ratio is None and scores.dcr_share_closer is None
    with pytest.raises(DataError, match="no column 'z'"):
        evaluate(real, fresh.drop(columns="z"), schema)
    with pytest.raises(DataError, match="at least five"):
        evaluate(real.head(3), fresh, schema)


@pytest.mark.parametrize("model", ["random_forest", "linear"])
def test_other_utility_models(tables, model):
    real, holdout, fresh, schema = tables
    assert abs(evaluate(real, fresh, schema, holdout=holdout, model=model).tstr_ratio - 1) < 0.08
    with pytest.raises(DataError, match="Unknown model"):
        evaluate(real, fresh, schema, holdout=holdout, model="svm")


def test_column_distances_and_projection(tables):
    from core.evaluate.compare import column_distances, correlations, projection

    real, _, fresh, schema = tables
    shifted = fresh.assign(w=fresh["w"] + 3, group="high")
    table = column_distances(real, shifted, schema).set_index("column")
    assert table.index[0] in ("w", "group") and table.loc["x", "value"] < 0.06
    assert table.loc["group", "distance"] == "total variation" and table.loc["group", "value"] > 0.4
    assert list(correlations(real, schema).columns) == ["x", "z", "w"]
    points = projection(real, fresh, schema)
    assert set(points["table"]) == {"real", "synthetic"} and len(points.attrs["explained"]) == 2


def test_diagnostics_and_distance_details(tables):
    real, holdout, fresh, schema = tables
    scores = evaluate(real, fresh, schema, holdout=holdout)
    assert scores.validity > 0.95 and scores.structure == 1.0
    assert len(scores.details["dcr synthetic"]) == len(fresh) and len(scores.details["dcr holdout"]) == len(holdout)
    assert 0.3 < scores.details["nndr"] <= 1
    copy = evaluate(real, real.copy(), schema, holdout=holdout)
    assert copy.details["nndr"] < 0.05


def test_mixed_kind_dependence_and_group_summaries(tables):
    from core.evaluate.compare import correlations, group_summary

    real, _, fresh, schema = tables
    for method in ("cramers_v", "nmi"):
        matrix = correlations(real, schema, method)
        assert list(matrix.columns) == ["x", "z", "w", "group"]
        assert matrix.loc["x", "group"] > matrix.loc["w", "group"] + 0.2  # group follows x, not w
        assert np.allclose(matrix, matrix.T) and np.allclose(np.diag(matrix), 1)
    from scipy.stats.contingency import association

    rng = np.random.default_rng(3)
    for rows, columns in ((2, 2), (3, 7), (12, 5)):  # against scipy's Cramér's V of the full contingency table
        a = rng.integers(0, rows, 400)
        b = (a + rng.integers(0, columns, 400)) % columns
        table = pd.crosstab(a, b).to_numpy()
        assert cramers_v(a, b) == pytest.approx(association(table, method="cramer", correction=False))
    assert np.isnan(cramers_v(np.zeros(10, dtype=int), rng.integers(0, 3, 10)))
    summary = group_summary(real, fresh, "group", "x").set_index("group")
    assert summary["share real"].sum() == pytest.approx(1) and summary.loc["high", "mean real"] > 0
    assert abs(summary.loc["high", "mean real"] - summary.loc["high", "mean synthetic"]) < 0.1


def test_groups_name_missing_labels_and_read_whole_numbers_alike():
    from core.evaluate.compare import group_summary
    from core.plots import conditional_figure

    real = pd.DataFrame({"g": [1, 1, 2, None, None, None], "x": [1.0, 2, 3, 4, 5, 6]})
    real["g"] = real["g"].astype("Int64")
    synthetic = pd.DataFrame({"g": [1.0, 2.0, 2.0, np.nan], "x": [1.0, 3, 3, 5]})  # floats, as a model writes
    summary = group_summary(real, synthetic, "g", "x").set_index("g")
    assert list(summary.index) == ["(missing)", "1", "2"]
    assert summary.loc["(missing)", "share real"] == pytest.approx(0.5)
    assert summary.loc["1", "share synthetic"] == pytest.approx(0.25) and summary.loc["2", "mean synthetic"] == 3
    named = pd.DataFrame({"g": ["nan", "a", None, "a"], "x": [1.0, 2, 3, 4]})
    assert set(group_summary(named, named, "g", "x")["g"]) == {"nan", "a", "(missing)"}
    fig = conditional_figure(real, synthetic, "x", "g")
    assert list(fig.layout.xaxis.categoryarray) == ["(missing)", "1", "2"]
    assert set(fig.data[1].x) == {"1", "2", "(missing)"} and len(fig.data[1].y) == 4


def test_exact_copies_count_after_rounding_to_the_real_precision_and_types():
    rng = np.random.default_rng(11)
    n = 500
    real = pd.DataFrame({"age": rng.integers(18, 90, n), "bmi": rng.normal(27, 4, n).round(1),
                         "price": rng.gamma(2, 3, n).round(2), "tiny": rng.normal(0, 1e-7, n),
                         "town": rng.choice(["north", "south", "east", "west"], n),
                         "code": rng.integers(1, 6, n).astype(object),
                         "seen": pd.date_range("2024-01-01", periods=n, freq="D", tz="UTC"),
                         "flag": rng.random(n) < 0.5})
    copies = real.sample(n=200, random_state=1).reset_index(drop=True)
    copies = copies.assign(age=copies["age"].astype(float),  # int -> float
                           bmi=copies["bmi"] + 1e-12, price=copies["price"] - 1e-12,  # float noise
                           tiny=copies["tiny"] * (1 + 1e-13),
                           town=copies["town"].astype("category"),  # object -> category
                           code=copies["code"].astype(str).astype("category"),  # 3 -> "3"
                           seen=copies["seen"].dt.tz_convert("Asia/Tokyo"))  # the same instant elsewhere
    fresh = pd.DataFrame({"age": rng.integers(18, 90, 300), "bmi": rng.normal(27, 4, 300).round(1) + 100,
                          "price": rng.gamma(2, 3, 300).round(2), "tiny": rng.normal(0, 1e-7, 300),
                          "town": rng.choice(["north", "south"], 300), "code": rng.integers(1, 6, 300).astype(object),
                          "seen": pd.date_range("2030-01-01", periods=300, freq="D", tz="UTC"),
                          "flag": rng.random(300) < 0.5})
    synthetic = pd.concat([copies, fresh.astype({"town": "category"})], ignore_index=True)
    from core.evaluate.scores import CopyIndex

    def _exact_copy_rate(real, synthetic):
        return CopyIndex(real).copies(synthetic).mean()

    assert _exact_copy_rate(real, synthetic) == pytest.approx(0.4)
    near = copies.assign(bmi=copies["bmi"] + 0.1)  # one step of the real precision away: not a copy
    assert _exact_copy_rate(real, near) == 0.0
    small = copies.assign(tiny=copies["tiny"] * 1.001)  # a tiny column is compared on its own scale
    assert _exact_copy_rate(real, small) == 0.0


@pytest.mark.parametrize("levels", [300, 5_000])
def test_scores_take_label_columns_with_many_levels(levels):
    def table(n, seed):
        rng = np.random.default_rng(seed)
        x = rng.normal(size=n)
        return pd.DataFrame({"x": x.round(6), "city": [f"town {i}" for i in rng.integers(0, levels, n)],
                             "group": np.where(x + 0.3 * rng.normal(size=n) > 0, "high", "low")})

    real, synthetic, holdout = table(600, 0), table(600, 1), table(200, 2)
    schema = infer_schema(real, target="group")
    assert schema.kinds["city"] == "categorical"
    rng = np.random.default_rng(0)
    for model in TSTR_MODELS:  # the utility score's models, as evaluate calls them
        assert abs(_tstr(real, synthetic, holdout, schema, rng, model) - 1) < 0.1
    spike = synthetic.assign(city=synthetic["city"].where(np.arange(len(synthetic)) % 2 == 0, "town 0"))
    assert 0.35 < _detection(real, synthetic, rng)[0] < 0.65
    assert _detection(real, spike, rng)[0] > 0.65  # half the rows in one level
    assert 0 <= _quality(real, synthetic, schema)[0] <= 1


def test_scores_run_their_models_on_one_openmp_thread(tables, monkeypatch):
    """Several sessions score at once on a shared server: gradient boosting must not spread over every core."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.utils._openmp_helpers import _openmp_effective_n_threads

    seen, fit = [], HistGradientBoostingClassifier.fit

    def counting_fit(self, *args, **kwargs):
        seen.append(_openmp_effective_n_threads())
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(HistGradientBoostingClassifier, "fit", counting_fit)
    real, holdout, synthetic, schema = tables
    evaluate(real, synthetic, schema, holdout=holdout)
    assert seen and set(seen) == {1}


def test_infinite_values_in_the_real_table_count_as_missing_in_every_score(tables):
    from core.evaluate.compare import projection

    real, holdout, synthetic, schema = tables
    real = real.copy()
    real.loc[:5, "x"] = np.inf
    real.loc[6:8, "w"] = -np.inf
    scores = evaluate(real, synthetic, schema, holdout=holdout)
    assert 0 <= scores.quality <= 1 and scores.dcr_share_closer is not None
    target_x = infer_schema(real, target="x")
    assert evaluate(real, synthetic, target_x, holdout=holdout).tstr_ratio is not None
    assert len(projection(real, synthetic, schema)) > 0


def test_an_undefined_tstr_says_why_rather_than_asking_for_a_target():
    """With a target, a missing ratio is never read as 'no target column': too few held-out rows, or a real model no
    better than a constant on them (a constant number target in the holdout), each gets its own sentence."""
    real, fresh = population(300, 0), population(300, 2)
    schema = infer_schema(real, target="x")
    assert readings(evaluate(real, fresh, schema))["tstr_ratio"].startswith(
        "not defined: fewer than five held-out rows have a value of 'x'")
    flat = population(100, 1).assign(x=1.0)
    scores = evaluate(real, fresh, schema, holdout=flat)
    assert scores.tstr_ratio is None
    assert "does no better than a constant" in readings(scores)["tstr_ratio"]
    assert readings(evaluate(real, fresh, schema.with_target(None)))["tstr_ratio"].startswith("no target column")


def test_the_quality_interval_takes_many_labels_dates_as_text_and_a_column_that_cannot_be_scored():
    """Labels with thousands of values are counted cell by seen cell (the same numbers as the full table, without
    it); a date held as text counts as a label instead of failing; a quality that cannot be computed has no
    interval rather than (nan, nan)."""
    from core.evaluate import scores as module

    fast, rng = module._FastQuality, np.random.default_rng(0)
    for _ in range(5):
        a = [rng.integers(0, 7, 300), rng.integers(0, 7, 250)]
        b = [(a[0] + rng.integers(0, 3, 300)) % 9, rng.integers(0, 9, 250)]
        real, synthetic = fast._frequencies([x * 9 + y for x, y in zip(a, b, strict=True)], 63)
        assert cramers_v(a[0], b[0]) == pytest.approx(fast._cramers_v(real.reshape(7, 9)))
        assert fast._sparse_tv(a, b) == pytest.approx(fast._tv(real, synthetic))
    wide = pd.DataFrame({"city": [f"c{i}" for i in rng.integers(0, 3_000, 4_000)],
                         "street": [f"s{i}" for i in rng.integers(0, 3_000, 4_000)]})
    wide["district"] = wide["city"].str[:3]
    schema = infer_schema(wide).with_kind("city", "categorical").with_kind("street", "categorical")
    low, high = module._quality_interval(wide, wide.sample(frac=1, random_state=1), schema, rng, 0.9)
    assert low <= 0.9 <= high
    dates = pd.DataFrame({"when": [f"2020-01-0{i % 9 + 1}" for i in range(60)], "v": rng.normal(size=60)})
    schema = infer_schema(dates).with_kind("when", "datetime")
    assert np.isfinite(module._FastQuality(dates, dates, schema).score(np.arange(60), np.arange(60)))
    empty = pd.DataFrame({"x": rng.normal(size=40)})
    with pytest.raises(DataError, match="synthetic column 'x' has no value"):  # (its quality was NaN, unsaid)
        evaluate(empty, empty.assign(x=np.nan), infer_schema(empty))


def test_columns_numpy_cannot_cut_into_bins_are_scored_all_the_same():
    """Whole numbers near 1e18 that sit closer together than floats' steps there, and a column spread from
    -1e308 to 1e308: no bin edges numpy can make, scores all the same."""
    rng = np.random.default_rng(1)
    real = pd.DataFrame({"code": np.array([10**18 + i for i in range(60)], dtype=np.int64),
                         "wide": [1e308, -1e308, 0.5, 1.0] * 15, "x": rng.normal(size=60)})
    synthetic = real.sample(frac=1, random_state=2).reset_index(drop=True)
    synthetic["x"] = rng.normal(size=60)
    scores = evaluate(real, synthetic, infer_schema(real))
    assert 0 <= scores.quality <= 1


def _labelled(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    return pd.DataFrame({"x": x, "z": rng.normal(size=n), "c": rng.choice(["a", "b", "c"], n),
                         "y": np.where(x + rng.normal(0, 0.5, n) > 0, "1", "0")})


@pytest.mark.parametrize(("change", "said"), [
    (lambda s: s.assign(x="many"), "synthetic column 'x' holds object values where the real one"),
    (lambda s: s.assign(x=np.nan), "synthetic column 'x' has no value"),
    (lambda s: s.assign(x=np.inf), "synthetic column 'x' has no value"),
    (lambda s: pd.concat([s, s[["x"]]], axis=1), "more than one column named 'x'"),
])
def test_a_synthetic_table_of_other_kinds_is_a_sentence(change, said):
    real, holdout = _labelled(200, 0), _labelled(80, 1)
    schema = infer_schema(real, target="y")
    with pytest.raises(DataError, match=said):
        evaluate(real, change(_labelled(200, 2)), schema, holdout=holdout)
    with pytest.raises(DataError, match="holdout has no column 'z'"):
        evaluate(real, _labelled(200, 2), schema, holdout=holdout.drop(columns="z"))


def test_labels_written_as_numbers_or_text_are_the_same_classes_in_every_table():
    real, synthetic, holdout = _labelled(300, 0), _labelled(300, 2), _labelled(120, 1)
    schema = infer_schema(real, target="y")
    same = evaluate(real, synthetic, schema, holdout=holdout)
    mixed = evaluate(real, synthetic.assign(y=synthetic["y"].astype(int)), schema,
                     holdout=holdout.assign(y=holdout["y"].astype(float)))  # 1, 1.0 and '1' are one class
    assert mixed.quality == pytest.approx(same.quality)
    assert mixed.dcr_share_closer == pytest.approx(same.dcr_share_closer)


def test_an_unknown_measure_of_dependence_or_no_rows_is_a_sentence():
    from core.errors import ParameterError
    from core.evaluate.compare import correlations

    real = _labelled(50, 0)
    schema = infer_schema(real)
    with pytest.raises(ParameterError, match="no measure of dependence 'kendalll'"):  # (it gave Cramér's V)
        correlations(real, schema, "kendalll")
    with pytest.raises(DataError, match="no rows"):
        correlations(real.head(0), schema, "cramers_v")


def test_group_summaries_and_projections_of_odd_tables_are_sentences():
    from core.evaluate.compare import group_summary, projection

    real = _labelled(50, 0)
    for group, value, table in (("c", "c", real), ("nope", "x", real), ("c", "y", real),
                                ("c", "x", real.drop(columns="x"))):
        with pytest.raises(DataError):
            group_summary(real, table, group, value)
    with pytest.raises(DataError, match="projection needs"):
        projection(real.head(1), real, infer_schema(real))


def test_tables_read_but_not_typed_are_scored_as_typed_ones():
    """A synthetic CSV read back holds its numbers as numbers but a date column as text; both tables are typed as
    core.schema.coerce types them (the real one was refused as if it were the synthetic)."""
    real = _labelled(200, 0).assign(when=pd.date_range("2024-01-01", periods=200, freq="D"))
    synthetic = _labelled(200, 1).assign(when=pd.date_range("2024-02-01", periods=200, freq="D"))
    schema = infer_schema(real)
    typed = evaluate(real, synthetic, schema)
    as_text = evaluate(real.assign(when=real["when"].dt.strftime("%Y-%m-%d")),
                       synthetic.assign(when=synthetic["when"].dt.strftime("%Y-%m-%d"), x=synthetic["x"].astype(str)),
                       schema)
    assert as_text.quality == pytest.approx(typed.quality, abs=1e-9)


def test_a_few_synthetic_rows_beside_a_holdout_are_scored_without_the_attacks():
    """Fewer than ten synthetic rows with a holdout of ten or more failed every score with the attacks' sentence."""
    real, holdout = _labelled(200, 0), _labelled(40, 2)
    scores = evaluate(real, _labelled(7, 1), infer_schema(real), holdout=holdout)
    assert 0 <= scores.quality <= 1 and scores.risks == {} and "risks undefined" in scores.details


def test_the_quality_reading_of_a_one_column_table_says_no_pair_was_compared():
    from core.evaluate.scores import readings

    rng = np.random.default_rng(0)
    real = pd.DataFrame({"x": rng.normal(size=100)})
    scores = evaluate(real, pd.DataFrame({"x": rng.normal(size=100)}), infer_schema(real))
    assert np.isnan(scores.column_pair_trends) and "no pair of columns was compared" in readings(scores)["quality"]
