"""Synthesizers: one module per family, and the registry METHODS (key -> class)."""

from core.synth.base import Synthesizer
from core.synth.copula import GaussianCopulaSynthesizer
from core.synth.gan import GANSynthesizer
from core.synth.oversample import OVERSAMPLERS
from core.synth.statistical import CholeskySynthesizer, MonteCarloSynthesizer
from core.synth.vae import VAESynthesizer

METHODS: dict[str, type[Synthesizer]] = {cls.key: cls for cls in [
    *OVERSAMPLERS, MonteCarloSynthesizer, CholeskySynthesizer, GaussianCopulaSynthesizer, GANSynthesizer,
    VAESynthesizer,
]}

__all__ = ["METHODS", "Synthesizer"]
