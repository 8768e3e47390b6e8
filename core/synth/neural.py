"""What the neural networks (the GAN, the VAE, the diffusion model) share: the training loop as a user sees it.

``fit(df, schema, seed=..., monitor=...)`` transforms the table (:mod:`core.synth.transformer`, or the
subclass's own representation through ``_transformer``),
builds the networks and trains them epoch by epoch. After every epoch it records the losses in
``history_``; when a :class:`TrainingMonitor` is given (the page gives one) it also reports the
epoch, the losses, a fidelity score and the time left, and checks for a stop request after
every batch, so a stop ends training cleanly and keeps the model trained so far.

Fidelity, the score the live curve and early stopping read, is 1 − the mean per-column
distance between 2,000 training rows and 2,000 rows drawn from the model: the Kolmogorov-Smirnov
statistic for number columns and the total variation distance for label columns (missingness
included), the same distances as sdmetrics' column shapes. GAN losses say little about the
samples; this score does. With early stopping on, training ends when fidelity has not improved
for ``patience`` epochs and the best model seen is kept.

A shared server (:class:`Trainings`): at most ``limits().max_trainings`` trainings hold a slot at
once; the others wait in line, first come first served, and their monitor's phase says how many
are ahead. One owner (a browser session) holds or waits for one slot at a time. The trainings in
slots take turns on torch batch by batch, so each progresses and none oversubscribes the cores. A
training whose watcher is gone (the monitor's ``alive`` probe has said no for ``grace`` seconds:
the tab was closed) stops and raises :class:`TrainingStopped`, whether it was training or waiting.

Reproducibility: every random draw comes from the seed (numpy's generator; in training torch's
global generator, which a training sets to its own state at each turn and gives back at the end
of it; a torch generator of its own when sampling, which needs no turn), and torch uses as many
threads as the machine gives this process. The same seed gives the same model and the same table
on CPU, whether the training ran alone or took turns with others.
"""

from __future__ import annotations

import copy
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import safetensors.torch
import torch
from scipy import stats

from core.errors import DataError, ParameterError, SynthLabError
from core.limits import limits
from core.params import Param
from core.schema import to_floats
from core.synth.base import Synthesizer
from core.synth.registry import NEURAL
from core.synth.transformer import DataTransformer, fit_transformer, instant

FIDELITY_ROWS = 2_000
MAX_CHECKS = 60  # fidelity is measured at most this many times per training (and at the last epoch)
_TORCH = threading.Lock()  # held by the training whose turn it is: it alone uses torch's global generator
WAIT_POLL = 0.2  # seconds between looks at the stop flag while waiting for a slot
LEARNING_RATES = (1e-5, 5e-5, 1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2)


def threads() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@dataclass
class Progress:
    epoch: int
    epochs: int
    losses: dict[str, float]
    seconds: float
    fidelity: float | None = None

    @property
    def seconds_left(self) -> float:
        return self.seconds / max(self.epoch, 1) * (self.epochs - self.epoch)


class TrainingStopped(SynthLabError):
    """A training that ended without a model: stopped while waiting for a slot, or its page was closed."""


@dataclass
class TrainingMonitor:
    """Shared between a training (which reports) and whoever watches it (which may ask it to stop).

    ``owner`` names who started it (a browser session; one training each). ``alive``, when given, tells
    whether the watcher is still there; it is asked at most every ``poll`` seconds, and after ``grace``
    seconds of no (longer than a page takes to reconnect) the training stops as ``abandoned``.
    """

    history: list[Progress] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    phase: str = "waiting"
    owner: str | None = None
    alive: Callable[[], bool] | None = None
    grace: float = 15.0
    poll: float = 1.0
    abandoned: bool = False
    _asked: float = field(default=-np.inf, repr=False)
    _gone_since: float | None = field(default=None, repr=False)

    def report(self, progress: Progress) -> None:
        self.history.append(progress)

    def stopping(self) -> bool:
        """A stop was asked for, or the watcher has been gone for ``grace`` seconds (which asks for one)."""
        now = time.monotonic()
        if self.alive is not None and not self.stop.is_set() and now - self._asked >= self.poll:
            self._asked = now
            if self.alive():
                self._gone_since = None
            else:
                self._gone_since = now if self._gone_since is None else self._gone_since
                if now - self._gone_since >= self.grace:
                    self.abandoned = True
                    self.stop.set()
        return self.stop.is_set()

    def stopped_error(self) -> TrainingStopped:
        if self.abandoned:
            return TrainingStopped("The page that started this training was closed, so the training stopped.")
        return TrainingStopped("The training was stopped before it started, so no run was made.")

    @property
    def latest(self) -> Progress | None:
        return self.history[-1] if self.history else None


@dataclass(eq=False)
class Ticket:
    """One training's place: its owner, and its torch random state while another training has the turn."""

    owner: str | None
    rng: torch.Tensor | None = None
    outside: torch.Tensor | None = None  # the global state before its turn, given back after it


class Trainings:
    """The trainings of this process: at most ``slots`` (default ``limits().max_trainings``) hold a slot, the
    rest wait in line; slot holders take turns on torch, handing over between batches."""

    def __init__(self, slots: int | None = None) -> None:
        self.slots = slots
        self._changed = threading.Condition()
        self._line: list[Ticket] = []  # waiting for a slot, first come first served
        self._holders: list[Ticket] = []
        self._turns: deque[Ticket] = deque()  # the first has the turn; the others want it

    @contextmanager
    def slot(self, monitor: TrainingMonitor | None) -> Iterator[Ticket]:
        """Wait for a slot (``monitor.phase`` says how many wait ahead), hold it, free it."""
        owner = monitor.owner if monitor else None
        slots = self.slots or limits().max_trainings
        ticket = Ticket(owner)
        with self._changed:
            if owner is not None and any(t.owner == owner for t in (*self._line, *self._holders)):
                raise ParameterError("This session is training a model already.",
                                     hint="Stop it, or wait for it to finish.")
            self._line.append(ticket)
            try:
                while (ahead := self._line.index(ticket)) or len(self._holders) >= slots:
                    if monitor:
                        monitor.phase = ("waiting for a free training slot "
                                         f"({f'{ahead:,} ahead' if ahead else 'next in line'})")
                        if monitor.stopping():
                            raise monitor.stopped_error()
                    self._changed.wait(WAIT_POLL)
                self._holders.append(ticket)
            finally:
                self._line.remove(ticket)
                self._changed.notify_all()
        try:
            yield ticket
        finally:
            with self._changed:
                self._holders.remove(ticket)
                self._changed.notify_all()

    @contextmanager
    def turn(self, ticket: Ticket, seed: int) -> Iterator[None]:
        """Use torch with the random state of ``seed`` (taking turns through :meth:`pass_turn`)."""
        ticket.rng = torch.Generator().manual_seed(seed).get_state()
        self._take(ticket)
        try:
            yield
        finally:
            self._give(ticket)

    def pass_turn(self, ticket: Ticket) -> None:
        """Let the other slot holders run a batch each, if any wants to, then go on."""
        with self._changed:
            if len(self._turns) < 2:
                return
        self._give(ticket)
        self._take(ticket)

    def _take(self, ticket: Ticket) -> None:
        with self._changed:
            self._turns.append(ticket)
            self._changed.wait_for(lambda: self._turns[0] is ticket)
        _TORCH.acquire()
        ticket.outside = torch.get_rng_state()
        torch.set_rng_state(ticket.rng)

    def _give(self, ticket: Ticket) -> None:
        ticket.rng = torch.get_rng_state()
        torch.set_rng_state(ticket.outside)
        _TORCH.release()
        with self._changed:
            self._turns.popleft()
            self._changed.notify_all()


TRAININGS = Trainings()
NETWORK = "Network and optimiser"  # the fold on the page that holds the networks' shape and learning rates


DISCRETE = Param("discrete_values", "bool", True, "Learn number columns that hold few values (at most 64, each held "
                 "by 10 rows or more on average: months, memory sizes, screen inches, integer codes) as categories, "
                 "so they come out as exactly those values, in their real shares. Off: like other numbers, which "
                 "makes values between the real steps.")


DEPENDENT = Param("dependent_columns", "bool", True, "Rebuild a column that is a function of a label column (each "
                  "category of the label, seen on 10 rows or more on average, always goes with one value of it: a "
                  "code and its name, a month and its monthly figure) from that label, instead of learning it, so "
                  "every row holds a pair the real table holds. The target is always learned. Off: every column is "
                  "learned, and such pairs come out only approximately.")


NORMAL_SCORES = Param("normal_scores", "bool", True, "Learn each number column on its normal scores: its values "
                      "ranked and mapped onto a bell curve through its own quantiles, its mixture of modes "
                      "fitted there. A skewed column (body weights from grams to tonnes, incomes, waiting "
                      "times) then spreads over the whole range the network learns, and comes back in its real "
                      "shape and range. Off: the mixture is fitted on the raw values, as in CTGAN and TVAE, and "
                      "most of a skewed column is squeezed into one narrow mode.")


def training_params(*, epochs: int, batch_size: int, patience: int) -> tuple[Param, ...]:
    return (
        Param("epochs", "int", epochs, "Passes over the training rows. More epochs learn finer structure and take "
              "longer; too many can start copying training rows. Early stopping can end sooner.", 1, 10_000),
        Param("batch_size", "int", batch_size, "Rows per training step. Larger batches give smoother, fewer steps "
              "per epoch (faster on CPU); smaller ones give more, noisier updates.", 10, 20_000),
        Param("early_stopping", "bool", False, "Stop when fidelity (see the curve) has not improved for 'patience' "
              "epochs, and keep the best model seen."),
        Param("patience", "int", patience, "Epochs without a better fidelity before early stopping ends training.",
              1, 10_000, requires="early_stopping"),
    )


class NeuralSynthesizer(Synthesizer):
    """The training loop; subclasses build networks (``_build``), train one epoch (``_epoch``) and draw
    transformed rows (``_draw``)."""

    family = NEURAL
    trains = True
    keeps_missing: ClassVar[bool] = True  # missingness is learned, not sprinkled back
    fidelity_checks: ClassVar[int] = MAX_CHECKS  # fidelity measured at most this many times per training

    # ---------------------------------------------------------------- saving a trained model

    def saved(self) -> tuple[bytes, dict[str, Any]]:
        """(the networks' weights as safetensors, the training's record as JSON-able data): with the table the
        model learned from, :meth:`restored` makes the same model again, without training."""
        tensors = {f"{name}.{key}": value.detach().contiguous() for name, net in self._networks().items()
                   for key, value in net.state_dict().items()}
        record = {"history": [_finite(asdict(p)) for p in self.history_], "stopped": self.stopped_,
                  "fidelity": self.fidelity_, "train_seconds": self.train_seconds_}
        return safetensors.torch.save(tensors), record

    @classmethod
    def restored(cls, df: pd.DataFrame, schema: Any, *, params: dict[str, Any], seed: int, weights: bytes,
                 record: dict[str, Any]) -> NeuralSynthesizer:
        """The model :meth:`saved` wrote, rebuilt on the table it learned from (its data transformer is fitted
        again, the same way) with the saved weights: it samples exactly as the original did."""
        model = cls(**params)
        model._saved = (weights, record)
        return model.fit(df, schema, seed=seed)

    def _load(self, data: np.ndarray, rng: np.random.Generator) -> None:
        weights, record = self._saved
        self._build(data, rng)
        try:
            tensors = safetensors.torch.load(weights)
            for name, net in self._networks().items():
                prefix = f"{name}."
                net.load_state_dict({k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)})
            self.history_ = [Progress(**p) for p in record["history"]]
            self.stopped_, self.fidelity_ = str(record["stopped"]), record["fidelity"]
            self.train_seconds_ = float(record["train_seconds"])
        except (RuntimeError, ValueError, KeyError, TypeError, safetensors.SafetensorError) as exc:
            raise DataError(f"The saved network of {self.title} does not fit the model it should fill "
                            f"({type(exc).__name__}).",
                            hint="The file was changed, or comes from other settings.") from None
        del self._saved

    def _fit(self, df: pd.DataFrame) -> None:
        seed = self.seed_
        monitor = self.monitor_
        if getattr(self, "_saved", None) is not None:  # restoring a saved model: no training
            self.transformer_ = self._transformer(df)
            rng = np.random.default_rng(seed)
            self._load(self.transformer_.transform(df, rng), rng)
            self._release()
            return
        with TRAININGS.slot(monitor) as ticket:
            if monitor:
                monitor.phase = "fitting the mixtures"
            self.transformer_: DataTransformer = self._transformer(df)
            rng = np.random.default_rng(seed)
            data = self.transformer_.transform(df, rng)
            reference = df.sample(min(len(df), FIDELITY_ROWS), random_state=seed)

            def between_batches() -> bool:
                TRAININGS.pass_turn(ticket)
                return self._stop_requested()

            with TRAININGS.turn(ticket, seed):
                if monitor:
                    monitor.phase = "training"
                self._train(data, reference, rng, between_batches)
        self._release()
        if monitor:
            monitor.phase = "sampling"

    def _train(self, data: np.ndarray, reference: pd.DataFrame, rng: np.random.Generator,
               between_batches: Callable[[], bool]) -> None:
        """The epochs, in torch's turn; ``between_batches`` lets other trainings have theirs and says whether
        to stop."""
        params, monitor = self.params_, self.monitor_
        start = time.perf_counter()
        check_rng = np.random.default_rng([self.seed_, 1])
        early = params.get("early_stopping", False)  # (a private model has no early stopping: it reads real rows)
        watch = early or monitor is not None
        every = max(1, params["epochs"] // self.fidelity_checks)
        if early:
            every = max(1, min(every, params["patience"] // 5))  # several checks within the patience
        self.history_: list[Progress] = []
        self.stopped_ = "completed"
        best, best_epoch, best_state = -np.inf, 0, None
        torch.set_num_threads(threads())
        self._build(data, rng)
        self._check_size()
        tensor = torch.from_numpy(data)
        for epoch in range(1, params["epochs"] + 1):
            losses = self._epoch(tensor, rng, between_batches)
            diverged = [name for name, value in losses.items() if not np.isfinite(value)]
            if diverged:  # (its weights are not numbers any more: nothing it made would mean anything)
                what = f"the {diverged[0]} loss became {losses[diverged[0]]} in epoch {epoch} of {params['epochs']}"
                if best_state is None:
                    raise ParameterError(f"Training diverged: {what}, so the model has no usable weights.",
                                         hint="Lower the learning rates, or use a larger batch.")
                self.stopped_ = (f"early stopping: training diverged ({what}); the model of epoch {best_epoch} "
                                 f"(fidelity {best:.3f}) is kept")
                break
            fidelity = None
            if watch and (epoch % every == 0 or epoch == params["epochs"] or self._stop_requested()):
                fidelity = self._fidelity(reference, check_rng)
                if fidelity > best + 1e-3:
                    best, best_epoch = fidelity, epoch
                    best_state = self._state() if early else None
            progress = Progress(epoch, params["epochs"], losses, time.perf_counter() - start, fidelity)
            self.history_.append(progress)
            if monitor:
                monitor.report(progress)
            if self._stop_requested():
                if monitor.abandoned:
                    raise monitor.stopped_error()
                self.stopped_ = f"stopped by the user after epoch {epoch} of {params['epochs']}"
                break
            if early and epoch - best_epoch >= params["patience"]:
                self.stopped_ = (f"early stopping after epoch {epoch}: fidelity had not improved since epoch "
                                 f"{best_epoch} ({best:.3f}), whose model is kept")
                break
        restored = best_state is not None and self.stopped_.startswith("early")
        if restored:
            self._restore(best_state)
        elif watch and self.history_[-1].fidelity is None:  # the model kept is always scored
            self.history_[-1].fidelity = self._fidelity(reference, check_rng)
        self.fidelity_ = best if restored else self.history_[-1].fidelity  # of the model kept (None: not watched)
        self.train_seconds_ = time.perf_counter() - start

    def notes(self) -> list[str]:
        kept = f"; fidelity of the model kept {self.fidelity_:.3f}." if self.fidelity_ is not None else "."
        return [*super().notes(), *(
            f"'{d.name}' is a function of '{d.source}' in the real rows (each value of '{d.source}' always goes with "
            f"one value of it), so it was rebuilt from '{d.source}', not learned."
            for d in self.transformer_.dependent),
                f"Training: {self.stopped_}; {self.history_[-1].epoch} epochs in {self.train_seconds_:.1f} s{kept}"]

    def _sample(self, n: int, rng: np.random.Generator) -> pd.DataFrame:
        matrix, sigmas = self._draw(n, rng)  # its own torch generator: a training elsewhere is not disturbed
        return self.transformer_.inverse(matrix, sigmas, rng)

    def collapse_check(self, real: pd.DataFrame, synthetic: pd.DataFrame) -> pd.DataFrame:
        """:func:`lost_modes` of this model's samples against the real rows it learned from."""
        return lost_modes(self.transformer_, real[self.columns_], synthetic[self.columns_])

    # ---------------------------------------------------------------- helpers

    def _stop_requested(self) -> bool:
        return bool(self.monitor_ and self.monitor_.stopping())

    def _fidelity(self, reference: pd.DataFrame, rng: np.random.Generator) -> float:
        """Measured with its own random numbers, so watching a training does not change it."""
        matrix, sigmas = self._draw(len(reference), rng, real_shares=True)
        return fidelity(self.transformer_, reference, matrix, sigmas, rng)

    def _state(self) -> dict[str, Any]:
        return {name: copy.deepcopy(net.state_dict()) for name, net in self._networks().items()}

    def _restore(self, state: dict[str, Any]) -> None:
        for name, net in self._networks().items():
            net.load_state_dict(state[name])

    def _transformer(self, df: pd.DataFrame) -> DataTransformer:
        """Table ⇄ matrix for the networks: mode-specific normalisation (:mod:`core.synth.transformer`), with the
        options a subclass declares as parameters: ``discrete_values``, ``dependent_columns`` (the target is
        always learned) and ``normal_scores``."""
        p = self.params_
        return fit_transformer(df, self.kinds_, seed=self.seed_, discrete=p.get("discrete_values", False),
                               dependent=p.get("dependent_columns", False),
                               keep=(self.target_,) if self.target_ else (), scores=p.get("normal_scores", False))

    def pictures(self) -> list[tuple[str, Any]]:
        """(caption in Markdown, plotly figure) pairs that show how this trained network makes rows, for the page
        after training."""
        return []

    def _check_size(self) -> None:
        """Refuse networks that would take more memory than the server gives one training (``max_network_mb``):
        each weight comes with its gradient and two optimiser moments, 16 bytes in all. Checked once the networks
        are built, before any gradient or moment is."""
        weights = sum(w.numel() for net in self._networks().values() for w in net.parameters())
        cap = limits().max_network_mb
        if weights * 16 > cap * 2**20:
            raise ParameterError(
                f"These settings make networks of {weights / 1e6:,.1f} million weights, which with their gradients "
                f"and optimiser state need {weights * 16 / 2**20:,.0f} MB, more than this server gives one training "
                f"({cap:,} MB).", hint="Use narrower or fewer layers, or a smaller pac; the operator sets "
                "max_network_mb in synthlab.toml.")

    def _release(self) -> None:
        """Drop what only training needs (optimiser moments, row indexes): a kept model only samples."""

    def _networks(self) -> dict[str, torch.nn.Module]:
        raise NotImplementedError

    def _build(self, data: np.ndarray, rng: np.random.Generator) -> None:
        raise NotImplementedError

    def _epoch(self, data: torch.Tensor, rng: np.random.Generator, stop) -> dict[str, float]:
        raise NotImplementedError

    def _draw(self, n: int, rng: np.random.Generator, *,
              real_shares: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
        """n transformed rows (and the VAE's σ per column); ``real_shares``: classes as in the real data even when
        the model was asked for other shares (fidelity compares with the real rows)."""
        raise NotImplementedError


def fidelity(transformer: DataTransformer, reference: pd.DataFrame, matrix: np.ndarray,
             sigmas: np.ndarray | None, rng: np.random.Generator) -> float:
    """1 − mean column distance (KS for numbers, total variation for labels; missingness a category)."""
    distances = []
    for info in transformer.columns:
        if info.kind == "labels":
            width = info.spans[0].width
            real = np.bincount(transformer.codes(info, reference[info.name]), minlength=width) / len(reference)
            span = info.spans[0]
            fake = np.bincount(matrix[:, span.start:span.end].argmax(axis=1), minlength=width) / len(matrix)
            distances.append(0.5 * np.abs(real - fake).sum())
            continue
        real = to_floats(reference[info.name])
        fake = transformer.numbers(info, matrix, sigmas, rng)
        real_seen, fake_seen = real[~np.isnan(real)], fake[~np.isnan(fake)]
        share_gap = abs(np.isnan(real).mean() - np.isnan(fake).mean())
        ks = stats.ks_2samp(real_seen, fake_seen).statistic if len(real_seen) and len(fake_seen) else \
            float(len(real_seen) != len(fake_seen))
        distances.append(max(ks, share_gap))
    return 1.0 - float(np.mean(distances))



LOST = "lost: the real rows have it, the samples (almost) lack it"
SPIKE = "spike: the samples pile up here, the real rows do not"
POINT = 1e-6  # number values closer than this share of the real range count as one point


def lost_modes(transformer: DataTransformer, real: pd.DataFrame, synthetic: pd.DataFrame, *,
               min_share: float = 0.01, ratio: float = 0.1, spike_gap: float = 0.05,
               spike_ratio: float = 2.0) -> pd.DataFrame:
    """The mode-collapse check: what the samples lack, and where they pile up instead.

    *Lost*: a category or number mode holding at least ``min_share`` of the real rows whose
    synthetic share is below ``ratio`` times the real one. A number column's modes are its mixture
    components, each read as the range mean ± 2 standard deviations.

    *Spike*: a category, or a point of a number or date column (values within a millionth of the
    real range of each other, such as its minimum), whose synthetic share exceeds the real share by
    more than ``spike_gap`` and more than ``spike_ratio`` times: a generator that collapsed onto one
    value, often an edge where the real bounds clip it. Shares are of all rows. The ``what`` column
    says which of the two each row is.
    """
    rows = []
    for info in transformer.columns:
        if info.kind == "labels":
            labels = info.names()
            width = len(labels)
            fake = synthetic[info.name] if info.numeric else synthetic[info.name].astype(object)
            real_share = np.bincount(transformer.codes(info, real[info.name]), minlength=width)[:width] / len(real)
            fake_share = np.bincount(transformer.codes(info, fake), minlength=width)[:width] / max(len(synthetic), 1)
            what = "value" if info.numeric else "category"  # (a number column of few values is learned as labels)
            for label, r, f in zip(labels, real_share, fake_share, strict=True):
                if f > r + spike_gap and f > spike_ratio * r:
                    rows.append({"column": info.name, "what": SPIKE, "kind": what, "value": label,
                                 "real share": r, "synthetic share": f})
        else:
            rows += _spikes(info.name, info.is_date, real[info.name], synthetic[info.name], spike_gap, spike_ratio)
            width = len(info.means)
            low, high = info.values(info.means - 2 * info.stds), info.values(info.means + 2 * info.stds)
            labels = [f"{a:,.4g} to {b:,.4g}" for a, b in zip(low, high, strict=True)]
            if info.is_date:
                labels = [f"{pd.Timestamp(int(a)):%Y-%m-%d} to {pd.Timestamp(int(b)):%Y-%m-%d}"
                          for a, b in zip(low, high, strict=True)]
            real_modes = transformer.modes(info, real[info.name])
            fake_modes = transformer.modes(info, synthetic[info.name])
            real_share = np.bincount(real_modes[real_modes >= 0], minlength=width) / len(real)
            fake_share = np.bincount(fake_modes[fake_modes >= 0], minlength=width) / max(len(synthetic), 1)
            what = "mode"
        for label, r, f in zip(labels, real_share, fake_share, strict=True):
            if r >= min_share and f < ratio * r:
                rows.append({"column": info.name, "what": LOST, "kind": what, "value": label, "real share": r,
                             "synthetic share": f})
    return pd.DataFrame(rows, columns=["column", "what", "kind", "value", "real share", "synthetic share"])


def _spikes(name: str, is_date: bool, real: pd.Series, synthetic: pd.Series, gap: float,
            ratio: float) -> list[dict]:
    """Points of a number or date column holding far more of the synthetic rows than of the real ones."""
    x, y = to_floats(real), to_floats(synthetic)
    x, y = x[np.isfinite(x)], y[np.isfinite(y)]
    if not len(x) or not len(y):
        return []
    low, high = x.min(), x.max()
    span = high - low if high > low else 1.0

    def point(v: np.ndarray) -> np.ndarray:
        return np.round((v - low) / span / POINT).astype(np.int64)  # the point a value is at

    real_points, fake_points = pd.Series(point(x)).value_counts(), pd.Series(point(y)).value_counts()
    rows = []
    for key, count in fake_points[fake_points / len(synthetic) > gap].items():
        f, r = count / len(synthetic), real_points.get(key, 0) / len(real)
        if f > r + gap and f > ratio * r:
            value = y[point(y) == key][0]
            text = instant(value) if is_date else f"{value:,.6g}"
            edge = " (the real minimum)" if key == 0 else " (the real maximum)" if key == point(high) else ""
            rows.append({"column": name, "what": SPIKE, "kind": "value", "value": text + edge, "real share": r,
                         "synthetic share": f})
    return rows


def _finite(value: Any) -> Any:
    """A training record's numbers for JSON: a loss that diverged (inf, NaN) becomes None."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    return None if isinstance(value, float) and not np.isfinite(value) else value
