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
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import datetime
from typing import Any

import pandas as pd

from core import __version__
from core.errors import DataError, ParameterError, SchemaError
from core.limits import limits
from core.recipe import decode_params, encode_params
from core.schema import KINDS, infer_schema
from core.workspace import Run, Workspace

FORMAT = "synthlab-session"
FORMAT_VERSION = 1
MANIFEST = "session.json"
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
                     "imputation": run.imputation, "table": f"runs/{i}.parquet",
                     "lost": f"runs/{i}-lost.parquet" if run.lost_modes is not None else None, "model": model})
    manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "synthlab": __version__, "name": ws.name,
                "source": ws.source, "origin": ws.origin, "notices": ws.notices, "fingerprint": ws.fingerprint,
                "schema": ws.schema.to_dict(), "holdout": {"share": ws.holdout_share, "seed": ws.seed},
                "imputation": ws.imputation, "imputation_plan": ws.imputation_plan, "runs": runs}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, allow_nan=False, default=str))
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def load_session(data: bytes) -> tuple[Workspace, list[str]]:
    """(the session's workspace, notices about what could not come back); BundleError for a bad file."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        return _restore(archive)
    except BundleError:
        raise
    except DataError as exc:  # (a part that does not fit the model it should fill)
        raise BundleError(f"This session file cannot be restored: {exc.message}", hint=exc.hint) from None
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError, TypeError, AttributeError,
            NotImplementedError, RuntimeError, SchemaError, ParameterError) as exc:
        said = getattr(exc, "message", None) or "part of it is damaged or missing"
        raise BundleError(f"This session file cannot be restored: {said}",
                          hint="Use a file saved by SynthLab's 'Save the session', unchanged.") from None


def _restore(archive: zipfile.ZipFile) -> tuple[Workspace, list[str]]:
    from core.synth import METHODS

    entries = archive.infolist()
    if len(entries) > MAX_ENTRIES:
        raise BundleError("This session file has more parts than a session has.")
    budget = limits().max_expanded_bytes
    if sum(e.file_size for e in entries) > budget:
        raise BundleError(f"This session file expands to more than this server allows ({budget / 1e6:,.0f} MB).")
    names = {e.filename for e in entries}
    if MANIFEST not in names:
        raise BundleError("This file is not a SynthLab session (it has no session.json).")
    if archive.getinfo(MANIFEST).file_size > MAX_MANIFEST:
        raise BundleError("This session file's description is larger than any session's.")
    manifest = json.loads(archive.read(MANIFEST), parse_constant=_no_constant)
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BundleError("This file is not a SynthLab session.")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BundleError(f"This session was saved in format version {manifest.get('format_version')!r}; this "
                          f"SynthLab reads version {FORMAT_VERSION}.")

    def table(name: Any) -> pd.DataFrame:
        if not isinstance(name, str) or name not in names:
            raise BundleError("This session file lacks one of its tables.")
        return pd.read_parquet(io.BytesIO(archive.read(name)))

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
    ws = Workspace(raw, name=str(manifest["name"]), schema=schema, holdout_share=float(holdout["share"]),
                   seed=int(holdout["seed"]), notices=[str(n) for n in manifest.get("notices", [])],
                   source=str(manifest.get("source", "")), origin=str(manifest.get("origin", "")))
    if ws.fingerprint != manifest.get("fingerprint"):
        raise BundleError("This session's table is not the one it was saved with: the file was changed.")
    if "imputed.parquet" in names:
        ws.set_imputed(table("imputed.parquet"), str(manifest.get("imputation") or "imputed"),
                       plan=manifest.get("imputation_plan"))
    notices = []
    for entry in manifest.get("runs", []):
        method = entry["method"]
        declared = METHODS[method].params if method in METHODS else ()
        params = decode_params(declared, entry["params"], str(method)) if method in METHODS else dict(entry["params"])
        run = Run(method=str(method), params=params, seed=int(entry["seed"]), synthetic=table(entry["table"]),
                  fit_seconds=float(entry["fit_seconds"]), sample_seconds=float(entry["sample_seconds"]),
                  created=datetime.fromisoformat(entry["created"]), name=str(entry["name"]),
                  rules=[str(r) for r in entry["rules"]], derived=[str(d) for d in entry["derived"]],
                  notes=[str(n) for n in entry["notes"]], drawn_from=str(entry.get("drawn_from") or ""),
                  schema=entry.get("schema"), imputation=entry.get("imputation"),
                  lost_modes=table(entry["lost"]) if entry.get("lost") else None)
        saved = entry.get("model")
        if saved and method in METHODS:
            run.model = _network(ws, METHODS[method], saved, run, archive, names)
        elif method in METHODS and METHODS[method].trains:
            notices.append(f"Run '{run.name}' keeps its rows, but its trained network is not in the session file: "
                           "replay its recipe to train it again.")
        ws.add_run(run)
    return ws, notices


def _network(ws: Workspace, cls: type, saved: dict, run: Run, archive: zipfile.ZipFile, names: set) -> Any:
    """A run's trained network, rebuilt on the rows it learned from with its saved weights (no training)."""
    from core.recipe import rebuilt
    from core.schema import Schema

    if saved.get("weights") not in names or run.schema is None:
        raise BundleError(f"The trained network of run '{run.name}' is missing from this session file.")
    weights = archive.read(saved["weights"])
    if hashlib.sha256(weights).hexdigest() != saved.get("sha256"):
        raise BundleError(f"The trained network of run '{run.name}' is not the one it was saved with: the file was "
                          "changed.")
    fresh = rebuilt(ws, Schema.from_dict(run.schema), {"share": ws.holdout_share, "seed": ws.seed}, run.imputation)
    return cls.restored(fresh.train, fresh.schema, params=decode_params(cls.params, saved["params"], cls.title),
                        seed=int(saved["seed"]), weights=weights, record=saved["record"])


def _parquet(df: pd.DataFrame, what: str) -> bytes:
    out = io.BytesIO()
    try:
        df.to_parquet(out, index=False)
    except (ValueError, TypeError, ImportError) as exc:  # pyarrow's errors subclass these
        raise BundleError(f"{what[0].upper()}{what[1:]} cannot be saved: {exc}") from None
    return out.getvalue()


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON value")
