"""The error guard: user errors become their sentence, anything else an apology with details."""

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
from core.errors import DataError
from ui.errors import captured
from ui.state import show_flash


def bad_file():
    raise DataError("'x.csv' is empty.", hint="Choose a file with rows.")


def bug():
    raise ZeroDivisionError("division by zero")


assert captured("reading the file", bad_file) is None
assert captured("profiling", bug) is None
assert captured("adding", lambda a, b: a + b, 1, b=2) == 3
show_flash("test")
"""


def test_captured_turns_exceptions_into_messages():
    at = AppTest.from_string(SCRIPT, default_timeout=30).run()
    assert not at.exception, at.exception
    messages = [e.value for e in at.error]
    assert messages[0] == "'x.csv' is empty.  \nChoose a file with rows."
    assert messages[1] == "Sorry, something went wrong while profiling. Everything you had is unchanged."
    assert "ZeroDivisionError: division by zero" in at.expander[0].code[0].value


# --------------------------------------------------------------------------- user text is shown as text

HOSTILE = ["![x](//host/c)", "<img src=//host/i.png>", "**bold**", "[link](http://host/l)"]


def hostile_frame(n: int = 60) -> pd.DataFrame:
    """Hostile column names and labels; holes in the second, third and fourth column."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=n)
    frame = pd.DataFrame({HOSTILE[0]: x, HOSTILE[1]: x + rng.normal(size=n), HOSTILE[2]: rng.normal(size=n),
                          HOSTILE[3]: rng.choice(["=a", "b"], n)})
    frame.loc[x > 0.8, HOSTILE[1]] = np.nan
    frame.loc[rng.random(n) < 0.2, HOSTILE[2]] = np.nan
    frame.loc[rng.random(n) < 0.2, HOSTILE[3]] = None
    return frame


def a_bug(*args, **kwargs):
    """Stands in for a core function to make it fail the way a bug would."""
    raise ValueError("a bug")


def assert_tables_safe(at) -> None:
    """No table on the page holds a text cell a spreadsheet would run as a formula."""
    for table in at.dataframe:
        cells = table.value.select_dtypes(include=["object", "string"]).to_numpy().ravel()
        assert not [c for c in cells if isinstance(c, str) and c.startswith(("=", "+", "-", "@"))], table.value


def shown_markdown(at) -> list[str]:
    """Every string of the page that Streamlit renders as markdown: text elements, alerts, headings,
    widget labels and help, radio options, metric labels, progress text, expander, tab and popover labels."""
    from streamlit.testing.v1.element_tree import AlertBase, Block, HeadingBase, Markdown, Metric, Widget

    found = []

    def walk(node) -> None:
        if isinstance(node, (Markdown, AlertBase, HeadingBase)):
            found.append(node.value)
        if isinstance(node, (Widget, Metric)):
            found.extend([getattr(node, "label", "") or "", getattr(node, "help", "") or ""])
        if getattr(node, "type", None) == "radio":
            found.extend(map(str, node.options))
        if getattr(node, "type", None) == "progress":
            found.append(node.proto.text)
        if isinstance(node, Block):
            if node.type in ("expandable", "tab"):
                found.append(node.label)
            if node.type == "popover":  # AppTest has no popover element: its label is in the proto
                found.append(node.proto.popover.label)
            for child in node.children.values():
                walk(child)

    walk(at._tree)
    return found


def unescaped(markdown: str) -> str:
    """What a reader sees of a markdown string's escaped characters."""
    return re.sub(r"\\(.)", r"\1", markdown)


def plain_text(at) -> list[str]:
    """Strings the page shows as they are: select box options and table cells and headers."""
    found = [str(o) for box in [*at.selectbox, *at.multiselect] for o in box.options]
    for table in at.dataframe:
        found += [*map(str, table.value.columns), *map(str, table.value.to_numpy().ravel())]
    return found


def chart_texts(at) -> list[str]:
    """Every string in the page's plotly charts (titles, names, labels, hover text)."""
    found: list[str] = []

    def walk(value) -> None:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
    for chart in at.get("plotly_chart"):
        walk(json.loads(chart.proto.spec))
    return found


def assert_shown_as_text(at, texts: list[str]) -> None:
    """No markdown on the page holds one of ``texts`` unescaped, and each is still readable on it; no chart holds
    one with its HTML unescaped (plotly reads tags in titles and labels)."""
    shown = shown_markdown(at)
    readable = [unescaped(s) for s in shown] + plain_text(at)
    charted = chart_texts(at)
    for text in texts:
        assert not [s for s in shown if text in s], text
        assert any(text in s for s in readable), f"{text!r} is not on the page"
        assert "<" not in text or not [s for s in charted if text in s], f"{text!r} is drawn as HTML in a chart"


HOSTILE_SCRIPT = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
from core.errors import DataError
from ui.errors import captured, guarded
from ui.state import show_flash


def bad_file():
    raise DataError("'![x](//host/c)' is empty.", hint="Rename <img src=//host/i.png> first.")


captured("reading the file", bad_file)
guarded("scoring **bold**", lambda: 1 / 0)
show_flash("test")
"""


def test_sentences_quoting_user_values_are_shown_as_text():
    at = AppTest.from_string(HOSTILE_SCRIPT, default_timeout=30).run()
    assert not at.exception, at.exception
    assert_shown_as_text(at, ["![x](//host/c)", "<img src=//host/i.png>", "**bold**"])
