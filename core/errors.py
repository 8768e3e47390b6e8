"""Every exception a SynthLab user can see.

Each carries a ``message`` (one sentence: what is wrong) and an optional ``hint`` (what to
do about it). The app shows both in one place; the command line prints them. Anything that
is not a :class:`SynthLabError` is a bug, and the app says so instead of showing a traceback.
"""

from __future__ import annotations


class SynthLabError(Exception):
    """Base class: an error caused by the user's input, explained in plain words."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} {self.hint}"


class DataError(SynthLabError):
    """A file or table cannot be read or used as it is."""


class NothingToShow(DataError):
    """The table holds nothing this view can show (no other column to compare with, say): a fact about the data,
    not a mistake, which the app shows as information rather than as an error."""


class FileTooLargeError(DataError):
    """The file is over the upload size limit."""


class SchemaError(SynthLabError):
    """A column kind, target or exclusion does not fit the data."""


class NotFittedError(SynthLabError):
    """A model was asked for output before it was fitted."""


class ParameterError(SynthLabError):
    """A parameter value is outside what the method accepts."""
