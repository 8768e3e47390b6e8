"""The one place where exceptions from ``core`` become messages on the page.

``guarded`` wraps calls made while the page is drawn and shows the message where the result
would have been. Pages change state only in widget callbacks, which run before the page is
drawn; ``captured`` wraps those calls and queues the message with :func:`ui.state.flash`, and
the page shows the queue in its usual place (``ui.state.show_flash``). ``explain`` gives the
words to code that shows them later (a training in a background thread).
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st

from core import plots
from core.errors import NothingToShow, SynthLabError
from ui.state import flash
from ui.text import md

T = TypeVar("T")


def explain(exc: BaseException, action: str) -> tuple[str, str | None]:
    """What the user reads about ``exc``: a user error's sentence and hint, or an apology and the traceback.

    ``action`` completes "something went wrong while ...". The words are markdown with every
    character of the sentence escaped, because sentences quote file names, column names and values.
    """
    if isinstance(exc, SynthLabError):
        return md(exc.message) + (f"  \n{md(exc.hint)}" if exc.hint else ""), None
    return (f"Sorry, something went wrong while {md(action)}. Everything you had is unchanged.",
            "".join(traceback.format_exception(exc)))


def guarded(action: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
    """Call ``fn``; show a user error as its sentence and hint, anything else as an apology.

    Returns None when the call failed, so the page draws what it can without the result.
    """
    try:
        return fn(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - the last line of defence before a traceback
        message, detail = explain(exc, action)
        if isinstance(exc, NothingToShow):
            st.info(message, icon=":material/info:")
            return None
        st.error(message, icon=":material/error:")
        if detail:
            with st.expander("Technical details"):
                st.code(detail, language=None)
    return None


def captured(action: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
    """Call ``fn``; queue a user error as its sentence and hint, anything else as an apology.

    ``action`` completes "something went wrong while ...". Returns None when the call failed,
    so the caller keeps what it had.
    """
    try:
        return fn(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - a user error's sentence, or an apology: never a traceback
        flash("error", *explain(exc, action))
    return None


def chart(action: str, make: Callable[..., Any], *args: Any, key: str, **kwargs: Any) -> None:
    """Draw the plotly figure ``make(*args, **kwargs)`` returns, or say why there is none (see ``guarded``)."""
    fig = guarded(action, make, *args, **kwargs)
    if fig is not None:
        show(fig, key=key)


def show(fig: Any, *, key: str, where: Any = None) -> None:
    """Draw a plotly figure full width in ``where`` (the page by default), its texts shown as written."""
    (where or st).plotly_chart(plots.plain(fig), width="stretch", key=key)
