"""User text on the page: shown as text, never interpreted.

Streamlit renders markdown in ``st.markdown``, captions, alerts, headers, widget labels, radio
options and help texts. A column name, a category, a file name or a run name comes from the
user's table, so it may hold markdown or HTML (``![x](//host/c)`` would fetch a remote image,
``**x**`` would turn bold). :func:`md` escapes such text before it joins a markdown string.

Streamlit's own table toolbar offers a CSV download of what ``st.dataframe`` shows, and that
download does not neutralise formula cells the way :func:`core.io.write_table` does;
:func:`safe_preview` shows a table through :func:`core.io.spreadsheet_safe`, so what can be
downloaded from a preview is as safe as an export.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import streamlit as st

from core.io import spreadsheet_safe

# CommonMark lets any ASCII punctuation be backslash-escaped; these are the characters that start
# markdown, HTML, links, images, math ($), Streamlit directives and icons (:name[...], :material/x:).
_SPECIAL = re.compile(r"([\\`*_\[\]<>#!|~$:&{}])")
_LINE_START = re.compile(r"^(\s*)([-+=]|\d+[.)])")  # a list item, or a setext underline, at the start
_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")


def md(value: Any) -> str:
    """``value`` as markdown that shows exactly its text (on one line)."""
    text = _BREAKS.sub(" ", str(value))
    text = _SPECIAL.sub(r"\\\1", text)
    return _LINE_START.sub(lambda m: m.group(1) + "".join("\\" + c if not c.isdigit() else c
                                                          for c in m.group(2)), text)


def md_list(values) -> str:
    """Comma-separated, each value escaped."""
    return ", ".join(md(v) for v in values)


def safe_preview(data: pd.DataFrame, container: Any = st, **kwargs: Any):
    """``st.dataframe`` of ``data`` with formula-like text cells neutralised (as in a CSV export)."""
    return container.dataframe(spreadsheet_safe(data), **kwargs)


def file_stem(text: Any, fallback: str = "table") -> str:
    """User text (a run's or a table's name) as the stem of a download's file name: letters, digits, '-' and '_'
    kept, anything else (spaces, '#', '/', ':') as '-', at most 40 characters."""
    stem = re.sub(r"-{2,}", "-", "".join(c if c.isalnum() or c in "-_" else "-" for c in str(text))).strip("-")
    return stem[:40] or fallback
