"""Fresh, migrated databases for tests: a SQLite file, or a PostgreSQL schema.

PostgreSQL is used only when ``NEWSFEED_TEST_DATABASE_URL`` names a server; each
database gets its own schema (dropped afterwards) so runs never see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, text
from sqlmodel import Session, col, select

from schemas import CrawlUrl
from worker.settings import Settings
from worker.store.migrate import upgrade

BACKENDS = ("sqlite", "postgres")


def postgres_url() -> str | None:
    url = os.environ.get("NEWSFEED_TEST_DATABASE_URL")
    if not url:
        return None
    return Settings(database_url=url).resolved_database_url()


def backend_param(backend: str) -> object:
    marks = [pytest.mark.postgres] if backend == "postgres" else []
    return pytest.param(backend, marks=marks, id=backend)


@contextmanager
def fresh_database(tmp: Path, backend: str) -> Iterator[str]:
    """A migrated database URL for ``backend``; skips when Postgres is not configured."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp / f'newsfeed-{uuid.uuid4().hex[:8]}.db'}"
        upgrade(url)
        yield url
        return
    server = postgres_url()
    if server is None:
        pytest.skip("NEWSFEED_TEST_DATABASE_URL is not set")
    schema = f"nf_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in server else "?"
    url = f"{server}{separator}options=-csearch_path%3D{schema}"
    try:
        upgrade(url)
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def pending_urls(session: Session) -> int:
    """URLs the frontier still holds as pending: 0 once a crawl is complete."""
    query = select(func.count()).select_from(CrawlUrl)
    return session.exec(query.where(col(CrawlUrl.state) == "pending")).one()
