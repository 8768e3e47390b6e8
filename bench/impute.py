"""Benchmark: the multivariate imputers on a 100,000 x 20 table with 10% of cells missing.

Run:  .venv/bin/python bench/impute.py [--rows N]

Each measurement runs in a fresh process (its own peak memory). SynthLab's ``knn`` and
``iterative`` are measured against the scikit-learn imputer they wrap, called directly on the same
numeric matrix (the peer: the ratio is SynthLab's overhead for encoding, decoding and checks);
``pmm`` is measured against scikit-learn's IterativeImputer with Bayesian ridge, its closest
library relative. The table: 16 correlated numeric columns and 4 label columns, MCAR holes.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def make_table(rows: int, seed: int = 0) -> pd.DataFrame:
    from core.missing import ampute

    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(rows, 3))
    numeric = latent @ rng.normal(size=(3, 16)) + 0.5 * rng.normal(size=(rows, 16))
    df = pd.DataFrame(numeric.round(3), columns=[f"x{i}" for i in range(16)])
    for i in range(4):
        df[f"label{i}"] = np.where(latent[:, i % 3] + 0.5 * rng.normal(size=rows) > 0, f"a{i}", f"b{i}")
    return ampute(df, mechanism="MCAR", columns=list(df.columns), rate=0.10, rng=seed)


def run(what: str, rows: int) -> dict:
    from core.schema import infer_schema

    df = make_table(rows)
    schema = infer_schema(df)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    if what.startswith("sklearn:"):
        from sklearn.experimental import enable_iterative_imputer  # noqa: F401
        from sklearn.impute import IterativeImputer, KNNImputer

        matrix = df.select_dtypes("number").to_numpy()
        imputer = KNNImputer() if what == "sklearn:knn" else IterativeImputer(max_iter=10, random_state=0)
        out = imputer.fit_transform(matrix)
        left = int(np.isnan(out).sum())
    else:
        from core.impute import IMPUTERS

        out = IMPUTERS[what]().fit(df, schema).transform(df, rng=0)
        left = int(out.isna().sum().sum())
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "base_mb": base, "left": left}


def measure(what: str, rows: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--one", what, "--rows", str(rows)], capture_output=True,
                         text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--one")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run(args.one, args.rows)))
        return
    print(f"table: {args.rows:,} rows x 20 columns (16 numeric, 4 labels), 10% of cells missing (MCAR)")
    pairs = [("knn", "sklearn:knn"), ("iterative", "sklearn:iterative"), ("pmm", "sklearn:iterative")]
    cache: dict[str, dict] = {}
    for ours, peer in pairs:
        mine = measure(ours, args.rows)
        theirs = cache.setdefault(peer, measure(peer, args.rows))
        print(f"{ours:10s}: {mine['seconds']:7.1f} s, peak {mine['peak_mb']:6,.0f} MB, {mine['left']} cells left | "
              f"{peer} (numeric columns only): {theirs['seconds']:7.1f} s, peak {theirs['peak_mb']:6,.0f} MB | "
              f"ratio {mine['seconds'] / theirs['seconds']:.2f}x time")


if __name__ == "__main__":
    main()
