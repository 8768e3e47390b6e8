"""Synthesizers: one module per family. Each method registers itself in ``METHODS`` (key -> class) with the
``register`` decorator of :mod:`core.synth.registry`; importing this package imports the built-in ones."""

# the built-in methods register themselves, in the order the page lists them
from core.synth import oversample, statistical, copula, cart, hybrid, noise, gan, vae, diffusion, mst, dp_vae  # noqa: F401, I001
from core.synth.base import Synthesizer
from core.synth.registry import METHODS, families, register

__all__ = ["METHODS", "Synthesizer", "families", "register"]
