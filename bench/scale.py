"""Generating at scale: rows per second and peak memory of ``synthlab generate --out DIR``.

For a 20-column training table (10 correlated numbers, 5 counts, 5 labels; 2,000 rows, seeded), each
method (the Gaussian copula and sequential CART) writes N rows (1M and 10M by default) as Parquet
parts: on one process (``--engine local``) and on a local Dask cluster of 1 and 2 workers. The peer,
measured in the same run, is the obvious alternative: the same fitted model drawing all N rows in one
``sample`` call and writing them with ``DataFrame.to_parquet`` in one go. Each configuration runs as
its own process (the command line, as a user runs it); the peak memory is the largest resident set
of that process and all its children (the Dask scheduler and workers), polled every 50 ms with
psutil, so it includes the imported libraries (about 0.5 GB for torch, scikit-learn and friends per
process). Rows per second count drawing and writing only (``seconds`` in ``_run.json``; the peer
times its own ``sample`` + ``to_parquet``), not the imports or the fit. The slope of the local
engine's seconds in N (seconds per million rows between the two sizes) and the ratio of its per-row
cost at the largest and the smallest N show whether the cost is linear.

Goals (issue 18): 10M x 20 written with peak memory under 1.5 GB; 2 workers at least 1.7x one;
the sampling cost linear in N.

    python bench/scale.py [--rows 1000000 10000000] [--methods gaussian_copula cart]

Measured on an idle 2-core machine (no other work running; before MST imported JAX lazily, so each
process's libraries weighed about 0.12 GB more than now):

    method           rows        engine           seconds  peak MB  rows/s   speed vs pandas  memory vs pandas
    gaussian_copula   1,000,000  pandas, one go     10.95    1,537   91,308   1.00             1.00
    gaussian_copula   1,000,000  local               6.07      740  164,772   1.80             0.48
    gaussian_copula   1,000,000  dask, 1 worker     10.68    1,364   93,677   1.03             0.89
    gaussian_copula   1,000,000  dask, 2 workers     9.10    1,965  109,842   1.20             1.28
    gaussian_copula  10,000,000  pandas, one go    100.22   10,117   99,779   1.00             1.00
    gaussian_copula  10,000,000  local              45.47      735  219,945   2.20             0.07
    gaussian_copula  10,000,000  dask, 1 worker     67.60    1,366  147,940   1.48             0.14
    gaussian_copula  10,000,000  dask, 2 workers    35.78    2,080  279,470   2.80             0.21
    cart              1,000,000  pandas, one go      4.92    1,048  203,095   1.00             1.00
    cart              1,000,000  local               2.80      695  356,888   1.76             0.66
    cart              1,000,000  dask, 1 worker      7.41    1,329  135,007   0.66             1.27
    cart              1,000,000  dask, 2 workers     6.97    1,919  143,472   0.71             1.83
    cart             10,000,000  pandas, one go     56.01    5,197  178,549   1.00             1.00
    cart             10,000,000  local              30.53      695  327,525   1.83             0.13
    cart             10,000,000  dask, 1 worker     50.36    1,329  198,555   1.11             0.26
    cart             10,000,000  dask, 2 workers    26.88    2,037  372,010   2.08             0.39
    slope (local): copula 4.38 s, CART 3.08 s per million rows; per-row cost at 10M / at 1M 0.75 and 1.09
    (1 = linear); 2 workers / 1 at 10M: copula 1.89x, CART 1.87x.

Against the goals: 10M x 20 on one process peaks at 0.70-0.74 GB (pandas in one go: 5-10 GB); 2
workers reach 1.87-1.89x one at 10M (at 1M the cluster's fixed costs dominate: 1.05-1.17x); the cost
is linear in N. A Dask run's process tree (scheduler, nanny and workers) peaks at 1.3 GB with one
worker and 2.0-2.1 GB with two: nearly all of it the libraries each worker process imports (torch,
scikit-learn, pandas: about 0.45 GB a process), not the rows, which stay at one part per worker.
One worker is slower than the local engine because Dask pins each worker to one BLAS thread, while
the local engine's matrix products use both cores.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

ROOT = Path(__file__).resolve().parents[1]
PEER = """
import sys, time
from core.io import read_table
from core.schema import infer_schema
from core.synth import METHODS
data, method, rows, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
df = read_table(data)
model = METHODS[method]().fit(df, infer_schema(df), seed=0)
start = time.perf_counter()
model.sample(rows, rng=0).to_parquet(out, index=False)  # everything in memory, written in one go
print(time.perf_counter() - start)
"""


def training_table(n: int = 2_000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    z = rng.multivariate_normal(np.zeros(10), 0.5 * np.eye(10) + 0.5, size=n)  # equicorrelated, rho = 0.5
    df = pd.DataFrame({f"x{i}": z[:, i] * (i + 1) + 10 * i for i in range(10)})
    for i in range(5):
        df[f"k{i}"] = rng.poisson(3 + i, n)
    for i in range(5):
        df[f"c{i}"] = rng.choice(list("abcdef")[: 3 + i % 3], n)
    return df


def measured(command: list[str]) -> tuple[float, str]:
    """(peak resident memory of the process tree in MB, standard output) of ``command``."""
    proc = psutil.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    peak = 0
    while proc.poll() is None:
        try:
            tree = [proc, *proc.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.05)
    out = proc.stdout.read()
    if proc.returncode:
        raise SystemExit(f"{' '.join(command)} failed with exit code {proc.returncode}")
    return peak / 2**20, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--methods", nargs="+", default=["gaussian_copula", "cart"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp, "train.csv")
        training_table().to_csv(data, index=False)
        results = []
        for method in args.methods:
            for rows in args.rows:
                peer = Path(tmp, "peer.parquet")
                memory, out = measured([sys.executable, "-c", PEER, str(data), method, str(rows), str(peer)])
                peer.unlink()
                results.append((method, rows, "pandas, one go", float(out.split()[-1]), memory))
                for engine, workers in (("local", 0), ("dask", 1), ("dask", 2)):
                    target = Path(tmp, f"out-{method}-{rows}-{engine}-{workers}")
                    command = [sys.executable, "-m", "core", "generate", "--data", str(data), "--method", method,
                               "--rows", str(rows), "--seed", "0", "--out", str(target), "--engine", engine]
                    memory, _ = measured(command + (["--workers", str(workers)] if workers else []))
                    seconds = json.loads((target / "_run.json").read_text())["seconds"]
                    results.append((method, rows, f"{engine}" + (f", {workers} worker{'s' * (workers > 1)}"
                                                                 if workers else ""), seconds, memory))
                    for part in target.iterdir():
                        part.unlink()
                    print(f"  {method} {rows:,} {engine} {workers}: {seconds:.1f} s, {memory:,.0f} MB", flush=True)
    table = pd.DataFrame(results, columns=["method", "rows", "engine", "seconds", "peak MB"])
    table["rows/s"] = (table["rows"] / table["seconds"]).round(0)
    peer = table[table["engine"] == "pandas, one go"].set_index(["method", "rows"])
    table["speed vs pandas"] = [peer.loc[(m, n), "seconds"] / s for m, n, s in
                                zip(table["method"], table["rows"], table["seconds"], strict=True)]
    table["memory vs pandas"] = [mb / peer.loc[(m, n), "peak MB"] for m, n, mb in
                                 zip(table["method"], table["rows"], table["peak MB"], strict=True)]
    print(table.round(2).to_string(index=False))
    low, high = min(args.rows), max(args.rows)
    for method in args.methods:
        local = table[(table["method"] == method) & (table["engine"] == "local")].set_index("rows")["seconds"]
        dask = table[(table["method"] == method) & table["engine"].str.startswith("dask")]
        one, two = (dask[(dask["rows"] == high) & (dask["engine"] == e)]["seconds"].iloc[0]
                    for e in ("dask, 1 worker", "dask, 2 workers"))
        if high > low:
            slope = (local[high] - local[low]) / ((high - low) / 1e6)  # seconds per million rows
            print(f"{method}: slope {slope:.2f} s per million rows; per-row cost at {high:,} / at {low:,} = "
                  f"{(local[high] / high) / (local[low] / low):.2f} (1 = linear); 2 workers / 1 worker at "
                  f"{high:,} rows: {one / two:.2f}x")


if __name__ == "__main__":
    main()
