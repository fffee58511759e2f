"""RELIABILITY F9: the database goes away for 10 s in the middle of a crawl.

PostgreSQL is reached through a proxy that is cut for the outage: every connection is
reset and new ones fail, as when the server stops; the tasks retry with backoff.
SQLite is locked by another process (``BEGIN EXCLUSIVE``) for the outage; writers
wait within their busy timeout. Either way nothing is lost, no row is doubled and the
worker keeps running.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import make_url, text
from sqlmodel import col, select

from schemas import Article, FetchAttempt, UrlAlias
from tests.e2e.conftest import Crawl
from tests.support.database import pending_urls
from tests.support.tcp_proxy import TcpProxy, tcp_proxy

# Crawls with faults have deadlines of their own; let them, not the suite's 120 s
# per test, be what fails a slow run.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

OUTAGE_SECONDS = 10.0  # F9's figure


@pytest.fixture(scope="module")
def proxies() -> list[TcpProxy]:
    """The proxy in front of PostgreSQL, once ``crawl_env`` has made it."""
    return []


@pytest.fixture(scope="module")
def crawl_env(
    crawl_env: dict[str, str], proxies: list[TcpProxy]
) -> Iterator[dict[str, str]]:
    """The usual environment; on PostgreSQL the worker connects through a proxy."""
    proxies.clear()  # one module, one list: a backend's proxy is not the next one's
    url = make_url(crawl_env["DATABASE_URL"])
    if url.get_backend_name() != "postgresql":
        yield crawl_env
        return
    with tcp_proxy((url.host or "127.0.0.1", url.port or 5432)) as forward:
        proxies.append(forward)
        routed = url.set(host="127.0.0.1", port=forward.port)
        yield crawl_env | {"DATABASE_URL": routed.render_as_string(hide_password=False)}


@contextmanager
def _outage(crawl: Crawl, proxies: list[TcpProxy]) -> Iterator[None]:
    """The database unavailable to the worker for the block's duration."""
    if proxies:
        proxies[0].cut()
        try:
            yield
        finally:
            proxies[0].restore()
        return
    path = make_url(crawl.env["DATABASE_URL"]).database
    assert path
    lock = sqlite3.connect(path, isolation_level=None)
    try:
        lock.execute("BEGIN EXCLUSIVE")
        yield
    finally:
        lock.execute("ROLLBACK")
        lock.close()


def test_a_ten_second_database_outage_loses_nothing(
    crawl: Crawl, proxies: list[TcpProxy]
) -> None:
    # Given a feed, and the database gone just before the feed is polled
    feed_id = crawl.add_feed("/feed.xml")
    worker_pid = crawl.worker.pid  # type: ignore[attr-defined]
    log = Path(crawl.env["NEWSFEED_DATA_DIR"]) / "worker.log"
    log_start = log.stat().st_size
    with _outage(crawl, proxies):
        crawl.send("poll_feed", feed_id=feed_id)
        time.sleep(OUTAGE_SECONDS)
        back_at = datetime.now(UTC)
    # When the database is back and the queues drain
    crawl.drain(timeout=120)
    # Then the whole crawl is stored, written only after the outage ended
    with crawl.session() as session:
        stored = {
            a.canonical_url.rsplit("/", 1)[-1]: a
            for a in session.exec(select(Article)).all()
        }
        aliases = session.exec(select(UrlAlias)).all()
        failed = session.exec(
            select(FetchAttempt).where(col(FetchAttempt.status) == "failed")
        ).all()
        pending = pending_urls(session)
        doubled = session.execute(
            text(
                "SELECT fingerprint FROM articles GROUP BY fingerprint "
                "HAVING COUNT(*) > 1"
            )
        ).all()
    assert sorted(stored) == ["a1.html", "a2.html", "b1.html", "c1.html"]
    assert {a.depth for a in stored.values()} == {0, 1, 2}
    assert min(a.first_seen_at for a in stored.values()) >= back_at
    copy = crawl.site.url("/news/copy-of-a2.html")
    assert [a.article_id for a in aliases if a.url == copy] == [stored["a2.html"].id]
    # nothing lost, nothing doubled, nothing given up on
    assert failed == []
    assert pending == 0
    assert doubled == []
    # and the worker rode it out: the same process, still running; on PostgreSQL
    # by retrying with backoff (SQLite's writers waited on its lock instead)
    if proxies:
        with log.open("rb") as lines:
            lines.seek(log_start)
            retries = [
                entry
                for line in lines
                if line.startswith(b"{")
                and (entry := json.loads(line))["event"] == "task_retrying"
            ]
        assert retries
        assert {r["reason"] for r in retries} == {"connection_error"}
    assert crawl.worker.poll() is None  # type: ignore[attr-defined]
    assert crawl.worker.pid == worker_pid  # type: ignore[attr-defined]
