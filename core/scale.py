"""Generating at any scale: a run written as a directory of Parquet parts, on one process or a Dask cluster.

**Same rows whatever the pieces.** A run of N rows is cut into fixed blocks of
:data:`core.synth.run.BLOCK_ROWS` (65,536) rows, each drawn from its own stream spawned from the run's
seed with ``numpy.random.SeedSequence`` (block 0 from the run's own stream), as
:mod:`core.synth.run` does for every run, in memory too. The block, not the chunk, is the unit of
randomness: a part file (``part-00000.parquet``, ...) holds a run of whole blocks, ``--chunk-rows``
rounded up to a multiple of the block (and said so), each block one Parquet row group. So any chunk
size and any number of workers give the same rows in the same order, and the rows the app or
``generate --out FILE`` draw in memory for the same seed and N.

**Bounded memory.** Only one block of rows is held at a time per worker: it is drawn, converted to
Arrow and appended to its part with ``pyarrow.parquet.ParquetWriter``, then dropped. Every part has
the same Arrow schema, taken from a probe block drawn on its own stream before the run (a column
whose values are missing in one block and whole numbers in another stays one type).

**Engines.** ``local`` draws the parts one after another in this process. ``dask`` runs them on a
Dask cluster (Rocklin 2015, *Dask: Parallel Computation with Blocked algorithms and Task
Scheduling*): a ``distributed.LocalCluster`` of ``workers`` processes with one thread each and a
memory limit each, or an existing cluster at a scheduler's address. The fitted model, the rules and
the fitted privacy guard travel once to every worker (``Client.scatter``, our own objects inside our
own cluster; nothing a user supplies is ever unpickled); one task per part draws its blocks and writes
its file on the worker, so the directory must be one the workers can write (always so for a local
cluster), and returns its counts. The client gathers them as they complete (``as_completed``) for
the progress bar and the run report: rows, what each rule rejected, what the guard dropped, seconds,
written beside the parts as ``_run.json`` (with ``_recipe.json`` when the run has a recipe).

**Data bigger than memory.** A Parquet dataset (a directory), a Parquet file of more rows than the
fitting budget, or a text table larger than the app accepts is read lazily with
``pyarrow.dataset``, batch by batch, and a uniform sample of at most ``max_rows`` rows is kept
without replacement by bottom-k sampling: every row gets a seeded uniform key and the k smallest keys
win (Efraimidis & Spirakis 2006, *Weighted random sampling with a reservoir*, with equal weights), in
one pass and O(k) memory. The statistical methods fit on that sample, and the command line says so
("fitted on a seeded sample of 200,000 of 12,345,678 rows"); the same dataset and budget give the
same sample (seed 0), so a recipe replays on it. Scoring a synthetic directory uses such a sample too.
"""

from __future__ import annotations

import importlib
import json
import logging
import math
import os
import shlex
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from core.errors import DataError, ParameterError
from core.io import read_table_report
from core.limits import limits
from core.synth import run
from core.synth.rules import RuleReport
from core.synth.run import BLOCK_ROWS, Block, Blocks

MAX_ROWS = 10_000_000_000  # rows of one run: ten billion (a Parquet dataset of about a terabyte at 20 columns)
CHUNK_ROWS = 16 * BLOCK_ROWS  # rows of one part file by default (1,048,576)
MAX_WORKERS = 64
WORKER_MEMORY = "2GiB"  # each local worker's memory limit (a block of 20 columns takes about 10 MB)
CONNECT_SECONDS = 5  # how long to wait for a scheduler before saying it cannot be reached
FIT_ROWS = 200_000  # rows of a big table the methods fit on (a seeded sample)
EVALUATE_ROWS = 50_000  # synthetic rows of a directory that are scored (a seeded sample)
SAMPLE_SEED = 0  # the seed of those samples, fixed so a recipe replays on the same rows
RUN_FILE, RECIPE_FILE = "_run.json", "_recipe.json"
_OURS = ("part-*.parquet", RUN_FILE, RECIPE_FILE)


def part_name(index: int) -> str:
    return f"part-{index:05d}.parquet"


# ---------------------------------------------------------------- arguments


def check_rows(n: Any) -> int:
    """``n`` as the row count of a run written in parts, or a ParameterError saying why not."""
    return run.check_rows(n, cap=MAX_ROWS, hint="Make several runs with different seeds.")


def blocks_per_part(chunk_rows: Any, block_rows: int | None = None) -> tuple[int, str | None]:
    """(whole blocks in one part, a note when ``chunk_rows`` had to be rounded up to them)."""
    if not isinstance(chunk_rows, (int, np.integer)) or isinstance(chunk_rows, bool) or not 1 <= chunk_rows <= MAX_ROWS:
        raise ParameterError(f"The rows of one part must be a whole number from 1 to {MAX_ROWS:,}, not {chunk_rows}.")
    block_rows = block_rows or BLOCK_ROWS
    count = math.ceil(chunk_rows / block_rows)  # parts hold whole blocks, so any chunk size gives the same rows
    rounded = count * block_rows
    note = (f"Each part holds whole blocks of {block_rows:,} rows: {chunk_rows:,} rows per part became {rounded:,}."
            if rounded != chunk_rows else None)
    return count, note


def check_workers(workers: Any) -> int:
    if not isinstance(workers, (int, np.integer)) or isinstance(workers, bool) or not 1 <= workers <= MAX_WORKERS:
        raise ParameterError(f"The number of workers must be from 1 to {MAX_WORKERS}, not {workers}.")
    return int(workers)


def check_dir(out: Path, *, overwrite: bool = False) -> set[Path]:
    """Whether ``out`` can take the parts, changing nothing (so a run that fails later leaves it as it was): new or
    empty; one that holds an earlier run's parts only with ``overwrite``; one with anything else is refused.
    Returns the earlier run's files, which :func:`prepare_dir` removes."""
    if out.exists() and not out.is_dir():
        raise ParameterError(f"'{out}' is a file: an --out without a suffix names a directory of Parquet parts.")
    if not out.is_dir():
        above = next(p for p in out.absolute().parents if p.exists())  # where the new directory would be made
        if not above.is_dir() or not os.access(above, os.W_OK | os.X_OK):
            raise DataError(f"Cannot write into the directory '{out}': "
                            + (f"'{above}' is a file." if not above.is_dir() else "permission denied."))
        return set()
    ours = {p for pattern in _OURS for p in out.glob(pattern)}
    other = sorted(p.name for p in out.iterdir() if p not in ours)
    if other:
        raise ParameterError(f"'{out}' holds other files (such as '{other[0]}'): give an empty or a new directory.")
    if ours and not overwrite:
        raise ParameterError(f"'{out}' already holds generated parts.",
                             hint="Add --overwrite to replace them, or give a new directory.")
    return ours


def prepare_dir(out: Path, *, overwrite: bool = False) -> None:
    """Make ``out`` ready for the parts (see :func:`check_dir`): an earlier run's files, and only those, removed.
    Call it once the rows are ready to be drawn, not before the data is read and the model fitted."""
    for path in check_dir(out, overwrite=overwrite):
        path.unlink()
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".synthlab-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise DataError(f"Cannot write into the directory '{out}': {exc.strerror or exc}.") from None


def command(ws: Any, recipe_file: str, rows: int, out: str) -> str:
    """The command line that makes ``rows`` rows of the recipe in ``recipe_file`` from the table ``ws`` was loaded
    from (a bundled sample's file, else the uploaded file's name), as Parquet parts in ``out``."""
    from core.samples import SAMPLES

    key = ws.source.removeprefix("sample:") if ws.source.startswith("sample:") else None
    data = f"assets/samples/{SAMPLES[key].path.name}" if key in SAMPLES else ws.name
    return " ".join(["synthlab", "generate", "--data", shlex.quote(data), "--recipe", shlex.quote(recipe_file),
                     "--rows", str(rows), "--out", shlex.quote(out)])


# ---------------------------------------------------------------- writing the parts


@dataclass
class Written:
    """What a run wrote: the parts, the rows, the seconds, and what the rules and the guard did."""

    rows: int
    parts: list[str]
    blocks: int
    block_rows: int
    engine: str
    workers: int
    seconds: float  # wall time of drawing and writing (without starting the cluster)
    sample_seconds: float  # the blocks' own drawing time, added over all workers
    rule_report: list[RuleReport] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    cluster_seconds: float = 0.0  # starting or reaching the cluster, its workers importing SynthLab, the plan shipped

    def to_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "parts": self.parts, "blocks": self.blocks, "block_rows": self.block_rows,
                "engine": self.engine, "workers": self.workers, "seconds": round(self.seconds, 3),
                "cluster_seconds": round(self.cluster_seconds, 3),
                "sample_seconds": round(self.sample_seconds, 3),
                "rules": [{"rule": r.rule, "rejected": r.rejected, "drawn": r.drawn, "share": r.share}
                          for r in self.rule_report], "notes": self.notes}


def arrow_schema(plan: Blocks) -> pa.Schema:
    """The Arrow schema every part is written with: a probe block's, drawn from a stream no block uses."""
    probe = np.random.default_rng(np.random.SeedSequence(plan.seeds.entropy, spawn_key=(*plan.seeds.spawn_key, 0, 0),
                                                         pool_size=plan.seeds.pool_size))
    return pa.Schema.from_pandas(plan.draw(0, rng=probe).table, preserve_index=False)


def write_part(index: int, blocks: range, *, plan: Blocks, out: str, schema: pa.Schema,
               written: Callable[[int], None] | None = None) -> list[Block]:
    """Draw ``blocks`` one at a time and append each as a row group to part ``index``, calling ``written(rows)``
    after each; their counts (no rows)."""
    counts = []
    with pq.ParquetWriter(Path(out) / part_name(index), schema) as writer:
        for i in blocks:
            block = plan.draw(i)
            try:
                table = pa.Table.from_pandas(block.table, schema=schema, preserve_index=False)
            except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, KeyError) as exc:
                raise DataError(f"Block {i}'s rows do not fit the column types of the first rows: {exc}") from None
            writer.write_table(table, row_group_size=len(table))
            counts.append(replace(block, table=pd.DataFrame()))
            if written:
                written(len(table))
    return counts


def write_dataset(plan: Blocks, out: str | Path, *, chunk_rows: int = CHUNK_ROWS, engine: str = "local",
                  workers: int = 2, scheduler: str | None = None, processes: bool = True,
                  progress: Callable[[int, int], None] | None = None, extra: dict[str, Any] | None = None
                  ) -> Written:
    """Write the run ``plan`` as Parquet parts in the directory ``out`` (ready: see :func:`prepare_dir`), with
    ``engine`` "local" or "dask" (``workers`` local processes, or the cluster at ``scheduler``); ``progress(rows
    done, rows)`` after each block (local) or part (dask); ``_run.json`` holds the report and ``extra``."""
    if engine not in ("local", "dask"):
        raise ParameterError(f"The engine is 'local' or 'dask', not {engine!r}.")
    if plan.whole_ids:
        raise ParameterError(f"Fresh identifier keys are unique over a table held at once, and this run writes "
                             f"{len(plan.sizes):,} blocks.", hint="Drop the identifier columns for a run this large.")
    per_part, rounding = blocks_per_part(chunk_rows, plan.block_rows)
    parts = [range(start, min(start + per_part, len(plan.sizes))) for start in range(0, len(plan.sizes), per_part)]
    rows = [sum(plan.sizes[i] for i in part) for part in parts]
    total, counts, cluster = sum(plan.sizes), [None] * len(parts), 0.0
    start = time.perf_counter()
    schema = arrow_schema(plan)
    if engine == "local":
        workers, done_rows = 1, [0]

        def block_written(k: int) -> None:
            done_rows[0] += k
            if progress:
                progress(done_rows[0], total)

        for index, part in enumerate(parts):
            counts[index] = write_part(index, part, plan=plan, out=str(out), schema=schema, written=block_written)
    else:
        from distributed import as_completed

        done, ready = 0, time.perf_counter()
        with dask_client(check_workers(workers), scheduler, processes=processes) as client:
            workers = len(client.scheduler_info().get("workers", {})) or workers
            client.run(importlib.import_module, "core.synth")  # every worker imports the methods before the clock
            shipped = client.scatter(plan, broadcast=True)
            cluster = time.perf_counter() - ready
            futures = client.map(write_part, range(len(parts)), parts, plan=shipped, out=str(out), schema=schema,
                                 pure=False)
            index_of = {future.key: i for i, future in enumerate(futures)}
            for future in as_completed(futures):
                index = index_of[future.key]
                counts[index] = future.result()
                done += rows[index]
                if progress:
                    progress(done, total)
    blocks = [b for part in counts for b in part]
    written = Written(rows=total, parts=[part_name(i) for i in range(len(parts))], blocks=len(blocks),
                      block_rows=plan.block_rows, engine=engine, workers=workers,
                      seconds=time.perf_counter() - start - cluster, cluster_seconds=cluster,
                      sample_seconds=sum(b.seconds for b in blocks), rule_report=plan.rule_report(blocks),
                      notes=[*([rounding] if rounding else []), *plan.guard_note(blocks)])
    Path(out, RUN_FILE).write_text(json.dumps({**(extra or {}), **written.to_dict()}, indent=2, default=str,
                                              allow_nan=False) + "\n", encoding="utf-8")
    return written


@contextmanager
def dask_client(workers: int, scheduler: str | None, *, processes: bool = True) -> Iterator[Any]:
    """A Dask client: on the cluster at ``scheduler``, else on a new local cluster of ``workers`` worker processes
    with one thread and a memory limit each (``processes=False``: threads in this process, for tests); the local
    cluster is closed on the way out, Ctrl-C included."""
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout=CONNECT_SECONDS)
        except (OSError, TimeoutError, ValueError) as exc:
            raise DataError(f"Cannot reach the Dask scheduler at '{scheduler}' within {CONNECT_SECONDS} s"
                            f"{'' if isinstance(exc, (OSError, TimeoutError)) else ': the address is not valid'}.",
                            hint="Check the address (such as tcp://host:8786) and that the scheduler runs.") from None
        with client:
            yield client
        return
    # Threads in this process share its memory: a per-worker limit would compare the whole process against it and
    # pause the workers for good once the process has grown past it, so it only applies to worker processes.
    limit = WORKER_MEMORY if processes else 0
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=processes, memory_limit=limit,
                      dashboard_address=":0", silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        yield client


def check_scheduler(scheduler: str) -> None:
    """Refuse an unreachable scheduler before anything is fitted (one sentence within ``CONNECT_SECONDS``)."""
    with dask_client(1, scheduler):
        pass


def read_dataset(path: str | Path) -> pd.DataFrame:
    """A written directory of parts as one table, in part order (for tests and small runs)."""
    return ds.dataset(str(path), format="parquet").to_table().to_pandas()


# ---------------------------------------------------------------- reading big tables


@dataclass
class Sampled:
    table: pd.DataFrame
    rows: int  # rows of the whole dataset
    note: str | None  # what was sampled, or None when the whole table was read
    notices: list[str] = field(default_factory=list)  # the reader's (names repaired, rows dropped...)


def is_big(path: str | Path, max_rows: int) -> bool:
    """Whether ``path`` is read lazily: a directory, a Parquet file of more than ``max_rows`` rows, or a text table
    bigger than the app accepts."""
    path = Path(path)
    if path.is_dir():
        return True
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        try:
            return pq.ParquetFile(path).metadata.num_rows > max_rows
        except (pa.ArrowException, OSError):  # not Parquet at all: the app's reader says so in its words
            return False
    return suffix in (".csv", ".tsv", ".txt") and path.stat().st_size > limits().max_upload_bytes


def read_sample(path: str | Path, *, max_rows: int = FIT_ROWS, what: str = "rows", sampled: bool = False
                ) -> Sampled:
    """The table at ``path``: whole when it is small (the app's reader), else a seeded uniform sample of at most
    ``max_rows`` rows read lazily (see the module text), with a note that says so. ``sampled``: a table read whole
    is cut to the same sample too (a row count the user asked to fit on)."""
    if not isinstance(max_rows, (int, np.integer)) or isinstance(max_rows, bool) or max_rows < 2:
        raise ParameterError(f"The rows to fit on must be a whole number of 2 or more, not {max_rows}.")
    if not Path(path).exists():
        raise DataError(f"There is no file or directory '{path}'.")
    if not is_big(path, max_rows):
        read = read_table_report(str(path))
        table, total = read.frame, len(read.frame)
        if sampled and total > max_rows:  # (read whole: the rows a lazy read keeps, the same keys drawn)
            keys = np.random.default_rng(SAMPLE_SEED).random(total)
            table = table.iloc[np.sort(_smallest(keys, max_rows))].reset_index(drop=True)
        return Sampled(table, total, _sampled(what, len(table), total), read.notices)
    dataset = _dataset(Path(path))
    rng = np.random.default_rng(SAMPLE_SEED)
    kept, keys, total = pd.DataFrame(), np.empty(0), 0
    for batch in _batches(dataset, path):
        frame = batch.to_pandas()
        frame.index = pd.RangeIndex(total, total + len(frame))
        total += len(frame)
        pool = pd.concat([kept, frame]) if len(kept) else frame
        pool_keys = np.concatenate([keys, rng.random(len(frame))])  # u ~ U(0, 1), one per row in file order
        if len(pool) > max_rows:
            best = _smallest(pool_keys, max_rows)
            pool, pool_keys = pool.iloc[best], pool_keys[best]
        kept, keys = pool, pool_keys
    if total == 0:
        raise DataError(f"'{path}' holds no rows.")
    table = kept.sort_index().reset_index(drop=True)
    return Sampled(table, total, _sampled(what, len(table), total))


def _smallest(keys: np.ndarray, k: int) -> np.ndarray:
    """Positions of the k smallest keys (u ~ U(0, 1), one per row in file order): a uniform sample of k rows."""
    return np.argpartition(keys, k - 1)[:k]


def _sampled(what: str, kept: int, total: int) -> str | None:
    return f"{what.capitalize()}: a seeded sample of {kept:,} of {total:,} rows" if kept < total else None


def _dataset(path: Path) -> ds.Dataset:
    try:
        if path.is_dir():
            others = sorted(p.name for p in path.iterdir() if p.is_file() and not p.name.startswith((".", "_"))
                            and p.suffix.lower() != ".parquet")
            if others:
                raise DataError(f"'{path}' is a directory that holds other files than Parquet parts (such as "
                                f"'{others[0]}').", hint="Give a directory of .parquet parts of one table (as "
                                                         "generate --out DIR writes), or the path of one file.")
        if path.is_dir() or path.suffix.lower() == ".parquet":
            dataset = ds.dataset(str(path), format="parquet")
            _same_columns(dataset, path)
            return dataset
        delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
        return ds.dataset(str(path), format=ds.CsvFileFormat(parse_options=pacsv.ParseOptions(delimiter=delimiter)))
    except (pa.ArrowInvalid, OSError) as exc:
        raise DataError(f"'{path}' cannot be read as a table: {str(exc).splitlines()[0]}") from None


def _same_columns(dataset: ds.Dataset, path: Path) -> None:
    """Refuse parts whose columns differ from the first part's (the dataset reads every part with the first one's
    columns, so another part's own columns would be lost without a word)."""
    if len(dataset.files) < 2:
        return
    first = pq.read_schema(dataset.files[0]).names
    for file in dataset.files[1:]:
        names = pq.read_schema(file).names
        if sorted(names) != sorted(first):
            extra = [c for c in names if c not in first] or [c for c in first if c not in names]
            raise DataError(f"'{Path(file).name}' in '{path}' has other columns than '{Path(dataset.files[0]).name}' "
                            f"(such as '{extra[0]}'): the parts of one table must have the same columns.")


def _batches(dataset: ds.Dataset, path: str | Path) -> Iterator[pa.RecordBatch]:
    try:
        yield from dataset.to_batches()
    except (pa.ArrowInvalid, OSError) as exc:
        raise DataError(f"'{path}' cannot be read as a table: {str(exc).splitlines()[0]}") from None
