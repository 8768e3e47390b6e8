"""The error guard: user errors become their sentence, anything else an apology with details."""

from pathlib import Path

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
