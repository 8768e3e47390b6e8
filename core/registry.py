"""Method registries: a method class registers itself with one decorator, and every surface (the
pages, the runner, the command line, recipes and the tests) finds it there, by its ``key``.

``Registry`` is a plain ``dict`` (key -> class) that also checks a class when it registers: it
subclasses the family's base class, has a key, a title and a card, and declares its parameters
well (names that are identifiers, known types, defaults its own checks accept). It then gives the
class a constructor whose signature lists those parameters (``help(cls)`` and editors show them)
and whose docstring describes them.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any, TypeVar

from core.errors import ParameterError
from core.params import Card, Param, describe, signature

T = TypeVar("T", bound=type)


class Registry(dict):
    """{key: class} for the subclasses of ``base`` registered with :meth:`register`."""

    def __init__(self, what: str, base: type) -> None:
        super().__init__()
        self.what, self.base = what, base

    def register(self, cls: T) -> T:
        """Class decorator: check ``cls`` and add it under ``cls.key``."""
        self._check(cls)
        cls.teaching = inspect.cleandoc(getattr(cls, "teaching", "") or "")  # written indented, like a docstring
        _give_signature(cls)
        self[cls.key] = cls
        return cls

    def suggested(self) -> str:
        """The key a page offers first: the first method that declares ``suggested = True`` (else the first)."""
        return next((k for k, cls in self.items() if getattr(cls, "suggested", False)), next(iter(self)))

    def _check(self, cls: type) -> None:
        name = getattr(cls, "__qualname__", repr(cls))
        if not isinstance(cls, type) or not issubclass(cls, self.base):
            raise TypeError(f"{name} is not a subclass of {self.base.__name__}, so it cannot be registered as "
                            f"{'an' if self.what[0] in 'aeiou' else 'a'} {self.what}.")
        key = cls.__dict__.get("key")
        if not isinstance(key, str) or not key.isidentifier() or key != key.lower():
            raise TypeError(f"{name} needs its own 'key': a lower-case identifier such as 'my_method'.")
        taken = self.get(key)
        if taken is not None and (taken.__module__, taken.__qualname__) != (cls.__module__, cls.__qualname__):
            raise TypeError(f"The key {key!r} of {name} is taken by {taken.__qualname__}.")
        if not isinstance(getattr(cls, "title", None), str) or not cls.title.strip():
            raise TypeError(f"{name} needs a 'title', the name users see.")
        if not isinstance(getattr(cls, "card", None), Card):
            raise TypeError(f"{name} needs a 'card' (core.params.Card): what it does, when, what it distorts.")
        params = cls.params
        if not isinstance(params, tuple) or not all(isinstance(p, Param) for p in params):
            raise TypeError(f"{name}.params must be a tuple of core.params.Param.")
        names = [p.name for p in params]
        if not all(n.isidentifier() for n in names):
            raise TypeError(f"{name}'s parameter names must be Python identifiers (keyword arguments): {names}.")
        if len(set(names)) != len(names):
            raise TypeError(f"{name} declares a parameter twice: {sorted({n for n in names if names.count(n) > 1})}.")
        for param in params:
            try:
                if param.type != "column":  # a column default is resolved against the table
                    param.validate(param.default)
            except ParameterError as exc:
                raise TypeError(f"{name}: the default of {param.name!r} is refused: {exc.message}") from None


def _give_signature(cls: type) -> None:
    """A constructor with the declared parameters as keyword-only arguments (values are checked at fit)."""
    inherited = cls.__init__

    @functools.wraps(inherited)
    def __init__(self: Any, **params: Any) -> None:
        inherited(self, **params)

    __init__.__signature__ = signature(cls.params)
    __init__.__doc__ = f"{cls.title}: {cls.card.does}\n\n{describe(cls.params)}"
    __init__.__qualname__, __init__.__module__ = f"{cls.__qualname__}.__init__", cls.__module__
    cls.__init__ = __init__
