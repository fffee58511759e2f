"""RELIABILITY F1 and F8: crawls of the bench site that processes die in the middle of.

Each test crawls the generated bench site (``bench.site``: every article is in a
feed, and every article links others, so the follower meets them all again) with a
real worker on a fresh database and an emptied Redis, breaks something mid-crawl,
lets the crawl finish, and checks the end state: every article stored once, with
one revision, and no URL left pending.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from bench.site import feed_paths, generate_site
from schemas import Article, Revision
from tests.support.database import (
    BACKENDS,
    backend_param,
    fresh_database,
    pending_urls,
)
from tests.support.workers import service_env, wait_until_drained, worker_process
from worker.app import create_app
from worker.broker import EmbeddedRedis
from worker.devserver import serve_site
from worker.pipeline.urls import registrable_domain
from worker.service import is_drained, queue_depths
from worker.settings import Settings
from worker.store import feeds
from worker.store.database import create_db_engine, session_scope

pytestmark = pytest.mark.e2e

ARTICLES = 1000
FEEDS = 4


@pytest.fixture(scope="module")
def bench_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The site's base URL, served by the server ``bench.crawl`` uses."""
    root = tmp_path_factory.mktemp("bench-site")
    generate_site(root, articles=ARTICLES, feeds=FEEDS)
    with serve_site(root) as base:
        yield base


@dataclass
class FaultCrawl:
    """A crawl of the bench site whose worker a test may kill and start again."""

    base: str  # the site's URL
    env: dict[str, str]
    engine: Engine
    broker: redis.Redis
    log: Path
    workers: ExitStack = field(default_factory=ExitStack)
    worker: subprocess.Popen[bytes] | None = None

    def start_worker(self) -> subprocess.Popen[bytes]:
        self.worker = self.workers.enter_context(worker_process(self.env, self.log))
        return self.worker

    def poll_feeds(self) -> None:
        app = create_app(Settings(redis_url=self.env["REDIS_URL"]))
        now = datetime.now(UTC)
        for path in feed_paths(FEEDS):
            url = self.base + path
            with session_scope(self.engine) as session:
                feed, _ = feeds.add_feed(
                    session,
                    url,
                    scope_domain=registrable_domain(url),
                    now=now,
                    interval=3600,
                )
            app.send_task("newsfeed.poll_feed", kwargs={"feed_id": feed.id})

    def stored(self) -> int:
        with Session(self.engine) as session:
            return session.exec(select(func.count()).select_from(Article)).one()

    def wait_for_stored(self, count: int, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while self.stored() < count:
            assert time.monotonic() < deadline, f"fewer than {count} stored"
            time.sleep(0.05)

    def assert_complete(self) -> None:
        """Every article stored once with one revision; nothing left pending."""
        with Session(self.engine) as session:
            urls = session.exec(select(Article.canonical_url)).all()
            revisions = session.exec(
                select(Revision.article_id, func.count())
                .group_by(col(Revision.article_id))
                .having(func.count() > 1)
            ).all()
            pending = pending_urls(session)
        expected = {f"{self.base}/news/story-{i}.html" for i in range(ARTICLES)}
        assert len(urls) == len(set(urls))  # none twice
        assert set(urls) == expected  # none lost
        assert revisions == []
        assert pending == 0


@pytest.fixture(params=[backend_param(b) for b in BACKENDS])
def fault_crawl(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    bench_site: str,
    redis_server: EmbeddedRedis,
    redis_client: redis.Redis,
) -> Iterator[FaultCrawl]:
    with fresh_database(tmp_path, request.param) as url:
        env = service_env(
            REDIS_URL=redis_server.url,
            DATABASE_URL=url,
            NEWSFEED_DATA_DIR=str(tmp_path),
            NEWSFEED_ALLOW_PRIVATE_NETWORKS="true",
            NEWSFEED_HOST_MIN_INTERVAL="0",
            NEWSFEED_LOG_FORMAT="json",
        )
        engine = create_db_engine(url)
        crawl = FaultCrawl(bench_site, env, engine, redis_client, tmp_path / "w.log")
        with crawl.workers:
            yield crawl
        engine.dispose()


def _children(pid: int) -> list[int]:
    """The pool processes of the worker whose main process is ``pid``."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()]


def test_pool_children_killed_every_second_lose_nothing(
    fault_crawl: FaultCrawl,
) -> None:
    # F1: SIGKILL a random pool child every second while the crawl runs.
    worker = fault_crawl.start_worker()
    fault_crawl.poll_feeds()
    fault_crawl.wait_for_stored(1)
    rng = random.Random(9)  # noqa: S311 - picks a victim, not a secret
    kills = 0
    deadline = time.monotonic() + 120
    while not is_drained(fault_crawl.broker, checks=4, interval=0.25):
        assert time.monotonic() < deadline, "the crawl did not finish"
        assert worker.poll() is None, "the worker itself died"
        children = _children(worker.pid)
        if children and fault_crawl.stored() < ARTICLES:
            os.kill(rng.choice(children), signal.SIGKILL)
            kills += 1
        time.sleep(1.0)
    assert kills >= 3
    fault_crawl.assert_complete()


def test_a_warm_stop_mid_crawl_hands_back_what_it_held(
    fault_crawl: FaultCrawl,
) -> None:
    # F8: SIGTERM the worker mid-crawl, then start a new one.
    worker = fault_crawl.start_worker()
    fault_crawl.poll_feeds()
    fault_crawl.wait_for_stored(ARTICLES // 4)
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=30) == 0
    # Then it held nothing back: what it had not done waits in the queues, none of
    # it in the unacknowledged set (which only the visibility timeout would free)
    assert fault_crawl.stored() < ARTICLES, "the crawl ended before the stop"
    depths = queue_depths(fault_crawl.broker)
    assert depths.pop("unacked") == 0
    assert sum(depths.values()) > 0
    # and when a new worker starts, the crawl completes
    fault_crawl.start_worker()
    wait_until_drained(fault_crawl.broker, timeout=120, process=fault_crawl.worker)
    fault_crawl.assert_complete()
