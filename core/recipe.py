"""Recipes: one JSON document that says everything one run was made with, to replay it.

A recipe holds the SynthLab version; the data it was made from (the table's fingerprint, name and
size, and its schema: every column's kind, the target, the columns left out, the parsers); the
holdout (share and seed: a replay fits on the same training rows); the imputation plan of the
working table, if it was imputed (steps, seed, rules); and the method, its parameters, the seed, the
row count, the business rules and the derived columns. Parameters are written through the method's
declared types (a ``matrix`` as its column names and values) and read back through the same checks
as a user's values, so a recipe is data, never code.

``replay(recipe, ws)`` rebuilds the workspace from the loaded table with the recipe's schema and
holdout, imputes it with the recipe's plan and generates: the same table and recipe give the same
rows, byte for byte.
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

import pandas as pd

from core import __version__
from core.errors import DataError, ParameterError, SchemaError, SynthLabError
from core.params import Param, shown, validate_params
from core.schema import Schema, coerce
from core.workspace import Run, Workspace

FORMAT = "synthlab-recipe"
FORMAT_VERSION = 1
MAX_BYTES = 1_000_000  # a recipe is a few kilobytes; a bigger file is not one
MAX_DEPTH = 20


class RecipeError(DataError):
    """A recipe that cannot be read or does not fit the loaded table."""


@dataclass(frozen=True)
class Recipe:
    method: str
    params: dict[str, Any]  # checked values, as the method takes them
    seed: int
    rows: int
    data: dict[str, Any]  # fingerprint, name, rows, schema (Schema.to_dict)
    holdout: dict[str, Any]  # share, seed
    imputation: dict[str, Any] | None = None  # steps [{column, method, params}], seed, rules
    rules: list[str] = field(default_factory=list)
    derived: list[str] = field(default_factory=list)
    drawing: dict[str, Any] = field(default_factory=dict)  # guard, conditions, quotas (core.synth.drawing)
    version: str = __version__

    def to_json(self) -> str:
        from core.synth import METHODS

        body = asdict(self)
        body["params"] = encode_params(METHODS[self.method].params, self.params)
        return json.dumps({"format": FORMAT, "format_version": FORMAT_VERSION, **body}, indent=2,
                          ensure_ascii=False, allow_nan=False)


def encode_params(declared: tuple[Param, ...], values: dict[str, Any]) -> dict[str, Any]:
    """Parameter values as JSON: a matrix as {"columns": [...], "values": [[...]]}, the rest as they are."""
    out = {}
    for param in declared:
        value = values.get(param.name, param.default)
        if param.type == "matrix" and isinstance(value, pd.DataFrame):
            value = {"columns": [str(c) for c in value.columns], "values": value.to_numpy(dtype=float).tolist()}
        out[param.name] = value
    return out


def decode_params(declared: tuple[Param, ...], values: dict[str, Any], owner: str) -> dict[str, Any]:
    """Parameter values read from JSON, checked like a user's values."""
    given = dict(values)
    for param in declared:
        value = given.get(param.name)
        if param.type == "matrix" and isinstance(value, dict):
            columns, rows = value.get("columns"), value.get("values")
            if not isinstance(columns, list) or not isinstance(rows, list) or len(rows) != len(columns) \
                    or not all(isinstance(r, list) and len(r) == len(columns) for r in rows):
                raise RecipeError(f"The recipe's '{param.name}' is not a square table of numbers with column names.")
            given[param.name] = pd.DataFrame(rows, index=columns, columns=columns)
    return validate_params(declared, given, owner)


def saved_params(method: type, values: dict[str, Any]) -> dict[str, Any]:
    """A method's parameter values read from a file, checked like a user's; a parameter added since the file
    was written takes the value its run was made with (the method's ``added``), not today's default."""
    return decode_params(method.params, {**method.added, **values}, method.title)


def recipe_for(ws: Workspace, run: Run) -> Recipe:
    """The recipe that makes ``run`` again from the table ``ws`` holds."""
    from core.synth import METHODS

    if run.method not in METHODS:
        raise RecipeError(f"Run '{run.name}' was made with '{run.method}', which this SynthLab does not have.")
    if run.drawn_from:
        raise RecipeError(f"Run '{run.name}' was drawn from the network of run '{run.drawn_from}' without training, "
                          "so no recipe can make it again.", hint=f"Take the recipe of '{run.drawn_from}'.")
    return Recipe(method=run.method, params=dict(run.params), seed=int(run.seed), rows=len(run.synthetic),
                  data={"fingerprint": ws.fingerprint, "name": ws.name, "rows": len(ws.raw),
                        "schema": run.schema if run.schema is not None else ws.schema.to_dict()},
                  holdout={"share": ws.holdout_share, "seed": ws.seed}, imputation=run.imputation,
                  rules=list(run.rules), derived=list(run.derived), drawing=dict(run.drawing))


def recipe_of_settings(ws: Workspace, *, method: str, params: dict[str, Any], seed: int, rows: int,
                       rules: list[str] | None = None, derived: list[str] | None = None,
                       drawing: dict[str, Any] | None = None) -> Recipe:
    """The recipe of a run not made yet: these settings on ``ws``'s working table (for a run too big to make in the
    session, replayed by the command line)."""
    run = Run(method=method, params=dict(params), seed=int(seed), synthetic=ws.train.head(0), fit_seconds=0.0,
              sample_seconds=0.0, rules=list(rules or []), derived=list(derived or []), drawing=dict(drawing or {}),
              schema=ws.schema.to_dict(), imputation=ws.imputation_plan)
    return replace(recipe_for(ws, run), rows=int(rows))


def load_recipe(text: str | bytes) -> Recipe:
    """A recipe from its JSON; a RecipeError (one sentence) for anything that is not a valid recipe."""
    from core.synth import METHODS
    from core.synth.drawing import Drawing

    if len(text) > MAX_BYTES:
        raise RecipeError(f"This file is {len(text):,} bytes; a recipe is at most {MAX_BYTES:,}.")
    try:
        body = json.loads(text, parse_constant=no_constant, parse_float=finite_float, object_pairs_hook=_once)
    except _Twice as exc:
        raise RecipeError(f"The recipe gives '{exc}' twice; a recipe gives each setting once.",
                          hint="Use a recipe downloaded beside a run, unchanged.") from None
    except BeyondFloats as exc:
        raise RecipeError(f"This recipe holds the number {exc}, beyond what a number can hold.",
                          hint="Use a recipe downloaded beside a run, unchanged.") from None
    except (ValueError, RecursionError):
        raise RecipeError("This file is not a recipe: it is not JSON.",
                          hint="Use a recipe downloaded beside a run.") from None
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        raise RecipeError("This JSON is not a SynthLab recipe.", hint="Use a recipe downloaded beside a run.")
    if _depth(body) > MAX_DEPTH:
        raise RecipeError("This recipe is nested deeper than any recipe is.")
    if body.get("format_version") != FORMAT_VERSION:
        raise RecipeError(f"This recipe has format version {body.get('format_version')!r}; this SynthLab reads "
                          f"version {FORMAT_VERSION}.")
    unknown = sorted(set(body) - {"format", "format_version", *(f.name for f in fields(Recipe))})
    if unknown:
        raise RecipeError(f"The recipe has a setting '{unknown[0][:60]}' that recipes do not have.",
                          hint="Check its spelling, or use a recipe downloaded beside a run.")
    method = body.get("method")
    if not isinstance(method, str) or method not in METHODS:
        raise RecipeError("The recipe names no method." if method is None else
                          f"The recipe's method {shown(method)} is not one this SynthLab has.",
                          hint="Methods: " + ", ".join(METHODS) + ".")
    seed, rows = body.get("seed"), body.get("rows")
    for name, value, top in (("seed", seed, _max_seed()), ("rows", rows, None)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0 or (top is not None and value > top):
            raise RecipeError(f"The recipe's {name} must be a whole number from 0"
                              f"{f' to {top:,}' if top is not None else ''}, not {shown(value)}.")
    texts = {name: body.get(name, []) for name in ("rules", "derived")}
    for name, lines in texts.items():
        if not _lines(lines):
            raise RecipeError(f"The recipe's {name} must be a list of lines of text.")
    data, holdout, imputation = body.get("data"), body.get("holdout"), body.get("imputation")
    if not isinstance(data, dict) or not isinstance(data.get("schema"), dict) \
            or not isinstance(data["schema"].get("kinds"), dict):
        raise RecipeError("The recipe does not say which table and column kinds it was made from.")
    if not isinstance(holdout, dict) or "share" not in holdout or "seed" not in holdout:
        raise RecipeError("The recipe does not say which rows were held out (share and seed).")
    if not finite_number(holdout["share"]) or not 0 <= holdout["share"] < 1:
        raise RecipeError(f"The recipe's holdout share must be a number from 0 to below 1, not "
                          f"{shown(holdout['share'])}.")
    if not is_seed(holdout["seed"]):
        raise RecipeError(f"The recipe's holdout seed must be a whole number from 0 to {_max_seed():,}, not "
                          f"{shown(holdout['seed'])}.")
    if imputation is not None and not (isinstance(imputation, dict) and isinstance(imputation.get("steps"), list)
                                       and is_seed(imputation.get("seed", 0))
                                       and _lines(imputation.get("rules", []))):
        raise RecipeError("The recipe's imputation is not a plan of steps (with a seed and rules).")
    params = body.get("params", {})
    if not isinstance(params, dict):
        raise RecipeError("The recipe's parameters must be names with values.")
    try:
        checked = saved_params(METHODS[method], params)
    except ParameterError as exc:
        raise RecipeError(f"The recipe's parameters are refused: {exc.message}", hint=exc.hint) from None
    except (ValueError, TypeError, OverflowError):  # (a matrix that is not a table of numbers with names)
        raise RecipeError("The recipe's parameters are refused: one of them is not readable.") from None
    drawing = body.get("drawing") or {}
    try:
        Drawing.from_dict(drawing)
    except ParameterError as exc:
        raise RecipeError(f"The recipe's guard, conditions or quotas are refused: {exc.message}") from None
    return Recipe(method=method, params=checked, seed=seed, rows=rows, data=data, holdout=holdout,
                  imputation=imputation, rules=texts["rules"], derived=texts["derived"], drawing=drawing,
                  version=str(body.get("version", "")))


class _Twice(ValueError):
    """A JSON object that gives one key twice (the key)."""


def _once(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object's pairs as a dict, refused when a key comes twice (json keeps the last one silently)."""
    body: dict[str, Any] = {}
    for key, value in pairs:
        if key in body:
            raise _Twice(key[:60])
        body[key] = value
    return body


def no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON value")  # NaN and Infinity are not JSON


class BeyondFloats(ValueError):
    """A JSON number beyond floats (its text)."""


def finite_float(text: str) -> float:
    """A JSON number read as a float, refused when it is beyond floats (1e400 would read as infinity)."""
    value = float(text)
    if not math.isfinite(value):
        raise BeyondFloats(text[:40])
    return value


def finite_number(value: Any) -> bool:
    """A number JSON held (not a truth value) that a float holds, finite."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) <= sys.float_info.max \
        and math.isfinite(value)


def _max_seed() -> int:
    from core.synth.base import MAX_SEED  # (the methods import recipes' parameter coding)

    return MAX_SEED


def is_seed(value: Any) -> bool:
    """A whole number fit takes as a seed."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= _max_seed()


def _lines(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(line, str) for line in value)


def _depth(value: Any) -> int:
    """How deeply ``value`` nests (one for a plain value), counted without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        stack.extend((child, depth + 1) for child in children)
    return deepest


def check_fits(recipe: Recipe, ws: Workspace) -> list[str]:
    """Whether the recipe can run on ``ws``'s table: a RecipeError naming the column that is missing, extra or of
    a kind the values do not fit; returns notices (such as a table that is not the recipe's own)."""
    kinds = recipe.data["schema"]["kinds"]
    missing = [c for c in kinds if c not in ws.raw.columns]
    extra = [str(c) for c in ws.raw.columns if c not in kinds]
    if missing:
        raise RecipeError(f"The recipe needs a column '{missing[0]}', which the loaded table does not have.")
    if extra:
        raise RecipeError(f"The loaded table has a column '{extra[0]}' the recipe's table did not have.")
    _schema(recipe, ws)
    if recipe.data.get("fingerprint") != ws.fingerprint:
        return ["The loaded table has the recipe's columns but other values than the table the recipe was made "
                "from, so the rows will differ from the recipe's run."]
    return []


def _schema(recipe: Recipe, ws: Workspace) -> Schema:
    try:
        schema = Schema.from_dict(recipe.data["schema"])
        schema.with_target(schema.target).with_excluded(schema.excluded)  # (names checked against the kinds)
        coerce(ws.raw, schema)  # the kinds must fit the values
    except (SchemaError, KeyError, TypeError, ValueError) as exc:
        said = exc.message if isinstance(exc, SynthLabError) else "its schema is not readable"
        raise RecipeError(f"The recipe does not fit the loaded table: {said}") from None
    return schema


def rebuilt(ws: Workspace, schema: Schema, holdout: dict[str, Any], plan: dict[str, Any] | None) -> Workspace:
    """``ws``'s table as a run saw it: with ``schema``, the same held-out rows and, when given, the working table
    imputed by ``plan`` (steps, seed, rules)."""
    from core.impute.plan import Step, impute

    fresh = Workspace(ws.raw, name=ws.name, schema=schema, holdout_share=float(holdout["share"]),
                      seed=int(holdout["seed"]))
    if plan:
        try:
            steps = [Step(s["column"], s["method"], dict(s.get("params") or {})) for s in plan["steps"]]
            done = impute(fresh.real, fresh.schema, steps, rng=int(plan.get("seed", 0)),
                          rules=list(plan.get("rules", [])))
        except (KeyError, TypeError, AttributeError, ValueError):
            raise RecipeError("The imputation plan is not readable.") from None
        fresh.set_imputed(done.table, "recipe", plan=plan)
    return fresh


def replaying(recipe: Recipe, ws: Workspace) -> tuple[Workspace, list[str]]:
    """The workspace a replay of ``recipe`` fits on (``ws``'s table with the recipe's schema, holdout and imputation),
    and the notices of :func:`check_fits`."""
    notices = check_fits(recipe, ws)
    return rebuilt(ws, _schema(recipe, ws), recipe.holdout, recipe.imputation), notices


def replay(recipe: Recipe, ws: Workspace, *, monitor: Any = None, source: str = "a recipe") -> Any:
    """The recipe's run made again from ``ws``'s table (a :class:`core.synth.run.Generated`); its notes say it was
    replayed from ``source``, and anything that differs from the recipe's table. ``monitor`` follows a training."""
    from core.synth.drawing import Drawing
    from core.synth.run import generate

    fresh, notices = replaying(recipe, ws)
    result = generate(fresh.train, fresh.schema, recipe.method, recipe.params, recipe.rows, rng=recipe.seed,
                      rules=recipe.rules, derived=recipe.derived, monitor=monitor, holdout=fresh.holdout,
                      **Drawing.from_dict(recipe.drawing).kwargs())
    result.notes = [f"Replayed from {source} (made with SynthLab {recipe.version or 'of unknown version'}).",
                    *notices, *result.notes]
    return result
