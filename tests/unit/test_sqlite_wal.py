"""Setting WAL mode on a new SQLite connection waits out a busy database.

SQLite can answer ``PRAGMA journal_mode=WAL`` with SQLITE_BUSY at once, without its
busy handler, while other processes open the same database; that cannot be brought
about on demand, so a cursor that answers as SQLite did stands in for it here. The
end-to-end refusal test met the real thing about once in a dozen runs.
"""

from __future__ import annotations

import sqlite3

import pytest

from worker.store.database import enable_wal


def _error(code: int) -> sqlite3.OperationalError:
    exc = sqlite3.OperationalError("database is locked")
    exc.sqlite_errorcode = code
    return exc


class _Cursor:
    """Answers ``execute`` with ``errors`` in turn, then succeeds."""

    def __init__(self, *errors: sqlite3.OperationalError) -> None:
        self.errors = list(errors)
        self.calls: list[str] = []

    def execute(self, sql: str) -> None:
        self.calls.append(sql)
        if self.errors:
            raise self.errors.pop(0)


def test_a_busy_answer_is_tried_again_until_it_succeeds() -> None:
    # SQLITE_BUSY_RECOVERY (261) is a busy answer too: only its low byte is SQLITE_BUSY
    cursor = _Cursor(_error(sqlite3.SQLITE_BUSY), _error(261))
    enable_wal(cursor, timeout=5.0)  # type: ignore[arg-type]
    assert cursor.calls == ["PRAGMA journal_mode=WAL"] * 3


def test_any_other_error_is_raised_at_once() -> None:
    cursor = _Cursor(_error(sqlite3.SQLITE_READONLY))
    with pytest.raises(sqlite3.OperationalError):
        enable_wal(cursor, timeout=5.0)  # type: ignore[arg-type]
    assert len(cursor.calls) == 1


def test_a_database_busy_beyond_the_timeout_raises() -> None:
    cursor = _Cursor(*[_error(sqlite3.SQLITE_BUSY)] * 1000)
    with pytest.raises(sqlite3.OperationalError):
        enable_wal(cursor, timeout=0.05)  # type: ignore[arg-type]
    assert 2 <= len(cursor.calls) < 10
