"""A tabular variational autoencoder, after TVAE (Xu et al. 2019).

The encoder maps a transformed row (:mod:`core.synth.transformer`) through two ReLU layers to
the mean μ and log-variance of a Gaussian over a latent code (``embedding_dim`` wide); the
decoder maps a code drawn from it (the reparameterisation z = μ + σε) back through two ReLU
layers to a row, and learns one noise scale σⱼ per α (clamped to [0.01, 1]).

The loss per row is ``loss_factor`` × the reconstruction loss plus the KL divergence from the
prior N(0, I): for each α the Gaussian negative log-likelihood (x − tanh(x̂))² / 2σ² + log σ,
for each one-hot the cross-entropy. Adam, weight decay 1e-5.

Sampling draws z ~ N(0, I), decodes it, and reads each α with its noise N(0, σ) and each
one-hot as a draw from the decoder's softmax: the decoder's own distribution over rows. (TVAE
as published takes the arg-max category, which starves rare categories; drawing keeps them.)

A column that is a function of a label column (a code and its name) is rebuilt from the label the
decoder makes instead of learned (``dependent_columns``, as the GAN's), so every row holds a real pair.
Each number column is learned on its normal scores (``normal_scores``, as the GAN's), so a skewed column
comes back in its real shape and range.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import torch
from torch import nn
from torch.nn import functional

from core.params import Card, Param, grouped
from core.synth.neural import DEPENDENT, LEARNING_RATES, NETWORK, NORMAL_SCORES, NeuralSynthesizer, training_params
from core.synth.registry import register
from core.synth.transformer import Blocks


def _stack(width_in: int, widths: list[int]) -> tuple[nn.Sequential, int]:
    layers, width = [], width_in
    for w in widths:
        layers += [nn.Linear(width, w), nn.ReLU()]
        width = w
    return nn.Sequential(*layers), width


class Encoder(nn.Module):
    def __init__(self, width_in: int, widths: list[int], embedding: int) -> None:
        super().__init__()
        self.body, width = _stack(width_in, widths)
        self.mu, self.log_var = nn.Linear(width, embedding), nn.Linear(width, embedding)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.body(x)
        return self.mu(h), self.log_var(h)


class Decoder(nn.Module):
    def __init__(self, embedding: int, widths: list[int], width_out: int) -> None:
        super().__init__()
        body, width = _stack(embedding, widths)
        self.body = nn.Sequential(*body, nn.Linear(width, width_out))
        self.sigma = nn.Parameter(torch.full((width_out,), 0.1))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.body(z)


@register
class VAESynthesizer(NeuralSynthesizer):
    key = "vae"
    title = "Variational autoencoder (TVAE)"
    loss_names = ("reconstruction", "KL")
    quick: ClassVar[dict] = {"epochs": 10}
    added: ClassVar[dict] = {"dependent_columns": False, "normal_scores": False}
    teaching = """
    **Encoder and decoder.** The *encoder* squeezes each row into a short code, a small cloud of points rather
    than one point; the *decoder* learns to rebuild the row from any point of the cloud. A second term (KL)
    pulls every cloud towards a standard normal, so a fresh random code decodes to a plausible new row.

    **Reading the curves.** The reconstruction loss falls as the decoder rebuilds rows better (it can go below
    zero: it includes the log-likelihood of the numbers). The KL loss usually rises at first, as the codes start
    to carry information, then settles. **Watch fidelity**: it measures the samples themselves (1 − the mean
    distance between the real and synthetic distribution of each column) and should rise, then flatten. A higher
    loss factor gives sharper rows, closer to the training ones; a lower one smoother, more varied rows.

    **Mode collapse.** A VAE rarely collapses the way a GAN can, but it blurs: rare categories and small
    clusters get absorbed into their big neighbours. After training, the check below the run lists every
    category or number mode holding at least 1% of the real rows that the samples (almost) lack.

    **When to stop.** When fidelity has been flat for tens of epochs. Early stopping does that for you and keeps
    the best model; *Stop* ends training at once and keeps the model trained so far."""
    card = Card(does="An encoder squeezes each row into a short random code; a decoder learns to rebuild the row "
                     "from the code. New rows are decoded from fresh random codes.",
                when="Whole confidential tables of a few hundred rows or more with mixed columns; trains faster "
                     "and more steadily than the GAN and is often as good or better on small tables.",
                distorts="Rows come out a little blurred towards typical values (sharp edges and rare "
                         "combinations soften); numbers near a mode's edge can spill over.")
    params = (
        *training_params(epochs=300, batch_size=500, patience=50),
        DEPENDENT,
        NORMAL_SCORES,
        *grouped(
            NETWORK,
            Param("learning_rate", "choice", 1e-3, "Adam's step size. Too high and the loss jumps about; too low and "
                  "training crawls.", choices=LEARNING_RATES),
            Param("embedding_dim", "int", 128, "Size of the latent code each row is squeezed into.", 2, 1024),
            Param("width", "int", 128, "Units per encoder and decoder layer. Wider learns more detail.", 8, 2048),
            Param("layers", "int", 2, "Layers in the encoder and in the decoder.", 1, 6),
            Param("loss_factor", "float", 2.0, "Weight of reconstruction against the KL term. Higher: sharper rows, "
                  "closer to the training ones; lower: smoother, more varied rows.", 0.1, 10.0),
        ),
    )

    def _networks(self) -> dict[str, nn.Module]:
        return {"encoder": self.encoder_, "decoder": self.decoder_}

    def _release(self) -> None:
        del self.optimizer_

    def _build(self, data: np.ndarray, rng: np.random.Generator) -> None:
        p = self.params_
        widths = [p["width"]] * p["layers"]
        self.encoder_ = Encoder(data.shape[1], widths, p["embedding_dim"])
        self.decoder_ = Decoder(p["embedding_dim"], list(reversed(widths)), data.shape[1])
        self.optimizer_ = torch.optim.Adam([*self.encoder_.parameters(), *self.decoder_.parameters()],
                                           lr=p["learning_rate"], weight_decay=1e-5, fused=True)
        spans = self.transformer_.spans
        self.alphas_ = torch.tensor([s.start for s in spans if s.activation == "tanh"], dtype=torch.long)
        self.softmaxes_ = [(s.start, s.end) for s in spans if s.activation == "softmax"]
        self.blocks_ = Blocks([s for s in spans if s.activation == "softmax"])

    def _epoch(self, data: torch.Tensor, rng: np.random.Generator, stop) -> dict[str, float]:
        batch = self.params_["batch_size"]
        order = torch.from_numpy(rng.permutation(len(data)))
        totals, rows = np.zeros(2), 0
        for first in range(0, len(data), batch):
            x = data[order[first:first + batch]]
            reconstruction, kl = self._losses(x)
            loss = self.params_["loss_factor"] * reconstruction + kl
            self.optimizer_.zero_grad(set_to_none=True)
            loss.backward()
            self.optimizer_.step()
            self.decoder_.sigma.data.clamp_(0.01, 1.0)
            totals += (reconstruction.item() * len(x), kl.item() * len(x))
            rows += len(x)
            if stop():
                break
        return {name: float(v) for name, v in zip(self.loss_names, totals / rows, strict=True)}

    def _losses(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(reconstruction, KL), each a mean over the rows of ``x``."""
        mu, log_var = self.encoder_(x)
        z = mu + torch.exp(0.5 * log_var) * torch.randn_like(mu)  # z = μ + σε
        kl = -0.5 * torch.sum(1 + log_var - mu ** 2 - log_var.exp()) / len(x)  # KL(N(μ, σ²) ‖ N(0, I))
        return self._reconstruction(self.decoder_(z), x), kl

    def _reconstruction(self, out: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """Mean over rows of the Gaussian NLL of each α and the cross-entropy of each one-hot."""
        sigma = self.decoder_.sigma[self.alphas_]
        error = x[:, self.alphas_] - torch.tanh(out.index_select(1, self.alphas_))
        loss = ((error ** 2) / (2 * sigma ** 2)).sum() + torch.log(sigma).sum() * len(x)
        if self.blocks_.count:  # cross-entropy of a block = logsumexp(its logits) − the logit of its true category
            logits = out.index_select(1, self.blocks_.columns)
            loss = loss + self.blocks_.logsumexp(logits).sum() - (logits * x[:, self.blocks_.columns]).sum()
        return loss / len(x)

    def _draw(self, n: int, rng: np.random.Generator, *, real_shares: bool = False) -> tuple[np.ndarray, np.ndarray]:
        generator = torch.Generator().manual_seed(int(rng.integers(2**62)))
        self.decoder_.eval()
        with torch.no_grad():
            out = self.decoder_(torch.randn(n, self.params_["embedding_dim"], generator=generator))
            matrix = torch.tanh(out)
            for start, end in self.softmaxes_:  # a category drawn from the decoder's softmax, as a one-hot
                drawn = torch.multinomial(torch.softmax(out[:, start:end], dim=1), 1, generator=generator).squeeze(1)
                matrix[:, start:end] = functional.one_hot(drawn, end - start).float()
            sigmas = self.decoder_.sigma.numpy().copy()
        self.decoder_.train()
        return matrix.numpy(), sigmas
