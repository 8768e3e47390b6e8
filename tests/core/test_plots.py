"""Figures show user text as written: plotly's HTML subset in column names and labels is escaped."""

import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core import plots


def texts(fig: go.Figure) -> str:
    return fig.to_json()


def test_user_markup_is_escaped_everywhere_and_our_own_kept():
    name = "<b>price</b> & <a href='https://example.com'>link</a>"
    series = pd.Series(["<i>a</i>", "b&c", "x<y", "<i>a</i>"] * 10, name=name)
    fig = plots.plain(plots.column_distribution(series, "categorical"))
    assert fig.layout.title.text.startswith("&lt;b&gt;price&lt;/b&gt; &amp; &lt;a href='https://example.com'&gt;")
    assert fig.layout.xaxis.title.text.startswith("&lt;b&gt;price")
    assert set(fig.data[0].x) == {"&lt;i&gt;a&lt;/i&gt;", "b&amp;c", "x&lt;y"}
    assert "<b>" not in texts(fig) and "<a " not in texts(fig) and "<i>" not in texts(fig)


def test_only_the_markup_the_figures_write_survives():
    fig = go.Figure(go.Scatter(x=[1, 2], y=[3, 4], text=["<b>t</b>", "u"], name="<sup>n</sup>",
                               hovertemplate="%{text}<br>%{x}<extra></extra>"))
    fig.update_layout(title="line<br>break <s>x</s>", yaxis_title="y > 0")
    out = plots.plain(fig)
    assert out.data[0].hovertemplate == "%{text}<br>%{x}<extra></extra>"
    assert out.layout.title.text == "line<br>break &lt;s&gt;x&lt;/s&gt;"
    assert out.layout.yaxis.title.text == "y &gt; 0"
    assert list(out.data[0].text) == ["&lt;b&gt;t&lt;/b&gt;", "u"] and out.data[0].name == "&lt;sup&gt;n&lt;/sup&gt;"
    assert list(out.data[0].x) == [1, 2] and list(out.data[0].y) == [3, 4]


def test_numbers_and_plain_text_are_untouched():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x": rng.normal(size=500), "y": rng.normal(size=500)})
    df.loc[::7, "x"] = np.nan
    fig = plots.shadow_scatter(df, "x", "y")
    assert json.loads(plots.plain(fig).to_json()) == json.loads(fig.to_json())


def test_a_number_overlay_shares_all_rows_and_names_the_holes():
    real = pd.Series([1.0, 2.0, np.nan, np.nan], name="x")
    synthetic = pd.Series([1.0, 2.0, 2.0, 1.0])
    fig = plots.overlay_distribution(real, synthetic, "continuous")
    assert [t.name for t in fig.data] == ["real · 50% missing", "synthetic · 0% missing"]
    assert np.isclose(sum(fig.data[0].y), 0.5) and np.isclose(sum(fig.data[1].y), 1.0)
    whole = plots.overlay_distribution(synthetic, synthetic, "continuous")
    assert [t.name for t in whole.data] == ["real", "synthetic"]


def test_a_label_overlay_counts_holes_as_their_own_bar_and_reads_whole_numbers_alike():
    real = pd.Series([1, 2, None, 2], name="g", dtype="Int64")
    synthetic = pd.Series([1.0, 2.0, 2.0, np.nan, 2.0])  # floats, as a model writes labels with holes
    fig = plots.overlay_distribution(real, synthetic, "categorical")
    shares = {t.name: dict(zip(t.x, t.y, strict=True)) for t in fig.data}
    assert shares["real"] == {"2": 0.5, "1": 0.25, "(missing)": 0.25}
    assert shares["synthetic"] == {"2": 0.6, "1": 0.2, "(missing)": 0.2}
