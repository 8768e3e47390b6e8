"""The stakeholder report: one self-contained HTML file about a synthetic table.

It opens offline in any browser (plotly.js is inlined once; no request leaves the page), its charts
are interactive, and it prints to PDF from the browser (one section per page). Sections: the data
in a paragraph; the method (its card, settings, seed and rules); every score with its reading and
where it comes from; the columns' distributions, worst first; the correlations; privacy; and the
leaderboard of the session's scored runs. Every name that comes from the user's data or session
is escaped: the report shows it as text.

``html_report(ws, runs)`` reports the first run of a workspace; ``report_tables(real, synthetic,
schema)`` reports two tables from the command line.
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from core import __version__, plots
from core.errors import DataError
from core.evaluate import Scores, evaluate
from core.evaluate.compare import column_distances, correlations
from core.evaluate.leaderboard import leaderboard
from core.evaluate.scores import readings
from core.params import settings_text
from core.schema import Schema
from core.workspace import Run, Workspace

MAX_COLUMNS = 12  # distribution charts: the worst columns first, at most this many

SOURCES = {  # (label, how it is measured, where it comes from)
    "quality": ("Quality", "the average similarity of every column's distribution and of every pair of columns",
                "SDMetrics QualityReport (column shapes: Kolmogorov-Smirnov / total variation complement; column "
                "pair trends: correlation and contingency similarity)"),
    "detection_auc": ("Detection AUC", "how well gradient boosting tells synthetic rows from real ones "
                      "(0.5: not at all)", "classifier two-sample test, as in SDMetrics' detection metrics"),
    "tstr_ratio": ("Utility (TSTR)", "a model trained on synthetic rows and tested on held-out real rows, over the "
                   "same model trained on real rows", "train-synthetic-test-real, Esteban et al. 2017"),
    "exact_copy_rate": ("Exact copies", "the share of synthetic rows equal to a real training row",
                        "compared at the real columns' precision"),
    "dcr_share_closer": ("Closer than holdout", "the share of synthetic rows closer to a training row than 95% of "
                         "held-out real rows are", "distance to closest record (DCR), as in Platzer & Reutterer 2021"),
    "s_pmse": ("S_pMSE", "how well a logistic propensity model tells the tables apart, over what it would for two "
               "samples of one table (1: no better)", "Snoke, Raab, Nowok, Dibben & Slavkovic 2018"),
    "singling_out": ("Singling-out risk", "how much better predicates written from the synthetic rows pick out one "
                     "training person than one unseen person", "Giomi et al. 2023 (Anonymeter's method)"),
    "linkability": ("Linkability risk", "how much better two halves of a training person's columns lead to the same "
                    "synthetic row than an unseen person's do", "Giomi et al. 2023 (Anonymeter's method)"),
    "inference": ("Inference risk", "how much better a hidden column of a training person is guessed from the "
                  "nearest synthetic row than an unseen person's (the worst column)",
                  "Giomi et al. 2023 (Anonymeter's method)"),
}

STYLE = """
body { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: #1f2933; margin: 0;
       background: #f7f8fa; }
main { max-width: 1040px; margin: 0 auto; padding: 32px 40px 64px; background: white; }
h1 { font-size: 28px; margin: 0 0 4px; } h2 { font-size: 21px; margin: 36px 0 8px; border-bottom: 2px solid #e4e7eb;
padding-bottom: 4px; } p, li { line-height: 1.5; } .muted { color: #616e7c; font-size: 14px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; margin: 8px 0 16px; }
th, td { border-bottom: 1px solid #e4e7eb; padding: 6px 8px; text-align: left; vertical-align: top; }
th { background: #f5f7fa; } td.number { text-align: right; font-variant-numeric: tabular-nums; }
.card { background: #f5f7fa; border-radius: 6px; padding: 12px 16px; }
.figure { page-break-inside: avoid; break-inside: avoid; }
@media print { body { background: white; } main { padding: 0; max-width: none; }
  section { page-break-before: always; break-before: page; } section:first-of-type { page-break-before: auto; }
  .js-plotly-plot, .plotly-graph-div { max-width: 100% !important; } }
"""


def html_report(ws: Workspace, runs: list[Run] | None = None, *, model: str = "gradient_boosting") -> str:
    """The report of ``runs[0]`` (default: the workspace's last run), with every scored run on the leaderboard.
    Runs without scores are scored here (against the training rows and the holdout, like the Compare page)."""
    runs = list(runs) if runs is not None else list(reversed(ws.runs))
    if not runs:
        raise DataError("A report needs at least one run.", hint="Make a run on the Synthesize page first.")
    for run in runs:
        if run.scores is None:
            run.scores = _scores(ws.train, run.synthetic, ws.schema, ws.holdout, model)
    subject = runs[0]
    sections = [_data_section(ws.working, ws.schema, ws.name, len(ws.holdout), ws.working_label),
                _method_section(subject, ws.schema),
                *_comparison_sections(ws.train, subject.synthetic, ws.schema, subject.scores),
                _leaderboard_section(runs)]
    return _document(f"Synthetic data report: {subject.name}", ws.name, sections)


def report_tables(real: pd.DataFrame, synthetic: pd.DataFrame, schema: Schema, *,
                  holdout: pd.DataFrame | None = None, title: str = "") -> str:
    """The report of ``synthetic`` against ``real`` (the rows it was made from) and, when given, ``holdout``."""
    scores = _scores(real, synthetic, schema, holdout, "gradient_boosting")
    name = title or "the real table"
    sections = [_data_section(real, schema, name, 0 if holdout is None else len(holdout), "as given"),
                *_comparison_sections(real, synthetic, schema, scores)]
    return _document(f"Synthetic data report: {name}", name, sections)


def _scores(real: pd.DataFrame, synthetic: pd.DataFrame, schema: Schema, holdout: pd.DataFrame | None,
            model: str) -> Scores:
    columns = [c for c in schema.synth_columns if c in synthetic.columns]
    return evaluate(real[columns], synthetic[columns], schema,
                    holdout=holdout[columns] if holdout is not None and len(holdout) else None, model=model)


# ---------------------------------------------------------------- sections


def _data_section(df: pd.DataFrame, schema: Schema, name: str, held_out: int, working: str) -> str:
    columns = schema.synth_columns
    kinds = pd.Series([schema.kinds[c] for c in columns]).value_counts()
    kinds_text = ", ".join(f"{n} {k}" for k, n in kinds.items())
    missing = float(df[columns].isna().to_numpy().mean()) if columns and len(df) else 0.0
    left_out = [c for c in schema.columns if c not in columns]
    out = (f", {len(left_out)} {'is' if len(left_out) == 1 else 'are'} left out ({_e(', '.join(map(str, left_out)))})"
           if left_out else "")
    text = (f"<p><b>{_e(name)}</b> has {len(df):,} rows and {len(schema.columns)} columns; {len(columns)} take part "
            f"in synthesis ({_e(kinds_text)}){out}. {missing:.1%} of their cells are missing. The working table is "
            f"{_e(working)}. "
            + (f"The target column is <b>{_e(schema.target)}</b>. " if schema.target else "There is no target column. ")
            + (f"{held_out:,} real rows were held out before anything was fitted: the utility and privacy scores test "
               "against them." if held_out else "No rows were held out, so utility and privacy cannot be scored.")
            + "</p>")
    return _section("The data", text)


def _method_section(run: Run, schema: Schema) -> str:
    from core.synth import METHODS
    from core.synth.drawing import Drawing

    cls = METHODS.get(run.method)
    if cls is None:
        body = f"<p>Made with <b>{_e(run.method)}</b>, a method this SynthLab does not have.</p>"
    else:
        body = (f"<p><b>{_e(cls.title)}</b> ({_e(cls.family.title)})</p><div class='card'>"
                f"<p><b>What it does.</b> {_e(cls.card.does)}</p><p><b>When to use it.</b> {_e(cls.card.when)}</p>"
                f"<p><b>What it distorts.</b> {_e(cls.card.distorts)}</p></div>")
    settings = settings_text(cls.params if cls is not None else (), run.params) or "the method's defaults"
    body += (f"<p>Run <b>{_e(run.name)}</b>: {len(run.synthetic):,} rows, seed {run.seed}, settings: "
             f"{_e(settings)}.</p>")
    lacking = run.lacking(schema)
    if lacking:
        body += (f"<p>The run has no column {_e(', '.join(map(str, lacking)))} (left out when it was made): its scores "
                 f"and comparisons use the {len(schema.synth_columns) - len(lacking)} columns it holds.</p>")
    lines = [*(f"Rule: {r}" for r in run.rules), *(f"Derived column: {d}" for d in run.derived),
             *(line[0].upper() + line[1:] for line in Drawing.from_dict(run.drawing).lines()), *run.notes]
    if lines:
        body += "<ul>" + "".join(f"<li>{_e(line)}</li>" for line in lines) + "</ul>"
    return _section("The method", body)


def _comparison_sections(real: pd.DataFrame, synthetic: pd.DataFrame, schema: Schema, scores: Scores) -> list[str]:
    said = readings(scores)
    values = {"quality": f"{scores.quality:.2f}", "detection_auc": f"{scores.detection_auc:.2f}",
              "tstr_ratio": "n/a" if scores.tstr_ratio is None else f"{scores.tstr_ratio:.2f}",
              "exact_copy_rate": f"{scores.exact_copy_rate:.1%}",
              "dcr_share_closer": "n/a" if scores.dcr_share_closer is None else f"{scores.dcr_share_closer:.2f}",
              "s_pmse": f"{scores.s_pmse:.1f}", **{k: f"{r.value:.0%}" for k, r in scores.risks.items()}}
    rows = "".join(f"<tr><td><b>{label}</b></td><td class='number'>{values[key]}</td><td>{_e(said[key])}</td>"
                   f"<td class='muted'>{_e(how)}. Source: {_e(source)}.</td></tr>"
                   for key, (label, how, source) in SOURCES.items() if key in values)
    score_section = _section("The scores", "<table><tr><th>score</th><th>value</th><th>reading</th><th>what it measures"
                                           f"</th></tr>{rows}</table>")

    columns = [c for c in schema.synth_columns if c in synthetic.columns]
    distances = column_distances(real[columns], synthetic[columns], schema)
    shown = list(distances["column"])[:MAX_COLUMNS] if len(distances) else []
    table = "".join(f"<tr><td>{_e(r['column'])}</td><td>{_e(r['distance'])}</td>"
                    f"<td class='number'>{r['value']:.3f}</td></tr>" for _, r in distances.iterrows())
    figures = "".join(_figure(plots.overlay_distribution(real[c], synthetic[c], schema.kinds[c])) for c in shown)
    more = f"<p class='muted'>The {len(shown)} columns that differ most are drawn.</p>" if len(distances) > len(shown) \
        else ""
    distribution_section = _section(
        "The columns", "<p>Each column's distribution, real against synthetic. Distance: Kolmogorov-Smirnov for "
                       "numbers and dates, total variation for labels (0: identical, 1: disjoint); worst first.</p>"
                       f"<table><tr><th>column</th><th>measure</th><th>distance</th></tr>{table}</table>{more}{figures}")

    real_corr = correlations(real[columns], schema, "spearman")
    if len(real_corr) >= 2:
        synth_corr = correlations(synthetic[columns], schema, "spearman")
        pairs = _figure(plots.correlation_panels({"real": real_corr, "synthetic": synth_corr,
                                                  "synthetic − real": synth_corr - real_corr}))
        text = ("<p>Spearman rank correlations of the number columns. A method that keeps relationships shows the same "
                "pattern on both sides and a pale difference.</p>" + pairs)
    else:
        text = "<p>Fewer than two number columns: there are no correlations to compare.</p>"
    pair_section = _section("The relationships", text)

    if "dcr synthetic" in scores.details:
        privacy = ("<p>Distance from each row to its closest training row: synthetic rows should be no closer than "
                   "real rows the synthesizer never saw; a pile-up near zero means near-copies. Mean nearest-neighbour "
                   f"distance ratio: <b>{scores.details['nndr']:.2f}</b>.</p>"
                   + _figure(plots.dcr_figure(scores.details["dcr synthetic"], scores.details["dcr holdout"])))
    else:
        privacy = "<p>No rows were held out, so the distance comparison cannot be made.</p>"
    privacy += f"<p>{_e(said['exact_copy_rate'])[0].upper()}{_e(said['exact_copy_rate'])[1:]}.</p>"
    return [score_section, distribution_section, pair_section, _section("Privacy", privacy)]


def _leaderboard_section(runs: list[Run]) -> str:
    table = leaderboard(runs)
    if table["ε spent"].isna().all():  # (no private run: the columns would say nothing)
        table = table.drop(columns=["ε spent", "ε covers the rows"])
    else:
        table["ε covers the rows"] = table["ε covers the rows"].fillna("")
    numbers = ("seconds", "quality", "detection AUC", "utility", "exact copies", "closer than holdout", "ε spent")
    head = "".join(f"<th>{_e(c)}</th>" for c in table.columns)
    body = "".join("<tr>" + "".join(f"<td class='number'>{_number(v)}</td>" if c in numbers else f"<td>{_e(v)}</td>"
                                    for c, v in row.items()) + "</tr>" for _, row in table.iterrows())
    return _section("The leaderboard", "<p>Every scored run of the session, scored the same way; the best run for each "
                                       "score is named in the last column.</p>"
                                       f"<table><tr>{head}</tr>{body}</table>")


# ---------------------------------------------------------------- pieces


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _number(value: Any) -> str:
    return "n/a" if value is None or value != value else f"{value:.3f}"


def _section(title: str, body: str) -> str:
    return f"<section><h2>{_e(title)}</h2>{body}</section>"


def _figure(fig: go.Figure) -> str:
    fig = plots.plain(fig).update_layout(width=None, autosize=True)
    return "<div class='figure'>" + fig.to_html(full_html=False, include_plotlyjs=False,
                                                config={"displaylogo": False, "responsive": True}) + "</div>"


def _document(title: str, name: str, sections: list[str]) -> str:
    made = datetime.now().strftime("%Y-%m-%d %H:%M")
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{_e(title)}</title><style>{STYLE}</style>"
            f"<script>{get_plotlyjs()}</script></head><body><main>"
            f"<h1>{_e(title)}</h1><p class='muted'>Made with SynthLab {_e(__version__)} on {made}, from "
            f"{_e(name)}. Print this page to PDF from the browser: each section starts a page.</p>"
            + "".join(sections) + "</main></body></html>")
