"""Safe-Level SMOTE (Bunkhumpornpat, Sinapiromsaran & Lursinsap 2009), which imbalanced-learn lacks.

The *safe level* of a row is the number of rows of its own class among its k nearest neighbours
(all classes): high inside the class, zero for a row surrounded by other classes. For a row p and
a random same-class neighbour n among its k nearest, with sl = slp / sln (∞ when sln = 0), the new
row is p + gap (n − p) with gap drawn by the paper's five cases (Algorithm 1):

1. slp = sln = 0 (both are noise):       no new row;
2. sln = 0, slp > 0 (n is noise):        gap = 0, a copy of p;
3. sl = 1 (equally safe):                gap ~ U[0, 1];
4. sl > 1 (p is safer):                  gap ~ U[0, 1/sl], near p;
5. sl < 1 (n is safer):                  gap ~ U[1 − sl, 1], near n.

So new rows are pulled towards the safer of the two and never made between two noisy rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.neighbors import NearestNeighbors


def safe_level_gap(slp: np.ndarray, sln: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The gap for each (p, n) pair by the five cases above; NaN where no row is made (case 1)."""
    slp, sln = np.asarray(slp, float), np.asarray(sln, float)
    u = rng.random(len(slp))
    sl = slp / np.where(sln > 0, sln, 1.0)  # only read where sln > 0
    gap = np.full(len(slp), np.nan)
    gap = np.where((sln == 0) & (slp > 0), 0.0, gap)  # case 2
    gap = np.where((sln > 0) & (sl == 1), u, gap)  # case 3: U[0, 1]
    gap = np.where((sln > 0) & (sl > 1), u / np.maximum(sl, 1.0), gap)  # case 4: U[0, 1/sl]
    gap = np.where((sln > 0) & (sl < 1), 1 - sl + u * sl, gap)  # case 5: U[1 − sl, 1]
    return gap  # case 1 (slp = sln = 0) stays NaN


class SafeLevelSMOTE:
    """An imbalanced-learn style sampler: ``fit_resample(X, y)`` returns the rows with new ones appended."""

    def __init__(self, *, sampling_strategy: dict, k_neighbors: int = 5, random_state: int | None = None,
                 max_rounds: int = 50) -> None:
        self.sampling_strategy = sampling_strategy
        self.k_neighbors = k_neighbors
        self.random_state = random_state
        self.max_rounds = max_rounds

    def fit_resample(self, X, y):
        x = np.asarray(X, dtype=float)
        labels = np.asarray(y)
        rng = np.random.default_rng(self.random_state)
        k = self.k_neighbors
        everyone = NearestNeighbors(n_neighbors=min(k + 1, len(x))).fit(x)
        new_x, new_y = [], []
        for label, total in self.sampling_strategy.items():
            members = np.flatnonzero(labels == label)
            need = int(total) - len(members)
            if need <= 0:
                continue
            rows = x[members]
            around = everyone.kneighbors(rows, return_distance=False)[:, 1:]
            safe = (labels[around] == label).sum(axis=1)  # safe level: own class among the k nearest
            if not safe.any():
                raise ValueError(f"every row of class {label!r} is surrounded by other classes (safe level 0), "
                                 "so Safe-Level SMOTE creates nothing")
            same = NearestNeighbors(n_neighbors=min(k + 1, len(members))).fit(rows)
            neighbours = same.kneighbors(rows, return_distance=False)[:, 1:]
            made = 0
            for _ in range(self.max_rounds):
                p = rng.integers(len(members), size=need - made)
                n = neighbours[p, rng.integers(neighbours.shape[1], size=len(p))]
                gap = safe_level_gap(safe[p], safe[n], rng)
                keep = ~np.isnan(gap)
                points = rows[p[keep]] + gap[keep, None] * (rows[n[keep]] - rows[p[keep]])  # p + gap (n − p)
                new_x.append(points)
                new_y.append(np.full(len(points), label, dtype=labels.dtype))
                made += len(points)
                if made >= need:
                    break
        if not new_x:
            return X, y
        out_x = np.vstack([x, *new_x])
        out_y = np.concatenate([labels, *new_y])
        if isinstance(X, pd.DataFrame):
            return pd.DataFrame(out_x, columns=X.columns), pd.Series(out_y, name=getattr(y, "name", None))
        return out_x, out_y
