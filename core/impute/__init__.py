"""Imputation: single-variable and multivariate imputers, a per-column plan, a masking benchmark
that tells which method suits a table, and multiple imputation pooled with Rubin's rules."""

from core.impute.base import Card, Imputer
from core.impute.multivariate import ChainedEquationsImputer, NearestNeighboursImputer, PMMImputer
from core.impute.simple import (
    ConstantImputer,
    GroupMeanImputer,
    HotDeckImputer,
    InterpolateImputer,
    MeanImputer,
    MedianImputer,
    ModeImputer,
    NoiseImputer,
    UnknownImputer,
)

IMPUTERS: dict[str, type[Imputer]] = {cls.key: cls for cls in [
    MeanImputer, MedianImputer, ModeImputer, ConstantImputer, UnknownImputer, InterpolateImputer,
    GroupMeanImputer, HotDeckImputer, NoiseImputer, NearestNeighboursImputer, ChainedEquationsImputer, PMMImputer,
]}

__all__ = ["IMPUTERS", "Card", "Imputer"]
