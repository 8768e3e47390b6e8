"""What the contract checks of synthesizers (:mod:`core.synth.checks`) and imputers (:mod:`core.impute.checks`)
share: running named checks so a failure names the check and says what was wrong in a sentence, and the
checks of what a method class declares (its card, parameters, constructor signature and quick settings) and of
how it refuses bad parameters.

A check is a function of the class that returns nothing and raises ``AssertionError`` with a sentence when
the class breaks the contract. :func:`named` binds the checks to a class, and a check that fails, or that
meets an exception no contract allows, raises ``AssertionError("<Class> fails the check '<name>': ...")``.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, NamedTuple

from core import __version__
from core.errors import NotFittedError, ParameterError
from core.params import Card, Param, validate_params

Check = Callable[[type], None]
NO_SUCH_COLUMN = "no column has this name"


def require(condition: Any, sentence: str) -> None:
    """Raise ``AssertionError(sentence)`` unless ``condition`` holds (unlike ``assert``, never switched off)."""
    if not condition:
        raise AssertionError(sentence)


def named(cls: type, checks: dict[str, Check]) -> list[tuple[str, Callable[[], None]]]:
    """[(name, check of ``cls``)]: each raises ``AssertionError`` naming the class and the check."""
    return [(name, functools.partial(_run, cls, name, check)) for name, check in checks.items()]


def run_all(cls: type, checks: dict[str, Check]) -> None:
    for _, check in named(cls, checks):
        check()


def _run(cls: type, name: str, check: Check) -> None:
    try:
        check(cls)
    except AssertionError as failure:
        raise AssertionError(f"{cls.__qualname__} fails the check '{name}': {failure}") from failure
    except Exception as error:  # any other exception is a failure of the contract, said plainly
        raise AssertionError(f"{cls.__qualname__} fails the check '{name}': it raised "
                             f"{type(error).__name__}: {error}") from error


def same(a: Any, b: Any) -> bool:
    """Whether two parameter values are equal (tables compared cell by cell)."""
    if a is b:
        return True
    try:
        return bool(a == b)
    except (TypeError, ValueError):  # a table compared with a table: cell by cell
        return hasattr(a, "equals") and a.equals(b)


# ---------------------------------------------------------------- fitting

class Fitted(NamedTuple):
    """A model fitted on a check's table, and what it made, shared by the checks of one class."""

    df: Any  # the table fitted on (checked unchanged against ``before``)
    before: Any
    schema: Any
    model: Any
    returned: Any  # what fit returned
    out: Any  # what the model made (a synthetic or an imputed table)
    n: int = 0  # rows asked for



def fitting_checks(fitted: Callable[[type], Any], settings: Callable[[type], dict[str, Any]],
                   unfitted_use: Callable[[type], Any], use: str) -> dict[str, Check]:
    """The checks of fitting: ``unfitted_use(cls)`` (``use``, such as "sample", on an unfitted model) raises
    NotFittedError; ``fitted(cls)`` (with ``model``, what fit ``returned``, the table ``df`` and a copy
    ``before``, made from ``settings(cls)``) shows that fit returns the model, the table is left as it was, and
    the model recorded the validated parameters (``params_``) and SynthLab's version (``version_``)."""

    def not_fitted(cls: type) -> None:
        try:
            unfitted_use(cls)
        except NotFittedError:
            return
        except Exception as error:  # the check is which exception comes out
            raise AssertionError(f"{use} before fit raised {type(error).__name__}, not NotFittedError.") from error
        raise AssertionError(f"{use} before fit gave a table; it should raise NotFittedError.")

    def fit_returns_self(cls: type) -> None:
        done = fitted(cls)
        require(done.returned is done.model, f"fit returned {done.returned!r}, not the model itself.")

    def input_unchanged(cls: type) -> None:
        done = fitted(cls)
        require(done.df.equals(done.before) and done.df.dtypes.equals(done.before.dtypes),
                f"fit or {use} changed the table it was given.")

    def fitted_record(cls: type) -> None:
        expected = validate_params(cls.params, settings(cls), cls.__qualname__)
        model = fitted(cls).model
        recorded = getattr(model, "params_", None)
        require(isinstance(recorded, dict) and recorded.keys() == expected.keys()
                and all(same(recorded[k], expected[k]) for k in expected),
                f"params_ is {recorded!r}, not the validated parameters {expected!r}.")
        version = getattr(model, "version_", None)
        require(version == __version__, f"version_ is {version!r}, not SynthLab's version {__version__!r}.")

    return {"not_fitted": not_fitted, "fit_returns_self": fit_returns_self, "input_unchanged": input_unchanged,
            "fitted_record": fitted_record}


# ---------------------------------------------------------------- what a class declares

def check_card(cls: type) -> None:
    """A key (a lower-case identifier), a title and a card that says what the method does, when to use it and
    what it distorts."""
    key = getattr(cls, "key", None)
    require(isinstance(key, str) and key.isidentifier() and key == key.lower(),
            f"its key {key!r} is not a lower-case identifier such as 'my_method'.")
    require(isinstance(getattr(cls, "title", None), str) and cls.title.strip(), "it has no title.")
    card = getattr(cls, "card", None)
    require(isinstance(card, Card), "its card is not a core.params.Card.")
    for part in ("does", "when", "distorts"):
        require(isinstance(getattr(card, part), str) and getattr(card, part).strip(), f"its card's '{part}' is empty.")


def check_params(cls: type) -> None:
    """``params`` is a tuple of Param with distinct identifier names whose defaults validate."""
    params = cls.params
    require(isinstance(params, tuple) and all(isinstance(p, Param) for p in params),
            "its params are not a tuple of core.params.Param.")
    names = [p.name for p in params]
    require(all(n.isidentifier() for n in names), f"its parameter names {names} are not all Python identifiers.")
    require(len(set(names)) == len(names), f"it declares a parameter twice: {names}.")
    for param in params:
        try:
            param.validate(param.default)
        except ParameterError as error:
            raise AssertionError(f"the default of '{param.name}' does not validate: {error}") from None


def check_signature(cls: type) -> None:
    """``inspect.signature(cls)`` lists exactly the declared parameters, keyword-only, with their defaults."""
    shown = inspect.signature(cls).parameters
    declared = [p.name for p in cls.params]
    require(list(shown) == declared, f"its constructor shows the parameters {list(shown)}, not the declared "
                                     f"{declared} (register the class, or give __init__ those keyword arguments).")
    for param in cls.params:
        argument = shown[param.name]
        require(argument.kind is inspect.Parameter.KEYWORD_ONLY, f"'{param.name}' is not keyword-only.")
        require(same(argument.default, param.default),
                f"'{param.name}' defaults to {argument.default!r} in the constructor but {param.default!r} "
                f"in its declaration.")


def check_quick(cls: type) -> None:
    """``quick`` names only declared parameters, with values that validate."""
    quick = cls.quick
    require(isinstance(quick, dict), f"its quick settings are a {type(quick).__name__}, not a dict.")
    unknown = sorted(set(quick) - {p.name for p in cls.params})
    require(not unknown, f"its quick settings name undeclared parameters: {unknown}.")
    try:
        validate_params(cls.params, quick, cls.__qualname__)
    except ParameterError as error:
        raise AssertionError(f"its quick settings do not validate: {error}") from None


DECLARATION: dict[str, Check] = {"declaration": check_card, "params": check_params, "signature": check_signature,
                                 "quick": check_quick}


# ---------------------------------------------------------------- bad parameters

def bad_values(param: Param) -> list[Any]:
    """Values ``param`` must refuse: of the wrong type, and outside its range or choices."""
    if param.type in ("int", "float"):
        out: list[Any] = ["many"]
        if param.high is not None:
            out.append(param.high + 1)
        elif param.low is not None:
            out.append(param.low - 1)
        if param.type == "int":
            out.append((param.low or 0) + 0.5)  # not a whole number
        return out
    return {"bool": ["yes"], "choice": ["no such choice"], "column": [NO_SUCH_COLUMN], "mapping": [5],
            "matrix": ["not a matrix"], "text": []}[param.type]


def check_refuses(cls: type, given: dict[str, Any], fit: Callable[[Any], Any]) -> None:
    """``fit(cls(**given))`` raises ParameterError with a sentence, and no other exception."""
    try:
        fit(cls(**given))
    except ParameterError as error:
        require(error.message.strip(), f"the ParameterError for {given} has no message.")
        return
    except Exception as error:  # the check is that no other exception comes out
        raise AssertionError(f"{given} raised {type(error).__name__} ({error}), not a ParameterError with a "
                             f"sentence.") from error
    raise AssertionError(f"{given} was accepted; it should raise a ParameterError.")


def check_bad_parameters(cls: type, settings: dict[str, Any], fit: Callable[[Any], Any]) -> None:
    """An unknown parameter name, and a bad value for each declared parameter, each give a ParameterError."""
    check_refuses(cls, {**settings, "no_such_parameter": 1}, fit)
    for param in cls.params:
        for value in bad_values(param):
            check_refuses(cls, {**settings, param.name: value}, fit)
