"""Benchmark: load and profile a 1,000,000 x 20 mixed CSV, and time a Data-page rerun.

Run:  .venv/bin/python bench/load.py [--rows N]

Each measurement runs in a fresh Python process so its peak memory (max RSS) is its own:

* peer:    ``pandas.read_csv`` with default settings (no detection, no schema, no profile)
* ours:    ``core.io.read_table_report`` + ``Workspace`` (schema inference, typed copy,
           holdout, fingerprint) + the column profile and table summary
* rerun:   the Data page in Streamlit's AppTest with that table loaded: the first run
           (profile cached), then the median of widget changes (choose another column)

Goals on a 2-core machine: ours under 10 s and 2 GB; a widget rerun under 300 ms.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"


def make_csv(rows: int) -> Path:
    """20 columns: 6 decimal, 4 integer, 2 binary, 4 categorical, 2 dates, a zip code, a number-as-text."""
    import numpy as np
    import pandas as pd

    path = OUT / f"mixed_{rows}.csv"
    if path.exists():
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    df = pd.DataFrame({f"x{i}": rng.normal(50, 10, rows).round(3) for i in range(6)})
    for i in range(4):
        df[f"count{i}"] = rng.poisson(3 + 5 * i, rows)
    df["smoker"] = rng.choice(["yes", "no"], rows)
    df["flag"] = rng.integers(0, 2, rows)
    for i in range(4):
        df[f"cat{i}"] = rng.choice([f"level_{k}" for k in range(3 + 4 * i)], rows)
    start = np.datetime64("2015-01-01")
    df["visit"] = (start + rng.integers(0, 3650, rows).astype("timedelta64[D]")).astype(str)
    df["born"] = pd.to_datetime(start - rng.integers(7000, 30000, rows).astype("timedelta64[D]")).strftime(
        "%d/%m/%Y")
    df["zip"] = [f"{z:05d}" for z in rng.integers(0, 99999, rows)]
    df["income"] = [f"{v:,.2f}" for v in rng.lognormal(10, 0.5, rows)]
    df.loc[rng.random(rows) < 0.05, "x0"] = np.nan  # some holes
    df.loc[rng.random(rows) < 0.02, "cat1"] = np.nan
    df.to_csv(path, index=False)
    return path


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def stage_peer(path: Path) -> dict:
    import pandas as pd

    base = peak_mb()
    t = time.perf_counter()
    df = pd.read_csv(path)
    return {"seconds": time.perf_counter() - t, "peak_mb": peak_mb(), "base_mb": base, "shape": list(df.shape)}


def stage_ours(path: Path) -> dict:
    from core.io import read_table_report
    from core.profile import profile, summarize
    from core.workspace import Workspace

    base = peak_mb()
    times = {}
    t = time.perf_counter()
    read = read_table_report(path)
    times["read"] = time.perf_counter() - t
    t = time.perf_counter()
    ws = Workspace(read.frame, name=path.name)
    times["schema+workspace"] = time.perf_counter() - t
    t = time.perf_counter()
    summarize(ws.real)
    profile(ws.real, ws.schema)
    times["profile"] = time.perf_counter() - t
    return {"seconds": sum(times.values()), "stages": times, "peak_mb": peak_mb(), "base_mb": base,
            "shape": list(ws.real.shape), "kinds": ws.schema.kinds}


def stage_rerun(path: Path) -> dict:
    from streamlit.testing.v1 import AppTest

    from core.io import read_table
    from core.workspace import Workspace

    ws = Workspace(read_table(path), name=path.name)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.session_state["workspace"] = ws
    t = time.perf_counter()
    at.run()
    first = time.perf_counter() - t
    assert not at.exception, at.exception
    timings = []
    for column in list(ws.real.columns)[1:8]:
        t = time.perf_counter()
        at.selectbox(key="inspect_column").select(column).run()
        timings.append(time.perf_counter() - t)
        assert not at.exception, at.exception
    return {"first_run": first, "widget_rerun_median": statistics.median(timings),
            "widget_rerun_max": max(timings)}


def run_stage(name: str, path: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--stage", name, "--path", str(path)], capture_output=True,
                         text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--stage", choices=["peer", "ours", "rerun"])
    parser.add_argument("--path")
    args = parser.parse_args()
    if args.stage:
        result = {"peer": stage_peer, "ours": stage_ours, "rerun": stage_rerun}[args.stage](Path(args.path))
        print(json.dumps(result, default=str))
        return
    path = make_csv(args.rows)
    print(f"file: {path.name}, {path.stat().st_size / 2**20:,.0f} MB")
    peer = run_stage("peer", path)
    ours = run_stage("ours", path)
    rerun = run_stage("rerun", path)
    print(f"pandas.read_csv (peer): {peer['seconds']:6.2f} s, peak {peer['peak_mb']:7,.0f} MB")
    stages = ", ".join(f"{k} {v:.2f} s" for k, v in ours["stages"].items())
    print(f"SynthLab load+profile : {ours['seconds']:6.2f} s, peak {ours['peak_mb']:7,.0f} MB  ({stages})")
    print(f"ratio ours/peer       : {ours['seconds'] / peer['seconds']:.2f}x time, "
          f"{ours['peak_mb'] / peer['peak_mb']:.2f}x peak memory")
    print(f"kinds inferred        : {json.dumps(ours['kinds'])}")
    print(f"Data page first run   : {rerun['first_run']:.2f} s (profile computed and cached)")
    print(f"Data page widget rerun: median {rerun['widget_rerun_median'] * 1000:.0f} ms, "
          f"max {rerun['widget_rerun_max'] * 1000:.0f} ms")
    ok = ours["seconds"] < 10 and ours["peak_mb"] < 2048 and rerun["widget_rerun_median"] < 0.3
    print("goals (<10 s, <2 GB, rerun <300 ms):", "met" if ok else "NOT met")


if __name__ == "__main__":
    main()
