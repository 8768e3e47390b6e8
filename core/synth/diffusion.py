"""A tabular denoising diffusion model, after TabDDPM (Kotelnikov, Baranchuk, Rubachev and Babenko 2023).

**Representation.** Each number or date column is mapped to normal scores by its quantiles
(:class:`core.synth.transformer.Quantiles`, as scikit-learn's ``QuantileTransformer`` with a normal
output) fitted on its observed values (its empirical CDF, then Φ⁻¹), so every number enters as one
standard-normal column whatever its shape. Label columns are one-hots (their missing values a
category of their own); a number column with missing values gets a two-way [present, missing]
one-hot, and its hole is filled with a random observed value before the transform, as in
:mod:`core.synth.transformer`, so missingness is learned jointly with everything else. That module's
mixtures are still fitted: the mode-collapse check reads its number modes from them.

**Discrete-valued number columns** (``discrete_values``, on by default, as in the GAN): a number or date
column holding few values, each shared by many rows (months, integer codes), is a one-hot over its values
and goes through multinomial diffusion, like a label column, so it comes out as exactly those values in
their shares. As one normal score, the few values are steps of its quantile function and a score the
denoiser gets slightly wrong lands on another step: on R's ``airquality`` the months 5 to 9, about 25
rows each, came out as 38, 10, 9, 13 and 52 rows, piled on the first and last. Over the thirteen bench
tables (seven bundled, six kept aside; 300 epochs, two seeds) the detection AUC fell from 0.673 to 0.607
and the sdmetrics quality rose from 0.875 to 0.881; on 6,259 computer prices the AUC fell from 0.97 to 0.69.

**Forward process (noising).** A step t = 1…T adds noise with variance βₜ (a cosine schedule,
Nichol and Dhariwal 2021, or a linear one, Ho et al. 2020); with ᾱₜ = ∏ₛ≤ₜ (1 − βₛ) a number jumps
to step t at once: xₜ = √ᾱₜ x₀ + √(1 − ᾱₜ) ε, ε ~ N(0, 1). A category with K values is
multinomial diffusion (Hoogeboom et al. 2021): q(xₜ | x₀) = Cat(ᾱₜ x₀ + (1 − ᾱₜ) / K), kept in
log space. At t = T the numbers are pure noise and every category is uniform.

**Denoiser.** One MLP sees the noisy row (numbers and one-hots) and the step t, as a sinusoidal
embedding passed through Linear → SiLU → Linear and added to the row's projection (TabDDPM's
MLPDiffusion); ReLU layers follow. It outputs ε̂ for each number and logits of x̂₀ for each category.

**Loss.** Numbers: ‖ε − ε̂‖² (Ho et al.'s simplified objective). Categories: the KL divergence
between the true posterior q(xₜ₋₁ | xₜ, x₀) and the model's q(xₜ₋₁ | xₜ, x̂₀), times T (the
ELBO's sum over steps, estimated from one uniform step), averaged over the categorical columns;
at t = 0 the decoder's −log p(x₀ | x₁). The sum of the two is minimised with AdamW (weight decay
1e-4).

**Defaults for a CPU.** TabDDPM uses T = 1,000 and a cosine schedule on GPUs; here T = 100 steps, a
linear schedule and two hidden layers of 128 train in seconds to tens of seconds on the bundled
tables. With so few steps the cosine schedule's last βₜ (0.999) amplifies the denoiser's error the
most: on penguins at T = 50 it reached quality 0.85 and detection AUC 0.77 (0.55 and 0.94 without
the clip) against the linear schedule's 0.87 and 0.75, and T = 100 brought the AUC to 0.68. Wider
or deeper networks (256 × 2, 256 × 3) scored no better on penguins and salaries, in 1.5 to 2.5 times
the time.

**Sampling (denoising).** Start from N(0, I) and uniform categories and run the chain from
t = T − 1 down to 0: numbers by the Gaussian posterior mean with variance βₜ (TabDDPM's choice),
with x̂₀ clipped to the range normal scores can take (±5.2), so an early step's error, divided by
a tiny √ᾱₜ, cannot throw a row to the edge; categories drawn from q(xₜ₋₁ | xₜ, x̂₀) by the
Gumbel-max trick. The noise comes from a torch
generator seeded from the caller's ``rng``: the same seed gives the same table. The normal scores
go back through the quantile transform, the one-hots back to labels.

References: Ho, Jain and Abbeel 2020 (DDPM); Hoogeboom, Nielsen, Jaini, Forré and Welling 2021
(multinomial diffusion); Nichol and Dhariwal 2021 (cosine schedule); Kotelnikov et al. 2023 (TabDDPM).
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import torch
from torch import nn
from torch.nn import functional

from core import plots
from core.params import Card, Param, grouped
from core.synth.neural import DISCRETE, LEARNING_RATES, NETWORK, NeuralSynthesizer, training_params
from core.synth.registry import register
from core.synth.transformer import SCORE_BOUND, Blocks, DataTransformer, Span, _floats, fit_transformer

SAMPLE_CHUNK = 8_192  # rows denoised at once when sampling
LOG_ZERO = math.log(1e-30)  # log of a one-hot's zeros
FRAMES = (1.0, 0.75, 0.5, 0.25, 0.0)  # the shares of T the denoising picture shows
PICTURE_ROWS = 400


class NormalScores(DataTransformer):
    """The mixture transformer's columns, with each number column as one normal score (and its missingness
    one-hot when it has holes) instead of α and a mode; label columns unchanged. The mixture transformer is
    fitted with ``scores=True``: its quantiles are the ones used here."""

    def __init__(self, mixture: DataTransformer) -> None:
        columns, start = [], 0
        for info in mixture.columns:
            if info.kind == "labels":
                spans = [Span(start, info.spans[0].width, "softmax")]
            else:
                spans = [Span(start, 1, "normal")] + ([Span(start + 1, 2, "softmax")] if info.has_missing else [])
            columns.append(replace(info, spans=spans))
            start = spans[-1].end
        super().__init__(columns)

    def transform(self, df: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
        out = np.zeros((len(df), self.width), dtype=np.float32)
        rows = np.arange(len(df))
        for info in self.columns:
            if info.kind == "labels":
                out[rows, info.spans[0].start + self.codes(info, df[info.name])] = 1.0
                continue
            x = _floats(df[info.name])
            missing = np.isnan(x)
            if info.has_missing:  # a hole holds a random observed value; the one-hot says it is a hole
                x[missing] = rng.choice(x[~missing], size=int(missing.sum()))
                out[rows, info.spans[1].start + missing.astype(int)] = 1.0
            out[:, info.spans[0].start] = info.quantiles.scores(x)  # Φ⁻¹(F̂(x))
        return out

    def values(self, info, matrix: np.ndarray) -> np.ndarray:
        """A number column's values F̂⁻¹(Φ(z)) from its normal scores z, holes not marked."""
        return info.quantiles.values(matrix[:, info.spans[0].start].astype(float))

    def numbers(self, info, matrix: np.ndarray, sigmas: np.ndarray | None = None,
                rng: np.random.Generator | None = None) -> np.ndarray:
        """A number column's values, missing where its one-hot says so."""
        x = self.values(info, matrix)
        if info.has_missing:
            span = info.spans[1]
            x[matrix[:, span.start:span.end].argmax(axis=1) == 1] = np.nan
        return x


def betas(schedule: str, steps: int) -> np.ndarray:
    """The noise variance βₜ of each step, t = 1…T."""
    if schedule == "linear":  # Ho et al.'s 1e-4 to 0.02 over 1,000 steps, scaled to T steps
        scale = 1_000 / steps
        return np.linspace(scale * 1e-4, min(scale * 0.02, 0.999), steps)
    t = np.arange(steps + 1) / steps
    alpha_bar = np.cos((t + 0.008) / 1.008 * np.pi / 2) ** 2  # ᾱ(t) = cos²((t/T + s)/(1 + s) · π/2), s = 0.008
    return np.minimum(1 - alpha_bar[1:] / alpha_bar[:-1], 0.999)  # βₜ = 1 − ᾱₜ/ᾱₜ₋₁


class Schedule:
    """The per-step constants of the forward process and of the Gaussian posterior (float64, then float32)."""

    def __init__(self, schedule: str, steps: int) -> None:
        beta = betas(schedule, steps)
        alpha = 1 - beta
        alpha_bar = np.cumprod(alpha)
        alpha_bar_prev = np.append(1.0, alpha_bar[:-1])
        posterior = beta * (1 - alpha_bar_prev) / (1 - alpha_bar)  # β̃ₜ = βₜ (1 − ᾱₜ₋₁)/(1 − ᾱₜ)

        def tensor(values: np.ndarray) -> torch.Tensor:
            return torch.tensor(values, dtype=torch.float32)

        self.steps = steps
        self.sqrt_alpha_bar, self.sqrt_one_minus = tensor(np.sqrt(alpha_bar)), tensor(np.sqrt(1 - alpha_bar))
        self.log_alpha, self.log_one_minus_alpha = tensor(np.log(alpha)), tensor(np.log1p(-alpha))
        self.log_alpha_bar, self.log_one_minus_alpha_bar = tensor(np.log(alpha_bar)), tensor(np.log1p(-alpha_bar))
        # posterior mean of x₀ and xₜ: β ᾱₜ₋₁^½ / (1 − ᾱₜ) · x₀ + (1 − ᾱₜ₋₁) αₜ^½ / (1 − ᾱₜ) · xₜ
        self.mean_x0 = tensor(beta * np.sqrt(alpha_bar_prev) / (1 - alpha_bar))
        self.mean_xt = tensor((1 - alpha_bar_prev) * np.sqrt(alpha) / (1 - alpha_bar))
        # the reverse step's variance: β̃₁ at the first step, βₜ after it (TabDDPM)
        self.log_variance = tensor(np.log(np.append(posterior[1] if steps > 1 else beta[0], beta[1:])))


def timestep_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """[cos(t·fₖ), sin(t·fₖ)] with fₖ = 10000^(−k/(dim/2)), k = 0…dim/2 − 1 (Vaswani et al. 2017)."""
    half = dim // 2
    freqs = torch.exp(-math.log(10_000) * torch.arange(half, dtype=torch.float32) / half)
    angles = t.float()[:, None] * freqs[None, :]
    embedding = torch.cat([torch.cos(angles), torch.sin(angles)], dim=1)
    return functional.pad(embedding, (0, dim % 2))


class Denoiser(nn.Module):
    """TabDDPM's MLPDiffusion: the row projected to ``width``, plus the step's embedding, through ReLU layers."""

    def __init__(self, width_in: int, width: int, layers: int) -> None:
        super().__init__()
        self.width = width
        self.project = nn.Linear(width_in, width)
        self.time = nn.Sequential(nn.Linear(width, width), nn.SiLU(), nn.Linear(width, width))
        body = []
        for _ in range(layers):
            body += [nn.Linear(width, width), nn.ReLU()]
        self.body = nn.Sequential(*body, nn.Linear(width, width_in))

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return self.body(self.project(x) + self.time(timestep_embedding(t, self.width)))


@register
class DiffusionSynthesizer(NeuralSynthesizer):
    key = "diffusion"
    title = "Diffusion model (TabDDPM)"
    loss_names = ("Gaussian", "multinomial")
    quick: ClassVar[dict] = {"epochs": 10, "steps": 20, "width": 64}
    added: ClassVar[dict] = {"discrete_values": False}
    fidelity_checks = 25  # each check runs the whole reverse chain: fewer than the other networks' checks
    teaching = """
    **Noising.** Take a real row and blur it a little, then a little more, step after step: numbers get random
    noise added, categories get a growing chance of being swapped for a random one. After T steps nothing of the
    row is left: the numbers are pure bell-curve noise and every category is a coin toss. (First, each number
    column is turned into bell-curve scores with its own quantiles, so a skewed or lumpy column is as easy to
    learn as any other.)

    **Denoising.** One network learns to undo one step: shown a blurred row and how blurred it is (the step t),
    it guesses the noise that was added to the numbers and the original category of each label. Every batch
    picks random steps, so the same network learns them all. To make a new row, start from pure noise and
    apply the network T times, from step T down to 0: the row sharpens into a plausible one. After training,
    the run shows this on two columns of your table, step by step.

    **Reading the curves.** The *Gaussian* loss is the error of the noise guesses (it starts near 1, the noise's
    own variance, and falls); the *multinomial* loss measures how far the guessed categories are from the truth
    (KL divergence; it falls too). Both stay noisy because every batch picks other steps. **Watch fidelity**: it
    measures the samples themselves (1 − the mean distance between the real and synthetic distribution of each
    column) and should rise, then flatten. More steps T give finer rows and slower sampling.

    **When to stop.** When fidelity has been flat for a while. Early stopping does that for you and keeps the
    best model; *Stop* ends training at once and keeps the model trained so far."""
    card = Card(does="Learns to undo noise: real rows are blurred step by step into pure noise, and a network "
                     "learns to reverse one step at a time. New rows start as noise and are denoised step by "
                     "step into plausible rows.",
                when="Mixed tables of a few hundred rows or more, when the synthetic rows should be hard to tell "
                     "from real ones; each column's distribution is kept closely, whatever its shape.",
                distorts="Slower to sample than the other networks (T network passes per row); on very small "
                         "tables it can stay close to the training rows, so check privacy on the Compare page.")
    params = (
        *training_params(epochs=500, batch_size=256, patience=100),
        DISCRETE,
        *grouped(
            NETWORK,
            Param("steps", "int", 100, "Diffusion steps T: how many small steps turn a row into noise and back. "
                  "More give finer rows; sampling takes T network passes.", 10, 1_000),
            Param("schedule", "choice", "linear", "How the noise grows over the steps: linear (Ho et al.) or cosine "
                  "(gentler at both ends, Nichol and Dhariwal; better with many steps).", choices=("linear", "cosine")),
            Param("learning_rate", "choice", 2e-3, "AdamW's step size. Too high and the loss jumps about; too low "
                  "and training crawls.", choices=LEARNING_RATES),
            Param("width", "int", 128, "Units per layer of the denoising network. Wider learns more detail.",
                  8, 2048),
            Param("layers", "int", 2, "Hidden layers of the denoising network.", 1, 6),
        ),
    )

    # ---------------------------------------------------------------- the representation

    def _transformer(self, df: pd.DataFrame) -> NormalScores:
        return NormalScores(fit_transformer(df, self.kinds_, seed=self.seed_, discrete=self.params_["discrete_values"],
                                            scores=True))

    def _networks(self) -> dict[str, nn.Module]:
        return {"denoiser": self.denoiser_}

    def _release(self) -> None:
        del self.optimizer_

    def _build(self, data: np.ndarray, rng: np.random.Generator) -> None:
        p = self.params_
        spans = self.transformer_.spans
        self.numbers_ = torch.tensor([s.start for s in spans if s.activation == "normal"], dtype=torch.long)
        categorical = [s for s in spans if s.activation == "softmax"]
        self.blocks_ = Blocks(categorical)
        # log K of each category column's block, for the uniform part (1 − ᾱ)/K
        self.log_k_ = torch.tensor([math.log(s.width) for s in categorical for _ in range(s.width)])
        self.schedule_ = Schedule(p["schedule"], p["steps"])
        self.denoiser_ = Denoiser(data.shape[1], p["width"], p["layers"])
        self.optimizer_ = torch.optim.AdamW(self.denoiser_.parameters(), lr=p["learning_rate"], weight_decay=1e-4,
                                           fused=True)
        self.pair_ = self._pair(data)

    def _pair(self, data: np.ndarray) -> tuple[str, str | None] | None:
        """The two columns the denoising picture shows: the two number columns whose normal scores correlate most
        (|Pearson r|), else the number column and the first label column, else the number column alone; None
        without a number column."""
        names = [c.name for c in self.transformer_.columns if c.kind == "numbers"]
        labels = [c.name for c in self.transformer_.columns if c.kind == "labels"]
        if len(names) < 2:
            return (names[0], labels[0] if labels else None) if names else None
        with np.errstate(invalid="ignore", divide="ignore"):  # a constant column has no correlation
            r = np.abs(np.corrcoef(data[:, self.numbers_.numpy()], rowvar=False))
        r = np.nan_to_num(r, nan=-1.0)
        np.fill_diagonal(r, -1.0)
        i, j = np.unravel_index(r.argmax(), r.shape)
        return names[i], names[j]

    # ---------------------------------------------------------------- multinomial diffusion, in log space

    def _normalised(self, log_p: torch.Tensor) -> torch.Tensor:
        """Log-probabilities made to sum to 1 within each category block."""
        return log_p - self.blocks_.logsumexp(log_p).index_select(1, self.blocks_.block)

    def _q_pred(self, log_x0: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """log q(xₜ | x₀) = log(ᾱₜ x₀ + (1 − ᾱₜ)/K)."""
        s = self.schedule_
        return torch.logaddexp(log_x0 + s.log_alpha_bar[t, None], s.log_one_minus_alpha_bar[t, None] - self.log_k_)

    def _q_posterior(self, log_x0: torch.Tensor, log_xt: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """log q(xₜ₋₁ | xₜ, x₀) ∝ log q(xₜ₋₁ | x₀) + log q(xₜ | xₜ₋₁); at t = 0 it is x₀ itself."""
        s = self.schedule_
        before = torch.where(t[:, None] == 0, log_x0, self._q_pred(log_x0, (t - 1).clamp(min=0)))
        one_step = torch.logaddexp(log_xt + s.log_alpha[t, None], s.log_one_minus_alpha[t, None] - self.log_k_)
        return self._normalised(before + one_step)  # αₜ xₜ + (1 − αₜ)/K: symmetric in xₜ and xₜ₋₁

    def _draw_categories(self, log_p: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """One-hots drawn from the blocks' distributions: argmax(log p + g), g ~ Gumbel(0, 1)."""
        gumbel = -torch.empty_like(log_p).exponential_(generator=generator).log()
        return self.blocks_.one_hot_max(log_p + gumbel)

    # ---------------------------------------------------------------- training

    def _epoch(self, data: torch.Tensor, rng: np.random.Generator, stop) -> dict[str, float]:
        batch, s = self.params_["batch_size"], self.schedule_
        order = torch.from_numpy(rng.permutation(len(data)))
        totals, rows = np.zeros(2), 0
        self.denoiser_.train()
        for first in range(0, len(data), batch):
            x0 = data[order[first:first + batch]]
            t = torch.randint(0, s.steps, (len(x0),))
            noise = torch.randn(len(x0), len(self.numbers_))
            xt = x0.clone()
            xt[:, self.numbers_] = (s.sqrt_alpha_bar[t, None] * x0[:, self.numbers_]
                                    + s.sqrt_one_minus[t, None] * noise)  # xₜ = √ᾱₜ x₀ + √(1 − ᾱₜ) ε
            if self.blocks_.count:
                log_x0 = torch.log(x0[:, self.blocks_.columns].clamp(min=1e-30))
                log_xt = torch.log(self._draw_categories(self._q_pred(log_x0, t)).clamp(min=1e-30))
                xt[:, self.blocks_.columns] = log_xt.exp()
            out = self.denoiser_(xt, t)
            numbers = out.index_select(1, self.numbers_)
            gaussian = functional.mse_loss(numbers, noise) if len(self.numbers_) else torch.zeros(())
            multinomial = self._multinomial_loss(out, log_x0, log_xt, t) if self.blocks_.count else torch.zeros(())
            loss = gaussian + multinomial
            self.optimizer_.zero_grad(set_to_none=True)
            loss.backward()
            self.optimizer_.step()
            totals += (gaussian.item() * len(x0), multinomial.item() * len(x0))
            rows += len(x0)
            if stop():
                break
        return {name: float(v) for name, v in zip(self.loss_names, totals / rows, strict=True)}

    def _multinomial_loss(self, out: torch.Tensor, log_x0: torch.Tensor, log_xt: torch.Tensor,
                          t: torch.Tensor) -> torch.Tensor:
        """T · KL(q(xₜ₋₁ | xₜ, x₀) ‖ q(xₜ₋₁ | xₜ, x̂₀)) per row, −log p(x₀ | x₁) at t = 0; mean over columns and rows."""
        log_x0_hat = self._normalised(out.index_select(1, self.blocks_.columns))  # log-softmax within each block
        log_model = self._q_posterior(log_x0_hat, log_xt, t)
        log_true = self._q_posterior(log_x0, log_xt, t)
        kl = self.blocks_.sums(log_true.exp() * (log_true - log_model)).sum(dim=1)  # Σ q log(q / p)
        decoder = -self.blocks_.sums(log_x0.exp() * log_model).sum(dim=1)  # −log p(x₀ | x₁)
        per_row = torch.where(t == 0, decoder, kl * self.schedule_.steps)
        return per_row.mean() / self.blocks_.count

    # ---------------------------------------------------------------- sampling: the reverse chain

    def _step(self, xt: torch.Tensor, t: int, generator: torch.Generator) -> torch.Tensor:
        """One reverse step xₜ → xₜ₋₁ (for t = 0: x₀), for a batch of rows at step t."""
        s = self.schedule_
        steps = torch.full((len(xt),), t, dtype=torch.long)
        out = self.denoiser_(xt, steps)
        previous = xt.clone()
        if len(self.numbers_):
            z = xt[:, self.numbers_]
            x0 = (z - s.sqrt_one_minus[t] * out[:, self.numbers_]) / s.sqrt_alpha_bar[t]  # x̂₀ = (xₜ − √(1−ᾱₜ) ε̂)/√ᾱₜ
            x0 = x0.clamp(-SCORE_BOUND, SCORE_BOUND)  # no normal score lies beyond: keeps ε̂'s error from blowing up
            mean = s.mean_x0[t] * x0 + s.mean_xt[t] * z
            noise = torch.randn(z.shape, generator=generator) if t > 0 else torch.zeros_like(z)
            previous[:, self.numbers_] = mean + torch.exp(0.5 * s.log_variance[t]) * noise  # μ + σ ε
        if self.blocks_.count:
            log_xt = torch.log(xt[:, self.blocks_.columns].clamp(min=1e-30))
            log_p = self._q_posterior(self._normalised(out[:, self.blocks_.columns]), log_xt, steps)
            previous[:, self.blocks_.columns] = self._draw_categories(log_p, generator)
        return previous

    def _noise(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """x_T: N(0, 1) numbers and uniformly drawn categories."""
        x = torch.zeros(n, self.transformer_.width)
        x[:, self.numbers_] = torch.randn(n, len(self.numbers_), generator=generator)
        if self.blocks_.count:
            x[:, self.blocks_.columns] = self._draw_categories(torch.zeros(n, len(self.blocks_.columns)), generator)
        return x

    def _chain(self, n: int, rng: np.random.Generator, keep: tuple[int, ...] = ()) -> tuple[np.ndarray, dict]:
        """n rows denoised from T to 0, and the state xₜ at each step in ``keep`` (T: the starting noise)."""
        generator = torch.Generator().manual_seed(int(rng.integers(2**62)))
        steps = self.schedule_.steps
        out, kept = [], {k: [] for k in keep}
        self.denoiser_.eval()
        with torch.no_grad():
            for first in range(0, n, SAMPLE_CHUNK):
                x = self._noise(min(SAMPLE_CHUNK, n - first), generator)
                if steps in kept:
                    kept[steps].append(x.numpy())
                for t in range(steps - 1, -1, -1):
                    x = self._step(x, t, generator)
                    if t in kept:
                        kept[t].append(x.numpy())
                out.append(x.numpy())
        self.denoiser_.train()
        return np.concatenate(out), {k: np.concatenate(v) for k, v in kept.items()}

    def _draw(self, n: int, rng: np.random.Generator, *, real_shares: bool = False) -> tuple[np.ndarray, None]:
        return self._chain(n, rng)[0], None

    # ---------------------------------------------------------------- the denoising picture

    def denoising_frames(self, *, rows: int = PICTURE_ROWS, rng: Any = 0) -> pd.DataFrame:
        """New rows at t = T, 3T/4, T/2, T/4 and 0 of the reverse chain: the number column of :attr:`pair_` in its
        real units (``x``) beside its partner (``y``: numbers, labels, or None when there is none), with ``step``
        (t) and ``share`` (t / T); ``attrs`` name the two columns. Empty when the table has no number column."""
        if self.pair_ is None:
            return pd.DataFrame(columns=["step", "share", "x", "y"])
        column, other = self.pair_
        info = {c.name: c for c in self.transformer_.columns}
        steps = self.schedule_.steps
        keep = tuple(sorted({round(f * steps) for f in FRAMES}, reverse=True))
        _, kept = self._chain(rows, np.random.default_rng(rng), keep)
        frames = []
        for t in keep:
            state = kept[t]
            if other is None:
                y = None
            elif info[other].kind == "numbers":  # (the value each row holds, even where it is still a hole)
                y = self.transformer_.values(info[other], state)
            else:
                y = self.transformer_.inverse(state)[other].astype(str).to_numpy()
            frames.append(pd.DataFrame({"step": t, "share": t / steps,
                                        "x": self.transformer_.values(info[column], state), "y": y}))
        out = pd.concat(frames, ignore_index=True)
        out.attrs.update(x=column, y=other)
        return out

    def pictures(self) -> list[tuple[str, Any]]:
        frames = self.denoising_frames()
        if frames.empty:
            return []
        x, y = frames.attrs["x"], frames.attrs["y"]
        pair = f"'{x}' against '{y}'" if y is not None else f"'{x}'"
        caption = (f"**Denoising, step by step**: {PICTURE_ROWS:,} new rows of {pair} as the network makes them, "
                   f"from pure noise (t = {self.schedule_.steps}) to finished rows (t = 0). Each column's spread is "
                   "right from the start (the noise goes through the column's own quantiles); what the steps build "
                   "is how the columns go together.")
        return [(caption, plots.denoising_figure(frames))]
