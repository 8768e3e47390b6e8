"""Benchmark: every score of core.evaluate.evaluate for a 50,000-row real/synthetic pair.

Run:  .venv/bin/python bench/evaluate.py [--rows N]

The pair: 50,000 real training rows and 50,000 synthetic rows (the Gaussian copula's) of a
generated 12-column table with a class target, plus 12,500 held-out real rows. Prints the seconds
each score takes and the total. Goal on this machine: under 30 s. The peer for the quality score is
sdmetrics' QualityReport itself, timed alone on the same pair.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.evaluate import scores as scoring  # noqa: E402
from core.schema import infer_schema  # noqa: E402
from core.synth import METHODS  # noqa: E402


def table(rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(rows, 3))
    numbers = latent @ rng.normal(size=(3, 8)) + 0.5 * rng.normal(size=(rows, 8))
    df = pd.DataFrame(numbers.round(3), columns=[f"x{i}" for i in range(8)])
    df["count"] = rng.poisson(np.exp(1 + 0.3 * latent[:, 0]))
    df["region"] = rng.choice(["north", "south", "east", "west"], rows)
    df["tier"] = np.where(latent[:, 1] > 0.5, "gold", np.where(latent[:, 1] > -0.5, "silver", "bronze"))
    df["label"] = np.where(latent[:, 0] + 0.5 * rng.normal(size=rows) > 0, "yes", "no")
    return df


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    real, holdout = table(args.rows, 0), table(args.rows // 4, 1)
    schema = infer_schema(real, target="label")
    synthetic = METHODS["gaussian_copula"]().fit(real, schema).sample(args.rows, rng=0)
    rng = np.random.default_rng(0)
    steps = {
        "quality (sdmetrics QualityReport)": lambda: scoring._quality(real, synthetic, schema),
        "quality interval (bootstrap, numpy replica)": lambda: scoring._quality_interval(real, synthetic, schema, rng,
                                                                                      0.9),
        "diagnostics (sdmetrics DiagnosticReport)": lambda: scoring._diagnostic(real, synthetic, schema),
        "detection AUC (5-fold gradient boosting)": lambda: scoring._detection(real, synthetic, rng),
        "utility (TSTR, gradient boosting)": lambda: scoring._tstr(real, synthetic, holdout, schema, rng),
        "exact copies": lambda: scoring.CopyIndex(real).copies(synthetic).mean(),
        "quality reference (holdout against training)": lambda: scoring._reference_quality(real, holdout, schema, rng),
        "distance to closest record": lambda: scoring._dcr_share_closer(real, synthetic, holdout, schema, rng),
        "detection reference (holdout against training)": lambda: scoring._detection(
            real, holdout, rng, explain=False, rows=scoring.REFERENCE_ROWS),
        "pMSE (logistic propensity)": lambda: scoring._pmse(real, synthetic, schema, rng),
        "utility over three training sets": lambda: scoring._utility(real, synthetic, holdout, schema, rng,
                                                                     "gradient_boosting"),
        "privacy attacks (singling out, linkability, inference)": lambda: scoring.risks(real, synthetic, holdout,
                                                                                         schema, rng=rng),
    }
    print(f"pair: {len(real):,} real + {len(synthetic):,} synthetic rows, {real.shape[1]} columns; "
          f"{len(holdout):,} held-out rows")
    total = 0.0
    for name, step in steps.items():
        start = time.perf_counter()
        step()
        seconds = time.perf_counter() - start
        total += seconds
        print(f"  {name:<42} {seconds:6.1f} s")
    start = time.perf_counter()
    scoring.evaluate(real, synthetic, schema, holdout=holdout)
    whole = time.perf_counter() - start
    print(f"evaluate() end to end: {whole:.1f} s (steps alone: {total:.1f} s); goal under 30 s: "
          f"{'met' if whole < 30 else 'NOT met'}")


if __name__ == "__main__":
    main()
