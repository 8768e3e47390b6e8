"""AppTest for the Stitch page: the demo pair stitched and made the working table, a third table stitched on, the
pending question when runs would be lost, and a bad choice told in a sentence."""

from tests.app import conftest


def open_page():
    return conftest.open_page("pages/stitch.py")


def test_demo_pair_stitched_and_used():
    at = open_page()
    assert any("Upload a second table" in i.value for i in at.info)  # the working table waits for a partner
    at.button(key="stitch_demo").click().run()
    assert at.multiselect[0].value == ["name", "date_of_birth", "address", "town"]
    at.button(key="stitch_run").click().run()
    assert not at.exception and not at.error
    certain, uncertain, left_only, right_only = (int(m.value.replace(",", "")) for m in at.metric)
    assert certain > 500 and uncertain > 0
    assert certain + uncertain + left_only == 800 and certain + uncertain + right_only == 700
    assert len(at.get("plotly_chart")) == 2
    assert not any("other keys or settings" in i.value for i in at.info)
    at.slider(key="stitch_threshold").set_value(100).run()  # a setting changed, not yet stitched with
    assert any("made with other keys or settings" in i.value for i in at.info)
    at.slider(key="stitch_threshold").set_value(at.slider(key="stitch_threshold").min).run()
    at.button(key="stitch_run").click().run()
    assert not any("other keys or settings" in i.value for i in at.info)
    at.button(key="stitch_third").click().run()  # the survey onto the stitched table
    assert "customers + loyalty" in at.markdown[0].value or any("customers + loyalty" in c.value for c in at.caption)
    at.button(key="stitch_run").click().run()
    assert not at.error
    at.button(key="stitch_use").click().run()
    assert any("is now the working table" in s.value for s in at.success)
    assert "customers + loyalty + survey" in at.sidebar.markdown[1].value


def test_no_keys_is_a_sentence_and_runs_are_not_lost_silently():
    at = open_page()
    at.button(key="stitch_demo").click().run()
    at.multiselect[0].set_value([]).run()
    at.button(key="stitch_run").click().run()
    assert not at.exception and any("at least one pair of key columns" in e.value for e in at.error)
    at.multiselect[0].set_value(["name"]).run()
    at.button(key="stitch_run").click().run()
    at.session_state["workspace"].runs.append(object())  # a run the user made earlier
    at.button(key="stitch_use").click().run()
    assert any("forgets 1 run" in w.value for w in at.warning)
    at.button(key="stitch_no").click().run()
    assert at.sidebar.markdown[1].value == "**penguins**"


def test_abbreviation_lines_that_are_no_pair_are_said_and_left_out():
    """'= street', 'st =' and 'a b = c' were dropped without a word: only lines without '=' were said."""
    from pages.stitch import abbreviations

    pairs, ignored = abbreviations("st = street\n= road\nrd =\nmt st = mount street\nave\n\n  dr=drive  ")
    assert pairs == {"st": "street", "dr": "drive"} and ignored == ["= road", "rd =", "mt st = mount street", "ave"]
    at = open_page()
    at.button(key="stitch_demo").click().run()
    at.text_area(key="stitch_abbreviations").set_value("st = street\n= road").run()
    assert any("Ignored" in c.value and "= road" in c.value for c in at.caption) and not at.exception
