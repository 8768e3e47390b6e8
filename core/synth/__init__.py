"""Synthesizers: one module per family, and the registry METHODS (key -> class)."""

from core.synth.base import Synthesizer
from core.synth.copula import GaussianCopulaSynthesizer

METHODS: dict[str, type[Synthesizer]] = {cls.key: cls for cls in [GaussianCopulaSynthesizer]}

__all__ = ["METHODS", "Synthesizer"]
