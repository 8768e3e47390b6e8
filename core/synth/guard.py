"""The privacy guard: a filter between any full-table method and the rows it returns.

Synthetic rows that copy a training row, or sit closer to one than new real rows would, tell an
attacker about the people in the training data; rows far from every real row tell a reader the
table is synthetic. The guard measures what the privacy scores measure
(:mod:`core.evaluate.scores`), on the rows as they are drawn:

* **copies**: a row equal to a training row once both are written alike (the exact-copy score's
  test): at most 1% of the returned rows, the surplus dropped in the order drawn;
* **close rows**: the distance to the closest training row (DCR: standardised numbers, one-hot
  labels) is compared with the 5th percentile of the same distance for the real held-out rows
  (without a holdout: of each training row to its nearest other training row). New real rows fall
  below it 5% of the time; the guard keeps at most ``close_share`` of the returned rows below it,
  dropping the surplus in the order they were drawn, so what is kept is otherwise unchanged. Both
  limits rise to what real held-out rows do: on a table of a few label columns every new real row
  copies a training row, which tells nothing about anyone, and such rows are kept as often;
* **outliers** (optional): a row farther from every training row than any held-out row is, is
  dropped.

The method is asked for more rows until the count asked for is reached, so the guard never
shortens a table; the run notes say what was dropped. Identifier columns (left out of synthesis)
are either left out of the synthetic table or filled with fresh keys in the real column's format
(``fresh_keys``): unique, and none equal to a real key.
"""

from __future__ import annotations

import copy
import string
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.neighbors import NearestNeighbors

from core.errors import ParameterError
from core.evaluate.compare import RowEncoder
from core.evaluate.scores import CopyIndex
from core.schema import Kind, Schema

IDS = ("drop", "fresh")
MIN_HOLDOUT = 20  # fewer held-out rows than this: the training rows' own nearest distances are used
COPIES = 0.01  # the share of returned rows that may copy a training row (more where real rows do)


@dataclass(frozen=True)
class Guard:
    """The guard's settings (all off: ``Guard.off()``)."""

    copies: bool = True
    close_share: float = 0.10  # 1.0: no limit
    outliers: bool = False
    ids: str = "drop"

    def __post_init__(self) -> None:
        for name in ("copies", "outliers"):
            if not isinstance(getattr(self, name), bool):
                raise ParameterError(f"The privacy guard's setting '{name}' must be true or false, not "
                                     f"{getattr(self, name)!r}.")
        if not isinstance(self.close_share, (int, float)) or isinstance(self.close_share, bool) \
                or not 0 <= self.close_share <= 1:
            raise ParameterError(f"The share of close rows must be between 0 and 1, not {self.close_share!r}.")
        if self.ids not in IDS:
            raise ParameterError(f"Identifier columns are either dropped or get fresh keys ('drop' or 'fresh'), not "
                                 f"{self.ids!r}.")

    @classmethod
    def off(cls) -> Guard:
        return cls(copies=False, close_share=1.0, outliers=False)

    @property
    def filters(self) -> bool:
        return self.copies or self.close_share < 1 or self.outliers

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Guard:
        if data is None:
            return cls.off()
        unknown = set(data) - {"copies", "close_share", "outliers", "ids"}
        if unknown:
            raise ParameterError(f"The privacy guard has no setting {sorted(unknown)[0]!r}.")
        return cls(**data)

    def text(self) -> str:
        if not self.filters:
            return "off"
        parts = ([f"copies of training rows held to {COPIES:.0%}"] if self.copies else []) + \
            ([f"at most {self.close_share:.0%} of rows closer than new real rows"] if self.close_share < 1 else []) + \
            (["outliers dropped"] if self.outliers else [])
        return "; ".join(parts)


class Guarding:
    """A guard fitted on the training rows (and the holdout): ``keep(batch)`` says which rows of each drawn batch
    may be returned, for a table of ``n`` rows (``start(n)``); ``note()`` says what was dropped.

    Limits are relative to real rows: where held-out real rows themselves copy training rows or sit at distance 0
    from one (a table of a few label columns, where every combination recurs), that share is allowed too, since
    such a row tells nothing about any one person; elsewhere copies are held to ``COPIES`` and close rows to
    ``close_share``."""

    def __init__(self, guard: Guard, train: pd.DataFrame, schema: Schema, columns: list[str],
                 holdout: pd.DataFrame | None = None) -> None:
        self.guard, self.columns = guard, [c for c in columns if c in train.columns]
        self.dropped = {"copies": 0, "close": 0, "outliers": 0}
        self.drawn = 0
        self.kept = {"copies": 0, "close": 0}
        self.limits = {"copies": 0, "close": 0}
        self.shares = {"copies": COPIES, "close": guard.close_share}
        if not guard.filters or not self.columns:
            return
        real = train[self.columns]
        reference = holdout[self.columns] if holdout is not None and len(holdout) >= MIN_HOLDOUT else None
        if guard.copies:
            self.copies = CopyIndex(real)
            baseline = (self.copies.copies(reference).mean() if reference is not None else
                        real.duplicated(keep=False).mean())  # without a holdout: rows that recur in training
            self.shares["copies"] = max(COPIES, float(baseline))
        if guard.close_share < 1 or guard.outliers:
            self.encoder = RowEncoder(real, schema)
            points = self.encoder.encode(real)
            self.index = NearestNeighbors(n_neighbors=1).fit(points)
            if reference is not None:
                distances = self.index.kneighbors(self.encoder.encode(reference))[0][:, 0]
            else:  # each training row's distance to its nearest other training row
                distances = NearestNeighbors(n_neighbors=min(2, len(points))).fit(points).kneighbors(points)[0][:, -1]
            self.threshold = float(np.quantile(distances, 0.05))
            self.far = float(distances.max())
            self.shares["close"] = max(guard.close_share, float(np.mean(self._close(distances))))

    def _close(self, distance: np.ndarray) -> np.ndarray:
        return (distance <= self.threshold) if self.threshold > 0 else (distance == 0)

    def fresh(self) -> Guarding:
        """A copy that shares the fitted indexes but counts on its own: one per block of a run, so blocks drawn on
        different workers (or threads) never share counters; ``absorb`` adds its counts back."""
        out = copy.copy(self)
        out.drawn, out.dropped = 0, dict.fromkeys(self.dropped, 0)
        out.kept, out.limits = dict(self.kept), dict(self.limits)
        return out

    def absorb(self, drawn: int, dropped: dict[str, int]) -> None:
        """Add one block's counts (rows drawn, rows dropped by reason) to this run's."""
        self.drawn += drawn
        for reason, count in dropped.items():
            self.dropped[reason] += count

    def start(self, n: int) -> None:
        """A new table of ``n`` rows: the limits are shares of it."""
        self.limits = {k: int(np.floor(share * n + 1e-9)) for k, share in self.shares.items()}
        self.kept = {"copies": 0, "close": 0}

    def _within(self, what: str, found: np.ndarray, keep: np.ndarray) -> None:
        """Keep the first rows ``found`` up to the limit on ``what``, in the order drawn; drop the rest."""
        if self.shares[what] >= 1:  # real held-out rows all do it: nothing to hold back
            return
        found = np.flatnonzero(found & keep)
        surplus = found[max(0, self.limits[what] - self.kept[what]):]
        keep[surplus] = False
        self.kept[what] += len(found) - len(surplus)
        self.dropped[what] += len(surplus)

    def keep(self, batch: pd.DataFrame) -> np.ndarray:
        self.drawn += len(batch)
        keep = np.ones(len(batch), dtype=bool)
        if not self.guard.filters or not self.columns or batch.empty:
            return keep
        rows = batch[self.columns]
        if self.guard.copies:
            self._within("copies", self.copies.copies(rows), keep)
        if self.guard.close_share < 1 or self.guard.outliers:
            distance = self.index.kneighbors(self.encoder.encode(rows))[0][:, 0]
            if self.guard.outliers:
                outlying = keep & (distance > self.far)
                self.dropped["outliers"] += int(outlying.sum())
                keep &= ~outlying
            if self.guard.close_share < 1:
                self._within("close", self._close(distance), keep)
        return keep

    def note(self) -> list[str]:
        if not self.guard.filters:
            return []
        if not any(self.dropped.values()):  # (its settings are said with the Drawing)
            within = ([f"copies of training rows ({self.shares['copies']:.0%} allowed)"] if self.guard.copies
                      else []) + ([f"close rows ({self.shares['close']:.0%})"] if self.guard.close_share < 1 else [])
            return [f"Privacy guard: it checked the {self.drawn:,} rows drawn (with a margin over the rows asked "
                    "for) and dropped none" + (": " + " and ".join(within) + " stayed within what is allowed"
                                               if within else "") + "."]
        def rows(what: str, one: str, many: str) -> str:
            return f"{self.dropped[what]:,} {one if self.dropped[what] == 1 else many}"

        said = {"copies": rows("copies", "copy", "copies") + f" of training rows (beyond the "
                                                             f"{self.shares['copies']:.0%} allowed)",
                "close": rows("close", "row", "rows") + " closer to a training row than 95% of new real rows are "
                                                       f"(beyond the {self.shares['close']:.0%} allowed)",
                "outliers": rows("outliers", "row", "rows") + " farther from every real row than any held-out row is"}
        parts = [said[k] for k, count in self.dropped.items() if count]
        return [f"Privacy guard: of {self.drawn:,} rows drawn it dropped " + ", ".join(parts) + "."]


def fresh_keys(real: pd.Series, n: int, rng: np.random.Generator) -> pd.Series:
    """``n`` unique keys in the format of the real identifier column, none equal to a real key: whole numbers with
    as many digits as the real ones; text with each digit and letter of a real key (taken at random) redrawn, other
    characters, and characters every real key of that length shares, kept (so 'AB-0042' among 'AB-…' keys gives
    keys like 'AB-7301', among others 'QX-7301')."""
    observed = real.dropna()
    taken = set(observed.astype(str))
    if pd.api.types.is_integer_dtype(observed) or (pd.api.types.is_float_dtype(observed) and len(observed)
                                                     and (observed == observed.round()).all()):
        width = max(1, len(str(int(abs(observed).max()))) if len(observed) else 6)
        low, high = 10 ** (width - 1) if width > 1 else 0, 10 ** width
        if high - low < 2 * (n + len(taken)):  # too few numbers of that width left: one digit more
            low, high = high, high * 10 * max(1, (2 * (n + len(taken))) // (high * 9) + 1)
        out: list[Any] = []
        seen = set(taken)
        while len(out) < n:
            for value in rng.integers(low, high, size=2 * (n - len(out)) + 8).tolist():
                if str(value) not in seen and len(out) < n:
                    seen.add(str(value))
                    out.append(value)
        return pd.Series(out, dtype=real.dtype if pd.api.types.is_integer_dtype(real.dtype) else "int64")
    templates = observed.astype(str).to_numpy() if len(observed) else np.array(["ID-000000"])
    fixed = _fixed(templates)
    out, seen = [], set(taken)
    for _ in range(100):
        chosen = templates[rng.integers(0, len(templates), size=2 * (n - len(out)) + 8)]
        for template in chosen:
            key = _redrawn(template, fixed.get(len(template), set()), rng)
            if key not in seen:
                seen.add(key)
                out.append(key)
                if len(out) == n:
                    return pd.Series(out, dtype=real.dtype if isinstance(real.dtype, pd.StringDtype) else object)
    raise ParameterError(f"Not enough fresh keys in the format of '{real.name}' (its keys are too short to make "
                         f"{n:,} new ones).", hint="Drop the identifier column instead.")


def _fixed(templates: np.ndarray) -> dict[int, set[int]]:
    """{key length: the positions where every real key of that length has the same letter} (a prefix such
    as 'C' in 'C00042'), for lengths with at least two keys."""
    out = {}
    for length in {len(t) for t in templates[:5_000]}:
        same = [t for t in templates[:5_000] if len(t) == length]
        if len(same) > 1:
            out[length] = {i for i in range(length) if len({t[i] for t in same}) == 1 and not same[0][i].isdigit()}
    return out


def _redrawn(template: str, fixed: set[int], rng: np.random.Generator) -> str:
    characters = list(template)
    for i, c in enumerate(characters):
        if i in fixed:
            continue
        if c.isdigit():
            characters[i] = string.digits[rng.integers(10)]
        elif c in string.ascii_lowercase:
            characters[i] = string.ascii_lowercase[rng.integers(26)]
        elif c in string.ascii_uppercase:
            characters[i] = string.ascii_uppercase[rng.integers(26)]
    return "".join(characters)


def with_fresh_ids(table: pd.DataFrame, train: pd.DataFrame, schema: Schema, rng: np.random.Generator
                   ) -> pd.DataFrame:
    """``table`` with a fresh key column for every identifier column of ``train``, in the real column order."""
    ids = [c for c in train.columns if schema.kinds.get(c) == Kind.ID and c not in table.columns]
    if not ids:
        return table
    out = table.copy()
    for column in ids:
        out[column] = fresh_keys(train[column], len(table), rng).to_numpy()
    order = [c for c in train.columns if c in out.columns] + [c for c in out.columns if c not in train.columns]
    return out[order]
