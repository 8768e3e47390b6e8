"""Cached views of the workspace's tables, keyed by the dataset fingerprint and the schema.

The tables themselves are passed unhashed (leading underscore): the fingerprint already
identifies them, so a widget change on a million-row table costs a dictionary look-up.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core import plots
from core.evaluate import Scores, evaluate
from core.impute import IMPUTERS
from core.impute.benchmark import compare_methods
from core.impute.plan import Imputation, Step, impute
from core.impute.rubin import multiple_imputation
from core.missing import (
    dendrogram_input,
    dependent_columns,
    little_mcar_test,
    mar_diagnostics,
    missing_by_column,
    nullity_correlation,
    nullity_matrix,
    partially_missing,
    pattern_table,
    simulate,
    suggest_setup,
)
from core.profile import TableSummary, profile, summarize
from core.schema import NUMERIC, Schema
from core.synth import statistical
from core.synth.fitting import Marginal
from core.workspace import Run, Workspace


def _schema_key(ws: Workspace) -> str:
    return ws.fingerprint + json.dumps(ws.schema.to_dict(), sort_keys=True, default=str)


@st.cache_data(max_entries=16, show_spinner="Profiling the columns…")
def _profile(key: str, columns: tuple[str, ...], _df: pd.DataFrame, _schema: Schema) -> pd.DataFrame:
    return profile(_df[list(columns)], _schema)


@st.cache_data(max_entries=8, show_spinner=False)
def _summary(key: str, _df: pd.DataFrame) -> TableSummary:
    return summarize(_df)


@st.cache_data(max_entries=64, show_spinner=False)
def _figure(key: str, column: str, kind: str, _series: pd.Series) -> go.Figure:
    return plots.column_distribution(_series, kind)


def table_profile(ws: Workspace, columns: list[str]) -> pd.DataFrame:
    """The profile of ``columns`` (a wide table is profiled a page of columns at a time)."""
    return _profile(_schema_key(ws), tuple(columns), ws.real, ws.schema)


def table_summary(ws: Workspace) -> TableSummary:
    return _summary(_schema_key(ws), ws.real)


def column_figure(ws: Workspace, column: str) -> go.Figure:
    return _figure(_schema_key(ws), column, ws.schema.kinds[column], ws.real[column])


# --------------------------------------------------------------------------- missingness

TEST_ROWS = 50_000  # Little's test and the MAR model run on a seeded sample of a longer table
SIMULATION_ROWS = 20_000


def sample_rows(df: pd.DataFrame, n: int) -> pd.DataFrame:
    """A seeded random sample of at most ``n`` rows, in their original order."""
    return df if len(df) <= n else df.sample(n=n, random_state=0).sort_index()


@dataclass(frozen=True)
class MissingOverview:
    numeric: list[str]  # numeric columns with at least two distinct values
    partial: list[str]  # columns sometimes, but not always, missing
    complete_rows: int
    by_column: pd.DataFrame
    patterns: pd.DataFrame
    dependent: list[str]
    suggestion: tuple[str, str, str | None] | None


@st.cache_data(max_entries=8, show_spinner="Summarising what is missing…")
def _overview(key: str, _df: pd.DataFrame, _kinds: dict) -> MissingOverview:
    numeric = [c for c in _df.columns if _kinds[c] in NUMERIC
               and pd.api.types.is_numeric_dtype(_df[c]) and _df[c].nunique() > 1]
    sample = sample_rows(_df, TEST_ROWS)
    return MissingOverview(
        numeric=numeric, partial=partially_missing(_df), complete_rows=int(_df.notna().all(axis=1).sum()),
        by_column=missing_by_column(_df), patterns=pattern_table(_df),
        dependent=dependent_columns(sample[numeric]) if numeric else [],
        suggestion=suggest_setup(sample, _suggestion_pool(_df, numeric)) if len(numeric) >= 2 else None)


SUGGESTION_COLUMNS = 100  # the simulator's suggested pair is sought among this many columns of a wide table


def _suggestion_pool(df: pd.DataFrame, numeric: list[str]) -> list[str]:
    """The number columns the simulator's pair is chosen from: all of them, or on a wide table the most
    incomplete ones (every pair's correlation costs the square of the column count)."""
    if len(numeric) <= SUGGESTION_COLUMNS:
        return numeric
    holes = df[numeric].isna().sum().sort_values(ascending=False, kind="stable")
    return [c for c in numeric if c in set(holes.index[:SUGGESTION_COLUMNS])]


@st.cache_data(max_entries=16, show_spinner="Running Little's test (EM estimates)…")
def _little(key: str, columns: tuple[str, ...], _df: pd.DataFrame):
    return little_mcar_test(sample_rows(_df[list(columns)], TEST_ROWS))


@st.cache_data(max_entries=32, show_spinner="Comparing rows with and without the value…")
def _mar(key: str, column: str, _df: pd.DataFrame, _kinds: dict):
    return mar_diagnostics(sample_rows(_df, TEST_ROWS), column, _kinds, rng=0)


@st.cache_data(max_entries=32, show_spinner="Punching holes and refitting…")
def _simulation(key: str, params: tuple, _df: pd.DataFrame):
    return simulate(sample_rows(_df, SIMULATION_ROWS), **dict(params))


@st.cache_data(max_entries=16, show_spinner="Drawing…")
def _missing_figure(key: str, name: str, params: tuple, _df: pd.DataFrame) -> go.Figure:
    if name == "matrix":
        return plots.nullity_matrix_figure(nullity_matrix(_df, **dict(params)))
    if name == "heatmap":
        return plots.nullity_heatmap_figure(nullity_correlation(_df))
    if name == "dendrogram":
        return plots.dendrogram_figure(dendrogram_input(_df))
    return plots.shadow_scatter(_df, *params)


def missing_overview(ws: Workspace) -> MissingOverview:
    return _overview(_schema_key(ws), ws.real, dict(ws.schema.kinds))


def missing_figure(ws: Workspace, name: str, *params) -> go.Figure:
    """One of the Missingness page's figures: "matrix" (params: sort flag), "heatmap", "dendrogram",
    "shadow" (params: x, y)."""
    args = (("sort", params[0]),) if name == "matrix" else tuple(params)
    return _missing_figure(ws.fingerprint, name, args, ws.real)


def little(ws: Workspace, columns: list[str]):
    return _little(ws.fingerprint, tuple(columns), ws.real)


def mar(ws: Workspace, column: str):
    return _mar(_schema_key(ws), column, ws.real, dict(ws.schema.kinds))


def simulation(ws: Workspace, **params):
    return _simulation(_schema_key(ws), tuple(sorted(params.items())), ws.real)


# --------------------------------------------------------------------------- imputation


@st.cache_data(max_entries=8, show_spinner="Imputing…")
def _imputed(key: str, plan: tuple, seed: int, rules: tuple[str, ...], _df: pd.DataFrame,
             _schema: Schema) -> Imputation:
    steps = [Step(column, method, dict(params)) for column, method, params in plan]
    return impute(_df, _schema, steps, rng=seed, rules=list(rules))


def imputed(ws: Workspace, plan: list[Step], seed: int, rules: list[str] | None = None) -> Imputation:
    """The real table filled by ``plan`` under ``rules`` (cached by table, schema, plan, seed and rules)."""
    frozen = tuple((s.column, s.method, tuple(sorted(s.params.items()))) for s in plan)
    return _imputed(_schema_key(ws), frozen, seed, tuple(rules or ()), ws.real, ws.schema)


@st.cache_data(max_entries=8, show_spinner=False)
def _comparison(key: str, methods: tuple[str, ...], mechanism: str, rate: float, seed: int,
                _df: pd.DataFrame, _schema: Schema):
    bar = st.progress(0.0, text="Hiding values…")

    def report(done: int, total: int, method: str) -> None:
        title = IMPUTERS[method].title if method in IMPUTERS else method
        bar.progress(done / total, text="Done." if method == "done" else f"Imputing with {title} ({done + 1} of "
                                                                             f"{total})…")

    result = compare_methods(sample_rows(_df, TEST_ROWS), _schema, list(methods), mechanism=mechanism, rate=rate,
                             rng=seed, progress=report)
    bar.empty()
    return result


def comparison(ws: Workspace, methods: list[str], mechanism: str, rate: float, seed: int):
    return _comparison(_schema_key(ws), tuple(methods), mechanism, rate, seed, ws.real, ws.schema)


@st.cache_data(max_entries=8, show_spinner="Imputing m times and pooling…")
def _pooled(key: str, params: tuple, _df: pd.DataFrame, _schema: Schema):
    return multiple_imputation(sample_rows(_df, TEST_ROWS), _schema, **dict(params))


def pooled(ws: Workspace, **params):
    frozen = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()))
    return _pooled(_schema_key(ws), frozen, ws.real, ws.schema)


# --------------------------------------------------------------------------- synthesis


@st.cache_data(max_entries=8, show_spinner="Fitting distributions to the number columns…")
def _marginals(key: str, _df: pd.DataFrame, _kinds: dict) -> dict[str, Marginal]:
    return statistical.fitted_marginals(_df, _kinds)


def marginals(ws: Workspace) -> dict[str, Marginal]:
    """The fitted distribution of each number column of the training rows."""
    return _marginals(_schema_key(ws) + ws.working_label, ws.train[ws.schema.synth_columns], dict(ws.schema.kinds))


@st.cache_data(max_entries=8, show_spinner="Estimating the normal-score correlations…")
def _normal_score_correlation(key: str, _df: pd.DataFrame, _schema: Schema) -> pd.DataFrame:
    return statistical.normal_score_correlation(_df, _schema)


def normal_score_correlation(ws: Workspace) -> pd.DataFrame:
    return _normal_score_correlation(_schema_key(ws) + ws.working_label, ws.train, ws.schema)


# --------------------------------------------------------------------------- evaluation


@st.cache_data(max_entries=32, show_spinner="Scoring the run (quality, detection, utility, privacy)…")
def _scores(key: str, run: str, model: str, _real: pd.DataFrame, _synthetic: pd.DataFrame, _holdout: pd.DataFrame,
            _schema: Schema) -> Scores:
    return evaluate(_real, _synthetic, _schema, holdout=_holdout, model=model)


def scores(ws: Workspace, run: Run, model: str) -> Scores:
    """Scores of a run against the training rows and the holdout (cached per run and model)."""
    key = _schema_key(ws) + ws.working_label + run.created.isoformat()
    lacking = run.lacking(ws.schema)
    schema = ws.schema.with_excluded([*ws.schema.excluded, *lacking]) if lacking else ws.schema
    return _scores(key, run.name, model, ws.train, run.synthetic, ws.holdout, schema)
