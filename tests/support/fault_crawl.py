"""A crawl of the generated bench site with a real worker, for fault tests.

The bench site (``bench.site``, served by ``worker.devserver`` as ``bench.crawl``
does) lists every article in a feed, and every article links others, so the
follower meets them all again. A fault test breaks something mid-crawl, lets the
crawl finish, and checks the end state with :meth:`FaultCrawl.assert_complete`.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import redis
from kombu import Connection
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from bench.site import feed_paths, generate_site
from schemas import Article, Revision
from tests.support.database import fresh_database, pending_urls
from tests.support.workers import celery_process, service_env, worker_process
from worker.app import create_app
from worker.broker import kombu_url
from worker.devserver import serve_site
from worker.pipeline.urls import registrable_domain
from worker.service import queue_depths
from worker.settings import Settings
from worker.store import feeds
from worker.store.database import create_db_engine, session_scope

ARTICLES = 1000
FEEDS = 4


@contextmanager
def bench_site(root: Path) -> Iterator[str]:
    """The bench site written under ``root`` and served; its base URL."""
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

    def start_worker(self, *, own_group: bool = False) -> subprocess.Popen[bytes]:
        """A worker on the crawl's environment; with ``own_group``, in a process
        group of its own, which a test may kill whole (its pid is the group's id)."""
        self.worker = self.workers.enter_context(
            worker_process(self.env, self.log, own_group=own_group)
        )
        return self.worker

    def start_beat(self) -> subprocess.Popen[bytes]:
        args = ["beat", "--loglevel", "INFO"]
        return self.workers.enter_context(celery_process(args, self.env, self.log))

    def wait_until_ready(self, workers: int, timeout: float = 30.0) -> None:
        """Until the log shows ``workers`` workers ready (consuming) in all."""
        deadline = time.monotonic() + timeout
        while self.log.read_bytes().count(b" ready.") < workers:
            assert time.monotonic() < deadline, f"fewer than {workers} workers ready"
            time.sleep(0.05)

    def sweep_now(self) -> None:
        """Send the sweep as if every pending URL were past ``STALE_AFTER`` (10.5
        minutes), which a test cannot wait for; it is done once the broker drains."""
        app = create_app(Settings(redis_url=self.env["REDIS_URL"]))
        app.send_task(
            "newsfeed.sweep_pending_urls", kwargs={"older_than_seconds": 0.001}
        )

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

    def wait_until_only_unacked(self, timeout: float = 60.0) -> None:
        """Until the queues are empty and nothing has been stored for 2 s: what is
        left is in the unacknowledged set."""
        deadline = time.monotonic() + timeout
        last, since = -1, time.monotonic()
        while True:
            depths = queue_depths(self.broker)
            depths.pop("unacked")
            stored = self.stored()
            if stored != last:
                last, since = stored, time.monotonic()
            elif not any(depths.values()) and time.monotonic() - since >= 2.0:
                return
            assert time.monotonic() < deadline, f"the crawl did not settle: {depths}"
            time.sleep(0.25)

    def restore_unacked_now(self) -> None:
        """What a live worker's restore sweep (kombu's ``restore_visible``) does once
        the visibility timeout (30 minutes by default) has passed: a test cannot wait
        that long, so it runs the same kombu code with a timeout of 0."""
        options = {"visibility_timeout": 0}
        url = kombu_url(self.env["REDIS_URL"])
        with Connection(url, transport_options=options) as connection:
            channel: Any = connection.default_channel  # kombu's Redis channel
            channel.qos.restore_visible(num=1000)

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


@contextmanager
def fault_crawl(
    tmp_path: Path, backend: str, base: str, redis_url: str
) -> Iterator[FaultCrawl]:
    """A fresh database and the environment of a worker on ``redis_url``; the
    workers a test starts are stopped on the way out."""
    with fresh_database(tmp_path, backend) as url:
        env = service_env(
            REDIS_URL=redis_url,
            DATABASE_URL=url,
            NEWSFEED_DATA_DIR=str(tmp_path),
            NEWSFEED_ALLOW_PRIVATE_NETWORKS="true",
            NEWSFEED_HOST_MIN_INTERVAL="0",
            NEWSFEED_LOG_FORMAT="json",
        )
        engine = create_db_engine(url)
        broker = redis.Redis.from_url(redis_url)
        crawl = FaultCrawl(base, env, engine, broker, tmp_path / "worker.log")
        try:
            with crawl.workers:
                yield crawl
        finally:
            broker.close()
            engine.dispose()
