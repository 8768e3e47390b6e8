"""The server's training slots: at most ``max_trainings`` neural trainings run at once, the others wait in
line and say so, a waiting training can be stopped, one owner (a browser session) trains one model at a
time, a training whose watcher is gone stops, and trainings that share torch stay reproducible."""

import threading
import time

import numpy as np
import pandas as pd
import pytest

from core.errors import ParameterError
from core.schema import infer_schema
from core.synth import METHODS, neural
from core.synth.neural import TrainingMonitor, Trainings, TrainingStopped

BOUND = 20  # seconds any step here may take on a busy two-core machine


@pytest.fixture(scope="module")
def table():
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"x": rng.normal(0, 1, 200), "g": rng.choice(["a", "b"], 200)})
    return df, infer_schema(df)


@pytest.fixture
def slots(monkeypatch):
    """Install a scheduler with ``n`` slots for the trainings of this test."""
    def install(n: int) -> Trainings:
        trainings = Trainings(slots=n)
        monkeypatch.setattr(neural, "TRAININGS", trainings)
        return trainings
    return install


class Background:
    """A training in a thread of its own, as the app runs one."""

    def __init__(self, table, *, epochs=10_000, seed=0, **monitor):
        df, schema = table
        self.monitor = TrainingMonitor(**monitor)
        self.model, self.error = None, None
        self.thread = threading.Thread(target=self._run, args=(df, schema, epochs, seed), daemon=True)
        self.thread.start()

    def _run(self, df, schema, epochs, seed):
        try:
            self.model = METHODS["vae"](epochs=epochs, batch_size=50).fit(df, schema, seed=seed, monitor=self.monitor)
        except Exception as exc:  # noqa: BLE001 - the test reads it
            self.error = exc

    def finish(self) -> None:
        self.monitor.stop.set()
        self.thread.join(BOUND)
        assert not self.thread.is_alive()


def eventually(condition, what: str) -> None:
    deadline = time.monotonic() + BOUND
    while not condition():
        assert time.monotonic() < deadline, f"not within {BOUND} s: {what}"
        time.sleep(0.02)


def training(job: Background) -> bool:
    assert job.error is None or isinstance(job.error, TrainingStopped), job.error
    return bool(job.monitor.history)


def test_a_training_beyond_the_slots_waits_in_line_and_says_how_far_back(table, slots):
    slots(1)
    first = Background(table)
    eventually(lambda: training(first), "the first training starts")
    second = Background(table)
    eventually(lambda: second.monitor.phase == "waiting for a free training slot (next in line)", "second waits")
    third = Background(table)
    eventually(lambda: third.monitor.phase == "waiting for a free training slot (1 ahead)", "third waits behind")
    time.sleep(0.3)
    assert not training(second) and not training(third)  # nobody skips the line

    second.finish()  # stopped while waiting: it never trained, and says so
    assert isinstance(second.error, TrainingStopped) and second.model is None
    assert "stopped before it started" in second.error.message
    eventually(lambda: third.monitor.phase == "waiting for a free training slot (next in line)", "third moves up")
    first.finish()
    assert first.error is None and first.model is not None  # the model trained so far is kept
    eventually(lambda: training(third), "third gets the freed slot")
    third.finish()


def test_two_slots_train_two_models_at_once(table, slots):
    slots(2)
    a, b = Background(table), Background(table, seed=1)
    eventually(lambda: training(a) and training(b), "both train")
    count = (len(a.monitor.history), len(b.monitor.history))
    eventually(lambda: len(a.monitor.history) > count[0] + 2 and len(b.monitor.history) > count[1] + 2,
               "both keep training, taking turns")
    c = Background(table)
    eventually(lambda: c.monitor.phase.startswith("waiting for a free training slot"), "a third waits")
    for job in (a, b, c):
        job.finish()


def test_one_owner_trains_one_model_at_a_time(table, slots):
    slots(2)
    first = Background(table, owner="session-1")
    eventually(lambda: training(first), "the first training starts")
    again = Background(table, owner="session-1")
    again.thread.join(BOUND)
    assert isinstance(again.error, ParameterError) and "already" in again.error.message
    other = Background(table, owner="session-2")
    eventually(lambda: training(other), "another session may train beside it")
    first.finish()
    other.finish()
    after = Background(table, owner="session-1", epochs=2)  # once it has ended, the session may train again
    after.thread.join(BOUND)
    assert after.error is None and after.model is not None


def test_a_training_whose_session_is_gone_stops_and_frees_its_slot(table, slots):
    slots(1)
    closed = {"holder": False, "waiting": False}
    holder = Background(table, alive=lambda: not closed["holder"], grace=0.2, poll=0.05)
    eventually(lambda: training(holder), "it starts")
    waiting = Background(table, alive=lambda: not closed["waiting"], grace=0.2, poll=0.05)
    eventually(lambda: waiting.monitor.phase.startswith("waiting for a free training slot"), "the second waits")
    closed["waiting"] = True
    waiting.thread.join(BOUND)  # one waiting for a slot gives up
    assert isinstance(waiting.error, TrainingStopped) and not training(waiting) and holder.thread.is_alive()
    closed["holder"] = True
    holder.thread.join(BOUND)
    assert not holder.thread.is_alive(), "the training went on after its session ended"
    assert isinstance(holder.error, TrainingStopped) and "closed" in holder.error.message and holder.model is None
    after = Background(table, epochs=2)
    after.thread.join(BOUND)
    assert after.model is not None  # the slot is free again


def test_a_short_disconnection_does_not_stop_a_training(table, slots):
    slots(1)
    blink = time.monotonic() + 0.3
    job = Background(table, epochs=10_000, alive=lambda: not blink < time.monotonic() < blink + 0.2, grace=1.0,
                     poll=0.02)
    time.sleep(1.5)
    assert job.thread.is_alive() and job.error is None
    job.finish()
    assert job.error is None and job.model is not None


def test_trainings_taking_turns_give_what_each_gives_alone(table, slots):
    df, schema = table
    slots(2)
    alone = {seed: METHODS["vae"](epochs=4, batch_size=50).fit(df, schema, seed=seed).sample(50, rng=0)
             for seed in (0, 1)}
    jobs = [Background(table, epochs=4, seed=seed) for seed in (0, 1)]
    for job in jobs:
        job.thread.join(BOUND)
    for seed, job in zip((0, 1), jobs, strict=True):
        pd.testing.assert_frame_equal(job.model.sample(50, rng=0), alone[seed])
