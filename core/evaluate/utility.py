"""Utility of a synthetic table: what a model learns from it, judged on real rows it never saw.

**Utility by prediction** (:func:`utility_table`). One learner (the utility model of
:mod:`core.evaluate.scores`, gradient boosting by default) is trained on three training sets and
scored on the real holdout:

* ``real``: the real training rows (train on real, test on real: the baseline);
* ``synthetic``: the synthetic rows alone (train on synthetic, test on real, TSTR; Esteban, Hyland
  & Rätsch 2017): the table used *instead of* the real one;
* ``real+synthetic``: the real rows plus the synthetic rows that do not copy one of them: the table
  used to *bulk out* the real one, as oversampling does. A bulk-out table already holds the real
  rows, and copies are left out of the sum so that no real row counts twice.

For a class target the columns are accuracy, balanced accuracy (the mean of the per-class recalls),
macro F1, ROC AUC (two classes: the AUC of the probability of the smallest class; more: the
one-vs-rest AUCs averaged over classes; NaN when the learner gives no probabilities or a class is
missing from the holdout or from the training set), and the recall and precision of the *smallest
class of the real training rows*, the class oversampling is meant to help. For a number target:
R², RMSE = √(mean (y − ŷ)²) and MAE = mean |y − ŷ|. Rows with a missing target are dropped from every
training set and from the holdout; without a target or without five labelled holdout rows the
function returns None, as ``Scores.tstr_ratio`` does.

**Uncertainty.** A holdout is a finite sample, so every value of the table comes with a 95% percentile
bootstrap interval (Efron & Tibshirani 1993): the holdout rows are drawn with replacement ``BOOTSTRAP``
times, each metric is computed again on every resample from the predictions already made (the models
are not retrained: the interval is the holdout's sampling error, the part a bigger holdout would remove),
and the 2.5th and 97.5th percentiles are kept. Every training set is scored on the same resamples, so
the interval of the TSTR ratio (synthetic over real) is paired: the noise both share cancels out.

**Model-specific utility** (:func:`coefficients`), after synthpop's ``compare.fit.synds`` (Nowok,
Raab & Dibben 2016; Raab, Nowok & Dibben 2017): the same regression of the target on the other
columns is fitted on real and on synthetic rows, and the coefficients are compared term by term:
the standardised difference z = (β̂_synth − β̂_real) / se(β̂_real), and the confidence interval
overlap of Karr et al. (2006), I = ½ (o / (U_r − L_r) + o / (U_s − L_s)) with o = min(U_r, U_s) −
max(L_r, L_s), the length the two 95% intervals share: 1 for identical intervals, 0 or below when
they are disjoint.

**Which resampling helps a classifier** (:func:`resampling_comparison`): imbalanced-learn's
samplers (Lemaître, Nogueira & Aridas 2017): random undersampling, Tomek links (Tomek 1976),
SMOTE (Chawla et al. 2002), Borderline-SMOTE (Han et al. 2005), ADASYN (He et al. 2008) and SMOTE
followed by ENN or Tomek-link cleaning (Batista, Prati & Monard 2004), each applied to the real
training rows, with the same learner trained on the result and scored on the holdout.

References: Karr, Kohnen, Oganian, Reiter & Sanil (2006), A framework for evaluating the utility of
data altered to protect confidentiality, The American Statistician 60(3). Nowok, Raab & Dibben
(2016), synthpop: bespoke creation of synthetic data in R, Journal of Statistical Software 74(11).
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    confusion_matrix,
    f1_score,
    mean_absolute_error,
    mean_squared_error,
    precision_recall_fscore_support,
    r2_score,
)
from threadpoolctl import threadpool_limits

from core.errors import DataError, ParameterError
from core.evaluate.compare import RowEncoder
from core.evaluate.scores import TSTR_MODELS, CopyIndex, _frames_for_trees, _learner, _on_one_clock
from core.schema import LABELS, NUMERIC, Kind, Schema, label_text, to_floats

TRAINING_SETS = ("real", "synthetic", "real+synthetic")
CLASS_METRICS = ("accuracy", "balanced_accuracy", "macro_f1", "roc_auc", "minority_recall", "minority_precision")
NUMBER_METRICS = ("r2", "rmse", "mae")
MIN_HOLDOUT = 5  # labelled holdout rows needed for any score
TOLERANCE = 0.01  # a change smaller than this (relative, for RMSE) reads as "about the same"

MAX_LEVELS = 30  # a label column with more levels is left out of the regressions
COEFFICIENT_ROWS = 100_000  # rows per table the regressions use at most (a seeded sample beyond)
LEVEL = 0.05  # 95% intervals; significance at 5%

BOOTSTRAP = 200  # resamples of the holdout behind each interval

RESAMPLERS = ("none", "RandomUnderSampler", "TomekLinks", "SMOTE", "BorderlineSMOTE", "ADASYN", "SMOTEENN",
              "SMOTETomek")
NEIGHBOUR_RESAMPLERS = ("SMOTE", "BorderlineSMOTE", "ADASYN", "SMOTEENN", "SMOTETomek")
NEIGHBOURS = 5  # k of the SMOTE family (fewer when the smallest class is smaller)
RESAMPLING_ROWS = 20_000  # real training rows resampled at most (a seeded sample beyond)


# ---------------------------------------------------------------------------------------------- utility table


class Frames(dict):
    """{name: DataFrame}, kept in a table's ``attrs``. Equal when the names and frames are
    (``DataFrame.equals``): pandas compares the attrs of the frames it combines (to print a wide table, say),
    and ``==`` between two frames has no single truth value."""

    def __eq__(self, other) -> bool:
        return (isinstance(other, dict) and self.keys() == other.keys()
                and all(isinstance(other[k], pd.DataFrame) and frame.equals(other[k]) for k, frame in self.items()))

    __hash__ = None


def utility_table(real: pd.DataFrame, synthetic: pd.DataFrame, holdout: pd.DataFrame | None, schema: Schema, *,
                  rng=0, model: str = "gradient_boosting") -> pd.DataFrame | None:
    """The learner's scores on the real ``holdout`` when trained on real, synthetic and real + synthetic rows.

    Index ``TRAINING_SETS``; columns ``CLASS_METRICS`` for a class target, ``NUMBER_METRICS`` for a number
    target, raw values. ``attrs``: ``target``, ``task`` ("class" or "number"), ``minority`` (the smallest class
    of the real training rows, classes only), ``rows`` {training set: rows}, ``notes`` (sentences), and for
    classes ``per_class`` and ``confusion``: {training set: DataFrame} (a :class:`Frames`), the first with
    precision, recall, f1 and support (holdout rows) per class, the second with the real classes as rows and
    the predicted ones as columns; ``interval``: {"low": DataFrame, "high": DataFrame} shaped as the table, the
    95% bootstrap interval of each value, and ``tstr_interval``: (low, high) of synthetic over real accuracy (R²
    for a number). Classes are compared as text (3, 3.0 and '3' are one class).

    Returns None when there is no target or fewer than ``MIN_HOLDOUT`` holdout rows with a target value.
    """
    if model not in TSTR_MODELS:
        raise ParameterError(f"Unknown model '{model}' for the utility table.", hint="Use one of: "
                             + ", ".join(TSTR_MODELS) + ".")
    target = schema.target
    if target is None or target not in real.columns or holdout is None or target not in holdout.columns:
        return None
    columns = [c for c in schema.synth_columns if c in real.columns]
    absent = [c for c in columns if c not in synthetic.columns or c not in holdout.columns]
    if absent:
        where = "synthetic table" if absent[0] not in synthetic.columns else "holdout"
        raise DataError(f"The {where} has no column {absent[0]!r}.")
    if len(columns) < 2:
        raise DataError("The utility table needs at least one column besides the target to learn from.")
    real, synthetic, holdout = (_on_one_clock(t[columns]) for t in (real, synthetic, holdout))
    holdout = holdout[holdout[target].notna()].reset_index(drop=True)
    if len(holdout) < MIN_HOLDOUT:
        return None
    kind = schema.kinds[target]
    if kind not in LABELS and kind not in NUMERIC:
        raise DataError(f"The target '{target}' holds {kind} values; the utility table needs classes or numbers.",
                        hint="Choose a label or number column as the target on the Data page.")
    notes = []
    labelled = {"real": real[real[target].notna()], "synthetic": synthetic[synthetic[target].notna()]}
    for name, rows in labelled.items():
        if rows.empty:
            raise DataError(f"The {name} training rows have no value in the target '{target}'.",
                            hint="Impute the target or choose another one on the Data page.")
    copies = CopyIndex(real).copies(labelled["synthetic"])
    if copies.any():
        notes.append(f"{int(copies.sum()):,} synthetic rows copy a real training row; real + synthetic counts "
                     "those rows once.")
    labelled["real+synthetic"] = pd.concat([labelled["real"], labelled["synthetic"][~copies]], ignore_index=True)
    seed = int(np.random.default_rng(rng).integers(2**31 - 1))
    with threadpool_limits(limits=1, user_api="openmp"):  # see core.evaluate.scores.evaluate
        if kind in LABELS:
            table = _class_table(labelled, holdout, target, model, seed, notes)
        else:
            table = _number_table(labelled, holdout, target, model, seed)
    table.attrs.update(target=target, rows={name: len(rows) for name, rows in labelled.items()}, notes=notes)
    return table


def _learned(train: pd.DataFrame, test: pd.DataFrame, target: str, y_train, kind: str, classify: bool, seed: int):
    """The learner fitted on ``train`` (features: every column but the target) and ``test``'s features, ready
    for it."""
    features = _frames_for_trees([train.drop(columns=target), test.drop(columns=target)])
    labels = [c for c in features[0].columns if isinstance(features[0][c].dtype, pd.CategoricalDtype)]
    if kind != "gradient_boosting":  # the pipelines one-hot encode object columns
        features = [x.astype(dict.fromkeys(labels, object)) for x in features]
    learner = _learner(kind, classify, seed, [c for c in features[0].columns if c not in labels], labels)
    return learner.fit(features[0], y_train), features[1]


def _classes(values: pd.Series) -> np.ndarray:
    return values.astype(object).map(label_text).to_numpy(dtype=object)


def _class_table(labelled: dict[str, pd.DataFrame], holdout: pd.DataFrame, target: str, kind: str, seed: int,
                 notes: list[str]) -> pd.DataFrame:
    truth = _classes(holdout[target])
    counts = pd.Series(_classes(labelled["real"][target])).value_counts().sort_index()
    if len(counts) < 2:
        raise DataError(f"The target '{target}' has a single class ('{counts.index[0]}') in the real training rows, "
                        "so there is nothing to learn.", hint="Choose a target with at least two classes.")
    minority = counts.idxmin()  # ties: the first in sorted order
    everything = sorted(set(truth).union(*(set(_classes(rows[target])) for rows in labelled.values())))
    rows, per_class, confusion, predictions = {}, Frames(), Frames(), {}
    for name, train in labelled.items():
        y = _classes(train[target])
        if len(set(y)) < 2:  # nothing to learn: the only class is every prediction
            notes.append(f"The {name} training rows hold one class ('{y[0]}'), so the model predicts it for every "
                         "row.")
            predicted, probabilities, known = np.full(len(truth), y[0], dtype=object), None, [y[0]]
        else:
            learner, x_test = _learned(train, holdout, target, y, kind, True, seed)
            predicted = learner.predict(x_test).astype(object)
            probabilities = learner.predict_proba(x_test) if hasattr(learner, "predict_proba") else None
            known = list(learner.classes_)
        predictions[name] = (predicted, probabilities, known)
        with warnings.catch_warnings():  # a class predicted but absent from the holdout, and so on
            warnings.simplefilter("ignore")
            precision, recall, f1, support = precision_recall_fscore_support(
                truth, predicted, labels=everything, zero_division=np.nan)
            per_class[name] = pd.DataFrame({"precision": precision, "recall": recall, "f1": f1, "support": support},
                                           index=pd.Index(everything, name="class"))
            rows[name] = {
                "accuracy": accuracy_score(truth, predicted),
                "balanced_accuracy": balanced_accuracy_score(truth, predicted),  # mean recall over the real classes
                "macro_f1": f1_score(truth, predicted, average="macro", zero_division=0),
                "roc_auc": _roc_auc(truth, probabilities, known, minority),
                "minority_recall": per_class[name].loc[minority, "recall"],
                "minority_precision": per_class[name].loc[minority, "precision"]}
        confusion[name] = pd.DataFrame(confusion_matrix(truth, predicted, labels=everything),
                                       index=pd.Index(everything, name="real"),
                                       columns=pd.Index(everything, name="predicted"))
    table = pd.DataFrame.from_dict(rows, orient="index").astype(float)[list(CLASS_METRICS)]
    table.attrs.update(task="class", minority=minority, per_class=per_class, confusion=confusion)
    codes = {c: i for i, c in enumerate(everything)}
    truth_codes = np.array([codes[c] for c in truth])
    predicted_codes = {name: np.array([codes[c] for c in predicted]) for name, (predicted, _, _) in predictions.items()}

    def metrics(name: str, weights: np.ndarray) -> list[float]:
        _, probabilities, known = predictions[name]
        scores = class_metrics(truth_codes, predicted_codes[name], weights, len(everything), codes[minority])
        drawn = weights > 0
        auc = _roc_auc(truth[drawn], None if probabilities is None else probabilities[drawn], known, minority,
                       weights[drawn])
        return [*scores[:3], auc, *scores[3:]]

    _intervals(table, metrics, len(truth), seed, "accuracy")
    return table


def class_metrics(truth: np.ndarray, predicted: np.ndarray, weights: np.ndarray, classes: int, minority: int
                  ) -> tuple[float, float, float, float, float]:
    """(accuracy, balanced accuracy, macro F1, recall and precision of class ``minority``) of class codes
    0..``classes`` − 1, each holdout row counted ``weights`` times: sklearn's definitions (balanced accuracy over
    the classes present in the truth, macro F1 over the classes present in the truth or the predictions, zero
    where undefined), written with weighted counts so a bootstrap resample costs three ``bincount`` calls."""
    right = (truth == predicted) * weights
    support = np.bincount(truth, weights=weights, minlength=classes)  # rows of each class
    guessed = np.bincount(predicted, weights=weights, minlength=classes)  # predictions of each class
    hits = np.bincount(truth, weights=right, minlength=classes)  # true positives of each class
    with np.errstate(invalid="ignore", divide="ignore"):
        recall, precision = hits / support, hits / guessed
        f1 = 2 * hits / (support + guessed)  # F1 = 2 TP / (2 TP + FP + FN)
    present = support > 0
    return (float(right.sum() / weights.sum()), float(recall[present].mean()),
            float(np.nan_to_num(f1[present | (guessed > 0)]).mean()), float(recall[minority]),
            float(precision[minority]))


def _intervals(table: pd.DataFrame, metrics, n: int, seed: int, ratio: str) -> None:
    """Put the 95% percentile bootstrap interval of every value of ``table`` in its ``attrs`` (see the module's
    docstring): ``metrics(training set, weights)`` gives a row of the table for the holdout rows counted
    ``weights`` times; every training set sees the same resamples."""
    generator = np.random.default_rng([seed, 1])
    replicates = {name: [] for name in table.index}
    for _ in range(BOOTSTRAP):
        weights = np.bincount(generator.integers(0, n, size=n), minlength=n).astype(float)
        for name in table.index:
            replicates[name].append(metrics(name, weights))
    with warnings.catch_warnings():  # (a metric undefined in every resample has no interval)
        warnings.simplefilter("ignore")
        low, high = ({name: np.nanpercentile(np.array(rows, dtype=float), q, axis=0)
                      for name, rows in replicates.items()} for q in (2.5, 97.5))
        column = list(table.columns).index(ratio)
        real, synthetic = (np.array(replicates[name], dtype=float)[:, column] for name in ("real", "synthetic"))
        ratios = np.divide(synthetic, real, out=np.full(len(real), np.nan), where=real > 0)
        tstr = tuple(float(x) for x in np.nanpercentile(ratios, [2.5, 97.5])) if np.isfinite(ratios).any() \
            else (float("nan"), float("nan"))
    table.attrs.update(interval=Frames(low=pd.DataFrame.from_dict(low, orient="index", columns=table.columns),
                                       high=pd.DataFrame.from_dict(high, orient="index", columns=table.columns)),
                       tstr_interval=tstr)


def _roc_auc(truth: np.ndarray, probabilities: np.ndarray | None, known: list, positive,
             weights: np.ndarray | None = None) -> float:
    """ROC AUC of the probabilities (columns in the order of ``known``), rows counted ``weights`` times: two
    classes, the AUC of class ``positive``; more, the one-vs-rest AUCs averaged over the classes (sklearn's
    ``multi_class="ovr", average="macro"``). NaN unless the holdout and the training rows hold the same classes."""
    present = sorted(set(truth))
    if probabilities is None or present != sorted(known) or len(present) < 2:
        return float("nan")
    weights = np.ones(len(truth)) if weights is None else weights
    if len(present) == 2:  # (either class's AUC: the two are equal; ``positive`` may be a class neither holds)
        positive = positive if positive in known else known[-1]
        return weighted_auc(truth == positive, probabilities[:, known.index(positive)], weights)
    return float(np.mean([weighted_auc(truth == c, probabilities[:, i], weights) for i, c in enumerate(known)]))


def weighted_auc(positive: np.ndarray, score: np.ndarray, weights: np.ndarray) -> float:
    """ROC AUC of ``score`` for the rows where ``positive`` holds, each row counted ``weights`` times: the
    Mann-Whitney form AUC = Σ_pos w_i (W_neg(s < s_i) + ½ W_neg(s = s_i)) / (W_pos W_neg), over groups of tied
    scores (sklearn's ``roc_auc_score`` with ``sample_weight``, at the cost of one sort; NaN without both kinds)."""
    order = np.argsort(score, kind="stable")
    ordered, hit, w = score[order], positive[order], weights[order]
    starts = np.r_[0, np.flatnonzero(np.diff(ordered)) + 1]  # the first row of each group of tied scores
    pos, neg = np.add.reduceat(w * hit, starts), np.add.reduceat(w * ~hit, starts)
    below = np.cumsum(neg) - neg  # negatives' weight strictly below each group
    total = pos.sum() * neg.sum()
    return float((pos * (below + neg / 2)).sum() / total) if total > 0 else float("nan")


def _number_table(labelled: dict[str, pd.DataFrame], holdout: pd.DataFrame, target: str, kind: str,
                  seed: int) -> pd.DataFrame:
    truth = to_floats(holdout[target])
    rows, predictions = {}, {}
    for name, train in labelled.items():
        learner, x_test = _learned(train, holdout, target, to_floats(train[target]), kind, False, seed)
        predicted = predictions[name] = learner.predict(x_test)
        rows[name] = {"r2": r2_score(truth, predicted),
                      "rmse": float(np.sqrt(mean_squared_error(truth, predicted))),  # √(mean (y − ŷ)²)
                      "mae": mean_absolute_error(truth, predicted)}  # mean |y − ŷ|
    table = pd.DataFrame.from_dict(rows, orient="index").astype(float)[list(NUMBER_METRICS)]
    table.attrs.update(task="number")
    _intervals(table, lambda name, weights: number_metrics(truth, predictions[name], weights), len(truth), seed,
               "r2")
    return table


def number_metrics(truth: np.ndarray, predicted: np.ndarray, weights: np.ndarray) -> tuple[float, float, float]:
    """(R², RMSE, MAE) with each row counted ``weights`` times (sklearn's definitions, as weighted sums)."""
    n, residual = weights.sum(), truth - predicted
    mean = weights @ truth / n
    with np.errstate(invalid="ignore", divide="ignore"):
        r2 = 1 - (weights @ residual**2) / (weights @ (truth - mean) ** 2)  # R² = 1 − SSE / SST
    return float(r2), float(np.sqrt(weights @ residual**2 / n)), float(weights @ np.abs(residual) / n)


# ---------------------------------------------------------------------------------------------- readings


def utility_with_intervals(table: pd.DataFrame) -> pd.DataFrame:
    """A :func:`utility_table` to show: one row per metric, each training set's value beside its 95% interval
    (as text, "low to high")."""
    out = pd.DataFrame({"metric": table.columns})
    interval = table.attrs.get("interval")
    for name in table.index:
        out[name] = table.loc[name].to_numpy()
        if interval:
            out[f"{name} 95%"] = [f"{low:.3f} to {high:.3f}" if np.isfinite(low) else "" for low, high in
                                  zip(interval["low"].loc[name], interval["high"].loc[name], strict=True)]
    return out


def utility_readings(table: pd.DataFrame | None, *, minority=None) -> list[str]:
    """Plain one-line readings of a :func:`utility_table`: the oversampling use (real + synthetic against
    real) and the replacement use (synthetic alone against real), raw values first, ratios second.
    ``minority`` names the smallest class (default: the table's ``attrs["minority"]``)."""
    if table is None or table.empty:
        return ["No utility table: it needs a target column and at least five real holdout rows with a value "
                "in it."]
    if "r2" in table.columns:
        return _number_readings(table)
    return _class_readings(table, table.attrs.get("minority") if minority is None else minority)


def _change(what: str, before: float, after: float, *, relative: bool = False) -> tuple[str, int]:
    """('raise X from a to b' or 'lower …' or 'leave X about the same (a and b)', +1, −1 or 0)."""
    limit = TOLERANCE * abs(before) if relative else TOLERANCE
    if abs(after - before) < limit:
        return f"leave {what} about the same ({_num(before)} and {_num(after)})", 0
    verb, sign = ("raise", 1) if after > before else ("lower", -1)
    return f"{verb} {what} from {_num(before)} to {_num(after)}", sign


def _num(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}" if abs(x) >= 10 else f"{x:.2f}"


def _class_readings(table: pd.DataFrame, minority) -> list[str]:
    real, synthetic, both = (table.loc[name] for name in TRAINING_SETS)
    out = []
    smallest = f"the smallest class ({minority!r})" if minority is not None else "the smallest class"
    parts = []
    if np.isfinite(real["minority_recall"]) and np.isfinite(both["minority_recall"]):
        part, recall = _change(f"the recall of {smallest}", real["minority_recall"], both["minority_recall"])
        parts.append(part)
    else:
        recall = None
    part, balanced = _change("balanced accuracy", real["balanced_accuracy"], both["balanced_accuracy"])
    parts.append(part)
    if recall == 0 and balanced == 0:
        parts = [f"leave the recall of {smallest} and balanced accuracy about the same (recall "
                 f"{_num(real['minority_recall'])}, balanced accuracy {_num(real['balanced_accuracy'])} with real rows "
                 "alone)"]
    verdict = (": the synthetic rows help a classifier find the rare class." if recall == 1 and balanced >= 0 else
               ": the rare class is found more often, at the cost of more mistakes on the others." if recall == 1 else
               ": the synthetic rows help the classifier overall." if balanced == 1 and recall != -1 else
               ": the synthetic rows neither help nor hurt the classifier." if balanced == 0 and recall != -1 else
               ": the synthetic rows make the classifier worse here.")
    out.append("Real + synthetic rows " + " and ".join(parts) + verdict)
    a0, a1, b0, b1 = real["accuracy"], synthetic["accuracy"], real["balanced_accuracy"], synthetic["balanced_accuracy"]
    if abs(a1 - a0) < TOLERANCE:
        out.append(f"A model trained on synthetic rows alone is about as accurate as one trained on real rows "
                   f"(accuracy {_num(a1)} against {_num(a0)} with real rows; balanced accuracy {_num(b1)} against "
                   f"{_num(b0)}).")
    else:
        ratio = f"{a1 / a0:.2f} of the real model's" if a1 < a0 else f"{a1 / a0:.2f} times the real model's"
        ratio = ratio if a0 > 0 else "the real model gets none right"
        out.append(f"A model trained on synthetic rows alone reaches accuracy {_num(a1)} against {_num(a0)} with real "
                   f"rows ({ratio}); balanced accuracy {_num(b1)} against {_num(b0)}.")
    return out


def _number_readings(table: pd.DataFrame) -> list[str]:
    real, synthetic, both = (table.loc[name] for name in TRAINING_SETS)
    r0, r1, e0, e1 = real["r2"], synthetic["r2"], real["rmse"], synthetic["rmse"]
    if abs(r1 - r0) < TOLERANCE:
        first = (f"A model trained on synthetic rows alone explains about as much as one trained on real rows "
                 f"(R² {_num(r1)} against {_num(r0)} with real rows; RMSE {_num(e1)} against {_num(e0)}).")
    else:
        ratio = ("the real model explains nothing" if r0 <= 0 else "no better than predicting the mean" if r1 <= 0
                 else f"{r1 / r0:.2f} of the real model's" if r1 < r0 else f"{r1 / r0:.2f} times the real model's")
        first = (f"A model trained on synthetic rows alone reaches R² {_num(r1)} against {_num(r0)} with real rows "
                 f"({ratio}); RMSE {_num(e1)} against {_num(e0)}"
                 + (f" ({e1 / e0:.2f} times)." if e0 > 0 else "."))
    r2, fit = _change("R²", r0, both["r2"])
    error, lower = _change("RMSE", e0, both["rmse"], relative=True)
    verdict = (": the synthetic rows add useful rows." if fit >= 0 and lower <= 0 and (fit, lower) != (0, 0) else
               ": the synthetic rows neither help nor hurt the model." if (fit, lower) == (0, 0) else
               ": the synthetic rows make the model worse here.")
    if (fit, lower) == (0, 0):
        r2, error = "leave R²", f"RMSE about the same (R² {_num(r0)}, RMSE {_num(e0)} with real rows alone)"
    return [first, f"Real + synthetic rows {r2} and {error}{verdict}"]


# ---------------------------------------------------------------------------------------------- coefficients


def coefficients(real: pd.DataFrame, synthetic: pd.DataFrame, schema: Schema, *, rng=0) -> pd.DataFrame:
    """The same regression of the target on the other columns fitted on real and on synthetic rows, compared.

    A number target gets ordinary least squares, a class target a logistic regression (statsmodels): with two
    classes of the second class in sorted order (R's convention: 'Yes' against 'No', 1 against 0), with more of
    the largest class of the real rows against the rest. Predictors are the other number and label columns of
    the synthesis (dates and others are left out): numbers as they are, labels one-hot with the first level
    (sorted) dropped, over the real table's levels (a label with more than ``MAX_LEVELS`` levels is left out).
    Rows with a missing value in a column used are dropped; constant columns, and columns that are a linear
    combination of earlier ones on the real rows, are left out (and one that is constant or collinear on the
    synthetic rows alone gets NaN on that side). Tables over ``COEFFICIENT_ROWS`` rows are sampled with ``rng``.

    One row per term: ``real``, ``real_se``, ``synthetic``, ``synthetic_se``, ``std_diff`` =
    (synthetic − real) / real_se, ``ci_overlap`` (Karr et al. 2006; see the module docstring) and
    ``same_sign_and_significance`` (same sign, and both or neither significant at 5%). ``attrs``: ``model``
    (one line), ``rows`` {table: rows used}, ``notes``.
    """
    target = schema.target
    if not target or target not in real.columns:
        raise DataError("Comparing fitted models needs a target column.", hint="Choose one on the Data page.")
    if target not in synthetic.columns:
        raise DataError(f"The synthetic table has no column {target!r}.")
    kind = schema.kinds[target]
    if kind not in LABELS and kind not in NUMERIC:
        raise DataError(f"The target '{target}' holds {kind} values; a regression needs classes or numbers.",
                        hint="Choose a label or number column as the target on the Data page.")
    others = [c for c in schema.synth_columns if c != target and c in real.columns]
    predictors = [c for c in others if schema.kinds[c] in NUMERIC or schema.kinds[c] in LABELS]
    notes = [f"'{c}' is left out: the regression takes numbers and labels." for c in others if c not in predictors]
    absent = [c for c in predictors if c not in synthetic.columns]
    if absent:
        raise DataError(f"The synthetic table has no column {absent[0]!r}.")
    generator = np.random.default_rng(rng)
    tables = {}
    for name, table in (("real", real), ("synthetic", synthetic)):
        rows = _on_one_clock(table[[*predictors, target]]).dropna()
        if len(rows) > COEFFICIENT_ROWS:
            rows = rows.sample(n=COEFFICIENT_ROWS, random_state=generator.integers(2**31 - 1))
        tables[name] = rows
    levels = {}
    for column in (c for c in predictors if schema.kinds[c] in LABELS):
        found = sorted(set(_classes(tables["real"][column])))
        if len(found) > MAX_LEVELS:
            notes.append(f"'{column}' is left out: its {len(found)} levels are more than {MAX_LEVELS}.")
        else:
            levels[column] = found
    numbers = [c for c in predictors if schema.kinds[c] in NUMERIC]
    outcome, description = _outcome(tables["real"][target], target, kind in LABELS)
    designs = {name: _design(rows, numbers, levels) for name, rows in tables.items()}
    terms = _independent(designs["real"])
    dropped = [t for t in designs["real"].columns if t not in terms]
    if dropped:
        notes.append("Left out as constant or collinear on the real rows: " + ", ".join(dropped) + ".")
    fits = {}
    for name, design in designs.items():
        if len(design) <= len(terms) + 1:
            raise DataError(f"The {name} table has {len(design):,} complete rows, too few for {len(terms)} terms.",
                            hint="Use more rows, or leave columns out of the synthesis.")
        usable = _independent(design[terms])
        if len(usable) < len(terms):
            notes.append(f"Constant or collinear on the {name} rows, so not estimated there: "
                         + ", ".join(t for t in terms if t not in usable) + ".")
        fits[name] = _fit(outcome(tables[name][target]), design[usable], kind in LABELS, name, target)
    table = _compare_fits(fits["real"], fits["synthetic"], terms)
    table.attrs.update(model=description, rows={name: len(rows) for name, rows in tables.items()}, notes=notes)
    return table


def _outcome(values: pd.Series, target: str, classify: bool):
    """(the outcome as numbers, from a target column; a one-line description of the model)."""
    if not classify:
        return to_floats, f"Least-squares regression of '{target}'"
    found = pd.Series(_classes(values)).value_counts()
    if len(found) < 2:
        raise DataError(f"The target '{target}' has a single class in the real rows, so there is nothing to "
                        "regress.", hint="Choose a target with at least two classes.")
    event = sorted(found.index)[1] if len(found) == 2 else found.sort_index().idxmax()
    rest = "the other class" if len(found) == 2 else "the rest"
    return (lambda v: (_classes(v) == event).astype(float),
            f"Logistic regression of '{target}' = {event!r} against {rest}")


INTERCEPT = "(intercept)"


def _design(rows: pd.DataFrame, numbers: list[str], levels: dict[str, list[str]]) -> pd.DataFrame:
    """The design matrix: an intercept, numbers as they are, labels one-hot without their first level."""
    parts = {INTERCEPT: np.ones(len(rows))} | {c: to_floats(rows[c]) for c in numbers}
    for column, found in levels.items():
        text = _classes(rows[column])
        parts |= {f"{column}={level}": (text == level).astype(float) for level in found[1:]}
    return pd.DataFrame(parts, index=rows.index)


def _independent(design: pd.DataFrame) -> list[str]:
    """The columns kept, in order, when each must be non-constant (the intercept aside) and not a linear
    combination of those kept before it. Judged on the standardised columns' Gram matrix G = Z'Z / n, whose
    sub-matrix for a set of columns is singular exactly when the columns are dependent."""
    x = design.to_numpy(dtype=float)
    spread = x.std(axis=0)
    z = np.where(spread > 0, (x - x.mean(axis=0)) / np.where(spread > 0, spread, 1), 1.0)  # (x − μ)/σ
    gram = z.T @ z / max(len(z), 1)
    kept = []
    for i, column in enumerate(design.columns):
        if column != INTERCEPT and spread[i] == 0:
            continue
        trial = [*kept, i]
        if np.linalg.eigvalsh(gram[np.ix_(trial, trial)]).min() > 1e-9:
            kept.append(i)
    return [design.columns[i] for i in kept]


def _fit(y: np.ndarray, design: pd.DataFrame, logistic: bool, name: str, target: str):
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationError, PerfectSeparationWarning

    if logistic and len(np.unique(y)) < 2:
        raise DataError(f"The {name} rows hold a single class of '{target}', so a logistic regression can't be fitted.",
                        hint="Generate rows of every class.")

    def failed(why: str) -> DataError:
        return DataError(f"The {'logistic' if logistic else 'linear'} regression of '{target}' on the {name} rows "
                         f"can't be fitted: {why}.", hint="Leave such columns out of the synthesis, or choose "
                         "another target.")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", PerfectSeparationWarning)
        warnings.simplefilter("error", ConvergenceWarning)
        try:
            result = (sm.Logit(y, design).fit(disp=0, maxiter=100) if logistic else sm.OLS(y, design).fit())
        except (PerfectSeparationWarning, PerfectSeparationError):
            raise failed("some columns predict the target perfectly (perfect separation)") from None
        except ConvergenceWarning:
            raise failed("it does not converge, as when some columns nearly predict the target perfectly") from None
        except (np.linalg.LinAlgError, ValueError):
            raise failed("some columns are collinear") from None
    if not (np.all(np.isfinite(result.params)) and np.all(np.isfinite(result.bse))):
        raise failed("some estimates are infinite or undefined")
    return result


def _compare_fits(real, synthetic, terms: list[str]) -> pd.DataFrame:
    """One row per term: both estimates, their standard errors, the standardised difference and the interval
    overlap."""
    def side(result) -> pd.DataFrame:
        bounds = result.conf_int(LEVEL)
        return pd.DataFrame({"estimate": result.params, "se": result.bse, "low": bounds[0], "high": bounds[1],
                             "p": result.pvalues}).reindex(terms)

    r, s = side(real), side(synthetic)
    overlap = np.minimum(r["high"], s["high"]) - np.maximum(r["low"], s["low"])  # o = min(U_r, U_s) − max(L_r, L_s)
    table = pd.DataFrame({
        "real": r["estimate"], "real_se": r["se"], "synthetic": s["estimate"], "synthetic_se": s["se"],
        "std_diff": (s["estimate"] - r["estimate"]) / r["se"],  # z = (β̂_s − β̂_r) / se(β̂_r)
        "ci_overlap": 0.5 * (overlap / (r["high"] - r["low"]) + overlap / (s["high"] - s["low"])),  # ½ (o/L_r + o/L_s)
        "same_sign_and_significance": (np.sign(r["estimate"]) == np.sign(s["estimate"]))
        & ((r["p"] < LEVEL) == (s["p"] < LEVEL))})
    table.index.name = "term"
    return table


# ---------------------------------------------------------------------------------------------- resampling


def resampling_comparison(real: pd.DataFrame, holdout: pd.DataFrame | None, schema: Schema, *, rng=0,
                          model: str = "gradient_boosting") -> pd.DataFrame:
    """Which resampling of the real training rows helps a classifier find the smallest class?

    Each of ``RESAMPLERS`` (imbalanced-learn, seeded with ``rng``; "none" is the rows as they are) is applied
    to the real training rows, the learner is trained on the result and scored on the holdout. Every sampler
    sees the same numbers: number columns standardised on the training rows with missing values at the mean,
    label columns one-hot over their 50 most common levels, dates as numbers (``core.evaluate.compare.
    RowEncoder``, as for distances), so the neighbour samplers measure distances on comparable scales; the
    learner then reads those numbers too. SMOTE-NC would keep labels as they are but only SMOTE has such a
    variant, and the comparison should differ only in the sampler.

    Rows: the strategies; columns ``recall`` and ``precision`` of the smallest class of the real training
    rows, ``false_positives`` (holdout rows of other classes predicted as it), ``balanced_accuracy`` and
    ``seconds`` (resampling and training). A strategy that fails on the data gets NaN values and a sentence in
    ``attrs["failed"]`` {strategy: sentence}; ``attrs["rows"]`` {strategy: training rows after resampling},
    ``attrs["minority"]``, ``attrs["notes"]``. The neighbour samplers use k = ``NEIGHBOURS``, or one less than
    the smallest class's rows when it is smaller.
    """
    if model not in TSTR_MODELS:
        raise ParameterError(f"Unknown model '{model}' for the resampling comparison.", hint="Use one of: "
                             + ", ".join(TSTR_MODELS) + ".")
    target = schema.target
    if not target or target not in real.columns:
        raise DataError("Comparing resampling needs a class target.", hint="Choose one on the Data page.")
    if schema.kinds[target] not in LABELS:
        raise DataError(f"Resampling balances classes, and the target '{target}' holds {schema.kinds[target]} "
                        "values.", hint="Choose a label column as the target on the Data page.")
    columns = [c for c in schema.synth_columns if c in real.columns]
    features = [c for c in columns if c != target]
    if not features:
        raise DataError("Comparing resampling needs at least one column besides the target.")
    if holdout is None or target not in holdout.columns or holdout[target].notna().sum() < MIN_HOLDOUT:
        raise DataError(f"Comparing resampling needs at least {MIN_HOLDOUT} holdout rows with a value in "
                        f"'{target}'.", hint="Load the table with a holdout share above 0.")
    absent = [c for c in features if c not in holdout.columns]
    if absent:
        raise DataError(f"The holdout has no column {absent[0]!r}.")
    generator = np.random.default_rng(rng)
    notes = []
    train = _on_one_clock(real[columns])
    train = train[train[target].notna()].copy()
    if len(train) > RESAMPLING_ROWS:
        notes.append(f"A seeded sample of {RESAMPLING_ROWS:,} of the {len(train):,} training rows is resampled.")
        train = train.sample(n=RESAMPLING_ROWS, random_state=generator.integers(2**31 - 1))
    test = _on_one_clock(holdout[columns])
    test = test[test[target].notna()].copy()
    y, truth = _classes(train[target]), _classes(test[target])
    counts = pd.Series(y).value_counts().sort_index()
    if len(counts) < 2:
        raise DataError(f"The target '{target}' has {'no value' if counts.empty else 'a single class'} in the real "
                        "training rows, so there is nothing to balance.",
                        hint="Choose a target with at least two classes.")
    minority, smallest = counts.idxmin(), int(counts.min())
    encoded_schema = schema
    for column in features:  # dates as numbers, so they are standardised like numbers
        if schema.kinds[column] == Kind.DATETIME:
            train[column], test[column] = to_floats(train[column]), to_floats(test[column])
            encoded_schema = encoded_schema.with_kind(column, Kind.CONTINUOUS)
    encoder = RowEncoder(train[features], encoded_schema)
    x, x_test = encoder.encode(train[features]), encoder.encode(test[features])
    k = min(NEIGHBOURS, smallest - 1)
    if 0 < k < NEIGHBOURS:
        notes.append(f"Class {minority!r} has {smallest} training rows, so the neighbour samplers use k = {k} "
                     f"instead of {NEIGHBOURS}.")
    seed = int(generator.integers(2**31 - 1))
    rows, failed, sizes = {}, {}, {}
    with threadpool_limits(limits=1, user_api="openmp"):
        for name in RESAMPLERS:
            if name in NEIGHBOUR_RESAMPLERS and k < 1:
                failed[name] = (f"{name} needs two rows of every class to interpolate between, and class "
                                f"{minority!r} has one.")
                continue
            start = time.perf_counter()
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    x_res, y_res = (x, y) if name == "none" else _resampler(name, seed, k).fit_resample(x, y)
            except (ValueError, RuntimeError) as exc:
                failed[name] = f"{name} could not resample these rows: {_sentence(exc)}"
                continue
            if len(set(y_res)) < 2:
                failed[name] = f"{name} left a single class in the training rows."
                continue
            frame = pd.DataFrame(x_res, columns=[f"x{i}" for i in range(x.shape[1])])
            learner = _learner(model, True, seed, list(frame.columns), [])
            predicted = learner.fit(frame, np.asarray(y_res)).predict(pd.DataFrame(x_test, columns=frame.columns))
            seconds = time.perf_counter() - start
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                precision, recall, _, _ = precision_recall_fscore_support(truth, predicted, labels=[minority],
                                                                          zero_division=np.nan)
                balanced = balanced_accuracy_score(truth, predicted)
            rows[name] = {"recall": recall[0], "precision": precision[0],
                          "false_positives": int(((predicted == minority) & (truth != minority)).sum()),
                          "balanced_accuracy": balanced, "seconds": seconds}
            sizes[name] = len(y_res)
    table = pd.DataFrame.from_dict(rows, orient="index", columns=["recall", "precision", "false_positives",
                                                                   "balanced_accuracy", "seconds"])
    table = table.reindex(list(RESAMPLERS)).astype(float)
    table.index.name = "strategy"
    table.attrs.update(failed=failed, rows=sizes, minority=minority, notes=notes)
    return table


def _resampler(name: str, seed: int, k: int):
    from imblearn.combine import SMOTEENN, SMOTETomek
    from imblearn.over_sampling import ADASYN, SMOTE, BorderlineSMOTE
    from imblearn.under_sampling import RandomUnderSampler, TomekLinks

    make = {"RandomUnderSampler": lambda: RandomUnderSampler(random_state=seed),
            "TomekLinks": TomekLinks,
            "SMOTE": lambda: SMOTE(k_neighbors=k, random_state=seed),
            "BorderlineSMOTE": lambda: BorderlineSMOTE(k_neighbors=k, random_state=seed),
            "ADASYN": lambda: ADASYN(n_neighbors=k, random_state=seed),
            "SMOTEENN": lambda: SMOTEENN(smote=SMOTE(k_neighbors=k, random_state=seed), random_state=seed),
            "SMOTETomek": lambda: SMOTETomek(smote=SMOTE(k_neighbors=k, random_state=seed), random_state=seed)}
    return make[name]()


def _sentence(exc: Exception) -> str:
    """A library's message as one sentence."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if text.endswith(".") else text + "."
