"""The command line: ``synthlab`` (or ``python -m core``).

    synthlab profile  --data FILE [--target COLUMN] [--out FILE.json]
    synthlab impute   --data FILE --method KEY [--param NAME=VALUE ...] [--seed S] [--rule RULE ...] --out FILE
    synthlab generate --data FILE --method KEY [--param NAME=VALUE ...] --rows N --seed S --out FILE
    synthlab generate --data FILE --recipe RECIPE.json --out FILE
    synthlab fit      --data FILE --method KEY [--param NAME=VALUE ...] [--seed S] --out MODEL
    synthlab generate --model MODEL --rows N [--seed S] --out FILE
    synthlab generate ... --out DIR --rows N [--chunk-rows K] [--engine local|dask] [--scheduler ADDRESS]
    synthlab evaluate --data FILE --synthetic FILE [--target COLUMN] [--out FILE.json]
    synthlab report   --data FILE --synthetic FILE [--target COLUMN] --out REPORT.html

Tables are read with the app's reader and written as CSV or Parquet by the suffix of ``--out``.
An ``--out`` without a suffix is a directory of Parquet parts, written in blocks with bounded memory,
on this process or a Dask cluster, the same rows whatever the chunk size or workers (``core.scale``);
``--data`` may then be a table bigger than memory (a Parquet directory or a big file), fitted on a
seeded sample of ``--fit-rows`` rows, and ``evaluate --synthetic DIR`` scores a seeded sample.
``--save-recipe FILE`` writes the recipe of a generation, which ``--recipe`` replays byte for byte.
``fit`` saves a fitted model (no pickle: see ``core.bundle``) that ``generate --model`` draws from
without the data and without fitting again; it holds the rows it was fitted on.
Method parameters are the ones the app's widgets show, checked the same way; ``synthlab generate
--help`` lists them. Exit code 0 on success; 2 with one sentence on standard error for bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, ClassVar

from core.errors import ParameterError, SynthLabError
from core.io import read_table, write_table
from core.params import Param
from core.workspace import Run, Workspace

BAD_INPUT = 2
TRUE, FALSE = {"true", "yes", "1", "on"}, {"false", "no", "0", "off"}


class _Refused(Exception):
    """A bad command line: its sentence goes to standard error, with exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own exit would print usage and a traceback-like line
        raise _Refused(f"{message[0].upper()}{message[1:]}. See '{self.prog} --help'.")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            raise _Refused("Say what to do: profile, impute, fit, generate, evaluate or report. See 'synthlab --help'.")
        _no_input_overwritten(args)
        args.seed_given = getattr(args, "seed", None) is not None  # (a recipe brings its own)
        if getattr(args, "seed", 0) is None:
            args.seed = 0
        try:
            args.run(args)
        finally:
            _Progress.end()  # (a sentence after a bar starts on a line of its own)
    except KeyboardInterrupt:
        print("\nsynthlab: stopped; the parts written so far stay where they are.", file=sys.stderr)
        return 130
    except _Refused as exc:
        print(f"synthlab: {exc}", file=sys.stderr)
        return BAD_INPUT
    except SynthLabError as exc:
        print(f"synthlab: {exc.message}" + (f" {exc.hint}" if exc.hint else ""), file=sys.stderr)
        return BAD_INPUT
    except OSError as exc:
        print(f"synthlab: cannot write or read '{exc.filename}': {exc.strerror}.", file=sys.stderr)
        return BAD_INPUT
    except MemoryError:
        print("synthlab: this needs more memory than the machine has, so it stopped; nothing was written.",
              file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - a last resort: a sentence, never a traceback
        print(f"synthlab: the command failed unexpectedly ({type(exc).__name__}: {str(exc)[:200]}). This is a "
              "bug in SynthLab; please report it with the command.", file=sys.stderr)
        return 1
    return 0


def _no_input_overwritten(args: argparse.Namespace) -> None:
    """Refuses a command whose output would replace or land inside one of its inputs (``--out d.csv`` with
    ``--data d.csv``, parts written into the directory of real parts they are read from), or two outputs that are
    one file: the file the user gave would be lost, or the next read would mix real and synthetic rows."""
    inputs = [(f"--{name}", Path(getattr(args, name)).resolve()) for name in ("data", "synthetic", "recipe", "model")
              if getattr(args, name, None)]
    outputs = [(f"--{name.replace('_', '-')}", Path(getattr(args, name)).resolve()) for name in ("out", "save_recipe")
               if getattr(args, name, None)]
    for flag, out in outputs:
        for given, path in inputs:
            if out == path or path in out.parents or out in path.parents:
                raise _Refused(f"{flag} '{getattr(args, flag[2:].replace('-', '_'))}' would write over or into "
                               f"{given} '{getattr(args, given[2:])}': give another path, so the input is kept.")
    if len(outputs) == 2 and outputs[0][1] == outputs[1][1]:
        raise _Refused("--out and --save-recipe name the same file: give the recipe another name.")


def _parser() -> _Parser:
    from core.impute import IMPUTERS
    from core.synth import METHODS

    parser = _Parser(prog="synthlab", description="SynthLab on the command line: profile a table, generate "
                                                  "synthetic rows, score them.")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)
    profile = commands.add_parser("profile", help="the kind, missing share and summary of every column, as JSON")
    profile.add_argument("--data", required=True, help="the table (CSV, TSV, Excel, Parquet, JSON)")
    profile.add_argument("--target", help="the target column")
    profile.add_argument("--out", help="write the JSON here (default: standard output)")
    profile.set_defaults(run=_profile)

    impute = commands.add_parser(
        "impute", help="fill the holes of a table with one method (stand-ins where it does not apply)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=f"imputers and their parameters (--param NAME=VALUE):\n{_listing(IMPUTERS)}")
    impute.add_argument("--data", required=True, help="the table with holes")
    impute.add_argument("--method", required=True, choices=list(IMPUTERS), metavar="KEY", help="the imputer (below)")
    impute.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="an imputer parameter")
    impute.add_argument("--seed", type=_seed, default=0, help="same seed, same table for random methods")
    impute.add_argument("--rule", action="append", default=[], help="a rule the imputed values must keep (repeatable)")
    impute.add_argument("--out", required=True, help="the imputed table (.csv or .parquet)")
    impute.set_defaults(run=_impute)

    methods = f"methods and their parameters (--param NAME=VALUE):\n{_listing(METHODS)}"
    fit = commands.add_parser("fit", help="fit a method and save the fitted model to one file",
                              formatter_class=argparse.RawDescriptionHelpFormatter, epilog=methods)
    _method_arguments(fit, METHODS, data="the real table")
    fit.add_argument("--out", required=True, help="the model file (it holds the rows it was fitted on)")
    fit.set_defaults(run=_fit)

    generate = commands.add_parser("generate", help="fit a method (or load a fitted one) and write synthetic rows",
                                   formatter_class=argparse.RawDescriptionHelpFormatter, epilog=methods)
    _method_arguments(generate, METHODS, data="the real table (not with --model)")
    generate.add_argument("--rows", type=_whole, help="how many rows to generate")
    generate.add_argument("--recipe", help="replay this recipe instead of --method, --param and --seed "
                                           "(--rows changes its row count)")
    generate.add_argument("--model", help="draw from this fitted model (from 'synthlab fit') instead of fitting")
    generate.add_argument("--condition", action="append", default=[], metavar="COLUMN=VALUE",
                         help="only rows where COLUMN is VALUE, one of A,B,C, or within LOW..HIGH; an empty "
                              "VALUE asks for rows where it is missing (repeatable)")
    generate.add_argument("--quota", action="append", default=[], metavar="COLUMN=VALUE:ROWS",
                         help="exactly ROWS rows with COLUMN = VALUE (repeatable; they add up to --rows)")
    generate.add_argument("--guard", action="store_true",
                         help="the privacy guard: copies held to 1%% and close rows to 10%% (as the app's default)")
    generate.add_argument("--out", required=True, help="the synthetic table (.csv or .parquet), or a directory (no "
                                                       "suffix) of Parquet parts for a table of any size")
    generate.add_argument("--chunk-rows", type=_whole, metavar="K", help="rows of one part file (rounded up to whole "
                                                                         "blocks of 65,536; default 1,048,576)")
    generate.add_argument("--engine", choices=("local", "dask"), default="local",
                          help="draw the parts on this process (local) or on a Dask cluster (dask)")
    generate.add_argument("--workers", type=_whole, help="worker processes of the local Dask cluster (default 2)")
    generate.add_argument("--scheduler", metavar="ADDRESS", help="an existing Dask cluster's scheduler, such as "
                                                                 "tcp://host:8786 (its workers must see --out)")
    generate.add_argument("--overwrite", action="store_true", help="replace the parts of an earlier run in --out")
    generate.add_argument("--save-recipe", help="also write the recipe of this generation here (.json)")
    generate.set_defaults(run=_generate)

    for name, run, what, out in (
            ("evaluate", _evaluate, "score a synthetic table against the real one, as JSON",
             {"help": "write the JSON here (default: standard output)"}),
            ("report", _report, "a self-contained HTML report of a synthetic table for stakeholders",
             {"required": True, "help": "the report (.html)"})):
        command = commands.add_parser(name, help=what)
        command.add_argument("--data", required=True, help="the real table")
        command.add_argument("--synthetic", required=True, help="the synthetic table")
        command.add_argument("--target", help="the target column (for the utility score)")
        command.add_argument("--out", **out)
        command.set_defaults(run=run)
    return parser


def _method_arguments(command: argparse.ArgumentParser, methods: dict, *, data: str) -> None:
    """The arguments ``fit`` and ``generate`` share: the data and the method with its settings."""
    command.add_argument("--data", help=data)
    command.add_argument("--method", choices=list(methods), metavar="KEY", help="the method (see below)")
    command.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                         help="a method parameter (repeat for several); a mapping as JSON, a matrix as a CSV file")
    command.add_argument("--seed", type=_seed, help="same seed, same table (default 0)")
    command.add_argument("--target", help="the target column (oversamplers balance its classes)")
    command.add_argument("--rule", action="append", default=[], help="a business rule rows must keep (repeatable)")
    command.add_argument("--derive", action="append", default=[], metavar="NAME=EXPRESSION",
                         help="a derived column (repeatable)")
    command.add_argument("--fit-rows", type=_whole, metavar="M", help="fit on a seeded sample of at most M rows of a "
                                                                      "table bigger than that (default 200,000)")


def _listing(registry: dict) -> str:
    """Every method of a registry with its parameters, for --help."""
    return "\n".join(f"  {key}: {cls.title}\n" + "".join(f"      {p.name} ({_kind(p)}, default {p.default!r}): "
                                                         f"{p.help}\n" for p in cls.params)
                     for key, cls in registry.items())


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None


def _seed(text: str) -> int:
    from core.synth.base import MAX_SEED

    seed = _whole(text)
    if not 0 <= seed <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"'{text}' is not a seed: seeds are whole numbers from 0 to {MAX_SEED:,}")
    return seed


def _kind(param: Param) -> str:
    return f"one of {', '.join(map(str, param.choices))}" if param.type == "choice" else param.type


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _workspace(path: str, target: str | None, max_rows: int | None = None) -> Workspace:
    """The table at ``path`` as a workspace; of a table bigger than ``max_rows`` rows, a seeded sample (said)."""
    from core.scale import FIT_ROWS, read_sample

    sampled = read_sample(path, max_rows=FIT_ROWS if max_rows is None else max_rows, sampled=max_rows is not None)
    if sampled.note:
        _say(f"{sampled.note} of '{Path(path).name}' are read (a table this size is fitted on a sample).")
    for notice in sampled.notices:  # (what the reader repaired: names, short rows, repeated headers...)
        _say(notice)
    ws = Workspace(sampled.table, name=Path(path).name, source=f"file:{Path(path).name}")
    for notice in ws.notices:  # (how the table is typed: time spans read as seconds)
        _say(notice)
    if target is not None:
        ws.set_schema(ws.schema.with_target(target))
    return ws


def _write_json(body: Any, out: str | None) -> None:
    text = json.dumps(body, indent=2, default=str, allow_nan=False)
    if out:
        Path(out).write_text(text + "\n", encoding="utf-8")
    else:
        print(text)


def _table_format(path: str) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise _Refused(f"'{path}' should end in .csv or .parquet, so SynthLab knows how to write it.")
    return suffix[1:]


# ---------------------------------------------------------------- commands


def _profile(args: argparse.Namespace) -> None:
    from core.profile import profile

    ws = _workspace(args.data, args.target)
    table = profile(ws.real, ws.schema)
    _write_json({"table": ws.name, "rows": len(ws.raw), "columns": len(ws.raw.columns), "target": ws.schema.target,
                 "excluded": list(ws.schema.excluded),
                 "profile": json.loads(table.to_json(orient="records", date_format="iso"))}, args.out)


def _impute(args: argparse.Namespace) -> None:
    from core.impute import IMPUTERS
    from core.impute.plan import impute, plan_for

    kind = _table_format(args.out)
    ws = _workspace(args.data, None)
    params = _params(IMPUTERS[args.method].params, args.param)
    plan = plan_for(ws.real, ws.schema, args.method, params)
    if not plan:
        raise _Refused("No column that takes part in synthesis has missing values: there is nothing to impute.")
    for step in plan:
        _say(f"{step.column}: {IMPUTERS[step.method].title}" + (f" (stand-in: {step.note})" if step.note else ""))
    done = impute(ws.real, ws.schema, plan, rng=args.seed, rules=args.rule)
    Path(args.out).write_bytes(write_table(done.table, kind))
    for notice in done.notices:
        _say(notice)
    if done.unrepaired:
        _say(f"{len(done.unrepaired):,} rows still break a rule after every redraw.")
    filled = int(ws.real[[s.column for s in plan]].isna().sum().sum()
                 - done.table[[s.column for s in plan]].isna().sum().sum())
    _say(f"Filled {filled:,} cells in {len(plan)} columns; wrote {args.out}.")


def _fit(args: argparse.Namespace) -> None:
    from core.bundle import save_model
    from core.synth import METHODS
    from core.synth.run import draw, parsed

    if not args.data or not args.method:
        raise _Refused("Say which --data to fit on and which --method to fit.")
    ws = _workspace(args.data, args.target)
    cls = METHODS[args.method]
    params = _params(cls.params, args.param)
    parsed([c for c in ws.schema.synth_columns if c in ws.train.columns], args.rule, args.derive)  # (before fitting)
    _say(f"Fitting {cls.title} on {len(ws.train):,} rows…")
    progress = _Progress()
    model = cls(**params).fit(ws.train, ws.schema, seed=args.seed, monitor=progress.monitor)
    progress.done()
    draw(model, 1, rng=0, rules=args.rule, derived=args.derive)  # (a rule the model's settings cannot keep)
    Path(args.out).write_bytes(save_model(model, ws.train, ws.schema, rules=args.rule, derived=args.derive,
                                          source=ws.name))
    for note in model.notes():
        _say(note)
    _say(f"Wrote the fitted model to {args.out}. It holds the {len(ws.train):,} rows it was fitted on: share it as "
         "you would share the data.")


def _generate(args: argparse.Namespace) -> None:
    from core.recipe import recipe_for, replay
    from core.synth import METHODS
    from core.synth.drawing import Drawing
    from core.synth.run import generate

    if not Path(args.out).suffix:
        return _generate_parts(args)
    scale_flags = [flag for flag, given in (("--chunk-rows", args.chunk_rows is not None),
                                            ("--engine dask", args.engine == "dask"), ("--scheduler", args.scheduler),
                                            ("--workers", args.workers is not None), ("--overwrite", args.overwrite))
                   if given]
    if scale_flags:
        raise _Refused(f"{scale_flags[0]} is for a directory of Parquet parts: give an --out without a suffix, such "
                       "as --out synthetic.")
    kind = _table_format(args.out)
    if args.model:
        return _from_model(args, kind)
    if not args.data:
        raise _Refused("Say which --data to learn from (or draw from a fitted --model).")
    ws = _workspace(args.data, args.target, args.fit_rows)
    progress = _Progress()
    if args.recipe:
        recipe = _recipe(args)
        _say(f"Replaying {METHODS[recipe.method].title} from the recipe: {recipe.rows:,} rows, seed {recipe.seed}…")
        result = replay(recipe, ws, monitor=progress.monitor)
        method, params, seed, rules, derived = recipe.method, recipe.params, recipe.seed, recipe.rules, recipe.derived
        drawing = Drawing.from_dict(recipe.drawing)
    else:
        if not args.method or args.rows is None:
            raise _Refused("Say which --method and how many --rows (or give a --recipe or a fitted --model).")
        cls = METHODS[args.method]
        params = _params(cls.params, args.param)
        method, seed, rules, derived, drawing = args.method, args.seed, args.rule, args.derive, _drawing(args)
        _say(f"Fitting {cls.title} on {len(ws.train):,} rows and drawing {args.rows:,}…")
        result = generate(ws.train, ws.schema, method, params, args.rows, rng=seed, rules=rules, derived=derived,
                          monitor=progress.monitor, holdout=ws.holdout, **drawing.kwargs())
    progress.done()
    Path(args.out).write_bytes(write_table(result.table, kind))
    for note in result.notes:
        _say(note)
    _say(f"Wrote {len(result.table):,} rows to {args.out} (fit {result.fit_seconds:.2f} s, "
         f"sample {result.sample_seconds:.2f} s).")
    if args.save_recipe and args.recipe:
        Path(args.save_recipe).write_text(recipe.to_json() + "\n", encoding="utf-8")  # (what was replayed)
        _say(f"Wrote the recipe to {args.save_recipe}.")
    elif args.save_recipe:
        run = ws.add_run(Run(method=method, params=params, seed=seed, synthetic=result.table, fit_seconds=0.0,
                             sample_seconds=0.0, rules=list(rules), derived=list(derived), drawing=drawing.to_dict()))
        Path(args.save_recipe).write_text(recipe_for(ws, run).to_json() + "\n", encoding="utf-8")
        _say(f"Wrote the recipe to {args.save_recipe}.")


def _recipe(args: argparse.Namespace) -> Any:
    """The --recipe file, read and checked; --rows, when given, replaces its row count."""
    from dataclasses import replace

    from core.recipe import load_recipe

    clashing = [flag for flag, given in (("--method", args.method), ("--param", args.param),
                                         ("--seed", args.seed_given), ("--rule", args.rule), ("--derive", args.derive),
                                         ("--target", args.target), ("--condition", args.condition),
                                         ("--quota", args.quota), ("--guard", args.guard)) if given]
    if clashing:
        raise _Refused(f"A --recipe brings its own method, settings, seed, rules and target: leave out "
                       f"{', '.join(clashing)} (only --rows may change its row count).")
    from core.recipe import MAX_BYTES

    recipe = load_recipe(_file_bytes(args.recipe, MAX_BYTES))
    return recipe if args.rows is None else replace(recipe, rows=args.rows)


def _generate_parts(args: argparse.Namespace) -> None:
    """``generate --out DIR``: the run written as Parquet parts (``core.scale``), with its report and recipe."""
    from dataclasses import replace

    import numpy as np

    from core import scale
    from core.bundle import load_model
    from core.recipe import recipe_of_settings, replaying
    from core.synth import METHODS
    from core.synth.drawing import Drawing
    from core.synth.run import Blocks, fit_model

    out = Path(args.out)
    if args.scheduler and args.engine != "dask":
        raise _Refused("--scheduler names a Dask cluster: add --engine dask.")
    if args.workers is not None and args.engine != "dask":
        raise _Refused("--workers sizes a local Dask cluster: add --engine dask.")
    if args.scheduler and args.workers is not None:
        raise _Refused("--workers sizes a local Dask cluster; the cluster at --scheduler has its own workers.")
    workers = scale.check_workers(2 if args.workers is None else args.workers)
    if args.scheduler:
        scale.check_scheduler(args.scheduler)
    chunk_rows = scale.CHUNK_ROWS if args.chunk_rows is None else args.chunk_rows
    scale.blocks_per_part(chunk_rows)
    progress, recipe = _Progress(), None
    if args.model:
        _no_model_clash(args)
        n = scale.check_rows(args.rows)
        drawing = _drawing(args)
        scale.check_dir(out, overwrite=args.overwrite)
        saved = load_model(_file_bytes(args.model))
        model, train, schema, holdout, seed = saved.model, saved.train, saved.schema, None, args.seed
        rules, derived, source = saved.rules + args.rule, saved.derived + args.derive, saved.source or "a model"
    else:
        if not args.data:
            raise _Refused("Say which --data to learn from (or draw from a fitted --model).")
        if args.recipe:
            recipe = _recipe(args)
            n = scale.check_rows(recipe.rows)
            method, params, seed = recipe.method, recipe.params, recipe.seed
            rules, derived, drawing = recipe.rules, recipe.derived, Drawing.from_dict(recipe.drawing)
        else:
            if not args.method or args.rows is None:
                raise _Refused("Say which --method and how many --rows (or give a --recipe or a fitted --model).")
            n = scale.check_rows(args.rows)
            method, params, seed = args.method, _params(METHODS[args.method].params, args.param), args.seed
            rules, derived, drawing = args.rule, args.derive, _drawing(args)
        scale.check_dir(out, overwrite=args.overwrite)
        ws = _workspace(args.data, args.target, args.fit_rows)
        notices = []
        if recipe is not None:
            ws, notices = replaying(recipe, ws)
        _say(f"Fitting {METHODS[method].title} on {len(ws.train):,} rows…")
        model, _ = fit_model(ws.train, ws.schema, method, params, seed=seed, monitor=progress.monitor)
        progress.done()
        for notice in notices:
            _say(notice)
        model_notes = model.notes()
        train, schema, holdout, source = ws.train, ws.schema, ws.holdout, ws.name
        recipe = replace(recipe, rows=n) if recipe is not None else recipe_of_settings(
            ws, method=method, params=params, seed=seed, rows=n, rules=rules, derived=derived,
            drawing=drawing.to_dict())
    plan = Blocks.plan(model, n, train, schema, seeds=np.random.SeedSequence(seed), rules=rules, derived=derived,
                       holdout=holdout, **drawing.kwargs())
    where = f"a Dask cluster at {args.scheduler}" if args.scheduler else (
        f"a local Dask cluster of {workers} workers" if args.engine == "dask" else "this process")
    _say(f"Drawing {n:,} rows from {model.title} ({source}) in {len(plan.sizes):,} blocks on {where}…")
    scale.prepare_dir(out, overwrite=args.overwrite)  # (an earlier run's parts stay until now)
    written = scale.write_dataset(plan, out, chunk_rows=chunk_rows, engine=args.engine, workers=workers,
                                  scheduler=args.scheduler, progress=progress.rows,
                                  extra={"method": model.title, "seed": seed, "source": source})
    progress.done()
    if recipe is not None:
        for path in (out / scale.RECIPE_FILE, *([Path(args.save_recipe)] if args.save_recipe else [])):
            path.write_text(recipe.to_json() + "\n", encoding="utf-8")
    for note in [*(model_notes if not args.model else []), *written.notes]:
        _say(note)
    for report in written.rule_report:
        _say(f"Rule '{report.rule}' rejected {report.rejected:,} of {report.drawn:,} drawn rows ({report.share:.0%}).")
    started = f", after {written.cluster_seconds:.1f} s starting the cluster" if args.engine == "dask" else ""
    _say(f"Wrote {written.rows:,} rows in {len(written.parts):,} parts to {out} ({written.seconds:.2f} s, "
         f"{written.rows / max(written.seconds, 1e-9):,.0f} rows/s{started}); the run report is {scale.RUN_FILE}"
         + (f" and the recipe {scale.RECIPE_FILE}." if recipe is not None else "."))


def _drawing(args: argparse.Namespace) -> Any:
    """--guard, --condition and --quota as a :class:`core.synth.drawing.Drawing` (values as text, which the model
    reads and checks as their column holds values)."""
    from core.synth.drawing import Drawing
    from core.synth.guard import Guard

    conditions: dict[str, Any] = {}
    for item in args.condition:
        column, equals, text = item.partition("=")
        if not equals or not column.strip():
            raise _Refused(f"--condition '{item}' should read COLUMN=VALUE, COLUMN=A,B or COLUMN=LOW..HIGH.")
        if column.strip() in conditions:
            raise _Refused(f"--condition names '{column.strip()}' twice: give its values once, as "
                           f"{column.strip()}=A,B.")
        if ".." in text:
            low, _, high = text.partition("..")
            conditions[column.strip()] = tuple(_scalar(end) for end in (low, high))
        else:
            values = [_scalar(v) for v in text.split(",")]
            conditions[column.strip()] = values if len(values) > 1 else values[0]
    quotas: dict[str, dict[Any, int]] = {}
    for item in args.quota:
        column, equals, rest = item.partition("=")
        value, colon, count = rest.rpartition(":")
        if not equals or not colon or not column.strip():
            raise _Refused(f"--quota '{item}' should read COLUMN=VALUE:ROWS.")
        try:
            counts = quotas.setdefault(column.strip(), {})
            if _scalar(value) in counts:
                raise _Refused(f"--quota gives {column.strip()}={value} twice: give each value's rows once.")
            counts[_scalar(value)] = _whole(count)
        except argparse.ArgumentTypeError as exc:
            raise _Refused(f"--quota '{item}' should read COLUMN=VALUE:ROWS, and {exc}.") from None
    return Drawing(guard=Guard() if args.guard else None, conditions=conditions, quotas=quotas)


def _scalar(text: str) -> str | None:
    """A value from the command line as its text (nothing: a missing value). The model reads it as its column
    does: a number, a date, or the label it names, so '007' names the code 007 (read as the number 7, it named
    none)."""
    return text.strip() or None


def _no_model_clash(args: argparse.Namespace) -> None:
    clashing = [f"--{name.replace('_', '-')}" for name in ("data", "method", "recipe", "target", "save_recipe",
                                                            "fit_rows") if getattr(args, name)] + \
        (["--param"] if args.param else [])
    if clashing:
        raise _Refused(f"A fitted --model brings its own data and settings: leave out {', '.join(clashing)}.")


def _from_model(args: argparse.Namespace, kind: str) -> None:
    """``generate --model``: rows drawn from a model file, with its rules and derived columns."""
    import time

    from core.bundle import load_model
    from core.synth.run import draw_guarded

    drawing = _drawing(args)
    _no_model_clash(args)
    if args.rows is None:
        raise _Refused("Say how many --rows to draw from the model.")
    saved = load_model(_file_bytes(args.model))
    _say(f"Drawing {args.rows:,} rows from {saved.model.title}, fitted on {saved.rows:,} rows of "
         f"{saved.source or 'a table'}…")
    start = time.perf_counter()
    table, _, notes = draw_guarded(saved.model, args.rows, saved.train, saved.schema, rng=args.seed,
                                   rules=saved.rules + args.rule, derived=saved.derived + args.derive,
                                   **drawing.kwargs())
    Path(args.out).write_bytes(write_table(table, kind))
    for note in notes:
        _say(note)
    _say(f"Wrote {len(table):,} rows to {args.out} (sample {time.perf_counter() - start:.2f} s).")


def _real_and_synthetic(args: argparse.Namespace) -> tuple[Workspace, Any]:
    from core.scale import EVALUATE_ROWS, read_sample

    ws = _workspace(args.data, args.target)
    if Path(args.synthetic).is_dir():
        sampled = read_sample(args.synthetic, max_rows=EVALUATE_ROWS)
        if sampled.note:
            _say(f"{sampled.note} of the synthetic '{Path(args.synthetic).name}' are scored.")
        synthetic = sampled.table
    else:
        synthetic = read_table(args.synthetic)
    missing = [c for c in ws.schema.synth_columns if c not in synthetic.columns]
    if missing:
        raise _Refused(f"The synthetic table has no column '{missing[0]}', which the real table has.")
    return ws, synthetic


def _report(args: argparse.Namespace) -> None:
    from core.report import report_tables

    if Path(args.out).suffix.lower() not in (".html", ".htm"):
        raise _Refused(f"'{args.out}' should end in .html: the report is a web page.")
    ws, synthetic = _real_and_synthetic(args)
    _say(f"Scoring {len(synthetic):,} synthetic rows and drawing the report…")
    page = report_tables(ws.train, synthetic, ws.schema, holdout=ws.holdout if len(ws.holdout) else None,
                         title=ws.name)
    Path(args.out).write_text(page, encoding="utf-8")
    _say(f"Wrote the report to {args.out}.")


def _evaluate(args: argparse.Namespace) -> None:
    from core.evaluate import evaluate
    from core.evaluate.scores import readings

    ws, synthetic = _real_and_synthetic(args)
    _say(f"Scoring {len(synthetic):,} synthetic rows against {len(ws.train):,} real ones "
         f"({len(ws.holdout):,} held out)…")
    scores = evaluate(ws.train, synthetic[ws.schema.synth_columns], ws.schema,
                      holdout=ws.holdout if len(ws.holdout) else None)
    numbers = {k: getattr(scores, k) for k in ("quality", "column_shapes", "column_pair_trends", "detection_auc",
                                               "tstr_ratio", "exact_copy_rate", "dcr_share_closer", "validity",
                                               "structure")}
    numbers |= {"pmse": scores.pmse, "s_pmse": scores.s_pmse, "detection_reference": scores.detection_reference}
    _write_json({"scores": {k: (None if v is None or v != v else float(v)) for k, v in numbers.items()},
                 "detection_interval": [float(x) for x in scores.detection_interval],
                 "intervals": {k: [float(x) for x in v] for k, v in scores.intervals.items()},
                 "references": {k: float(v) for k, v in scores.references.items()},
                 "risks": {k: {"value": r.value, "low": r.low, "high": r.high, "attack_rate": r.attack_rate,
                               "control_rate": r.control_rate, "baseline_rate": r.baseline_rate}
                           for k, r in scores.risks.items()},
                 "utility": None if scores.utility is None else json.loads(scores.utility.to_json(orient="index")),
                 "readings": readings(scores)}, args.out)


# ---------------------------------------------------------------- parameters and progress


def _params(declared: tuple[Param, ...], given: list[str]) -> dict[str, Any]:
    """--param NAME=VALUE strings as the method's values (checked again at fit, like the app's)."""
    by_name = {p.name: p for p in declared}
    out = {}
    for item in given:
        name, equals, text = item.partition("=")
        name = name.strip()
        if not equals or not name:
            raise _Refused(f"--param '{item}' should read NAME=VALUE.")
        if name not in by_name:
            raise ParameterError(f"This method has no parameter '{name}'.",
                                 hint=f"Its parameters: {', '.join(by_name) or 'none'}.")
        if name in out:
            raise _Refused(f"--param {name} is given twice: give each parameter once.")
        out[name] = by_name[name].validate(_value(by_name[name], text.strip()))
    return out


def _value(param: Param, text: str) -> Any:
    if param.type == "bool":
        if text.lower() not in TRUE | FALSE:
            raise ParameterError(f"'{param.name}' must be true or false, not '{text}'.")
        return text.lower() in TRUE
    if param.type == "choice":
        for choice in param.choices:
            if text == str(choice) or (isinstance(choice, float) and _float(text) == choice):
                return choice
        return text  # refused by validate, with the choices
    if param.type == "mapping":
        try:
            return json.loads(text)
        except ValueError:
            raise ParameterError(f"'{param.name}' must be a JSON object such as '{{\"salary\": \"gamma\"}}'.") \
                from None
    if param.type == "matrix":
        if not text:
            raise ParameterError(f"'{param.name}' needs the path of a CSV file holding the matrix, as "
                                 f"--param {param.name}=matrix.csv.")
        matrix = read_table(text)
        return matrix.set_index(matrix.columns[0]).rename_axis(None)
    if param.type == "column":
        return text or None
    return text


def _file_bytes(path: str, cap: int | None = None) -> bytes:
    """The file at ``path``, read no further than one byte past ``cap`` (default: the upload limit), so a device or
    a huge file is refused without filling memory (the reader gives the sentence for a file over its cap)."""
    from core.limits import limits

    cap = limits().max_upload_bytes if cap is None else cap
    try:
        with open(path, "rb") as file:
            data = file.read(cap + 1)
    except OSError as exc:
        raise ParameterError(f"'{path}' cannot be read ({exc.strerror or exc}).",
                             hint="Check the path and try again.") from None
    if len(data) > cap:
        raise ParameterError(f"'{path}' is larger than {cap:,} bytes, more than such a file holds.")
    return data


def _float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


class _Progress:
    """A training's epochs, or the rows written, as one line on standard error (``monitor`` is what the neural
    models report to)."""

    def __init__(self) -> None:
        from core.synth.neural import TrainingMonitor

        outer = self

        class Printing(TrainingMonitor):
            def report(self, progress) -> None:
                super().report(progress)
                outer.bar(progress.epoch / progress.epochs, f"epoch {progress.epoch:,}/{progress.epochs:,}")

        self.monitor = Printing(owner="command line")

    showing: ClassVar[bool] = False  # a bar is on the last line of standard error

    def bar(self, fraction: float, text: str) -> None:
        _Progress.showing = True
        width = 30
        filled = round(width * fraction)
        print(f"\r[{'#' * filled}{'.' * (width - filled)}] {text}", end="", file=sys.stderr, flush=True)

    def rows(self, done: int, total: int) -> None:
        """Rows written so far, as the same bar."""
        self.bar(done / total, f"{done:,}/{total:,} rows")

    def done(self) -> None:
        _Progress.end()

    @staticmethod
    def end() -> None:
        if _Progress.showing:
            print(file=sys.stderr)
            _Progress.showing = False

