"""Engine and session scope for SQLite (default) and PostgreSQL.

SQLite runs in WAL mode with a busy timeout, so readers never block the writer and
concurrent writers from several worker processes wait instead of failing. Write
transactions start with ``BEGIN IMMEDIATE``: a deferred transaction that reads and then
writes can fail at once with "database is locked" when another process committed in
between, busy timeout or not (https://www.sqlite.org/lang_transaction.html).

PostgreSQL uses psycopg 3 with pre-ping, so a restarted server costs one retry.
Upserts (``insert_ignore``) use each dialect's ``ON CONFLICT DO NOTHING``. JSON columns
are written by pydantic-core's encoder (:func:`json_text`).
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import pydantic_core
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session, SQLModel

# Seconds a SQLite writer waits for the lock before giving up; beyond this the task
# retries with backoff (F9).
SQLITE_BUSY_TIMEOUT_MS = 30_000

_engines: dict[tuple[int, str, bool], Engine] = {}


def _on_sqlite_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    # Let us issue BEGIN ourselves (pysqlite's implicit BEGIN is DEFERRED).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    enable_wal(cursor)
    # NORMAL is durable across application crashes in WAL mode; only an OS crash can
    # lose the last transactions, which the crawl would redo.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def enable_wal(
    cursor: sqlite3.Cursor, *, timeout: float = SQLITE_BUSY_TIMEOUT_MS / 1000
) -> None:
    """``PRAGMA journal_mode=WAL``, tried again while the database is busy.

    SQLite can answer this pragma with SQLITE_BUSY at once, without calling the busy
    handler, while other processes open the same WAL database: two pool children
    whose first statements met failed so about once in a dozen runs of an
    end-to-end test, and the task that met it lost its record. WAL mode persists
    in the file, so on an existing database this only confirms it; trying again a
    moment later, within the busy timeout, is enough.
    """
    deadline = time.monotonic() + timeout
    pause = 0.005
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError as exc:
            code = getattr(exc, "sqlite_errorcode", 0)
            busy = code & 0xFF == sqlite3.SQLITE_BUSY
            if not busy or time.monotonic() + pause > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.1)
        else:
            return


def json_text(value: object) -> str:
    """The JSON columns' encoder: pydantic-core's, three times faster than
    ``json.dumps`` on a revision's extracted article (56 against 174 µs on the bench
    site's pages), which every stored page writes. Compact, and non-ASCII text kept
    as UTF-8 instead of ``\\u`` escapes; any JSON reader reads both."""
    return pydantic_core.to_json(value).decode()


def create_db_engine(url: str, *, for_reading: bool = False) -> Engine:
    """A new engine for ``url`` with our per-backend settings.

    On SQLite, ``for_reading`` engines begin DEFERRED transactions, which take no write
    lock, so lookups never queue behind writers (WAL lets them read a snapshot).
    """
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            json_serializer=json_text,
        )
        event.listen(engine, "connect", _on_sqlite_connect)
        begin = "BEGIN" if for_reading else "BEGIN IMMEDIATE"

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            conn.exec_driver_sql(begin)

        return engine
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=5,
        json_serializer=json_text,
    )


def get_engine(url: str, *, for_reading: bool = False) -> Engine:
    """This process's engine for ``url``; a forked child gets its own (never shared).

    PostgreSQL needs no separate reading engine: its transactions take no table lock.
    """
    reading = for_reading and url.startswith("sqlite")
    key = (os.getpid(), url, reading)
    engine = _engines.get(key)
    if engine is None:
        engine = create_db_engine(url, for_reading=reading)
        _engines[key] = engine
    return engine


def dispose_engines() -> None:
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: committed on success, rolled back on any exception."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def insert_ignore(
    session: Session,
    table: type[SQLModel],
    rows: Sequence[dict[str, Any]],
    *,
    conflict_columns: Sequence[str],
    returning: Sequence[str] = (),
) -> list[Any]:
    """INSERT … ON CONFLICT (cols) DO NOTHING for every row; returns the ``returning``
    columns of the rows actually inserted (SQLite ≥ 3.35 and PostgreSQL return only
    those). The statement is built once per shape and run as one executemany, so
    SQLAlchemy compiles it once instead of once per call."""
    if not rows:
        return []
    stmt = _insert_ignore_statement(
        session.get_bind().dialect.name,
        str(table.__tablename__),
        tuple(conflict_columns),
        tuple(returning),
    )
    # Core on the session's connection: the ORM execute path adds nothing for a
    # Table-level statement but costs about as much as the statement.
    result = session.connection().execute(stmt, list(rows))
    return list(result.all()) if returning else []


@lru_cache(maxsize=64)
def _insert_ignore_statement(
    dialect: str, table_name: str, conflict: tuple[str, ...], returning: tuple[str, ...]
) -> Any:
    table = SQLModel.metadata.tables[table_name]
    dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = dialect_insert(table).on_conflict_do_nothing(index_elements=list(conflict))
    if returning:
        return stmt.returning(*(table.c[c] for c in returning))
    return stmt
