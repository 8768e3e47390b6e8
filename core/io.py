"""Reading tables from the files people actually have.

``read_table`` accepts a path, raw bytes or an uploaded file object and returns a
``pandas.DataFrame``; ``read_table_report`` returns the same frame together with what was
detected (format, encoding, delimiter, decimal mark, sheet) and the notices the user should
see (renamed columns, a guessed encoding).

Formats are recognised by their content first and their name second, so a text file named
``.xlsx`` or a binary file named ``.csv`` gets a sentence that says so instead of a parser
traceback:

* Excel workbooks are zip archives (``PK\\x03\\x04``), Parquet files start and end with
  ``PAR1``, legacy ``.xls`` files are OLE2 containers.
* Text is decoded as UTF-8 (with or without a byte-order mark), UTF-16 when it has a BOM,
  then Windows-1252 / Latin-1. A decoding that leaves control characters in the text is
  rejected rather than guessed.
* The delimiter is the candidate (``, ; TAB |``) that splits the sample into the most
  columns with the most consistent field count across rows; with a non-comma delimiter,
  numbers written ``3,14`` switch the decimal mark to a comma.
* Digit strings with leading zeros (``02134``) are kept as text so codes are not turned into
  numbers; plain numbers are parsed by pandas' C parser, which keeps a million-row file fast.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from core.errors import DataError, FileTooLargeError

MAX_BYTES = 200 * 1024 * 1024  # the upload limit; .streamlit/config.toml sets the same
TEXT_SUFFIXES = {".csv", ".tsv", ".txt", ".tab", ".dat"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
JSON_SUFFIXES = {".json", ".jsonl", ".ndjson"}
SUPPORTED_SUFFIXES = sorted(TEXT_SUFFIXES | EXCEL_SUFFIXES | PARQUET_SUFFIXES | JSON_SUFFIXES)

_DELIMITERS = [",", ";", "\t", "|"]
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_SNIFF_LINES = 200  # lines used to pick the delimiter and decimal mark
_LEADING_ZERO_LINES = 20_000  # lines scanned for codes such as 02134
_DECIMAL_COMMA = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d+),\d+$")
_LEADING_ZERO = re.compile(r"^0\d+$")
_PANDAS_LINE_ERROR = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_BLANK_NAME = re.compile(r"^(Unnamed: \d+(_level_\d+)?|nan|None)?$")


@dataclass
class TableRead:
    """A table and what was found out while reading it."""

    frame: pd.DataFrame
    format: str
    notices: list[str] = field(default_factory=list)
    encoding: str | None = None
    delimiter: str | None = None
    decimal: str | None = None
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)

    def describe(self) -> str:
        """One line for the page: 'CSV, utf-8, semicolon-delimited, decimal comma'."""
        parts = [self.format.upper() if self.format != "excel" else "Excel"]
        if self.encoding:
            parts.append(self.encoding)
        if self.delimiter:
            parts.append(f"{_DELIMITER_NAMES.get(self.delimiter, repr(self.delimiter))}-delimited")
        if self.decimal == ",":
            parts.append("decimal comma")
        if self.sheet is not None:
            parts.append(f"sheet '{self.sheet}'")
        return ", ".join(parts)


def read_table(source: Any, *, filename: str | None = None, sheet: str | None = None,
               max_bytes: int = MAX_BYTES) -> pd.DataFrame:
    """Read a table from a path, bytes or an uploaded file; raise ``DataError`` if it can't."""
    return read_table_report(source, filename=filename, sheet=sheet, max_bytes=max_bytes).frame


def read_table_report(source: Any, *, filename: str | None = None, sheet: str | None = None,
                      max_bytes: int = MAX_BYTES) -> TableRead:
    """Like :func:`read_table`, but also return the detected format and the notices."""
    data, name = _source_bytes(source, filename, max_bytes)
    label = f"'{name}'" if name else "The file"
    if not data.strip():
        raise DataError(f"{label} is empty.",
                        hint="Choose a file with a header row and at least one row of data.")
    kind = _detect_format(data, name)
    if kind == "excel":
        result = _read_excel(data, label, sheet)
    elif kind == "parquet":
        result = _read_parquet(data, label)
    elif kind == "json":
        result = _read_json(data, label)
    else:
        result = _read_text(data, label, name)
    result.frame = _finish(result.frame, label, result.notices)
    return result


# --------------------------------------------------------------------------- sources


def _source_bytes(source: Any, filename: str | None, max_bytes: int) -> tuple[bytes, str]:
    name = filename or ""
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        name = filename or path.name
        if not path.is_file():
            raise DataError(f"There is no file at '{path}'.", hint="Check the path and try again.")
        _check_size(path.stat().st_size, name, max_bytes)
        return path.read_bytes(), name
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    elif hasattr(source, "getvalue"):
        data = source.getvalue()
        name = filename or getattr(source, "name", "") or ""
    elif hasattr(source, "read"):
        data = source.read()
        name = filename or getattr(source, "name", "") or ""
    else:
        raise DataError(f"Can't read a table from a {type(source).__name__}.",
                        hint="Pass a file path, bytes or an uploaded file.")
    if isinstance(data, str):
        data = data.encode("utf-8")
    _check_size(len(data), name, max_bytes)
    return data, os.path.basename(str(name))


def _check_size(size: int, name: str, max_bytes: int) -> None:
    if size > max_bytes:
        raise FileTooLargeError(
            f"'{name or 'The file'}' is {size / 2**20:,.1f} MB, over the "
            f"{max_bytes / 2**20:,.0f} MB limit.",
            hint="Load a sample of the rows, or save it as Parquet, which is much smaller.")


def _detect_format(data: bytes, name: str) -> str:
    suffix = Path(name).suffix.lower()
    is_zip = data[:4] == b"PK\x03\x04"
    is_parquet = data[:4] == b"PAR1"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise DataError(f"{_label(name)} is a legacy Excel .xls workbook, which SynthLab does not read.",
                        hint="Open it in a spreadsheet program and save it as .xlsx or .csv.")
    if suffix in EXCEL_SUFFIXES:
        if not is_zip:
            looks = "a text file" if _looks_like_text(data) else "some other binary file"
            raise DataError(f"{_label(name)} is named {suffix} but is not an Excel workbook; it is {looks}.",
                            hint="Save it from Excel as .xlsx, or give it a .csv name if it is a text table.")
        return "excel"
    if suffix in PARQUET_SUFFIXES:
        if not (is_parquet and data[-4:] == b"PAR1"):
            raise DataError(f"{_label(name)} is not a valid Parquet file: it is corrupt or truncated.",
                            hint="Export it again, or load the table as CSV.")
        return "parquet"
    if suffix in JSON_SUFFIXES:
        return "json"
    if is_zip and suffix not in TEXT_SUFFIXES:
        return "excel"
    if is_parquet and suffix not in TEXT_SUFFIXES:
        return "parquet"
    if suffix not in TEXT_SUFFIXES and data.lstrip()[:1] in (b"{", b"["):
        return "json"
    return "text"


def _label(name: str) -> str:
    return f"'{name}'" if name else "The file"


def _looks_like_text(data: bytes) -> bool:
    head = data[:65536]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    return b"\x00" not in head and _control_share(head.decode("latin-1")) < 0.01


def _control_share(text: str) -> float:
    """Share of characters that never appear in a text table (C0/C1 controls except tab/newline)."""
    if not text:
        return 0.0
    bad = sum(1 for ch in text if (ord(ch) < 32 and ch not in "\t\n\r\f") or 0x7F <= ord(ch) < 0xA0)
    return bad / len(text)


# --------------------------------------------------------------------------- text


def _decode(data: bytes, label: str) -> tuple[str, str, list[str]]:
    """Return (text, encoding name for pandas, notices)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16", ["Read as UTF-16 text."]
    if b"\x00" in data[:65536]:
        raise DataError(f"{label} looks like a binary file, not a text table.",
                        hint="Upload a CSV/TSV text file, an Excel .xlsx, a Parquet or a JSON file.")
    try:
        text = data.decode("utf-8")
        return text.removeprefix("\ufeff"), ("utf-8-sig" if text.startswith("\ufeff") else "utf-8"), []
    except UnicodeDecodeError:
        pass
    # Windows-1252 and Latin-1 agree outside 0x80-0x9F; name the one the bytes point to.
    c1_bytes = any(0x80 <= b <= 0x9F for b in set(data[:1_000_000]))
    for encoding, title in (("cp1252", "Windows-1252"), ("latin-1", "Latin-1")):
        if encoding == "cp1252" and not c1_bytes:
            continue
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _control_share(text[:200_000]) < 0.001:
            return text, encoding, [f"The file is not UTF-8; it was read as {title} text. "
                                    "Check accented characters in the preview."]
    raise DataError(f"{label} is in a text encoding SynthLab can't work out.",
                    hint="Save it as UTF-8 (in Excel: 'CSV UTF-8') and upload it again.")


def _sniff(lines: list[str], suffix: str) -> str:
    """Pick the delimiter that splits the sample into a consistent number of columns."""
    best, best_score = ",", (-1.0, 0, 0)
    for delimiter in _DELIMITERS:
        counts = [len(row) for row in csv.reader(lines, delimiter=delimiter) if row]
        if not counts or counts[0] < 2:
            continue
        consistent = sum(c == counts[0] for c in counts) / len(counts)
        preferred = int(delimiter == "\t" and suffix in {".tsv", ".tab"})
        score = (round(consistent, 2), preferred, counts[0])
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _decimal_comma(lines: list[str], delimiter: str) -> bool:
    if delimiter == ",":
        return False
    fields = [v.strip() for row in csv.reader(lines[1:], delimiter=delimiter) for v in row]
    hits = sum(bool(_DECIMAL_COMMA.match(v)) for v in fields)
    return hits > 0 and hits >= 0.05 * len(fields)


def _read_text(data: bytes, label: str, name: str) -> TableRead:
    text, encoding, notices = _decode(data, label)
    head = text[: 2_000_000].splitlines()[: _SNIFF_LINES + 1]
    lines = [line for line in head if line.strip()]
    delimiter = _sniff(lines, Path(name).suffix.lower())
    decimal = "," if _decimal_comma(lines, delimiter) else "."
    header = next(csv.reader(lines[:1], delimiter=delimiter))
    names, renamed = repair_names(header)
    notices += renamed
    if len(lines) < 2:
        raise DataError(f"{label} has a header ({len(header)} columns) but no rows of data.",
                        hint="Add at least one row below the header.")
    codes = _leading_zero_columns(text, delimiter, names)
    del text
    parse_encoding = encoding
    if encoding == "utf-16":  # pandas' C parser reads bytes; hand it UTF-8
        data, parse_encoding = data.decode("utf-16").encode("utf-8"), "utf-8"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", pd.errors.DtypeWarning)  # mixed chunks are typed by the schema
            frame = pd.read_csv(
                io.BytesIO(data), sep=delimiter, encoding=parse_encoding, decimal=decimal,
                thousands="." if decimal == "," else None, header=0, names=names,
                dtype={c: str for c in codes} or None, skip_blank_lines=True, engine="c",
            )
    except pd.errors.ParserError as exc:
        match = _PANDAS_LINE_ERROR.search(str(exc))
        if match:
            expected, line, saw = match.groups()
            raise DataError(f"{label}: line {line} has {saw} values but the header has {expected} columns.",
                            hint="A value probably contains an unquoted delimiter; quote it or fix the row.") from None
        raise DataError(f"{label} could not be parsed as a table: {str(exc).strip()}",
                        hint="Check that every row has the same number of values.") from None
    except pd.errors.EmptyDataError:
        raise DataError(f"{label} has no rows of data.", hint="Add rows below the header.") from None
    if codes:
        notices.append("Kept leading zeros in " + ", ".join(f"'{c}'" for c in codes)
                       + " (read as codes, not numbers).")
    return TableRead(frame, "csv" if delimiter != "\t" else "tsv", notices, encoding=encoding,
                     delimiter=delimiter, decimal=decimal)


def _leading_zero_columns(text: str, delimiter: str, names: list[str]) -> list[str]:
    """Columns whose digit values start with a zero somewhere in the scanned lines."""
    sample = io.StringIO(text)
    found: set[int] = set()
    reader = csv.reader(sample, delimiter=delimiter)
    next(reader, None)
    for i, row in enumerate(reader):
        if i >= _LEADING_ZERO_LINES:
            break
        for j, value in enumerate(row):
            if j not in found and value[:1] == "0" and _LEADING_ZERO.match(value.strip()):
                found.add(j)
    return [names[j] for j in sorted(found) if j < len(names)]


# --------------------------------------------------------------------------- other formats


def _read_excel(data: bytes, label: str, sheet: str | None) -> TableRead:
    try:
        book = pd.ExcelFile(io.BytesIO(data), engine="openpyxl")
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise DataError(f"{label} is not a readable Excel workbook ({type(exc).__name__}).",
                        hint="Open it in Excel and save it again as .xlsx.") from None
    sheets = [str(s) for s in book.sheet_names]
    if sheet is not None and sheet not in sheets:
        raise DataError(f"{label} has no sheet named '{sheet}'.",
                        hint="Pick one of: " + ", ".join(sheets) + ".")
    chosen = sheet
    if chosen is None:  # the first sheet that has any cells
        chosen = next((s for s in sheets if not _excel_sheet(book, s).empty), sheets[0])
    raw = _excel_sheet(book, chosen)
    if raw.empty:
        others = [s for s in sheets if s != chosen]
        hint = f"Pick another sheet: {', '.join(others)}." if others else "Add a table to it."
        raise DataError(f"Sheet '{chosen}' of {label} has no data.", hint=hint)
    names, notices = repair_names([None if pd.isna(v) else str(v) for v in raw.iloc[0]])
    frame = raw.iloc[1:].reset_index(drop=True)
    frame.columns = names
    if frame.empty:
        raise DataError(f"Sheet '{chosen}' of {label} has a header but no rows of data.",
                        hint="Add rows below the header, or pick another sheet.")
    frame = frame.infer_objects()
    if len(sheets) > 1:
        notices.append(f"The workbook has {len(sheets)} sheets; showing '{chosen}'.")
    return TableRead(frame, "excel", notices, sheet=chosen, sheets=sheets)


def _excel_sheet(book: pd.ExcelFile, sheet: str) -> pd.DataFrame:
    raw = book.parse(sheet, header=None)
    return raw.dropna(how="all").dropna(axis=1, how="all")


def _read_parquet(data: bytes, label: str) -> TableRead:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(io.BytesIO(data))
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise DataError(f"{label} is not a valid Parquet file: it is corrupt or truncated ({exc}).",
                        hint="Export it again, or load the table as CSV.") from None
    names, notices = repair_names(table.column_names)
    table = table.rename_columns(names)
    return TableRead(table.to_pandas(), "parquet", notices)


_NOT_A_TABLE = ("SynthLab reads a list of records such as [{\"age\": 31, \"city\": \"Oslo\"}, ...], "
                "an object of equal-length columns, or JSON Lines.")


def _read_json(data: bytes, label: str) -> TableRead:
    text, _, notices = _decode(data, label)
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        payload = _json_lines(text)
        if payload is None:
            raise DataError(f"{label} is not valid JSON ({exc.msg} at line {exc.lineno}).",
                            hint="Check the file in a JSON validator, or export it again.") from None
        notices.append("Read as JSON Lines (one record per line).")
    records = _json_records(payload, notices)
    if records is None:
        raise DataError(f"{label} is JSON but not a table.", hint=_NOT_A_TABLE)
    if isinstance(records, pd.DataFrame):
        return TableRead(records, "json", notices)
    if not records:
        raise DataError(f"{label} holds an empty list of records.", hint="Add at least one record.")
    frame = pd.json_normalize(records)
    if any(isinstance(v, dict) for r in records[:100] for v in r.values()):
        notices.append("Nested JSON objects were flattened into columns such as 'a.b'.")
    return TableRead(frame, "json", notices)


def _json_lines(text: str) -> list | None:
    try:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    except json.JSONDecodeError:
        return None


def _json_records(payload: Any, notices: list[str]) -> list[dict] | pd.DataFrame | None:
    if isinstance(payload, list):
        return payload if all(isinstance(r, dict) for r in payload) else None
    if not isinstance(payload, dict):
        return None
    if set(payload) >= {"columns", "data"} and isinstance(payload["data"], list):  # orient="split"
        try:
            return pd.DataFrame(payload["data"], columns=payload["columns"])
        except (ValueError, TypeError):
            return None
    lists = {k: v for k, v in payload.items() if isinstance(v, list)}
    if len(payload) == 1 and lists:
        key, value = next(iter(lists.items()))
        if value and all(isinstance(r, dict) for r in value):
            notices.append(f"Read the records under the key '{key}'.")
            return value
    columns_of_scalars = (lists and len(lists) == len(payload) and len({len(v) for v in lists.values()}) == 1
                          and all(not isinstance(x, (dict, list)) for v in lists.values() for x in v))
    if columns_of_scalars:
        return pd.DataFrame(lists)
    if payload and all(isinstance(v, dict) for v in payload.values()):  # orient="index"/"columns"
        frame = pd.DataFrame(payload)
        if all(not isinstance(x, (dict, list)) for x in frame.to_numpy().ravel()):
            return frame
    return None


# --------------------------------------------------------------------------- shared


def repair_names(names: list[Any]) -> tuple[list[str], list[str]]:
    """Give blank headers a name and make duplicates unique; return (names, notices)."""
    repaired: list[str] = []
    blanks: list[str] = []
    for i, raw in enumerate(names):
        name = "" if raw is None else str(raw).strip()
        if _BLANK_NAME.match(name):
            name = f"column_{i + 1}"
            blanks.append(name)
        repaired.append(name)
    seen: set[str] = set()
    renamed: list[str] = []
    taken = set(repaired)
    for i, name in enumerate(repaired):
        if name in seen:
            k = 2
            while f"{name}_{k}" in taken:
                k += 1
            repaired[i] = f"{name}_{k}"
            taken.add(repaired[i])
            renamed.append(f"'{name}' → '{repaired[i]}'")
        seen.add(repaired[i])
    notices = []
    if blanks:
        notices.append("Named blank column headers: " + ", ".join(blanks) + ".")
    if renamed:
        notices.append("Renamed duplicated column names: " + ", ".join(renamed) + ".")
    return repaired, notices


def _finish(frame: pd.DataFrame, label: str, notices: list[str]) -> pd.DataFrame:
    if frame.shape[1] == 0:
        raise DataError(f"{label} has no columns.", hint="Check that it holds a table with a header row.")
    if frame.shape[0] == 0:
        raise DataError(f"{label} has a header ({frame.shape[1]} columns) but no rows of data.",
                        hint="Add at least one row below the header.")
    if not all(isinstance(c, str) for c in frame.columns) or frame.columns.duplicated().any():
        names, more = repair_names(list(frame.columns))
        frame.columns = names
        notices += more
    return frame.reset_index(drop=True)


# --------------------------------------------------------------------------- writing

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(df: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would run as a formula (=, +, -, @, tab, CR first) get a leading
    apostrophe (the OWASP advice against CSV injection). Numbers are left alone."""
    out = df.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            text = out[column]
            risky = text.map(lambda v: isinstance(v, str) and v.startswith(_FORMULA_START))
            out[column] = text.where(~risky, "'" + text.astype(str))
    return out


def write_table(df: pd.DataFrame, fmt: str = "csv") -> bytes:
    """The table as CSV (spreadsheet-safe, UTF-8) or Parquet bytes."""
    if fmt == "csv":
        return spreadsheet_safe(df).to_csv(index=False).encode("utf-8")
    if fmt == "parquet":
        buffer = io.BytesIO()
        df.to_parquet(buffer, index=False)
        return buffer.getvalue()
    raise DataError(f"SynthLab can't write '{fmt}' files.", hint="Use csv or parquet.")
