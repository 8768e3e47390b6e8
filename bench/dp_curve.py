"""Benchmark: the fidelity cost of differential privacy, as a curve over the budget ε.

Run:  .venv/bin/python bench/dp_curve.py                                   # MST and DP-VAE, three tables
      .venv/bin/python bench/dp_curve.py --methods dp_mst --tables penguins --epsilons 0.1 1 10

Each bundled table (identifiers and free text left out) is split 80/20 with a seed, as the Compare page does;
every DP method fits the 80% at each ε (δ 'auto') and draws as many rows, and the non-private Gaussian copula is
the reference. Printed per table, method and ε: sdmetrics quality (higher is better), detection AUC (a
gradient-boosting classifier telling training rows from synthetic ones; 0.5 is indistinguishable), the ε the
accountant reports as spent, and seconds. Expected shape: quality rises and detection falls towards the copula
as ε grows.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.frontier import workspace  # noqa: E402
from core.evaluate import evaluate  # noqa: E402
from core.synth.run import generate  # noqa: E402

EPSILONS = [0.1, 0.3, 1.0, 3.0, 10.0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", nargs="+", default=["penguins", "birthwt", "titanic"])
    parser.add_argument("--methods", nargs="+", default=["dp_mst", "dp_vae"])
    parser.add_argument("--epsilons", nargs="+", type=float, default=EPSILONS)
    parser.add_argument("--epochs", type=int, default=30, help="for dp_vae")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    print(f"{'table':<10}{'method':<17}{'epsilon':>8} | {'quality':>7} {'detect AUC':>10} | "
          f"{'spent':>7} {'seconds':>7}")
    for key in args.tables:
        ws = workspace(key, 0)
        columns = ws.schema.synth_columns
        runs = [("gaussian_copula", None, {})] + [
            (m, e, {"epsilon": e, **({"epochs": args.epochs} if m == "dp_vae" else {})})
            for m in args.methods for e in args.epsilons]
        for method, epsilon, params in runs:
            start = time.perf_counter()
            try:
                made = generate(ws.train, ws.schema, method, params, len(ws.train), rng=0)
            except Exception as exc:  # noqa: BLE001 - a budget too small for a table is a line, not a stop
                print(f"{key:<10}{method:<17}{epsilon or '-':>8} | {str(exc)[:80]}")
                continue
            seconds = time.perf_counter() - start
            scores = evaluate(ws.train, made.table[columns], ws.schema, holdout=ws.holdout, rng=0)
            spent = getattr(made.model, "epsilon_", None)
            print(f"{key:<10}{method:<17}{epsilon if epsilon else 'none':>8} | {scores.quality:>7.3f} "
                  f"{scores.detection_auc:>10.3f} | {spent if spent is None else round(spent, 3)!s:>7} "
                  f"{seconds:>7.1f}", flush=True)


if __name__ == "__main__":
    main()
