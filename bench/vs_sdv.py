"""Benchmark: SynthLab's synthesizers against SDV's on the same tables, in one run.

Run:  .venv/bin/pip install -r requirements-bench.txt
      .venv/bin/python bench/vs_sdv.py                         # every pair, 300 epochs
      .venv/bin/python bench/vs_sdv.py --methods gan vae --tables fair randhie --epochs 30 --seeds 1
      .venv/bin/python bench/vs_sdv.py --methods gan --tables --files Computers.csv   # tables kept aside

Pairs: gaussian_copula vs GaussianCopulaSynthesizer, gan vs CTGANSynthesizer, vae vs
TVAESynthesizer (the neural pairs with the same epochs, batch size 500 and their default
networks, each trained with ``--seeds`` seeds: one training's scores vary a lot on tables this
small), and the diffusion model against TVAESynthesizer too (SDV has no diffusion model; TVAE is its
least detectable network); the diffusion model at its own default epochs and network. The private
methods (``dp_mst``, ``dp_vae``: ε = 1 at their defaults) against SDV's non-private GaussianCopula and
TVAE (SDV has no private synthesizer): what privacy costs against the nearest peer; their ε column is
the budget they spent.
For each bundled table (identifiers and free text left out): a seeded 80% is the real
training set; both fit on it and sample as many rows. Printed side by side: fit (training)
seconds and the ratio SDV / ours, the sdmetrics QualityReport score (synthetic vs the training
rows), and a detection AUC: a gradient-boosting classifier (scikit-learn's HistGradientBoosting,
5-fold) telling real training rows from synthetic ones, where 0.5 means indistinguishable.
Goals: the copula at least 20x faster; the GAN and the VAE in at most half SDV's time; quality at
least SDV's and detection AUC no higher.
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

from core.io import read_table  # noqa: E402
from core.samples import SAMPLES  # noqa: E402
from core.schema import infer_schema  # noqa: E402
from core.synth import METHODS  # noqa: E402

PAIRS = ["gaussian_copula", "gan", "vae", "diffusion", "dp_mst", "dp_vae"]  # the keys of peers()
TABLES = ["penguins", "birthwt", "salaries", "pima_tr", "titanic", "msleep", "airquality"]
LARGER = ["fair", "randhie"]  # statsmodels' bundled data: affairs survey (6,366 rows), RAND HIE (20,190 rows)


def load(key: str | Path) -> pd.DataFrame:
    if isinstance(key, Path):
        return read_table(key)
    if key in LARGER:
        import statsmodels.api as sm

        return getattr(sm.datasets, key).load_pandas().data
    return read_table(SAMPLES[key].path)


def detection_auc(real: pd.DataFrame, synthetic: pd.DataFrame, seed: int = 0) -> float:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    both = pd.concat([real, synthetic], ignore_index=True)
    for column in both.columns:
        if not pd.api.types.is_numeric_dtype(both[column]):
            labels = both[column].astype("category")  # (the booster takes at most 255 categories: codes beyond)
            both[column] = labels if len(labels.cat.categories) <= 255 else labels.cat.codes.astype(float)
    label = np.r_[np.zeros(len(real)), np.ones(len(synthetic))]
    model = HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=seed)
    folds = StratifiedKFold(5, shuffle=True, random_state=seed)
    return float(cross_val_score(model, both, label, cv=folds, scoring="roc_auc").mean())


def quality(real: pd.DataFrame, synthetic: pd.DataFrame, metadata: dict) -> float:
    from sdmetrics.reports.single_table import QualityReport

    report = QualityReport()
    report.generate(real, synthetic, metadata, verbose=False)
    return float(report.get_score())


def peers(epochs: int) -> dict[str, tuple[dict, object]]:
    """method -> (our parameters, a function building SDV's synthesizer from metadata)."""
    from sdv.single_table import CTGANSynthesizer, GaussianCopulaSynthesizer, TVAESynthesizer

    return {"gaussian_copula": ({}, GaussianCopulaSynthesizer),
            "gan": ({"epochs": epochs}, lambda m: CTGANSynthesizer(m, epochs=epochs, verbose=False)),
            "vae": ({"epochs": epochs}, lambda m: TVAESynthesizer(m, epochs=epochs, verbose=False)),
            "diffusion": ({}, lambda m: TVAESynthesizer(m, epochs=epochs, verbose=False)),
            "dp_mst": ({}, GaussianCopulaSynthesizer),
            "dp_vae": ({}, lambda m: TVAESynthesizer(m, epochs=epochs, verbose=False))}


def main() -> None:
    import torch
    from sdv.metadata import Metadata

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", nargs="+", default=list(PAIRS), choices=list(PAIRS))
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--tables", nargs="*", default=TABLES, choices=TABLES + LARGER)
    parser.add_argument("--files", nargs="+", type=Path, default=[],
                        help="tables of your own (CSV, Parquet, ...), after --tables; --tables with no name leaves "
                             "the samples out")
    parser.add_argument("--seeds", type=int, default=3, help="trainings per neural pair and table (means shown)")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    pairs = peers(args.epochs)
    print(f"torch threads {torch.get_num_threads()}; neural: {args.epochs} epochs, means over {args.seeds} seeds")
    print(f"{'method':<16}{'table':<11}{'rows':>6} | {'fit s':>7} {'SDV':>7} {'ratio':>6} | "
          f"{'quality':>7} {'SDV':>6} | {'detect AUC':>10} {'SDV':>6} | {'ε':>5}")
    warm = read_table(SAMPLES["penguins"].path)  # torch's first steps are slow: warm it up before timing
    METHODS["gan"](epochs=3).fit(warm, infer_schema(warm))
    totals: dict[str, list[float]] = {}
    for method in args.methods:
        params, build = pairs[method]
        seeds = range(args.seeds if method != "gaussian_copula" else 1)
        for source in [*args.tables, *args.files]:
            df = load(source)
            key = source.stem if isinstance(source, Path) else source
            schema = infer_schema(df)
            df = df[schema.synth_columns]
            train = df.sample(frac=0.8, random_state=0).reset_index(drop=True)
            metadata = Metadata.detect_from_dataframes({key: train}, infer_keys=None)
            meta = metadata.to_dict()["tables"][key]
            rows = []
            for seed in seeds:
                start = time.perf_counter()
                model = METHODS[method](**params).fit(train, schema, seed=seed)
                ours_s = time.perf_counter() - start
                ours = model.sample(len(train), rng=seed)
                torch.manual_seed(seed)
                np.random.seed(seed)
                peer = build(metadata)
                start = time.perf_counter()
                peer.fit({key: train})  # SDV 2 takes and returns {table name: frame}
                sdv_s = time.perf_counter() - start
                theirs = peer.sample(len(train))
                theirs = theirs[key] if isinstance(theirs, dict) else theirs
                rows.append([ours_s, sdv_s, quality(train, ours, meta), quality(train, theirs, meta),
                             detection_auc(train, ours), detection_auc(train, theirs),
                             getattr(model, "epsilon_", np.nan)])
            row = np.mean(rows, axis=0)  # seconds, quality and AUC: means over the seeds
            totals.setdefault(method, []).append(row)
            print(f"{method:<16}{key:<11}{len(train):>6} | {row[0]:>7.2f} {row[1]:>7.2f} {row[1] / row[0]:>5.1f}x | "
                  f"{row[2]:>7.3f} {row[3]:>6.3f} | {row[4]:>10.3f} {row[5]:>6.3f} | {row[6]:>5.3g}", flush=True)
    for method, rows in totals.items():
        a = np.array(rows)
        print(f"{method:<16}{'all':<11}{'':>6} | {a[:, 0].sum():>7.2f} {a[:, 1].sum():>7.2f} "
              f"{a[:, 1].sum() / a[:, 0].sum():>5.1f}x | {a[:, 2].mean():>7.3f} {a[:, 3].mean():>6.3f} | "
              f"{a[:, 4].mean():>10.3f} {a[:, 5].mean():>6.3f}")


if __name__ == "__main__":
    main()
