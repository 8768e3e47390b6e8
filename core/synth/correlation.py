"""Correlation matrices that a Cholesky factor can be taken of."""

from __future__ import annotations

import warnings

import numpy as np
from statsmodels.stats.correlation_tools import corr_clipped, corr_nearest
from statsmodels.tools.sm_exceptions import IterationLimitWarning


def positive_definite(matrix: np.ndarray) -> bool:
    try:
        np.linalg.cholesky(matrix)
    except np.linalg.LinAlgError:
        return False
    return bool(np.linalg.eigvalsh(matrix).min() > 1e-8)


MAX_REPAIR_WORK = 3e8  # about a second of eigendecompositions for the nearest-matrix iterations


def repair(matrix: np.ndarray) -> tuple[np.ndarray, bool]:
    """(a positive definite correlation matrix, whether it had to be repaired).

    The nearest correlation matrix (Higham 2002, statsmodels ``corr_nearest``); if its iterations
    run out first, or the matrix is too wide for them to finish in about a second, the eigenvalues are
    clipped (``corr_clipped``) to finish the job.
    """
    matrix = np.array(matrix, dtype=float)
    np.fill_diagonal(matrix, 1.0)
    if positive_definite(matrix):
        return matrix, False
    k = len(matrix)
    n_fact = min(100, int(MAX_REPAIR_WORK / k**4))  # corr_nearest: up to n_fact·k eigendecompositions of O(k³) each
    if n_fact >= 1:  # a wide matrix goes straight to clipping: the iterations would take minutes
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", IterationLimitWarning)
            matrix = corr_nearest(matrix, threshold=1e-6, n_fact=n_fact)
    if not positive_definite(matrix):
        matrix = corr_clipped(matrix, threshold=1e-6)
    np.fill_diagonal(matrix, 1.0)
    return matrix, True
