"""The imputers' registry ``IMPUTERS`` and its decorator ``register``.

A new imputer is one class and one line::

    @register
    class MyImputer(Imputer):
        key, title = "mine", "My imputer"
        ...
"""

from __future__ import annotations

from core.impute.base import Imputer
from core.registry import Registry

IMPUTERS: Registry = Registry("imputer", Imputer)
register = IMPUTERS.register
