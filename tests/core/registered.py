"""Toy method classes registered for a test module only."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def registered(registry: dict, register: Callable[[type], type], classes: tuple[type, ...]) -> Iterator[None]:
    """``classes`` registered while the block runs, their keys removed from ``registry`` after it."""
    for cls in classes:
        register(cls)
    try:
        yield
    finally:
        for cls in classes:
            registry.pop(cls.key, None)
