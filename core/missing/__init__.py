"""Missing data: what is missing, in which patterns, why, and what it does to an analysis."""

from core.missing.ampute import MECHANISMS, SHAPES, ampute, missing_probability
from core.missing.little import LittleResult, dependent_columns, little_mcar_test
from core.missing.mar import MNAR_NOTE, MarResult, mar_diagnostics
from core.missing.patterns import (
    dendrogram_input,
    missing_by_column,
    nullity_correlation,
    nullity_matrix,
    partially_missing,
    pattern_table,
)
from core.missing.simulate import Simulation, fit_line, simulate, suggest_setup

__all__ = [
    "MECHANISMS", "MNAR_NOTE", "SHAPES", "LittleResult", "MarResult", "Simulation", "ampute",
    "dendrogram_input", "dependent_columns", "fit_line", "little_mcar_test", "mar_diagnostics",
    "missing_by_column", "missing_probability", "nullity_correlation", "nullity_matrix", "partially_missing",
    "pattern_table", "simulate", "suggest_setup",
]
