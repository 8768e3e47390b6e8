from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core.workspace import Workspace

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture
def app():
    """The app, run once on its default sample."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def open_page(page: str, sample: str | None = None, frame: pd.DataFrame | None = None) -> AppTest:
    """The app on ``page``, after loading a bundled ``sample`` or with ``frame`` as the session's table."""
    at = AppTest.from_file(APP, default_timeout=180)
    if frame is not None:
        at.session_state["workspace"] = Workspace(frame, name="test.csv", source="upload:test.csv")
    at.run()
    if sample:
        at.selectbox(key="sample_choice").select(sample).run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at
