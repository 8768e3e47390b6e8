"""The synthesizers' registry ``METHODS`` and its decorator ``register``, and the families the
Synthesize page groups the methods in.

A new synthesizer is one class and one line::

    @register
    class MySynthesizer(Synthesizer):
        key, title, family = "mine", "My method", STATISTICAL
        ...

Everything else (its place on the page, its widgets, the runner, Compare, the command line and
recipes) follows from what the class declares.
"""

from __future__ import annotations

from typing import TypeVar

from core.params import Family
from core.registry import Registry
from core.synth.base import Synthesizer

T = TypeVar("T", bound=type[Synthesizer])


OVERSAMPLING = Family("Oversampling (balances the target's classes)", 10,
                      "New rows for the smaller classes of a target column, from the real rows of each class.")
STATISTICAL = Family("Statistical models (a whole synthetic table)", 20,
                     "Fitted distributions and dependence: fast, explainable, a table of any size.")
AUGMENTATION = Family("Rule-based and augmentation (perturbs the real rows)", 25,
                      "Real rows drawn at random and changed by noise, label swaps or mixup: simple, fast, close "
                      "to the real rows.")
NEURAL = Family("Neural networks (a whole table, trained)", 30,
                "Networks trained on the table, with live loss curves: slower, they learn what formulas miss.")

METHODS: Registry = Registry("synthesizer", Synthesizer)


def register(cls: T) -> T:
    """Class decorator: add a synthesizer to ``METHODS`` (it must declare its ``family``)."""
    if not isinstance(getattr(cls, "family", None), Family):
        raise TypeError(f"{cls.__qualname__} needs a 'family' (core.params.Family), such as STATISTICAL.")
    return METHODS.register(cls)


def families() -> dict[Family, list[str]]:
    """{family: [method keys, in registration order]}, families in their order."""
    grouped: dict[Family, list[str]] = {}
    for key, cls in METHODS.items():
        grouped.setdefault(cls.family, []).append(key)
    return dict(sorted(grouped.items(), key=lambda item: (item[0].order, item[0].title)))
