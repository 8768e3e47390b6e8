"""The data transformer the neural synthesizers share (Xu et al. 2019, section 4.2).

A table becomes a matrix of floats a network can learn, and back:

- **number and date columns**: mode-specific normalisation. A variational Gaussian mixture
  (scikit-learn's ``BayesianGaussianMixture`` with a Dirichlet-process prior, at most 10
  components; those with weight above 0.005 are kept) is fitted to the column. A value x gets
  a mode k, drawn from its posterior over the modes, and a scalar α = (x − μₖ) / (4σₖ) clipped
  to ±0.99; the column becomes [α, one-hot(k)]. Multi-modal and skewed columns stay easy to
  learn, where a single min-max scale would squash all but one mode into a sliver.
- **normal scores** (with ``scores=True``): the mixture is fitted on each number column's normal
  scores Φ⁻¹(F̂(x)) (:class:`Quantiles`, at most ``QUANTILES`` quantiles) instead
  of its raw values, and the inverse maps them back through the column's own quantiles. On raw values
  a column spanning orders of magnitude (body weights from grams to tonnes) puts nine rows in ten into
  one narrow mode, and its largest values beyond the widest mode's reach; on its scores every column
  is a bell curve and comes back in its real shape and range. (Ties map to one score: a column's
  point masses, such as a pile of zeros, stay points.)
- **label columns** (binary, categorical): one-hot over the categories, most frequent first.
- **discrete-valued number columns** (with ``discrete=True``): a number or date column holding few
  distinct values, each shared by many rows (at most ``DISCRETE_MAX`` values, and at most one per
  ``DISCRETE_REPEATS`` observed rows: memory sizes, screen inches, integer codes, price steps), is a
  one-hot over its values like a label column, and comes back as exactly those values. A mixture
  would spread each value into a bell of its own, and the generated α lands between the steps:
  values the real column never holds, which a classifier tells from real ones at once.
- **dependent columns** (with ``dependent=True``): a column that is a function of a label column (every
  row with one of the source's categories holds the same value of it: a code and its name, a month and
  its monthly figure) takes no place in the matrix and comes back from the source's category, so every
  row holds a pair the real table holds. A network learns such a pair only approximately (on 6,259
  computer prices, 4% of a GAN's rows held a real (month, advertising count) pair). The source needs
  ``DISCRETE_REPEATS`` rows per category on average, so a chance pattern in a few rows is not taken for
  a rule; the columns named in ``keep`` (the target) always stay in the matrix.
- **missing values** are their own indicator: a label column gets a "missing" category, a number
  column a two-way [present, missing] one-hot (its α and mode are fitted on a random observed
  value, so they carry nothing about the hole). Missingness is learned jointly with the other
  columns instead of being sprinkled back at random.

The inverse reads α (clipped to ±1) and the arg-max mode of each number column, the arg-max
category of each label column, and rebuilds the real columns, kinds and categories exactly.
Everything is vectorised over rows: no Python loop per row, in either direction.

The mixtures are the slow part of fitting (seconds per column on a large table). A mixture of at
most 10 modes on one column is estimated about as well from a seeded 5,000 of its values as from
all of them (modes below 0.5% weight are dropped anyway), so that is what it is fitted on; and it
is fitted once per (table, seed) and cached: the second training on the same table starts at once.
"""

from __future__ import annotations

import hashlib
import threading
import warnings
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from scipy import stats
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import BayesianGaussianMixture
from sklearn.utils import resample

from core.schema import LABELS, to_floats

MAX_MODES = 10
MIN_WEIGHT = 0.005
MIXTURE_ROWS = 5_000
QUANTILES = 1_000  # normal scores: at most this many quantiles per number column
QUANTILE_ROWS = 100_000  # normal scores: the quantiles of a larger column are those of a seeded sample this size
SCORE_BOUND = float(stats.norm.ppf(1 - 1e-7))  # normal scores lie within ±this (as scikit-learn's)
DISCRETE_MAX = 64
DISCRETE_REPEATS = 10
CLIP = 0.99
_CACHE: OrderedDict[str, DataTransformer] = OrderedDict()
_CACHE_SIZE = 8
_CACHE_LOCK = threading.Lock()


@dataclass
class Span:
    """A block of the matrix: ``tanh`` (one α) or ``softmax`` (a one-hot)."""

    start: int
    width: int
    activation: str

    @property
    def end(self) -> int:
        return self.start + self.width


class Quantiles:
    """A number column's normal scores Φ⁻¹(F̂(x)) and back, F̂ interpolated between at most ``QUANTILES`` of its
    quantiles: what scikit-learn's ``QuantileTransformer`` with a normal output does, without one step of it. That
    step pins every value within 1e-7 of the smallest or largest quantile to it, whatever the column's units, so a
    column of small numbers (wavelengths in metres, p-values) collapsed onto its extremes; here only the smallest
    and largest values themselves get the ends' scores, ±``SCORE_BOUND``. Another tied value gets the middle of its
    tie's share, as there: a pile is one score, and the scores of a pile come back as its value."""

    def __init__(self, observed: np.ndarray, seed: int) -> None:
        if len(observed) > QUANTILE_ROWS:  # the rows scikit-learn's transformer would take with this seed
            observed = resample(observed, replace=False, n_samples=QUANTILE_ROWS, random_state=seed)
        self.references = np.linspace(0, 1, min(QUANTILES, len(observed)))
        self.quantiles = np.maximum.accumulate(np.percentile(observed, 100 * self.references))

    def scores(self, x: np.ndarray) -> np.ndarray:
        """Φ⁻¹ of each value's share of the column below it, within ±``SCORE_BOUND`` (NaN kept)."""
        q, r = self.quantiles, self.references
        share = 0.5 * (np.interp(x, q, r) - np.interp(-x, -q[::-1], -r[::-1]))  # ties: the middle of their share
        share = np.where(x <= q[0], 0.0, np.where(x >= q[-1], 1.0, share))  # but the ends' ties: the ends
        return np.where(np.isnan(x), np.nan, np.clip(stats.norm.ppf(share), -SCORE_BOUND, SCORE_BOUND))

    def values(self, z: np.ndarray) -> np.ndarray:
        """The values whose scores are z: within the column's observed range (NaN kept)."""
        return np.interp(stats.norm.cdf(z), self.references, self.quantiles)


@dataclass
class ColumnInfo:
    name: str
    kind: str  # "numbers" or "labels"
    spans: list[Span]
    is_date: bool = False
    has_missing: bool = False
    center: float = 0.0  # number columns: the mixture is fitted on (x - center) / scale
    scale: float = 1.0
    quantiles: Quantiles | None = None  # with normal scores: x is Φ⁻¹(F̂(value)), else the value
    means: np.ndarray | None = None  # of the kept modes, on the standardised scale
    stds: np.ndarray | None = None
    weights: np.ndarray | None = None
    categories: np.ndarray | None = None  # label columns, most frequent first; missing not included
    numeric: bool = False  # a label column standing for a discrete-valued number or date column (floats)

    @property
    def discrete(self) -> Span | None:
        """The span a conditional vector can fix (label columns only)."""
        return self.spans[0] if self.kind == "labels" else None

    def standardise(self, values: np.ndarray) -> np.ndarray:
        """A number column's values (floats, NaN kept) on the scale its mixture is fitted on."""
        x = values if self.quantiles is None else self.quantiles.scores(values)
        return (x - self.center) / self.scale

    def values(self, standardised: np.ndarray) -> np.ndarray:
        """The inverse of :meth:`standardise`: values in the column's own units, within its real range."""
        x = standardised * self.scale + self.center
        return x if self.quantiles is None else self.quantiles.values(x)

    def names(self) -> list[str]:
        """A label column's categories as text, "(missing)" last when it has holes."""
        if not self.numeric:
            names = [str(c) for c in self.categories]
        elif self.is_date:
            names = [instant(c) for c in self.categories]
        else:
            names = [f"{c:,.6g}" for c in self.categories]
        return names + (["(missing)"] if self.has_missing else [])


@dataclass
class Dependent:
    """A column that is a function of a label column of the matrix, ``source``: ``values[code]`` is its value on
    the rows holding the source's category ``code`` (its "missing" code last); labels as objects (None: missing),
    numbers and dates as floats (NaN: missing)."""

    name: str
    source: str
    values: np.ndarray
    is_date: bool = False


class DataTransformer:
    """Table ⇄ matrix. Fit with :func:`fit_transformer`, which caches."""

    def __init__(self, columns: list[ColumnInfo], dependent: list[Dependent] | None = None,
                 order: list[str] | None = None) -> None:
        self.columns = columns
        self.dependent = dependent or []
        self.order = order or [c.name for c in columns]  # the table's columns, dependent ones included
        self.spans = [s for c in columns for s in c.spans]
        self.width = sum(s.width for s in self.spans)

    # ---------------------------------------------------------------- table -> matrix

    def transform(self, df: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
        out = np.zeros((len(df), self.width), dtype=np.float32)
        for info in self.columns:
            values = df[info.name]
            if info.kind == "labels":
                codes = self.codes(info, values)
                out[np.arange(len(df)), info.spans[0].start + codes] = 1.0
                continue
            x = info.standardise(_floats(values))
            missing = np.isnan(x)
            if missing.any():
                x[missing] = rng.choice(x[~missing], size=int(missing.sum())) if (~missing).any() else 0.0
                out[np.arange(len(df)), info.spans[2].start + missing.astype(int)] = 1.0
            posterior = _posterior(info, x)
            u = rng.random(len(x))[:, None]
            mode = np.minimum((np.cumsum(posterior, axis=1) < u).sum(axis=1), len(info.means) - 1)
            alpha = (x - info.means[mode]) / (4 * info.stds[mode])
            out[:, info.spans[0].start] = np.clip(alpha, -CLIP, CLIP)
            out[np.arange(len(df)), info.spans[1].start + mode] = 1.0
        return out

    @staticmethod
    def codes(info: ColumnInfo, values: pd.Series) -> np.ndarray:
        """Category codes; missing (and anything unseen) is the last code when the column has missing values.
        A discrete-valued number column's values take the code of their nearest category."""
        if info.numeric:
            x = _floats(values)
            order = np.argsort(info.categories)
            ordered = info.categories[order]
            right = np.minimum(np.searchsorted(ordered, x), len(ordered) - 1)
            left = np.maximum(right - 1, 0)
            nearest = np.where(np.abs(x - ordered[left]) < np.abs(x - ordered[right]), left, right)
            return np.where(np.isnan(x), len(info.categories), order[nearest])
        codes = pd.Categorical(values.astype(object), categories=info.categories).codes.astype(np.int64)
        return np.where(codes < 0, len(info.categories), codes)

    # ---------------------------------------------------------------- matrix -> table

    def inverse(self, matrix: np.ndarray, sigmas: np.ndarray | None = None,
                rng: np.random.Generator | None = None) -> pd.DataFrame:
        """The table a matrix stands for. ``sigmas`` (the VAE's) add noise N(0, σ) to each α before reading."""
        out = {}
        for info in self.columns:
            if info.kind == "labels":
                span = info.spans[0]
                codes = matrix[:, span.start:span.end].argmax(axis=1)
                if info.numeric:
                    out[info.name] = _column(info, np.append(info.categories, np.nan)[codes])
                    continue
                labels = np.append(info.categories, None)[codes] if info.has_missing else info.categories[codes]
                out[info.name] = pd.Series(labels, dtype=object)
                continue
            out[info.name] = _column(info, self.numbers(info, matrix, sigmas, rng))
        sources = {info.name: info.spans[0] for info in self.columns}
        for column in self.dependent:
            span = sources[column.source]
            values = column.values[matrix[:, span.start:span.end].argmax(axis=1)]
            out[column.name] = pd.Series(values, dtype=object) if values.dtype == object else _column(column, values)
        return pd.DataFrame({name: out[name] for name in self.order})

    @staticmethod
    def numbers(info: ColumnInfo, matrix: np.ndarray, sigmas: np.ndarray | None = None,
                rng: np.random.Generator | None = None) -> np.ndarray:
        alpha_span, mode_span = info.spans[0], info.spans[1]
        alpha = matrix[:, alpha_span.start].astype(float)
        if sigmas is not None:
            alpha = (rng or np.random.default_rng()).normal(alpha, sigmas[alpha_span.start])
        mode = matrix[:, mode_span.start:mode_span.end].argmax(axis=1)
        x = info.values(np.clip(alpha, -1, 1) * 4 * info.stds[mode] + info.means[mode])
        if info.has_missing:
            missing_span = info.spans[2]
            x[matrix[:, missing_span.start:missing_span.end].argmax(axis=1) == 1] = np.nan
        return x

    # ---------------------------------------------------------------- modes, for the mode-collapse check

    def modes(self, info: ColumnInfo, values: pd.Series) -> np.ndarray:
        """The most likely mode of each observed value of a number column (-1 where missing)."""
        x = info.standardise(_floats(values))
        out = np.full(len(x), -1)
        seen = ~np.isnan(x)
        if seen.any():
            out[seen] = _posterior(info, x[seen]).argmax(axis=1)
        return out


def instant(ns: float) -> str:
    """A date held as nanoseconds, as text: its time of day only when it has one."""
    return f"{pd.Timestamp(int(ns)):%Y-%m-%d %H:%M:%S}".removesuffix(" 00:00:00")


def _column(info: ColumnInfo | Dependent, x: np.ndarray) -> pd.Series:
    """Floats back as the column they stand for: numbers, or dates from nanoseconds (NaN: missing)."""
    if not info.is_date:
        return pd.Series(x)
    return pd.Series(pd.to_datetime(np.where(np.isnan(x), 0, x).astype(np.int64))).mask(np.isnan(x))


def _posterior(info: ColumnInfo, x: np.ndarray) -> np.ndarray:
    """P(mode | x) for each value (rows) and kept mode (columns)."""
    z = (x[:, None] - info.means[None, :]) / info.stds[None, :]
    log_p = np.log(info.weights)[None, :] - 0.5 * z ** 2 - np.log(info.stds)[None, :]
    log_p -= log_p.max(axis=1, keepdims=True)
    p = np.exp(log_p)
    return p / p.sum(axis=1, keepdims=True)


def _floats(values: pd.Series) -> np.ndarray:
    """A number or date column as floats; infinite values count as missing (they have no place in a mixture)."""
    x = to_floats(values)
    return np.where(np.isfinite(x), x, np.nan)


def _fit_numbers(name: str, values: pd.Series, seed: int, start: int, scores: bool) -> ColumnInfo:
    x = _floats(values)
    observed = x[~np.isnan(x)]
    quantiles = None
    if scores and len(observed):
        quantiles = Quantiles(observed, seed)
        observed = quantiles.scores(observed)
    center = float(np.mean(observed)) if len(observed) else 0.0
    scale = float(np.std(observed)) if len(observed) else 1.0
    scale = scale if scale > 0 else 1.0
    z = (observed - center) / scale
    distinct = np.unique(z[: MIXTURE_ROWS * 5])
    if len(distinct) < 2:
        means, stds, weights = np.array([z[0] if len(z) else 0.0]), np.array([1.0]), np.array([1.0])
    else:
        if len(z) > MIXTURE_ROWS:
            z = np.random.default_rng(seed).choice(z, MIXTURE_ROWS, replace=False)
        mixture = BayesianGaussianMixture(
            n_components=min(MAX_MODES, len(distinct)), weight_concentration_prior_type="dirichlet_process",
            weight_concentration_prior=0.001, covariance_type="spherical", max_iter=100, n_init=1,
            random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            mixture.fit(z.reshape(-1, 1))
        keep = mixture.weights_ > MIN_WEIGHT
        means, stds = mixture.means_[keep, 0], np.sqrt(mixture.covariances_[keep])
        weights = mixture.weights_[keep] / mixture.weights_[keep].sum()
        stds = np.maximum(stds, 1e-3)  # a mode on one repeated value would otherwise divide by zero
    has_missing = bool(np.isnan(x).any())
    spans = [Span(start, 1, "tanh"), Span(start + 1, len(means), "softmax")]
    if has_missing:
        spans.append(Span(start + 1 + len(means), 2, "softmax"))
    return ColumnInfo(name, "numbers", spans, is_date=pd.api.types.is_datetime64_any_dtype(values),
                      has_missing=has_missing, center=center, scale=scale, quantiles=quantiles, means=means,
                      stds=stds, weights=weights)


def _fit_values(name: str, values: pd.Series, start: int) -> ColumnInfo | None:
    """A discrete-valued number or date column as a label column over its values; None when it holds too many."""
    x = _floats(values)
    observed = x[~np.isnan(x)]
    distinct, counts = np.unique(observed, return_counts=True)
    if not len(distinct) or len(distinct) > min(DISCRETE_MAX, len(observed) // DISCRETE_REPEATS):
        return None
    has_missing = len(observed) < len(x)
    order = np.argsort(-counts, kind="stable")  # most frequent first, as label columns
    return ColumnInfo(name, "labels", [Span(start, len(distinct) + int(has_missing), "softmax")],
                      is_date=pd.api.types.is_datetime64_any_dtype(values), has_missing=has_missing,
                      categories=distinct[order], numeric=True)


def _fit_labels(name: str, values: pd.Series, start: int) -> ColumnInfo:
    counts = values.astype(object).value_counts(dropna=True)
    has_missing = bool(values.isna().any())
    width = len(counts) + int(has_missing)
    return ColumnInfo(name, "labels", [Span(start, max(width, 1), "softmax")], has_missing=has_missing,
                      categories=counts.index.to_numpy(dtype=object))


def _dependent(df: pd.DataFrame, columns: list[ColumnInfo], keep: tuple[str, ...]) -> list[Dependent]:
    """The columns that are a function of a label column with ``DISCRETE_REPEATS`` rows per category or more.
    A source stays in the matrix (of two columns that are functions of each other, the later one stays), and a
    column in ``keep`` is never taken out. Each pair is first tried on the first thousand rows, where most pairs
    already fail."""
    sources = [c for c in columns if c.kind == "labels" and 2 <= c.spans[0].width <= len(df) // DISCRETE_REPEATS]
    codes = {c.name: DataTransformer.codes(c, df[c.name]) for c in sources}  # every code occurs (fitted on df)
    head = {name: len(np.unique(c[:1000])) for name, c in codes.items()}  # categories among the first rows
    out, taken, used = [], set(), set()
    for info in columns:
        if info.name in keep or info.name in used:
            continue
        factor = pd.factorize(df[info.name], use_na_sentinel=False)[0]
        values_count = factor.max(initial=0) + 1
        if values_count < 2:  # a constant column: nothing to rebuild
            continue
        for source in sources:
            if source.name == info.name or source.name in taken:
                continue
            pairs = codes[source.name] * values_count + factor  # one value per category: as many pairs as categories
            if len(np.unique(pairs[:1000])) != head[source.name] or len(np.unique(pairs)) != source.spans[0].width:
                continue
            first = np.unique(codes[source.name], return_index=True)[1]  # a row holding each category
            if info.kind == "labels" and not info.numeric:
                values = df[info.name].astype(object).to_numpy()[first]
                values = np.array([None if pd.isna(v) else v for v in values], dtype=object)
            else:
                values = _floats(df[info.name])[first]
            out.append(Dependent(info.name, source.name, values, info.is_date))
            taken.add(info.name)
            used.add(source.name)
            break
    return out


def fit_transformer(df: pd.DataFrame, kinds: dict[str, str], *, seed: int = 0, discrete: bool = False,
                    dependent: bool = False, keep: tuple[str, ...] = (), scores: bool = False) -> DataTransformer:
    """The transformer for ``df`` (columns of the given kinds), from the cache when this table was seen.
    ``discrete``: discrete-valued number and date columns are one-hots over their values. ``dependent``: a column
    that is a function of a label column comes back from it (never one named in ``keep``). ``scores``: each number
    column's mixture is fitted on its normal scores."""
    digest = hashlib.sha1(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
    digest.update(repr((list(df.columns), [kinds[c] for c in df.columns], seed, discrete, dependent, keep,
                        scores)).encode())
    key = digest.hexdigest()
    with _CACHE_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    columns, start = [], 0
    for name in df.columns:
        is_labels = kinds[name] in LABELS or not (pd.api.types.is_numeric_dtype(df[name])
                                                   or pd.api.types.is_datetime64_any_dtype(df[name]))
        info = _fit_labels(name, df[name], start) if is_labels else \
            (discrete and _fit_values(name, df[name], start)) or _fit_numbers(name, df[name], seed, start, scores)
        columns.append(info)
        start = info.spans[-1].end
    found = _dependent(df, columns, keep) if dependent else []
    if found:  # the dependent columns leave the matrix: the others' spans close up
        gone = {d.name for d in found}
        columns, start = [c for c in columns if c.name not in gone], 0
        for info in columns:
            shift = start - info.spans[0].start
            info.spans = [Span(span.start + shift, span.width, span.activation) for span in info.spans]
            start = info.spans[-1].end
    transformer = DataTransformer(columns, found, list(df.columns))
    with _CACHE_LOCK:
        _CACHE[key] = transformer
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return transformer


class Numbers:
    """The number columns of a matrix as standardised values, differentiably (for a loss on generated rows).

    A mixture column reads Σₖ pₖ (μₖ + 4σₖ α) from its mode weights p and its α: exactly the value
    :meth:`DataTransformer.numbers` reads back (before un-standardising) when p is a one-hot. A
    discrete-valued column reads Σᵥ pᵥ v over its values v, standardised (its "missing" weight counts
    as the column's mean). One matrix product for all columns: [x·A, x·S, x·C] gives the means part, the
    scale and α of every column at once."""

    def __init__(self, transformer: DataTransformer) -> None:
        columns = [c for c in transformer.columns if c.kind == "numbers" or c.numeric]
        self.names = [c.name for c in columns]
        self.count = len(columns)
        maps = np.zeros((3, transformer.width, self.count), dtype=np.float32)
        for q, info in enumerate(columns):
            if info.kind == "numbers":
                alpha, modes = info.spans[0], info.spans[1]
                maps[0, modes.start:modes.end, q] = info.means
                maps[1, modes.start:modes.end, q] = 4 * info.stds
                maps[2, alpha.start, q] = 1.0
            else:
                values = info.categories.astype(float)
                spread = values.std()
                start = info.spans[0].start
                maps[0, start:start + len(values), q] = (values - values.mean()) / (spread if spread > 0 else 1.0)
        self.maps = torch.from_numpy(np.concatenate(maps, axis=1))  # width x (3 · columns)

    def __call__(self, matrix: torch.Tensor) -> torch.Tensor:
        """(rows, number columns)."""
        means, scales, alphas = (matrix @ self.maps).split(self.count, dim=1)
        return means + scales * alphas


class Blocks:
    """One-hot blocks of the matrix as index tensors, for per-block softmax and logsumexp over all blocks at
    once (a few tensor operations, instead of one call per block, each with its own backward step).

    ``logits`` passed in are the block columns only, in block order (``matrix[:, blocks.columns]``).
    Subtracting each block's maximum keeps ``exp`` finite; it is taken without a gradient, which is exact
    because logsumexp(z) = log Σ exp(z − c) + c for any c.
    """

    def __init__(self, spans: list[Span]) -> None:
        self.count = len(spans)
        self.columns = torch.tensor([c for s in spans for c in range(s.start, s.end)], dtype=torch.long)
        self.block = torch.tensor([b for b, s in enumerate(spans) for _ in range(s.width)], dtype=torch.long)
        self.summing = torch.nn.functional.one_hot(self.block, max(self.count, 1)).float()  # columns x blocks

    def _peak(self, values: torch.Tensor) -> torch.Tensor:
        """(rows, blocks): each block's largest value (no gradient)."""
        return torch.full((len(values), self.count), -torch.inf).scatter_reduce(
            1, self.block.expand(len(values), -1), values.detach(), reduce="amax")

    def _shifted(self, logits: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        peak = self._peak(logits)
        return torch.exp(logits - peak.index_select(1, self.block)), peak

    def one_hot_max(self, values: torch.Tensor) -> torch.Tensor:
        """(rows, block columns): 1 at each block's largest value, 0 elsewhere (the Gumbel-max draw, given
        logits plus Gumbel noise)."""
        return (values == self._peak(values).index_select(1, self.block)).float()

    def logsumexp(self, logits: torch.Tensor) -> torch.Tensor:
        """(rows, blocks): log Σ exp over each block."""
        shifted, peak = self._shifted(logits)
        return torch.log(shifted @ self.summing) + peak

    def softmax(self, logits: torch.Tensor) -> torch.Tensor:
        """(rows, block columns): softmax within each block."""
        shifted, _ = self._shifted(logits)
        return shifted / (shifted @ self.summing).index_select(1, self.block)

    def sums(self, values: torch.Tensor) -> torch.Tensor:
        """(rows, blocks): the sum of each block's values."""
        return values @ self.summing
