"""``newsfeed crawl``: run the whole pipeline once, until the queues drain.

Starts the broker (embedded unless ``REDIS_URL``) and a worker exactly as ``up`` does,
brings the schema up to date and seeds the crawl while the worker boots — each URL is
sniffed once: a feed is added and polled, anything else is fetched as an article page
— then shows progress until every queue and the unacked set stay empty, stops the
worker (its idle pool at once, see ``Service.stop``; warmly when interrupted) and
prints a summary from the database.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import redis

from schemas.messages import CrawlSummary
from worker.errors import ContentError, NewsfeedError
from worker.settings import get_settings

if TYPE_CHECKING:
    from worker.service import Service

PROGRESS_EVERY = 0.5  # seconds between progress updates on a terminal
PLAIN_PROGRESS_EVERY = 5.0  # … and in a log file
# Seconds between two drain checks: a check is one pipelined Redis round trip, and a
# crawl waits on average half of this after its last task before the check's looks.
DRAIN_POLL = 0.05


def run_crawl(urls: list[str], args: argparse.Namespace, *, show: bool) -> int:
    from worker.service import Service, install_stop_handlers  # noqa: PLC0415

    settings = get_settings()
    log_path = settings.data_dir.resolve() / "crawl.log"
    service = Service(settings, log_path=log_path)
    install_stop_handlers()
    started, t0 = datetime.now(UTC), time.monotonic()
    drained = False
    concurrency = args.concurrency or settings.concurrency
    try:
        redis_url = service.start_broker(appendonly=True)
        # The worker takes a second or two to import and fork its pool: it does so
        # while the schema is brought up to date and the feeds are seeded, when
        # that is safe.
        worker_first = worker_may_start_first(service, redis_url)
        if worker_first:
            service.start_worker(concurrency=concurrency)
        from worker.store.migrate import upgrade  # noqa: PLC0415 - Alembic is slow to import

        upgrade(settings.resolved_database_url())
        if not worker_first:
            service.start_worker(concurrency=concurrency)
        seeded = _seed(urls, redis_url)
        print(f"seeded {seeded}; worker log: {log_path}", file=sys.stderr)
        drained = _wait_until_drained(service, redis_url, timeout=args.timeout)
    except KeyboardInterrupt:
        print("\ninterrupted; stopping (queued work is kept)", file=sys.stderr)
    finally:
        service.stop(idle=drained)
    summary = _summary(started, time.monotonic() - t0)
    _print_summary(summary)
    if show:
        from worker.cli.articles import cmd_articles  # noqa: PLC0415

        cmd_articles(argparse.Namespace(limit=None))
    return 0


def _seed(urls: list[str], redis_url: str) -> str:
    """Add/poll feeds and enqueue pages; with no URLs, poll every enabled feed."""
    from worker.celery import app  # noqa: PLC0415
    from worker.pipeline.feeds import parse_feed  # noqa: PLC0415
    from worker.pipeline.urls import canonical_url, registrable_domain  # noqa: PLC0415
    from worker.runtime import get_runtime  # noqa: PLC0415
    from worker.store import feeds, frontier  # noqa: PLC0415
    from worker.store.frontier import PendingUrl  # noqa: PLC0415

    settings = get_settings()
    runtime = get_runtime(settings, redis_url)
    now = datetime.now(UTC)
    feed_ids: list[int] = []
    pages: list[PendingUrl] = []
    for raw in urls:
        url = canonical_url(raw)
        try:
            page = runtime.fetch(url, accept="feed")
            parse_feed(page.body, url=page.url, content_type=page.content_type)
        except ContentError:
            pages.append(
                PendingUrl(url=url, depth=0, scope_domain=registrable_domain(url))
            )
            continue
        except NewsfeedError as exc:
            print(f"newsfeed: {url}: {exc.reason.value}: {exc}", file=sys.stderr)
            continue
        with runtime.session() as session:
            feed, _ = feeds.add_feed(
                session,
                url,
                scope_domain=registrable_domain(url),
                now=now,
                interval=settings.default_poll_interval,
            )
        assert feed.id is not None
        feed_ids.append(feed.id)
    with runtime.session() as session:
        if not urls:
            feed_ids = [f.id for f in feeds.list_feeds(session) if f.enabled and f.id]
        for page_url in pages:
            frontier.ensure_pending(session, page_url, now=now)
    for feed_id in feed_ids:
        app.send_task("newsfeed.poll_feed", kwargs={"feed_id": feed_id})
    for p in pages:
        app.send_task(
            "newsfeed.fetch_article",
            kwargs={"url": p.url, "depth": 0, "scope": p.scope_domain, "force": True},
        )
    return f"{len(feed_ids)} feed(s), {len(pages)} page(s)"


def worker_may_start_first(service: Service, redis_url: str) -> bool:
    """Whether the worker may start before the schema is brought up to date.

    A task must not run against an old schema, so only when no task can reach the
    worker until this process seeds the crawl: the broker is an embedded server
    this process started (one it merely found running for the data directory may
    serve a beat or another service), and it holds no message, queued or
    unacknowledged, left from an earlier run.
    """
    from worker.service import queue_depths  # noqa: PLC0415

    if service.embedded is None or service.embedded.process is None:
        return False
    client = redis.Redis.from_url(redis_url)
    try:
        return not any(queue_depths(client).values())
    finally:
        client.close()


def _wait_until_drained(service: Service, redis_url: str, *, timeout: float) -> bool:
    """Show progress until the queues drain (True) or ``timeout`` passes (False)."""
    from worker.service import is_drained, queue_depths  # noqa: PLC0415

    client = redis.Redis.from_url(redis_url)
    tty = sys.stderr.isatty()
    every = PROGRESS_EVERY if tty else PLAIN_PROGRESS_EVERY
    t0 = last = time.monotonic()
    try:
        while time.monotonic() - t0 < timeout:
            if (problem := service.failed_child()) is not None:
                raise NewsfeedError(problem)
            if is_drained(client):
                return True
            if time.monotonic() - last >= every:
                last = time.monotonic()
                depths = queue_depths(client)
                stored, pending = _progress()
                # Queues hold messages, and a fetch message may carry a batch of URLs:
                # the URLs still to fetch are counted in the frontier.
                line = (
                    f"{last - t0:7.1f}s  stored {stored:>6}  to fetch {pending:>6}  "
                    "messages " + " ".join(f"{k} {v}" for k, v in depths.items())
                )
                print(
                    f"\r{line}   " if tty else line,
                    end="" if tty else "\n",
                    file=sys.stderr,
                )
            time.sleep(DRAIN_POLL)
        print(f"\ntimeout after {timeout:.0f}s; stopping", file=sys.stderr)
        return False
    finally:
        if tty:
            print(file=sys.stderr)
        client.close()


def _progress() -> tuple[int, int]:
    """(articles stored, URLs pending in the frontier)."""
    from worker.store import frontier, reports  # noqa: PLC0415
    from worker.store.database import get_engine, session_scope  # noqa: PLC0415

    engine = get_engine(get_settings().resolved_database_url(), for_reading=True)
    with session_scope(engine) as session:
        return reports.count_articles(session), frontier.count_pending(session)


def _summary(started: datetime, seconds: float) -> CrawlSummary:
    from worker.store import frontier, reports  # noqa: PLC0415
    from worker.store.database import get_engine, session_scope  # noqa: PLC0415

    engine = get_engine(get_settings().resolved_database_url())
    with session_scope(engine) as session:
        summary = reports.summary_since(session, started, seconds=seconds)
        pending = frontier.count_pending(session)
    if pending:
        print(
            f"{pending} URL(s) still pending (they resume on the next run)",
            file=sys.stderr,
        )
    return summary


def _print_summary(s: CrawlSummary) -> None:
    rate = s.articles_stored / s.seconds if s.seconds else 0.0
    print(
        f"feeds polled {s.feeds_polled} · articles stored {s.articles_stored} · "
        f"revisions {s.revisions} · duplicates {s.duplicates} · "
        f"related links followed {s.links_followed} · {s.seconds:.1f}s ({rate:.0f}/s)"
    )
    if s.failures:
        print(
            "failures: " + ", ".join(f"{k} {v}" for k, v in sorted(s.failures.items()))
        )
    else:
        print("failures: none")
