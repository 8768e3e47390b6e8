"""core.io: every supported format, the detection it does, and every kind of bad file."""

import io
import json

import numpy as np
import pandas as pd
import pytest

from core.errors import DataError, FileTooLargeError
from core.io import read_table, read_table_report, repair_names, write_table
from core.samples import SAMPLES

# --------------------------------------------------------------------------- good input


@pytest.mark.parametrize("key", list(SAMPLES))
def test_every_bundled_sample_reads(key):
    df = read_table(SAMPLES[key].path)
    assert len(df) > 50 and df.shape[1] >= 4
    assert all(isinstance(c, str) and c for c in df.columns)


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_is_detected(delimiter):
    text = delimiter.join(["name", "age", "city"]) + "\n" + "\n".join(
        delimiter.join([f"p{i}", str(20 + i), "Oslo"]) for i in range(5))
    read = read_table_report(text.encode(), filename="people.txt")
    assert read.delimiter == delimiter
    assert list(read.frame.columns) == ["name", "age", "city"]
    assert read.frame["age"].tolist() == [20, 21, 22, 23, 24]


def test_quoted_delimiters_do_not_confuse_the_sniffer():
    text = 'name,comment\nAnn,"fine, thanks"\nBob,"ok, sure"\n'
    df = read_table(text.encode(), filename="a.csv")
    assert df["comment"].tolist() == ["fine, thanks", "ok, sure"]


@pytest.mark.parametrize("encoding,expected", [
    ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("latin-1", "latin-1"), ("cp1252", "cp1252"),
    ("utf-16", "utf-16")])
def test_encodings_are_detected(encoding, expected):
    text = "city,temp\nZürich,3\nSão Paulo,25\nKraków,-2\n"
    if encoding == "cp1252":
        text = "item,price\nCafé crème,“3 €”\n"  # cp1252-only characters: € and curly quotes
    read = read_table_report(text.encode(encoding), filename="t.csv")
    assert read.encoding == expected
    assert read.frame.columns[0] in ("city", "item")  # no BOM left in the first name
    if encoding != "cp1252":
        assert read.frame["city"].tolist() == ["Zürich", "São Paulo", "Kraków"]
    else:
        assert read.frame["price"].tolist() == ["“3 €”"]
    assert bool(read.notices) == (encoding in ("latin-1", "cp1252", "utf-16"))


@pytest.mark.parametrize("filename", ["m.csv", "m.jsonl"])
def test_lines_of_two_encodings_are_each_read_in_their_own(filename):
    """Read whole as Latin-1, the UTF-8 lines showed 'JosÃ©'; each line is now read in its own encoding, said."""
    rows = [("José", "utf-8"), ("Müller", "latin-1"), ("Zoë", "utf-8"), ("“Café”", "cp1252")]
    if filename.endswith(".csv"):
        data = b"name,v\n" + b"".join(f"{n},{i}\n".encode(e) for i, (n, e) in enumerate(rows))
    else:
        data = b"".join(f'{{"name": "{n}", "v": {i}}}\n'.encode(e) for i, (n, e) in enumerate(rows))
    read = read_table_report(data, filename=filename)
    assert read.frame["name"].tolist() == [n for n, _ in rows]
    assert any("mixes text encodings: 2 of its" in n for n in read.notices)


def test_a_file_wholly_in_windows_1252_is_read_in_it_whatever_byte_pairs_look_like_utf8():
    """'Ñ’' (D1 92) and 'Ü–' (DC 96) are also UTF-8 byte pairs, for Cyrillic and Syriac letters: a whole file of
    Windows-1252 went line by line and read 'NIђS'."""
    names = ["José", "NIÑ’S", "MÜ–X", "Fête « é\xa0» °C"]
    read = read_table_report(("name,v\n" + "".join(f"{n},{i}\n" for i, n in enumerate(names))).encode("cp1252"),
                             filename="c.csv")
    assert read.frame["name"].tolist() == names and read.encoding == "cp1252"
    assert not any("mixes" in n for n in read.notices)


def test_decimal_comma_and_thousands_dot():
    text = "product;price;weight\nA;1.234,50;0,5\nB;12,25;1,75\nC;3,00;2\n"
    read = read_table_report(text.encode(), filename="prices.csv")
    assert read.decimal == ","
    assert read.frame["price"].tolist() == [1234.5, 12.25, 3.0]
    assert read.frame["weight"].tolist() == [0.5, 1.75, 2.0]
    assert "decimal comma" in read.describe()


def test_leading_zeros_are_kept_as_codes():
    text = "zip,count\n02134,5\n10001,7\n00501,2\n"
    read = read_table_report(text.encode(), filename="z.csv")
    assert read.frame["zip"].tolist() == ["02134", "10001", "00501"]
    assert read.frame["count"].dtype.kind == "i"
    assert any("leading zeros" in n for n in read.notices)


def test_blank_and_duplicated_names_are_repaired_with_a_notice():
    text = "a,a,,b,a\n1,2,3,4,5\n"
    read = read_table_report(text.encode(), filename="d.csv")
    assert list(read.frame.columns) == ["a", "a_2", "column_3", "b", "a_3"]
    assert read.frame.iloc[0].tolist() == [1, 2, 3, 4, 5]
    assert any("duplicated" in n for n in read.notices) and any("blank" in n for n in read.notices)


def test_repair_names_avoids_existing_names():
    names, _ = repair_names(["x", "x", "x_2"])
    assert names == ["x", "x_3", "x_2"]


def test_all_missing_constant_and_infinite_columns_load():
    text = "empty,const,big,x\n,7,inf,1\n,7,-inf,2\n,7,3.5,3\n"
    df = read_table(text.encode(), filename="odd.csv")
    assert df["empty"].isna().all()
    assert df["const"].nunique() == 1
    assert np.isinf(df["big"]).sum() == 2


def test_uploaded_file_like_object():
    buffer = io.BytesIO(b"a,b\n1,2\n")
    buffer.name = "upload.csv"
    df = read_table(buffer)
    assert df.shape == (1, 2)


def test_excel_cells_that_read_as_empty_are_said():
    """Merged ranges and formulas saved without a result became holes without a word."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in (["a", "b", "c"], [1, 2, 3], [None, 5, 6], [7, "=B2+B3", 9], [8, "=B2*2", 1]):
        sheet.append(row)
    sheet.merge_cells("A2:A3")
    buffer = io.BytesIO()
    book.save(buffer)
    read = read_table_report(buffer.getvalue(), filename="m.xlsx")
    assert read.frame["a"].isna().sum() == 1 and read.frame["b"].isna().sum() == 2
    assert any("1 merged cell range:" in n for n in read.notices)
    assert any("2 formula cells of sheet 'Sheet' have no saved result" in n for n in read.notices)
    plain = io.BytesIO()
    pd.DataFrame({"x": [1, 2]}).to_excel(plain, index=False)
    assert not read_table_report(plain.getvalue(), filename="p.xlsx").notices


def test_excel_sheets_and_choice():
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        pd.DataFrame().to_excel(writer, sheet_name="Cover", index=False)
        pd.DataFrame({"x": [1, 2, None], "label": ["a", "b", "c"]}).to_excel(writer, sheet_name="Data",
                                                                            index=False)
        pd.DataFrame({"y": [1.5]}).to_excel(writer, sheet_name="Other", index=False)
    data = buffer.getvalue()
    read = read_table_report(data, filename="book.xlsx")
    assert read.sheets == ["Cover", "Data", "Other"]
    assert read.sheet == "Data"  # the first sheet with cells, not the empty cover
    assert read.frame["x"].dtype == float and read.frame["label"].tolist() == ["a", "b", "c"]
    assert read_table(data, filename="book.xlsx", sheet="Other")["y"].tolist() == [1.5]
    with pytest.raises(DataError, match=r"Sheet 'Cover'.*no data"):
        read_table(data, filename="book.xlsx", sheet="Cover")
    with pytest.raises(DataError, match="no sheet named"):
        read_table(data, filename="book.xlsx", sheet="Missing")


def test_a_whole_number_column_with_holes_is_written_without_decimals():
    """Float because of its holes, an age was written 45.0; values beyond 2^53 and fractions keep their form."""
    df = pd.DataFrame({"age": [45.0, np.nan, 61.0], "x": [0.5, 1.0, np.inf], "big": [2.0**60, 1.0, 2.0]})
    text = write_table(df, "csv").decode()
    assert text.splitlines()[1:] == ["45,0.5,1.152921504606847e+18", ",1.0,1.0", "61,inf,2.0"]
    assert df["age"].dtype == float  # (the table itself is left as it is)


def test_parquet_round_trip():
    df = pd.DataFrame({"a": [1, 2], "when": pd.to_datetime(["2024-01-01", "2024-02-01"]), "s": ["x", None]})
    buffer = io.BytesIO()
    df.to_parquet(buffer)
    out = read_table(buffer.getvalue(), filename="t.parquet")
    pd.testing.assert_frame_equal(out, df, check_dtype=False)


@pytest.mark.parametrize("payload,columns", [
    ([{"a": 1, "b": "x"}, {"a": 2, "b": "y"}], ["a", "b"]),
    ({"a": [1, 2], "b": ["x", "y"]}, ["a", "b"]),
    ({"columns": ["a", "b"], "data": [[1, "x"], [2, "y"]]}, ["a", "b"]),
    ({"rows": [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]}, ["a", "b"]),
    ([{"a": 1, "b": {"c": 2}}, {"a": 2, "b": {"c": 3}}], ["a", "b.c"]),
])
def test_json_tables(payload, columns):
    df = read_table(json.dumps(payload).encode(), filename="t.json")
    assert list(df.columns) == columns and len(df) == 2


def test_json_lines():
    text = '{"a": 1, "b": "x"}\n{"a": 2, "b": "y"}\n'
    read = read_table_report(text.encode(), filename="t.jsonl")
    assert read.frame.shape == (2, 2) and any("JSON Lines" in n for n in read.notices)


# --------------------------------------------------------------------------- bad input


def _excel_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False, engine="openpyxl")
    return buffer.getvalue()


BAD_FILES = {
    "empty file": (b"", "a.csv", "is empty"),
    "only whitespace": (b"  \n\n ", "a.csv", "is empty"),
    "header without rows": (b"a,b,c\n", "a.csv", "header .*no rows"),
    "binary junk named .csv": (bytes(range(256)) * 40, "a.csv", "binary file"),
    "ragged rows": (b"a,b,c\n1,2,3\n4,5,6,7\n", "a.csv", "line 3 has 4 values but the header has 3"),
    "undecodable encoding": (b"a,b\n\x81\x8d\x8f,\x90\x9d\x81\n\x8d\x81,\x8f\x90\n", "a.csv", "encoding"),
    "text named .xlsx": (b"a,b\n1,2\n", "a.xlsx", "not an Excel workbook; it is a text file"),
    "corrupt zip named .xlsx": (b"PK\x03\x04" + b"\x00" * 100, "a.xlsx", "not a readable Excel workbook"),
    "corrupt parquet": (b"PAR1" + b"\x01" * 64 + b"PAR1", "a.parquet", "not a valid Parquet"),
    "truncated parquet": (b"PAR1\x15\x04", "a.parquet", "not a valid Parquet"),
    "json that is not a table": (b'{"name": "x", "version": 3}', "a.json", "JSON but not a table"),
    "json list of numbers": (b"[1, 2, 3]", "a.json", "JSON but not a table"),
    "invalid json": (b'{"a": [1, 2', "a.json", "not valid JSON"),
    "empty json list": (b"[]", "a.json", "empty list"),
    "legacy xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "a.xls", "legacy Excel"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_files_get_one_clear_sentence(case):
    data, name, message = BAD_FILES[case]
    with pytest.raises(DataError, match=message) as info:
        read_table(data, filename=name)
    assert info.value.hint  # always says what to do
    assert "Traceback" not in str(info.value)


def test_sheet_with_no_data():
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        pd.DataFrame().to_excel(writer, sheet_name="Empty", index=False)
    with pytest.raises(DataError, match=r"Sheet 'Empty' .* has no data"):
        read_table(buffer.getvalue(), filename="e.xlsx")


def test_excel_sheet_with_only_a_header():
    data = _excel_bytes(pd.DataFrame(columns=["a", "b"]))
    with pytest.raises(DataError, match="header but no rows"):
        read_table(data, filename="h.xlsx")


def test_file_over_the_size_limit(tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(b"a,b\n" + b"1,2\n" * 1000)
    with pytest.raises(FileTooLargeError, match="over the 0 MB limit"):
        read_table(path, max_bytes=100)
    with pytest.raises(FileTooLargeError):
        read_table(path.read_bytes(), filename="big.csv", max_bytes=100)


def test_missing_path(tmp_path):
    with pytest.raises(DataError, match="no file at"):
        read_table(tmp_path / "nope.csv")


def test_written_csv_is_safe_to_open_in_a_spreadsheet():
    df = pd.DataFrame({"name": ["=HYPERLINK(\"http://x\")", "+1", "-cmd", "@sum", "ok", None],
                       "n": [-1, 2, 3, 4, 5, 6]})
    text = write_table(df).decode()
    assert "'=HYPERLINK" in text and "'+1" in text and "'-cmd" in text and "'@sum" in text
    back = read_table(text.encode(), filename="x.csv")
    assert back["n"].tolist() == [-1, 2, 3, 4, 5, 6]  # numbers are not touched
    parquet = write_table(df, "parquet")
    pd.testing.assert_frame_equal(read_table(parquet, filename="x.parquet"), df)
    with pytest.raises(DataError, match="can't write"):
        write_table(df, "xls")


# --------------------------------------------------------------------------- hardening (issue 11)


def _parquet_bytes(table) -> bytes:
    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("text,line,saw,expected", [
    (b"name,score\nalice,1,extra\n", 2, 3, 2),  # pandas would make 'name' the index and shift the columns
    (b"name,score\nalice,1\nbob,2,x\n", 3, 3, 2),
    (b"a;b;c\n1;2;3\n4;5;6;7;8\n", 3, 5, 3),
])
def test_a_row_with_extra_fields_is_refused_not_shifted(text, line, saw, expected):
    with pytest.raises(DataError, match=rf"line {line} has {saw} values but the header has {expected}"):
        read_table(text, filename="r.csv")


def test_rows_with_fewer_fields_are_reported():
    read = read_table_report(b"a,b,c\n1,2,3\n4,5\n6,7,\n8\n", filename="s.csv")
    assert read.frame.shape == (4, 3)
    notice = next(n for n in read.notices if "fewer values" in n)
    assert "2 rows" in notice and "lines 3, 5" in notice  # '6,7,' has an empty third value, not a short row


def test_an_ordinary_missing_last_value_is_not_called_a_short_row():
    read = read_table_report(b"a,b\n1,\n2,3\n", filename="s.csv")
    assert not any("fewer values" in n for n in read.notices)


def _zip_bomb_xlsx(expanded: int) -> bytes:
    """A real workbook whose sheet is padded with an XML comment that compresses ~1000:1."""
    import zipfile as zf

    source = zf.ZipFile(io.BytesIO(_excel_bytes(pd.DataFrame({"a": [1, 2]}))))
    out = io.BytesIO()
    with zf.ZipFile(out, "w", zf.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename.endswith("sheet1.xml"):
                body = body.replace(b"<sheetData>", b"<!--" + b" " * expanded + b"--><sheetData>", 1)
            target.writestr(info.filename, body)
    return out.getvalue()


def test_xlsx_zip_bomb_is_refused_before_parsing(monkeypatch):
    import openpyxl

    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: pytest.fail("parsed a zip bomb"))
    data = _zip_bomb_xlsx(20 * 2**20)
    assert len(data) < 200_000
    with pytest.raises(DataError, match="compressed") as info:
        read_table(data, filename="bomb.xlsx")
    assert info.value.hint
    with pytest.raises(DataError, match=r"expand to .* MB.*over the 1 MB limit"):
        read_table(_zip_bomb_xlsx(2 * 2**20), filename="bomb.xlsx", max_expanded_bytes=2**20)


def test_xlsx_cell_and_time_limits():
    data = _excel_bytes(pd.DataFrame({"a": range(300), "b": range(300)}))
    with pytest.raises(DataError, match="more than 100 cells"):
        read_table(data, filename="big.xlsx", max_cells=100)
    with pytest.raises(DataError, match="took longer than"):
        read_table(data, filename="big.xlsx", read_seconds=1e-9)


def test_parquet_limits_come_from_its_metadata_before_reading(monkeypatch):
    import pyarrow as pa
    import pyarrow.parquet as pq

    data = _parquet_bytes(pa.table({"x": [7] * 200_000, "y": ["same"] * 200_000}))
    assert len(data) < 20_000
    monkeypatch.setattr(pq, "read_table", lambda *a, **k: pytest.fail("read before checking"))
    with pytest.raises(DataError, match=r"400,000 cells.*over the limit of 1,000"):
        read_table(data, filename="p.parquet", max_cells=1_000)
    with pytest.raises(DataError, match=r"expand to .* MB.*over the 1 MB limit"):
        read_table(data, filename="p.parquet", max_expanded_bytes=2**20)


def test_csv_cells_are_estimated_before_parsing(monkeypatch):
    monkeypatch.setattr(pd, "read_csv", lambda *a, **k: pytest.fail("parsed before estimating"))
    with pytest.raises(DataError, match=r"about 2,000 cells.*limit of 100"):
        read_table(b"a,b\n" + b"1,2\n" * 1000, filename="c.csv", max_cells=100)
    with pytest.raises(DataError, match="about 2,000 cells"):  # old Mac line endings count too
        read_table(b"a,b\r" + b"1,2\r" * 1000, filename="c.csv", max_cells=100)


def test_limits_default_to_the_operator_settings(monkeypatch):
    from core import limits as limits_module

    monkeypatch.setattr(limits_module, "limits", lambda: limits_module.Limits(max_cells=10))
    with pytest.raises(DataError, match="cells"):
        read_table(b"a,b\n" + b"1,2\n" * 20, filename="c.csv")


CRASHERS = {
    "only a byte-order mark": (b"\xef\xbb\xbf", "a.csv"),
    "utf-16 with an odd byte count": ("a,b\n1,2\n".encode("utf-16") + b"x", "a.csv"),
    "json nested 1,000 deep": (b"[" * 1000 + b"]" * 1000, "a.json"),
    "json lines nested deep": (b'{"a": ' * 1000 + b"1" + b"}" * 1000 + b"\n", "a.jsonl"),
    "json with a 5,000-digit number": (b'[{"a": ' + b"9" * 5000 + b"}]", "a.json"),
}


@pytest.mark.parametrize("case", list(CRASHERS))
def test_crashers_become_one_sentence(case):
    data, name = CRASHERS[case]
    with pytest.raises(DataError) as info:
        read_table(data, filename=name)
    assert info.value.message.endswith(".") and "\n" not in info.value.message and info.value.hint


def test_cr_only_lines_stray_cr_and_huge_fields_load():
    assert read_table(b"a,b\r1,2\r3,4\r", filename="mac.csv").to_numpy().tolist() == [[1, 2], [3, 4]]
    stray = read_table(b"a,b\n1,x\ry\n", filename="stray.csv")  # a lone CR ends a line, like the C parser does
    assert list(stray.columns) == ["a", "b"]
    big = "x" * 200_000
    df = read_table(f"a,b\n1,{big}\n2,{big}\n".encode(), filename="big.csv")
    assert df["b"].str.len().tolist() == [200_000, 200_000]


def _broken_xlsx(member_suffix: str, body: bytes | None = None, corrupt_stream: bool = False) -> bytes:
    import zipfile as zf

    good = _excel_bytes(pd.DataFrame({"a": [1, 2]}))
    source = zf.ZipFile(io.BytesIO(good))
    out = io.BytesIO()
    with zf.ZipFile(out, "w", zf.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename.endswith(member_suffix) and body is not None:
                content = body
            target.writestr(info.filename, content)
    data = bytearray(out.getvalue())
    if corrupt_stream:  # flip bytes inside the sheet's deflate stream
        start = data.find(b"sheet1.xml") + 40
        data[start:start + 30] = bytes(30)
    return bytes(data)


@pytest.mark.parametrize("data", [
    _broken_xlsx("sheet1.xml", b"<worksheet><sheetData><row><c r='A1'><v>1"),
    _broken_xlsx("workbook.xml", b"not xml at all"),
    _broken_xlsx("sheet1.xml", corrupt_stream=True),
], ids=["malformed sheet xml", "malformed workbook xml", "corrupt deflate stream"])
def test_broken_xlsx_insides_are_one_sentence(data):
    with pytest.raises(DataError, match="not a readable Excel workbook") as info:
        read_table(data, filename="b.xlsx")
    assert info.value.hint


def test_nested_json_cells_become_text_with_a_notice():
    payload = [{"a": 1, "tags": ["x", "y"], "deep": {"k": [1, {"z": 2}]}}, {"a": 2, "tags": [], "deep": {"k": []}}]
    read = read_table_report(json.dumps(payload).encode(), filename="n.json")
    assert read.frame["tags"].tolist() == ['["x", "y"]', "[]"]
    assert read.frame["deep.k"].tolist() == ['[1, {"z": 2}]', "[]"]
    assert any("lists or objects" in n for n in read.notices)


def test_parquet_lists_maps_structs_become_text_with_a_notice():
    import pyarrow as pa

    table = pa.table({
        "id": [1, 2],
        "tags": pa.array([["a", "b"], None], pa.list_(pa.string())),
        "attrs": pa.array([[("k", 1)], []], pa.map_(pa.string(), pa.int64())),
        "point": pa.array([{"x": 1, "y": 2}, {"x": 3, "y": None}]),
    })
    read = read_table_report(_parquet_bytes(table), filename="n.parquet")
    assert read.frame["tags"].tolist() == ['["a", "b"]', None]
    assert read.frame["attrs"].tolist() == ['[["k", 1]]', "[]"]
    assert read.frame["point"].tolist() == ['{"x": 1, "y": 2}', '{"x": 3, "y": null}']
    assert any("'tags', 'attrs', 'point'" in n for n in read.notices)


def test_parquet_decimals_are_read_as_the_nearest_floats():
    """A direct cast read Decimal('112.99') as 112.99000000000001, which exports then wrote out."""
    from decimal import Decimal

    import pyarrow as pa

    values = [Decimal("112.99"), Decimal("94.57"), None, Decimal("-0.10"), Decimal("12345678.91")]
    table = pa.table({"k": pa.array(values, pa.decimal128(10, 2))})
    read = read_table_report(_parquet_bytes(table), filename="d.parquet")
    assert read.frame["k"].tolist()[:2] + read.frame["k"].tolist()[3:] == [112.99, 94.57, -0.1, 12345678.91]
    assert any("Decimal numbers were read" in n for n in read.notices)


def test_parquet_dates_outside_pandas_range_become_text_with_a_notice():
    import datetime as dt

    import pyarrow as pa

    table = pa.table({
        "ok": pa.array([dt.date(2020, 1, 1), dt.date(2021, 1, 1)]),
        "old": pa.array([dt.date(1, 1, 1), dt.date(2000, 1, 1)]),
        "far": pa.array([dt.datetime(9999, 12, 31, 23), None], pa.timestamp("us")),
    })
    read = read_table_report(_parquet_bytes(table), filename="d.parquet")
    assert str(read.frame["ok"].dtype) == "datetime64[ns]"
    assert read.frame["old"].tolist() == ["0001-01-01", "2000-01-01"]
    assert read.frame["far"].tolist()[0].startswith("9999-12-31")
    assert any("outside" in n and "'old', 'far'" in n for n in read.notices)


def test_parquet_binary_columns_are_text_if_utf8_else_a_sentence():
    import pyarrow as pa

    read = read_table_report(_parquet_bytes(pa.table({"b": pa.array([b"caf\xc3\xa9", None])})), filename="b.parquet")
    assert read.frame["b"].tolist() == ["café", None]
    with pytest.raises(DataError, match="'b' holds binary data") as info:
        read_table(_parquet_bytes(pa.table({"b": pa.array([b"\xff\xfe\x00"])})), filename="b.parquet")
    assert info.value.hint


def test_csv_export_neutralises_headers_and_formulas_after_a_line_break():
    df = pd.DataFrame({"=cmd|'/c calc'!A0": ["ok\r=cmd|' /c calc'!A0", "fine\n+1", "a\nb", "-2.5"],
                       "n": [-1.5, 2.0, 3.0, -4.0], "c": pd.Categorical(["@x", "y", "y", "y"])})
    safe = write_table(df).decode()
    header = safe.splitlines()[0]
    assert header.startswith("\"'=cmd") or header.startswith("'=cmd")
    back = pd.read_csv(io.StringIO(safe))
    assert back.iloc[:, 0].tolist() == ["'ok\r=cmd|' /c calc'!A0", "'fine\n+1", "a\nb", "'-2.5"]
    assert back["n"].tolist() == [-1.5, 2.0, 3.0, -4.0] and back["c"].tolist()[0] == "'@x"


def test_a_csv_export_reads_back_as_it_was_written():
    """The apostrophe an export puts before formula-like text is taken off on reading, with a notice: a column
    named '=x' was missing from the synthetic table when scored, and '+44…' was another class than '+44…'."""
    df = pd.DataFrame({"=x": ["-2+3", "+7", "@foo", "plain", "=1+1"], "n": [-5, 1, 2, 3, 4],
                       "phone": ["+44 20", "+1 212", "-", "0", "+44 20"]})
    read = read_table_report(write_table(df), filename="s.csv")
    pd.testing.assert_frame_equal(read.frame, df)
    assert any("began with an apostrophe" in notice for notice in read.notices)


def test_json_cells_are_estimated_before_parsing(monkeypatch):
    monkeypatch.setattr(json, "loads", lambda *a, **k: pytest.fail("parsed before estimating"))
    records = json.dumps([{"a": i, "b": i} for i in range(500)]).encode()
    with pytest.raises(DataError, match=r"about 1,000 cells.*limit of 100"):
        read_table(records, filename="r.json", max_cells=100)


def test_a_chart_sheet_before_the_data_is_skipped():
    import openpyxl
    from openpyxl.chart import BarChart, Reference

    book = openpyxl.Workbook()
    book.active.title = "Data"
    for row in (["a", "b"], [1, "x"], [2, "y"]):
        book.active.append(row)
    chart = BarChart()
    chart.add_data(Reference(book["Data"], min_col=1, min_row=1, max_row=3))
    book.create_chartsheet("Chart", 0).add_chart(chart)
    buffer = io.BytesIO()
    book.save(buffer)
    read = read_table_report(buffer.getvalue(), filename="c.xlsx")
    assert read.sheet == "Data" and read.frame["a"].tolist() == [1, 2]


def test_an_unclosed_quote_names_its_line():
    with pytest.raises(DataError, match=r"quote that is never closed \(opened on line 3\)\. "):
        read_table(b'a,b\n1,2\n3,"x\n4,5\n', filename="q.csv")


def test_parquet_categories_stay_categories():
    df = pd.DataFrame({"c": pd.Categorical(["a", "b", "a"]), "b": pd.Categorical([b"x", b"y", b"x"])})
    buffer = io.BytesIO()
    df.to_parquet(buffer)
    out = read_table(buffer.getvalue(), filename="c.parquet")
    assert isinstance(out["c"].dtype, pd.CategoricalDtype) and out["c"].tolist() == ["a", "b", "a"]
    assert out["b"].tolist() == ["x", "y", "x"]  # binary categories are decoded as text


def test_a_workbook_needing_a_newer_zip_version_is_one_sentence():
    data = bytearray(_excel_bytes(pd.DataFrame({"a": [1]})))
    at = data.find(b"PK\x01\x02")  # the first central-directory entry; its 'version needed' follows
    data[at + 6:at + 8] = (213).to_bytes(2, "little")
    with pytest.raises(DataError, match="not a readable Excel workbook"):
        read_table(bytes(data), filename="v.xlsx")


# --------------------------------------------------------------------------- Parquet export, UTF-32, repeated headers


def _parquet_back(df: pd.DataFrame) -> pd.DataFrame:
    return pd.read_parquet(io.BytesIO(write_table(df, "parquet")))


UNSTORABLE = {  # columns pyarrow refuses as they are, and the text they are written as
    "numbers mixed with text": ([1, 2, "A7", None], ["1", "2", "A7", None]),
    "an int beyond 64 bits": ([2**64 + 1, 5, None, -3], [str(2**64 + 1), "5", None, "-3"]),
    "complex numbers": (np.array([1 + 2j, 3j, 0, 1]), ["(1+2j)", "3j", "0j", "(1+0j)"]),
    "periods of mixed frequencies": ([pd.Period("2024-01", "M"), pd.Period("2024-01-05", "D"), None,
                                      pd.Period("2024Q1", "Q")], ["2024-01", "2024-01-05", None, "2024Q1"]),
    "categories mixing numbers and text": (pd.Categorical([1, "b", 1, None]), ["1", "b", "1", None]),
}


@pytest.mark.parametrize("case", list(UNSTORABLE))
def test_parquet_export_writes_what_pyarrow_cannot_store_as_text(case):
    values, text = UNSTORABLE[case]
    rng = np.random.default_rng(7)
    kept = pd.DataFrame({"x": rng.normal(size=4), "n": rng.integers(0, 9, 4), "s": ["p", None, "q", "r"],
                         "when": pd.date_range("2024-01-01", periods=4), "c": pd.Categorical(["u", "v", "u", "v"]),
                         "month": pd.period_range("2024-01", periods=4, freq="M")})
    back = _parquet_back(kept.assign(odd=pd.Series(values, dtype=object if isinstance(values, list) else None)))
    assert back["odd"].tolist() == text
    pd.testing.assert_frame_equal(back[kept.columns], kept)  # numbers, dates, categories, periods as before


def test_parquet_export_makes_duplicate_names_unique_as_reading_does():
    df = pd.DataFrame([[1, 2.5, "x"], [3, 4.5, "y"]], columns=["a", "a", "b"])
    back = _parquet_back(df)
    assert list(back.columns) == list(read_table(write_table(df), filename="d.csv").columns) == ["a", "a_2", "b"]
    assert back.to_numpy().tolist() == df.to_numpy().tolist()


@pytest.mark.parametrize("bom,encoding", [(b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be")])
def test_utf32_with_a_bom_is_not_taken_for_utf16(bom, encoding):
    read = read_table_report(bom + "a,b\n1,Zürich\n".encode(encoding), filename="t.csv")
    assert read.encoding == "utf-32" and "Read as UTF-32 text." in read.notices
    assert read.frame.to_dict("list") == {"a": [1], "b": ["Zürich"]}


def test_a_repeated_header_row_is_dropped_with_a_notice():
    read = read_table_report(b"a,b\n1,2\na,b\n3,4\n", filename="twice.csv")
    assert read.frame.to_dict("list") == {"a": [1, 3], "b": [2, 4]} and read.frame["a"].dtype.kind == "i"
    assert "1 row repeating the header was dropped (line 3), as when two exports are joined." in read.notices
    # line numbers count a value's line break and blank lines; cells are compared stripped, as names are
    read = read_table_report(b'n, city\n1,"Oslo\nNorway"\n\nn ,city\n2,Rome\nn,city\n3,Lima\n', filename="t.csv")
    assert read.frame.to_dict("list") == {"n": [1, 2, 3], "city": ["Oslo\nNorway", "Rome", "Lima"]}
    assert any(n.startswith("2 rows repeating the header were dropped (lines 5, 7)") for n in read.notices)


@pytest.mark.parametrize("text", [b"a,b\n1,a\n2,b\n", b"a,b\na,1\nb,2\n", b"a,b,c\n1,2,3\na,b,x\n"])
def test_a_row_holding_header_words_is_not_a_repeated_header(text):
    read = read_table_report(text, filename="t.csv")
    assert len(read.frame) == 2 and not any("repeating the header" in n for n in read.notices)


@pytest.mark.parametrize("columns", [2_001, 300_000])
def test_a_table_wider_than_the_column_limit_is_refused_before_parsing(monkeypatch, columns):
    """70,000 columns of two rows (140,000 cells, far under the cell limit) held a server for minutes; 300,000 read
    as "a header but no rows" (the header line is longer than the head read)."""
    monkeypatch.setattr(pd, "read_csv", lambda *a, **k: pytest.fail("parsed before counting the columns"))
    row = lambda v: ",".join([v] * columns).encode() + b"\n"  # noqa: E731
    header = ",".join(f"c{i}" for i in range(columns)).encode() + b"\n"
    with pytest.raises(DataError, match=r"has (at least )?[\d,]+ columns, over the limit of 2,000"):
        read_table(header + row("1") + row("2"), filename="wide.csv")


def test_a_workspace_wider_than_the_column_limit_is_refused():
    from core.workspace import Workspace

    with pytest.raises(DataError, match="3,000 columns, over the limit of 2,000"):
        Workspace(pd.DataFrame({f"c{i}": [1, 2] for i in range(3_000)}), name="w")


def test_a_parquet_dictionary_bomb_is_refused_before_its_text_is_decoded():
    """One 1 MB value repeated 3,000 times is a few KB of Parquet and 3 GB decoded: the text is counted as it
    decodes, from its dictionary, before it is decoded."""
    import pyarrow as pa

    data = _parquet_bytes(pa.table({"t": ["x" * 100_000] * 1_000, "n": range(1_000)}))
    assert len(data) < 200_000
    with pytest.raises(DataError, match=r"expand to 95 MB.*over the 10 MB limit"):  # (its metadata says 0.1 MB)
        read_table(data, filename="bomb.parquet", max_expanded_bytes=10 * 2**20)
    small = read_table(_parquet_bytes(pa.table({"t": ["ab", None, "ab"]})), filename="s.parquet")
    assert small["t"].tolist()[::2] == ["ab", "ab"] and small["t"].isna().tolist() == [False, True, False]
