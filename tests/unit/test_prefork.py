"""worker.prefork: Celery's prefork pool whose stop does not sleep out its timer thread."""

from __future__ import annotations

import hashlib
import inspect
import logging
import threading
from pathlib import Path
from typing import Any

import pytest
from billiard.pool import RUN
from celery.concurrency import prefork

from worker import prefork as ours
from worker.app import celery_config
from worker.settings import Settings

# sha256 of celery.concurrency.prefork.TaskPool.on_stop in Celery 5.7.0, the method
# worker.prefork.TaskPool.on_stop copies. When a Celery release changes it, compare the
# copy with the new method, carry its changes over, and put the new hash here.
CELERY_ON_STOP_SHA256 = (
    "ab83bf6652cb65577da755fdca1b9b5286d072339dc086c0168af5c36fa4f471"
)


def test_the_copied_method_is_the_one_celery_still_has() -> None:
    source = inspect.getsource(prefork.TaskPool.on_stop)
    assert hashlib.sha256(source.encode()).hexdigest() == CELERY_ON_STOP_SHA256


def test_the_worker_runs_this_pool() -> None:
    config = celery_config(Settings(data_dir=Path("/tmp/nf")), "unix:///tmp/x.sock")
    assert config["worker_pool"] == "worker.prefork:TaskPool"
    assert issubclass(ours.TaskPool, prefork.TaskPool)


class _Hub:
    def __init__(self) -> None:
        self.passes = 0
        self.first_pass = threading.Event()

    def fire_timers(self) -> None:
        self.passes += 1
        self.first_pass.set()

    def _pop_ready(self) -> set[Any]:  # read by Celery's _run_ready_callbacks
        return set()


class _Pool:
    _state = RUN

    def __init__(self, hub: _Hub) -> None:
        self.hub = hub
        self.closed = False

    def close(self) -> None:
        self.closed = True

    def join(self) -> None:
        # The pool joins once the timer thread has made its first pass and is
        # pausing before the next one.
        assert self.hub.first_pass.wait(5)


def test_the_stop_ends_its_timer_thread_at_once_after_the_join(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # A pause far longer than on_stop's one-second join of the timer thread: a
    # thread that slept it out would still be alive, and logged as such.
    monkeypatch.setattr(ours, "TIMER_PASS_SECONDS", 60)
    hub = _Hub()
    monkeypatch.setattr(ours, "get_event_loop", lambda: hub)
    task_pool = ours.TaskPool(limit=1)
    fake = _Pool(hub)
    task_pool._pool = fake
    with caplog.at_level(logging.WARNING):
        task_pool.on_stop()
    assert fake.closed
    assert task_pool._pool is None
    assert hub.passes == 1
    assert not [t for t in threading.enumerate() if t.name == "prefork-timer-shutdown"]
    assert "did not terminate cleanly" not in caplog.text
