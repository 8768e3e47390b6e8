"""DP-SGD training of the tabular VAE (Abadi et al. 2016), with opacus's per-sample gradients, optimiser and
Rényi accountant.

**The mechanism.** Each step takes a Poisson sample of the rows, every row independently with probability
q = batch_size / n (drawn from the seeded generator); each row's gradient g_i is clipped to L2 norm at most C
(``max_grad_norm``): ḡ_i = g_i · min(1, C / ‖g_i‖); the step uses (Σ ḡ_i + N(0, σ²C²I)) / (qn), then Adam
updates the weights (post-processing). One row changes the sum by at most C, so each step is a subsampled
Gaussian mechanism with noise multiplier σ. The decoder's output noise scales stay at their starting 0.1 (a
parameter outside any layer has no per-sample gradient in opacus), and there is no early stopping (choosing
the best epoch by fidelity on real rows would spend budget that is not counted).

**The budget.** ``epochs`` × ⌈1/q⌉ steps are fixed before training; σ is the smallest noise multiplier whose
Rényi DP over those steps converts to at most the asked ε at δ (opacus's ``get_noise_multiplier``, within 1%
of ε), and ``epsilon_`` is what opacus's ``RDPAccountant`` reports for the steps actually taken (less when
training is stopped early by hand).

**What the budget does not cover.** The data transformer (:mod:`core.synth.transformer`: each number column's
Gaussian mixture, the categories) is fitted on the real rows without noise, as are the columns' bounds; the
run's notes say so. The fidelity curve shown while training reads real rows too: it is for the person who
runs the training, and it does not steer the model.

References: M. Abadi, A. Chu, I. Goodfellow, H. B. McMahan, I. Mironov, K. Talwar, L. Zhang, "Deep learning with
differential privacy", CCS 2016. I. Mironov, K. Talwar, L. Zhang, "Rényi differential privacy of the sampled
Gaussian mechanism", 2019. A. Yousefpour et al., "Opacus: user-friendly differential privacy library in
PyTorch", 2021.
"""

from __future__ import annotations

import math
import warnings
from typing import ClassVar

import numpy as np
import torch
from opacus import GradSampleModule
from opacus.accountants import RDPAccountant
from opacus.accountants.utils import get_noise_multiplier
from opacus.optimizers import DPOptimizer

from core.errors import ParameterError
from core.params import Card, Param
from core.synth.privacy import BUDGET_CARD, PRIVATE, budget_params, delta_for
from core.synth.registry import register
from core.synth.vae import VAESynthesizer

BUDGET = ("epsilon", "delta", "noise_multiplier", "sample_rate", "steps")  # what a saved model records
MAX_NOISE = 1e4  # a noise multiplier above this learns nothing: the budget is too small for the steps asked


@register
class DPVAESynthesizer(VAESynthesizer):
    key = "dp_vae"
    title = "DP-SGD variational autoencoder"
    family = PRIVATE
    quick: ClassVar[dict] = {"epochs": 1, "batch_size": 200, "width": 32, "embedding_dim": 8}
    added: ClassVar[dict] = {}  # (not the VAE's: its dependent columns would read the rows outside the budget)
    params = (
        *budget_params(),
        Param("max_grad_norm", "float", 1.0, "Each row's gradient is clipped to this length before noise is added "
              "(the noise scales with it). Smaller clips more; larger lets the noise grow.", 0.01, 10.0),
        Param("epochs", "int", 30, "Passes over the training rows. More epochs mean more noisy steps under the "
              "same budget, so more noise in each.", 1, 1_000),
        Param("batch_size", "int", 250, "Rows per step on average (each row joins a step with probability "
              "batch size / rows). Larger batches average the noise away better.", 10, 20_000),
        *(p for p in VAESynthesizer.params if p.group),  # the network and optimiser, as the VAE's
    )
    card = Card(does="Trains the variational autoencoder with DP-SGD: every row's gradient is clipped and noise is "
                     "added to each step, so the trained network (and every row drawn from it) provably depends "
                     "little on any one row.",
                when="Sharing a model or rows with a formal guarantee where columns depend on each other in ways a "
                     "tree of pairs (MST) cannot hold; tables of thousands of rows (the noise is shared out over "
                     "the rows of a batch).",
                distorts="Noise in training blurs shapes and relationships, much more on small tables; the column "
                         "scaling is fitted without noise (see the notes); rare categories can vanish.")
    teaching = BUDGET_CARD

    def notes(self) -> list[str]:
        return [*super().notes(),
                f"Differential privacy: ε = {self.epsilon_:.3g} spent of {self.params_['epsilon']:g} asked, "
                f"δ = {self.delta_:.2g}; DP-SGD with noise multiplier {self.noise_multiplier_:.3g}, sampling rate "
                f"{self.sample_rate_:.3g}, {self.steps_:,} steps, gradients clipped at "
                f"{self.params_['max_grad_norm']:g}.",
                "Not covered by ε: the columns, their kinds, the categories seen, each number column's range and "
                "scaling (a Gaussian mixture) and the row count were read from the data as public facts."]

    def _build(self, data: np.ndarray, rng: np.random.Generator) -> None:
        super()._build(data, rng)
        self.decoder_.sigma.requires_grad_(False)  # no per-sample gradient outside a layer: kept at 0.1
        if getattr(self, "_saved", None) is not None:  # restoring a trained model: no training, no budget
            return
        n = len(data)
        self.delta_ = delta_for(self.params_["delta"], n)
        self.sample_rate_ = min(1.0, self.params_["batch_size"] / n)  # q = batch size / n
        self.steps_ = self.params_["epochs"] * math.ceil(1 / self.sample_rate_)
        epsilon = float(self.params_["epsilon"])
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self.noise_multiplier_ = get_noise_multiplier(target_epsilon=epsilon, target_delta=self.delta_,
                                                              sample_rate=self.sample_rate_, steps=self.steps_,
                                                              accountant="rdp", epsilon_tolerance=0.01 * epsilon)
        except ValueError:  # opacus: no noise multiplier it tries is enough
            self.noise_multiplier_ = np.inf
        if self.noise_multiplier_ > MAX_NOISE:
            raise ParameterError(f"ε = {epsilon:g} is too small for {self.steps_:,} training steps on {n:,} rows: "
                                 "the noise would drown every gradient and nothing would be learned.",
                                 hint="Choose a larger ε, fewer epochs or a smaller batch size.")
        self.per_sample_ = [GradSampleModule(net) for net in (self.encoder_, self.decoder_)]  # hooks per-row grads
        expected = max(1, round(self.sample_rate_ * n))
        self.optimizer_ = DPOptimizer(self.optimizer_, noise_multiplier=self.noise_multiplier_,
                                      max_grad_norm=self.params_["max_grad_norm"], expected_batch_size=expected)
        self.accountant_ = RDPAccountant()
        self.steps_ = 0  # counted again as they are taken

    def _epoch(self, data: torch.Tensor, rng: np.random.Generator, stop) -> dict[str, float]:
        totals, rows = np.zeros(2), 0
        for _ in range(math.ceil(1 / self.sample_rate_)):
            picked = torch.from_numpy(np.flatnonzero(rng.random(len(data)) < self.sample_rate_))  # Poisson sample
            self.steps_ += 1
            self.accountant_.step(noise_multiplier=self.noise_multiplier_, sample_rate=self.sample_rate_)
            if len(picked):  # (an empty sample is a step of noise alone: counted, nothing to learn from)
                x = data[picked]
                reconstruction, kl = self._losses(x)
                self.optimizer_.zero_grad(set_to_none=True)
                with warnings.catch_warnings():  # (opacus's hooks fire on outputs: the inputs need no gradient)
                    warnings.simplefilter("ignore", UserWarning)
                    (self.params_["loss_factor"] * reconstruction + kl).backward()
                self.optimizer_.step()  # clip each row's gradient, add N(0, σ²C²), average, Adam
                totals += (reconstruction.item() * len(x), kl.item() * len(x))
                rows += len(x)
            if stop():
                break
        return {name: float(v) for name, v in zip(self.loss_names, totals / max(rows, 1), strict=True)}

    def saved(self) -> tuple[bytes, dict]:
        weights, record = super().saved()
        return weights, {**record, "privacy": {name: getattr(self, f"{name}_") for name in BUDGET}}

    def _load(self, data: np.ndarray, rng: np.random.Generator) -> None:
        privacy = self._saved[1].get("privacy", {})
        super()._load(data, rng)
        for name in BUDGET:  # what the training spent, as recorded when it was saved
            setattr(self, f"{name}_", privacy.get(name, np.nan))

    def _release(self) -> None:
        """The budget spent, read from the accountant; the per-row gradient hooks removed (a kept model only
        samples)."""
        if hasattr(self, "accountant_"):
            self.epsilon_ = float(self.accountant_.get_epsilon(self.delta_))
            for wrapper in self.per_sample_:
                wrapper.remove_hooks()
            del self.accountant_, self.per_sample_
        super()._release()
