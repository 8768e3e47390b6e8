"""AppTest for the Compare page: scores with their readings, every view, the leaderboard."""

from streamlit.testing.v1 import AppTest

from tests.app import conftest


def with_runs(sample: str, methods: list[str]) -> AppTest:
    at = conftest.open_page("pages/synthesize.py", sample)
    at.radio(key="synth_group").set_value("Statistical models (a whole synthetic table)").run()
    for method in methods:
        at.selectbox(key="synth_method").select(method).run()
        at.button(key="synth_run").click().run()
    at.switch_page("pages/compare.py").run()
    assert not at.exception, at.exception
    return at


def test_no_runs_says_where_to_make_one():
    at = conftest.open_page("pages/compare.py")
    assert any("Synthesize page" in i.value for i in at.info)


def test_scores_views_and_leaderboard():
    at = with_runs("salaries", ["monte_carlo", "gaussian_copula"])
    metrics = {m.label: m.value for m in at.metric}
    assert set(metrics) == {"Quality", "Detection AUC", "Utility (TSTR)", "Exact copies", "Closer than holdout"}
    assert not at.error
    assert any(":" in c.value for c in at.caption)  # every score has its one-line reading
    at.selectbox(key="compare_column").select("rank").run()
    for method in ("spearman", "cramers_v", "nmi"):
        at.radio(key="compare_corr").set_value(method).run()
        assert not at.exception and not at.error, method
    at.selectbox(key="compare_group").select("sex").run()
    assert any("share real" in d.value.columns for d in at.dataframe)
    at.selectbox(key="compare_against").select("monte_carlo #1").run()  # two runs side by side
    at.selectbox(key="compare_model").select("linear").run()
    assert not at.exception and not at.error
    at.button(key="compare_all").click().run()
    board = next(d.value for d in at.dataframe if "best for" in d.value.columns)
    assert board["run"].tolist() == ["monte_carlo #1", "gaussian_copula #1"]
    assert board["best for"].str.contains("quality").sum() == 1
