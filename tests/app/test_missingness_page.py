"""AppTest for the Missingness page: every view on real data, the reference value, and the edge cases."""

import json

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.app import conftest
from tests.app.test_errors import HOSTILE, a_bug, assert_shown_as_text, assert_tables_safe, hostile_frame


def open_page(sample: str | None = None, frame: pd.DataFrame | None = None) -> AppTest:
    return conftest.open_page("pages/missingness.py", sample, frame)


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def test_airquality_reproduces_littles_test_and_finds_the_month_effect():
    at = open_page("airquality")
    assert at.title[0].value == "Missingness"
    assert metric(at, "d²") == "35.106" and metric(at, "degrees of freedom") == "14"
    assert metric(at, "p-value") == "0.001418" and metric(at, "patterns") == "4"
    assert metric(at, "Missing-data patterns") == "4"
    warnings = [w.value for w in at.warning]
    assert any("not MCAR" in w for w in warnings)
    assert any(w.startswith("Missingness of Ozone depends on Month") for w in warnings)
    assert not at.error
    at.selectbox(key="mar_column").select("Solar.R").run()
    assert not at.exception and not at.error


def test_views_and_simulator_controls():
    at = open_page("airquality")
    at.toggle(key="matrix_sort").set_value(True).run()
    at.selectbox(key="shadow_x").select("Wind").run()
    assert at.selectbox(key="sim_x").value == "Temp" and at.selectbox(key="sim_y").value == "Ozone"
    for rate in (0.0, 1.0, 0.5):
        at.slider(key="sim_rate").set_value(rate).run()
        assert not at.exception and not at.error
    at.selectbox(key="sim_shape").select("TAIL").run()
    at.radio(key="sim_hole").set_value("Temp").run()
    at.number_input(key="sim_seed").set_value(5).run()
    assert not at.exception and not at.error
    table = at.dataframe[-1].value
    assert next(iter(table["data"])) == "complete" and len(table) == 4


@pytest.mark.parametrize("sample", ["penguins", "msleep", "birthwt"])
def test_other_samples_render(sample):
    at = open_page(sample)
    assert not at.error


def test_a_table_without_missing_values_says_so_and_keeps_the_simulator():
    at = open_page("titanic")
    assert any("no missing values" in s.value for s in at.success)
    assert any("needs at least two numeric columns" in i.value for i in at.info)
    assert not at.error


def test_degenerate_tables():
    rng = np.random.default_rng(0)
    n = 60
    frame = pd.DataFrame({"x": np.where(rng.random(n) < 0.2, np.nan, rng.normal(size=n)),
                          "empty": np.nan, "const": 1.0, "label": rng.choice(list("ab"), n)})
    at = open_page(frame=frame)
    assert any("Every value is missing in: empty" in w.value for w in at.warning)
    assert not at.error
    one = open_page(frame=pd.DataFrame({"only": [1.0, np.nan, 3.0, 4.0, np.nan, 6.0]}))
    assert any("two numeric columns" in i.value for i in one.info)
    assert not one.error and any("No other usable column" in i.value.replace("\\", "") for i in one.info)
    together = open_page(frame=pd.DataFrame({"a": [1.0, np.nan, 3.0, 4.0, np.nan, 6.0] * 5,
                                             "b": [2.0, np.nan, 1.0, 5.0, np.nan, 7.0] * 5}))
    assert not together.error and any("missing in the same rows" in i.value for i in together.info)
    assert any("all have the same pattern" in i.value for i in together.info)
    assert not [m for m in together.metric if m.label == "d²"]  # no statistic where there is nothing to compare
    labels = open_page(frame=pd.DataFrame({"x": np.linspace(0, 1, 30) ** 2, "y": np.sqrt(np.arange(30.0)),
                                           "grade": (["A", None, "B"] * 10)}))
    assert any("None of the tested columns has a hole" in i.value and "grade" in i.value for i in labels.info)
    assert not labels.error and not [m for m in labels.metric if m.label == "d²"]
    assert any("no orange marks, and no column the scatter can draw has holes: grade holds labels" in i.value
               for i in labels.info)


def test_a_table_without_holes_is_not_explained_as_if_it_had_some():
    at = open_page("salaries")  # three numeric columns, not one missing value
    assert not at.exception and not at.error
    _, together, shadow, mechanism, _ = at.tabs
    assert [i.value for i in shadow.info] == ["This table has no missing values, so the shadow scatter has no "
                                              "holes to place."]
    assert not shadow.get("selectbox") and not shadow.get("plotly_chart")
    assert [i.value for i in together.info] == ["This table has no missing values, so there are no holes to go "
                                                "together."]
    assert not together.get("plotly_chart")  # not an UpSet plot of the one pattern "every row complete"
    assert all(i.value.startswith("This table has no missing values") for i in mechanism.info)
    assert not any("label or date" in i.value or "None of the tested" in i.value for i in at.info)


def test_holes_the_shadow_scatter_cannot_place_are_named_with_the_reason():
    x = np.linspace(0, 1, 40)
    frame = pd.DataFrame({"x": x, "y": x ** 2, "empty": np.nan, "one": [1.0, np.nan] * 20,
                          "when": pd.to_datetime(["2024-01-01", None] * 20)})
    at = open_page(frame=frame)
    assert not at.exception and not at.error
    said = " ".join(i.value for i in at.tabs[2].info)
    assert ("no column the scatter can draw has holes: empty is missing in every row; one has a single value "
            "besides the holes; when holds labels, dates, text or identifiers, which the scatter cannot place."
            in said)


def test_where_on_a_table_without_holes_says_so_instead_of_an_empty_chart():
    at = open_page("salaries")
    where = at.tabs[0]
    assert [i.value for i in where.info] == ["No column has a missing value: all 6 are complete, so there is "
                                             "nothing to chart."]
    assert not where.get("plotly_chart")
    holed = open_page("msleep")
    assert len(holed.tabs[0].get("plotly_chart")) == 2  # the nullity matrix and the bars


def test_the_simulator_shows_small_slopes_and_their_standard_errors_to_three_significant_figures():
    rng = np.random.default_rng(0)  # like Ecdat's Computers: ram on hd, a slope of about 0.017 per MB
    n = 3_000
    hd = rng.normal(450, 250, n)
    frame = pd.DataFrame({"hd": hd, "ram": 0.017 * hd + 3 * rng.normal(size=n), "price": rng.normal(size=n)})
    at = open_page(frame=frame)
    assert not at.exception and not at.error
    shown = at.dataframe[-1]
    formats = {k: v.get("type_config", {}).get("format") for k, v in json.loads(shown.proto.columns).items()}
    assert formats["slope"] == formats["SE of slope"] == formats["slope bias"] == "%.3g"
    table = shown.value.set_index("data")
    se = [formats["SE of slope"] % v for v in table["SE of slope"]]
    assert len(set(se)) > 1 and "0" not in se  # MCAR's larger standard error shows (with %.3f all read 0.000)
    assert (formats["slope bias"] % table["slope bias"].iloc[-1]) != "0"
    slope = next(m.value for m in at.markdown if m.value.startswith("Slope on complete data"))
    assert f"**{table['slope'].iloc[0]:.3g}**" in slope


# --------------------------------------------------------------------------- hardening (issue 11)



def test_column_names_are_shown_as_text():
    at = open_page(frame=hostile_frame(80).assign(**{"![gone](//host/g)": np.nan}))
    assert not at.exception
    assert_shown_as_text(at, [*HOSTILE, "![gone](//host/g)"])
    at.selectbox(key="mar_column").select(HOSTILE[2]).run()
    assert not at.exception
    assert_shown_as_text(at, [HOSTILE[2]])
    assert_tables_safe(at)


def test_a_failing_view_leaves_the_rest_of_the_page(monkeypatch):
    import core.missing
    import core.plots


    monkeypatch.setattr(core.missing, "nullity_correlation", a_bug)
    monkeypatch.setattr(core.plots, "missing_bar_figure", a_bug)
    frame = hostile_frame(80).drop(columns=[HOSTILE[3]])
    at = open_page(frame=frame)  # two columns with holes: their nullity correlation is a sentence
    assert not at.exception, at.exception
    assert len([e for e in at.error if e.value.startswith("Sorry")]) == 2
    assert any(m.label == "d²" for m in at.metric) and len(at.tabs) == 5


def test_the_simulator_pair_of_a_wide_table_is_sought_among_its_most_incomplete_columns():
    from ui.cache import SUGGESTION_COLUMNS, _suggestion_pool

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(30, 3 * SUGGESTION_COLUMNS)))
    frame.iloc[:5, ::3] = np.nan
    pool = _suggestion_pool(frame, list(frame.columns))
    assert pool == list(frame.columns[::3])
    assert _suggestion_pool(frame.iloc[:, :10], list(range(10))) == list(range(10))


def test_columns_missing_together_are_shown_as_a_pattern_not_as_evidence():
    rng = np.random.default_rng(3)
    n = 300
    df = pd.DataFrame({"trt": rng.normal(size=n), "ascites": rng.normal(size=n), "spiders": rng.normal(size=n),
                       "age": rng.normal(50, 10, size=n)})
    skipped = rng.random(n) < 0.25  # a visit that did not happen: three measurements missing together
    df.loc[skipped, ["trt", "ascites", "spiders"]] = np.nan
    at = open_page(frame=df)
    at.selectbox(key="mar_column").select("trt").run()
    assert not at.exception and not at.error
    together = next(d.value for d in at.dataframe if "shared holes" in d.value.columns)
    assert set(together["column"]) == {"ascites", "spiders"}
    verdict = next(w.value.replace("\\", "") for w in [*at.warning, *at.success] if "where trt is missing" in
                   w.value.replace("\\", ""))
    assert "consistent with MCAR" in verdict and "depends on" not in verdict
