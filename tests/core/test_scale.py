"""Generating at scale: the parts of a run are the in-memory table for the same seed, whatever the chunk size, the
engine or the number of workers; rules, guard and quotas hold per block and their reports add up; bad arguments are
one sentence and exit code 2; a table bigger than the fitting budget is fitted on a seeded sample, said so.

Blocks are made small (50 rows) so that a few hundred rows make several blocks and parts."""

import json

import numpy as np
import pandas as pd
import pytest

from core import scale
from core.cli import main
from core.errors import DataError
from core.io import read_table
from core.samples import SAMPLES
from core.synth import METHODS
from core.synth import run as synth_run
from core.synth.guard import Guard
from core.synth.run import Blocks, draw_guarded, generate, split_quotas
from core.workspace import Workspace

PENGUINS = str(SAMPLES["penguins"].path)
RULES = ["body_mass_g > 3000"]
DERIVED = ["kg = body_mass_g / 1000"]


@pytest.fixture
def small_blocks(monkeypatch):
    monkeypatch.setattr(synth_run, "BLOCK_ROWS", 50)


@pytest.fixture(scope="module")
def fitted():
    ws = Workspace(read_table(PENGUINS), name="penguins.csv")
    return ws, METHODS["gaussian_copula"]().fit(ws.train, ws.schema, seed=4)


def digest(table: pd.DataFrame) -> int:
    return int(pd.util.hash_pandas_object(table, index=False).sum())


def same_rows(parts: pd.DataFrame, memory: pd.DataFrame) -> None:
    assert list(parts.columns) == list(memory.columns)
    def plain(table: pd.DataFrame) -> pd.DataFrame:  # missing text is None in Parquet and NaN in memory
        return table.astype(object).where(table.notna(), None).reset_index(drop=True)

    pd.testing.assert_frame_equal(plain(parts), plain(memory), check_dtype=False)


def test_parts_are_the_in_memory_table_for_any_chunk_size_and_engine(tmp_path, small_blocks, capsys):
    ws = Workspace(read_table(PENGUINS), name="penguins.csv")
    memory = generate(ws.train, ws.schema, "gaussian_copula", {}, 130, rng=7, rules=RULES, derived=DERIVED,
                      guard=Guard(), holdout=ws.holdout)
    seen = set()
    for name, extra in (("a", ["--chunk-rows", "50"]), ("b", ["--chunk-rows", "120"])):
        assert main(["generate", "--data", PENGUINS, "--method", "gaussian_copula", "--rows", "130", "--seed", "7",
                     "--rule", *RULES, "--derive", *DERIVED, "--guard", "--out", str(tmp_path / name), *extra]) == 0
        parts = scale.read_dataset(tmp_path / name)
        same_rows(parts, memory.table)
        seen.add(digest(parts))
        report = json.loads((tmp_path / name / scale.RUN_FILE).read_text())
        assert report["rows"] == 130 and report["blocks"] == 3
        assert report["rules"][0]["rejected"] == sum(r.rejected for r in memory.rule_report)
    assert len(seen) == 1  # one dataset whatever the pieces
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["_recipe.json", "_run.json", "part-00000.parquet",
                                                                 "part-00001.parquet", "part-00002.parquet"]
    err = capsys.readouterr().err
    assert "120 rows per part became 150" in err and "130/130 rows" in err and "in 3 blocks on this process" in err


def test_the_written_recipe_replays_the_same_parts(tmp_path, small_blocks):
    first, again = tmp_path / "first", tmp_path / "again"
    assert main(["generate", "--data", PENGUINS, "--method", "cart", "--rows", "120", "--seed", "2",
                 "--out", str(first)]) == 0
    assert main(["generate", "--data", PENGUINS, "--recipe", str(first / scale.RECIPE_FILE), "--rows", "120",
                 "--out", str(again), "--chunk-rows", "100"]) == 0
    assert digest(scale.read_dataset(first)) == digest(scale.read_dataset(again))


def test_a_dask_cluster_in_this_process_draws_what_one_process_does(tmp_path, fitted, monkeypatch):
    # A worker limit far below this process's size: threads in this process are not held to it (a limit there would
    # pause them for good once a long test run has grown the process, and the run would wait forever).
    monkeypatch.setattr(scale, "WORKER_MEMORY", "64MiB")
    ws, model = fitted
    plan = Blocks.plan(model, 230, ws.train, ws.schema, seeds=np.random.SeedSequence(11), rules=RULES,
                       derived=DERIVED, guard=Guard(), holdout=ws.holdout, block_rows=40)
    local, dask = tmp_path / "local", tmp_path / "dask"
    for out in (local, dask):
        scale.prepare_dir(out)
    one = scale.write_dataset(plan, local, chunk_rows=80, engine="local")
    two = scale.write_dataset(plan, dask, chunk_rows=40, engine="dask", workers=2, processes=False)
    assert digest(scale.read_dataset(local)) == digest(scale.read_dataset(dask))
    assert (one.blocks, len(one.parts), len(two.parts), two.workers) == (6, 3, 6, 2)
    assert one.rule_report == two.rule_report and one.rule_report[0].drawn >= 230
    assert one.notes == two.notes and one.notes[0].startswith("Privacy guard")


def test_the_guard_and_rules_hold_in_every_block_and_quotas_add_up_exactly(fitted, small_blocks):
    ws, model = fitted
    table, report, notes = draw_guarded(model, 200, ws.train, ws.schema, rng=3, rules=RULES,
                                        quotas={"species": {"Adelie": 101, "Gentoo": 66, "Chinstrap": 33}},
                                        guard=Guard(close_share=0.02), holdout=ws.holdout)
    assert len(table) == 200 and (table["body_mass_g"].dropna() > 3000).all()
    assert table["species"].value_counts().to_dict() == {"Adelie": 101, "Gentoo": 66, "Chinstrap": 33}
    assert len(report) == 1 and report[0].rejected > 0 and report[0].drawn > 200  # one report over 4 blocks
    assert "Privacy guard" in notes[0]


def test_quotas_split_over_blocks_in_proportion_with_exact_totals():
    sizes = [50, 50, 50, 17]
    split = split_quotas("c", {"a": 100, "b": 40, "z": 27}, sizes)
    matrix = pd.DataFrame([block["c"] for block in split]).fillna(0).astype(int)
    assert matrix.sum(axis=1).tolist() == sizes  # each block gets its rows
    assert matrix.sum().to_dict() == {"a": 100, "b": 40, "z": 27}  # each value exactly its total
    expected = np.outer(sizes, [100, 40, 27]) / sum(sizes)
    assert np.abs(matrix[["a", "b", "z"]].to_numpy() - expected).max() < 1.5  # in proportion


def test_a_run_of_one_block_is_the_table_drawn_before_blocks(fitted):
    ws, model = fitted
    table, _, _ = draw_guarded(model, 300, ws.train, ws.schema, rng=5)
    assert table.equals(model.sample(300, rng=np.random.default_rng(5)))


@pytest.mark.parametrize(("arguments", "said"), [
    (["--rows", "-5", "--out", "{tmp}/a"], "a whole number from 1 to"),
    (["--rows", "0", "--out", "{tmp}/a"], "a whole number from 1 to"),
    (["--rows", "99000000000", "--out", "{tmp}/a"], "at most 10,000,000,000"),
    (["--rows", "10", "--out", "{file}/inside"], "Cannot write into the directory"),
    (["--rows", "10", "--out", "{tmp}/full"], "holds other files"),
    (["--rows", "10", "--out", "{tmp}/a.csv", "--chunk-rows", "5"], "--chunk-rows is for a directory"),
    (["--rows", "10", "--out", "{tmp}/a.parquet", "--engine", "dask"], "--engine dask is for a directory"),
    (["--rows", "10", "--out", "{tmp}/a", "--chunk-rows", "0"], "rows of one part"),
    (["--rows", "10", "--out", "{tmp}/a", "--scheduler", "tcp://127.0.0.1:9"], "add --engine dask"),
    (["--rows", "10", "--out", "{tmp}/a", "--engine", "dask", "--workers", "0"], "number of workers"),
    (["--rows", "10", "--out", "{tmp}/a", "--workers", "7"], "--workers sizes a local Dask cluster: add --engine"),
    (["--rows", "10", "--out", "{tmp}/a", "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9"],
     "Cannot reach the Dask scheduler at 'tcp://127.0.0.1:9' within 5 s"),
])
def test_bad_arguments_are_one_sentence_and_exit_2(tmp_path, capsys, arguments, said):
    (tmp_path / "file").write_text("x")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "mine.txt").write_text("keep me")
    argv = [a.format(tmp=tmp_path, file=tmp_path / "file") for a in arguments]
    assert main(["generate", "--data", PENGUINS, "--method", "gaussian_copula", *argv]) == 2
    err = capsys.readouterr().err
    assert said in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert (tmp_path / "full" / "mine.txt").read_text() == "keep me"


def test_an_earlier_run_is_replaced_only_with_overwrite(tmp_path, small_blocks, capsys):
    args = ["generate", "--data", PENGUINS, "--method", "gaussian_copula", "--rows", "120", "--out", str(tmp_path),
            "--chunk-rows", "50"]
    assert main(args) == 0 and main(args) == 2
    assert "already holds generated parts" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.glob("part-*")) == [f"part-0000{i}.parquet" for i in range(3)]
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    for failing in (["--data", str(tmp_path / "typo.csv")], ["--method", "smote"]):  # no file; smote needs a target
        assert main([*args, "--overwrite", *failing]) == 2
        assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # a failed run keeps the earlier one
    new = tmp_path / "new"
    assert main([*args[:-3], str(new), "--method", "smote"]) == 2 and not new.exists()  # nor leaves a directory
    assert main([*args[:-6], "--rows", "60", "--out", str(tmp_path), "--overwrite"]) == 0
    assert [p.name for p in tmp_path.glob("part-*")] == ["part-00000.parquet"]  # the earlier parts are gone
    assert len(scale.read_dataset(tmp_path)) == 60


def test_a_table_bigger_than_the_budget_is_fitted_on_a_seeded_sample_said_so(tmp_path, capsys):
    real = read_table(PENGUINS)
    data = tmp_path / "big"
    data.mkdir()
    for i in range(3):  # a Parquet dataset of 3 x 344 rows
        real.assign(row=np.arange(len(real)) + i * len(real)).to_parquet(data / f"part-{i}.parquet", index=False)
    first = scale.read_sample(data, max_rows=300)
    assert len(first.table) == 300 and first.rows == 3 * len(real)
    assert first.table["row"].is_monotonic_increasing and first.table["row"].is_unique  # rows kept in file order
    assert first.table.equals(scale.read_sample(data, max_rows=300).table)  # seeded
    assert scale.read_sample(data, max_rows=5_000).table["row"].tolist() == list(range(3 * len(real)))
    assert main(["generate", "--data", str(data), "--fit-rows", "300", "--method", "gaussian_copula", "--rows", "40",
                 "--out", str(tmp_path / "s.csv")]) == 0
    assert "a seeded sample of 300 of 1,032 rows" in capsys.readouterr().err
    text = tmp_path / "big.csv"  # small enough to be read whole, but more rows than asked: sampled all the same,
    pd.concat([pd.read_parquet(p) for p in sorted(data.iterdir())]).to_csv(text, index=False)
    assert len(scale.read_sample(text, max_rows=300).table) == 1_032  # read whole: whole, unless a sample is asked
    same = scale.read_sample(text, max_rows=300, sampled=True)  # the rows a lazy read keeps
    assert same.table["row"].tolist() == first.table["row"].tolist() and same.note == first.note
    assert main(["generate", "--data", str(text), "--fit-rows", "50", "--method", "gaussian_copula", "--rows", "10",
                 "--out", str(tmp_path / "t.csv")]) == 0
    assert "a seeded sample of 50 of 1,032 rows" in capsys.readouterr().err  # (--fit-rows was ignored for CSV)


def test_fresh_keys_are_unique_over_a_table_of_many_blocks_and_refused_in_parts(tmp_path, small_blocks):
    rng = np.random.default_rng(0)
    real = pd.DataFrame({"key": [f"P-{i:04d}" for i in range(300)], "x": rng.normal(size=300),
                         "y": rng.normal(size=300)})
    ws = Workspace(real, name="people.csv")
    assert ws.schema.kinds["key"] == "id"
    model = METHODS["gaussian_copula"]().fit(ws.train, ws.schema)
    guard = Guard(ids="fresh")
    table, _, _ = draw_guarded(model, 170, ws.train, ws.schema, rng=1, guard=guard, holdout=ws.holdout)
    assert table["key"].is_unique and not table["key"].isin(ws.train["key"]).any() and len(table) == 170
    plan = Blocks.plan(model, 170, ws.train, ws.schema, seeds=np.random.SeedSequence(1), guard=guard)
    with pytest.raises(scale.ParameterError, match="Fresh identifier keys"):
        scale.write_dataset(plan, tmp_path)


@pytest.mark.parametrize("method", ["cart", "gaussian_copula"])
def test_a_plan_sent_to_a_worker_process_draws_the_same_block(method):
    import cloudpickle

    ws = Workspace(read_table(PENGUINS), name="penguins.csv")
    model = METHODS[method]().fit(ws.train, ws.schema, seed=1, monitor=object())  # (a monitor never travels)
    plan = Blocks.plan(model, 120, ws.train, ws.schema, seeds=np.random.SeedSequence(3), rules=RULES,
                       derived=DERIVED, guard=Guard(), holdout=ws.holdout, block_rows=50)
    shipped = cloudpickle.loads(cloudpickle.dumps(plan))  # what Dask does between processes
    assert shipped.model.monitor_ is None
    assert shipped.draw(2).table.equals(plan.draw(2).table)


def test_parts_with_other_columns_and_broken_parquet_files_are_sentences(tmp_path, capsys):
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    pd.DataFrame({"a": [1, 2, 3], "b": [1.0, 2.0, 3.0]}).to_parquet(mixed / "part-00000.parquet")
    pd.DataFrame({"b": [0.5], "a": [9]}).to_parquet(mixed / "part-00001.parquet")  # the same columns, reordered
    assert scale.read_sample(mixed, max_rows=np.int64(2)).rows == 4
    pd.DataFrame({"c": [1.5, 2.5]}).to_parquet(mixed / "part-00002.parquet")
    with pytest.raises(DataError, match=r"'part-00002\.parquet' in .* has other columns than 'part-00000\.parquet'"):
        scale.read_sample(mixed)  # (its column c was dropped without a word)
    for name, content in (("bad.parquet", b"PAR1garbagePAR1"), ("empty.parquet", b"")):
        (tmp_path / name).write_bytes(content)
        assert main(["profile", "--data", str(tmp_path / name)]) == 2
        err = capsys.readouterr().err
        assert "Traceback" not in err and "ArrowInvalid" not in err and f"'{name}'" in err


def test_a_directory_of_csv_files_is_said_to_be_no_set_of_parts(tmp_path):
    (tmp_path / "a.csv").write_text("x,y\n1,2\n")
    with pytest.raises(DataError, match=r"holds other files than Parquet parts \(such as 'a\.csv'\)"):
        scale.read_sample(tmp_path)


def test_impute_and_profile_read_a_table_whole_however_long(tmp_path, monkeypatch):
    """Sampling a table read whole is for --fit-rows: impute wrote a sample of the rows it was given."""
    monkeypatch.setattr(scale, "FIT_ROWS", 50)
    data = tmp_path / "d.csv"
    pd.DataFrame({"x": [np.nan if i % 9 == 0 else float(i) for i in range(120)], "y": range(120)}).to_csv(data,
                                                                                                     index=False)
    assert main(["impute", "--data", str(data), "--method", "median", "--out", str(tmp_path / "i.csv")]) == 0
    assert len(pd.read_csv(tmp_path / "i.csv")) == 120
