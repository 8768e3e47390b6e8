"""Evaluation of synthetic tables: fidelity, detection, utility (TSTR) and privacy scores."""

from core.evaluate.scores import Scores, evaluate

__all__ = ["Scores", "evaluate"]
