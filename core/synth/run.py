"""One generation, as the page, the command line and recipes run it: fit, sample, derive, apply rules
(``generate``); and more rows from a model already fitted (``draw``).

**Blocks.** The rows of a run are drawn in fixed blocks of ``BLOCK_ROWS`` rows (the last one shorter),
each from its own random stream, so that a table of any size can be made in pieces, in any order, on
any number of workers (:mod:`core.scale`) and still be the same table. Block 0 draws from the run's own
generator (``default_rng(seed)``), so a run of at most one block is exactly what SynthLab drew before
blocks existed; block i > 0 draws from the i-th child of the run's ``numpy.random.SeedSequence``
(``SeedSequence(entropy, spawn_key=(i,))``, which is ``SeedSequence(seed).spawn(i + 1)[i]`` without
spawning the others), whose streams are independent of the parent's and of each other by the
construction of O'Neill's SeedSequence hashing (NumPy's "Parallel random number generation" guide).
Rules, derived columns, conditions and the privacy guard apply within each block (the guard's limits
are shares of the block's rows, so they hold for the whole table); quotas are split over the blocks
in proportion to their rows by largest remainders, so every value gets exactly its rows in total;
the rule reports and the guard's counts add up over the blocks. Fresh identifier keys must be unique
over the whole table, so past one block they are drawn once the table is whole (in memory only: a
table written in parts refuses them).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from core.errors import DataError, ParameterError
from core.limits import limits
from core.params import shown
from core.schema import Schema
from core.synth import METHODS, Synthesizer
from core.synth.base import MAX_CELLS
from core.synth.conditions import read_conditions
from core.synth.drawing import quota_counts
from core.synth.guard import Guard, Guarding, with_fresh_ids
from core.synth.neural import TrainingMonitor
from core.synth.rules import Expression, RuleReport, derive, parse, quote, sample_with_rules


@dataclass
class Generated:
    table: pd.DataFrame
    fit_seconds: float
    sample_seconds: float
    notes: list[str] = field(default_factory=list)
    rule_report: list[RuleReport] = field(default_factory=list)
    model: Synthesizer | None = None

    @property
    def epsilon(self) -> float | None:
        """The differential-privacy budget the model spent (``epsilon_``), or None for a method without one."""
        spent = getattr(self.model, "epsilon_", None)
        return None if spent is None else float(spent)


BLOCK_ROWS = 65_536  # rows of one block: the unit of randomness, whatever the chunk or worker count
DERIVED_HINT = "Write it like: pulse_pressure = systolic - diastolic, or bmi = weight / (height / 100) ** 2"
_DEFINITION = re.compile(r"\s*(?:`([^`]+)`|([^=<>!:`]+?))\s*=(?!=)(.*)", re.DOTALL)


def parse_derived(lines: list[str], columns: list[str], *, random: bool = False) -> list[tuple[str, Expression]]:
    """'name = expression' lines (a name that is not an identifier in back-ticks); each may use the columns and
    the derived columns before it (and random terms, with ``random``: see ``core.synth.rules``)."""
    out, known = [], list(columns)
    for line in lines:
        match = _DEFINITION.fullmatch(line)
        name = match and (match.group(1) or match.group(2)).strip()
        if not name:  # no name, or a comparison such as 'a == b' or 'x <= 1'
            raise ParameterError(f"{quote(line)} is not a derived column.",
                                 hint="Write it as: name = expression (a name with spaces in back-ticks)")
        if name in [done for done, _ in out]:
            raise ParameterError(f"The derived column '{name}' is defined twice.",
                                 hint="Keep one line for it (a later line may use it, under another name).")
        out.append((name, parse(match.group(3).strip(), known, random=random, hint=DERIVED_HINT)))
        known.append(name)
    return out


def derived_notes(table: pd.DataFrame, names: list[Any], columns: list[Any], target: Any = None) -> list[str]:
    """What derived columns (``names``, added to a table of ``columns``) did that a user may not have meant: a column
    replaced (the target, or by one value in every row), a column with no finite value (such as a division by zero or
    the log of a negative number)."""
    notes = []
    for name in names:
        if name in columns:
            said = f"The derived column '{name}' replaces the synthetic column of that name"
            if name == target:
                said += ", the target: the utility scores then test the formula, not what the method learned"
            single = table[name].dropna().unique() if name in table else []
            if len(single) == 1 and len(table) > 1:
                said += f", with the one value {str(single[0])[:40]!r} in every row"
            notes.append(said + ".")
        values = table.get(name)
        if values is not None and pd.api.types.is_numeric_dtype(values) and len(values) \
                and not np.isfinite(values.to_numpy(dtype=float, na_value=np.nan)).any():
            notes.append(f"The derived column '{name}' has no finite value in any row (a division by zero, or a "
                         "log or square root of a negative number?).")
    return notes


def parsed(columns: list, rules: list[str] | None, derived: list[str] | None
           ) -> tuple[list[tuple[str, Expression]], list[Expression]]:
    """(the derived columns' formulas, the rules) read against ``columns``, the model's output columns (and the
    derived ones, for the rules): a ParameterError for a line that cannot run on them."""
    formulas = parse_derived([d for d in (derived or []) if d.strip()], columns)
    return formulas, [parse(r, columns + [name for name, _ in formulas]) for r in (rules or []) if r.strip()]


def draw(model: Synthesizer, n: int, *, rng: Any = None, rules: list[str] | None = None,
         derived: list[str] | None = None, conditions: dict[str, Any] | None = None,
         quotas: dict[str, dict[Any, int]] | None = None, guard: Guarding | None = None
         ) -> tuple[pd.DataFrame, list[RuleReport]]:
    """``n`` rows from a fitted model, with the derived columns added, only rows that keep the rules and meet the
    ``conditions`` (see :mod:`core.synth.conditions`), exactly ``quotas`` rows per value of one column
    ({column: {value: rows}}, adding up to ``n``), and through the privacy ``guard``."""
    formulas, checks = parsed(list(model.output_columns_), rules, derived)
    if checks and model.keeps_real_rows(model.params_):
        raise DataError(f"Business rules filter fully synthetic rows, but {model.title} with these settings keeps the "
                        "real rows as they are.", hint="Change the settings (such as replace mode), or remove the "
                                                       "rules.")
    generator = np.random.default_rng(rng)
    if quotas:
        return _by_quota(model, n, quotas, generator, lambda k, wanted: draw(
            model, k, rng=generator, rules=rules, derived=derived, conditions=wanted, guard=guard), conditions)
    conditions = dict(conditions or {})
    if conditions:
        read_conditions(model, conditions)  # (a condition that cannot be met is said before anything is drawn)

    def rows(k: int, g: np.random.Generator) -> pd.DataFrame:
        table = model.sample(k, rng=g, conditions=conditions or None)
        for name, expression in formulas:
            table = derive(table, name, expression)
        return table

    filtering = guard is not None and guard.guard.filters and not model.keeps_real_rows(model.params_)
    if filtering:
        guard.start(n)
    if checks or filtering:
        return sample_with_rules(rows, n, checks, rng=generator, keep=guard.keep if filtering else None,
                                 max_batch=max(1, MAX_CELLS // max(len(model.output_columns_), 1)))
    return rows(n, generator), []


def _by_quota(model: Synthesizer, n: int, quotas: dict[str, dict[Any, int]], generator: np.random.Generator,
              drawn: Any, conditions: dict[str, Any] | None) -> tuple[pd.DataFrame, list[RuleReport]]:
    """Exactly the rows asked for per value of one column, each drawn under that value as a condition, shuffled."""
    column, wanted = _checked_quotas(quotas, n, conditions)
    parts, reports = [], []
    for value, count in wanted.items():
        table, report = drawn(int(count), {**(conditions or {}), column: value})
        parts.append(table)
        reports += report
    out = pd.concat(parts, ignore_index=True)
    return out.iloc[generator.permutation(len(out))].reset_index(drop=True), reports


def _checked_quotas(quotas: dict[str, dict[Any, int]], n: int, conditions: dict[str, Any] | None
                    ) -> tuple[str, dict[Any, int]]:
    """(the column, {value: rows} without the zeros) of quotas that count whole rows adding up to ``n``."""
    column, counts = quota_counts(quotas)
    if column in (conditions or {}):
        raise ParameterError(f"'{column}' has both quotas and a condition: give one of them.")
    wanted = {value: count for value, count in counts.items() if count}
    if sum(wanted.values()) != n:
        raise ParameterError(f"The rows per value of '{column}' add up to {sum(wanted.values()):,}, not the {n:,} rows "
                             "asked for.")
    return column, wanted


def generate(df: pd.DataFrame, schema: Schema, method: str, params: dict[str, Any], n: int, *, rng: Any = None,
             rules: list[str] | None = None, derived: list[str] | None = None,
             monitor: TrainingMonitor | None = None, conditions: dict[str, Any] | None = None,
             quotas: dict[str, dict[Any, int]] | None = None, guard: Guard | None = None,
             holdout: pd.DataFrame | None = None) -> Generated:
    """Fit ``method`` on ``df`` and draw ``n`` rows. An integer ``rng`` also seeds the fitting (the neural
    models' training); ``monitor`` follows and stops a neural model's training. ``guard`` (off by default) filters
    the rows drawn, measured against ``df`` and the real ``holdout``; see :func:`draw` for the rest."""
    check_rows(n)
    columns = [c for c in schema.synth_columns if c in df.columns]  # (the model's output columns, once fitted)
    parsed(columns, rules, derived)  # a rule or formula that cannot run is said before a long training, not after
    named = [c for given in (conditions, quotas) if isinstance(given, dict) for c in given]
    unknown = [c for c in named if c not in columns]
    if unknown:
        raise ParameterError(f"The model draws no column {unknown[0]!r}, so it cannot be a condition or quota.",
                             hint="Conditions and quotas name columns of the synthetic table: "
                                  + ", ".join(map(str, columns[:12])) + ".")
    seed = int(rng) if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool) else 0
    model, fit_seconds = fit_model(df, schema, method, params, seed=seed, monitor=monitor)  # (refuses a bad seed)
    generator = np.random.default_rng(rng)
    start = time.perf_counter()
    table, report, notes = draw_guarded(model, n, df, schema, rng=generator, rules=rules, derived=derived,
                                        conditions=conditions, quotas=quotas, guard=guard, holdout=holdout)
    sample_seconds = time.perf_counter() - start
    return Generated(table=table, fit_seconds=fit_seconds, sample_seconds=sample_seconds,
                     notes=model.notes() + notes, rule_report=report, model=model)


def check_rows(n: Any, *, cap: int | None = None,
               hint: str = "An operator sets this limit (max_rows_generate) in synthlab.toml.") -> int:
    """``n`` as the row count of one generation, or a ParameterError: a whole number from 1 to ``cap`` (default:
    the server's limit on one run held in memory)."""
    limit = cap or limits().max_rows_generate
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
        raise ParameterError(f"The number of rows must be a whole number from 1 to {limit:,}, not {shown(n)}.")
    if n > limit:
        said = "one run makes" if cap else "this server allows in one run"
        count = f"{n:,}" if n < 10**18 else shown(int(n))  # (Python will not print an integer of 5,000 digits)
        raise ParameterError(f"{count} rows is more than {said}: at most {limit:,} rows.", hint=hint)
    return int(n)


def fit_model(df: pd.DataFrame, schema: Schema, method: str, params: dict[str, Any], *, seed: int = 0,
              monitor: TrainingMonitor | None = None) -> tuple[Synthesizer, float]:
    """``method`` fitted on ``df`` (``seed`` seeds a neural model's training): (the model, seconds taken)."""
    if method not in METHODS:
        raise ParameterError(f"Unknown method '{method}'.", hint="Use one of: " + ", ".join(METHODS) + ".")
    start = time.perf_counter()
    model = METHODS[method](**params).fit(df, schema, seed=seed, monitor=monitor)
    return model, time.perf_counter() - start


PRIVATE_GUARD = ("Not covered by ε: the privacy guard compared the drawn rows with the real ones, so which rows it "
                 "dropped depends on individual real rows. Turn the guard off to keep the whole promise.")


def draw_guarded(model: Synthesizer, n: int, train: pd.DataFrame, schema: Schema, *, rng: Any = None,
                 rules: list[str] | None = None, derived: list[str] | None = None,
                 conditions: dict[str, Any] | None = None, quotas: dict[str, dict[Any, int]] | None = None,
                 guard: Guard | None = None, holdout: pd.DataFrame | None = None
                 ) -> tuple[pd.DataFrame, list[RuleReport], list[str]]:
    """:func:`draw` with the privacy ``guard`` measured against ``train`` (the rows the model learned from) and the
    real ``holdout``, and fresh identifier keys when the guard asks for them, block by block (see the module text):
    (rows, rule report, notes: the guard's and what the derived columns did that may not be meant)."""
    n = check_rows(n)
    generator = np.random.default_rng(rng)
    plan = Blocks.plan(model, n, train, schema, seeds=generator.bit_generator.seed_seq, rules=rules,
                       derived=derived, conditions=conditions, quotas=quotas, guard=guard, holdout=holdout)
    drawn = [plan.draw(i, rng=generator if i == 0 else None) for i in range(len(plan.sizes))]
    table = drawn[0].table if len(drawn) == 1 else pd.concat([b.table for b in drawn], ignore_index=True)
    if plan.whole_ids:  # unique over the whole table, so drawn once it is all there
        table = with_fresh_ids(table, *plan.ids, generator)
    columns = list(model.output_columns_)
    names = [name for name, _ in parse_derived([d for d in (derived or []) if d.strip()], columns)]
    return table, plan.rule_report(drawn), plan.guard_note(drawn) + derived_notes(table, names, columns, schema.target)


@dataclass
class Block:
    """One block's rows and what drawing them took: rows drawn for the guard, rows it dropped, seconds."""

    table: pd.DataFrame
    rule_report: list[RuleReport]
    guard_drawn: int = 0
    guard_dropped: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def block_sizes(n: int, block_rows: int) -> list[int]:
    """The rows of each block of an ``n``-row run: full blocks, then the rest (one block when ``n`` fits in one)."""
    full, rest = divmod(n, block_rows)
    return [block_rows] * full + [rest] if rest or not full else [block_rows] * full


def block_rng(seeds: np.random.SeedSequence, i: int) -> np.random.Generator:
    """Block ``i``'s generator: the run's own stream for block 0, else the i-th child of the run's SeedSequence."""
    if i == 0:
        return np.random.default_rng(seeds)
    child = np.random.SeedSequence(seeds.entropy, spawn_key=(*seeds.spawn_key, i), pool_size=seeds.pool_size)
    return np.random.default_rng(child)  # = SeedSequence(seed).spawn(i + 1)[i], without spawning the others


def split_quotas(column: str, wanted: dict[Any, int], sizes: list[int]) -> list[dict[str, dict[Any, int]]]:
    """Each block's quotas: the rows left for each value shared over the rows left, block by block, by largest
    remainders (Hamilton's method), so each block gets its rows and each value exactly its total."""
    left, remaining, out = sum(sizes), dict(wanted), []
    for size in sizes:
        share = {v: r * size // left for v, r in remaining.items()}  # floor(r * size / left)
        remainder = sorted(remaining, key=lambda v: -(remaining[v] * size % left))  # largest fractional part first
        for value in remainder[:size - sum(share.values())]:
            share[value] += 1  # ceil(x) <= r whenever x = r * size / left < r, so no value gets more than it has left
        out.append({column: {v: k for v, k in share.items() if k}})
        remaining = {v: r - share[v] for v, r in remaining.items()}
        left -= size
    return out


@dataclass
class Blocks:
    """A run's rows as blocks (see the module text): everything a block needs, so that one object, shipped once to
    each worker, draws any block on its own (``draw(i)``)."""

    model: Synthesizer
    sizes: list[int]
    seeds: np.random.SeedSequence
    rules: list[str]
    derived: list[str]
    conditions: dict[str, Any] | None
    quotas: list[dict[str, dict[Any, int]] | None]
    guarding: Guarding | None
    ids: tuple[pd.DataFrame, Schema] | None  # (training rows, schema) when identifier columns get fresh keys
    block_rows: int = BLOCK_ROWS

    @classmethod
    def plan(cls, model: Synthesizer, n: int, train: pd.DataFrame, schema: Schema, *,
             seeds: np.random.SeedSequence, rules: list[str] | None = None, derived: list[str] | None = None,
             conditions: dict[str, Any] | None = None, quotas: dict[str, dict[Any, int]] | None = None,
             guard: Guard | None = None, holdout: pd.DataFrame | None = None, block_rows: int | None = None
             ) -> Blocks:
        block_rows = block_rows or BLOCK_ROWS  # (read at the call, so a test may use small blocks throughout)
        sizes = block_sizes(n, block_rows)
        split: list[dict[str, dict[Any, int]] | None] = [quotas or None]
        if quotas:
            checked = _checked_quotas(quotas, n, conditions)
            if model.keeps_real_rows(model.params_):
                raise ParameterError(f"Rows per value need new rows only, but {model.title} with these settings keeps "
                                     "every real row as it is.", hint="Use its replace mode, or leave the rows per "
                                                                      "value to the method.")
            if len(sizes) > 1:
                split = split_quotas(*checked, sizes)
        if guard is not None and not isinstance(guard, Guard):
            raise ParameterError(f"The privacy guard must be a Guard (core.synth.guard), not {type(guard).__name__}.")
        lacking = [c for c in model.output_columns_ if holdout is not None and guard is not None
                   and c not in holdout.columns]
        if lacking:
            raise DataError(f"The holdout the guard compares with has no column {lacking[0]!r}.",
                            hint="Give held-out rows of the table the model learned from.")
        fresh = guard is not None and guard.ids == "fresh"
        guarding = Guarding(guard, train, schema, list(model.output_columns_), holdout) if guard is not None else None
        return cls(model=model, sizes=sizes, seeds=seeds, rules=list(rules or []), derived=list(derived or []),
                   conditions=conditions, quotas=split * len(sizes) if len(split) == 1 else split,
                   guarding=guarding, ids=(train, schema) if fresh else None, block_rows=block_rows)

    @property
    def whole_ids(self) -> bool:
        """Whether fresh identifier keys are drawn over the whole table (more than one block), not per block."""
        return self.ids is not None and len(self.sizes) > 1

    def draw(self, i: int, *, rng: np.random.Generator | None = None) -> Block:
        """Block ``i``, from its own generator (``rng`` stands in for block 0's: the in-memory run's own)."""
        generator = rng if rng is not None else block_rng(self.seeds, i)
        guarding = self.guarding.fresh() if self.guarding is not None else None
        start = time.perf_counter()
        table, report = draw(self.model, self.sizes[i], rng=generator, rules=self.rules, derived=self.derived,
                             conditions=self.conditions, quotas=self.quotas[i], guard=guarding)
        if self.ids is not None and not self.whole_ids:
            table = with_fresh_ids(table, *self.ids, generator)
        return Block(table, report, guarding.drawn if guarding else 0, dict(guarding.dropped) if guarding else {},
                     time.perf_counter() - start)

    def rule_report(self, blocks: list[Block]) -> list[RuleReport]:
        """What each rule rejected over all the blocks (one block's report as it is)."""
        if len(blocks) == 1:
            return blocks[0].rule_report
        totals: dict[str, list[int]] = {}
        for report in (r for b in blocks for r in b.rule_report):
            counts = totals.setdefault(report.rule, [0, 0])
            counts[0] += report.rejected
            counts[1] += report.drawn
        return [RuleReport(rule, rejected, rejected / drawn if drawn else 0.0, drawn)
                for rule, (rejected, drawn) in totals.items()]

    def guard_note(self, blocks: list[Block]) -> list[str]:
        """The guard's note over all the blocks ([] without a guard)."""
        if self.guarding is None:
            return []
        if self.guarding.guard.filters and self.model.keeps_real_rows(self.model.params_):
            return [f"The privacy guard did not run: {self.model.title} in this mode keeps every real row as it is "
                    "(so the table holds copies of them by design). Use its replace mode to have new rows only, "
                    "guarded."]
        total = self.guarding.fresh()
        for block in blocks:
            total.absorb(block.guard_drawn, block.guard_dropped)
        outside = []
        if getattr(self.model, "epsilon_", None) is not None and self.guarding.guard.filters:
            outside = [PRIVATE_GUARD]
        return [*total.note(), *outside]
