"""Celery's prefork pool, stopping without its half-second nap.

While a warm shutdown joins the pool, Celery 5.7's ``TaskPool.on_stop`` runs a
thread that fires the event loop's timers and runs the acknowledgements of tasks
that finish meanwhile (``acks_late``), then sleeps ``time.sleep(0.5)`` before its
next pass. Once the pool has joined, ``on_stop`` sets the thread's stop event and
joins it, but a sleeping thread does not see the event: every stop waited out the
rest of that half second, however idle the pool. py-spy showed the worker's main
process in that join for most of a drained ``newsfeed crawl``'s stop.

:class:`TaskPool` is Celery's class with ``on_stop`` copied from Celery 5.7.0 and
one change: the pause between passes is ``shutdown_event.wait(0.5)``, which returns
as soon as the event is set. ``tests/unit/test_prefork.py`` holds the hash of the
method it was copied from, so a Celery release that changes that method fails the
tests until this copy is compared with it again. It is configured through Celery's
own setting (``worker_pool``, see ``worker.app.celery_config``); the module's name
is what the worker's banner shows as the pool, ``prefork`` as before.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from billiard.pool import CLOSE, RUN
from celery.concurrency import prefork
from celery.utils.log import get_logger
from kombu.asynchronous import get_event_loop

__all__ = ["TIMER_PASS_SECONDS", "TaskPool"]

logger = get_logger(__name__)

TIMER_PASS_SECONDS = 0.5  # Celery's pause between two passes of the timer thread

# Celery's helper that runs the acks queued on the event loop (not in its stubs).
_run_ready_callbacks: Callable[[Any], None] = prefork._run_ready_callbacks  # type: ignore[attr-defined]  # noqa: SLF001


class TaskPool(prefork.TaskPool):
    """Celery's prefork ``TaskPool``; only ``on_stop`` differs (see the module)."""

    _pool: Any  # billiard's pool while started, else None (set by Celery)

    def on_stop(self) -> None:
        """Gracefully stop the pool (Celery 5.7.0's method; see the module)."""
        running = self._pool
        if running is None or running._state not in (RUN, CLOSE):  # noqa: SLF001
            return
        running.close()
        hub = get_event_loop()
        if hub is None:
            running.join()
            self._pool = None
            return
        # Keep firing timers (heartbeats on async transports) and running the acks
        # of tasks that finish while the pool drains.
        shutdown_event = threading.Event()

        def fire_timers_loop() -> None:
            while not shutdown_event.is_set():
                try:
                    hub.fire_timers()
                    _run_ready_callbacks(hub)
                except Exception:
                    logger.warning(
                        "Exception in timer thread during prefork on_stop()",
                        exc_info=True,
                    )
                shutdown_event.wait(TIMER_PASS_SECONDS)  # Celery: time.sleep(0.5)

        timer_thread = threading.Thread(
            target=fire_timers_loop, daemon=True, name="prefork-timer-shutdown"
        )
        timer_thread.start()
        try:
            running.join()
        finally:
            shutdown_event.set()
            timer_thread.join(timeout=1.0)
            if timer_thread.is_alive():
                logger.warning(
                    "Timer thread in prefork on_stop() did not terminate cleanly"
                )
            else:
                # The results the join waited for queued their acks after the
                # thread's last pass.
                try:
                    _run_ready_callbacks(hub)
                except Exception:
                    logger.warning(
                        "Exception running ready callbacks after prefork pool join",
                        exc_info=True,
                    )
        self._pool = None
