"""Seeded fuzzing of core.io.read_table: every malformed input loads or is refused with a sentence.

Valid tiny files in each format (CSV, TSV, JSON, JSON Lines, xlsx, Parquet) are mutated the ways
broken uploads are broken: truncated, bytes flipped, NUL / CR / quotes / byte-order marks put in,
re-encoded, given a huge field or deep nesting, named with the wrong suffix; zip bombs and Parquet
files that declare millions of cells are added. Each input must give a DataFrame or a ``DataError``
with a non-empty message, nothing else, within a time bound and a memory bound.
"""

from __future__ import annotations

import io
import json
import time
import tracemalloc
import zipfile

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from core.errors import DataError
from core.io import SUPPORTED_SUFFIXES, read_table

SEED = 20261123
PER_FORMAT = 55  # mutations of each format's seed file; ~350 inputs in all
SECONDS_PER_INPUT = 10.0
PEAK_BYTES = 96 * 2**20  # Python-side (tracemalloc) and Arrow-side peaks per input
LIMITS = {"max_cells": 200_000, "max_expanded_bytes": 16 * 2**20, "read_seconds": 5.0}


def _frame(rng: np.random.Generator) -> pd.DataFrame:
    n = int(rng.integers(3, 12))
    return pd.DataFrame({
        "id": np.arange(n),
        "x": rng.normal(size=n).round(3),
        "label": rng.choice(["a", "b", "é", "=cmd", "x,y", 'q"q'], n),
        "zip": [f"{v:05d}" for v in rng.integers(0, 99999, n)],
        "when": pd.date_range("2020-01-01", periods=n, freq="D"),
    })


def _seeds(rng: np.random.Generator) -> dict[str, bytes]:
    df = _frame(rng)
    xlsx, parquet = io.BytesIO(), io.BytesIO()
    df.to_excel(xlsx, index=False, engine="openpyxl")
    df.to_parquet(parquet, index=False)
    records = json.loads(df.to_json(orient="records", date_format="iso"))
    return {
        ".csv": df.to_csv(index=False).encode(),
        ".tsv": df.to_csv(index=False, sep="\t").encode(),
        ".json": json.dumps(records).encode(),
        ".jsonl": "\n".join(json.dumps(r) for r in records).encode(),
        ".xlsx": xlsx.getvalue(),
        ".parquet": parquet.getvalue(),
    }


def _mutate(data: bytes, rng: np.random.Generator) -> bytes:
    b = bytearray(data)
    op = int(rng.integers(0, 9))
    at = int(rng.integers(0, max(len(b), 1)))
    if op == 0:  # truncation
        return bytes(b[:at])
    if op == 1:  # byte flips
        for _ in range(int(rng.integers(1, 8))):
            i = int(rng.integers(0, len(b)))
            b[i] = int(rng.integers(0, 256))
        return bytes(b)
    if op == 2:  # inserted specials
        junk = rng.choice([b"\x00", b"\r", b'"', b"\xef\xbb\xbf", b"\xff\xfe", b"\n\n", b",,,", b"\t"])
        return bytes(b[:at]) + junk * int(rng.integers(1, 4)) + bytes(b[at:])
    if op == 3:  # random encoding of the text (or of garbage)
        text = data.decode("utf-8", errors="replace")
        encoding = str(rng.choice(["utf-16", "utf-16-le", "utf-32", "cp1252", "latin-1", "utf-8-sig"]))
        out = text.encode(encoding, errors="replace")
        return out[:-1] if rng.random() < 0.3 else out  # sometimes an odd byte count
    if op == 4:  # a huge field
        return bytes(b[:at]) + b"x" * int(rng.integers(130_000, 300_000)) + bytes(b[at:])
    if op == 5:  # line endings: CR only, or mixed
        return data.replace(b"\n", b"\r") if rng.random() < 0.5 else data.replace(b"\n", b"\r\n", 3)
    if op == 6:  # an extra or a missing field on some line
        lines = data.split(b"\n")
        k = int(rng.integers(0, len(lines)))
        lines[k] = lines[k] + b",extra" if rng.random() < 0.5 else lines[k].rsplit(b",", 1)[0]
        return b"\n".join(lines)
    if op == 7:  # only a byte-order mark, or nothing but whitespace
        return bytes(rng.choice([b"\xef\xbb\xbf", b"\xff\xfe", b" \r\n", b"\xef\xbb\xbf\n"]))
    return bytes(rng.integers(0, 256, int(rng.integers(1, 2000)), dtype=np.uint8))  # random bytes


def _deep_json(depth: int) -> bytes:
    return b'[{"a": ' + b"[" * depth + b"1" + b"]" * depth + b"}]"


def _zip_bomb() -> bytes:
    """A workbook-shaped zip whose sheet inflates ~1000:1 past the expansion limit."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"<worksheet><sheetData>" + b"0" * (24 * 2**20) + b"</sheetData>")
    return out.getvalue()


def _parquet_of_many_cells() -> bytes:
    """A few KB that declare millions of cells (run-length encoded constants)."""
    buffer = io.BytesIO()
    pq.write_table(pa.table({"a": np.zeros(1_500_000, dtype=np.int64), "b": np.ones(1_500_000)}), buffer)
    return buffer.getvalue()


def _inputs() -> list[tuple[str, bytes, str]]:
    rng = np.random.default_rng(SEED)
    cases: list[tuple[str, bytes, str]] = []
    for suffix, data in _seeds(rng).items():
        for k in range(PER_FORMAT):
            name = suffix if rng.random() < 0.8 else str(rng.choice([*SUPPORTED_SUFFIXES, ".bin", ""]))
            cases.append((f"{suffix}#{k}", _mutate(data, rng), f"fuzz{name}"))
    for depth in (50, 500, 1000, 5000):
        cases.append((f"deep json {depth}", _deep_json(depth), "deep.json"))
        cases.append((f"deep jsonl {depth}", b'{"a": ' * depth + b"1" + b"}" * depth + b"\n", "deep.jsonl"))
    bomb, many = _zip_bomb(), _parquet_of_many_cells()
    for name in ("bomb.xlsx", "bomb.zip", "bomb.csv"):
        cases.append((name, bomb, name))
    for name in ("many.parquet", "many.pq", "many.json"):
        cases.append((name, many, name))
    return cases


CASES = _inputs()


def test_enough_inputs():
    assert len(CASES) >= 300


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_malformed_input_loads_or_gets_a_sentence(case):
    _, data, name = case
    pool = pa.default_memory_pool()
    arrow_before = pool.bytes_allocated()
    tracemalloc.start()
    started = time.monotonic()
    try:
        result = read_table(data, filename=name, **LIMITS)
    except DataError as exc:
        assert exc.message.strip(), "a DataError without a message"
        assert "Traceback" not in exc.message
        result = None
    finally:
        elapsed = time.monotonic() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert elapsed < SECONDS_PER_INPUT
    assert peak < PEAK_BYTES, f"{peak / 2**20:.0f} MB of Python memory"
    assert pool.bytes_allocated() - arrow_before < PEAK_BYTES
    if result is not None:
        assert isinstance(result, pd.DataFrame) and result.shape[1] >= 1
        assert result.size <= LIMITS["max_cells"]
