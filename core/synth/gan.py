"""A conditional tabular GAN, after CTGAN (Xu, Skoularidou, Cuesta-Infante and Veeramachaneni 2019).

- **Conditional generator.** The generator gets noise z ~ N(0, I) (``embedding_dim`` wide), a row a Gaussian
  copula drew (the copula start, below) and a conditional vector: the one-hot of one category of one label
  column. Two residual blocks (Linear → BatchNorm → ReLU, their input concatenated to their output) lead to the row:
  tanh for each α, Gumbel-softmax (τ = 0.2) for each one-hot (:mod:`core.synth.transformer`).
  A cross-entropy term makes the generated row carry the category it was asked for.
- **Training-by-sampling.** Each row of a batch picks a label column uniformly, then a category
  with probability ∝ log(1 + its frequency), and the real rows the critic sees are drawn from
  the rows with that category. Rare categories get trained on, so they are not lost. The draws
  are vectorised: cumulative-probability tables and one index of rows per category, no Python
  loop per row (the peers loop over rows here).
- **PacGAN critic.** The critic judges ``pac`` rows at once, which penalises a generator that
  collapses onto a few modes (Lin et al. 2018). It reads each row alone first (the row layer,
  below), then the pack's features side by side. Leaky ReLU after each layer, dropout 0.5 after
  each one over the pack.
- **WGAN-GP loss** (Gulrajani et al. 2017): the critic maximises E[D(real)] − E[D(fake)] with a
  gradient penalty of weight 10 on interpolations; Adam with β = (0.5, 0.9) and weight decay 1e-6.

Each step runs the generator once: the critic learns on the fake rows detached from the
generator (CTGAN back-propagates the critic's loss through the generator too and throws those
gradients away), scoring the real packs, the fake packs and the points between them for the gradient
penalty in one pass (CTGAN makes three), and the generator's update scores the
same fake rows against the critic just updated (as PyTorch's DCGAN example does) instead of
drawing fresh ones. On the seven bundled tables, three seeds each, the two variants reach the same
sdmetrics quality (0.716 and 0.717) and a similar detection AUC (0.878, 0.885); this one trains about
20% faster (``bench/vs_sdv.py``).

**The conditional vector is looked up.** It is a one-hot, so in every layer that reads it (each of the generator's,
as its blocks pass their input on, and the critic's first) its part of the product is the asked category's weights,
kept apart from the rest of the layer's and looked up, instead of a product with a mostly-zero matrix; the critic's
gradient penalty on it follows in closed form (the first layer is linear). With ``discriminator_row_width`` 0 the
networks are CTGAN's, weight for weight (tests compare them with the dense layers, penalty and gradients included);
where label columns hold many categories the vector is as wide as the rows, and a step on 6,259 computer prices
takes about 15% less time.

**The critic reads each row first** (``discriminator_row_width``, 32 units by default; 0 is CTGAN's critic). CTGAN's
critic begins with one linear layer over the pack's rows side by side: each unit sees a weighted sum over ten rows
before any non-linearity, so to see a combination of values within one row (first-class women who survived) it must
learn one for each of the ten places in the pack, and in practice it did not: only the pairwise relations the
statistics term and the copula start carry were learned. Trained alone to tell rows whose third column is the XOR of
the other two from rows where it is random, the critic that reads rows first opened a score gap of 1.6 in 300 steps;
CTGAN's stayed at 0 (a test). In a GAN trained 5,000 steps on such a table, 80% of the generated rows kept the XOR,
against 50% (chance) with CTGAN's critic. On titanic (four label columns) the generated cells' total variation from
the real ones went from 0.18 to 0.14 in 300 epochs, and from 0.23 to 0.07 in 1,500 (CTGAN's critic drifted away with
training); the detection AUC fell from 0.61 to 0.58. The narrow layer makes the critic cheaper on wide rows and a
little dearer on narrow ones: 300 epochs of Wages (131 wide) took 2.3 times less than CTGAN, 1.9 to 2.0 times
before; on the bundled samples the ratio fell from 2.4x–3.3x to 2.2x–3.0x. The gradient penalty stays in closed
form: it is the gradient in each row's inputs, summed in squares over the pack (a test compares it with autograd's).

**Discrete-valued number columns** (``discrete_values``, on by default): a number or date column
holding few values, each shared by many rows (memory sizes, screen inches, integer codes, disk
sizes), is learned as a one-hot over its values, like a label column, and comes out as exactly
those values (:mod:`core.synth.transformer`); the conditional vector asks for its values as it asks
for categories. Through the mixture, most generated values of such a column fall between the real
steps (on 6,259 computer prices: 86% of the disk sizes and 81% of the advertising counts were values
the real column never holds), and one gradient-boosting split on that column told them from real
rows (one-column detection AUC 0.95 and 0.91, against 0.57 and 0.53 as one-hots).

**Dependent columns** (``dependent_columns``, on by default): a column that is a function of a label column (every
row with one of the label's categories holds the same value of it: a code and its name, a month and its monthly
figure) is not learned: it comes back from the label the generator makes (:mod:`core.synth.transformer`), so every
row holds a pair the real table holds. Learned, such a pair comes out only approximately: on 6,259 computer prices
4% of the rows held a real (month, advertising count) pair, and the detection AUC was 0.99 for this GAN, CTGAN and
the copula alike. The label needs ten rows per category on average, and the target is always learned.

**Normal scores** (``normal_scores``, on by default): each number column's mixture is fitted on its normal scores
(:mod:`core.synth.transformer`), not its raw values. On raw values the body weights of R's ``msleep`` (5 g to 6.6 t)
put nine rows in ten into one narrow mode, and the generator piled a quarter of its rows onto the lightest weight:
that column alone told them from real rows (detection AUC 0.91, 0.92 for the whole table). On scores the column is
learned (0.35 alone) and the table's AUC fell to 0.67.

**Statistics term** (``statistics_weight``, 10 by default; 0 is CTGAN's loss): the generator's loss also compares
its batch with the real batch asking for the same categories, in the number columns read as values
(:class:`core.synth.transformer.Numbers`): each column's values sorted within each category asked for (the squared
1-D Wasserstein distance, so a category's rows keep their own distribution) and the correlations of every pair of
columns, on the columns' standardised scale (with normal scores, the standardised scores). A category asked for by
fewer than ``MIN_GROUP`` rows of the batch is not a group of its own: its rows are sorted with the other such rows.
(The closest a generated batch gets to a random real one of k rows, sorted against sorted, is a shrunken copy: with
k = 1 it is the mean. On tables whose discrete columns hold tens of values, most groups were a few rows, and the
term pulled the generator towards such copies: on Ecdat's ``Star``, with normal scores, the sdmetrics quality was
0.86 without this rule and 0.92 with it, two seeds each.) In 300 epochs on a few hundred rows the critic alone
teaches neither well: with the term, the sdmetrics quality on the seven bundled tables rose from 0.721 to 0.819 on
average and the detection AUC fell from 0.874 to 0.746 (``bench/vs_sdv.py``, two seeds). It is a moment-matching
loss in the spirit of Salimans et al. 2016's feature matching, on the data itself.

**Copula start** (``copula_start``, on by default): the generator does not start from noise alone. A Gaussian copula
(:mod:`core.synth.copula`) fitted on the same table draws ten rows per real row (5,000 to 20,000), kept in the
network's matrix with an index of rows per category (at most ``START_CELLS`` cells); each generated row reads one of
them (of the category it asks for) beside its noise (a row wider than ``START_WIDTH`` through a linear layer), and the
generator's output is *added* to the logits that make that row (``atanh`` of each α within ±0.99; a one-hot's
log-probabilities, its drawn value 99% sure, so the Gumbel noise moves a category or mode about once in a hundred
draws). The output layer starts at zero, so the untrained GAN makes the copula's rows up to that noise, marginals and
rank correlations included, and training teaches it what a copula cannot
carry: relations that change from one category to another, clusters, relations that are not monotone. From noise, 300
epochs of a few hundred rows (300 steps) did not teach the generator what the copula already holds: on the seven
bundled tables its detection AUC was 0.678 on average against the copula's 0.568 (two seeds); with the start it is
0.559. The generator reads rows only the copula made, and the fitted copula (whose marginals hold the real values)
is dropped once the rows are drawn. With the row as input, the
noise can be smaller and the generator narrower (32 and 128, CTGAN's 128 and 256), which makes a step cheaper.

At sampling time the conditional vectors follow the categories' real frequencies, so the table
comes out with the real class balance; or, with ``target_classes="equal"``, every row asks for one
of the target's classes, equally often, and rows that come out in another class are drawn again
(CTGAN's conditional sampling, as SDV does it): a balanced synthetic table from an imbalanced one.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
import torch
from torch import nn
from torch.nn import functional

from core.errors import DataError, ParameterError, SynthLabError
from core.params import Card, Param, grouped
from core.schema import LABELS, Schema
from core.synth.copula import GaussianCopulaSynthesizer
from core.synth.neural import (
    DEPENDENT,
    DISCRETE,
    LEARNING_RATES,
    NETWORK,
    NORMAL_SCORES,
    NeuralSynthesizer,
    training_params,
)
from core.synth.registry import register
from core.synth.transformer import Blocks, DataTransformer, Numbers

TAU = 0.2
PENALTY = 10.0
MAX_ROUNDS = 50  # equal classes: batches drawn per batch kept, at most, before giving up
START_ROWS = (5_000, 20_000)  # copula start: rows the copula draws (ten per real row, within these bounds)
START_CELLS = 4_000_000  # copula start: at most this many cells in the drawn rows' matrix (at least 500 rows)
START_WIDTH = 256  # copula start: a row wider than this is read through a linear layer to this many units
SURE = 0.01  # copula start: the share of a one-hot's probability its other values get, in the offset's logits
MIN_GROUP = 20  # statistics term: rows of the batch a category asked for needs to be sorted as a group of its own


class ConditionSampler:
    """Conditional vectors and the real rows that match them, vectorised."""

    def __init__(self, transformer: DataTransformer, data: np.ndarray) -> None:
        spans = [info.discrete for info in transformer.columns if info.discrete is not None]
        self.names = [info.name for info in transformer.columns if info.discrete is not None]
        self.n_columns = len(spans)
        self.width = sum(s.width for s in spans)
        if not spans:
            return
        self.data_starts = np.array([s.start for s in spans])
        self.widths = np.array([s.width for s in spans])
        self.offsets = np.concatenate([[0], np.cumsum(self.widths)[:-1]])
        counts = np.zeros((len(spans), self.widths.max()))
        codes = np.stack([data[:, s.start:s.end].argmax(axis=1) for s in spans], axis=1)
        for j, span in enumerate(spans):
            counts[j, :span.width] = np.bincount(codes[:, j], minlength=span.width)
        log_frequency = np.log1p(counts)
        self.train_cdf = np.cumsum(log_frequency / log_frequency.sum(axis=1, keepdims=True), axis=1)
        self.real_cdf = np.cumsum(counts / counts.sum(axis=1, keepdims=True), axis=1)
        # rows by (column, category): one sorted index, with where each category's rows start
        keys = (self.offsets[None, :] + codes).T.reshape(-1)  # column-major: every column's rows in turn
        rows = np.tile(np.arange(len(data)), len(spans))
        order = np.argsort(keys, kind="stable")
        self.rows = rows[order]
        self.counts = np.bincount(keys, minlength=self.width)
        self.starts = np.concatenate([[0], np.cumsum(self.counts)[:-1]])

    def draw(self, n: int, rng: np.random.Generator, *, real_frequency: bool = False,
             balanced: tuple[int, int] | None = None):
        """The category each of n rows asks for: its index in the conditional vector (all columns' categories).

        ``balanced=(column, k)`` asks every row for one of that column's first k categories, equally often."""
        if balanced is not None:
            column = np.full(n, balanced[0])
            category = rng.integers(balanced[1], size=n)
        else:
            column = rng.integers(self.n_columns, size=n)
            cdf = (self.real_cdf if real_frequency else self.train_cdf)[column]
            category = np.minimum((cdf < rng.random(n)[:, None]).sum(axis=1), self.widths[column] - 1)
        return self.offsets[column] + category

    def matching_rows(self, chosen: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One random training row with each chosen category."""
        return self.rows[self.starts[chosen] + (rng.random(len(chosen)) * self.counts[chosen]).astype(np.int64)]


class CopulaStart:
    """Rows a Gaussian copula drew, in the network's matrix, and the logits that make exactly them: ``atanh`` of each
    α (within ±0.99), and of each one-hot log((1 − ``SURE``) · v + ``SURE`` / its width), so that Gumbel noise at τ
    rarely moves a category (the drawn one's logit leads the others' by about 5 to 9)."""

    def __init__(self, transformer: DataTransformer, matrix: np.ndarray) -> None:
        self.matrix = torch.from_numpy(matrix)
        self.conditions = ConditionSampler(transformer, matrix)
        tanh = np.zeros(transformer.width, dtype=bool)
        share = np.zeros(transformer.width, dtype=np.float32)
        for span in transformer.spans:
            tanh[span.start:span.end] = span.activation == "tanh"
            share[span.start:span.end] = SURE / span.width
        self.tanh, self.share = torch.from_numpy(tanh), torch.from_numpy(share)

    def rows(self, n: int, chosen: np.ndarray | None, rng: np.random.Generator) -> torch.Tensor:
        """n copula rows, each with its asked category where the copula drew that category at all."""
        picked = rng.integers(len(self.matrix), size=n)
        if chosen is not None:
            held = self.conditions.counts[chosen] > 0
            picked[held] = self.conditions.matching_rows(chosen[held], rng)
        return self.matrix[torch.from_numpy(picked)]

    def logits(self, rows: torch.Tensor) -> torch.Tensor:
        return torch.where(self.tanh, rows.clamp(-0.99, 0.99).atanh(), (rows * (1 - SURE) + self.share).log())


class Residual(nn.Module):
    """Linear → BatchNorm → ReLU, its input concatenated to its output. The asked category's weights are kept
    apart from the linear layer's (the conditional vector is a one-hot: a lookup, not a product)."""

    def __init__(self, width_in: int, conditions: int, width_out: int) -> None:
        super().__init__()
        self.fc = _split(nn.Linear(width_in + conditions, width_out), width_in, self)
        self.bn = nn.BatchNorm1d(width_out)

    def forward(self, x: torch.Tensor, chosen: torch.Tensor | None) -> torch.Tensor:
        return torch.cat([functional.relu(self.bn(_asked(self, self.fc(x), chosen))), x], dim=1)


class Generator(nn.Module):
    """CTGAN's generator: the noise and the conditional vector through residual blocks to a row. Every layer sees
    the conditional vector (the blocks pass their input on), through its own weights for each category. With a
    start (a row ``start`` wide, read beside the noise), a row wider than ``START_WIDTH`` is first read through a
    linear layer to that width, so the network grows with the table's width, not with its square."""

    def __init__(self, width_in: int, conditions: int, widths: list[int], width_out: int, start: int = 0) -> None:
        super().__init__()
        self.reader = nn.Linear(start, START_WIDTH) if start > START_WIDTH else None
        layers, width = [], width_in + min(start, START_WIDTH)
        for w in widths:
            layers.append(Residual(width, conditions, w))
            width += w
        self.blocks = nn.ModuleList(layers)
        self.out = _split(nn.Linear(width + conditions, width_out), width, self)

    def forward(self, noise: torch.Tensor, chosen: torch.Tensor | None,
                start: torch.Tensor | None = None) -> torch.Tensor:
        x = noise if start is None else torch.cat([noise, start if self.reader is None else self.reader(start)], 1)
        for block in self.blocks:
            x = block(x, chosen)
        return _asked(self, self.out(x), chosen)

    def _load_from_state_dict(self, state: dict, prefix: str, *args, **kwargs) -> None:
        """A generator saved as one ``nn.Sequential`` over the noise and the conditional vector (before the
        vector's weights were kept apart) loads too: the vector's columns of each layer become its lookups."""
        if f"{prefix}body.0.fc.weight" not in state:
            return super()._load_from_state_dict(state, prefix, *args, **kwargs)
        conditions = self.categories.size(0)
        for i, name in enumerate([*(f"blocks.{i}" for i in range(len(self.blocks))), "out"]):
            old, linear, lookup = (f"body.{i}.fc", f"{name}.fc", f"{name}.categories") if name != "out" else \
                (f"body.{i}", "out", "categories")
            weight = state.pop(f"{prefix}{old}.weight")
            width = weight.size(1) - conditions
            state[f"{prefix}{linear}.weight"], state[f"{prefix}{lookup}"] = _apart(weight, width)
            state[f"{prefix}{linear}.bias"] = state.pop(f"{prefix}{old}.bias")
            for key in [k for k in state if k.startswith(f"{prefix}body.{i}.bn.")]:
                state[f"{prefix}{name}.bn.{key.rsplit('.', 1)[1]}"] = state.pop(key)
        return super()._load_from_state_dict(state, prefix, *args, **kwargs)


def _apart(weight: torch.Tensor, width_in: int, pac: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    """A dense layer's weights over ``pac`` inputs of [a row ``width_in`` wide, a one-hot] each, apart: (the rows'
    weights, as a linear layer over the ``pac`` rows side by side; one row of weights per slot k and category c,
    at kC + c, the one-hots' lookup)."""
    by_slot = weight.view(weight.size(0), pac, -1)
    return (by_slot[:, :, :width_in].reshape(weight.size(0), -1),
            by_slot[:, :, width_in:].permute(1, 2, 0).reshape(-1, weight.size(0)))


def _split(linear: nn.Linear, width: int, owner: nn.Module) -> nn.Linear:
    """``linear`` over its first ``width`` inputs; the weights of the rest (a one-hot's) go to ``owner`` as its
    ``categories`` lookup (one row per category), as initialised."""
    rows, categories = _apart(linear.weight.detach(), width)
    owner.categories = nn.Parameter(categories.contiguous())
    kept = torch.nn.utils.skip_init(nn.Linear, width, linear.out_features)
    kept.weight, kept.bias = nn.Parameter(rows.contiguous()), linear.bias
    return kept


def _asked(owner: nn.Module, h: torch.Tensor, chosen: torch.Tensor | None) -> torch.Tensor:
    """``h`` plus the asked categories' weights (the one-hot part of the layer's product)."""
    return h if chosen is None else h + functional.embedding(chosen, owner.categories)


class PackedInput(nn.Module):
    """The critic's first layer: one linear layer over a pack of rows and their conditional vectors, as in CTGAN,
    with the vectors' part of the weights kept apart. The vectors are one-hots, so their part of the product is a
    lookup, a sum of the asked categories' weights, instead of a product with a mostly-zero matrix."""

    def __init__(self, width_in: int, conditions: int, pac: int, width_out: int) -> None:
        super().__init__()
        whole = nn.Linear((width_in + conditions) * pac, width_out)  # its initial weights, split
        rows, categories = _apart(whole.weight.detach(), width_in, pac)
        self.rows, self.categories = nn.Parameter(rows.clone()), nn.Parameter(categories.clone())
        self.bias = nn.Parameter(whole.bias.detach().clone())
        self.pac, self.width_in, self.conditions = pac, width_in, conditions

    def forward(self, rows: torch.Tensor, asked: list[tuple[torch.Tensor, torch.Tensor | None]]) -> torch.Tensor:
        h = functional.linear(rows.reshape(-1, self.pac * self.width_in), self.rows, self.bias)
        return h + self.lookup(asked) if asked else h

    def lookup(self, asked: list[tuple[torch.Tensor, torch.Tensor | None]]) -> torch.Tensor:
        """The conditional vectors' part of the layer, per pack: the asked categories' weights, summed."""
        slots = torch.arange(len(asked[0][0])) % self.pac * self.conditions  # slot k, category c: row kC + c
        index = torch.cat([(slots + chosen).view(-1, self.pac) for chosen, _ in asked], dim=1)
        weights = None if asked[0][1] is None else torch.cat([w.view(-1, self.pac) for _, w in asked], dim=1)
        return functional.embedding_bag(index, self.categories, per_sample_weights=weights, mode="sum")


class HalfDropout(nn.Module):
    """Dropout of half the units, as in CTGAN's critic, its mask drawn 31 random bits to a number. (torch's
    dropout draws one random number per unit; on a step's packs that took a tenth of the step.)"""

    shifts = torch.arange(31, dtype=torch.int32)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training:
            return x
        n = x.numel()
        words = torch.randint(0, 2**31, (-(-n // 31),), dtype=torch.int32)  # 31 fair bits each
        kept = ((words[:, None] >> self.shifts) & 1).view(-1)[:n].view_as(x)
        return x * (kept * 2).to(x.dtype)


class Critic(nn.Module):
    """PacGAN's critic on packs of rows and the categories they were asked for; with ``row_width``, it reads each
    row (and its category) through a layer of that many units first, then the pack's features side by side."""

    def __init__(self, width_in: int, conditions: int, widths: list[int], pac: int, row_width: int = 0) -> None:
        super().__init__()
        self.pac = pac
        if row_width:  # a layer over each row, then its features packed
            self.first = PackedInput(width_in, conditions, 1, row_width)
            layers = [nn.LeakyReLU(0.2), nn.Unflatten(0, (-1, pac)), nn.Flatten(),
                      nn.Linear(pac * row_width, widths[0]), nn.LeakyReLU(0.2), HalfDropout()]
        else:
            self.first = PackedInput(width_in, conditions, pac, widths[0])
            layers = [nn.LeakyReLU(0.2), HalfDropout()]
        width = widths[0]
        for w in widths[1:]:
            layers += [nn.Linear(width, w), nn.LeakyReLU(0.2), HalfDropout()]
            width = w
        self.body = nn.Sequential(*layers, nn.Linear(width, 1))

    def _load_from_state_dict(self, state: dict, prefix: str, *args, **kwargs) -> None:
        """A critic saved as one ``nn.Sequential`` (before the first layer was kept apart) loads too: its first
        linear layer's weights are split, and the later layers' indices move down by one."""
        old = f"{prefix}body.0.weight"
        if old in state:
            state[f"{prefix}first.rows"], state[f"{prefix}first.categories"] = _apart(
                state.pop(old), self.first.width_in, self.first.pac)
            state[f"{prefix}first.bias"] = state.pop(f"{prefix}body.0.bias")
            for key in sorted(k for k in list(state) if k.startswith(f"{prefix}body.")):
                index, rest = key[len(prefix) + 5:].split(".", 1)
                state[f"{prefix}body.{int(index) - 1}.{rest}"] = state.pop(key)
        super()._load_from_state_dict(state, prefix, *args, **kwargs)

    def forward(self, rows: torch.Tensor, asked: list[tuple[torch.Tensor, torch.Tensor | None]] = ()) -> torch.Tensor:
        """Scores of the packs of ``rows``; ``asked``: (the category each row was asked for, a weight per row or
        None for 1) pairs, summed (a point between two packs asks for both, weighted)."""
        return self.body(self.first(rows, asked))

    def losses(self, real: torch.Tensor, fake: torch.Tensor,
               asked: tuple[torch.Tensor, torch.Tensor] | None) -> tuple[torch.Tensor, torch.Tensor]:
        """(E[D(fake)] − E[D(real)], the WGAN-GP penalty), from one pass over the real packs, the fake packs and
        points between them. ``asked``: (the fake rows' categories, the real rows' categories).

        The penalty is (‖∇D(x̂)‖ − 1)² on points x̂ between real and fake packs, rows and conditional vectors
        alike (the vectors of a point between two packs are the same mix of theirs). The first layer is linear,
        so the gradient in its inputs is the gradient in its output times its weights (per row when it reads
        rows, their squares summed over the pack)."""
        pac, packs = self.pac, real.size(0) // self.pac
        alpha = torch.rand(packs, 1).repeat(1, pac).reshape(-1, 1)
        rows = torch.cat([real, fake, alpha * real + (1 - alpha) * fake])
        pairs = []
        if asked is not None:  # every row asks for one category; a point between two packs for two, weighted
            ones, alpha = torch.ones(2 * len(real)), alpha.view(-1)
            pairs = [(torch.cat([asked[1], asked[0], asked[1]]), torch.cat([ones, alpha])),
                     (torch.cat([asked[1], asked[0], asked[0]]), torch.cat([ones - 1, 1 - alpha]))]
        out = self.first(rows, pairs)
        scores = self.body(out)
        inner = torch.autograd.grad(scores[2 * packs:].sum(), out, create_graph=True)[0][2 * len(out) // 3:]
        squares = (inner @ self.first.rows).pow(2).sum(dim=1) + (inner @ self.first.categories.T).pow(2).sum(dim=1)
        squares = squares.view(packs, -1).sum(dim=1)  # a pack's, over its rows when the first layer reads rows
        return (scores[packs:2 * packs].mean() - scores[:packs].mean(),
                ((squares.clamp_min(1e-12).sqrt() - 1) ** 2).mean() * PENALTY)


@register
class GANSynthesizer(NeuralSynthesizer):
    key = "gan"
    title = "Conditional GAN (CTGAN)"
    loss_names = ("generator", "critic", "statistics")
    quick: ClassVar[dict] = {"epochs": 5, "batch_size": 100}
    added: ClassVar[dict] = {"discrete_values": False, "statistics_weight": 0.0, "dependent_columns": False,
                             "normal_scores": False, "copula_start": False, "discriminator_row_width": 0}
    teaching = """
    **Two players.** The *generator* turns random noise, plus a condition such as "make a row whose island is
    Dream", into a row. The *critic* looks at packs of real and generated rows and scores how real they look.
    The critic learns to score real rows higher than generated ones; the generator learns to raise its rows'
    scores. Every category gets asked for in turn (training-by-sampling), so rare ones are learned too.

    **Reading the curves.** The losses are the scores of a game, not of a fit: they do not fall steadily. The
    critic's loss (its score for generated rows minus its score for real ones) is below zero while it can still
    tell them apart and moves towards zero as the generator catches up; the generator's loss wanders with the
    critic's. Swings that grow instead of settling mean the learning rates are too high. **Watch fidelity**: it
    measures the samples themselves (1 − the mean distance between the real and synthetic distribution of each
    column, as on the Compare page) and should rise, then flatten.

    **Mode collapse.** A generator can find a few kinds of row that fool the critic and make only those: whole
    categories or clusters of values vanish. The critic judging *pac* rows at once and the conditioning guard
    against it; after training, the check below the run lists every category or number mode holding at least 1%
    of the real rows that the samples (almost) lack.

    **A second teacher.** The critic's verdict is a slow teacher of plain statistics. With *statistics weight*
    above 0, each batch of generated rows is also compared with real rows asking for the same categories: every
    number column's spread and shape, and how the numbers move together. Its own curve, the *statistics* loss,
    is a fit and should fall, then flatten. Set the weight to 0 to see the game alone.

    **A head start.** With *copula start* on, the generator does not begin from noise alone: each row it makes
    begins as a row a Gaussian copula drew (of the category asked for), and the generator learns what to change in
    it. Before training it makes the copula's rows (but for a category now and then); training teaches it what a
    copula cannot carry, such as a relation between two numbers that differs from one category to another.

    **When to stop.** When fidelity has been flat for tens of epochs. Early stopping does that for you and keeps
    the best model; *Stop* ends training at once and keeps the model trained so far."""
    card = Card(does="Two networks play a game: a generator turns noise and a Gaussian copula's row into rows and a "
                     "critic scores how real rows look; each round the generator gets better at fooling the critic. "
                     "Conditioned on one category at a time, so rare categories are learned too.",
                when="Large tables (thousands of rows) with many label columns, multi-modal numbers and relations "
                     "no copula can express. Needs many epochs; watch the fidelity curve.",
                distorts="On small tables it trains on little signal and stays close to the copula it starts from; "
                         "can drop rare modes (mode collapse: the check after training lists them); slow compared "
                         "with the statistical models.")
    params = (
        *training_params(epochs=300, batch_size=500, patience=50),
        DISCRETE,
        DEPENDENT,
        NORMAL_SCORES,
        Param("statistics_weight", "float", 10.0, "Weight of a term in the generator's loss that compares each batch "
              "of generated rows with real rows asking for the same categories: every number column's sorted values "
              "(its distribution) and the correlations between number columns. The critic alone learns these slowly "
              "on small tables. 0: CTGAN's loss, the critic's verdict only.", 0.0, 100.0),
        Param("copula_start", "bool", True, "Start from a Gaussian copula's rows: each generated row begins as a row "
              "a copula fitted on the table drew (of the category asked for), and the generator, which reads that "
              "row with its noise, learns what to change in it. Untrained, the GAN makes (nearly) the copula's rows; "
              "training adds what a copula cannot carry (clusters within categories, relations that are not "
              "monotone). Off: CTGAN's start, from noise alone (then a wider generator and more noise suit it "
              "better)."),
        Param("target_classes", "choice", "real_shares", "How often each class of the target comes out: in its "
              "real share, or equally often (a balanced synthetic table from an imbalanced one: the generator is "
              "asked for each class in turn and rows of another class are drawn again).",
              choices=("real_shares", "equal")),
        *grouped(
            NETWORK,
            Param("generator_lr", "choice", 2e-4, "Generator learning rate (Adam). Too high and training oscillates; "
                  "too low and it barely moves.", choices=LEARNING_RATES),
            Param("discriminator_lr", "choice", 2e-4, "Critic learning rate (Adam).", choices=LEARNING_RATES),
            Param("embedding_dim", "int", 32, "Size of the noise vector the generator starts from (CTGAN: 128).", 2,
                  1024),
            Param("generator_width", "int", 128, "Units per generator layer. Wider learns more detail, trains "
                  "slower (CTGAN: 256).", 8, 2048),
            Param("generator_layers", "int", 2, "Residual layers in the generator.", 1, 6),
            Param("discriminator_width", "int", 256, "Units per critic layer.", 8, 2048),
            Param("discriminator_layers", "int", 2, "Layers in the critic over the pack (after its row layer).", 1, 6),
            Param("discriminator_row_width", "int", 32, "Units of a layer the critic reads each row with before it "
                  "judges the pac rows together; it lets the critic see combinations of values within a row. 0 reads "
                  "the pack in one layer, as CTGAN does.", 0, 1024),
            Param("pac", "int", 10, "Rows the critic judges together (PacGAN). More makes collapse onto a few modes "
                  "easier to spot; the batch size must be a multiple of it.", 1, 50),
            Param("discriminator_steps", "int", 1, "Critic updates per generator update. More gives the generator a "
                  "sharper signal each step, at that many times the cost.", 1, 10),
        ),
    )

    @classmethod
    def refusal(cls, params: dict) -> ParameterError | None:
        batch, pac = params.get("batch_size"), params.get("pac")
        if isinstance(batch, int) and isinstance(pac, int) and pac > 0 and batch % pac:
            return ParameterError(f"The batch size ({batch}) must be a multiple of pac ({pac}).",
                                  hint="Change one of them, such as a batch of 500 with pac 10.")
        return None

    @classmethod
    def blockers(cls, df: pd.DataFrame, schema: Schema, params: dict) -> list[SynthLabError]:
        if params.get("target_classes") == "equal" and schema.kinds.get(schema.target or "") not in LABELS:
            return [ParameterError("Equal classes need a binary or categorical target column.",
                                   hint="Choose the target on the Data page, or keep the classes in their real "
                                        "shares.")]
        return []

    def _networks(self) -> dict[str, nn.Module]:
        return {"generator": self.generator_, "critic": self.critic_}

    def _release(self) -> None:
        del self.optimizers_
        self.conditions_.rows = None  # one entry per training row and label column
        self.copula_ = None  # (its marginals hold the real values; the rows it drew are kept in start_)

    def notes(self) -> list[str]:
        start = [f"The generator started from {len(self.start_.matrix):,} rows a Gaussian copula drew from this "
                 "table (copula start; ten per training row within fixed bounds, so every category has rows to "
                 "start from): each row it makes began as one of them, of the category asked for, changed by what "
                 "training taught it."] if self.start_ else []
        return [*super().notes(), *start]

    def _fit(self, df: pd.DataFrame) -> None:
        self.copula_ = None
        if self.params_["copula_start"]:  # (fitted on the table the network learns from, as the network is)
            schema = Schema(kinds={c: self.kinds_[c] for c in df.columns})
            self.copula_ = GaussianCopulaSynthesizer().fit(df, schema, seed=self.seed_)
        super()._fit(df)

    def _start(self, rows: int, rng: np.random.Generator) -> CopulaStart:
        """The copula's rows the generator starts from: ten per real row (within ``START_ROWS`` and
        ``START_CELLS``), as the network's matrix, with their own index of rows per category (a row asked for a
        category starts from a copula row of that category)."""
        n = min(int(np.clip(10 * rows, *START_ROWS)), max(500, START_CELLS // self.transformer_.width))
        drawn = self.copula_.sample(n, rng=rng)
        return CopulaStart(self.transformer_, self.transformer_.transform(drawn, rng))

    def _generate(self, noise: torch.Tensor, chosen: np.ndarray | None, rng: np.random.Generator) -> torch.Tensor:
        """The generator's raw row (before activation) for each noise vector and asked category; with the copula
        start, a copula row asking for the same category is read with the noise, and the generator's output is
        added to that row's logits."""
        asked = None if chosen is None else torch.from_numpy(chosen)
        if not self.start_:
            return self.generator_(noise, asked)
        start = self.start_.rows(len(noise), chosen, rng)
        return self.start_.logits(start) + self.generator_(noise, asked, start)

    def _build(self, data: np.ndarray, rng: np.random.Generator) -> None:
        p = self.params_
        self.conditions_ = ConditionSampler(self.transformer_, data)
        width = self.transformer_.width
        self.start_ = self._start(len(data), rng) if p["copula_start"] else None
        self.generator_ = Generator(p["embedding_dim"], self.conditions_.width,
                                    [p["generator_width"]] * p["generator_layers"], width, width if self.start_ else 0)
        if self.start_:  # untrained, the generator adds nothing: it makes the copula's rows
            for weights in (self.generator_.out.weight, self.generator_.out.bias, self.generator_.categories):
                nn.init.zeros_(weights)
        self.critic_ = Critic(width, self.conditions_.width, [p["discriminator_width"]] * p["discriminator_layers"],
                              p["pac"], p["discriminator_row_width"])
        self.optimizers_ = tuple(  # Adam's fused kernel: one call per step instead of one per tensor
            torch.optim.Adam(net.parameters(), lr=lr, betas=(0.5, 0.9), weight_decay=1e-6, fused=True)
            for net, lr in ((self.generator_, p["generator_lr"]), (self.critic_, p["discriminator_lr"])))
        self.blocks_ = Blocks([span for span in self.transformer_.spans if span.activation == "softmax"])
        self.numbers_ = Numbers(self.transformer_)
        self.conditioned_ = Blocks([info.discrete for info in self.transformer_.columns if info.discrete is not None])

    def _epoch(self, data: torch.Tensor, rng: np.random.Generator, stop) -> dict[str, float]:
        p = self.params_
        batch, steps = p["batch_size"], max(len(data) // p["batch_size"], 1)
        optimizer_g, optimizer_d = self.optimizers_
        self.generator_.train()
        totals, done = np.zeros(3), 0
        for _ in range(steps):
            for _ in range(p["discriminator_steps"]):
                noise, chosen = self._noise(batch, rng)
                raw = self._generate(noise, chosen, rng)
                fake = self._activate(raw)
                if chosen is None:
                    real, asked = data[rng.integers(len(data), size=batch)], None
                else:
                    shuffle = rng.permutation(batch)  # real rows matching a shuffled copy of the conditions
                    real = data[self.conditions_.matching_rows(chosen[shuffle], rng)]
                    asked = (torch.from_numpy(chosen), torch.from_numpy(chosen[shuffle]))
                loss_d, penalty = self.critic_.losses(real, fake.detach(), asked)  # (leaving the generator alone)
                optimizer_d.zero_grad(set_to_none=True)
                (loss_d + penalty).backward()
                optimizer_d.step()
            # the generator's step scores the last fake rows against the critic just updated, whose weights
            # take no gradient from it (the next critic step would throw it away)
            self.critic_.requires_grad_(False)
            loss_g = -self.critic_(fake, [] if asked is None else [(asked[0], None)]).mean()
            if asked is not None:
                loss_g = loss_g + self._condition_loss(raw, asked[0])
            statistics = self._statistics_loss(fake, real, asked) if p["statistics_weight"] else torch.zeros(())
            optimizer_g.zero_grad(set_to_none=True)
            (loss_g + p["statistics_weight"] * statistics).backward()
            self.critic_.requires_grad_(True)
            optimizer_g.step()
            totals += (loss_g.item(), loss_d.item(), statistics.item())
            done += 1
            if stop():
                break
        return {name: float(v) for name, v in zip(self.loss_names, totals / done, strict=True)}

    def _draw(self, n: int, rng: np.random.Generator, *, real_shares: bool = False) -> tuple[np.ndarray, None]:
        batch = self.params_["batch_size"]
        out, kept, generator = [], 0, torch.Generator().manual_seed(int(rng.integers(2**62)))
        balanced = None if real_shares else self._balanced()
        if balanced is not None:  # each class's rows: n / k, the first n mod k classes one more
            quota = n // balanced[1] + (np.arange(balanced[1]) < n % balanced[1])
            have, by_class = np.zeros(balanced[1], dtype=int), [[] for _ in range(balanced[1])]
        self.generator_.train()  # batch statistics, as in training (CTGAN samples the same way)
        with torch.no_grad():
            for _ in range(MAX_ROUNDS * (n // batch + 1)):
                noise, chosen = self._noise(batch, rng, real_frequency=True, balanced=balanced,
                                                  generator=generator)
                raw = self._generate(noise, chosen, rng)
                rows = self._activate(raw, generator).numpy()
                if balanced is None:
                    out.append(rows)
                    kept += len(rows)
                    if kept >= n:
                        return np.concatenate(out)[:n], None
                    continue
                sampler, j = self.conditions_, balanced[0]  # keep rows that came out in the class they asked for
                start, asked = sampler.data_starts[j], chosen - sampler.offsets[j]
                came = rows[:, start:start + sampler.widths[j]].argmax(axis=1)
                for k in range(balanced[1]):
                    taken = rows[(came == asked) & (asked == k)][:quota[k] - have[k]]
                    by_class[k].append(taken)
                    have[k] += len(taken)
                kept = int(have.sum())
                if kept == n:
                    return np.concatenate([r for rows in by_class for r in rows])[rng.permutation(n)], None
        raise DataError(f"The generator makes too few rows in the class asked of it ({kept:,} of {n:,}).",
                        hint="Train for more epochs, or keep the classes in their real shares.")

    def _balanced(self) -> tuple[int, int] | None:
        """(the target's index among the label columns, its number of classes) when classes come out equally."""
        if self.params_["target_classes"] != "equal":
            return None
        info = next(c for c in self.transformer_.columns if c.name == self.target_)
        return self.conditions_.names.index(self.target_), len(info.categories)

    # ---------------------------------------------------------------- pieces

    def _noise(self, n: int, rng: np.random.Generator, *, real_frequency: bool = False,
               balanced: tuple[int, int] | None = None, generator: torch.Generator | None = None):
        noise = torch.randn(n, self.params_["embedding_dim"], generator=generator)
        if not self.conditions_.n_columns:
            return noise, None
        return noise, self.conditions_.draw(n, rng, real_frequency=real_frequency, balanced=balanced)

    def _activate(self, raw: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """tanh for each α; Gumbel-softmax for each one-hot: softmax((logits + g) / τ), g = −log(−log u) ~ Gumbel(0, 1)
        with u ~ U(0, 1)."""
        blocks = self.blocks_
        if not blocks.count:
            return torch.tanh(raw)
        logits = raw.index_select(1, blocks.columns)
        uniform = torch.rand(logits.shape, generator=generator).clamp_(min=1e-20)  # (faster than exponential_)
        gumbel = -(-uniform.log()).log()
        return torch.tanh(raw).index_copy(1, blocks.columns, blocks.softmax((logits + gumbel) / TAU))

    def _statistics_loss(self, fake: torch.Tensor, real: torch.Tensor,
                         asked: tuple[torch.Tensor, torch.Tensor] | None) -> torch.Tensor:
        """How far a batch of generated rows is from the real batch asking for the same categories, in the number
        columns: each column's values sorted within each category asked for (the squared 1-D Wasserstein distance
        between the two batches' rows of one category, so a category's rows keep their own distribution), and the
        correlation of every pair of columns; the values standardised over the whole table, so a column constant
        in the batch weighs no more than another. ``asked``: the category
        each generated and each real row stands for (the two batches hold the same categories, shuffled)."""
        if not self.numbers_.count:
            return torch.zeros(())
        made, real = self.numbers_(fake), self.numbers_(real)  # each column on a standardised scale already
        if asked is not None:  # the rows of categories asked for too rarely to be a group make one group together
            size = torch.bincount(asked[0])
            asked = tuple(torch.where(size[chosen] < MIN_GROUP, -1, chosen) for chosen in asked)
        loss = ((_sorted(made, asked and asked[0]) - _sorted(real, asked and asked[1])) ** 2).mean()
        varies = real.var(dim=0) > 1e-8  # a column constant in the real batch has no correlation to match
        if varies.sum() > 1:
            made, real = made[:, varies], real[:, varies]
            loss = loss + ((_correlations(made) - _correlations(real)) ** 2).sum() / len(varies)
        return loss

    def _condition_loss(self, raw: torch.Tensor, chosen: torch.Tensor) -> torch.Tensor:
        """Cross-entropy of the generated category against the asked one (``chosen``, its index in the conditional
        vector), in the asked column of each row."""
        blocks, rows = self.conditioned_, torch.arange(raw.size(0))
        logits = raw.index_select(1, blocks.columns)  # the label columns, in the conditional vector's order
        return (blocks.logsumexp(logits)[rows, blocks.block[chosen]] - logits[rows, chosen]).mean()


def _correlations(x: torch.Tensor) -> torch.Tensor:
    """Pearson correlations of the columns of x (a constant column correlates 0 with every other)."""
    centred = x - x.mean(dim=0)
    covariance = centred.T @ centred / len(x)
    spread = covariance.diagonal().clamp(min=1e-6).sqrt()
    return covariance / (spread[:, None] * spread[None, :])


def _sorted(x: torch.Tensor, groups: torch.Tensor | None) -> torch.Tensor:
    """Each column of x sorted, within groups first when given: by (group, value), the group the major key."""
    if groups is None:
        return x.sort(dim=0).values
    span = 2 * x.detach().abs().max() + 1  # larger than any difference of two values: the group decides first
    order = (groups[:, None].to(x.dtype) * span + x.detach()).argsort(dim=0)
    return x.gather(0, order)
