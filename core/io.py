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
* Text is decoded as UTF-8 (with or without a byte-order mark), UTF-32 or UTF-16 when it has a BOM,
  then Windows-1252 / Latin-1. A decoding that leaves control characters in the text is
  rejected rather than guessed.
* The delimiter is the candidate (``, ; TAB |``) that splits the sample into the most
  columns with the most consistent field count across rows; with a non-comma delimiter,
  numbers written ``3,14`` switch the decimal mark to a comma.
* Digit strings with leading zeros (``02134``) are kept as text so codes are not turned into
  numbers; plain numbers are parsed by pandas' C parser, which keeps a million-row file fast.
* A row with more values than the header is refused with its line number (pandas would otherwise
  take the first column as an index and shift every column); rows with fewer values are loaded
  with their last values empty and a notice that names them.
* A row that repeats the header cell for cell (two exports joined) is dropped with a notice that names
  its line, so it does not turn the columns below it into text.

Hostile files are refused before they cost much, with the operator's limits (``core.limits``,
overridable per call): the cell count is estimated before parsing (CSV from its line count and the
header's width, JSON from its value separators, Parquet from its metadata); an xlsx whose zip
members would unpack beyond ``max_expanded_bytes``, or at a zip bomb's ratio, is never opened, and
its rows are read in openpyxl's read-only mode while counting cells and watching the clock. The
text is checked and sniffed in chunks, never held decoded in full beside the bytes and the frame.
Values pandas can't hold become text with a notice: lists and maps (as JSON), dates outside the
years 1677-2262, UTF-8 binary; anything else a parser trips over is one ``DataError`` sentence.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import re
import time
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from core import limits as _limits
from core.errors import DataError, FileTooLargeError

MAX_BYTES = _limits.Limits().max_upload_bytes  # the default upload limit; an operator's synthlab.toml may change it
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
_HEAD_BYTES = 8 * 2**20  # bytes decoded for sniffing and the leading-zero scan; the rest goes to pandas as bytes
_CHUNK = 4 * 2**20  # bytes decoded at a time when checking an encoding, so the full text is never held
_MAX_ZIP_RATIO = 200  # real workbooks compress their XML 5-50:1; a deflate bomb reaches 1000:1
_ZIP_RATIO_FLOOR = 8 * 2**20  # the ratio is only judged on members that expand beyond this
_CELLS_HINT = "Load a sample of the rows or fewer columns, or ask the operator to raise max_cells."
_LEADING_SPACE = re.compile(rb"\s*")
# UTF-32's byte-order marks come first: the little-endian one (FF FE 00 00) starts like UTF-16's (FF FE).
_BOMS = {codecs.BOM_UTF32_LE: "utf-32", codecs.BOM_UTF32_BE: "utf-32",
         codecs.BOM_UTF16_LE: "utf-16", codecs.BOM_UTF16_BE: "utf-16"}

# A value may be as long as the whole file; the csv module's default cap (128 KiB) is not a limit of ours.
csv.field_size_limit(2**31 - 1)


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
               max_bytes: int | None = None, max_cells: int | None = None,
               max_expanded_bytes: int | None = None, read_seconds: float | None = None) -> pd.DataFrame:
    """Read a table from a path, bytes or an uploaded file; raise ``DataError`` if it can't.

    The limits default to the operator's (``core.limits.limits()``): ``max_bytes`` of the file,
    ``max_cells`` of the table (rows x columns, estimated before parsing), ``max_expanded_bytes``
    that a compressed format (xlsx, Parquet) may unpack to, and ``read_seconds`` of reading."""
    return read_table_report(source, filename=filename, sheet=sheet, max_bytes=max_bytes, max_cells=max_cells,
                             max_expanded_bytes=max_expanded_bytes, read_seconds=read_seconds).frame


def read_table_report(source: Any, *, filename: str | None = None, sheet: str | None = None,
                      max_bytes: int | None = None, max_cells: int | None = None,
                      max_expanded_bytes: int | None = None, read_seconds: float | None = None) -> TableRead:
    """Like :func:`read_table`, but also return the detected format and the notices."""
    operator = _limits.limits()
    data, name = _source_bytes(source, filename, operator.max_upload_bytes if max_bytes is None else max_bytes)
    label = f"'{name}'" if name else "The file"
    budget = _Budget(label, operator.max_cells if max_cells is None else max_cells, operator.max_columns,
                     operator.max_expanded_bytes if max_expanded_bytes is None else max_expanded_bytes,
                     operator.read_seconds if read_seconds is None else read_seconds)
    if not data or data.isspace():  # without strip(), which would copy the whole file
        raise DataError(f"{label} is empty.",
                        hint="Choose a file with a header row and at least one row of data.")
    kind = _detect_format(data, name)
    if kind == "excel":
        result = _read_excel(data, label, sheet, budget)
    elif kind == "parquet":
        result = _read_parquet(data, label, budget)
    elif kind == "json":
        result = _read_json(data, label, budget)
    else:
        result = _read_text(data, label, name, budget)
    budget.check_cells(result.frame.size)
    budget.check_columns(result.frame.shape[1])
    result.frame = _finish(result.frame, label, result.notices)
    return result


@dataclass
class _Budget:
    """The limits one read must stay within, each refused with one sentence."""

    label: str
    max_cells: int
    max_columns: int
    max_expanded_bytes: int
    seconds: float
    started: float = field(default_factory=time.monotonic)

    def check_cells(self, cells: int, *, about: bool = False) -> None:
        if cells > self.max_cells:
            raise DataError(f"{self.label} holds {'about ' if about else ''}{cells:,} cells, over the limit of "
                            f"{self.max_cells:,} cells (rows x columns).",
                            hint=_CELLS_HINT)

    def check_columns(self, columns: int, *, at_least: bool = False) -> None:
        check_columns(self.label, columns, self.max_columns, at_least=at_least)

    def check_expanded(self, size: int) -> None:
        if size > self.max_expanded_bytes:
            raise DataError(f"{self.label} would expand to {size / 2**20:,.0f} MB when unpacked, over the "
                            f"{self.max_expanded_bytes / 2**20:,.0f} MB limit.",
                            hint="Load a sample of the rows, or ask the operator to raise max_expanded_mb.")

    def expired(self) -> bool:
        return time.monotonic() - self.started > self.seconds

    def check_time(self) -> None:
        if self.expired():
            raise DataError(f"{self.label} took longer than {self.seconds:g} seconds to read, so reading stopped.",
                            hint="Load a sample of the rows, save it as CSV, or ask the operator to raise "
                                 "read_seconds.")


def check_columns(label: str, columns: int, limit: int | None = None, *, at_least: bool = False) -> None:
    """A DataError when a table of ``columns`` columns (``at_least``: or more) is wider than the operator allows
    (``max_columns``)."""
    limit = _limits.limits().max_columns if limit is None else limit
    if columns > limit:
        raise DataError(f"{label} has {'at least ' if at_least else ''}{columns:,} columns, over the limit of "
                        f"{limit:,}.",
                        hint="Keep the columns you need (a table this wide is profiled and modelled column by column), "
                             "or ask the operator to raise max_columns.")


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
    first = _LEADING_SPACE.match(data).end()  # the first non-blank byte, found without copying the file
    if suffix not in TEXT_SUFFIXES and data[first:first + 1] in (b"{", b"["):
        return "json"
    return "text"


def _label(name: str) -> str:
    return f"'{name}'" if name else "The file"


def _looks_like_text(data: bytes) -> bool:
    head = data[:65536]
    if head.startswith(tuple(_BOMS)):
        return True
    return b"\x00" not in head and _control_share(head.decode("latin-1")) < 0.01


def _control_share(text: str) -> float:
    """Share of characters that never appear in a text table (C0/C1 controls except tab/newline)."""
    if not text:
        return 0.0
    bad = sum(1 for ch in text if (ord(ch) < 32 and ch not in "\t\n\r\f") or 0x7F <= ord(ch) < 0xA0)
    return bad / len(text)


# --------------------------------------------------------------------------- text


def _encoding(data: bytes, label: str) -> tuple[bytes, str, list[str]]:
    """(``data``, its text encoding: a name Python and pandas know, the notices), checked over the whole file in
    chunks so the decoded text is never held in full. A file whose lines mix UTF-8 with a one-byte encoding (up to
    _MIXED_BYTES) comes back as UTF-8, each line decoded in its own encoding."""
    wide = next((encoding for bom, encoding in _BOMS.items() if data.startswith(bom)), None)
    if wide:
        if not _decodes(data, wide):
            raise DataError(f"{label} starts like {wide.upper()} text but its bytes are cut or damaged.",
                            hint="Save it again as UTF-8 (in Excel: 'CSV UTF-8') and upload it again.")
        return data, wide, [f"Read as {wide.upper()} text."]
    if b"\x00" in data[:65536]:
        raise DataError(f"{label} looks like a binary file, not a text table.",
                        hint="Upload a CSV/TSV text file, an Excel .xlsx, a Parquet or a JSON file.")
    if _decodes(data, "utf-8"):
        return data, ("utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"), []
    mixed = _line_by_line(data) if _UTF8_SEQUENCE.search(data) else None  # UTF-8 characters among bytes that
    if mixed is not None:  # are no UTF-8: lines of two encodings
        return mixed
    # Windows-1252 and Latin-1 agree outside 0x80-0x9F; name the one the bytes point to.
    c1_bytes = any(0x80 <= b <= 0x9F for b in set(data[:1_000_000]))
    for encoding, title in (("cp1252", "Windows-1252"), ("latin-1", "Latin-1")):
        if encoding == "cp1252" and not c1_bytes:
            continue
        if _decodes(data, encoding) and _control_share(data[:200_000].decode(encoding, errors="replace")) < 0.001:
            return data, encoding, [f"The file is not UTF-8; it was read as {title} text. "
                                    "Check accented characters in the preview."]
    raise DataError(f"{label} is in a text encoding SynthLab can't work out.",
                    hint="Save it as UTF-8 (in Excel: 'CSV UTF-8') and upload it again.")


_LATIN_TEXT = re.compile("[\x00-\x7f\xa0-\u024f\u2000-\u20cf]*")  # ASCII, Latin letters, punctuation
_MIXED_BYTES = 64 * 2**20  # a file of mixed encodings is decoded line by line up to this size, held decoded
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _plausible_utf8(line: bytes) -> str | None:
    """The line as UTF-8 when it decodes to Latin letters and punctuation (a Windows-1252 'Ñ’' decodes too, to the
    Cyrillic 'ђ', which no Latin-1 neighbour would hold), else None."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if _LATIN_TEXT.fullmatch(text) else None


def _line_by_line(data: bytes) -> tuple[bytes, str, list[str]] | None:
    """A file whose lines are UTF-8 or Windows-1252 (Latin-1 where a byte is none of Windows-1252's), as UTF-8: read
    whole as one encoding, 'José' in UTF-8 showed as 'JosÃ©' among Latin-1 lines. None when no line with more than
    ASCII reads as UTF-8 Latin text, or the file is too long to hold decoded (then it is read in one encoding)."""
    if len(data) > _MIXED_BYTES:
        return None
    lines, legacy, utf8 = [], [], 0
    for number, line in enumerate(data.splitlines(keepends=True), start=1):
        text = line.decode("ascii") if line.isascii() else _plausible_utf8(line)
        if text is None:
            legacy.append(number)
            try:
                text = line.decode("cp1252")
            except UnicodeDecodeError:
                text = line.decode("latin-1")
        elif not line.isascii():
            utf8 += 1
        lines.append(text)
    if not utf8 or not legacy:
        return None
    shown = ", ".join(f"{n:,}" for n in legacy[:3]) + (" …" if len(legacy) > 3 else "")
    return "".join(lines).encode("utf-8"), "utf-8", [
        f"The file mixes text encodings: {len(legacy):,} of its {len(lines):,} lines are not UTF-8 (line {shown}); "
        "each line was read in its own encoding (those as Windows-1252). Check accented characters in the preview."]


def _decodes(data: bytes, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        for start in range(0, len(data), _CHUNK):
            decoder.decode(data[start:start + _CHUNK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _head(data: bytes, encoding: str) -> str:
    """The decoded start of the file: whole lines up to _HEAD_BYTES (a cut character is held back)."""
    text = codecs.getincrementaldecoder(encoding)().decode(data[:_HEAD_BYTES])
    return text.removeprefix("\ufeff")


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


def _read_text(data: bytes, label: str, name: str, budget: _Budget) -> TableRead:
    data, reported, notices = _encoding(data, label)
    encoding = reported
    if encoding in _BOMS.values():  # pandas' C parser reads bytes; hand it UTF-8
        data, encoding = data.decode(encoding).encode("utf-8"), "utf-8"
    head = _head(data, encoding)
    lines = [line for line in head[:2_000_000].splitlines()[: _SNIFF_LINES + 1] if line.strip()]
    if not lines:
        raise DataError(f"{label} is empty.", hint="Choose a file with a header row and at least one row of data.")
    delimiter = _sniff(lines, Path(name).suffix.lower())
    decimal = "," if _decimal_comma(lines, delimiter) else "."
    header = next(csv.reader(lines[:1], delimiter=delimiter))
    budget.check_columns(len(header), at_least=len(lines) < 2)  # (before the names are repaired one by one; a
    # header longer than the head read is cut short)
    names, renamed = repair_names(header)
    notices += renamed
    if len(lines) < 2:
        raise DataError(f"{label} has a header ({len(header)} columns) but no rows of data.",
                        hint="Add at least one row below the header.")
    # Cells from the line count and the header's width, before parsing: a line break ends a row.
    line_count = max(data.count(b"\n"), data.count(b"\r")) + (not data.endswith((b"\n", b"\r")))
    budget.check_cells((line_count - 1) * len(names), about=True)
    codes = _leading_zero_columns(head, delimiter, names)
    del head
    options = {"sep": delimiter, "encoding": encoding, "decimal": decimal,
               "thousands": "." if decimal == "," else None, "names": names, "dtype": {c: str for c in codes} or None}
    frame, caught = _parse_csv(data, label, options)
    if any(issubclass(w.category, pd.errors.ParserWarning) and "Length of header" in str(w.message)
           for w in caught):
        # Only the first data row can be longer without an error: pandas then drops its extra values.
        line, saw = _first_long_row(data, encoding, delimiter, len(names))
        raise DataError(f"{label}: line {line} has {saw} values but the header has {len(names)} columns.",
                        hint="A value probably contains an unquoted delimiter; quote it or fix the row.")
    budget.check_time()
    repeats = _repeated_headers(frame, header, data, encoding, delimiter, budget)
    if repeats:  # read again without them, so their columns get the types of the rest
        frame, _ = _parse_csv(data, label, options | {"skiprows": [record for record, _ in repeats]})
        at = [line for _, line in repeats]
        notices.append(f"{_rows(len(at))} repeating the header {'were' if len(at) > 1 else 'was'} "
                       f"dropped ({_line_list(at)}), as when two exports are joined.")
    if len(frame) and frame.iloc[:, -1].isna().any():  # a short row leaves its last value missing
        notices += _short_rows(data, encoding, delimiter, len(names), budget)
    if codes:
        notices.append("Kept leading zeros in " + ", ".join(f"'{c}'" for c in codes)
                       + " (read as codes, not numbers).")
    unmarked = 0
    if _MARKED.search(data):  # (one scan of the bytes spares the cell-by-cell look in most files)
        frame, unmarked = _without_formula_marks(frame)
    if unmarked:
        notices.append(f"{unmarked:,} cells or names began with an apostrophe before = + - or @, as SynthLab's "
                       "exports and spreadsheets write text that would otherwise run as a formula; they were read "
                       "without it.")
    return TableRead(frame, "csv" if delimiter != "\t" else "tsv", notices, encoding=reported,
                     delimiter=delimiter, decimal=decimal)


def _parse_csv(data: bytes, label: str, options: dict[str, Any]) -> tuple[pd.DataFrame, list]:
    """The table as pandas' C parser reads it, and the warnings it gave; its errors become one sentence."""
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("ignore", pd.errors.DtypeWarning)  # mixed chunks are typed by the schema
            warnings.simplefilter("always", pd.errors.ParserWarning)
            frame = pd.read_csv(io.BytesIO(data), header=0, index_col=False, skip_blank_lines=True, engine="c",
                                **options)
    except pd.errors.EmptyDataError:
        raise DataError(f"{label} has no rows of data.", hint="Add rows below the header.") from None
    except (ValueError, OverflowError) as exc:  # pandas' ParserError is a ValueError
        raise _parse_error(exc, label) from None
    return frame, caught


def _parse_error(exc: Exception, label: str) -> DataError:
    text = str(exc).strip()
    match = _PANDAS_LINE_ERROR.search(text)
    if match:
        expected, line, saw = match.groups()
        return DataError(f"{label}: line {line} has {saw} values but the header has {expected} columns.",
                         hint="A value probably contains an unquoted delimiter; quote it or fix the row.")
    if "EOF inside string" in text:
        where = re.search(r"starting at row (\d+)", text)
        at = f" (opened on line {int(where.group(1)) + 1})" if where else ""  # pandas counts rows from 0
        return DataError(f"{label} has a quote that is never closed{at}.",
                         hint="Close the quote, or remove the stray quote character.")
    return DataError(f"{label} could not be parsed as a table.",
                     hint=f"Check that every row has the same number of values (the parser said: {text[:200]}).")


def _records(data: bytes, encoding: str, delimiter: str) -> csv.reader:
    """The file's records as the csv module reads them, decoded as a stream."""
    return csv.reader(io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline=""), delimiter=delimiter)


def _first_long_row(data: bytes, encoding: str, delimiter: str, width: int) -> tuple[int, int]:
    reader = _records(data, encoding, delimiter)
    for row in reader:
        if len(row) > width:
            return reader.line_num, len(row)
    return 2, width + 1


def _short_rows(data: bytes, encoding: str, delimiter: str, width: int, budget: _Budget) -> list[str]:
    """A notice naming the rows that have fewer values than the header (pandas fills them silently).
    The scan stops when the read's time is up; the notice then says it counted only part of the file."""
    reader = _records(data, encoding, delimiter)
    next(reader, None)
    short, stopped = [], False
    for i, row in enumerate(reader):
        if 0 < len(row) < width and row != [""]:
            short.append(reader.line_num)
        if i % 65536 == 65535 and budget.expired():
            stopped = True
            break
    if not short:
        return []
    counted = f"{'At least ' if stopped else ''}{_rows(len(short))}"
    return [f"{counted} had fewer values than the header's {width} columns ({_line_list(short)}); "
            "their last values were left empty."]


def _rows(count: int) -> str:
    return f"{count:,} row{'s' if count > 1 else ''}"


def _line_list(lines: list[int]) -> str:
    """'line 4' or 'lines 4, 9, ...' (the first ten)."""
    shown = ", ".join(map(str, lines[:10])) + (", ..." if len(lines) > 10 else "")
    return f"line{'s' if len(lines) > 1 else ''} {shown}"


def _repeated_headers(frame: pd.DataFrame, header: list[str], data: bytes, encoding: str, delimiter: str,
                      budget: _Budget) -> list[tuple[int, int]]:
    """(record, line) of each row that repeats the header cell for cell, both stripped as names are.
    The parsed frame says whether there are any, and how many, so the file is scanned only then."""
    cells = [name.strip() for name in header]
    if any(frame.iloc[:, j].dtype != object and cell for j, cell in enumerate(cells)):
        return []  # a number column under a named header holds no repeat of it (pandas would have read text)
    rows = frame
    for j, cell in enumerate(cells):  # narrowed column by column, so it is cheap when there are none
        values = rows.iloc[:, j]
        if values.dtype == object:
            rows = rows[values.fillna("").str.strip() == cell]
        else:  # a column of numbers holds no header text, only a blank header cell's missing value
            rows = rows[values.isna() & (cell == "")]
        if rows.empty:
            return []
    repeats: list[tuple[int, int]] = []
    reader = _records(data, encoding, delimiter)
    next(reader, None)
    for record, row in enumerate(reader, start=1):  # pandas' skiprows counts records, blank ones too
        if row[:1] and row[0].strip() == cells[0] and [value.strip() for value in row] == cells:
            repeats.append((record, reader.line_num))
            if len(repeats) == len(rows):
                break
        if record % 65536 == 0:
            budget.check_time()
    return repeats


def _leading_zero_columns(text: str, delimiter: str, names: list[str]) -> list[str]:
    """Columns whose digit values start with a zero somewhere in the scanned lines."""
    found: set[int] = set()
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    next(reader, None)
    try:
        for i, row in enumerate(reader):
            if i >= _LEADING_ZERO_LINES:
                break
            for j, value in enumerate(row):
                if j not in found and value[:1] == "0" and _LEADING_ZERO.match(value.strip()):
                    found.add(j)
    except csv.Error:  # a quote still open where the scanned head ends
        pass
    return [names[j] for j in sorted(found) if j < len(names)]


# --------------------------------------------------------------------------- other formats


def _read_excel(data: bytes, label: str, sheet: str | None, budget: _Budget) -> TableRead:
    _check_zip(data, label, budget)
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except DataError:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure inside a third-party parser means a damaged workbook
        raise _bad_workbook(label, exc) from None
    try:
        sheets = [str(s) for s in book.sheetnames]
        if sheet is not None and sheet not in sheets:
            raise DataError(f"{label} has no sheet named '{sheet}'.",
                            hint="Pick one of: " + ", ".join(sheets) + ".")
        raw, chosen = pd.DataFrame(), sheet
        for name in ([sheet] if sheet is not None else sheets):  # the first sheet that has any cells
            raw = _excel_sheet(book[name], budget)
            chosen = name
            if not raw.empty:
                break
        chosen = chosen if not raw.empty or sheet is not None else sheets[0]
        member = getattr(book[chosen], "_worksheet_path", None)  # (openpyxl's: the sheet's part of the zip)
    except DataError:
        raise
    except Exception as exc:  # noqa: BLE001 - as above: malformed XML, a corrupt stream, a bad CRC
        raise _bad_workbook(label, exc) from None
    finally:
        book.close()
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
    notices += _emptied_cells(data, member, chosen)
    if len(sheets) > 1:
        notices.append(f"The workbook has {len(sheets)} sheets; showing '{chosen}'.")
    return TableRead(frame, "excel", notices, sheet=chosen, sheets=sheets)


_MERGED = re.compile(rb"<mergeCell[\s>]")
# a formula with no saved value after it: no <v>, or an empty <v/> as openpyxl writes (Excel saves an empty text
# result as <v></v>, which is a value)
_UNSAVED_FORMULA = re.compile(rb"(?:</f>|<f\b[^>]*/>)\s*(?:<v\s*/>)?\s*</c>")


def _emptied_cells(data: bytes, member: str | None, sheet: str) -> list[str]:
    """Notices of cells a sheet holds but that read as empty: merged ranges (their value is in the first cell
    only) and formulas saved without a result (by a program that does not calculate)."""
    if not member:
        return []
    merged = formulas = 0
    with zipfile.ZipFile(io.BytesIO(data)) as book, book.open(member.lstrip("/")) as xml:
        tail = b""
        while chunk := xml.read(_CHUNK):
            text = tail + chunk
            cut = max(len(tail), len(text) - 4_096)  # what a match may still need comes again with the next chunk
            merged += sum(m.start() < cut for m in _MERGED.finditer(text))
            formulas += sum(m.start() < cut for m in _UNSAVED_FORMULA.finditer(text))
            tail = text[cut:]
        merged += len(_MERGED.findall(tail))
        formulas += len(_UNSAVED_FORMULA.findall(tail))
    notices = []
    if merged:
        notices.append(f"Sheet '{sheet}' has {merged:,} merged cell range{'s' if merged != 1 else ''}: only the "
                       "first cell of each holds its value, and the others read as empty.")
    if formulas:
        notices.append(f"{formulas:,} formula cell{'s' if formulas != 1 else ''} of sheet '{sheet}' "
                       f"{'have' if formulas != 1 else 'has'} no saved result (the file was saved by a program that "
                       f"does not calculate), so {'they read' if formulas != 1 else 'it reads'} as empty. Open it in "
                       "Excel and save it again to keep the results.")
    return notices


def _bad_workbook(label: str, exc: Exception) -> DataError:
    return DataError(f"{label} is not a readable Excel workbook.",
                     hint=f"Open it in Excel and save it again as .xlsx ({type(exc).__name__}: {str(exc)[:120]}).")


def _check_zip(data: bytes, label: str, budget: _Budget) -> None:
    """Refuse a workbook whose members would unpack beyond the limit, or at a bomb's ratio, before parsing.
    Python's zipfile never inflates a member past its declared size, so the declared sizes are a bound."""
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, NotImplementedError) as exc:
        raise _bad_workbook(label, exc) from None  # NotImplementedError: a zip version or method it can't read
    budget.check_expanded(sum(m.file_size for m in members))
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > _ZIP_RATIO_FLOOR and ratio > _MAX_ZIP_RATIO:
            raise DataError(f"{label} is compressed {ratio:,.0f} to 1, far beyond any real workbook, so it "
                            "was not opened.",
                            hint="This looks like a zip bomb; if it is a real workbook, save it as CSV or Parquet.")


def _excel_sheet(sheet: Any, budget: _Budget) -> pd.DataFrame:
    """The sheet's cells, read row by row in read-only mode within the cell and time budget."""
    if not hasattr(sheet, "iter_rows"):  # a chart sheet holds no cells
        return pd.DataFrame()
    sheet.reset_dimensions()  # don't trust the declared size; rows are as long as their last cell
    rows, cells = [], 0
    for i, row in enumerate(sheet.iter_rows(values_only=True)):
        cells += len(row)
        if cells > budget.max_cells:
            raise DataError(f"{budget.label} holds more than {budget.max_cells:,} cells (rows x columns), "
                            "the limit, so reading stopped.",
                            hint=_CELLS_HINT)
        if i % 1000 == 0:
            budget.check_time()
        rows.append(row)
    raw = pd.DataFrame(rows, dtype=object)
    return raw.dropna(how="all").dropna(axis=1, how="all")


def _read_parquet(data: bytes, label: str, budget: _Budget) -> TableRead:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(io.BytesIO(data)).metadata
        budget.check_cells(meta.num_rows * meta.num_columns)
        budget.check_columns(meta.num_columns)
        budget.check_expanded(sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups)))

        def within(size: int) -> None:
            budget.check_expanded(size)
            budget.check_time()

        table = parquet_within(data, within)
    except DataError:
        raise
    except (pa.ArrowException, OSError, ValueError, TypeError, IndexError, MemoryError) as exc:
        raise DataError(f"{label} is not a valid Parquet file: it is corrupt or truncated.",
                        hint=f"Export it again, or load the table as CSV ({str(exc)[:120]}).") from None
    names, notices = repair_names(table.column_names)
    try:
        frame = _pandas_ready(table.rename_columns(names), label, notices).to_pandas()
    except DataError:
        raise
    except (pa.ArrowException, ValueError, TypeError, OverflowError) as exc:
        raise DataError(f"{label} holds values SynthLab can't turn into a table.",
                        hint=f"Export it with plain numbers, text and dates ({str(exc)[:120]}).") from None
    return TableRead(frame, "parquet", notices)


def parquet_within(data: bytes, check: Callable[[int], None]) -> Any:
    """A Parquet file's table (pyarrow), read one row group at a time; ``check`` gets the bytes read so far, text
    counted as it decodes before it is decoded, and raises to stop. Text is read as dictionaries (each value once,
    then an index per row): one 1 MB value repeated 3,000 times is a few KB on disk and 3 GB decoded."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    fields = pq.ParquetFile(io.BytesIO(data)).schema_arrow
    texts = [i for i, f in enumerate(fields) if _text_type(f.type)]
    parquet = pq.ParquetFile(io.BytesIO(data), read_dictionary=sorted({fields.field(i).name for i in texts}))
    groups, size = [], 0
    for i in range(parquet.metadata.num_row_groups):
        group = parquet.read_row_group(i)  # text as it decodes (values and offsets), the rest as read
        size += sum(_decoded_bytes(column) + 8 * len(column) if j in texts else column.nbytes
                    for j, column in enumerate(group.columns))
        check(size)
        for j in texts:
            group = group.set_column(j, fields.field(j), group.column(j).cast(fields.field(j).type))
        groups.append(group)
    return pa.concat_tables(groups) if groups else fields.empty_table()


def _text_type(kind: Any) -> bool:
    import pyarrow as pa

    return any(test(kind) for test in (pa.types.is_string, pa.types.is_large_string, pa.types.is_binary,
                                       pa.types.is_large_binary))


def _decoded_bytes(column: Any) -> int:
    """The bytes a dictionary-encoded column of text holds once decoded: each row's value's length."""
    import pyarrow as pa
    import pyarrow.compute as pc

    total = 0
    for chunk in column.chunks:  # (a chunk read without a dictionary is decoded already: its own bytes)
        total += (pc.sum(pc.take(pc.binary_length(chunk.dictionary), chunk.indices)).as_py() or 0
                  if pa.types.is_dictionary(chunk.type) else chunk.nbytes)
    return total


def _pandas_ready(table: Any, label: str, notices: list[str]) -> Any:
    """Columns pandas can't hold as they are, made into ones it can: nested values become JSON text,
    binary becomes text (if it is UTF-8), dates become datetime64[ns] or, outside its range, ISO text."""
    import pyarrow as pa
    import pyarrow.compute as pc

    nested, out_of_range, decimals = [], [], []
    for i, name in enumerate(table.column_names):
        column, kind = table.column(i), table.schema.field(i).type
        if pa.types.is_dictionary(kind):
            if pa.types.is_string(kind.value_type) or pa.types.is_large_string(kind.value_type) \
                    or pa.types.is_integer(kind.value_type) or pa.types.is_floating(kind.value_type):
                continue  # pandas holds it as a Categorical, as it was written
            column, kind = column.cast(kind.value_type), kind.value_type
        if pa.types.is_nested(kind):
            nested.append(name)
            column = pa.array([None if v is None else json.dumps(v, default=str, ensure_ascii=False)
                               for v in column.to_pylist()], pa.string())
        elif pa.types.is_binary(kind) or pa.types.is_large_binary(kind) or pa.types.is_fixed_size_binary(kind):
            try:
                column = pc.cast(column, pa.string())
            except pa.ArrowInvalid:
                raise DataError(f"{label}: column '{name}' holds binary data that is not text.",
                                hint="Drop the column or export it as text before loading.") from None
        elif pa.types.is_timestamp(kind) or pa.types.is_date(kind):
            try:  # a safe cast refuses dates outside the years 1677-2262 that nanoseconds can hold
                column = column.cast(pa.timestamp("ns", getattr(kind, "tz", None)))
            except pa.ArrowInvalid:
                out_of_range.append(name)
                column = pc.cast(column, pa.string())
        elif pa.types.is_time(kind):
            column = pc.cast(column, pa.string())
        elif pa.types.is_decimal(kind):
            decimals.append(name)  # through their text: the nearest float to each (a direct cast read 112.99 as
            column = pc.cast(pc.cast(column, pa.string()), pa.float64())  # 112.99000000000001)
        table = table.set_column(i, name, column)
    if nested:
        notices.append("Cells holding lists or objects were kept as JSON text in " + _quoted(nested) + ".")
    if out_of_range:
        notices.append("Dates outside the years 1677-2262 that pandas can hold were kept as text in "
                       + _quoted(out_of_range) + ".")
    if decimals:
        notices.append("Decimal numbers were read as floating-point numbers in " + _quoted(decimals) + ".")
    return table


def _quoted(names: list[str]) -> str:
    return ", ".join(f"'{n}'" for n in names)


_NOT_A_TABLE = ("SynthLab reads a list of records such as [{\"age\": 31, \"city\": \"Oslo\"}, ...], "
                "an object of equal-length columns, or JSON Lines.")


def _read_json(data: bytes, label: str, budget: _Budget) -> TableRead:
    data, encoding, notices = _encoding(data, label)
    # Values are separated by commas or line breaks: their count bounds the cells before parsing.
    budget.check_cells(data.count(b",") + data.count(b"\n") + 1, about=True)
    text = data.decode(encoding).removeprefix("\ufeff")
    if not text.strip():
        raise DataError(f"{label} is empty.", hint="Choose a file that holds a list of records.")
    try:
        try:
            payload = json.loads(text)
        except json.JSONDecodeError as exc:
            payload = _json_lines(text)
            if payload is None:
                raise DataError(f"{label} is not valid JSON ({exc.msg} at line {exc.lineno}).",
                                hint="Check the file in a JSON validator, or export it again.") from None
            notices.append("Read as JSON Lines (one record per line).")
        del text
        records = _json_records(payload, notices)
        if records is None:
            raise DataError(f"{label} is JSON but not a table.", hint=_NOT_A_TABLE)
        if isinstance(records, pd.DataFrame):
            frame = records
        elif not records:
            raise DataError(f"{label} holds an empty list of records.", hint="Add at least one record.")
        else:
            frame = pd.json_normalize(records)
            if any(isinstance(v, dict) for r in records[:100] for v in r.values()):
                notices.append("Nested JSON objects were flattened into columns such as 'a.b'.")
    except RecursionError:
        raise DataError(f"{label} is nested too deeply to be a table.",
                        hint="Export it as a flat list of records, or as CSV.") from None
    except ValueError as exc:  # e.g. an integer with thousands of digits
        raise DataError(f"{label} holds a value SynthLab can't read as a number or text.",
                        hint=f"Check the file in a JSON validator ({str(exc)[:120]}).") from None
    return TableRead(_json_text_cells(frame, notices), "json", notices)


def _json_text_cells(frame: pd.DataFrame, notices: list[str]) -> pd.DataFrame:
    """Cells holding lists or objects (JSON arrays, unflattened maps) become their JSON text."""
    nested = []
    for column in frame.columns[(frame.dtypes == "object").to_numpy()]:
        values = frame[column]
        is_nested = values.map(lambda v: isinstance(v, (list, dict)))
        if is_nested.any():
            nested.append(str(column))
            frame[column] = values.where(~is_nested, values[is_nested].map(
                lambda v: json.dumps(v, default=str, ensure_ascii=False)))
    if nested:
        notices.append("Cells holding lists or objects were kept as JSON text in " + _quoted(nested) + ".")
    return frame


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

# A spreadsheet runs a cell as a formula if it starts with one of these, also on a line after a line break.
_FORMULA = re.compile(r"(^|[\r\n])[=+\-@\t\r]")


def _risky(value: Any) -> bool:
    return isinstance(value, str) and bool(_FORMULA.search(value))


def _neutral(value: Any) -> Any:
    return "'" + value if _risky(value) else value


_MARKED = re.compile(rb"(?:^|[\r\n,;|\t\"])'[=+\-@\t\r]")  # an export's apostrophe, at a field's start


def _marked(value: Any) -> bool:
    """Text as :func:`spreadsheet_safe` writes a formula-like value: an apostrophe, then the value."""
    return isinstance(value, str) and value.startswith("'") and _risky(value[1:])


def _without_formula_marks(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The table read back as it was before :func:`spreadsheet_safe` (names and text cells without the apostrophe
    it adds), and how many it took off; a spreadsheet shows these cells without it too."""
    count, names = 0, list(frame.columns)
    if any(_marked(c) for c in names):
        count += sum(_marked(c) for c in names)
        frame.columns = [c[1:] if _marked(c) else c for c in names]
    for i in range(frame.shape[1]):
        column = frame.iloc[:, i]
        if column.dtype != object:
            continue
        marked = column.map(_marked)
        if marked.any():
            count += int(marked.sum())
            frame.isetitem(i, column.where(~marked, column[marked].str[1:]))
    return frame, count


def spreadsheet_safe(df: pd.DataFrame) -> pd.DataFrame:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe (the OWASP advice
    against CSV injection): a cell or column name starting with =, +, -, @, tab or CR, or holding
    one of them right after a line break. Numeric and date columns are left alone."""
    out = df.copy()
    out.columns = [_neutral(c) for c in out.columns]
    for i in range(out.shape[1]):
        column = out.iloc[:, i]
        if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_datetime64_any_dtype(column):
            continue
        values = column.astype(object)
        risky = values.map(_risky)
        if risky.any():
            out.isetitem(i, values.where(~risky, values[risky].map(_neutral)))
    return out


def write_table(df: pd.DataFrame, fmt: str = "csv") -> bytes:
    """The table as CSV (spreadsheet-safe, UTF-8) or Parquet bytes.

    Parquet needs unique column names: duplicates get the names reading the CSV back would give them
    (``repair_names``). A column pyarrow can't store as it is (numbers mixed with text, an integer beyond
    64 bits, complex numbers, Periods of mixed frequencies...) is written as text; every other column as is."""
    if fmt == "csv":
        # CRLF rows (RFC 4180): a value holding a lone CR is then quoted, so it can't start a row of its own.
        return _whole_as_written(spreadsheet_safe(df)).to_csv(index=False, lineterminator="\r\n").encode("utf-8")
    if fmt == "parquet":
        import pyarrow as pa

        names = [str(c) for c in df.columns]
        if len(set(names)) < len(names):
            df = df.set_axis(repair_names(names)[0], axis=1)
        try:
            return _parquet_bytes(df)
        except (pa.ArrowException, ValueError, TypeError, OverflowError):
            return _parquet_bytes(_text_where_parquet_fails(df))
    raise DataError(f"SynthLab can't write '{fmt}' files.", hint="Use csv or parquet.")


def _whole_as_written(df: pd.DataFrame) -> pd.DataFrame:
    """Float columns of whole numbers (a whole-number column with holes is float) as nullable integers, so a CSV
    reads 45, not 45.0; only where every value is exact (below 2^53)."""
    import numpy as np

    whole = []
    for i in range(df.shape[1]):
        column = df.iloc[:, i]
        if pd.api.types.is_float_dtype(column.dtype):
            values = column.to_numpy(dtype=float)
            values = values[~np.isnan(values)]
            if len(values) and np.all(np.abs(values) < 2**53) and np.all(values == np.round(values)):
                whole.append(i)
    if not whole:
        return df
    out = df.copy(deep=False)
    for i in whole:
        out.isetitem(i, df.iloc[:, i].astype("Int64"))
    return out


def _parquet_bytes(df: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    df.to_parquet(buffer, index=False)
    return buffer.getvalue()


def _text_where_parquet_fails(df: pd.DataFrame) -> pd.DataFrame:
    """A copy whose columns that can't be written to Parquet alone are text; missing values stay missing."""
    import pyarrow as pa

    out = df.copy()
    for i in range(df.shape[1]):
        try:
            _parquet_bytes(df.iloc[:, [i]])
        except (pa.ArrowException, ValueError, TypeError, OverflowError):
            values = df.iloc[:, i].astype(object)
            out.isetitem(i, values.map(str).where(values.notna(), None))
    return out
