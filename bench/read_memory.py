"""Benchmark: peak memory of reading a CSV of short rows, and the time to profile a wide table.

Run:  .venv/bin/python bench/read_memory.py [--mb 200] [--columns 10000] [--before main]

Every measurement runs in a fresh Python process, so its peak memory (max RSS) is its own.

* read:     a CSV of short rows (``id,score,flag``), ``--mb`` megabytes. The peer is
            ``pandas.read_csv(path)`` with default settings; ours is ``core.io.read_table_report``
            with ``max_cells`` raised so the whole file is parsed, and with the default limits
            (where the cell count is refused from the line count, before parsing).
* profile:  ``core.profile.profile`` + ``summarize`` of a 1,000 x ``--columns`` table of numbers
            and labels, for this working tree and for the ``--before`` git revision's
            ``core/profile.py`` (skipped if that revision is not in the repository).

Goals: reading under 3x pandas' peak; profiling 10,000 columns in a few seconds.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def make_csv(mb: int) -> Path:
    path = OUT / f"short_rows_{mb}mb.csv"
    if path.exists():
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    block = "".join(f"{i},{i % 97}.5,{'yes' if i % 3 else 'no'}\n" for i in range(100_000)).encode()
    with path.open("wb") as out:
        out.write(b"id,score,flag\n")
        for _ in range(max(1, mb * 2**20 // len(block))):
            out.write(block)
    return path


def wide_frame(columns: int):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    n = 1_000
    data = {}
    for i in range(columns):
        data[f"c{i}"] = (rng.normal(size=n) if i % 4 == 0 else rng.integers(0, 5, n) if i % 4 == 1
                         else rng.choice(["a", "b", "c"], n) if i % 4 == 2 else rng.integers(0, 10**6, n))
    return pd.DataFrame(data)


def stage_peer(path: str) -> dict:
    import pandas as pd

    base = peak_mb()
    t = time.perf_counter()
    df = pd.read_csv(path)
    return {"seconds": time.perf_counter() - t, "peak_mb": peak_mb(), "base_mb": base, "shape": list(df.shape)}


def stage_ours(path: str, max_cells: int | None) -> dict:
    from core.errors import DataError
    from core.io import read_table_report

    base = peak_mb()
    t = time.perf_counter()
    try:
        shape = list(read_table_report(path, max_cells=max_cells).frame.shape)
    except DataError as exc:
        shape = exc.message
    return {"seconds": time.perf_counter() - t, "peak_mb": peak_mb(), "base_mb": base, "shape": shape}


def stage_profile(columns: int, module_path: str) -> dict:
    from core.schema import infer_schema

    spec = importlib.util.spec_from_file_location("profile_under_test", module_path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    df = wide_frame(columns)
    schema = infer_schema(df).with_kind("c1", "continuous")  # one user override, as on the Data page
    t = time.perf_counter()
    module.summarize(df)
    table = module.profile(df, schema)
    return {"seconds": time.perf_counter() - t, "rows": len(table)}


def run(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--columns", type=int, default=10_000)
    parser.add_argument("--before", default="main", help="git revision whose core/profile.py is the 'before'")
    parser.add_argument("--stage", choices=["peer", "ours", "profile"])
    parser.add_argument("--path")
    parser.add_argument("--max-cells", type=int)
    args = parser.parse_args()
    if args.stage == "peer":
        print(json.dumps(stage_peer(args.path)))
        return
    if args.stage == "ours":
        print(json.dumps(stage_ours(args.path, args.max_cells)))
        return
    if args.stage == "profile":
        print(json.dumps(stage_profile(args.columns, args.path)))
        return

    path = make_csv(args.mb)
    print(f"file: {path.name}, {path.stat().st_size / 2**20:,.0f} MB")
    peer = run("--stage", "peer", "--path", str(path))
    ours = run("--stage", "ours", "--path", str(path), "--max-cells", str(10**10))
    refused = run("--stage", "ours", "--path", str(path))
    print(f"pandas.read_csv (peer)     : {peer['seconds']:6.2f} s, peak {peer['peak_mb']:7,.0f} MB {peer['shape']}")
    print(f"read_table_report (parsed) : {ours['seconds']:6.2f} s, peak {ours['peak_mb']:7,.0f} MB {ours['shape']}")
    print(f"ratio ours/peer            : {ours['seconds'] / peer['seconds']:.2f}x time, "
          f"{ours['peak_mb'] / peer['peak_mb']:.2f}x peak memory")
    print(f"default limits (refused)   : {refused['seconds']:6.2f} s, peak {refused['peak_mb']:7,.0f} MB: "
          f"{refused['shape']}")

    after = run("--stage", "profile", "--columns", str(args.columns), "--path", str(ROOT / "core" / "profile.py"))
    old = subprocess.run(["git", "show", f"{args.before}:core/profile.py"], capture_output=True, text=True, cwd=ROOT)
    if old.returncode == 0:
        with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as handle:
            handle.write(old.stdout)
        before = run("--stage", "profile", "--columns", str(args.columns), "--path", handle.name)
        Path(handle.name).unlink()
        print(f"profile {args.columns:,} columns: before ({args.before}) {before['seconds']:6.2f} s, "
              f"now {after['seconds']:6.2f} s ({before['seconds'] / after['seconds']:.0f}x faster)")
    else:
        print(f"profile {args.columns:,} columns: now {after['seconds']:6.2f} s ({args.before} not found)")
    ok = ours["peak_mb"] < 3 * peer["peak_mb"] and after["seconds"] < 10
    print("goals (<3x pandas' peak, profile <10 s):", "met" if ok else "NOT met")


if __name__ == "__main__":
    main()
