"""Anonymeter's three attacks on prepared CSV files; run by bench/privacy.py in the Anonymeter venv.

Not for the main venv: it imports only Anonymeter and its dependencies (see
requirements-bench-privacy.txt) and nothing of SynthLab.

Usage:  .venv-anonymeter/bin/python bench/anonymeter_runner.py --attacks 500 --seed 0 DIR [DIR ...]

``--max-attempts`` (default 100,000) caps the queries multivariate singling out tries; Anonymeter's
own default, 10^7, runs for hours on a table with few distinct rows (titanic: 4 label columns).

Each DIR holds ``train.csv`` (the rows attacked), ``synthetic.csv``, ``holdout.csv`` (the control:
real rows the synthetic table did not come from) and ``meta.json`` with ``{"numeric": [...],
"categorical": [...]}`` in table order. Printed on stdout: one JSON object, DIR's base name ->
``{"risks": {attack: {...}}, "notes": [...]}`` with, per attack, the risk ``value``, its 95%
interval ``low``/``high``, the ``attack_rate``, ``control_rate``, ``baseline_rate`` and the
number of ``attacks``. Attacks: ``singling_out_univariate``, ``singling_out_multivariate``
(3 columns), ``singling_out`` (the worse of the two), ``linkability`` (first half of the columns
against the second half, 1 neighbour), ``inference:<column>`` (each column the secret, the
others auxiliary; numeric secrets guessed within 5%) and ``inference`` (the worst column).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from anonymeter.evaluators import InferenceEvaluator, LinkabilityEvaluator, SinglingOutEvaluator


class _Notes(logging.Handler):
    """Keeps Anonymeter's log warnings (e.g. fewer singling-out queries than asked) for the report."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def _read(path: Path, numeric: list[str], categorical: list[str]) -> pd.DataFrame:
    df = pd.read_csv(path, dtype={c: object for c in categorical})
    for column in numeric:
        df[column] = pd.to_numeric(df[column], errors="coerce").astype(float)
    return df


def _entry(evaluator, attacks: int) -> dict:
    results = evaluator.results(confidence_level=0.95)
    risk = evaluator.risk(confidence_level=0.95)
    return {
        "value": float(risk.value), "low": float(risk.ci[0]), "high": float(risk.ci[1]),
        "attack_rate": float(results.attack_rate.value),
        "control_rate": None if results.control_rate is None else float(results.control_rate.value),
        "baseline_rate": float(results.baseline_rate.value),
        "attacks": int(attacks),
    }


def evaluate(folder: Path, attacks: int, seed: int, max_attempts: int | None, notes: _Notes) -> dict:
    meta = json.loads((folder / "meta.json").read_text())
    numeric, categorical = meta["numeric"], meta["categorical"]
    columns = list(meta["columns"])
    ori = _read(folder / "train.csv", numeric, categorical)[columns]
    syn = _read(folder / "synthetic.csv", numeric, categorical)[columns]
    control = _read(folder / "holdout.csv", numeric, categorical)[columns]
    np.random.seed(seed)  # Anonymeter draws its targets with DataFrame.sample and no seed of its own
    risks: dict[str, dict] = {}
    start = len(notes.lines)

    for mode in ("univariate", "multivariate"):
        so = SinglingOutEvaluator(ori=ori, syn=syn, control=control, n_attacks=attacks, n_cols=3,
                                  max_attempts=max_attempts, seed=seed)
        so.evaluate(mode=mode)
        risks[f"singling_out_{mode}"] = _entry(so, attacks)
    risks["singling_out"] = max(risks["singling_out_univariate"], risks["singling_out_multivariate"],
                                key=lambda r: r["value"])

    # Linkability draws its targets without replacement from the attacked rows and from the control.
    n_link = min(attacks, len(ori), len(control))
    half = len(columns) // 2
    link = LinkabilityEvaluator(ori=ori, syn=syn, control=control, n_attacks=n_link, n_neighbors=1,
                                aux_cols=(columns[:half], columns[half:]))
    link.evaluate(n_jobs=1)
    risks["linkability"] = _entry(link, n_link)

    worst = None
    for secret in columns:
        aux = [c for c in columns if c != secret]
        inf = InferenceEvaluator(ori=ori, syn=syn, control=control, aux_cols=aux, secret=secret,
                                 regression=secret in numeric, n_attacks=attacks)
        inf.evaluate(n_jobs=1)
        key = f"inference:{secret}"
        risks[key] = _entry(inf, min(attacks, len(ori)))
        if worst is None or risks[key]["value"] > risks[worst]["value"]:
            worst = key
    risks["inference"] = dict(risks[worst], column=worst.split(":", 1)[1])
    return {"risks": risks, "notes": notes.lines[start:]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--attacks", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-attempts", type=int, default=100_000,
                        help="queries tried for multivariate singling out (0: no cap; Anonymeter's default is 10^7)")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")  # "attack as good as baseline" and the like: the numbers say it
    notes = _Notes()
    logging.getLogger("anonymeter").addHandler(notes)
    logging.getLogger("anonymeter").setLevel(logging.WARNING)
    logging.getLogger("anonymeter").propagate = False
    cap = args.max_attempts or None
    out = {folder.name: evaluate(folder, args.attacks, args.seed, cap, notes) for folder in args.folders}
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
