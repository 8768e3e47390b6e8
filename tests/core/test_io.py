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
