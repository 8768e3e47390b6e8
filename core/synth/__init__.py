"""Synthesizers: one module per family, and the registry METHODS (key -> class)."""

from core.synth.base import Synthesizer
from core.synth.copula import GaussianCopulaSynthesizer
from core.synth.oversample import OVERSAMPLERS
from core.synth.statistical import CholeskySynthesizer, MonteCarloSynthesizer

METHODS: dict[str, type[Synthesizer]] = {cls.key: cls for cls in [
    *OVERSAMPLERS, MonteCarloSynthesizer, CholeskySynthesizer, GaussianCopulaSynthesizer,
]}

__all__ = ["METHODS", "Synthesizer"]
