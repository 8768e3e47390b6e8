"""Session bundles: a whole session in one file, to restore after a reload or on another machine.

A bundle is a zip: ``session.json`` (the format and SynthLab version; the table's name, source,
notices and fingerprint; the schema as the user left it; the holdout's share and seed; the
imputation label and plan; every run's method, parameters (written through their declared types,
like recipes), seed, timings, rules, derived columns and notes) beside Parquet files for the table
as loaded, the imputed table and each run's rows. Nothing in it is code: no pickle, and every part
is checked as it is read. A bundle that was cut short, changed by hand or made by another format
version is refused with a sentence, and the session that was open stays as it was.

A trained network is saved as its weights (safetensors) and its training record (JSON); restoring
rebuilds it on the rows it learned from (its data transformer is fitted again, deterministically)
and loads the weights, so it draws exactly the rows it drew before, without training.

A model file (``save_model``/``load_model``, the command line's ``fit`` and ``generate --model``) is
the same idea for one fitted model: ``model.json`` (method, parameters, seed, schema, rules and
derived columns), the rows it was fitted on as Parquet, and a network's weights. Loading refits a
statistical model on those rows with its seed (their fitting is deterministic and quick) and loads a
network's weights without training, so the model draws what it drew before it was saved. Because
the oversamplers draw from the real rows and a network's data transformer is built on them, the
file holds those rows: share it as you would share the data.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import zipfile
import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from core import __version__
from core.errors import DataError, ParameterError, SchemaError
from core.io import parquet_within
from core.limits import limits
from core.recipe import encode_params, finite_float, finite_number, is_seed, no_constant, saved_params
from core.schema import KINDS, NUMERIC, Kind, Schema, coerce, infer_schema, typed, untyped
from core.workspace import Run, Workspace

FORMAT = "synthlab-session"
FORMAT_VERSION = 1
MANIFEST = "session.json"
MODEL_FORMAT = "synthlab-model"
MODEL_MANIFEST = "model.json"
MAX_MANIFEST = 20_000_000
MAX_ENTRIES = 10_000


class BundleError(DataError):
    """A session file that cannot be restored."""


def save_session(ws: Workspace) -> bytes:
    """The session as one zip file (see the module text)."""
    from core.synth import METHODS

    files: dict[str, bytes] = {"raw.parquet": _parquet(ws.raw, "the table")}
    if ws.imputed is not None:
        files["imputed.parquet"] = _parquet(ws.imputed, "the imputed table")
    runs = []
    for i, run in enumerate(ws.runs):
        files[f"runs/{i}.parquet"] = _parquet(run.synthetic, f"run '{run.name}'")
        if run.lost_modes is not None:
            files[f"runs/{i}-lost.parquet"] = _parquet(run.lost_modes, f"run '{run.name}'")
        declared = METHODS[run.method].params if run.method in METHODS else ()
        model = None
        if run.model is not None and hasattr(run.model, "saved"):  # a trained network: weights and its record
            files[f"runs/{i}.safetensors"], record = run.model.saved()
            model = {"weights": f"runs/{i}.safetensors", "record": record, "seed": run.model.seed_,
                     "sha256": hashlib.sha256(files[f"runs/{i}.safetensors"]).hexdigest(),
                     "params": encode_params(declared, run.model.params_)}
        runs.append({"name": run.name, "method": run.method, "params": encode_params(declared, run.params),
                     "seed": run.seed, "fit_seconds": run.fit_seconds, "sample_seconds": run.sample_seconds,
                     "created": run.created.isoformat(), "rules": run.rules, "derived": run.derived,
                     "notes": run.notes, "drawn_from": run.drawn_from, "schema": run.schema,
                     "imputation": run.imputation, "drawing": run.drawing, "table": f"runs/{i}.parquet",
                     "lost": f"runs/{i}-lost.parquet" if run.lost_modes is not None else None, "model": model,
                     "epsilon": run.epsilon})
    manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "synthlab": __version__, "name": ws.name,
                "source": ws.source, "origin": ws.origin, "notices": ws.notices, "fingerprint": ws.fingerprint,
                "schema": ws.schema.to_dict(), "holdout": {"share": ws.holdout_share, "seed": ws.seed},
                "imputation": ws.imputation, "imputation_plan": ws.imputation_plan, "runs": runs}
    return _zipped(MANIFEST, manifest, files)


def load_session(data: bytes) -> tuple[Workspace, list[str]]:
    """(the session's workspace, notices about what could not come back); BundleError for a bad file."""
    return _reading(data, "session file", _restore)


def _reading(data: bytes, what: str, restore: Any) -> Any:
    """``restore(archive)`` on the zip ``data``, with every way a damaged file fails as one BundleError."""
    try:
        archive = _Archive(zipfile.ZipFile(io.BytesIO(data)), what)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError):
        raise BundleError(f"This file is not a SynthLab {what}, or it was cut short: it does not open as the zip "
                          "archive SynthLab saves.",
                          hint="Use a file SynthLab saved, unchanged.") from None
    try:
        return restore(archive)
    except BundleError:
        raise
    except DataError as exc:  # (a part that does not fit the model it should fill)
        raise BundleError(f"This {what} cannot be restored: {exc.message}", hint=exc.hint) from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, KeyError, TypeError, AttributeError,
            NotImplementedError, RuntimeError, OverflowError, SchemaError, ParameterError) as exc:
        said = getattr(exc, "message", None) or "part of it is damaged or missing."
        raise BundleError(f"This {what} cannot be restored: {said}",
                          hint="Use a file SynthLab saved, unchanged.") from None


class _Archive:
    """A zip archive whose parts are read within one budget (the server's ``max_expanded_mb``): the bytes they really
    expand to, counted as they are inflated (a part can declare any size), and the Parquet tables' decoded size and
    cells, each time a part is read. Only the two ways SynthLab compresses are read (bzip2 and LZMA inflate a whole
    chunk at once, however large)."""

    def __init__(self, archive: zipfile.ZipFile, what: str) -> None:
        self.archive, self.what = archive, what
        entries = archive.infolist()
        if len(entries) > MAX_ENTRIES:
            raise BundleError(f"This {what} has more parts than a {what} has.")
        if any(e.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) for e in entries):
            raise BundleError(f"This file is not a SynthLab {what}: it is compressed another way.",
                              hint="Use a file SynthLab saved, unchanged.")
        self.names = {e.filename for e in entries}
        self.left = limits().max_expanded_bytes
        if sum(e.file_size for e in entries) > self.left:
            self._over()

    def _over(self) -> None:
        raise BundleError(f"This {self.what} expands to more than this server allows "
                          f"({limits().max_expanded_bytes / 1e6:,.0f} MB).")

    def read(self, name: str, cap: int | None = None) -> bytes:
        """The part ``name``, refused as soon as it expands past the budget left (or ``cap``)."""
        limit = self.left if cap is None else min(cap, self.left)
        chunks, size = [], 0
        with self.archive.open(name) as part:
            while chunk := part.read(2**20):  # (a deflated chunk inflates by at most this much per call)
                size += len(chunk)
                if size > limit:
                    if cap is not None and size > cap:
                        raise BundleError(f"This {self.what}'s description is larger than any {self.what}'s.")
                    self._over()
                chunks.append(chunk)
        self.left -= size
        return b"".join(chunks)

    def table(self, name: str) -> pd.DataFrame:
        """The Parquet part ``name`` (see :meth:`parquet`)."""
        return self.parquet(self.read(name))

    def parquet(self, data: bytes) -> pd.DataFrame:
        """A Parquet part read already, refused before decoding when its cells or decoded size are over the limits."""
        import pyarrow.parquet as pq

        meta = pq.ParquetFile(io.BytesIO(data)).metadata
        cells, cap = meta.num_rows * meta.num_columns, limits().max_cells
        if cells > cap:
            raise BundleError(f"A table in this {self.what} holds {cells:,} cells, over this server's limit of "
                              f"{cap:,}.")
        declared = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        before, self.left = self.left, self.left - declared
        if self.left < 0:
            self._over()

        def within(size: int) -> None:  # the larger of the declared size and what is read, text as it decodes
            self.left = before - max(declared, size)
            if self.left < 0:
                self._over()

        return parquet_within(data, within).to_pandas()


def _manifest(archive: _Archive, name: str, form: str, what: str) -> tuple[dict, set[str]]:
    """The archive's description and its parts."""
    names = archive.names
    if name not in names:
        raise BundleError(f"This file is not a SynthLab {what} (it has no {name}).")
    manifest = json.loads(archive.read(name, cap=MAX_MANIFEST), parse_constant=no_constant, parse_float=finite_float)
    if not isinstance(manifest, dict) or manifest.get("format") != form:
        raise BundleError(f"This file is not a SynthLab {what}.")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BundleError(f"This {what} was saved in format version {manifest.get('format_version')!r}; this "
                          f"SynthLab reads version {FORMAT_VERSION}.")
    return manifest, names


def _restore(archive: _Archive) -> tuple[Workspace, list[str]]:
    from core.synth import METHODS
    from core.synth.drawing import Drawing

    manifest, names = _manifest(archive, MANIFEST, FORMAT, "session file")

    def table(name: Any) -> pd.DataFrame:
        if not isinstance(name, str) or name not in names:
            raise BundleError("This session file lacks one of its tables.")
        return archive.table(name)

    raw = table("raw.parquet")
    saved = manifest["schema"]
    kinds = saved["kinds"]
    if list(kinds) != list(map(str, raw.columns)) or any(k not in KINDS for k in kinds.values()):
        raise BundleError("This session's column kinds do not match its table.")
    schema = infer_schema(raw)  # the reasons and the inferred kinds, then the user's choices on top
    for column, kind in kinds.items():
        if schema.kinds[column] != kind:
            schema = schema.with_kind(column, kind)
    schema = schema.with_excluded(list(saved.get("excluded", []))).with_target(saved.get("target"))
    holdout = manifest["holdout"]
    ws = Workspace(raw, name=str(manifest["name"]), schema=schema, holdout_share=_finite(holdout["share"]),
                   seed=_seed(holdout["seed"], "the holdout's seed"),
                   notices=[str(n) for n in manifest.get("notices", [])], source=str(manifest.get("source", "")),
                   origin=str(manifest.get("origin", "")))
    if ws.fingerprint != manifest.get("fingerprint"):
        raise BundleError("This session's table is not the one it was saved with: the file was changed.")
    if "imputed.parquet" in names:
        ws.set_imputed(table("imputed.parquet"), str(manifest.get("imputation") or "imputed"),
                       plan=manifest.get("imputation_plan"))
    notices = []
    for entry in manifest.get("runs", []):
        method = entry["method"]
        params = saved_params(METHODS[method], entry["params"]) if method in METHODS else dict(entry["params"])
        run = Run(method=str(method), params=params, seed=_seed(entry["seed"], "a run's seed"),
                  synthetic=_run_rows(table(entry["table"]), entry.get("schema") or manifest["schema"],
                                      str(entry["name"])),
                  fit_seconds=_finite(entry["fit_seconds"]), sample_seconds=_finite(entry["sample_seconds"]),
                  created=datetime.fromisoformat(entry["created"]), name=str(entry["name"]),
                  rules=[str(r) for r in entry["rules"]], derived=[str(d) for d in entry["derived"]],
                  notes=[str(n) for n in entry["notes"]], drawn_from=str(entry.get("drawn_from") or ""),
                  schema=entry.get("schema"), imputation=entry.get("imputation"),
                  drawing=Drawing.from_dict(entry.get("drawing")).to_dict() if entry.get("drawing") else {},
                  lost_modes=table(entry["lost"]) if entry.get("lost") else None,
                  epsilon=_finite(entry["epsilon"]) if entry.get("epsilon") is not None else None)
        saved = entry.get("model")
        if saved and method in METHODS:
            run.model = _network(ws, METHODS[method], saved, run, archive, names)
            if run.epsilon is None:  # (a session saved before runs recorded it: the network still knows)
                run.epsilon = getattr(run.model, "epsilon_", None)
        elif method in METHODS and METHODS[method].trains:
            notices.append(f"Run '{run.name}' keeps its rows, but its trained network is not in the session file: "
                           "replay its recipe to train it again.")
        ws.add_run(run)
    return ws, notices


def _network(ws: Workspace, cls: type, saved: dict, run: Run, archive: _Archive, names: set) -> Any:
    """A run's trained network, rebuilt on the rows it learned from with its saved weights (no training)."""
    from core.recipe import rebuilt

    if run.schema is None:
        raise BundleError(f"The trained network of run '{run.name}' is missing from this session file.")
    weights = _weights(archive, names, saved, f"The trained network of run '{run.name}'", "session file")
    fresh = rebuilt(ws, Schema.from_dict(run.schema), {"share": ws.holdout_share, "seed": ws.seed}, run.imputation)
    return cls.restored(fresh.train, fresh.schema, params=saved_params(cls, saved["params"]),
                        seed=_seed(saved["seed"], "a network's seed"), weights=weights, record=saved["record"])


def _weights(archive: _Archive, names: set, saved: dict, whose: str, what: str) -> bytes:
    """A network's saved weights, refused unless they are the ones that were saved."""
    if saved.get("weights") not in names:
        raise BundleError(f"{whose} is missing from this {what}.")
    weights = archive.read(saved["weights"])
    if hashlib.sha256(weights).hexdigest() != saved.get("sha256"):
        raise BundleError(f"{whose} is not the one it was saved with: the file was changed.")
    return weights


# ---------------------------------------------------------------- one fitted model


@dataclass
class SavedModel:
    """A fitted model as a model file brings it back, with the rules and derived columns it draws with."""

    model: Any
    rules: list[str]
    derived: list[str]
    train: pd.DataFrame  # the rows it was fitted on
    schema: Schema
    source: str  # the table they came from

    @property
    def rows(self) -> int:
        return len(self.train)


def save_model(model: Any, df: pd.DataFrame, schema: Schema, *, rules: list[str] | None = None,
               derived: list[str] | None = None, source: str = "") -> bytes:
    """``model``, fitted on ``df`` with ``schema``, as one file (see the module text): no pickle."""
    learned = typed(df[list(model.output_columns_)], schema, spans=False)[0]  # (as the model read it)
    files = {"train.parquet": _parquet(learned, "the table the model was fitted on")}
    network = None
    if hasattr(model, "saved"):
        files["weights.safetensors"], record = model.saved()
        network = {"weights": "weights.safetensors", "record": record,
                   "sha256": hashlib.sha256(files["weights.safetensors"]).hexdigest()}
    manifest = {"format": MODEL_FORMAT, "format_version": FORMAT_VERSION, "synthlab": __version__,
                "method": model.key, "params": encode_params(model.params, model.params_), "seed": model.seed_,
                "schema": schema.to_dict(), "rules": list(rules or []), "derived": list(derived or []),
                "source": source, "table": "train.parquet",
                "sha256": hashlib.sha256(files["train.parquet"]).hexdigest(), "network": network}
    return _zipped(MODEL_MANIFEST, manifest, files)


def run_model(ws: Workspace, run: Run) -> bytes:
    """A trained run's network as a model file, with the rows it learned from (rebuilt as the run saw them)."""
    from core.recipe import rebuilt

    if run.model is None or run.schema is None:
        raise BundleError(f"Run '{run.name}' keeps no fitted model to save.")
    fresh = rebuilt(ws, Schema.from_dict(run.schema), {"share": ws.holdout_share, "seed": ws.seed}, run.imputation)
    return save_model(run.model, fresh.train, fresh.schema, rules=run.rules, derived=run.derived, source=ws.name)


def load_model(data: bytes) -> SavedModel:
    """The model ``save_model`` wrote, ready to sample; BundleError for a bad file."""
    return _reading(data, "model file", _model)


def _model(archive: _Archive) -> SavedModel:
    from core.synth import METHODS

    manifest, names = _manifest(archive, MODEL_MANIFEST, MODEL_FORMAT, "model file")
    method = manifest["method"]
    if method not in METHODS:
        raise BundleError(f"This model file holds a method this SynthLab does not have ('{method}').")
    cls = METHODS[method]
    if manifest.get("table") not in names:
        raise BundleError("This model file lacks the table it was fitted on.")
    rows = archive.read(manifest["table"])
    if hashlib.sha256(rows).hexdigest() != manifest.get("sha256"):
        raise BundleError("This model file's table is not the one it was saved with: the file was changed.")
    df = archive.parquet(rows)
    schema = Schema.from_dict(manifest["schema"])
    if not set(df.columns) <= set(schema.kinds) or not _of_kinds(df, schema):
        raise BundleError("This model file's column kinds do not match its table.")
    params, seed = saved_params(cls, manifest["params"]), _seed(manifest["seed"], "the model's seed")
    if not all(isinstance(v, list) and all(isinstance(line, str) for line in v)
               for v in (manifest["rules"], manifest["derived"])):
        raise BundleError("This model file's rules and derived columns must be lists of lines of text.")
    network = manifest.get("network")
    if cls.trains and not network:
        raise BundleError(f"This model file lacks the trained network of {cls.title}.")
    if network:
        weights = _weights(archive, names, network, "The trained network", "model file")
        model = cls.restored(df, schema, params=params, seed=seed, weights=weights, record=network["record"])
    else:
        model = cls(**params).fit(df, schema, seed=seed)
    return SavedModel(model=model, rules=list(manifest["rules"]), derived=list(manifest["derived"]), train=df,
                      schema=schema, source=str(manifest["source"]))


def _of_kinds(df: pd.DataFrame, schema: Schema) -> bool:
    """Whether the table's columns hold what the schema says (the table is saved typed: dates as dates, numbers
    as numbers, at most two values in a binary column)."""
    try:
        coerce(df, dataclasses.replace(schema, kinds={c: schema.kinds[c] for c in df.columns}))
    except SchemaError:
        return False
    return not untyped(df, schema.kinds, spans=False)


def _zipped(name: str, manifest: dict, files: dict[str, bytes]) -> bytes:
    """One zip archive: the description ``name`` as JSON, then the parts."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, json.dumps(manifest, ensure_ascii=False, allow_nan=False, default=str))
        for part, data in files.items():
            archive.writestr(part, data)
    return out.getvalue()


def _parquet(df: pd.DataFrame, what: str) -> bytes:
    out = io.BytesIO()
    try:
        df.to_parquet(out, index=False)
    except (ValueError, TypeError, ImportError) as exc:  # pyarrow's errors subclass these
        raise BundleError(f"{what[0].upper()}{what[1:]} cannot be saved: {exc}") from None
    return out.getvalue()


def _finite(value: Any) -> float:
    """A number the file holds as a finite float (a number beyond floats, or text, is refused)."""
    if not finite_number(value):
        raise ValueError("a number that is not finite")
    return float(value)


def _seed(value: Any, what: str) -> int:
    if not is_seed(value):
        from core.synth.base import MAX_SEED

        raise BundleError(f"This file cannot be restored: {what} is not a whole number from 0 to {MAX_SEED:,}.",
                          hint="Use a file SynthLab saved, unchanged.")
    return value


def _run_rows(df: pd.DataFrame, schema: dict, name: str) -> pd.DataFrame:
    """A run's rows, refused unless each column the table has holds values of its kind in the run's ``schema`` (a
    file changed by hand)."""
    kinds = Schema.from_dict(schema).kinds
    for column in df.columns:
        kind, values = kinds.get(column), df[column]
        numbers = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
        fits = (kind not in (*NUMERIC, Kind.DATETIME) or values.isna().all() or (kind in NUMERIC and numbers)
                or (kind == Kind.DATETIME and pd.api.types.is_datetime64_any_dtype(values)))
        if not fits:
            raise BundleError(f"This session file cannot be restored: run '{name}' holds '{column}' as "
                              f"{values.dtype} where the table holds {kind} values.",
                              hint="Use a file SynthLab saved, unchanged.")
    return df

