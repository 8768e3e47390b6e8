"""Cached views of the workspace's tables, keyed by the dataset fingerprint and the schema.

The tables themselves are passed unhashed (leading underscore): the fingerprint already
identifies them, so a widget change on a million-row table costs a dictionary look-up.
"""

from __future__ import annotations

import json

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core.missing import little_mcar_test, mar_diagnostics, pattern_table, simulate
from core.plots import column_distribution
from core.profile import TableSummary, profile, summarize
from core.schema import Schema
from core.workspace import Workspace


def _schema_key(ws: Workspace) -> str:
    return ws.fingerprint + json.dumps(ws.schema.to_dict(), sort_keys=True, default=str)


@st.cache_data(max_entries=8, show_spinner="Profiling the columns…")
def _profile(key: str, _df: pd.DataFrame, _schema: Schema) -> pd.DataFrame:
    return profile(_df, _schema)


@st.cache_data(max_entries=8, show_spinner=False)
def _summary(key: str, _df: pd.DataFrame) -> TableSummary:
    return summarize(_df)


@st.cache_data(max_entries=64, show_spinner=False)
def _figure(key: str, column: str, kind: str, _series: pd.Series) -> go.Figure:
    return column_distribution(_series, kind)


def table_profile(ws: Workspace) -> pd.DataFrame:
    return _profile(_schema_key(ws), ws.real, ws.schema)


def table_summary(ws: Workspace) -> TableSummary:
    return _summary(_schema_key(ws), ws.real)


def column_figure(ws: Workspace, column: str) -> go.Figure:
    return _figure(_schema_key(ws), column, ws.schema.kinds[column], ws.real[column])


# --------------------------------------------------------------------------- missingness


@st.cache_data(max_entries=16, show_spinner="Running Little's test (EM estimates)…")
def _little(key: str, columns: tuple[str, ...], _df: pd.DataFrame):
    return little_mcar_test(_df[list(columns)])


@st.cache_data(max_entries=32, show_spinner="Comparing rows with and without the value…")
def _mar(key: str, column: str, _df: pd.DataFrame, _kinds: dict):
    return mar_diagnostics(_df, column, _kinds, rng=0)


@st.cache_data(max_entries=32, show_spinner="Punching holes and refitting…")
def _simulation(key: str, params: tuple, _df: pd.DataFrame):
    return simulate(_df, **dict(params))


@st.cache_data(max_entries=8, show_spinner="Finding the missing-data patterns…")
def _patterns(key: str, _df: pd.DataFrame) -> pd.DataFrame:
    return pattern_table(_df)


def little(ws: Workspace, columns: list[str]):
    return _little(ws.fingerprint, tuple(columns), ws.real)


def mar(ws: Workspace, column: str):
    return _mar(_schema_key(ws), column, ws.real, dict(ws.schema.kinds))


def simulation(ws: Workspace, **params):
    return _simulation(_schema_key(ws), tuple(sorted(params.items())), ws.real)


def patterns(ws: Workspace) -> pd.DataFrame:
    return _patterns(ws.fingerprint, ws.real)
