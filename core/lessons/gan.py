"""A GAN and a VAE on a 2-D toy: what adversarial training does, where it fails, and the VAE's trade-off.

**Data.** Three seeded toy sets from scikit-learn (two moons, two rings) or a 3 × 3 grid of
Gaussian blobs with known centres (σ = 0.1), or two numeric columns of a loaded table. Moons,
rings and table columns are standardised (z-scores); the grid keeps its centres at {−2, 0, 2}².

**GAN** (Goodfellow et al. 2014). A generator G maps noise z ~ N(0, I₂) to a point; a
discriminator D scores points. Both are MLPs with two hidden layers of 64 units.

- *Vanilla* (non-saturating): D minimises BCE(D(x), 1) + BCE(D(G(z)), 0); G minimises
  BCE(D(G(z)), 1). D's output, through a sigmoid, is "the probability that this point is real".
- *WGAN-GP* (Gulrajani et al. 2017): the critic maximises E[D(x)] − E[D(G(z))] with a penalty
  λ (‖∇D(x̂)‖ − 1)² on points x̂ between real and fake (λ = 10); G maximises E[D(G(z))].

Mode collapse (Goodfellow 2016, §5.1.1; Metz et al. 2017): the generator finds a few points the
discriminator likes and puts all its mass there; the discriminator then moves, and the generator
hops to another mode. On the grid, the modes a sample set *covers* are counted: each sample goes to
its nearest centre if it is within 2σ of it, and a mode counts as covered when it gets at least a
quarter of the samples an even spread would give it (the "modes" and "high-quality samples"
measures of Srivastava et al. 2017 and Metz et al. 2017).

**VAE** (Kingma and Welling 2014) with a β-weighted KL (Higgins et al. 2017): an encoder gives
q(z|x) = N(μ(x), diag σ²(x)), z = μ + σ·ε, a decoder gives x̂(z); the loss per point is
‖x − x̂‖² + β · KL(q(z|x) ‖ N(0, I)). Small β: the latent code keeps every detail (sharp
reconstructions) but the codes do not fill the prior, so samples from N(0, I) land where no data
is. Large β: the codes are pushed onto the prior, the decoder can tell points apart less and less,
and reconstructions and samples shrink towards the middle (blurry, over-smoothed).

Reproducibility: weights are initialised from numpy's seeded generator and every draw in training
comes from a ``torch.Generator`` of the model's own; torch's global random state is never used.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import torch
from sklearn.datasets import make_circles, make_moons
from torch import nn
from torch.nn import functional

from core.errors import DataError, ParameterError
from core.plots import LOSS_COLOURS, MISSING_COLOUR, REAL_COLOUR

DATASETS = ("two moons", "rings", "blob grid")
# name -> (loss, learning rate, Adam's β₁): measured on the blob grid, seeds 0-2, 1,600 steps
SETTINGS = {
    "collapse-prone: vanilla, learning rate 0.01, Adam β₁ = 0.9": ("vanilla", 1e-2, 0.9),  # covers 0-2 of 9 modes
    "stable: vanilla, learning rate 0.001, Adam β₁ = 0.5": ("vanilla", 1e-3, 0.5),  # 6-8 of 9
    "WGAN-GP, learning rate 0.0005 (5 critic updates a step: slower)": ("wgan-gp", 5e-4, 0.5),
}
LOSSES = ("vanilla", "wgan-gp")
GRID_SIGMA = 0.2
GRID_CENTRES = np.array([(x, y) for x in (-2.0, 0.0, 2.0) for y in (-2.0, 0.0, 2.0)])
HIDDEN = 64
BATCH = 128
PENALTY = 10.0
CRITIC_STEPS = 5  # WGAN-GP: critic updates per generator update (Gulrajani et al.'s n_critic)
SHOWN = 500  # samples drawn for the picture and the counts (from a fixed noise, so only training moves them)
TABLE_ROWS = 1_000
FAKE_COLOUR = MISSING_COLOUR


@dataclass
class Toy:
    points: np.ndarray  # (n, 2), float32
    name: str
    centres: np.ndarray | None = None  # the modes, when known (the blob grid)
    sigma: float | None = None
    axes: tuple[str, str] = ("x₁", "x₂")  # what the two coordinates are


def toy(name: str, *, n: int = 1_000, rng: int = 0) -> Toy:
    """One of :data:`DATASETS`, ``n`` points, seeded."""
    if name == "two moons":
        points, _ = make_moons(n, noise=0.05, random_state=rng)
    elif name == "rings":
        points, _ = make_circles(n, noise=0.04, factor=0.5, random_state=rng)
    elif name == "blob grid":
        generator = np.random.default_rng(rng)
        which = generator.integers(len(GRID_CENTRES), size=n)
        points = GRID_CENTRES[which] + GRID_SIGMA * generator.standard_normal((n, 2))  # x = c_k + σ ε
        return Toy(points.astype(np.float32), name, GRID_CENTRES, GRID_SIGMA)
    else:
        raise ParameterError(f"Unknown toy data set {name!r}.", hint=f"Choose one of {', '.join(DATASETS)}.")
    return Toy(_standardised(points), name)


def table_toy(df: pd.DataFrame, x: str, y: str, *, rng: int = 0) -> Toy:
    """Two numeric columns of a table, complete rows, standardised (a seeded sample of at most 1,000 rows)."""
    if x == y:
        raise ParameterError("Choose two different columns.")
    pair = df[[x, y]].apply(pd.to_numeric, errors="coerce").replace([np.inf, -np.inf], np.nan).dropna()
    if len(pair) < 20:
        raise DataError(f"Only {len(pair)} rows have both {x} and {y}; the GAN needs at least 20.",
                        hint="Choose other columns, or use a toy data set.")
    if (pair.std() == 0).any():
        raise DataError("One of the two columns is constant, so there is no shape to learn.",
                        hint="Choose other columns.")
    if len(pair) > TABLE_ROWS:
        pair = pair.sample(TABLE_ROWS, random_state=rng)
    return Toy(_standardised(pair.to_numpy(dtype=float)), f"{x} / {y}",
               axes=(f"{x} (standardised)", f"{y} (standardised)"))


def _standardised(points: np.ndarray) -> np.ndarray:
    return ((points - points.mean(axis=0)) / points.std(axis=0)).astype(np.float32)  # z = (x − mean) / sd


def mode_coverage(samples: np.ndarray, centres: np.ndarray, sigma: float) -> tuple[np.ndarray, float]:
    """(samples per mode that sit within 2σ of it, share of samples within 2σ of some mode).

    A sample belongs to its nearest centre when it lies within 2σ of it."""
    distance = np.linalg.norm(samples[:, None, :] - centres[None, :, :], axis=2)
    nearest = distance.argmin(axis=1)
    close = distance[np.arange(len(samples)), nearest] <= 2 * sigma
    counts = np.bincount(nearest[close], minlength=len(centres))
    return counts, float(close.mean()) if len(samples) else 0.0


def modes_covered(samples: np.ndarray, centres: np.ndarray, sigma: float) -> int:
    """How many modes get at least a quarter of the samples an even spread would give each."""
    counts, _ = mode_coverage(samples, centres, sigma)
    return int((counts >= max(1.0, len(samples) / len(centres) / 4)).sum())


def nearest_distance(samples: np.ndarray, points: np.ndarray) -> float:
    """Mean distance from each sample to its nearest real point."""
    from scipy.spatial import cKDTree

    return float(cKDTree(points).query(samples)[0].mean())


# --------------------------------------------------------------------------- networks


def mlp(width_in: int, width_out: int, rng: np.random.Generator, *, activation: type[nn.Module] = nn.ReLU
        ) -> nn.Sequential:
    """Two hidden layers of 64 units, initialised from ``rng`` (PyTorch's default: U(±1/√fan_in))."""
    net = nn.Sequential(nn.Linear(width_in, HIDDEN), activation(), nn.Linear(HIDDEN, HIDDEN), activation(),
                        nn.Linear(HIDDEN, width_out))
    with torch.no_grad():
        for layer in net:
            if isinstance(layer, nn.Linear):
                bound = 1 / np.sqrt(layer.in_features)
                for p in (layer.weight, layer.bias):
                    p.copy_(torch.from_numpy(rng.uniform(-bound, bound, size=tuple(p.shape)).astype(np.float32)))
    return net


@contextmanager
def one_thread() -> Iterator[None]:
    """Run torch on one thread: networks this small lose far more to thread hand-offs than they gain
    (200 steps take about 0.3 s on one core and many seconds on two busy ones)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class ToyGAN:
    """A GAN trained a few steps at a time. ``step(n)`` trains; ``samples()`` draws from a fixed noise."""

    def __init__(self, points: np.ndarray, *, loss: str = "vanilla", lr: float = 1e-3, beta1: float = 0.5,
                 seed: int = 0) -> None:
        if loss not in LOSSES:
            raise ParameterError(f"Unknown GAN loss {loss!r}.", hint=f"Choose one of {', '.join(LOSSES)}.")
        if not 0 < lr <= 0.1:
            raise ParameterError("The learning rate must lie between 0 and 0.1.")
        self.loss, self.lr = loss, lr
        self.critic_steps = CRITIC_STEPS if loss == "wgan-gp" else 1
        self.data = torch.from_numpy(np.asarray(points, dtype=np.float32))
        rng = np.random.default_rng(seed)
        self.generator = torch.Generator().manual_seed(seed)
        self.G, self.D = mlp(2, 2, rng), mlp(2, 1, rng, activation=nn.LeakyReLU)
        betas = (beta1, 0.9) if loss == "wgan-gp" else (beta1, 0.999)
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=lr, betas=betas)
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=lr, betas=betas)
        self.noise = torch.randn(SHOWN, 2, generator=torch.Generator().manual_seed(seed + 1))
        self.steps = 0
        self.history: list[tuple[int, float, float]] = []  # (step, discriminator loss, generator loss)

    def step(self, n: int = 200) -> None:
        """Train ``n`` steps: one discriminator update, then one generator update, each on a fresh batch."""
        with one_thread():
            self._steps(n)

    def _steps(self, n: int) -> None:
        for _ in range(n):
            for _ in range(self.critic_steps):
                real = self.data[torch.randint(len(self.data), (BATCH,), generator=self.generator)]
                fake = self.G(torch.randn(BATCH, 2, generator=self.generator))
                d_real, d_fake = self.D(real), self.D(fake.detach())
                if self.loss == "vanilla":
                    d_loss = (functional.binary_cross_entropy_with_logits(d_real, torch.ones_like(d_real))
                              + functional.binary_cross_entropy_with_logits(d_fake, torch.zeros_like(d_fake)))
                else:
                    d_loss = d_fake.mean() - d_real.mean() + PENALTY * self._penalty(real, fake.detach())
                self.opt_d.zero_grad()
                d_loss.backward()
                self.opt_d.step()
            g_score = self.D(fake)
            if self.loss == "vanilla":  # non-saturating: −log D(G(z))
                g_loss = functional.binary_cross_entropy_with_logits(g_score, torch.ones_like(g_score))
            else:  # −E[D(G(z))]
                g_loss = -g_score.mean()
            self.opt_g.zero_grad()
            g_loss.backward()
            self.opt_g.step()
            self.steps += 1
            self.history.append((self.steps, d_loss.item(), g_loss.item()))

    def _penalty(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        t = torch.rand(len(real), 1, generator=self.generator)
        between = (t * real + (1 - t) * fake).requires_grad_(True)  # x̂ = t x + (1 − t) G(z)
        grad, = torch.autograd.grad(self.D(between).sum(), between, create_graph=True)
        return ((grad.norm(dim=1) - 1) ** 2).mean()  # (‖∇D(x̂)‖ − 1)²

    @torch.no_grad()
    def samples(self) -> np.ndarray:
        return self.G(self.noise).numpy()

    @torch.no_grad()
    def critic(self, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        """D on the grid xs × ys: the probability "real" (vanilla) or the critic's score (WGAN-GP)."""
        gx, gy = np.meshgrid(xs, ys)
        scores = self.D(torch.from_numpy(np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32)))
        if self.loss == "vanilla":
            scores = torch.sigmoid(scores)
        return scores.numpy().reshape(gx.shape)


class ToyVAE:
    """A VAE with a 2-D latent code and a β-weighted KL, trained a few steps at a time."""

    def __init__(self, points: np.ndarray, *, beta: float = 1.0, lr: float = 1e-3, seed: int = 0) -> None:
        if not beta >= 0:
            raise ParameterError("β must be zero or positive.")
        self.beta = beta
        self.data = torch.from_numpy(np.asarray(points, dtype=np.float32))
        rng = np.random.default_rng(seed)
        self.generator = torch.Generator().manual_seed(seed)
        self.encoder, self.decoder = mlp(2, 4, rng), mlp(2, 2, rng)
        self.opt = torch.optim.Adam([*self.encoder.parameters(), *self.decoder.parameters()], lr=lr)
        self.prior = torch.randn(SHOWN, 2, generator=torch.Generator().manual_seed(seed + 1))
        self.steps = 0
        self.history: list[tuple[int, float, float]] = []  # (step, reconstruction error, KL)

    def step(self, n: int = 200) -> None:
        with one_thread():
            self._steps(n)

    def _steps(self, n: int) -> None:
        for _ in range(n):
            x = self.data[torch.randint(len(self.data), (BATCH,), generator=self.generator)]
            mu, log_var = self.encoder(x).chunk(2, dim=1)
            z = mu + torch.exp(0.5 * log_var) * torch.randn(mu.shape, generator=self.generator)  # z = μ + σ ε
            reconstruction = ((x - self.decoder(z)) ** 2).sum(dim=1).mean()  # ‖x − x̂‖²
            kl = 0.5 * (mu ** 2 + log_var.exp() - 1 - log_var).sum(dim=1).mean()  # KL(N(μ, σ²) ‖ N(0, I))
            loss = reconstruction + self.beta * kl
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            self.steps += 1
            self.history.append((self.steps, reconstruction.item(), kl.item()))

    @torch.no_grad()
    def reconstructions(self, points: np.ndarray | None = None) -> np.ndarray:
        """x̂(μ(x)) for the first 500 data points (or ``points``)."""
        x = self.data[:SHOWN] if points is None else torch.from_numpy(np.asarray(points, dtype=np.float32))
        mu, _ = self.encoder(x).chunk(2, dim=1)
        return self.decoder(mu).numpy()

    def reconstruction_error(self) -> float:
        """Mean ‖x − x̂(μ(x))‖² over all the data."""
        return float(((self.reconstructions(self.data.numpy()) - self.data.numpy()) ** 2).sum(axis=1).mean())

    @torch.no_grad()
    def prior_samples(self) -> np.ndarray:
        """x̂(z) for z ~ N(0, I) (a fixed draw, so only training moves them)."""
        return self.decoder(self.prior).numpy()


# --------------------------------------------------------------------------- figures


def _bounds(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    low, high = points.min(axis=0), points.max(axis=0)
    pad = 0.25 * (high - low) + 0.1
    return low - pad, high + pad


def gan_figure(model: ToyGAN, data: Toy) -> go.Figure:
    """The discriminator's view as a heat map, the real points and the generator's samples over it."""
    low, high = _bounds(data.points)
    xs, ys = np.linspace(low[0], high[0], 60), np.linspace(low[1], high[1], 60)
    z = model.critic(xs, ys)
    title = "D(x): probability real" if model.loss == "vanilla" else "critic score D(x)"
    fig = go.Figure(go.Heatmap(x=xs, y=ys, z=z, colorscale="Greys", reversescale=False, opacity=0.55,
                               colorbar=dict(title=dict(text=title, side="right")),
                               hovertemplate="(%{x:.2f}, %{y:.2f}): %{z:.3f}<extra></extra>"))
    fig.add_scatter(x=data.points[:, 0], y=data.points[:, 1], mode="markers", name="real",
                    marker=dict(color=REAL_COLOUR, size=4, opacity=0.5))
    fake = model.samples()
    fig.add_scatter(x=fake[:, 0], y=fake[:, 1], mode="markers", name="generated",
                    marker=dict(color=FAKE_COLOUR, size=5, symbol="x"))
    fig.update_xaxes(range=[low[0], high[0]], title_text=data.axes[0])
    fig.update_yaxes(range=[low[1], high[1]], title_text=data.axes[1], scaleanchor="x", scaleratio=1)
    fig.update_layout(title=f"After {model.steps:,} steps", height=480, margin=dict(l=40, r=10, t=50, b=40),
                      legend=dict(orientation="h", y=-0.15))
    return fig


def loss_figure(history: list[tuple[int, float, float]], names: tuple[str, str], *, title: str) -> go.Figure:
    """Two loss curves against the step."""
    fig = go.Figure()
    if history:
        steps, first, second = (np.array(c) for c in zip(*history, strict=True))
        for values, name, colour in ((first, names[0], LOSS_COLOURS[1]), (second, names[1], LOSS_COLOURS[0])):
            fig.add_scatter(x=steps, y=values, mode="lines", name=name, line=dict(color=colour, width=1))
    fig.update_layout(title=title, xaxis_title="step", height=280, margin=dict(l=40, r=10, t=50, b=40),
                      legend=dict(orientation="h", y=-0.3))
    return fig


def vae_figure(model: ToyVAE, data: Toy) -> go.Figure:
    """Real points, their reconstructions, and points decoded from the prior."""
    low, high = _bounds(data.points)
    fig = go.Figure()
    fig.add_scatter(x=data.points[:, 0], y=data.points[:, 1], mode="markers", name="real",
                    marker=dict(color=REAL_COLOUR, size=4, opacity=0.4))
    rec = model.reconstructions()
    fig.add_scatter(x=rec[:, 0], y=rec[:, 1], mode="markers", name="reconstructed x̂(μ(x))",
                    marker=dict(color=LOSS_COLOURS[1], size=4))
    prior = model.prior_samples()
    fig.add_scatter(x=prior[:, 0], y=prior[:, 1], mode="markers", name="sampled x̂(z), z ~ N(0, I)",
                    marker=dict(color=FAKE_COLOUR, size=5, symbol="x"))
    fig.update_xaxes(range=[low[0], high[0]], title_text=data.axes[0])
    fig.update_yaxes(range=[low[1], high[1]], title_text=data.axes[1], scaleanchor="x", scaleratio=1)
    fig.update_layout(title=f"VAE, β = {model.beta:g}, after {model.steps:,} steps", height=480,
                      margin=dict(l=40, r=10, t=50, b=40), legend=dict(orientation="h", y=-0.15))
    return fig
