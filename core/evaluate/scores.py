"""Honest scores for a synthetic table: fidelity, detection, utility and privacy.

* ``quality``: sdmetrics' QualityReport (the mean of Column Shapes, KS / TV complement per column,
  and Column Pair Trends, correlation / contingency similarity per pair), with both parts kept.
* ``detection_auc``: cross-validated ROC AUC of a gradient-boosting classifier (scikit-learn's
  HistGradientBoosting: a weak detector misses what gives synthetic rows away) told to separate
  real training rows from synthetic rows; 0.5 means it can't.
* ``tstr_ratio`` (train on synthetic, test on real): the target's score (accuracy for classes, R²
  for numbers) of a model trained on the synthetic rows and tested on the real holdout, divided by
  the same model trained on the real training rows; None without a target or a holdout.
* ``exact_copy_rate``: the share of synthetic rows identical to a real training row once both are
  written alike: numbers at the real column's precision, dates as instants at its resolution,
  labels as text, whatever the dtypes.
* ``dcr_share_closer``: the share of synthetic rows whose distance to the closest real training
  row (DCR) is below the 5th percentile of the same distance for real holdout rows (Platzer &
  Reutterer 2021): about 0.05 when synthetic rows are as far from the training rows as new real
  rows are, near 1 for a copy. Distances are on standardised numbers and one-hot labels.

Every score from a finite sample carries its uncertainty in ``intervals`` (95%): the detection AUC's
over the cross-validation folds (``detection_interval``), TSTR's a paired bootstrap of the holdout
(:mod:`core.evaluate.utility`), the exact-copy rate's Wilson's interval for a proportion, the DCR
share's a bootstrap of the synthetic and held-out distances (the 5th-percentile threshold drawn anew
in each resample), and the quality's the value ± 1.96 bootstrap standard errors (both tables resampled;
see :func:`_quality_interval`). And what real data scores is kept in ``references``: the held-out real rows scored
against the training rows as if they were a synthetic table (the detection AUC in
``detection_reference``, the quality, and the exact-copy rate: a table with many duplicate rows has
copies between any two of its samples, so a synthetic table's copies are read against that).
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.neighbors import NearestNeighbors
from threadpoolctl import threadpool_limits

from core.errors import DataError, SchemaError
from core.evaluate.compare import RowEncoder, cramers_v, encode_rows
from core.evaluate.privacy import risks
from core.params import generator as as_generator
from core.schema import LABELS, NUMERIC, Kind, Schema, label_text, to_floats, typed
from core.synth.base import date_unit, decimals

DETECTION_ROWS = 20_000
FOLDS = 5
IMPORTANCE_ROWS = 10_000  # rows the detector's permutation importance is measured on
REFERENCE_ROWS = 5_000  # rows of each side for the reference (held-out real rows against the training rows)
PMSE_LEVELS = 20  # a label column's most common values the propensity model tells apart
PRIVACY_ROWS = 20_000
BOOTSTRAP = 200  # resamples behind a bootstrap interval
QUALITY_RESAMPLES = 50  # resamples behind the quality's standard error ...
QUALITY_ROWS = 5_000  # ... of at most this many rows a side, the spread rescaled to the tables' own sizes


@dataclass
class Scores:
    quality: float
    column_shapes: float
    column_pair_trends: float
    detection_auc: float
    tstr_ratio: float | None
    exact_copy_rate: float
    dcr_share_closer: float | None
    validity: float = float("nan")  # sdmetrics DiagnosticReport: values in the real ranges and categories
    structure: float = float("nan")  # same columns and types
    details: dict = field(default_factory=dict)
    detection_interval: tuple[float, float] = (float("nan"), float("nan"))  # 95% over the folds
    detection_reference: float | None = None  # held-out real rows against the training rows: what real data scores
    pmse: float = float("nan")  # propensity mean squared error (Snoke et al. 2018)
    s_pmse: float = float("nan")  # pMSE over its expectation when both tables come from one distribution
    utility: pd.DataFrame | None = None  # per training set (real, synthetic, real+synthetic), per metric
    risks: dict = field(default_factory=dict)  # attack-based privacy risks (core.evaluate.privacy.Risk)
    intervals: dict = field(default_factory=dict)  # {score: (low, high)}, 95%: tstr_ratio, exact_copy_rate, ...
    references: dict = field(default_factory=dict)  # {score: what held-out real rows score}: quality, ...


TSTR_MODELS = ("gradient_boosting", "random_forest", "linear")


def evaluate(real: pd.DataFrame, synthetic: pd.DataFrame, schema: Schema, *,
             holdout: pd.DataFrame | None = None, rng=0, model: str = "gradient_boosting") -> Scores:
    """Score ``synthetic`` against the real training rows (and the real ``holdout``, when given).

    The models run on one OpenMP thread: on a shared server several sessions score at once, and
    gradient boosting's threads spin-waiting for a busy core made one small table's scores take
    from 1 s to 90 s; one thread each keeps them at about a second."""
    with threadpool_limits(limits=1, user_api="openmp"):
        return _evaluate(real, synthetic, schema, holdout=holdout, rng=rng, model=model)


def _comparable(table: pd.DataFrame, real: pd.DataFrame, columns: list, schema: Schema, what: str) -> pd.DataFrame:
    """``table``'s columns, each of its kind as the real one is (a DataError naming the first that is not), labels
    written as text alike (so 1, 1.0 and '1' are one class in every table, as the copy rate reads them)."""
    if table.columns.duplicated().any():
        raise DataError(f"The {what} table has more than one column named "
                        f"{table.columns[table.columns.duplicated()][0]!r}.")
    out = table[columns].copy()
    for column in columns:
        kind, values = schema.kinds[column], out[column]
        if kind in LABELS:
            out[column] = values.map(label_text, na_action="ignore").astype(object)
            continue
        if values.isna().all():
            continue
        numbers = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
        dates = pd.api.types.is_datetime64_any_dtype(values)
        if (kind in NUMERIC and not numbers) or (kind == Kind.DATETIME and not dates):
            if what == "real":  # (the schema says one kind, the table holds another: a table read, not typed)
                raise DataError(f"The real column {column!r} is {kind} in the schema but holds {values.dtype} values.",
                                hint="Type the table first: core.schema.coerce(df, schema) (a Workspace does it).")
            raise DataError(f"The {what} column {column!r} holds {values.dtype} values where the real one holds "
                            f"{kind} ones, so the two cannot be compared.",
                            hint="Score tables of the same kinds of column (a run of this table, unchanged).")
    if what != "real":
        for column in columns:
            values = out[column]
            finite = real[column].notna() if schema.kinds[column] not in NUMERIC else \
                np.isfinite(to_floats(real[column]))
            present = values.notna() if schema.kinds[column] not in NUMERIC else np.isfinite(to_floats(values))
            if finite.any() and not present.any():
                raise DataError(f"The {what} column {column!r} has no value (every row is missing or infinite), so "
                                "it cannot be scored against the real one.")
    return out


def _evaluate(real: pd.DataFrame, synthetic: pd.DataFrame, schema: Schema, *, holdout: pd.DataFrame | None,
              rng, model: str) -> Scores:
    columns = [c for c in schema.synth_columns if c in real.columns]
    missing = [c for c in columns if c not in synthetic.columns]
    if missing:
        raise DataError(f"The synthetic table has no column {missing[0]!r}.")
    lacking = [c for c in columns if holdout is not None and c not in holdout.columns]
    if lacking:
        raise DataError(f"The holdout has no column {lacking[0]!r}.")
    if len(real) < 5 or len(synthetic) < 5:
        raise DataError("Scores need at least five real and five synthetic rows.")
    real = typed(real, schema)[0]  # (tables read but not typed: dates and numbers as text are typed as coerce does)
    holdout = None if holdout is None else typed(holdout, schema)[0]
    with contextlib.suppress(SchemaError):  # (said below, as a synthetic column that cannot be compared)
        synthetic = typed(synthetic, schema)[0]
    real = _comparable(real, real, columns, schema, "real")
    synthetic = _comparable(synthetic, real, columns, schema, "synthetic")
    holdout = _comparable(holdout, real, columns, schema, "held-out") \
        if holdout is not None and len(holdout) >= 5 else None
    real, synthetic = _on_one_clock(real), _on_one_clock(synthetic)
    holdout = _on_one_clock(holdout) if holdout is not None else None
    generator = as_generator(rng)
    shapes, trends = _quality(real, synthetic, schema)
    quality = _overall(shapes, trends)
    validity, structure = _diagnostic(real, synthetic, schema)
    detection, interval, leaning = _detection(real, synthetic, generator)
    reference = _detection(real, holdout, generator, explain=False, rows=REFERENCE_ROWS)[0] \
        if holdout is not None else None
    pmse, s_pmse, propensity, pmse_null = _pmse(real, synthetic, schema, generator)
    if model not in TSTR_MODELS:
        raise DataError(f"Unknown model '{model}' for the utility score.", hint="Use one of: " + ", ".join(TSTR_MODELS))
    utility = _utility(real, synthetic, holdout, schema, generator, model) if schema.target in columns else None
    tstr = _ratio(utility) if utility is not None else \
        _tstr(real, synthetic, holdout, schema, generator, model) if schema.target in columns else None
    index = CopyIndex(real)
    copied = index.copies(synthetic)
    copies = float(copied.mean())
    intervals = {"exact_copy_rate": _proportion_interval(int(copied.sum()), len(copied))}
    if utility is not None and np.isfinite(utility.attrs["tstr_interval"][0]):
        intervals["tstr_ratio"] = utility.attrs["tstr_interval"]
    details = {"detector leans on": leaning, "propensity model": propensity, "s_pmse null": pmse_null}
    if tstr is None and schema.target in columns:
        few = holdout is None or holdout[schema.target].notna().sum() < 5
        details["tstr undefined"] = (
            f"fewer than five held-out rows have a value of '{schema.target}' to test a model on" if few else
            "the model trained on real rows does no better than a constant on the held-out rows, so there is no "
            "ratio to take")
    dcr, attacks, references = None, {}, {}
    if holdout is not None:
        dcr, intervals["dcr_share_closer"], references["dcr_share_closer"], distances = _dcr_share_closer(
            real, synthetic, holdout, schema, generator)
        details.update(distances)
        references["exact_copy_rate"] = float(index.copies(holdout).mean())
        references["quality"] = _reference_quality(real, holdout, schema, generator)
        details["reference rows"] = min(len(holdout), REFERENCE_ROWS)
        if min(len(holdout), len(real), len(synthetic)) >= 10:
            attacks = risks(real, synthetic, holdout, schema, rng=generator)
        else:
            details["risks undefined"] = "attack-based privacy risks need at least ten training, held-out and " \
                                         "synthetic rows"
    # (drawn last, so that every draw before it stays what it was)
    quality_interval = _quality_interval(real, synthetic, schema, generator, quality)
    if np.isfinite(quality_interval[0]):
        intervals["quality"] = quality_interval
    return Scores(quality=quality, column_shapes=shapes,
                  column_pair_trends=trends, detection_auc=detection, tstr_ratio=tstr, exact_copy_rate=copies,
                  dcr_share_closer=dcr, validity=validity, structure=structure, details=details,
                  detection_interval=interval, detection_reference=reference, pmse=pmse, s_pmse=s_pmse,
                  utility=utility, risks=attacks, intervals=intervals, references=references)


def _at_most(df: pd.DataFrame, n: int, rng: np.random.Generator) -> pd.DataFrame:
    """``df``, or a seeded sample of ``n`` of its rows when it has more."""
    return df.sample(n=n, random_state=rng.integers(2**31 - 1)) if len(df) > n else df


def _proportion_interval(count: int, total: int) -> tuple[float, float]:
    """Wilson's 95% interval for a proportion of ``count`` in ``total`` (it keeps within 0..1 and is not empty at
    0, where the normal approximation is)."""
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(count, total, alpha=0.05, method="wilson")
    return float(low), float(high)


def _reference_quality(real: pd.DataFrame, holdout: pd.DataFrame, schema: Schema, rng: np.random.Generator) -> float:
    """The quality of the held-out real rows against (at most ``REFERENCE_ROWS`` of) the training rows."""
    return _overall(*_quality(_at_most(real, REFERENCE_ROWS, rng), _at_most(holdout, REFERENCE_ROWS, rng), schema))


def _overall(shapes: float, trends: float) -> float:
    """The quality: the mean of Column Shapes and Column Pair Trends (shapes alone for a table of one column)."""
    return (shapes + trends) / 2 if np.isfinite(trends) else shapes


def _quality_interval(real: pd.DataFrame, synthetic: pd.DataFrame, schema: Schema, rng: np.random.Generator,
                      quality: float) -> tuple[float, float]:
    """A 95% interval for the quality: ``quality`` ± 1.96 bootstrap standard errors, within 0..1 (nan, nan when the
    resamples cannot be scored). Each of ``QUALITY_RESAMPLES`` resamples draws the rows of both tables again with
    replacement, at most ``QUALITY_ROWS`` a side, and its variance is rescaled from the resampled sizes to the
    tables' own as 1/n_real + 1/n_synthetic (the quality's parts are distances between two samples, whose variance
    shrinks so). The resamples are scored by :class:`_FastQuality`, the report's metrics in numpy (sdmetrics spends
    about 6 ms a column pair whatever the rows, which twenty reports of a wide table would multiply). The spread is
    used, not the resamples' percentiles: resampling repeats rows, which lowers every resample's quality by itself."""
    m_real, m_synthetic = min(len(real), QUALITY_ROWS), min(len(synthetic), QUALITY_ROWS)
    fast = _FastQuality(real, synthetic, schema)
    values = np.array([fast.score(rng.integers(len(real), size=m_real), rng.integers(len(synthetic), size=m_synthetic))
                       for _ in range(QUALITY_RESAMPLES)])
    values = values[np.isfinite(values)]
    if len(values) < 2 or not np.isfinite(quality):
        return float("nan"), float("nan")
    error = values.std(ddof=1) * np.sqrt((1 / len(real) + 1 / len(synthetic)) / (1 / m_real + 1 / m_synthetic))
    return float(max(0.0, quality - 1.96 * error)), float(min(1.0, quality + 1.96 * error))


class _FastQuality:
    """sdmetrics' QualityReport in numpy, for rows picked from two fixed tables: Column Shapes (KS complement of a
    number or date, TV complement of a label) and Column Pair Trends (1 − |Δ Pearson| / 2 for two numbers, else
    1 − the total variation distance of the pair's joint frequencies, a number cut as the report cuts it: ten
    equal-width bins over each table's own range, np.digitize, so its largest value and its missing ones share the
    last code), over the pairs the report scores: those whose real rows are correlated beyond 0.5 (two numbers) or
    associated beyond 0.3 (Cramér's V), judged on the rows picked, as the report would. Missing labels are a value
    of their own; a number's missing values are left out of its shape and correlations. The report's value on the
    same rows (tested); used for the quality's spread."""

    BINS = 10
    DENSE = 65_536  # joint tables of at most this many cells are counted in full, larger ones cell by seen cell
    CORRELATION, ASSOCIATION = 0.5, 0.3  # sdmetrics' thresholds for a pair to be scored

    def __init__(self, real: pd.DataFrame, synthetic: pd.DataFrame, schema: Schema) -> None:
        self.floats, self.codes, self.levels = {}, {}, {}
        for column in real.columns:
            kind = schema.kinds.get(column)
            pair = self._as_floats(real[column], synthetic[column]) if kind in NUMERIC or kind == Kind.DATETIME \
                else None
            if pair is not None:
                self.floats[column] = [np.where(np.isfinite(v), v, np.nan) for v in pair]
                self.levels[column] = self.BINS + 2  # (np.digitize's codes 0 to BINS + 1)
            else:  # a label, or a number or date held as text (the report leaves those out; they count as labels)
                both = pd.concat([real[column], synthetic[column]], ignore_index=True)
                codes, uniques = pd.factorize(both.map(lambda v: None if pd.isna(v) else label_text(v)),
                                              use_na_sentinel=False)
                self.codes[column] = [codes[:len(real)], codes[len(real):]]
                self.levels[column] = len(uniques)
        self.columns = list(real.columns)

    def score(self, rows_real: np.ndarray, rows_synthetic: np.ndarray) -> float:
        """The quality of the real rows ``rows_real`` against the synthetic rows ``rows_synthetic``."""
        picked = (rows_real, rows_synthetic)
        floats = {c: [v[i] for v, i in zip(self.floats[c], picked, strict=True)] for c in self.floats}
        codes = {c: [self._bins(v) for v in floats[c]] if c in floats else
                 [v[i] for v, i in zip(self.codes[c], picked, strict=True)] for c in self.columns}
        shapes = [self._ks(*floats[c]) if c in floats else self._tv(*self._frequencies(codes[c], self.levels[c]))
                  for c in self.columns]
        trends = []
        for i, a in enumerate(self.columns):
            for b in self.columns[i + 1:]:
                if a in floats and b in floats:
                    real, synthetic = (self._pearson(x, y) for x, y in zip(floats[a], floats[b], strict=True))
                    if np.isfinite(real) and abs(real) > self.CORRELATION:
                        trends.append(1 - abs(real - synthetic) / 2 if np.isfinite(synthetic) else np.nan)
                    continue
                if self.levels[a] * self.levels[b] <= self.DENSE:
                    joint = [x * self.levels[b] + y for x, y in zip(codes[a], codes[b], strict=True)]
                    real, synthetic = self._frequencies(joint, self.levels[a] * self.levels[b])
                    if self._cramers_v(real.reshape(self.levels[a], self.levels[b])) > self.ASSOCIATION:
                        trends.append(self._tv(real, synthetic))
                elif cramers_v(codes[a][0], codes[b][0]) > self.ASSOCIATION:
                    trends.append(self._sparse_tv(codes[a], codes[b]))
        shapes, trends = np.array(shapes, dtype=float), np.array(trends, dtype=float)
        shape = np.nanmean(shapes) if np.isfinite(shapes).any() else np.nan
        trend = np.nanmean(trends) if np.isfinite(trends).any() else np.nan
        return _overall(shape, trend)

    @staticmethod
    def _as_floats(real: pd.Series, synthetic: pd.Series) -> list[np.ndarray] | None:
        try:
            return [to_floats(real), to_floats(synthetic)]
        except (ValueError, TypeError):
            return None

    @classmethod
    def _bins(cls, values: np.ndarray) -> np.ndarray:
        seen = values[np.isfinite(values)]
        if not len(seen):
            return np.full(len(values), cls.BINS + 1)
        try:
            with np.errstate(over="ignore", invalid="ignore"):
                return np.digitize(values, np.histogram_bin_edges(seen, bins=cls.BINS))
        except ValueError:  # a range numpy can't cut (wider than floats hold, or narrower than their steps)
            low = seen.min()
            return np.digitize(values / 4 - low / 4, np.linspace(0, seen.max() / 4 - low / 4, cls.BINS + 1))

    @staticmethod
    def _ks(real: np.ndarray, synthetic: np.ndarray) -> float:
        real, synthetic = np.sort(real[np.isfinite(real)]), np.sort(synthetic[np.isfinite(synthetic)])
        if not len(real) or not len(synthetic):
            return np.nan
        grid = np.concatenate([real, synthetic])
        gap = np.abs(np.searchsorted(real, grid, side="right") / len(real)
                     - np.searchsorted(synthetic, grid, side="right") / len(synthetic))
        return 1 - float(gap.max())

    @staticmethod
    def _frequencies(codes: list[np.ndarray], levels: int) -> list[np.ndarray]:
        return [np.bincount(c, minlength=levels) / max(len(c), 1) for c in codes]

    @staticmethod
    def _tv(real: np.ndarray, synthetic: np.ndarray) -> float:
        return 1 - 0.5 * float(np.abs(real - synthetic).sum())

    @staticmethod
    def _pearson(x: np.ndarray, y: np.ndarray) -> float:
        both = np.isfinite(x) & np.isfinite(y)
        x, y = x[both], y[both]
        return np.nan if len(x) < 2 or x.std() == 0 or y.std() == 0 else float(np.corrcoef(x, y)[0, 1])

    @staticmethod
    def _sparse_tv(a: list[np.ndarray], b: list[np.ndarray]) -> float:
        """1 − the total variation distance of two tables' joint frequencies, from the cells either has."""
        width = int(max(b[0].max(), b[1].max())) + 1
        keys, weights = [], []
        for x, y, sign in zip(a, b, (1.0, -1.0), strict=True):
            cells, counts = np.unique(x.astype(np.int64) * width + y, return_counts=True)
            keys.append(cells)
            weights.append(sign * counts / len(x))
        _, where = np.unique(np.concatenate(keys), return_inverse=True)
        return 1 - 0.5 * float(np.abs(np.bincount(where, weights=np.concatenate(weights))).sum())

    @staticmethod
    def _cramers_v(table: np.ndarray) -> float:
        """Cramér's V of a table of joint frequencies (scipy's ``association``, without its overhead)."""
        table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
        if min(table.shape) < 2:
            return np.nan
        expected = np.outer(table.sum(axis=1), table.sum(axis=0))  # (frequencies: the total is 1)
        chi2 = float(((table - expected) ** 2 / expected).sum())  # (per row: n cancels in V)
        return float(np.sqrt(chi2 / (min(table.shape) - 1)))


def _utility(real: pd.DataFrame, synthetic: pd.DataFrame, holdout: pd.DataFrame | None, schema: Schema,
             rng: np.random.Generator, model: str) -> pd.DataFrame | None:
    """The utility table of :mod:`core.evaluate.utility` (None where it cannot be scored, as for one class)."""
    from core.evaluate.utility import utility_table

    try:  # (a training set beyond DETECTION_ROWS rows teaches a model little more)
        return utility_table(_at_most(real, DETECTION_ROWS, rng), _at_most(synthetic, DETECTION_ROWS, rng), holdout,
                             schema, rng=rng, model=model)
    except DataError:
        return None


def _ratio(utility: pd.DataFrame) -> float | None:
    """TSTR from the utility table: the synthetic rows' accuracy (R² for a number) over the real rows'."""
    metric = "accuracy" if "accuracy" in utility.columns else "r2"
    real, synthetic = utility.loc["real", metric], utility.loc["synthetic", metric]
    return float(synthetic / real) if np.isfinite(real) and real > 0 and np.isfinite(synthetic) else None


def _on_one_clock(df: pd.DataFrame) -> pd.DataFrame:
    """The rows renumbered, every date column as naive UTC instants, so tables whose dates are kept in
    different time zones (or some with a zone and some without) compare as the instants they are, and
    ±inf in number columns as missing (as the synthesizers and imputers count it)."""
    out = df.reset_index(drop=True)
    for column in out.columns:
        if pd.api.types.is_float_dtype(out[column]):
            out[column] = out[column].replace([np.inf, -np.inf], np.nan)
        elif pd.api.types.is_datetime64_any_dtype(out[column]) or (
                out[column].dtype == object and pd.api.types.infer_dtype(out[column], skipna=True) == "datetime"):
            out[column] = pd.to_datetime(out[column], utc=True).dt.tz_localize(None)
    return out


def _metadata(df: pd.DataFrame, schema: Schema) -> dict:
    sdtype = {**dict.fromkeys(NUMERIC, "numerical"), **dict.fromkeys(LABELS, "categorical"),
              Kind.DATETIME: "datetime"}  # SDMetrics' names for the kinds
    return {"columns": {c: {"sdtype": sdtype.get(schema.kinds[c], "categorical")} for c in df.columns}}


def _quality(real: pd.DataFrame, synthetic: pd.DataFrame, schema: Schema) -> tuple[float, float]:
    with warnings.catch_warnings():  # the single-table report is marked deprecated in favour of a multi-table one
        warnings.simplefilter("ignore")
        from sdmetrics.reports.single_table import QualityReport

        report = QualityReport()
        report.generate(real, synthetic, _metadata(real, schema), verbose=False)
    properties = report.get_properties().set_index("Property")["Score"]
    return float(properties.get("Column Shapes", np.nan)), float(properties.get("Column Pair Trends", np.nan))


def _diagnostic(real: pd.DataFrame, synthetic: pd.DataFrame, schema: Schema) -> tuple[float, float]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from sdmetrics.reports.single_table import DiagnosticReport

        report = DiagnosticReport()
        report.generate(real, synthetic, _metadata(real, schema), verbose=False)
    properties = report.get_properties().set_index("Property")["Score"]
    return float(properties.get("Data Validity", np.nan)), float(properties.get("Data Structure", np.nan))


TREE_LEVELS = 255  # the most categories HistGradientBoosting takes in one feature


def _frames_for_trees(frames: list[pd.DataFrame]) -> list[pd.DataFrame]:
    """Frames HistGradientBoosting reads: dates as numbers, labels as categories shared by all frames.

    A label column with more levels (over all frames) than the model takes keeps the ``TREE_LEVELS`` − 1
    most common levels of the first frame and puts every other value (and every value the first frame
    lacks) into one level, "(other)".
    """
    out = [frame.copy() for frame in frames]
    for column in frames[0].columns:
        if pd.api.types.is_datetime64_any_dtype(frames[0][column]):
            for frame in out:
                frame[column] = to_floats(frame[column])
        elif not pd.api.types.is_numeric_dtype(frames[0][column]) or pd.api.types.is_bool_dtype(frames[0][column]):
            texts = [frame[column].astype(str).where(frame[column].notna()) for frame in out]
            levels = sorted(set().union(*(set(text.dropna()) for text in texts)))
            if len(levels) > TREE_LEVELS:
                levels = [*sorted(texts[0].value_counts().index[: TREE_LEVELS - 1]), OTHER]
                texts = [text.where(text.isin(levels) | text.isna(), OTHER) for text in texts]
            for frame, text in zip(out, texts, strict=True):
                frame[column] = pd.Categorical(text, categories=levels)
    return out


OTHER = "(other)"


def _detection(real: pd.DataFrame, synthetic: pd.DataFrame, rng: np.random.Generator, *, explain: bool = True,
               rows: int = 0) -> tuple[float, tuple[float, float], pd.Series | None]:
    """(cross-validated AUC, its 95% interval over the folds (Student's t), the columns the detector leans on), on
    at most ``rows`` (default ``DETECTION_ROWS``) rows of each table."""
    n = min(len(real), len(synthetic), rows or DETECTION_ROWS)
    a, b = _at_most(real, n, rng), _at_most(synthetic, n, rng)
    both = _frames_for_trees([pd.concat([a, b], ignore_index=True)])[0]
    label = np.r_[np.zeros(len(a)), np.ones(len(b))]
    seed = int(rng.integers(2**31 - 1))
    model = HistGradientBoostingClassifier(categorical_features="from_dtype", max_iter=200, random_state=seed)
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=seed)
    per_fold = cross_val_score(model, both, label, cv=folds, scoring="roc_auc")
    auc = float(per_fold.mean())
    half = float(stats.t.ppf(0.975, FOLDS - 1) * per_fold.std(ddof=1) / np.sqrt(FOLDS))
    interval = (max(0.0, auc - half), min(1.0, auc + half))
    if not explain:
        return auc, interval, None
    from sklearn.inspection import permutation_importance

    model.fit(both, label)
    shown = rng.choice(len(both), size=min(len(both), IMPORTANCE_ROWS), replace=False)  # (enough to rank columns)
    importance = permutation_importance(model, both.iloc[shown], label[shown], scoring="roc_auc", n_repeats=3,
                                        random_state=seed)
    leaning = pd.Series(importance.importances_mean, index=both.columns).sort_values(ascending=False)
    return auc, interval, leaning


def _pmse(real: pd.DataFrame, synthetic: pd.DataFrame, schema: Schema, rng: np.random.Generator
          ) -> tuple[float, float, str, tuple[float, float] | None]:
    """pMSE and S_pMSE (Snoke, Raab, Nowok, Dibben & Slavkovic 2018): a logistic regression tells the stacked rows
    apart; pMSE = mean (p̂ − c)² with c the synthetic share, and S_pMSE = pMSE / E[pMSE], where under the null of
    one distribution E[pMSE] = (k − 1)(1 − c)² c / N for k parameters: about 1 when both tables come from one
    distribution, 0 for a copy, large when the model tells them apart. The model has the main effects (numbers
    standardised, labels one-hot), the squares of the numbers, and as many products of two columns as keep ten rows
    per parameter, the pairs most correlated in the real rows first (a table whose columns were shuffled breaks
    exactly those). Last, the range S_pMSE takes 95% of the time when both tables come from one distribution (its
    noise: N·pMSE / ((1 − c)² c) follows χ² with k − 1 degrees of freedom under that null), or None."""
    from sklearn.linear_model import LogisticRegression

    n = min(len(real), len(synthetic), DETECTION_ROWS)
    a, b = _at_most(real, n, rng), _at_most(synthetic, n, rng)
    encoder = RowEncoder(a, schema, max_levels=PMSE_LEVELS)
    source = encoder.numbers + [c for c in encoder.labels for _ in encoder.levels[c]]  # each feature's column
    xa, xb = encoder.encode(a), encoder.encode(b)
    x = np.vstack([xa, xb])
    numbers = len(encoder.numbers)
    parts = [x, x[:, :numbers] ** 2]
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.nan_to_num(np.corrcoef(xa, rowvar=False)) if xa.shape[1] > 1 else np.zeros((1, 1))
    pairs = sorted(((abs(corr[i, j]), i, j) for i in range(x.shape[1]) for j in range(i + 1, x.shape[1])
                    if source[i] != source[j]), reverse=True)
    room = max(0, len(x) // 10 - 1 - x.shape[1] - numbers)
    if pairs[:room]:
        parts.append(np.stack([x[:, i] * x[:, j] for _, i, j in pairs[:room]], axis=1))
    x = np.hstack(parts)
    x = x[:, x.std(axis=0) > 0]  # (a constant feature carries no parameter)
    if not x.shape[1]:
        return 0.0, 0.0, "no column varies", None
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    y = np.r_[np.zeros(len(a)), np.ones(len(b))]
    c, k = len(b) / len(y), x.shape[1] + 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (a separable pair converges slowly: the probabilities are still right)
        p = LogisticRegression(C=1e4, max_iter=1_000).fit(x, y).predict_proba(x)[:, 1]
    pmse = float(np.mean((p - c) ** 2))
    expected = (k - 1) * (1 - c) ** 2 * c / len(y)
    text = f"logistic: main effects, squares and {min(room, len(pairs))} products of two columns ({k:,} parameters)"
    null = stats.chi2.ppf([0.025, 0.975], k - 1) / (k - 1)
    return pmse, float(pmse / expected), text, (float(null[0]), float(null[1]))


def _learner(kind: str, classify: bool, seed: int, numbers: list[str], labels: list[str]):
    """The model trained on real or on synthetic rows for the utility score."""
    if kind == "gradient_boosting":
        cls = HistGradientBoostingClassifier if classify else HistGradientBoostingRegressor
        return cls(categorical_features="from_dtype", random_state=seed)
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LinearRegression, LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    prepare = ColumnTransformer([
        ("numbers", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numbers),
        ("labels", make_pipeline(SimpleImputer(strategy="most_frequent"),
                                 OneHotEncoder(handle_unknown="ignore")), labels)])
    if kind == "random_forest":
        estimator = (RandomForestClassifier if classify else RandomForestRegressor)(
            n_estimators=200, min_samples_leaf=2, n_jobs=-1, random_state=seed)
    else:
        estimator = LogisticRegression(max_iter=2000) if classify else LinearRegression()
    return make_pipeline(prepare, estimator)


def _tstr(real: pd.DataFrame, synthetic: pd.DataFrame, holdout: pd.DataFrame | None, schema: Schema,
          rng: np.random.Generator, kind: str = "gradient_boosting") -> float | None:
    target = schema.target
    if holdout is None or holdout[target].notna().sum() < 5:
        return None
    classify = schema.kinds[target] in LABELS
    seed = int(rng.integers(2**31 - 1))

    def score(train: pd.DataFrame) -> float:
        train = train[train[target].notna()]
        test = holdout[holdout[target].notna()]
        x_train, x_test = _frames_for_trees([train.drop(columns=target), test.drop(columns=target)])
        labels = [c for c in x_train.columns if isinstance(x_train[c].dtype, pd.CategoricalDtype)]
        if kind != "gradient_boosting":
            x_train, x_test = x_train.astype({c: object for c in labels}), x_test.astype({c: object for c in labels})
        model = _learner(kind, classify, seed, [c for c in x_train.columns if c not in labels], labels)
        if classify:
            y_train, y_test = train[target].astype(str), test[target].astype(str)
            if y_train.nunique() < 2:
                return 0.0
            return accuracy_score(y_test, model.fit(x_train, y_train).predict(x_test))
        return r2_score(test[target].astype(float), model.fit(x_train, train[target].astype(float)).predict(x_test))

    baseline = score(real)
    return float(score(synthetic) / baseline) if baseline > 0 else None


class CopyIndex:
    """The real rows written alike (see ``_copy_keys``), to tell which rows of a table copy one of them."""

    def __init__(self, real: pd.DataFrame) -> None:
        self.keys = {c: _copy_keys(real[c]) for c in real.columns}
        self.real = set(pd.util.hash_pandas_object(pd.DataFrame({c: k(real[c]) for c, k in self.keys.items()}),
                                                   index=False))

    def copies(self, synthetic: pd.DataFrame) -> np.ndarray:
        written = pd.DataFrame({c: k(synthetic[c]) for c, k in self.keys.items()}, index=synthetic.index)
        return pd.util.hash_pandas_object(written, index=False).isin(self.real).to_numpy()


MISSING_KEY = "\x00missing"


def _copy_keys(real: pd.Series) -> Callable[[pd.Series], pd.Series]:
    """How to write a column of either table as text that is equal exactly when the values are the same value.

    Numbers are compared at the real column's precision (its decimals; a column finer than six
    decimals snaps each value to a real value within a relative 1e-9), whatever their dtype, so 3, 3.0
    and 3.0000000000001 are one value;
    dates as UTC instants at the real column's resolution (naive dates read as UTC, so a time zone
    changes nothing); labels as text whatever their dtype (category or object, 3 or '3'). Missing
    values equal each other.
    """
    def missing_as_key(keys: pd.Series, original: pd.Series) -> pd.Series:
        keys = keys.astype(object)
        unread = keys.isna() & original.notna()  # a value that is not a date or number in such a column
        keys[unread] = "\x01" + original[unread].astype(str)
        return keys.fillna(MISSING_KEY).astype(str)

    if pd.api.types.is_datetime64_any_dtype(real):
        def as_instants(values: pd.Series) -> pd.Series:
            return pd.to_datetime(values, utc=True, errors="coerce", format="mixed")

        unit = date_unit(as_instants(real))

        def key(values: pd.Series) -> pd.Series:
            instants = as_instants(values)
            instants = instants.dt.round(unit) if unit else instants
            return missing_as_key(instants.astype("int64").astype(str).where(instants.notna()), values)
    elif _numeric(real):
        x = pd.to_numeric(real, errors="coerce").astype(float)
        places = decimals(x)
        fine = places is None or x.round(places).nunique() < x.nunique()  # finer than six decimals (a 1e-7 scale)
        grid = np.unique(x.dropna().to_numpy())

        def key(values: pd.Series) -> pd.Series:
            v = pd.to_numeric(values, errors="coerce").astype(float).to_numpy()
            v = _snap(v, grid) if fine else np.round(v, places)
            text = np.char.mod("%.17g", v + 0.0)  # + 0.0 turns −0 into 0
            return missing_as_key(pd.Series(text, index=values.index).where(~np.isnan(v)), values)
    else:
        def key(values: pd.Series) -> pd.Series:
            return missing_as_key(values.map(label_text).astype(object).where(values.notna()), values)
    return key


def _snap(values: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Each value replaced by the nearest of the sorted ``grid`` when within a relative 1e-9 of it."""
    if not len(grid):
        return values
    right = np.clip(np.searchsorted(grid, values), 0, len(grid) - 1)
    left = np.clip(right - 1, 0, len(grid) - 1)
    nearest = np.where(np.abs(grid[left] - values) <= np.abs(grid[right] - values), grid[left], grid[right])
    return np.where(np.abs(nearest - values) <= 1e-9 * np.abs(nearest), nearest, values)  # |v − r| ≤ 1e-9 |r|


def _numeric(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def _dcr_share_closer(real: pd.DataFrame, synthetic: pd.DataFrame, holdout: pd.DataFrame, schema: Schema,
                      rng: np.random.Generator) -> tuple[float, tuple[float, float], float, dict]:
    """(the share of synthetic rows closer to a training row than the holdout's 5th percentile, its 95% bootstrap
    interval, the same share of the held-out rows themselves, the distances). The reference is 0.05 unless many
    held-out rows tie at the threshold, as in a table of labels only, where most rows have a twin at distance 0."""
    train, synth, hold = encode_rows(
        [_at_most(real, PRIVACY_ROWS, rng), _at_most(synthetic, PRIVACY_ROWS, rng), holdout], schema)
    index = NearestNeighbors(n_neighbors=min(2, len(train))).fit(train)
    synthetic_distances = index.kneighbors(synth)[0]
    synthetic_dcr = synthetic_distances[:, 0]
    holdout_dcr = index.kneighbors(hold)[0][:, 0]
    share = _share_closer(synthetic_dcr, holdout_dcr)
    replicates = [_share_closer(rng.choice(synthetic_dcr, len(synthetic_dcr)),
                                rng.choice(holdout_dcr, len(holdout_dcr))) for _ in range(BOOTSTRAP)]
    interval = tuple(float(x) for x in np.percentile(replicates, [2.5, 97.5]))
    # nearest-neighbour distance ratio: d(closest) / d(second closest); near 0 means a row sits on one real row
    second = synthetic_distances[:, -1]
    nndr = np.divide(synthetic_dcr, second, out=np.ones_like(second), where=second > 0)
    distances = {"dcr synthetic": synthetic_dcr, "dcr holdout": holdout_dcr, "nndr": float(np.mean(nndr))}
    return share, interval, _share_closer(holdout_dcr, holdout_dcr), distances


def _share_closer(synthetic_dcr: np.ndarray, holdout_dcr: np.ndarray) -> float:
    threshold = np.quantile(holdout_dcr, 0.05)
    return float(np.mean(synthetic_dcr <= threshold)) if threshold > 0 else float(np.mean(synthetic_dcr == 0))


def readings(scores: Scores) -> dict[str, str]:
    """One plain sentence per score, for the page, the leaderboard and the report."""
    out = {}
    q, q_real, span = scores.quality, scores.references.get("quality"), _span(scores.intervals.get("quality"))
    what = "shapes and pairs" if np.isfinite(scores.column_pair_trends) else \
        "shapes (no pair of columns was compared)"
    out["quality"] = (f"{q:.2f}{span}: the columns' {what} match closely" if q >= 0.9 else
                      f"{q:.2f}{span}: the columns' {what} match reasonably" if q >= 0.75 else
                      f"{q:.2f}{span}: the distributions differ visibly") + \
        ("" if q_real is None else f"; {scores.details.get('reference rows', 0):,} held-out real rows score "
         f"{q_real:.2f} (fewer rows score lower)")
    out["detection_auc"] = _detection_reading(scores)
    t, span = scores.tstr_ratio, _span(scores.intervals.get("tstr_ratio"))
    out["tstr_ratio"] = (f"not defined: {scores.details['tstr undefined']}" if t is None and "tstr undefined" in
                         scores.details else "no target column: choose one on the Data page" if t is None else
                         f"{t:.2f}{span}: a model trained on synthetic rows predicts as well as one trained on real "
                         "rows" if t >= 0.95 else f"{t:.2f}{span}: models trained on it lose some accuracy" if t >= 0.8
                         else f"{t:.2f}{span}: models trained on it are much worse")
    c, c_real = scores.exact_copy_rate, scores.references.get("exact_copy_rate")
    low = scores.intervals.get("exact_copy_rate", (c, c))[0]
    span = _span(scores.intervals.get("exact_copy_rate"), percent=True)
    out["exact_copy_rate"] = (
        "no synthetic row copies a real one" if c == 0 else
        f"{c:.1%}{span} of synthetic rows copy a training row, no more than the {c_real:.1%} of held-out real rows "
        "that repeat one: the table has many duplicate rows" if c_real is not None and low <= c_real else
        f"{c:.1%}{span} of synthetic rows copy a real row: a privacy risk"
        + ("" if c_real is None else f" (held-out real rows: {c_real:.1%})"))
    s, interval = scores.dcr_share_closer, scores.intervals.get("dcr_share_closer")
    s_real, span = scores.references.get("dcr_share_closer", 0.05), _span(interval)
    out["dcr_share_closer"] = ("needs a holdout" if s is None else
                               f"{s:.2f}{span}: synthetic rows are no closer to real ones than new real rows are "
                               f"(held-out real rows: {s_real:.2f})" if _no_nearer(scores)
                               else f"{s:.2f}{span}: some synthetic rows sit close to real ones" if s <= 0.3
                               else f"{s:.2f}{span}: many synthetic rows sit very close to real ones")
    r, null = scores.s_pmse, scores.details.get("s_pmse null")
    noise = "" if null is None else f" (two samples of one table score {null[0]:.1f} to {null[1]:.1f})"
    out["s_pmse"] = ("not measured" if not np.isfinite(r) else
                     f"{r:.1f}{noise}: a propensity model tells the tables apart no better than two samples of one "
                     "table" if r <= (2 if null is None else max(null[1], 1.0)) else
                     f"{r:.1f}{noise}: a propensity model tells them apart somewhat" if r <= 10
                     else f"{r:.1f}{noise}: a propensity model tells them apart easily")
    for name, risk in scores.risks.items():
        if ":" not in name:
            out[name] = risk.reading()
    return out


def _span(interval: tuple[float, float] | None, *, percent: bool = False) -> str:
    """" (95% interval a to b)", or nothing without an interval."""
    if interval is None or not np.isfinite(interval[0]):
        return ""
    low, high = (f"{x:.1%}" if percent else f"{x:.2f}" for x in interval)
    return f" (95% interval {low} to {high})"


def _no_nearer(scores: Scores) -> bool:
    """Whether synthetic rows sit no closer to training rows than new real rows do (within the interval)."""
    s, interval = scores.dcr_share_closer, scores.intervals.get("dcr_share_closer")
    s_real = scores.references.get("dcr_share_closer", 0.05)
    return s is not None and (s <= max(0.1, s_real) or (interval is not None and interval[0] <= s_real))


def _detection_reading(scores: Scores) -> str:
    """The detection AUC with its interval, read against 0.5 and against what held-out real rows score."""
    d, (low, high) = scores.detection_auc, scores.detection_interval
    interval = _span(scores.detection_interval)
    reference = "" if scores.detection_reference is None else \
        f"; held-out real rows score {scores.detection_reference:.2f}"
    if np.isfinite(high) and high < 0.45 and _no_nearer(scores) and scores.exact_copy_rate == 0:
        said = ("below 0.5 beyond noise, yet no synthetic row sits nearer a training row than new real rows do: the "
                "classifier learned noise of a small sample the wrong way round; read it as 'cannot tell apart'")
    elif np.isfinite(high) and high < 0.45:
        said = ("below 0.5 beyond noise: the classifier is fooled the other way, as it is when synthetic rows sit "
                "next to training rows (each a near twin); check the privacy scores")
    elif np.isfinite(low) and low <= 0.5 <= high:
        said = "0.5 is within the interval: the classifier cannot tell synthetic rows from real ones"
    elif d <= 0.6:
        said = "a strong classifier can hardly tell synthetic rows from real ones"
    elif d <= 0.8:
        said = "a classifier can often tell them apart"
    else:
        said = "synthetic rows are easy to spot"
    return f"{d:.2f}{interval}: {said}{reference}"
