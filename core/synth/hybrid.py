"""Hybrid (partitioned) synthesis: a model per part of the table.

One model for a whole table must carry every relation at once; a relation that is not monotone (a number
whose mean goes up and down across groups) or groups that each follow their own correlations are exactly
what a single Gaussian copula flattens. Partitioned synthesis, as taught in the Statice material and in the
stratified approach of Nowok, Raab & Dibben (2016, synthpop's ``strata``), splits the table first:

1. **Partition.** By the values of one column (``partition_by``): each value is a part, and rows with no
   value are a part of their own. Without a column the rows are clustered: k-means (scikit-learn, seeded with
   the fit seed) on the numbers standardised, z = (x − μ)/σ, and the labels one-hot
   (``core.evaluate.compare.encode_rows``; dates count as numbers).
2. **Small parts.** A part needs rows to learn from. Values of the partition column with fewer than
   ``min_part`` rows (and the values beyond the 20 largest parts) are pooled into one part, 'other', whose
   model draws the partition column itself among those values; a pooled part still below ``min_part`` joins
   the smallest kept part. Clusters below ``min_part`` join the nearest kept cluster (centroid distance).
   When no part reaches ``min_part`` the whole table is one part.
3. **A model per part.** Each part is fitted by a registered statistical synthesizer (``model``), without the
   partition column when the part holds a single value of it. With ``auto`` each candidate (Gaussian copula,
   Cholesky, Monte Carlo) is fitted on the part and draws as many rows as the part has; the one whose draw is
   closest to the part wins. Closeness is d = mean_j D_j + mean_{j<k} |V_jk − V̂_jk|: the column distances
   D_j of ``core.evaluate.compare.column_distances`` (KS for numbers, total variation for labels) plus the
   mean gap in pairwise association (Cramér's V of ``core.evaluate.compare.correlations``), so a model that
   keeps the marginals but drops the dependence does not win for free. The criterion is measured on the
   part the model learned from (cheap, and it favours faithful models; it says nothing about privacy). Parts
   are fitted in parallel (two threads), each from its own seed, spawned from the fit seed and the part's
   index (``numpy.random.SeedSequence``), so the result does not depend on scheduling.
4. **Sampling.** n rows are split over the parts in their real shares, n_i = ⌊n·p_i⌋ plus one for the
   largest remainders (ties broken by the generator); each part's model draws its n_i rows, a single-valued
   part gets its value in the partition column, and the rows are shuffled together. The partition column's
   shares are therefore kept exactly (up to rounding), and with them the dependence of every other column on
   it: each part's columns come from a model of that part alone.

A partition column must be a label (binary or categorical) or a number column with at most 20 values; an
identifier, free text, a date or a number with more values is refused with a sentence (cut a number into
bands on the Data page first, or leave the column empty to cluster the rows).

What this loses: relations between parts (each part is modelled alone, so a part with few rows gets a
rough model), and in clustering mode the cluster borders are sharp. Missing values come back at each part's
own rate.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from core.errors import DataError, ParameterError, SynthLabError
from core.params import Card, Param
from core.schema import MISSING_LABEL, NUMERIC, Kind, Schema, to_floats
from core.synth.base import Synthesizer
from core.synth.oversample import split
from core.synth.registry import METHODS, STATISTICAL, register
from core.synth.statistical import MonteCarloSynthesizer

AUTO = "auto"
CANDIDATES = ("gaussian_copula", "cholesky", "monte_carlo")  # statistical methods that need no target or settings
MAX_PARTS = 20  # at most this many parts by a column; a number column with more values is refused
WORKERS = 2
OTHER = "other"
WHOLE = "the whole table"


@dataclass
class Part:
    """Rows of the fitted table that one model learns from."""

    label: str  # how notes name it
    rows: np.ndarray  # positions in the fitted table
    value: Any = None  # the partition column's one value on these rows (when ``single``)
    single: bool = False  # True: one value of the partition column, set on the drawn rows, not modelled


@dataclass
class PartModel:
    """A part's model: the method chosen (None when the part has no observed value to learn from)."""

    key: str | None
    model: Synthesizer | None
    notes: list[str]


@register
class HybridSynthesizer(Synthesizer):
    """A statistical model per part of the table, the parts kept in their real shares (see the module text)."""

    key = "hybrid"
    title = "Hybrid (a model per group)"
    family = STATISTICAL
    keeps_missing = True  # each part's model puts missing values back at that part's rate
    quick: ClassVar[dict[str, Any]] = {"model": "gaussian_copula"}  # one model per part, no contest
    params = (Param("partition_by", "column", None, "The column whose values split the table into parts (a label, "
                                                    "or a number with few values); empty: cluster the rows.",
                    optional=True),
              Param("clusters", "int", 3, "How many parts k-means makes when no column is chosen.", low=2, high=20),
              Param("model", "choice", AUTO, "The model of every part; auto: the candidate whose draw is closest "
                                             "to the part, per part.", choices=(AUTO, *CANDIDATES)),
              Param("min_part", "int", 30, "Parts with fewer rows are pooled ('other') or join the nearest part.",
                    low=2, high=100_000))
    card = Card(does="Splits the table by a column's values (or by k-means clusters), fits the best statistical "
                     "model to each part and draws every part in its real share.",
                when="Groups that behave differently (a mean that goes up and down across groups, a correlation "
                     "that differs by group): what one model for the whole table flattens.",
                distorts="Each part is modelled alone: small parts get rough models, relations across parts are "
                         "only kept through the parts' shares, and cluster borders are sharp.")
    teaching = """
        A single model has to describe every group at once. A Gaussian copula, for example, ties a label to a
        number only through a monotone relation, so a number whose mean goes 0, 10, 0 across three groups comes
        back with the three means pulled together. **Hybrid synthesis** cuts the table into parts first (by a
        column, or by clusters of similar rows), fits a model to each part and draws every part in its real
        share. Inside a part the model only has to describe that part; the dependence on the partition column
        is kept because each group's rows come from that group's model.

        Read the run's notes: they list every part, its size and the model it got. Parts with fewer rows than
        *min part* are pooled, because a model fitted on a handful of rows mostly copies noise.
    """

    @classmethod
    def blockers(cls, df: pd.DataFrame, schema: Schema, params: dict) -> list[SynthLabError]:
        column = params["partition_by"]
        if column is None:
            return []
        declared = next(p for p in cls.params if p.name == "partition_by")
        try:
            declared.validate(column, columns=list(schema.kinds))
        except ParameterError as error:
            return [error]
        kind = schema.kinds[column]
        hint = "Choose a label column, or leave 'partition_by' empty to cluster the rows."
        if kind == Kind.ID:
            return [ParameterError(f"'{column}' is an identifier: every row would be a part of its own.", hint=hint)]
        if kind in (Kind.TEXT, Kind.DATETIME):
            return [ParameterError(f"'{column}' is a {kind} column, which cannot split the table into groups.",
                                   hint=hint)]
        if column not in schema.synth_columns:
            return [ParameterError(f"'{column}' is left out of synthesis, so it cannot split the table.",
                                   hint="Include it on the Data page, or choose another column.")]
        if column not in df.columns:
            return [DataError(f"'{column}' has no observed value, so it cannot split the table.", hint=hint)]
        values = df[column].nunique()
        if kind in NUMERIC and values > MAX_PARTS:
            return [ParameterError(f"'{column}' is a number column with {values:,} different values; a partition "
                                   f"column may have at most {MAX_PARTS}.",
                                   hint="Cut it into bands on the Data page (a label column), choose a label "
                                        "column, or leave 'partition_by' empty to cluster the rows.")]
        return []

    def notes(self) -> list[str]:
        return super().notes() + self.partition_notes_ + [self._summary()] + [
            note for fitted in self.fitted_ for note in fitted.notes]

    # ------------------------------------------------------------------ fitting

    def _fit(self, df: pd.DataFrame) -> None:
        self.partition_ = self.params_["partition_by"]
        df = df.reset_index(drop=True)
        self.parts_, self.partition_notes_ = (self._column_parts(df) if self.partition_ is not None
                                              else self._cluster_parts(df))
        self.sizes_ = pd.Series([len(p.rows) for p in self.parts_], dtype=float)
        seeds = np.random.SeedSequence(self.seed_).spawn(len(self.parts_))  # one seed per part, by its index
        with ThreadPoolExecutor(max_workers=min(WORKERS, len(self.parts_))) as pool:
            self.fitted_ = list(pool.map(self._fit_part, [df.iloc[p.rows].reset_index(drop=True)
                                                          for p in self.parts_], self.parts_, seeds))

    def _column_parts(self, df: pd.DataFrame) -> tuple[list[Part], list[str]]:
        """Parts by the partition column's values (missing values a part of their own), small ones pooled."""
        column, least = self.partition_, self.params_["min_part"]
        codes, values = pd.factorize(df[column], use_na_sentinel=False)  # a missing value gets a code too
        counts = np.bincount(codes, minlength=len(values))
        order = sorted(range(len(values)), key=lambda i: -counts[i])  # largest first, then as they appear
        kept = [i for i in order if counts[i] >= least][:MAX_PARTS]
        pooled = order[len(kept):]  # (the kept parts are the first of the order)
        name = [MISSING_LABEL if pd.isna(v) else str(v) for v in values]
        parts = [Part(name[i], np.flatnonzero(codes == i), values[i], True) for i in kept]
        notes = []
        if len(values) == 1:
            return parts or [Part(name[0], np.arange(len(df)), values[0], True)], [
                f"'{column}' holds a single value, so the whole table is one part."]
        if not kept:
            return [Part(WHOLE, np.arange(len(df)))], [
                f"Every value of '{column}' has fewer than {least} rows, so the whole table is one part, with "
                f"'{column}' modelled like the other columns."]
        if pooled:
            rows = np.flatnonzero(np.isin(codes, pooled))
            alone = len(pooled) == 1
            listed = ", ".join(name[i] for i in pooled[:5]) + (", ..." if len(pooled) > 5 else "")
            which = f"'{column}' = {listed} has" if alone else f"{len(pooled)} values of '{column}' ({listed}) have"
            why = f"fewer than {least} rows" + ("" if alone else " each") + \
                (f" or lie beyond the {MAX_PARTS} largest parts" if len(kept) == MAX_PARTS else "")
            if len(rows) >= least:
                parts.append(Part(name[pooled[0]] if alone else OTHER, rows, values[pooled[0]], alone))
                if not alone:
                    notes.append(f"{which} {why}; they were pooled into one part, '{OTHER}' ({len(rows)} rows), "
                                 f"whose model draws '{column}' among them.")
            else:
                smallest = parts[-1]
                notes.append(f"{which} {why} and {len(rows)} rows in all, so {'it' if alone else 'they'} joined the "
                             f"smallest part, '{smallest.label}', whose model draws '{column}'.")
                parts[-1] = Part(f"{smallest.label} + {listed if alone else OTHER}",
                                 np.sort(np.concatenate([smallest.rows, rows])))
        return parts, notes

    def _cluster_parts(self, df: pd.DataFrame) -> tuple[list[Part], list[str]]:
        """Parts by k-means on the rows (numbers standardised, labels one-hot); small clusters join the nearest."""
        from sklearn.cluster import KMeans

        from core.evaluate.compare import encode_rows

        least = self.params_["min_part"]
        dates = [c for c in df.columns if pd.api.types.is_datetime64_any_dtype(df[c])]  # dates count as numbers
        features = df.assign(**{c: to_floats(df[c]) for c in dates})
        kinds = {c: Kind.CONTINUOUS if c in dates else self.kinds_[c] for c in df.columns}
        x = np.asarray(encode_rows([features], Schema(kinds=kinds))[0], dtype=float)
        k = min(self.params_["clusters"], len(np.unique(x, axis=0)))
        if k < 2:
            return [Part(WHOLE, np.arange(len(df)))], [
                "Every row looks the same to k-means, so the whole table is one part."]
        means = KMeans(n_clusters=k, n_init=4, random_state=self.seed_).fit(x)
        labels, centres = means.labels_, means.cluster_centers_
        counts = np.bincount(labels, minlength=k)
        kept = [i for i in np.argsort(-counts, kind="stable") if counts[i] >= least]
        if not kept:
            return [Part(WHOLE, np.arange(len(df)))], [
                f"Every one of the {k} k-means clusters has fewer than {least} rows, so the whole table is one "
                "part."]
        small = [i for i in range(k) if counts[i] and i not in kept]
        for i in small:  # a small cluster joins the kept cluster whose centre is nearest to its own
            nearest = kept[int(np.argmin(np.linalg.norm(centres[kept] - centres[i], axis=1)))]
            labels = np.where(labels == i, nearest, labels)
        notes = [f"{len(small)} k-means cluster{'s' if len(small) > 1 else ''} with fewer than {least} rows "
                 f"joined the nearest larger one."] if small else []
        return [Part(f"cluster {j + 1}", np.flatnonzero(labels == i)) for j, i in enumerate(kept)], notes

    def _fit_part(self, df: pd.DataFrame, part: Part, seed: np.random.SeedSequence) -> PartModel:
        """The part's model: the chosen method, or with ``auto`` the candidate whose draw is closest to the part."""
        columns = [c for c in self.columns_ if not (part.single and c == self.partition_) and df[c].notna().any()]
        empty = [c for c in self.columns_ if c != self.partition_ and c not in columns]
        notes = [f"In part '{part.label}', '{c}' has no observed value, so it is missing on that part's rows."
                 for c in empty]
        if not columns:
            return PartModel(None, None, notes)
        schema = Schema(kinds={c: self.kinds_[c] for c in columns},
                        target=self.target_ if self.target_ in columns else None)
        data = df[columns]
        fit_seed, draw_seed = (int(s) for s in seed.generate_state(2))
        keys = CANDIDATES if self.params_["model"] == AUTO else (self.params_["model"],)
        reference = association(data, schema) if len(keys) > 1 else None
        best, failure, marginals = None, None, None
        for key in keys:
            model = METHODS[key]()
            if isinstance(model, MonteCarloSynthesizer):  # the part's marginals, fitted once for both such models
                model.reusing(marginals)
            try:
                model.fit(data, schema, seed=fit_seed)
            except SynthLabError as error:  # a candidate that cannot learn this part leaves the others to it
                failure = error
                continue
            if isinstance(model, MonteCarloSynthesizer):
                marginals = model.marginals_
            score = distance(data, model.sample(len(data), rng=draw_seed), schema, reference) \
                if reference is not None else 0.0
            if best is None or score < best[0]:
                best = (score, key, model)
        if best is None:
            raise failure
        _, key, model = best
        return PartModel(key, model, notes + [f"In part '{part.label}': {note}" for note in model.notes()])

    def _summary(self) -> str:
        """The parts and the model each got, in one sentence."""
        by = f"'{self.partition_}'" if self.partition_ is not None else "k-means"
        chosen = {f.key for f in self.fitted_ if f.key}
        rows = [f"{p.label} ({len(p.rows)} rows)" for p in self.parts_]
        if not chosen:
            return f"Parts by {by}: {', '.join(rows)}; no other column has a value to learn from."
        auto = " (auto: the model whose draw was closest to the part)" if self.params_["model"] == AUTO else ""
        if len(chosen) == 1:
            title = METHODS[chosen.pop()].title
            if len(self.parts_) == 1 and self.parts_[0].label == WHOLE:
                return f"One model for the whole table ({len(self.parts_[0].rows)} rows): {title}{auto}."
            return f"Parts by {by}, each with {title}{auto}: {', '.join(rows)}."
        each = ", ".join(f"{p.label} → {METHODS[f.key].title if f.key else 'no model'} ({len(p.rows)} rows)"
                         for p, f in zip(self.parts_, self.fitted_, strict=True))
        return f"Parts by {by}{auto}: {each}."

    # ------------------------------------------------------------------ sampling

    def _sample(self, n: int, rng: np.random.Generator) -> pd.DataFrame:
        order = rng.permutation(len(self.parts_))  # remainders that tie go to parts in a random order
        counts = split(self.sizes_.iloc[order] / self.sizes_.sum(), n).sort_index().to_numpy()
        seeds = rng.integers(0, 2**32, size=len(self.parts_))
        frames = []
        for part, fitted, count, seed in zip(self.parts_, self.fitted_, counts, seeds, strict=True):
            if count == 0:
                continue
            frame = fitted.model.sample(int(count), rng=int(seed)) if fitted.model is not None else \
                pd.DataFrame(index=range(count))
            if part.single and self.partition_ is not None:
                frame[self.partition_] = pd.Series([part.value] * count, dtype=object)
            frames.append(frame.astype(object).where(frame.notna(), np.nan))  # (parts' dtypes may differ)
        out = pd.concat(frames, ignore_index=True).reindex(columns=self.columns_)
        out = out.iloc[rng.permutation(len(out))].reset_index(drop=True)
        return out.infer_objects()  # _finish puts every column back into its real dtype


def association(df: pd.DataFrame, schema: Schema) -> pd.DataFrame:
    """Cramér's V between every pair of number and label columns (``core.evaluate.compare.correlations``)."""
    from core.evaluate.compare import correlations

    return correlations(df, schema, "cramers_v")


def distance(real: pd.DataFrame, synthetic: pd.DataFrame, schema: Schema, reference: pd.DataFrame) -> float:
    """d = mean_j D_j + mean_{j<k} |V_jk − V̂_jk|: column distances (KS, total variation) plus the mean gap in
    pairwise association (Cramér's V; ``reference`` is the real table's); 0 for a perfect copy."""
    from core.evaluate.compare import column_distances

    columns = column_distances(real, synthetic, schema)["value"]
    marginal = float(columns.mean()) if len(columns) else 0.0
    drawn = association(synthetic, schema).reindex(index=reference.index, columns=reference.columns).fillna(0)
    gap = np.abs(reference.to_numpy() - drawn.to_numpy())[np.triu_indices(len(reference), k=1)]
    return marginal + (float(gap.mean()) if gap.size else 0.0)  # d = mean D + mean |ΔV|
