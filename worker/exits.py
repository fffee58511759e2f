"""Leaving a process quickly: one garbage collection at exit, not one per teardown step.

When CPython exits it tears the modules down and runs a full garbage collection
after several of the steps. With Celery, SQLAlchemy, pydantic and lxml loaded that
took about 0.2 s of one core, for the ``newsfeed`` command and again for the worker's
main process: a fifth of what ``newsfeed crawl`` spent after its last article was
stored. :func:`collect_once_at_exit` makes the process, when it exits, first close
its database connections itself (SQLite then checkpoints and removes its WAL, as on
any close), then collect once (every object that is garbage by then is freed and
its finalizers run, as before, except in a worker's main process, which froze its
imports before forking its pool, see ``worker.app``), and then move what is left to
the permanent generation (``gc.freeze``), which the teardown's collections skip.

The price: an object that is still alive at exit and sits in a reference cycle is
never finalized; the teardown's collections used to do that. Reference counting
still frees everything else as the teardown clears each module. So whatever must be
flushed or closed at exit is closed explicitly, never left to a finalizer: the
database engines here, log handlers by ``logging.shutdown`` (an ``atexit`` handler
that runs after this one), the service's log file and servers by their owners.

What this module does not do: change anything while the process runs, or exit early
(``os._exit`` would skip ``atexit`` handlers and unflushed buffers).

References: the ``gc.freeze`` and ``atexit`` documentation (CPython 3.11).
"""

from __future__ import annotations

import atexit
import gc
import sys


def collect_once_at_exit() -> None:
    """Arrange :func:`_before_exit` to run at exit, once however often this is
    called (a later call only moves it to the front of the ``atexit`` order).

    ``atexit`` runs the handlers registered last first, so handlers registered
    earlier (``logging``'s flush and close among them) still run after this one.
    """
    atexit.unregister(_before_exit)
    atexit.register(_before_exit)


def _before_exit() -> None:
    # Only if this process ever opened the database: importing SQLAlchemy at exit
    # would cost more than it saves.
    database = sys.modules.get("worker.store.database")
    try:
        if database is not None:
            database.dispose_engines()
    finally:
        gc.collect()
        gc.freeze()
