"""Benchmark: SynthLab's gaussian_copula against SDV's GaussianCopulaSynthesizer, same tables, one run.

Run:  .venv/bin/pip install -r requirements-bench.txt
      .venv/bin/python bench/vs_sdv.py

For each bundled table (identifiers and free text left out): a seeded 80% is the real training
set; both synthesizers fit on it and sample as many rows. Printed side by side: fit + sample
seconds and their ratio, the sdmetrics QualityReport score (synthetic vs the training rows), and a
detection AUC: a gradient-boosting classifier (scikit-learn's HistGradientBoosting, 5-fold)
telling real training rows from synthetic ones, where 0.5 means indistinguishable.
Goal: at least 20x faster, quality at least SDV's, detection AUC clearly below SDV's.
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.io import read_table  # noqa: E402
from core.samples import SAMPLES  # noqa: E402
from core.schema import infer_schema  # noqa: E402
from core.synth import METHODS  # noqa: E402

TABLES = ["penguins", "birthwt", "salaries", "pima_tr", "titanic", "msleep", "airquality"]


def detection_auc(real: pd.DataFrame, synthetic: pd.DataFrame, seed: int = 0) -> float:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    both = pd.concat([real, synthetic], ignore_index=True)
    for column in both.columns:
        if not pd.api.types.is_numeric_dtype(both[column]):
            both[column] = both[column].astype("category")
    label = np.r_[np.zeros(len(real)), np.ones(len(synthetic))]
    model = HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=seed)
    folds = StratifiedKFold(5, shuffle=True, random_state=seed)
    return float(cross_val_score(model, both, label, cv=folds, scoring="roc_auc").mean())


def quality(real: pd.DataFrame, synthetic: pd.DataFrame, metadata: dict) -> float:
    from sdmetrics.reports.single_table import QualityReport

    report = QualityReport()
    report.generate(real, synthetic, metadata, verbose=False)
    return float(report.get_score())


def main() -> None:
    from sdv.metadata import Metadata
    from sdv.single_table import GaussianCopulaSynthesizer

    warnings.filterwarnings("ignore")
    print(f"{'table':<11}{'rows':>6} | {'SynthLab s':>10} {'SDV s':>8} {'ratio':>7} | {'quality':>8} {'SDV':>6} | "
          f"{'detection AUC':>13} {'SDV':>6}")
    for key in TABLES:
        df = read_table(SAMPLES[key].path)
        schema = infer_schema(df)
        df = df[schema.synth_columns]
        train = df.sample(frac=0.8, random_state=0).reset_index(drop=True)
        start = time.perf_counter()
        ours = METHODS["gaussian_copula"]().fit(train, schema).sample(len(train), rng=0)
        ours_s = time.perf_counter() - start
        metadata = Metadata.detect_from_dataframes({key: train}, infer_keys=None)
        start = time.perf_counter()
        peer = GaussianCopulaSynthesizer(metadata)
        peer.fit({key: train})  # SDV 2 takes and returns {table name: frame}
        theirs = peer.sample(len(train))
        theirs = theirs[key] if isinstance(theirs, dict) else theirs
        sdv_s = time.perf_counter() - start
        meta = metadata.to_dict()["tables"][key]
        print(f"{key:<11}{len(train):>6} | {ours_s:>10.3f} {sdv_s:>8.3f} {sdv_s / ours_s:>6.1f}x | "
              f"{quality(train, ours, meta):>8.3f} {quality(train, theirs, meta):>6.3f} | "
              f"{detection_auc(train, ours):>13.3f} {detection_auc(train, theirs):>6.3f}")


if __name__ == "__main__":
    main()
