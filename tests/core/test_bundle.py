"""Session bundles: a whole session round-trips through one file; a damaged or foreign file is a sentence."""

import io
import json
import time
import tracemalloc
import zipfile

import numpy as np
import pandas as pd
import pytest

from core import bundle as bundle_module
from core.bundle import BundleError, load_session, save_session
from core.errors import SynthLabError
from core.impute.plan import Step, impute
from core.io import read_table, write_table
from core.limits import Limits
from core.recipe import load_recipe, recipe_for, replay
from core.samples import SAMPLES
from core.synth import METHODS
from core.synth.run import generate
from core.synth.statistical import normal_score_correlation
from core.workspace import Run, Workspace


def session() -> Workspace:
    ws = Workspace(read_table(SAMPLES["airquality"].path), name="airquality", source="sample:airquality", seed=4)
    ws.set_schema(ws.schema.with_kind("Month", "categorical").with_target("Month"))
    plan = {"steps": [{"column": "Ozone", "method": "hot_deck", "params": {}}], "seed": 2, "rules": []}
    steps = [Step("Ozone", "hot_deck", {})]
    ws.set_imputed(impute(ws.real, ws.schema, steps, rng=2).table, "hot_deck", plan=plan)
    matrix = normal_score_correlation(ws.train, ws.schema)
    for method, params in (("gaussian_copula", {}), ("cholesky", {"distributions": {"Wind": "gamma"},
                                                                  "correlation": matrix})):
        made = generate(ws.train, ws.schema, method, params, 90, rng=3, rules=["Temp > 60"])
        ws.add_run(Run(method=method, params=params, seed=3, synthetic=made.table, fit_seconds=0.5,
                       sample_seconds=0.1, rules=["Temp > 60"], notes=made.notes))
    ws.rename_run("cholesky #1", "what-if")
    return ws


def test_a_session_round_trips_tables_schema_imputation_and_runs():
    ws = session()
    ws.runs[1].epsilon = 0.5  # (as a private run records the budget it spent)
    back, notices = load_session(save_session(ws))
    assert notices == []
    assert back.fingerprint == ws.fingerprint and back.name == "airquality" and back.seed == 4
    assert back.schema.kinds == ws.schema.kinds and back.schema.target == "Month"
    assert back.schema.overrides == ws.schema.overrides  # the user's kind change is still a change
    pd.testing.assert_frame_equal(back.working, ws.working)
    assert (back.holdout_mask == ws.holdout_mask).all() and back.imputation_plan == ws.imputation_plan
    assert [r.name for r in back.runs] == ["gaussian_copula #1", "what-if"]
    assert [r.epsilon for r in back.runs] == [None, 0.5]
    for old, new in zip(ws.runs, back.runs, strict=True):
        assert write_table(new.synthetic, "csv") == write_table(old.synthetic, "csv")
        assert (new.method, new.seed, new.rules, new.notes, new.created) == (old.method, old.seed, old.rules,
                                                                            old.notes, old.created)
    pd.testing.assert_frame_equal(back.runs[1].params["correlation"], ws.runs[1].params["correlation"])
    again = replay(load_recipe(recipe_for(back, back.runs[1]).to_json()), back)  # a restored run still replays
    assert write_table(again.table, "csv") == write_table(ws.runs[1].synthetic, "csv")


@pytest.mark.parametrize("method", ["vae", "gan"])
def test_a_trained_network_comes_back_and_draws_the_same_rows(method):
    ws = session()  # an imputed working table and a changed kind: the network is rebuilt on the rows it saw
    params = {"epochs": 3, "batch_size": 50} if method == "gan" else {"epochs": 3}
    made = generate(ws.train, ws.schema, method, params, 30, rng=5)
    ws.add_run(Run(method=method, params=params, seed=5, synthetic=made.table, fit_seconds=1, sample_seconds=0,
                   model=made.model, lost_modes=made.model.collapse_check(ws.train, made.table)))
    ws.restore_original()  # the session moved on; the run keeps what it was made from
    back, notices = load_session(save_session(ws))
    model = back.runs[-1].model
    assert notices == [] and model is not None and model.history_[-1].epoch == 3
    pd.testing.assert_frame_equal(model.sample(200, rng=9), made.model.sample(200, rng=9))
    pd.testing.assert_frame_equal(back.runs[-1].lost_modes, ws.runs[-1].lost_modes, check_dtype=False)
    wrong = rewritten(save_session(ws), lambda n, p: p[:-9] + b"123456789" if n.endswith(".safetensors") else p)
    with pytest.raises(BundleError, match=r"network of run .* the file was changed"):
        load_session(wrong)
    key = "width" if method == "vae" else "generator_width"
    other = rewritten(save_session(ws), manifest_edit(lambda m: m["runs"][-1]["model"]["params"].update({key: 64})))
    with pytest.raises(BundleError, match="does not fit the model it should fill"):
        load_session(other)


TINY = {"gan": {"batch_size": 50}, "vae": {"batch_size": 50, "width": 16},
        "diffusion": {"batch_size": 50, "steps": 10, "width": 16}}


@pytest.mark.parametrize("method", sorted(key for key, method in METHODS.items() if method.added))
def test_a_network_saved_before_its_settings_existed_comes_back_as_it_was_made(method):
    before = METHODS[method].added  # each setting added since the method's first files, as it was before it
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"ram": rng.choice([2, 4, 8, 16], 400), "price": rng.normal(2_000, 300, 400).round(),
                       "cd": rng.choice(["yes", "no"], 400)})
    ws = Workspace(df, name="computers", source="upload", seed=1)
    params = {"epochs": 2, **TINY[method], **before}
    made = generate(ws.train, ws.schema, method, params, 30, rng=5)
    ws.add_run(Run(method=method, params=params, seed=5, synthetic=made.table, fit_seconds=1, sample_seconds=0,
                   model=made.model))

    def older(manifest):  # the file as a SynthLab without the settings wrote it
        run = manifest["runs"][-1]
        for name in before:
            del run["params"][name], run["model"]["params"][name]

    back, notices = load_session(rewritten(save_session(ws), manifest_edit(older)))
    assert notices == [] and {name: back.runs[-1].params[name] for name in before} == before
    pd.testing.assert_frame_equal(back.runs[-1].model.sample(100, rng=2), made.model.sample(100, rng=2))
    recipe = json.loads(recipe_for(ws, ws.runs[-1]).to_json())
    for name in before:
        del recipe["params"][name]
    assert {name: load_recipe(json.dumps(recipe)).params[name] for name in before} == before


def rewritten(data: bytes, change) -> bytes:
    """The bundle with its parts passed through ``change(name, bytes) -> bytes | None`` (None drops the part)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            part = change(info.filename, source.read(info.filename))
            if part is not None:
                target.writestr(info.filename, part)
    return out.getvalue()


def manifest_edit(edit):
    def change(name, part):
        if name != "session.json":
            return part
        body = json.loads(part)
        edit(body)
        return json.dumps(body).encode()
    return change


@pytest.mark.parametrize(("damage", "said"), [
    (lambda b: b"not a zip at all", "not a SynthLab session"),
    (lambda b: b[: len(b) // 2], "or it was cut short"),
    (lambda b: rewritten(b, lambda n, p: None if n == "session.json" else p), "no session.json"),
    (lambda b: rewritten(b, manifest_edit(lambda m: m.update(format_version=7))), "format version 7"),
    (lambda b: rewritten(b, manifest_edit(lambda m: m.update(format="other"))), "not a SynthLab session"),
    (lambda b: rewritten(b, lambda n, p: b"{" if n == "session.json" else p), "cannot be restored"),
    (lambda b: rewritten(b, lambda n, p: None if n == "runs/0.parquet" else p), "lacks one of its tables"),
    (lambda b: rewritten(b, manifest_edit(lambda m: m["schema"]["kinds"].update(Ozone="colour"))),
     "kinds do not match"),
    (lambda b: rewritten(b, manifest_edit(lambda m: m["runs"][1]["params"].update(distributions={"Wind": "x"}))),
     "does not know"),
    (lambda b: rewritten(b, lambda n, p: write_parquet_changed(p) if n == "raw.parquet" else p),
     "not the one it was saved with"),
])
def test_a_damaged_or_foreign_file_is_a_sentence(damage, said):
    with pytest.raises(BundleError, match=said):
        load_session(damage(save_session(session())))


def write_parquet_changed(part: bytes) -> bytes:
    df = pd.read_parquet(io.BytesIO(part))
    df.iloc[0, 0] = 999
    out = io.BytesIO()
    df.to_parquet(out, index=False)
    return out.getvalue()


def test_a_file_that_expands_beyond_the_limit_is_refused_before_reading(monkeypatch):
    data = save_session(session())
    monkeypatch.setattr(bundle_module, "limits", lambda: Limits(max_expanded_mb=0))
    with pytest.raises(BundleError, match="expands to more than this server allows"):
        load_session(data)


def flipped(data: bytes, rng: np.random.Generator) -> bytes:
    """``data`` with one to seven bytes set to random values."""
    damaged = bytearray(data)
    for position in rng.integers(0, len(damaged), size=rng.integers(1, 8)):
        damaged[position] = rng.integers(0, 256)
    return bytes(damaged)


def test_random_damage_is_a_session_or_a_sentence():
    data = save_session(session())
    rng = np.random.default_rng(8)
    for _ in range(60):
        damaged = flipped(data, rng)
        start = time.perf_counter()
        try:
            load_session(damaged[: rng.integers(len(damaged) // 2, len(damaged) + 1)])
        except SynthLabError as exc:
            assert exc.message
        assert time.perf_counter() - start < 10


def lying(data: bytes, name: str, payload: bytes, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """The bundle with part ``name`` replaced by ``payload``, compressed, its declared size set to 100 bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            if info.filename != name:
                target.writestr(info.filename, source.read(info.filename), compress_type=zipfile.ZIP_DEFLATED)
        target.writestr(name, payload, compress_type=compression)
        target.getinfo(name).file_size = 100  # (written into the central directory when the archive closes)
    return out.getvalue()


@pytest.mark.parametrize("name", ["session.json", "runs/0.parquet"])
def test_a_part_that_lies_about_its_size_is_refused_without_inflating_it(name):
    data = lying(save_session(session()), name, b"\0" * 64 * 2**20)  # 64 MB of zeros in about 64 KB
    assert len(data) < 200_000
    tracemalloc.start()
    try:
        with pytest.raises(BundleError, match="damaged"):  # it stops at the size it declares: the checksum fails
            load_session(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 2**20  # (reading the part whole inflated all 64 MB, however much it declared)


def test_parts_compressed_in_ways_that_inflate_without_bound_are_refused():
    data = lying(save_session(session()), "session.json", b"{}", compression=zipfile.ZIP_BZIP2)
    with pytest.raises(BundleError, match="compressed another way"):
        load_session(data)


def test_a_table_holding_more_cells_than_the_server_allows_is_refused_before_decoding(monkeypatch):
    wide = pd.DataFrame({"Ozone": np.zeros(2_000_000, dtype=np.int64)})  # compresses to a few kilobytes
    part = io.BytesIO()
    wide.to_parquet(part, index=False, compression="zstd")
    monkeypatch.setattr(bundle_module, "limits", lambda: Limits(max_cells=1_000_000))
    data = rewritten(save_session(session()), lambda n, p: part.getvalue() if n == "runs/0.parquet" else p)
    with pytest.raises(BundleError, match="holds 2,000,000 cells, over this server's limit of 1,000,000"):
        load_session(data)


@pytest.mark.parametrize(("edit", "said"), [
    (lambda m: m["holdout"].update(share=10**4000), "cannot be restored"),
    (lambda m: m["runs"][0].update(seed=10**4000), "cannot be restored"),
    (lambda m: m["runs"][0].update(seed=-1), "cannot be restored"),
    (lambda m: m["runs"][0].update(epsilon=10**4000), "cannot be restored"),
    (lambda m: m["runs"][0].update(fit_seconds="1e400"), "cannot be restored"),
])
def test_numbers_beyond_floats_are_a_sentence(edit, said):
    with pytest.raises(BundleError, match=said):
        load_session(rewritten(save_session(session()), manifest_edit(edit)))


def test_infinite_numbers_are_refused_so_a_loaded_session_can_always_be_saved_again():
    def infinite(name, part):
        return part.replace(b'"fit_seconds": 0.5', b'"fit_seconds": 1e400') if name == "session.json" else part
    data = rewritten(save_session(session()), lambda n, p: p if n != "session.json" else
                     json.dumps(json.loads(p)).encode())
    with pytest.raises(BundleError, match="cannot be restored"):
        load_session(rewritten(data, infinite))


def test_run_rows_of_the_wrong_kind_are_refused():
    def as_text(part: bytes) -> bytes:
        out = io.BytesIO()
        pd.read_parquet(io.BytesIO(part)).astype(str).to_parquet(out, index=False)
        return out.getvalue()
    data = rewritten(save_session(session()), lambda n, p: as_text(p) if n == "runs/0.parquet" else p)
    with pytest.raises(BundleError, match=r"run 'gaussian_copula #1' holds '\w+' as object where the table holds"):
        load_session(data)


def test_a_model_file_whose_rules_are_not_lines_is_refused():
    ws = session()
    model = METHODS["gaussian_copula"]().fit(ws.train, ws.schema, seed=0)

    def edit(name, part):
        if name != "model.json":
            return part
        body = json.loads(part)
        body["rules"] = "Temp > 60"
        return json.dumps(body).encode()
    with pytest.raises(BundleError, match="must be lists of lines of text"):
        bundle_module.load_model(rewritten(bundle_module.save_model(model, ws.train, ws.schema), edit))
