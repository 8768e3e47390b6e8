"""The one place where exceptions from ``core`` become messages on the page.

``guarded`` wraps calls made while the page is drawn and shows the message where the result
would have been. Pages change state only in widget callbacks, which run before the page is
drawn; ``captured`` wraps those calls and queues the message with :func:`ui.state.flash`, and
the page shows the queue in its usual place (``ui.state.show_flash``).
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st

from core.errors import SynthLabError
from ui.state import flash

T = TypeVar("T")


def _apology(action: str) -> str:
    return f"Sorry, something went wrong while {action}. Everything you had is unchanged."


def _sentence(exc: SynthLabError) -> str:
    return exc.message + (f"  \n{exc.hint}" if exc.hint else "")


def guarded(action: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
    """Call ``fn``; show a user error as its sentence and hint, anything else as an apology.

    Returns None when the call failed, so the page draws what it can without the result.
    """
    try:
        return fn(*args, **kwargs)
    except SynthLabError as exc:
        st.error(_sentence(exc), icon=":material/error:")
    except Exception as exc:  # noqa: BLE001 - the last line of defence before a traceback
        st.error(_apology(action), icon=":material/error:")
        with st.expander("Technical details"):
            st.code("".join(traceback.format_exception(exc)), language=None)
    return None


def captured(action: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
    """Call ``fn``; queue a user error as its sentence and hint, anything else as an apology.

    ``action`` completes "something went wrong while ...". Returns None when the call failed,
    so the caller keeps what it had.
    """
    try:
        return fn(*args, **kwargs)
    except SynthLabError as exc:
        flash("error", _sentence(exc))
    except Exception as exc:  # noqa: BLE001
        flash("error", _apology(action), "".join(traceback.format_exception(exc)))
    return None
