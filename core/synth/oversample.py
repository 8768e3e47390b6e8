"""Oversampling the classes of the target column: random duplication and the SMOTE family.

The samplers are imbalanced-learn's (Lemaître et al. 2017): random oversampling (optionally a
smoothed bootstrap), SMOTE (Chawla et al. 2002: a new row on the segment between a minority row
and one of its k nearest minority neighbours), Borderline-SMOTE (Han et al. 2005: only rows near
the class border), ADASYN (He et al. 2008: more rows where the class is hard to learn), SVM-SMOTE
(Nguyen et al. 2011), k-means SMOTE (Douzas et al. 2018) and SMOTE-NC / SMOTE-N for label
features (Chawla et al. 2002, §6).

Number features are standardised for the neighbour search and put back on their scale; label
features are one-hot encoded and decoded to the label with the largest value (SMOTE-NC handles
them natively). Two modes, as in teaching practice:

* **bulk out**: the real rows plus synthetic rows, the extra rows given to the smallest classes
  first, so a model can train on balanced data; ``sample(n)`` returns exactly n rows;
* **replace**: synthetic rows only, in the real class split, for sharing instead of the real data.
  Extra rows are generated first; synthetic rows identical to a real row are dropped, and so is the
  ``privacy_share`` of the rest that lies closest to a real row (distance on standardised
  features), so the rows kept do not sit on top of real people. Candidates are drawn in rounds,
  each asking for what is still short divided by the share that survived so far, until every
  class has its count: ``sample(n)`` returns exactly n rows in the real split, or says why it
  cannot. Random oversampling without noise (shrinkage 0) only copies, so it is refused here.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
from imblearn.over_sampling import (
    ADASYN,
    SMOTE,
    SMOTEN,
    SMOTENC,
    SVMSMOTE,
    BorderlineSMOTE,
    KMeansSMOTE,
    RandomOverSampler,
)
from sklearn.neighbors import NearestNeighbors

from core.errors import DataError, ParameterError, SynthLabError
from core.params import Card, Param
from core.schema import LABELS, Kind, Schema, infinity_notice, without_infinities
from core.synth.base import Synthesizer
from core.synth.registry import OVERSAMPLING, register
from core.synth.safe_level import SafeLevelSMOTE

MODE = Param("mode", "choice", "bulk_out", "bulk_out: real rows plus synthetic ones, classes balanced; replace: "
             "synthetic rows only, in the real class split.", choices=("bulk_out", "replace"))
K = Param("k_neighbors", "int", 5, "Minority neighbours a new row may be drawn towards.", low=1, high=50)
PRIVACY = Param("privacy_share", "float", 0.10, "Replace mode: share of synthetic rows closest to a real row that "
                "is dropped.", low=0.0, high=0.9)
ROUNDS = 8  # rounds of candidates drawn until every class has its count
POOL = 10  # at most this many times the rows asked for (beyond the privacy share) are drawn as candidates


class _Oversampler(Synthesizer):
    family = OVERSAMPLING
    params: ClassVar[tuple[Param, ...]] = (MODE, K, PRIVACY)
    uses_k: ClassVar[bool] = True
    native_labels: ClassVar[bool] = False  # SMOTE-NC keeps label features as they are

    def _sampler(self, strategy: dict, seed: int, k: int):
        raise NotImplementedError

    # ------------------------------------------------------------------ fit

    @classmethod
    def blockers(cls, df: pd.DataFrame, schema: Schema, params: dict) -> list[SynthLabError]:
        found = []
        target = schema.target
        if not target:
            found.append(DataError(f"{cls.title} balances the classes of a target column, and none is chosen.",
                                   hint="Pick one on the Data page."))
        elif target not in df.columns or df[target].isna().all():
            found.append(DataError(f"The target '{target}' has no values, or is left out of synthesis, so it has no "
                                   "classes to balance.", hint="Choose a target with classes on the Data page."))
        elif schema.kinds.get(target) in (Kind.CONTINUOUS, Kind.DATETIME):
            found.append(DataError(f"The target '{target}' holds {schema.kinds[target]} values, not classes, so "
                                   f"{cls.title} has no classes to balance.",
                                   hint="Choose a label target, mark it categorical on the Data page if its values "
                                        "are codes, or use a statistical model."))
        modelled = [c for c in schema.synth_columns if c in df.columns]
        finite, infinite = without_infinities(df[modelled])  # (infinite values count as missing)
        holes = [c for c in modelled if finite[c].isna().any()]
        if holes:
            said = " ".join(infinity_notice(infinite, "which count as missing"))
            found.append(DataError(f"{cls.title} can't work with missing values, and {', '.join(holes)} "
                                   f"{'has' if len(holes) == 1 else 'have'} some." + (f" {said}" if said else ""),
                                   hint="Impute them first on the Impute page, or pick a statistical model or a neural "
                                        "network, which handle them."))
        return found

    @classmethod
    def default_rows(cls, df: pd.DataFrame, schema: Schema, params: dict) -> int:
        """Bulk out: every class as large as the largest (the real rows included); replace: as many as the real."""
        if params.get("mode") == "bulk_out" and schema.target in df.columns:
            counts = df[schema.target].value_counts()
            return int(counts.max() * len(counts))
        return len(df)

    @classmethod
    def keeps_real_rows(cls, params: dict) -> bool:
        return params.get("mode") == "bulk_out"

    def notes(self) -> list[str]:
        dropped = getattr(self, "dropped_", None)  # set by the privacy filter of replace mode
        return super().notes() + ([f"Privacy filter: {dropped['copies']:,} exact copies of real rows and the "
                                   f"{dropped['closest']:,} synthetic rows closest to real ones were dropped."]
                                  if dropped else [])

    def _fit(self, df: pd.DataFrame) -> None:
        target = self.target_
        features = [c for c in self.columns_ if c != target]
        if not features:
            raise DataError(f"{self.title} needs at least one column besides the target.")
        counts = df[target].value_counts()
        if len(counts) < 2:
            raise DataError(f"The target '{target}' has a single class ('{counts.index[0]}') in the rows "
                            f"{self.title} learns from, so there is nothing to balance.",
                            hint="Choose a target with at least two classes (if the table has others, the held-out "
                                 "rows took all of them: hold out fewer rows on the Data page).")
        k = self.params_.get("k_neighbors", 0)
        if self.uses_k and counts.min() <= k:
            smallest = counts.idxmin()
            if counts.min() < 2:
                raise DataError(f"Class '{smallest}' has a single row, which has no neighbour to interpolate "
                                "towards.", hint="Use random oversampling, or merge the class with another.")
            raise DataError(f"Class '{smallest}' has {counts.min()} rows; {self.title} with k = {k} needs at least "
                            f"{k + 1}.", hint=f"Set k to {counts.min() - 1} or less.")
        self.features_ = features
        self.labels_ = [c for c in features if self.kinds_[c] in LABELS or not pd.api.types.is_numeric_dtype(df[c])]
        self.numbers_ = [c for c in features if c not in self.labels_]
        self.counts_ = counts
        self.real_ = df.reset_index(drop=True)
        peak = df[self.numbers_].abs().max().replace(0, 1.0)  # summed as x / peak: values near 1e300 don't overflow
        self.center_ = (df[self.numbers_] / peak).mean() * peak
        self.scale_ = ((df[self.numbers_] / peak).std(ddof=0) * peak).replace(0, 1.0)
        self.categories_ = {c: list(df[c].astype(object).value_counts().index) for c in self.labels_}

    def _encode(self, df: pd.DataFrame) -> pd.DataFrame:
        numbers = (df[self.numbers_] - self.center_) / self.scale_  # z = (x − μ)/σ
        if self.native_labels:
            return pd.concat([numbers, df[self.labels_].astype(str)], axis=1)
        onehot = [pd.DataFrame({f"{c}={v}": (df[c].astype(object) == v).astype(float) for v in cats}, index=df.index)
                  for c, cats in self.categories_.items()]
        return pd.concat([numbers, *onehot], axis=1)

    def _decode(self, encoded: pd.DataFrame) -> pd.DataFrame:
        out = pd.DataFrame(encoded[self.numbers_].to_numpy() * self.scale_.to_numpy() + self.center_.to_numpy(),
                           columns=self.numbers_)
        for column in self.numbers_:  # final precision now, so the privacy filter sees the rows as they will be
            if column in self.bounds_:
                out[column] = self._at_real_precision(out[column], column)
        for column, cats in self.categories_.items():
            if self.native_labels:
                lookup = {str(v): v for v in cats}
                out[column] = encoded[column].map(lookup).to_numpy()
            else:
                block = encoded[[f"{column}={v}" for v in cats]].to_numpy()
                out[column] = np.array(cats, dtype=object)[block.argmax(axis=1)]  # the label with the largest value
        return out

    # ------------------------------------------------------------------ sample

    def _generate(self, extra: pd.Series, rng: np.random.Generator) -> pd.DataFrame:
        """About ``extra[c]`` synthetic rows of each class c (ADASYN and SVM-SMOTE may give fewer or more)."""
        wanted = extra[extra > 0]
        if wanted.empty:
            return self.real_.iloc[:0][self.columns_]
        strategy = {c: int(self.counts_[c] + max(np.ceil(wanted[c] * 1.1) + 2, self._least(c))) for c in wanted.index}
        X, y = self._encode(self.real_), self.real_[self.target_]
        sampler = self._sampler(strategy, int(rng.integers(2**31 - 1)), self.params_.get("k_neighbors", 0))
        try:
            X_res, y_res = sampler.fit_resample(X, y)
        except (ValueError, RuntimeError) as exc:
            raise DataError(f"{self.title} could not generate rows: {exc}",
                            hint="Try plain SMOTE, a smaller k, or random oversampling.") from None
        new = self._decode(pd.DataFrame(X_res, columns=X.columns).iloc[len(X):].reset_index(drop=True))
        new[self.target_] = np.asarray(y_res)[len(X):]
        return new

    def _least(self, label) -> int:
        """The fewest new rows of class ``label`` worth asking the sampler for in one call."""
        return 0

    def _enough(self, wanted: pd.Series, rng: np.random.Generator, *, private: bool) -> pd.DataFrame:
        """At least ``wanted[c]`` usable synthetic rows of every class c, drawn in rounds.

        A sampler may make fewer rows than asked (ADASYN rounds its per-row counts, SVM-SMOTE works only
        near support vectors) and in replace mode the privacy filter drops copies and the rows closest to
        real ones. So candidates are drawn until every class has its count: each round asks for what is
        still short, divided by the share of candidates that survived so far (the yield), with a margin.
        Only when ``ROUNDS`` rounds or ``POOL`` times the asked rows of candidates do not suffice is
        the count impossible, and the error says so.
        """
        target, share = self.target_, self.params_["privacy_share"] if private else 0.0
        wanted = wanted[wanted > 0]
        ceiling = np.ceil(wanted * POOL / (1 - share)) + 100  # most candidates drawn per class
        ask = np.ceil(wanted * 1.05 / (1 - share) + 5)  # the filter keeps (1 − share) of the unique rows
        pool = []
        for _ in range(ROUNDS):
            pool.append(self._generate(ask.astype(int), rng))
            candidates = pd.concat(pool, ignore_index=True)
            kept = self._private(candidates) if private else candidates
            made = candidates[target].value_counts().reindex(wanted.index, fill_value=0)
            have = kept[target].value_counts().reindex(wanted.index, fill_value=0)
            short = (wanted - have).clip(lower=0)
            if not short.any():
                return kept
            survive = (have / made.replace(0, np.nan)).fillna(0).clip(lower=1 / POOL)  # the yield so far
            ask = np.minimum(np.ceil(short / survive * 1.2) + 5, ceiling - made).where(short > 0, 0)
            if not ask.gt(0).any():
                break
        label = short.idxmax()
        why = ("after the privacy filter " if private else "") + f"only {have[label]:,} synthetic rows of class " \
              f"{label!r} are usable of the {wanted[label]:,} asked for, from {made[label]:,} candidates."
        hint = ("Most candidates copy real rows or sit next to them: lower the privacy share, ask for fewer rows, "
                "or use a method that spreads rows more (SMOTE, or a statistical model)." if private else
                "It creates rows only where classes meet, and few rows of this class are near another class. "
                "Try plain SMOTE, or fewer rows.")
        raise DataError(f"{self.title}: {why}", hint=hint)

    def _sample(self, n: int, rng: np.random.Generator) -> pd.DataFrame:
        if self.params_["mode"] == "bulk_out":
            extra = bulk_out_extra(self.counts_, n)
            parts, wanted = [self.real_[self.columns_]], extra
        else:
            parts, wanted = [], split(self.counts_ / self.counts_.sum(), n)
        new = self._enough(wanted, rng, private=self.params_["mode"] == "replace")
        for label, count in wanted.items():
            rows = new[new[self.target_] == label]
            parts.append(rows.iloc[rng.permutation(len(rows))[:count]])
        return pd.concat(parts, ignore_index=True)[self.columns_]

    def _private(self, new: pd.DataFrame) -> pd.DataFrame:
        """Drop exact copies of real rows and the privacy share of the rest closest to any real row."""
        if new.empty:
            return new
        real = self._encode(self.real_).to_numpy(dtype=float) if not self.native_labels else \
            ((self.real_[self.numbers_] - self.center_) / self.scale_).to_numpy()
        synthetic = self._encode(new).to_numpy(dtype=float) if not self.native_labels else \
            ((new[self.numbers_] - self.center_) / self.scale_).to_numpy()
        if real.shape[1]:
            distance, nearest = NearestNeighbors(n_neighbors=1).fit(real).kneighbors(synthetic)
            distance, nearest = distance[:, 0], nearest[:, 0]
        else:
            distance, nearest = np.zeros(len(new)), np.zeros(len(new), dtype=int)
        same_labels = np.ones(len(new), dtype=bool)
        if self.native_labels:  # the distance saw only numbers: compare the labels with the nearest real row
            for column in self.labels_:
                same_labels &= new[column].to_numpy() == self.real_[column].to_numpy()[nearest]
        unique = ~((distance < 1e-9) & same_labels)  # an exact copy of a real row (up to float round-off)
        keep = unique.copy()
        share = self.params_["privacy_share"]
        if share > 0 and unique.any():
            cut = np.quantile(distance[unique], share)
            keep &= distance > cut
        self.dropped_ = {"copies": int((~unique).sum()), "closest": int(unique.sum() - keep.sum())}
        return new[keep].reset_index(drop=True)


def bulk_out_extra(counts: pd.Series, n: int) -> pd.Series:
    """Synthetic rows per class so that the real rows plus them make n rows, smallest classes first."""
    total = int(counts.sum())
    if n < total:
        raise ParameterError(f"Bulk out keeps all {total:,} real rows, so ask for at least {total:,} rows.",
                             hint="Or use replace mode for fewer, synthetic-only rows.")
    level = counts.sort_values()
    budget, filled = n - total, counts.copy().astype(int)
    ordered = list(level.index)
    for i in range(len(ordered)):  # raise the smallest classes to the next level until the budget runs out
        group = ordered[: i + 1]
        next_level = level.iloc[i + 1] if i + 1 < len(ordered) else np.inf
        cost = sum(next_level - filled[c] for c in group) if np.isfinite(next_level) else np.inf
        if cost <= budget:
            for c in group:
                budget -= next_level - filled[c]
                filled[c] = next_level
            continue
        share, rest = divmod(budget, len(group))
        for j, c in enumerate(group):
            filled[c] += share + (1 if j < rest else 0)
        break
    return (filled - counts).astype(int)


def split(shares: pd.Series, n: int) -> pd.Series:
    """n rows split by shares, largest remainders first, summing exactly to n."""
    exact = shares * n
    counts = np.floor(exact).astype(int)
    order = (exact - counts).sort_values(ascending=False).index
    counts[order[: n - int(counts.sum())]] += 1
    return counts


SHRINKAGE = Param("shrinkage", "float", 0.0, "0 copies rows exactly (bulk out only); above 0 adds noise around each "
                  "copy (a smoothed bootstrap), needed in replace mode.", low=0.0, high=3.0)


@register
class RandomOversampler(_Oversampler):
    key = "random_oversampling"
    title = "Random oversampling"
    uses_k = False
    params = (MODE, SHRINKAGE, PRIVACY)
    card = Card(does="Copies rows of the smaller classes at random (with optional noise) until classes balance.",
                when="A quick baseline for imbalanced classes.",
                distorts="Exact copies make models overfit and leak real rows; use replace mode with care.")

    @classmethod
    def refusal(cls, params: dict) -> ParameterError | None:
        if params.get("mode") == "replace" and not params.get("shrinkage", SHRINKAGE.default):
            return ParameterError("Random oversampling with shrinkage 0 only copies real rows, and replace mode drops "
                                  "every copy of a real row, so no row would be left.",
                                  hint="Set shrinkage above 0 (0.5 adds mild noise around each copy, a smoothed "
                                       "bootstrap), or use bulk out mode.")
        return None

    def _sampler(self, strategy: dict, seed: int, k: int):
        shrinkage = self.params_["shrinkage"] or None
        return RandomOverSampler(sampling_strategy=strategy, shrinkage=shrinkage, random_state=seed)


@register
class SmoteSynthesizer(_Oversampler):
    key = "smote"
    title = "SMOTE"
    card = Card(does="Creates each new row on the straight line between a row of the class and one of its k "
                     "nearest neighbours of the same class.",
                when="Imbalanced classes with number features; the standard first choice.",
                distorts="Fills the space between neighbours, also across overlapping classes; labels are "
                         "one-hot encoded and rounded back.")

    def _sampler(self, strategy: dict, seed: int, k: int):
        return SMOTE(sampling_strategy=strategy, k_neighbors=k, random_state=seed)


@register
class BorderlineSmoteSynthesizer(_Oversampler):
    key = "borderline_smote"
    title = "Borderline-SMOTE"
    card = Card(does="Like SMOTE, but only from rows near the border with other classes (in danger).",
                when="When the classes overlap and the border is what a model must learn.",
                distorts="Leaves the inside of the class as it was; noisy borders get more noise.")

    def _sampler(self, strategy: dict, seed: int, k: int):
        return BorderlineSMOTE(sampling_strategy=strategy, k_neighbors=k, random_state=seed)


@register
class AdasynSynthesizer(_Oversampler):
    key = "adasyn"
    title = "ADASYN"
    card = Card(does="Like SMOTE, with more new rows where the class is hardest to learn (many neighbours of "
                     "other classes).",
                when="When a model fails on a hard part of the minority class.",
                distorts="Concentrates rows around outliers and noise.")

    def _least(self, label) -> int:
        # ADASYN shares the ask out over the class's rows and rounds each share, so an ask below the class size
        # may round to no row at all; one row per real row never does.
        return int(self.counts_[label])

    def _sampler(self, strategy: dict, seed: int, k: int):
        return ADASYN(sampling_strategy=strategy, n_neighbors=k, random_state=seed)


@register
class SvmSmoteSynthesizer(_Oversampler):
    key = "svm_smote"
    title = "SVM-SMOTE"
    card = Card(does="Finds the border with a support vector machine and creates rows near its support vectors.",
                when="Overlapping classes of moderate size.",
                distorts="Slow on large tables; depends on the SVM's fit.")

    def _sampler(self, strategy: dict, seed: int, k: int):
        return SVMSMOTE(sampling_strategy=strategy, k_neighbors=k, random_state=seed)


@register
class KMeansSmoteSynthesizer(_Oversampler):
    key = "kmeans_smote"
    title = "k-means SMOTE"
    card = Card(does="Clusters the data with k-means and applies SMOTE inside clusters where the class is common.",
                when="Classes made of several separate groups.",
                distorts="Needs clusters with enough rows of the class; may refuse small tables.")

    def _sampler(self, strategy: dict, seed: int, k: int):
        from sklearn.cluster import MiniBatchKMeans

        clusters = max(2, min(8, int(self.counts_.min() // (k + 1))))
        return KMeansSMOTE(sampling_strategy=strategy, k_neighbors=k, random_state=seed, cluster_balance_threshold=0.0,
                           kmeans_estimator=MiniBatchKMeans(n_clusters=clusters, random_state=seed, n_init=3))


@register
class SafeLevelSmoteSynthesizer(_Oversampler):
    key = "safe_level_smote"
    title = "Safe-Level SMOTE"
    card = Card(does="Like SMOTE, but each new row is pulled towards whichever of its two parents has more rows of "
                     "its own class around it, and none is made between two rows lost among other classes.",
                when="Noisy, overlapping classes where plain SMOTE would put rows inside the other class.",
                distorts="Piles rows into the safe core of the class and copies rows next to noise; written "
                         "here from the paper, as imbalanced-learn lacks it.")

    def _sampler(self, strategy: dict, seed: int, k: int):
        return SafeLevelSMOTE(sampling_strategy=strategy, k_neighbors=k, random_state=seed)


@register
class GeometricSmoteSynthesizer(_Oversampler):
    key = "geometric_smote"
    title = "Geometric SMOTE"
    params = (MODE, K, PRIVACY,
              Param("truncation_factor", "float", 0.0, "Cuts the hypersphere around a row: −1 keeps the half away "
                    "from the neighbour, 1 the half towards it, 0 keeps it whole.", low=-1.0, high=1.0),
              Param("deformation_factor", "float", 0.0, "0 draws in a sphere, 1 flattens it onto the line to the "
                    "neighbour (plain SMOTE).", low=0.0, high=1.0),
              Param("selection_strategy", "choice", "combined", "Which neighbour sets the sphere's radius.",
                    choices=("combined", "majority", "minority")))
    card = Card(does="Draws each new row inside a (truncated, deformed) hypersphere around a row of the class, "
                     "instead of on a line segment (Douzas & Bacao 2019).",
                when="When SMOTE's line segments make the new rows too regular, or near other classes.",
                distorts="Can place rows farther from the real ones than SMOTE; two more settings to tune.")

    def _sampler(self, strategy: dict, seed: int, k: int):
        from imblearn_extra.gsmote import GeometricSMOTE

        return GeometricSMOTE(sampling_strategy=strategy, k_neighbors=k, random_state=seed,
                              truncation_factor=self.params_["truncation_factor"],
                              deformation_factor=self.params_["deformation_factor"],
                              selection_strategy=self.params_["selection_strategy"])


@register
class SmoteNcSynthesizer(_Oversampler):
    key = "smotenc"
    title = "SMOTE-NC (mixed features)"
    native_labels = True
    card = Card(does="SMOTE for tables with label features: numbers are interpolated, each label is the most "
                     "common among the neighbours (SMOTE-N when every feature is a label).",
                when="Imbalanced classes with a mix of number and label features.",
                distorts="Labels follow the neighbours' majority, so rare combinations become rarer.")

    def _sampler(self, strategy: dict, seed: int, k: int):
        if not self.numbers_:
            return SMOTEN(sampling_strategy=strategy, k_neighbors=k, random_state=seed)
        if not self.labels_:
            return SMOTE(sampling_strategy=strategy, k_neighbors=k, random_state=seed)
        positions = [len(self.numbers_) + i for i in range(len(self.labels_))]
        return SMOTENC(categorical_features=positions, sampling_strategy=strategy, k_neighbors=k, random_state=seed)

