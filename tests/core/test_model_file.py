"""Model files (``save_model``/``load_model``): every method's fitted model comes back drawing exactly the rows it
drew before it was saved; a damaged, changed or foreign file is a sentence and never runs anything."""

import io
import json
import zipfile

import pytest

from core.bundle import BundleError, load_model, save_model
from core.impute.plan import Step, impute
from core.io import read_table, write_table
from core.samples import SAMPLES
from core.synth import METHODS
from core.workspace import Workspace


def imputed() -> Workspace:
    ws = Workspace(read_table(SAMPLES["airquality"].path), name="airquality", seed=1)
    ws.set_schema(ws.schema.with_kind("Month", "categorical").with_target("Month"))
    steps = [Step(c, "hot_deck", {}) for c in ("Ozone", "Solar.R")]
    plan = {"steps": [{"column": s.column, "method": s.method, "params": {}} for s in steps], "seed": 2, "rules": []}
    ws.set_imputed(impute(ws.real, ws.schema, steps, rng=2).table, "hot_deck", plan=plan)
    return ws


@pytest.fixture(scope="module")
def table() -> Workspace:
    return imputed()


@pytest.mark.parametrize("method", list(METHODS))
def test_every_method_draws_the_same_rows_after_a_save_and_a_load(table, method):
    cls = METHODS[method]
    model = cls(**cls.quick).fit(table.train, table.schema, seed=7)
    data = save_model(model, table.train, table.schema, rules=["Temp > 0"], derived=["hot = Temp > 80"],
                      source="airquality")
    back = load_model(data)
    assert type(back.model) is cls and back.model.params_ == model.params_ and back.model.seed_ == 7
    assert (back.rules, back.derived, back.rows, back.source) == (["Temp > 0"], ["hot = Temp > 80"],
                                                                   len(table.train), "airquality")
    assert write_table(back.model.sample(200, rng=5), "csv") == write_table(model.sample(200, rng=5), "csv")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:  # nothing in it is code
        assert not [n for n in archive.namelist() if n.endswith((".pkl", ".pickle", ".pt", ".joblib"))]


def parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {n: archive.read(n) for n in archive.namelist()}


def zipped(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, part in files.items():
            archive.writestr(name, part)
    return out.getvalue()


def edited(data: bytes, edit) -> bytes:
    files = parts(data)
    manifest = json.loads(files["model.json"])
    edit(manifest, files)
    files["model.json"] = json.dumps(manifest).encode()
    return zipped(files)


@pytest.fixture(scope="module")
def saved(table) -> bytes:
    cls = METHODS["vae"]
    return save_model(cls(**cls.quick).fit(table.train, table.schema, seed=1), table.train, table.schema)


@pytest.mark.parametrize(("damage", "said"), [
    (lambda b: b"name,age\nA,3\n", "not a SynthLab model file"),
    (lambda b: b[: len(b) // 2], "not a SynthLab model file"),
    (lambda b: zipped({k: v for k, v in parts(b).items() if k != "model.json"}), "no model.json"),
    (lambda b: edited(b, lambda m, f: m.update(format="synthlab-session")), "not a SynthLab model file"),
    (lambda b: edited(b, lambda m, f: m.update(format_version=9)), "format version 9"),
    (lambda b: edited(b, lambda m, f: m.update(method="os.system")), "does not have ('os.system')"),
    (lambda b: edited(b, lambda m, f: m["params"].update(epochs=-4)), "cannot be restored"),
    (lambda b: edited(b, lambda m, f: m.update(seed="seven")), "cannot be restored"),
    (lambda b: edited(b, lambda m, f: f.update({"weights.safetensors": b"\0" * 64})), "was changed"),
    (lambda b: edited(b, lambda m, f: f.update({"train.parquet": f["train.parquet"][:-9]})), "was changed"),
    (lambda b: edited(b, lambda m, f: m.update(network=None)), "lacks the trained network"),
    (lambda b: edited(b, lambda m, f: m["schema"]["kinds"].update(Ozone="spline")), "Unknown column kinds"),
    (lambda b: edited(b, lambda m, f: m["schema"]["kinds"].pop("Ozone")), "do not match its table"),
    (lambda b: edited(b, lambda m, f: m["schema"]["kinds"].update(Ozone="datetime")), "do not match its table"),
    (lambda b: edited(b, lambda m, f: m["schema"]["kinds"].update(Ozone="binary")), "do not match its table"),
    (lambda b: zipped({**parts(b), **{f"x{i}": b"" for i in range(10_001)}}), "more parts"),
])
def test_a_bad_model_file_is_a_sentence(saved, damage, said):
    with pytest.raises(BundleError) as caught:
        load_model(damage(saved))
    assert said in caught.value.message


def test_a_trained_run_is_saved_with_the_rows_it_learned_from_though_the_session_moved_on():
    from core.bundle import run_model
    from core.synth.run import generate
    from core.workspace import Run

    table = imputed()
    made = generate(table.train, table.schema, "gan", {**METHODS["gan"].quick}, 30, rng=5, rules=["Temp > 60"])
    run = table.add_run(Run(method="gan", params={**METHODS["gan"].quick}, seed=5, synthetic=made.table,
                            fit_seconds=1, sample_seconds=0, rules=["Temp > 60"], model=made.model))
    table.restore_original()  # the working table is no longer the imputed one the network learned from
    back = load_model(run_model(table, run))
    assert back.rules == ["Temp > 60"] and back.rows == len(table.train)
    assert write_table(back.model.sample(150, rng=2), "csv") == write_table(made.model.sample(150, rng=2), "csv")


def test_random_damage_is_a_model_or_a_sentence(saved):
    import time

    import numpy as np

    from core.errors import SynthLabError
    from tests.core.test_bundle import flipped

    rng = np.random.default_rng(11)
    plain = zipped(parts(saved))  # stored, not deflated: flipped bytes land in the description and the tables too
    for data in (saved, plain):
        for _ in range(40):
            start = time.perf_counter()
            try:
                back = load_model(flipped(data, rng))
                assert len(back.model.sample(5, rng=0)) == 5  # a flip the checks let through still gives a model
            except SynthLabError as exc:
                assert exc.message
            assert time.perf_counter() - start < 10


def test_a_model_fitted_on_a_table_read_but_not_typed_saves_a_file_it_loads():
    from core.io import read_table
    from core.schema import infer_schema

    raw = read_table(b"day,x\n" + b"".join(f"2024-01-{1 + i % 28:02d},{i % 7}\n".encode() for i in range(60)),
                     filename="d.csv")
    schema = infer_schema(raw)
    model = METHODS["gaussian_copula"]().fit(raw, schema, seed=0)
    again = load_model(save_model(model, raw, schema)).model
    assert again.sample(20, rng=0).equals(model.sample(20, rng=0))
