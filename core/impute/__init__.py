"""Imputation: single-variable and multivariate imputers, a per-column plan, a masking benchmark
that tells which method suits a table, and multiple imputation pooled with Rubin's rules.

Each imputer registers itself in ``IMPUTERS`` (key -> class) with the ``register`` decorator of
:mod:`core.impute.registry`; importing this package imports the built-in ones."""

# the built-in imputers register themselves, in the order the page lists them
from core.impute import simple, multivariate  # noqa: F401, I001
from core.impute.base import Card, Imputer
from core.impute.registry import IMPUTERS, register

__all__ = ["IMPUTERS", "Card", "Imputer", "register"]
