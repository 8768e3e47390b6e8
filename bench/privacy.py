"""Benchmark: our privacy risks (core.evaluate.privacy) against Anonymeter's on the same tables.

What it measures. The attacks of Giomi et al. 2023, "A Unified Framework for Quantifying Privacy
Risk in Synthetic Data", which Anonymeter implements: singling out (univariate, and multivariate
with 3 columns), linkability (the first half of the columns against the second half, 1 nearest
neighbour, Gower distance) and attribute inference (each column the secret, the others auxiliary;
a numeric guess is right within 5%), 500 attacks by default. Each risk is the attack's success
beyond that of the same attack on real rows the synthetic table did not come from (the control),
(attack rate - control rate) / (1 - control rate), with a 95% interval.

For each bundled table, a seeded 80/20 split (the Workspace's, seed 0): the 80% are the training
rows, the 20% holdout is the control. Three synthetic tables, from the most to the least risky:

  copy    the training rows themselves (maximal risk)
  fresh   real rows the attacked ones are not in: the training rows split in half (seeded), the
          first half attacked, the second half as the "synthetic" table (risk near 0)
  copula  core.synth.run.generate(train, schema, "gaussian_copula", {}, len(train), rng=0)

Only the synthesised columns are used (identifiers and free text left out). Anonymeter runs in a
virtual environment of its own (its numpy<1.27 cannot live beside ours) through
bench/anonymeter_runner.py on CSV files; ours is core.evaluate.privacy.risks(attacked, synthetic,
holdout, schema, rng=0). Printed per table x synthetic kind x attack: both risks with their
intervals, whether ours lies within Anonymeter's interval and theirs within ours, and the counts.
Anonymeter caps linkability and inference at the rows the attacked and control tables have (it
draws targets without replacement), so on these small tables they make fewer than 500 attacks;
multivariate singling out tries at most --max-attempts queries (100,000 here; Anonymeter's default
of 10^7 runs for hours on titanic, whose 4 label columns have few distinct rows), and singling out
that finds fewer queries than asked still divides by the attacks asked (Anonymeter's notes say so).
Anonymeter's univariate singling out is not reproducible even with a seed (it lists rare values in
polars' group_by order, which changes from process to process): its numbers change from run to
run (penguins, fresh, 100 attacks: 0.264 in one run, 0.233 in the next).

Run:  .venv/bin/python bench/privacy.py --setup      # once: .venv-anonymeter with requirements-bench-privacy.txt
      .venv/bin/python bench/privacy.py                                  # all tables, 500 attacks
      .venv/bin/python bench/privacy.py --tables penguins titanic --attacks 200 --kinds copy fresh
      .venv/bin/python bench/privacy.py --tables --files big.csv     # a table of your own, the samples left out
      (--summary leaves out the per-column inference rows; all tables at 500 attacks: about 2.5 minutes)

Goal: our risks fall within Anonymeter's intervals (and theirs within ours): both implement the
same attacks, so apart from the random draws they should agree.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.io import read_table  # noqa: E402
from core.samples import SAMPLES  # noqa: E402
from core.workspace import Workspace  # noqa: E402

TABLES = ["penguins", "birthwt", "salaries", "pima_tr", "titanic", "msleep", "airquality"]
KINDS = ["copy", "fresh", "copula"]
VENV = ROOT / ".venv-anonymeter"
REQUIREMENTS = ROOT / "requirements-bench-privacy.txt"
RUNNER = Path(__file__).resolve().parent / "anonymeter_runner.py"
SUMMARY = ["singling_out_univariate", "singling_out_multivariate", "singling_out", "linkability", "inference"]


def setup() -> None:
    """Create .venv-anonymeter and install the pinned Anonymeter into it."""
    python3 = shutil.which("python3") or sys.executable
    print(f"creating {VENV.relative_to(ROOT)} with {python3} -m venv")
    subprocess.run([python3, "-m", "venv", str(VENV)], check=True)
    pip = [str(VENV / "bin" / "python"), "-m", "pip"]
    subprocess.run([*pip, "install", "--quiet", "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "install", "--quiet", "-r", str(REQUIREMENTS)], check=True)
    subprocess.run([*pip, "check"], check=True)
    print(f"done: run with --anonymeter-python {(VENV / 'bin' / 'python').relative_to(ROOT)} (the default)")


def pairs(key: str, path: Path) -> tuple[object, pd.DataFrame, dict[str, tuple[pd.DataFrame, pd.DataFrame]]]:
    """(schema, holdout, {kind: (attacked rows, synthetic rows)}), all on the synthesised columns."""
    ws = Workspace(read_table(path), name=key, holdout_share=0.2, seed=0)
    columns = ws.schema.synth_columns
    train, holdout = ws.train[columns], ws.holdout[columns]
    order = np.random.default_rng(0).permutation(len(train))
    first, second = train.iloc[np.sort(order[: len(train) // 2])], train.iloc[np.sort(order[len(train) // 2:])]
    made = {
        "copy": lambda: (train, train.copy()),
        "fresh": lambda: (first, second),
        "copula": lambda: (train, _copula(ws.train, ws.schema)[columns]),
    }
    return ws.schema, holdout, made


def _copula(train: pd.DataFrame, schema) -> pd.DataFrame:
    from core.synth.run import generate

    return generate(train, schema, "gaussian_copula", {}, len(train), rng=0).table


def _for_csv(df: pd.DataFrame, schema) -> pd.DataFrame:
    """Numbers stay numbers, labels become text, dates become days since 1970 (Anonymeter has no dates)."""
    out = df.copy()
    for column in out.columns:
        kind = schema.kinds[column]
        if kind == "datetime":
            out[column] = (pd.to_datetime(out[column]) - pd.Timestamp(0)) / pd.Timedelta(days=1)
        elif kind not in ("continuous", "integer"):
            out[column] = out[column].astype(object).where(out[column].notna(), None).map(_label)
    return out


def _label(value) -> str | None:
    """A label as text, the same whether a table stored it as 1, 1.0 or "1"."""
    if value is None:
        return None
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def write(folder: Path, attacked: pd.DataFrame, synthetic: pd.DataFrame, holdout: pd.DataFrame, schema) -> None:
    folder.mkdir(parents=True)
    columns = list(attacked.columns)
    numeric = [c for c in columns if schema.kinds[c] in ("continuous", "integer", "datetime")]
    for name, df in (("train", attacked), ("synthetic", synthetic), ("holdout", holdout)):
        _for_csv(df[columns], schema).to_csv(folder / f"{name}.csv", index=False)
    meta = {"columns": columns, "numeric": numeric, "categorical": [c for c in columns if c not in numeric]}
    (folder / "meta.json").write_text(json.dumps(meta))


def anonymeter(python: Path, folders: list[Path], attacks: int, max_attempts: int) -> dict:
    command = [str(python), str(RUNNER), "--attacks", str(attacks), "--seed", "0", "--max-attempts", str(max_attempts)]
    done = subprocess.run([*command, *map(str, folders)], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"the Anonymeter runner failed:\n{done.stderr.strip()}")
    return json.loads(done.stdout)


def ours_module():
    """core.evaluate.privacy, or None where it does not exist yet (an error inside it is not hidden)."""
    if importlib.util.find_spec("core.evaluate.privacy") is None:
        return None
    return importlib.import_module("core.evaluate.privacy")


def _risk(entry) -> tuple[float, float, float] | None:
    if entry is None:
        return None
    if isinstance(entry, dict):
        return entry["value"], entry["low"], entry["high"]
    return float(entry.value), float(entry.low), float(entry.high)


def _within(value: float, low: float, high: float) -> bool:
    return low - 1e-9 <= value <= high + 1e-9


def _cell(risk: tuple[float, float, float] | None) -> str:
    return "-" if risk is None else f"{risk[0]:.3f} [{risk[1]:.3f}, {risk[2]:.3f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", nargs="*", default=TABLES, choices=sorted(SAMPLES))
    parser.add_argument("--files", nargs="+", type=Path, default=[],
                        help="tables of your own (CSV, Parquet, ...), compared after --tables; --tables with no "
                             "name leaves the samples out")
    parser.add_argument("--kinds", nargs="+", default=KINDS, choices=KINDS)
    parser.add_argument("--attacks", type=int, default=500)
    parser.add_argument("--max-attempts", type=int, default=100_000,
                        help="Anonymeter: queries tried for multivariate singling out (its own default 10^7 "
                             "runs for hours on titanic; 0 = no cap)")
    parser.add_argument("--anonymeter-python", type=Path, default=VENV / "bin" / "python")
    parser.add_argument("--setup", action="store_true", help="create .venv-anonymeter, install Anonymeter, exit")
    parser.add_argument("--summary", action="store_true", help="leave out the per-column inference rows")
    args = parser.parse_args()
    if args.setup:
        setup()
        return
    if not args.anonymeter_python.exists():
        sys.exit(f"No Anonymeter python at {args.anonymeter_python}: run `.venv/bin/python bench/privacy.py --setup` "
                 "first, or pass --anonymeter-python.")
    warnings.filterwarnings("ignore")
    privacy = ours_module()
    if privacy is None:
        print("ours: core.evaluate.privacy is not available on this branch; showing Anonymeter's risks only.")

    header = (f"{'table':<11} {'synthetic':<8} {'attack':<32} {'Anonymeter':>23} {'ours':>23} "
              f"{'ours in':>7} {'theirs in':>9}")
    print(f"{args.attacks} attacks; risk [95% interval]; 'ours in' = our risk within Anonymeter's interval, "
          "'theirs in' = theirs within ours")
    print(header)
    print("-" * len(header))
    compared = ours_in = theirs_in = 0
    for key, path in [*((k, SAMPLES[k].path) for k in args.tables), *((f.stem, f) for f in args.files)]:
        schema, holdout, made = pairs(key, path)
        with tempfile.TemporaryDirectory(prefix="privbench-") as tmp:
            tables = {kind: made[kind]() for kind in args.kinds}
            folders = []
            for kind, (attacked, synthetic) in tables.items():
                folders.append(Path(tmp) / f"{key}_{kind}")
                write(folders[-1], attacked, synthetic, holdout, schema)
            start = time.perf_counter()
            theirs = anonymeter(args.anonymeter_python, folders, args.attacks, args.max_attempts)
            anonymeter_seconds = time.perf_counter() - start
        for kind, (attacked, synthetic) in tables.items():
            result = theirs[f"{key}_{kind}"]
            mine: dict = {}
            if privacy is not None:
                try:
                    mine = privacy.risks(attacked, synthetic, holdout, schema, rng=0, attacks=args.attacks)
                except Exception as error:  # noqa: BLE001 - a benchmark reports and goes on
                    print(f"{key:<11} {kind:<8} ours failed: {type(error).__name__}: {error}")
            names = SUMMARY + ([] if args.summary else [n for n in result["risks"] if n.startswith("inference:")])
            for name in names:
                a, o = _risk(result["risks"].get(name)), _risk(mine.get(name))
                label = name if name != "inference" else f"inference (worst: {result['risks'][name]['column']})"
                flags = ("", "")
                if a is not None and o is not None:
                    compared += 1
                    ours_in += _within(o[0], a[1], a[2])
                    theirs_in += _within(a[0], o[1], o[2])
                    flags = ("yes" if _within(o[0], a[1], a[2]) else "NO", "yes" if _within(a[0], o[1], o[2]) else "NO")
                print(f"{key:<11} {kind:<8} {label:<32} {_cell(a):>23} {_cell(o):>23} {flags[0]:>7} {flags[1]:>9}")
            for note in result["notes"]:
                print(f"{'':<20} Anonymeter: {note}")
        print(f"{'':<20} ({len(holdout)} control rows; Anonymeter took {anonymeter_seconds:.0f} s for {key})")
    if compared:
        print(f"\nours within Anonymeter's interval: {ours_in} of {compared}; "
              f"Anonymeter's within ours: {theirs_in} of {compared}")
    else:
        print("\nnothing compared: ours is not available")


if __name__ == "__main__":
    main()
