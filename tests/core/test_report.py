"""The stakeholder report: self-contained, every section present, user text shown as text."""

import json
import re

import numpy as np
import pandas as pd
import pytest

from core.io import read_table
from core.report import html_report, report_tables
from core.samples import SAMPLES
from core.schema import infer_schema
from core.synth.run import generate
from core.workspace import Run, Workspace

SECTIONS = ("The data", "The method", "The scores", "The columns", "The relationships", "Privacy", "The leaderboard")
HOSTILE = "<script>alert(1)</script>"


def with_runs(df: pd.DataFrame, name: str, target: str | None, methods: list[str]) -> Workspace:
    ws = Workspace(df, name=name)
    if target:
        ws.set_schema(ws.schema.with_target(target))
    for method in methods:
        made = generate(ws.train, ws.schema, method, {}, 150, rng=0, rules=[])
        ws.add_run(Run(method=method, params={}, seed=0, synthetic=made.table, fit_seconds=0.1, sample_seconds=0.1,
                       notes=made.notes))
    return ws


def test_a_report_has_every_section_and_needs_no_network():
    ws = with_runs(read_table(SAMPLES["penguins"].path), "penguins", "species", ["gaussian_copula", "monte_carlo"])
    page = html_report(ws, [ws.runs[0], ws.runs[1]])
    for title in SECTIONS:
        assert f"<h2>{title}</h2>" in page, title
    assert page.count("plotly.js v") <= 2 and page.count("<script>") == 1 + page.count('class="plotly-graph-div"')
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=|https?://(?!www\.w3\.org)", page.split("</style>")[1]
                         .split("</head>")[1])  # nothing loaded from elsewhere (plotly's own text aside)
    assert "Gaussian copula" in page and "Monte Carlo" in page and "gaussian_copula #1" in page
    assert all(run.scores is not None for run in ws.runs)  # scored for the report, kept for the page


def test_user_text_is_escaped_everywhere():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({HOSTILE: rng.normal(size=120), "![x](//host/c)": rng.normal(size=120),
                       'q"uote': rng.choice([HOSTILE, "b"], 120), "<b>bold</b>": rng.normal(size=120)})
    ws = with_runs(df, HOSTILE + ".csv", None, ["gaussian_copula"])
    ws.runs[0].rules.append(f"`{HOSTILE}` > -100")
    ws.rename_run(ws.runs[0].name, HOSTILE)
    page = html_report(ws)
    body = page.split("</head>", 1)[1]
    assert HOSTILE not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<script>alert" not in body.replace("<\\/script>", "")
    drawn = str([json.loads(f"[{f}]") for f in re.findall(r"Plotly\.newPlot\((.*?)\)\s*};", body, flags=re.S)])
    assert "&lt;b&gt;bold&lt;/b&gt;" in drawn and "<b>bold" not in drawn  # plotly would read the tags


@pytest.mark.parametrize("columns", [["body_mass_g"], ["species", "island"]])
def test_the_command_line_report_works_without_a_holdout_a_target_or_a_second_number(columns):
    df = read_table(SAMPLES["penguins"].path)[columns]
    schema = infer_schema(df)
    synthetic = df.sample(frac=1.0, random_state=1, replace=True).reset_index(drop=True)
    page = report_tables(df, synthetic, schema, title="penguins.csv")
    assert "<h2>The scores</h2>" in page and "No rows were held out" in page
    assert "The method" not in page


def test_a_report_of_no_run_is_a_sentence():
    from core.errors import DataError

    ws = Workspace(read_table(SAMPLES["penguins"].path), name="penguins")
    with pytest.raises(DataError, match="needs at least one run"):
        html_report(ws, [])


def test_a_run_made_without_a_column_says_so_in_the_report():
    ws = Workspace(read_table(SAMPLES["penguins"].path), name="penguins")
    rows = ws.train.sample(n=200, replace=True, random_state=0).reset_index(drop=True)
    ws.add_run(Run("monte_carlo", {}, 0, rows.drop(columns="island"), 0.1, 0.1, name="without island"))
    page = html_report(ws)
    held = len(ws.schema.synth_columns) - 1
    assert (f"The run has no column island (left out when it was made): its scores and comparisons use the {held} "
            "columns it holds.") in page
    assert "The run has no column" not in html_report(with_runs(ws.train, "penguins", None, ["monte_carlo"]))


def test_the_report_says_how_a_run_was_drawn_and_the_guard_once():
    from core.synth.drawing import Drawing
    from core.synth.guard import Guard

    ws = Workspace(read_table(SAMPLES["penguins"].path), name="penguins")
    drawing = Drawing(guard=Guard(), conditions={"island": "Dream"})
    made = generate(ws.train, ws.schema, "gaussian_copula", {}, 120, rng=0, rules=[], guard=Guard(),
                    holdout=ws.holdout, conditions={"island": "Dream"})
    ws.add_run(Run("gaussian_copula", {}, 0, made.table, 0.1, 0.1, notes=made.notes, drawing=drawing.to_dict()))
    page = html_report(ws)
    assert f"<li>Privacy guard: {Guard().text()}</li>" in page and "<li>Only rows where island = Dream</li>" in page
    assert page.count("copies of training rows held to") == 1  # the settings once, the result once
    assert "<li>Privacy guard: it checked the " in page


def test_one_column_left_out_is_said_in_the_singular():
    ws = Workspace(read_table(SAMPLES["penguins"].path), name="penguins")
    ws.set_schema(ws.schema.with_excluded(["island"]))
    made = generate(ws.train, ws.schema, "monte_carlo", {}, 100, rng=0, rules=[])
    ws.add_run(Run(method="monte_carlo", params={}, seed=0, synthetic=made.table, fit_seconds=0.1,
                   sample_seconds=0.1, notes=made.notes))
    assert "1 is left out (island)" in html_report(ws, [ws.runs[0]])  # (it said "1 are left out")
