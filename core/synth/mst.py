"""MST: differentially private synthetic data from noisy marginals on a maximum spanning tree (McKenna,
Miklau, Sheldon 2021, the winner of the 2018 NIST differential privacy synthetic data challenge).

**Discretising.** Every column becomes a small set of codes: a label column its categories, a number or date
column ``bins`` equal-width bins between its minimum and maximum, and a column with missing values one more
code for "missing". The bins are fixed before any noise is drawn, from the range alone, never from where
the values fall inside it.

**Three measurements, a third of the budget ρ (zCDP) each.** Neighbouring tables differ by one row added or
removed, so a marginal (a histogram of counts) changes by 1 in one cell: L1 and L2 sensitivity 1.

1. *One-way marginals*: each column's histogram plus Gaussian noise N(0, σ₁²), with ρ/3 = d/(2σ₁²) over the
   d columns (Gaussian mechanism: a sensitivity-1 count with noise σ is 1/(2σ²)-zCDP). Codes whose noisy count
   is below 3σ₁ are merged into one "rare" code (decoded uniformly among them), which shrinks the domain.
2. *Selection*: the pairs of columns form a complete graph; each pair is weighed by how far its true two-way
   marginal is from the product of the noisy one-way marginals, scaled to their noisy total (the L1 distance,
   sensitivity 1: the product uses no count but the noisy ones, as in private-pgm's MST), and d − 1
   pairs are chosen one by one with the exponential mechanism (ε_s = √(8ρ/3 / (d − 1)) each, which is
   ε_s²/8-zCDP, Cesar & Rogers 2021), never closing a cycle: a noisy maximum spanning tree.
3. *Two-way marginals* of the chosen pairs plus N(0, σ₂²), ρ/3 = (d − 1)/(2σ₂²).

**Estimation and sampling.** private-pgm (``mbi``) fits the graphical model whose marginals best match all the
noisy measurements (mirror descent on the marginal polytope, McKenna et al. 2019); post-processing costs no
privacy. The model is a tree, so rows are drawn ancestrally: the root column from its marginal, then each
column from its conditional given its parent in the tree, codes decoded uniformly within their bin (or among
the merged rare values). The total ρ is the largest whose zCDP guarantee converts to the asked (ε, δ)
(:mod:`core.synth.privacy`); ``epsilon_`` is the ε of the ρ actually spent.

References: R. McKenna, G. Miklau, D. Sheldon, "Winning the NIST contest: a scalable and general approach to
differentially private synthetic data", Journal of Privacy and Confidentiality 11(3), 2021. R. McKenna,
D. Sheldon, G. Miklau, "Graphical-model based estimation and inference for differential privacy", ICML
2019. M. Cesar, R. Rogers, "Bounding, concentrating, and truncating: unifying privacy loss composition for
data analytics", ALT 2021.
"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass
from typing import ClassVar

import networkx as nx
import numpy as np
import pandas as pd

from core.params import Card, Param
from core.schema import to_floats
from core.synth.base import Synthesizer
from core.synth.privacy import BUDGET_CARD, PRIVATE, budget_params, delta_for, zcdp_epsilon, zcdp_rho
from core.synth.registry import register


def _mbi():
    """mbi, imported when a model is fitted: it brings JAX (about 130 MB in every process that imports the methods,
    the server's and each Dask worker's, whether or not anyone fits MST)."""
    with warnings.catch_warnings():  # mbi warns about float32 on import; the tables here are far below its limit
        warnings.simplefilter("ignore")
        import mbi
    return mbi


@dataclass
class Coding:
    """How one column becomes codes 0..size−1 and back: the bin edges of a number or date column or the
    categories of a label column, the code for missing values (if the column has any), and the merged codes."""

    name: str
    edges: np.ndarray | None = None  # number and date columns: bin edges (a single bin when constant)
    is_date: bool = False
    categories: np.ndarray | None = None  # label columns
    missing: int | None = None  # the code of a missing value
    kept: np.ndarray | None = None  # after merging: the original codes kept, in order; the rest share one code

    @property
    def raw_size(self) -> int:
        base = len(self.edges) - 1 if self.edges is not None else len(self.categories)
        return base + (self.missing is not None)

    @property
    def size(self) -> int:
        """Codes after merging: those kept, plus one for the merged rare ones if any."""
        return self.raw_size if self.kept is None else len(self.kept) + (len(self.kept) < self.raw_size)

    def encode(self, values: pd.Series) -> np.ndarray:
        if self.edges is not None:
            x = to_floats(values)
            bins = len(self.edges) - 1
            code = np.clip(np.searchsorted(self.edges, x, side="right") - 1, 0, bins - 1)  # bin k: edges[k] ≤ x
        else:
            code = pd.Index(self.categories).get_indexer(values)
        if self.missing is not None:
            code = np.where(pd.isna(values).to_numpy(), self.missing, code)
        return self.merged(np.asarray(code, dtype=np.int64))

    def merged(self, raw: np.ndarray) -> np.ndarray:
        if self.kept is None:
            return raw
        lookup = np.full(self.raw_size, len(self.kept))  # a rare code maps to the shared last code
        lookup[self.kept] = np.arange(len(self.kept))
        return lookup[raw]

    def decode(self, code: np.ndarray, rng: np.random.Generator) -> pd.Series:
        raw = code
        if self.kept is not None:
            rare = np.setdiff1d(np.arange(self.raw_size), self.kept)
            shared = code >= len(self.kept)
            raw = np.zeros(len(code), dtype=np.int64)
            raw[~shared] = self.kept[code[~shared]]
            raw[shared] = rare[rng.integers(len(rare), size=int(shared.sum()))]  # uniform among the merged codes
        missing = raw == self.missing if self.missing is not None else np.zeros(len(raw), dtype=bool)
        if self.edges is None:
            values = self.categories.astype(object)[np.where(missing, 0, raw)]
            return pd.Series(np.where(missing, None, values), dtype=object)
        bins = len(self.edges) - 1
        k = np.clip(raw, 0, bins - 1)
        x = self.edges[k] + rng.random(len(raw)) * (self.edges[k + 1] - self.edges[k])  # uniform within the bin
        x = np.where(missing, np.nan, x)
        if self.is_date:
            return pd.Series(pd.to_datetime(pd.array(np.round(x), dtype="Int64"), unit="ns"))
        return pd.Series(x)


@register
class MSTSynthesizer(Synthesizer):
    key = "dp_mst"
    title = "MST (differentially private marginals)"
    family = PRIVATE
    keeps_missing: ClassVar[bool] = True  # missing is a code of its own, measured with noise like the others
    quick: ClassVar[dict] = {"iterations": 200}
    params = (
        *budget_params(),
        Param("bins", "int", 16, "Equal-width bins per number or date column. More bins keep finer shapes but "
              "spread the same noise over more cells.", 2, 256),
        Param("iterations", "int", 1000, "Steps of the graphical model's fit to the noisy marginals (no privacy "
              "cost: it only reads the noisy numbers). More is closer, and slower.", 50, 20_000),
    )
    card = Card(does="Measures every column's histogram and the most informative pairs of columns (a spanning "
                     "tree, chosen privately) with calibrated noise, fits a graphical model to the noisy counts "
                     "and draws rows from it.",
                when="Sharing a table with a formal privacy guarantee; tables of a few hundred rows or more, "
                     "mostly categories or coarse numbers. The winner of the NIST 2018 privacy challenge.",
                distorts="Keeps each column and one link per column only (a tree): dependence among three or more "
                         "columns, and pairs not in the tree, are lost; numbers come back uniform within a bin; "
                         "small ε blurs everything.")
    teaching = BUDGET_CARD

    def notes(self) -> list[str]:
        return [*super().notes(),
                f"Differential privacy: ε = {self.epsilon_:.3g} spent of {self.params_['epsilon']:g} asked, "
                f"δ = {self.delta_:.2g} (zCDP ρ = {self.rho_:.3g}); the tree links "
                + (", ".join(f"{a} ~ {b}" for a, b in self.tree_) or "no pair (one column)") + ".",
                "Not covered by ε: the columns, their kinds, the categories seen, each number column's range and "
                "the row count were read from the data as public facts."]

    def _fit(self, df: pd.DataFrame) -> None:
        rng = np.random.default_rng(self.seed_)
        n, columns = len(df), list(df.columns)
        self.delta_ = delta_for(self.params_["delta"], n)
        rho = zcdp_rho(float(self.params_["epsilon"]), self.delta_)
        self.codings_ = {c: self._coding(c, df[c]) for c in columns}
        codes = {c: self.codings_[c].encode(df[c]) for c in columns}
        d = len(columns)
        share = rho / 3 if d > 1 else rho  # one column: no pair to choose or measure
        sigma1 = np.sqrt(d / (2 * share))  # ρ/3 = d / (2σ₁²)
        one_way = {c: np.bincount(codes[c], minlength=self.codings_[c].size) + rng.normal(0, sigma1,
                                                                                            self.codings_[c].size)
                   for c in columns}
        for c in columns:  # merge the codes whose noisy count is below 3σ₁ (post-processing of the noisy counts)
            kept = np.flatnonzero(one_way[c] >= 3 * sigma1)
            if len(kept) < self.codings_[c].raw_size:
                rare = one_way[c][np.setdiff1d(np.arange(len(one_way[c])), kept)].sum()
                one_way[c] = np.append(one_way[c][kept], rare)  # the rare codes' counts summed: noise σ₁√m
                spread = np.ones(len(one_way[c]))
                spread[-1] = np.sqrt(self.codings_[c].raw_size - len(kept))
                self.codings_[c].kept = kept
                codes[c] = self.codings_[c].merged(codes[c])
                one_way[c] = (one_way[c], spread)
        names = {c: f"c{i}" for i, c in enumerate(columns)}  # mbi wants plain attribute names
        mbi = _mbi()
        domain = mbi.Domain([names[c] for c in columns], [self.codings_[c].size for c in columns])
        measurements = [_measurement(names[c], one_way[c], sigma1) for c in columns]
        self.tree_: list[tuple[str, str]] = []
        spent = share
        if d > 1:
            self.tree_ = self._select(codes, one_way, rho / 3, rng)
            sigma2 = np.sqrt((d - 1) / (2 * (rho / 3)))  # ρ/3 = (d − 1) / (2σ₂²)
            for a, b in self.tree_:
                sizes = (self.codings_[a].size, self.codings_[b].size)
                counts = np.bincount(codes[a] * sizes[1] + codes[b], minlength=sizes[0] * sizes[1])
                noisy = counts + rng.normal(0, sigma2, counts.size)
                measurements.append(mbi.LinearMeasurement(noisy, (names[a], names[b]), stddev=sigma2))
            spent = rho
        model = mbi.estimation.MirrorDescent().estimate(domain, measurements, iters=self.params_["iterations"])
        self.rho_, self.epsilon_ = spent, zcdp_epsilon(spent, self.delta_)
        self._ancestral(model, names)

    def _coding(self, column: str, values: pd.Series) -> Coding:
        missing = values.isna().any()
        if column in self.bounds_:
            low, high = (float(v) for v in to_floats(pd.Series(self.bounds_[column])))
            bins = self.params_["bins"] if high > low else 1
            edges = np.linspace(low, high, bins + 1) if high > low else np.array([low, low])
            return Coding(column, edges=edges, is_date=self.kinds_[column] == "datetime",
                          missing=bins if missing else None)
        categories = np.asarray(self.levels_[column], dtype=object)
        return Coding(column, categories=categories, missing=len(categories) if missing else None)

    def _select(self, codes: dict[str, np.ndarray], one_way: dict, rho: float,
                rng: np.random.Generator) -> list[tuple[str, str]]:
        """d − 1 pairs by the exponential mechanism, a spanning tree of the columns (Kruskal, noisy weights)."""
        columns = list(codes)
        weights = self._weights(codes, one_way)
        epsilon = np.sqrt(8 * rho / (len(columns) - 1))  # ε_s²/8 per choice, d − 1 choices: ρ/3 in all
        forest = nx.utils.UnionFind(columns)
        chosen = []
        for _ in range(len(columns) - 1):
            candidates = [e for e in weights if forest[e[0]] != forest[e[1]]]
            score = np.array([weights[e] for e in candidates])
            gumbel = rng.gumbel(size=len(score))
            pick = candidates[int(np.argmax(epsilon * score / 2 + gumbel))]  # argmax(ε·q/2Δ + Gumbel) ~ exp. mech.
            forest.union(*pick)
            chosen.append(pick)
        return chosen

    def _weights(self, codes: dict[str, np.ndarray], one_way: dict) -> dict[tuple[str, str], float]:
        """Each pair's score: the L1 distance of its true two-way counts from x̂_ab = N̂ · p̂_a ⊗ p̂_b, built from the
        noisy one-way counts alone (N̂ their mean total), so one row added or removed moves a score by at most 1.
        (With the true row count n in x̂ it moved by up to 2, one for the count and one for n · p̂_a ⊗ p̂_b: twice
        the sensitivity the exponential mechanism is calibrated to.)"""
        columns = list(codes)
        noisy = {c: _counts(one_way[c]).clip(0) for c in columns}
        total = max(float(np.mean([noisy[c].sum() for c in columns])), 1.0)  # post-processing of noisy counts
        shares = {c: noisy[c] / max(noisy[c].sum(), 1e-12) for c in columns}
        weights = {}
        for a, b in itertools.combinations(columns, 2):
            sizes = (self.codings_[a].size, self.codings_[b].size)
            true = np.bincount(codes[a] * sizes[1] + codes[b], minlength=sizes[0] * sizes[1])
            independent = total * np.outer(shares[a], shares[b]).ravel()  # x̂_ab: no data beyond the noisy counts
            weights[a, b] = float(np.abs(true - independent).sum())  # ‖x_ab − x̂_ab‖₁, sensitivity 1
        return weights

    def _ancestral(self, model, names: dict[str, str]) -> None:
        """The tree's conditional tables P(child | parent), root first, from the fitted model's marginals."""
        graph = nx.Graph()
        graph.add_nodes_from(self.codings_)
        graph.add_edges_from(self.tree_)
        self.steps_: list[tuple[str, str | None, np.ndarray]] = []
        for component in nx.connected_components(graph):
            root = min(component, key=list(self.codings_).index)
            p = np.asarray(model.project([names[root]]).datavector(), dtype=float).clip(0)
            self.steps_.append((root, None, (p / p.sum())[None, :]))
            for parent, child in nx.bfs_edges(graph, root):
                pair = [names[parent], names[child]]
                joint = np.asarray(model.project(pair).transpose(pair).datavector(flatten=False), dtype=float)
                joint = joint.clip(0) + 1e-12
                self.steps_.append((child, parent, joint / joint.sum(axis=1, keepdims=True)))  # P(b|a) = P(a,b)/P(a)

    def _sample(self, n: int, rng: np.random.Generator) -> pd.DataFrame:
        codes = {}
        for column, parent, table in self.steps_:
            rows = table[codes[parent]] if parent is not None else np.broadcast_to(table, (n, table.shape[1]))
            u = rng.random(n)
            codes[column] = np.minimum((u[:, None] > rows.cumsum(axis=1)).sum(axis=1), table.shape[1] - 1)
        return pd.DataFrame({c: self.codings_[c].decode(codes[c], rng) for c in self.codings_})


def _counts(measured) -> np.ndarray:
    return measured[0] if isinstance(measured, tuple) else measured


def _measurement(name: str, measured, sigma: float):
    """A one-way noisy marginal for mbi; a merged one carries its rare cell's count and noise divided by √m, so
    every cell has noise σ (the query divides the model's cell the same way)."""
    mbi = _mbi()
    if not isinstance(measured, tuple):
        return mbi.LinearMeasurement(measured, (name,), stddev=sigma)
    counts, spread = measured
    return mbi.LinearMeasurement(counts / spread, (name,), stddev=sigma,
                                 query=lambda factor, s=spread: factor.datavector() / s)
