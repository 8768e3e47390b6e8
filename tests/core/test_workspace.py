"""core.workspace: the holdout, the working table and schema changes."""

import io

import numpy as np
import pandas as pd
import pytest

from core.errors import DataError, SchemaError
from core.io import read_table
from core.samples import SAMPLES
from core.workspace import Run, Workspace


@pytest.fixture
def penguins():
    return read_table(SAMPLES["penguins"].path)


def test_holdout_is_seeded_and_disjoint(penguins):
    a = Workspace(penguins, name="p", seed=3)
    b = Workspace(penguins, name="p", seed=3)
    c = Workspace(penguins, name="p", seed=4)
    assert a.holdout_mask.sum() == round(0.2 * len(penguins))
    assert (a.holdout_mask == b.holdout_mask).all() and not (a.holdout_mask == c.holdout_mask).all()
    assert len(a.train) + len(a.holdout) == len(penguins)
    assert not set(a.train.index) & set(a.holdout.index)


def test_tiny_tables_have_no_holdout():
    ws = Workspace(pd.DataFrame({"x": [1.0, 2.0, 3.0]}), name="tiny")
    assert ws.holdout_mask.sum() == 0 and len(ws.train) == 3


def test_bad_holdout_share_and_empty_table(penguins):
    with pytest.raises(DataError, match="holdout share"):
        Workspace(penguins, name="p", holdout_share=1.5)
    with pytest.raises(DataError, match="no rows"):
        Workspace(penguins.iloc[:0], name="p")


def test_working_table_is_real_until_imputed(penguins):
    ws = Workspace(penguins, name="p")
    assert ws.working is ws.real and ws.working_label == "original"
    filled = ws.real.ffill().bfill()
    ws.set_imputed(filled, "mean")
    assert ws.working is filled and ws.working_label == "imputed (mean)"
    assert ws.real.isna().any().any()  # the real table is never overwritten
    with pytest.raises(DataError):
        ws.set_imputed(filled.iloc[:10], "mean")
    ws.restore_original()
    assert ws.working is ws.real


def test_schema_change_retypes_and_a_bad_one_changes_nothing(penguins):
    ws = Workspace(penguins, name="p")
    ws.set_imputed(ws.real.ffill().bfill(), "ffill")
    before = ws.schema
    with pytest.raises(SchemaError):
        ws.set_schema(ws.schema.with_kind("species", "continuous"))
    assert ws.schema is before and ws.imputed is not None
    assert ws.set_schema(ws.schema.with_target("species")) is False  # target only: imputation kept
    dropped = ws.set_schema(ws.schema.with_kind("year", "datetime"))
    assert dropped and ws.imputed is None
    assert ws.real["year"].dtype.kind == "M" and ws.raw["year"].dtype.kind == "i"


def test_fingerprint_tracks_content(penguins):
    a = Workspace(penguins, name="a").fingerprint
    assert a == Workspace(penguins.copy(), name="b").fingerprint
    changed = penguins.copy()
    changed.loc[0, "bill_length_mm"] = 99.0
    assert Workspace(changed, name="a").fingerprint != a


def test_runs_are_kept(penguins):
    ws = Workspace(penguins, name="p")
    ws.add_run(Run(method="x", params={}, seed=0, synthetic=ws.train.head(), fit_seconds=0.1, sample_seconds=0.0))
    assert len(ws.runs) == 1 and np.isclose(ws.runs[0].fit_seconds, 0.1)


def test_runs_get_unique_names_and_can_be_renamed_and_deleted(penguins):
    ws = Workspace(penguins, name="p")
    make = lambda: Run(method="smote", params={}, seed=0, synthetic=ws.train.head(), fit_seconds=0,  # noqa: E731
                       sample_seconds=0)
    a, b = ws.add_run(make()), ws.add_run(make())
    assert (a.name, b.name) == ("smote #1", "smote #2")
    ws.rename_run("smote #1", "baseline")
    with pytest.raises(DataError, match="already a run"):
        ws.rename_run("smote #2", "baseline")
    with pytest.raises(DataError, match="needs a name"):
        ws.rename_run("baseline", "  ")
    ws.delete_run("baseline")
    assert [r.name for r in ws.runs] == ["smote #2"]
    assert ws.add_run(make()).name == "smote #3"
    with pytest.raises(DataError, match="no run called"):
        ws.run("nope")


@pytest.mark.parametrize("position", [1, 2])
def test_any_run_can_be_deleted_not_only_the_first(penguins, position):
    ws = Workspace(penguins, name="p")
    for _ in range(3):  # same settings, tables of their own: comparing runs field by field is ambiguous
        ws.add_run(Run(method="smote", params={}, seed=0, synthetic=ws.train.head(), fit_seconds=0,
                       sample_seconds=0))
    names = [r.name for r in ws.runs]
    ws.delete_run(names[position])
    assert [r.name for r in ws.runs] == [n for i, n in enumerate(names) if i != position]


def test_runs_are_compared_by_identity(penguins):
    ws = Workspace(penguins, name="p")
    a = Run(method="smote", params={}, seed=0, synthetic=ws.train.head(), fit_seconds=0, sample_seconds=0)
    b = Run(method="smote", params={}, seed=0, synthetic=ws.train.head(), fit_seconds=0, sample_seconds=0)
    assert a == a and a != b  # never a field-by-field comparison of their tables


def test_a_column_of_time_spans_loads_as_seconds_and_says_so():
    import pyarrow as pa
    import pyarrow.parquet as pq

    from core.impute import IMPUTERS
    from core.missing import little_mcar_test

    rng = np.random.default_rng(2)
    spans = pa.array([None if i % 7 == 0 else int(s) for i, s in enumerate(rng.integers(0, 3600, 60))],
                     type=pa.duration("s"))
    buffer = io.BytesIO()
    pq.write_table(pa.table({"x": rng.normal(size=60), "wait": spans}), buffer)
    ws = Workspace(read_table(buffer.getvalue(), filename="waits.parquet"), name="waits")
    assert ws.raw["wait"].dtype.kind == "m" and ws.schema.kinds["wait"] == "continuous"
    seconds = ws.raw["wait"].dt.total_seconds()
    assert ws.real["wait"].equals(seconds)  # the same spans, in seconds, holes kept
    assert any("'wait' holds time spans" in notice for notice in ws.notices)
    assert little_mcar_test(ws.real).n_patterns == 2
    filled = IMPUTERS["mean"]().fit(ws.real, ws.schema).transform(ws.real)
    assert filled["wait"].notna().all() and np.isclose(filled["wait"].max(), seconds.max())
