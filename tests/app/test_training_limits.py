"""A classroom's trainings on the Synthesize page: a training whose browser session is gone stops, one
beyond the server's slots waits visibly and can be stopped while it waits, one session trains one model."""

import threading
import time

import pytest

from core.synth import METHODS, neural
from core.synth.neural import TrainingMonitor, Trainings
from tests.app import conftest
from ui import training

NEURAL = "Neural networks (a whole table, trained)"
BOUND = 60  # seconds: generous, the machine is shared


def open_page(sample: str):
    return conftest.open_page("pages/synthesize.py", sample)


def start_vae(at, epochs: int = 10_000):
    at.radio(key="synth_group").set_value(NEURAL).run()
    at.selectbox(key="synth_method").select("vae").run()
    at.number_input(key="synth::vae::epochs").set_value(epochs).run()
    at.button(key="synth_run").click().run()
    assert not at.exception, at.exception
    return at.session_state["training_job"]


def eventually(condition, what: str) -> None:
    deadline = time.monotonic() + BOUND
    while not condition():
        assert time.monotonic() < deadline, f"not within {BOUND} s: {what}"
        time.sleep(0.05)


def progress_text(at) -> str:
    return " ".join(p.proto.text for p in at.get("progress"))


def test_a_training_stops_when_its_browser_session_is_gone(monkeypatch):
    sessions = {}  # session id -> still connected?
    monkeypatch.setattr(training, "connected", lambda session: sessions.setdefault(session, True))
    monkeypatch.setattr(training, "GONE_SECONDS", 0.5)
    at = open_page("penguins")
    job = start_vae(at)
    eventually(lambda: job.monitor.history, "the training starts")
    assert len(sessions) == 1  # the training asks about the session that started it
    sessions.update(dict.fromkeys(sessions, False))  # the tab is closed
    job.thread.join(BOUND)
    assert not job.thread.is_alive(), "the training went on after its session ended"
    assert job.result is None and "closed" in job.notice


def test_connected_asks_the_server_about_the_session(monkeypatch):
    from streamlit import runtime

    class Server:
        @staticmethod
        def is_active_session(session):
            return session == "open"

    assert training.connected("anything")  # no server (as here): nobody to lose
    monkeypatch.setattr(runtime, "exists", lambda: True)
    monkeypatch.setattr(runtime, "get_instance", lambda: Server)
    assert training.connected("open") and not training.connected("closed")


@pytest.fixture
def one_slot_taken(monkeypatch):
    """A server with one training slot, held by another session's training until the test ends."""
    monkeypatch.setattr(neural, "TRAININGS", Trainings(slots=1))
    df = open_page("penguins").session_state["workspace"].train
    from core.schema import infer_schema

    other = TrainingMonitor(owner="another session")
    thread = threading.Thread(target=lambda: METHODS["vae"](epochs=10_000).fit(df, infer_schema(df), monitor=other),
                              daemon=True)
    thread.start()
    eventually(lambda: other.history, "the other session's training starts")
    yield
    other.stop.set()
    thread.join(BOUND)


def test_a_training_beyond_the_slots_waits_visibly_and_can_be_stopped(one_slot_taken):
    at = open_page("penguins")
    job = start_vae(at)
    eventually(lambda: job.monitor.phase.startswith("waiting for a free training slot"), "it waits for a slot")
    at.run()
    assert "Waiting for a free training slot (next in line)" in progress_text(at)
    assert at.button(key="synth_run").disabled  # one training per session, waiting included
    at.button(key="train_stop").click().run()
    job.thread.join(BOUND)
    assert not job.thread.is_alive() and not job.monitor.history  # it never trained
    at.run()
    assert not at.exception and not at.error
    assert any("stopped before it started" in i.value for i in at.info)
    assert not at.session_state["workspace"].runs
