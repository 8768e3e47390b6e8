"""Benchmark: Little's MCAR test against a peer, and the Missingness page on long and wide tables.

Run:  .venv/bin/pip install pyampute   # the peer; not a SynthLab dependency
      .venv/bin/python bench/missingness.py

1. Agreement on airquality with the value R's naniar publishes (d² = 35.1061, p = 0.001418),
   for SynthLab (EM estimates, as naniar) and pyampute's MCARTest (its own estimates).
2. Seconds for Little's test on generated tables with MAR holes, SynthLab vs pyampute, and
   their ratio, measured in the same run.
3. The Missingness page in Streamlit's AppTest: first render and a widget rerun, on a
   1,000,000 x 13 table and on a 2,000 x 1,000 table.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.io import read_table  # noqa: E402
from core.missing import ampute, little_mcar_test  # noqa: E402
from core.samples import SAMPLES  # noqa: E402

NANIAR = {"statistic": 35.1061, "p_value": 0.001418}


def peer():
    try:
        from pyampute.exploration.mcar_statistical_tests import MCARTest
    except ImportError:
        return None
    return lambda df: MCARTest(method="little").little_mcar_test(df)


def timed(fn, *args):
    start = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - start


def table(rows: int, cols: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(rows, cols)) @ np.linalg.cholesky(0.5 * np.eye(cols) + 0.5).T
    df = pd.DataFrame(base, columns=[f"x{i}" for i in range(cols)])
    return ampute(df, mechanism="MAR", columns=[f"x{i}" for i in range(1, cols, 2)], rate=0.15, rng=seed, by="x0")


def page_timings(frame: pd.DataFrame) -> tuple[float, float]:
    from streamlit.testing.v1 import AppTest

    from core.workspace import Workspace

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=900)
    at.session_state["workspace"] = Workspace(frame, name="bench")
    at.run()
    _, first = timed(lambda: at.switch_page("pages/missingness.py").run())
    assert not at.exception, at.exception
    _, rerun = timed(lambda: at.toggle(key="matrix_sort").set_value(True).run())
    return first, rerun


def main() -> None:
    other = peer()
    air = read_table(SAMPLES["airquality"].path)
    ours = little_mcar_test(air)
    print(f"airquality, naniar (published): d2 {NANIAR['statistic']:.4f}  p {NANIAR['p_value']:.6f}")
    print(f"airquality, SynthLab          : d2 {ours.statistic:.4f}  p {ours.p_value:.6f}  df {ours.dof}")
    if other is None:
        print("pyampute is not installed: `pip install pyampute` to compare with it")
    else:
        print(f"airquality, pyampute          : p {other(air):.6f}")
    for rows, cols in [(10_000, 8), (100_000, 10), (200_000, 20)]:
        df = table(rows, cols)
        result, ours_s = timed(little_mcar_test, df)
        line = f"Little's test {rows:>7,} x {cols:<2}: SynthLab {ours_s:6.2f} s (p {result.p_value:.2g})"
        if other is not None:
            p_peer, peer_s = timed(other, df)
            line += f" | pyampute {peer_s:6.2f} s (p {p_peer:.2g}) | ratio {ours_s / peer_s:.2f}x"
        print(line)
    rng = np.random.default_rng(0)
    long = pd.DataFrame(rng.normal(size=(1_000_000, 12)), columns=[f"x{i}" for i in range(12)])
    long["g"] = rng.choice(list("abcd"), len(long))
    for column in ["x0", "x1", "x2"]:
        long.loc[rng.random(len(long)) < 0.1, column] = np.nan
    wide = pd.DataFrame(rng.normal(size=(2_000, 1_000))).add_prefix("c")
    wide = wide.mask(rng.random(wide.shape) < 0.02)
    for name, frame in [("1,000,000 x 13", long), ("2,000 x 1,000", wide)]:
        first, rerun = page_timings(frame)
        print(f"Missingness page, {name:>14}: first render {first:5.1f} s, widget rerun {rerun * 1000:5.0f} ms")


if __name__ == "__main__":
    main()
