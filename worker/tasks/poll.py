"""poll_feed: fetch one source with conditional GET and enqueue its unseen entries.

Stage 2. A 304, or a body identical to the last one (servers lie about validators),
costs one request and nothing else. The pure parts: ``pipeline.sources`` (what the
document is and which entries to take), ``pipeline.activity`` (the publishing
window), ``pipeline.schedule`` (when to come back, and why) and
``pipeline.feed_health`` (when to give up on a feed); ``poll_outcome.py`` applies them
to the feed row. Failures push the next poll back with backoff instead of retrying
inside the broker (a feed is polled again anyway); permanent ones disable the feed
past a threshold. A 301/308 moves the stored feed URL; a sitemap index registers its
recent child sitemaps as feeds of their own.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

from celery import shared_task
from sqlmodel import Session

from schemas import Feed
from schemas.enums import FailureReason, FeedKind, FetchStatus, Stage
from schemas.messages import ParsedFeed
from worker.logs import get_logger
from worker.net.fetcher import FetchResult
from worker.pipeline.sources import choose_children, fresh_entries, parse_source
from worker.pipeline.urls import canonical_url
from worker.settings import Settings
from worker.store import attempts, feeds, frontier
from worker.store.attempts import AttemptRecord
from worker.store.frontier import PendingUrl
from worker.tasks.base import Failure, NewsfeedTask, Subject
from worker.tasks.enqueue import enqueue_fetches
from worker.tasks.poll_outcome import as_duplicate, failure_outcome, success_outcome

log = get_logger(__name__)

# Sitemap indexes nested deeper than this under a feed added by hand are not followed.
MAX_INDEX_DEPTH = 2


class PollTask(NewsfeedTask):
    stage = Stage.POLL
    # A failed poll is retried by the schedule (with backoff), not by the broker.
    max_retries = 0

    def subject(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Subject:
        feed_id = kwargs.get("feed_id", args[0] if args else None)
        return Subject(feed_id=int(feed_id) if feed_id is not None else None)

    def give_up(self, subject: Subject, failure: Failure, started: datetime) -> None:
        if subject.feed_id is None:
            return
        now, settings = datetime.now(UTC), self.runtime.settings
        with self.runtime.session() as session:
            feed = feeds.get_feed(session, subject.feed_id)
            if feed is None:
                return
            outcome = failure_outcome(settings, feed, failure, now=now)
            feeds.record_poll(session, feed, outcome, now=now)
            _record(session, self, feed, failure.status.value, started, failure=failure)
        if outcome.disabled_reason:
            log.warning(
                "feed_disabled", feed_id=feed.id, reason=outcome.disabled_reason
            )
        if failure.reason == FailureReason.WORKER_LOST.value:
            # A poll is never retried, so no second delivery will send what the
            # killed run committed and did not send (its feed's new entries); send
            # the feed's pending entries now, rather than after the sweep's minutes.
            # Claims skip those it did send.
            with self.runtime.reading() as session:
                left = frontier.pending_of_feed(session, subject.feed_id)
            enqueue_fetches(self.runtime, left)


@shared_task(base=PollTask, bind=True, name="newsfeed.poll_feed")
def poll_feed(self: PollTask, feed_id: int, force: bool = False) -> dict[str, Any]:
    """Poll one feed; ``force`` skips conditional GET and re-fetches every entry."""
    runtime, started = self.runtime, datetime.now(UTC)
    settings = runtime.settings
    with runtime.session() as session:
        feed = feeds.get_feed(session, feed_id)
    if feed is None or not (feed.enabled or force):
        log.info("feed_skipped", reason="missing" if feed is None else "disabled")
        return {"status": "skipped"}
    page = runtime.fetch(
        feed.url,
        accept="feed",
        headers={} if force else _validators(feed),
        max_bytes=settings.max_sitemap_bytes,
    )
    body_hash = hashlib.sha256(page.body).hexdigest() if page.body else None
    unchanged = page.status == HTTPStatus.NOT_MODIFIED or (
        not force and body_hash == feed.content_hash
    )
    parsed = None if unchanged else _parse(page, feed, settings, started)
    pending = _entries(parsed, feed) if parsed else []
    with runtime.session() as session:
        feed = feeds.get_feed(session, feed_id) or feed
        moved_to = _follow_move(session, feed, page)
        children = _register_children(session, feed, parsed, settings, started)
        if force:
            for url in pending:
                frontier.ensure_pending(session, url, now=started)
            new = pending
        else:
            new = frontier.add_pending(session, pending, now=started)
        status = FetchStatus.NOT_MODIFIED if unchanged else FetchStatus.POLLED
        outcome = success_outcome(
            settings, feed, page, parsed, status, started, body_hash, len(new)
        )
        if moved_to is not None:
            outcome = as_duplicate(outcome, moved_to)
        feeds.record_poll(session, feed, outcome, now=started)
        _record(session, self, feed, status.value, started, size=page.bytes_read)
    sent = enqueue_fetches(runtime, new, reclaim=force, force=force)
    if self.is_second_delivery() and not force:
        # A run before this one may have committed the entries and died before
        # sending them; this run then finds them pending, not new, or gets a 304.
        # Send the feed's pending entries again: claims skip those already sent.
        with runtime.reading() as session:
            left = frontier.pending_of_feed(session, feed_id)
        sent += enqueue_fetches(runtime, left)
    log.info(
        "feed_polled",
        outcome=status.value,
        kind=outcome.kind,
        entries=len(parsed.entries) if parsed else 0,
        new_entries=len(new),
        enqueued=sent,
        child_sitemaps=children,
        next_poll_in=outcome.interval_seconds,
        interval_reason=outcome.interval_reason,
        problems=list(outcome.problems),
        encoding=parsed.encoding if parsed else None,
    )
    return {"status": status.value, "new_entries": len(new), "enqueued": sent}


def _parse(
    page: FetchResult, feed: Feed, settings: Settings, now: datetime
) -> ParsedFeed:
    parsed = parse_source(
        page.body,
        url=page.url,
        content_type=page.headers.get("Content-Type"),
        content_location=page.headers.get("Content-Location"),
        known_kind=FeedKind(feed.kind),
        max_decompressed_bytes=settings.max_sitemap_bytes,
    )
    return fresh_entries(
        parsed,
        now=now,
        news_max_age=settings.news_sitemap_max_age,
        max_age=settings.sitemap_max_age,
    )


def _follow_move(session: Session, feed: Feed, page: FetchResult) -> Feed | None:
    """After a 301/308 chain, store the final URL; returns the feed that already had
    it, if any (this one is then a duplicate)."""
    if not page.moved_permanently:
        return None
    try:
        new_url = canonical_url(page.url)
    except ValueError:
        return None
    if new_url == feed.url:
        return None
    old_url = feed.url
    other = feeds.move_feed(session, feed, new_url)
    log.info(
        "feed_moved", old_url=old_url, new_url=new_url, duplicate_of=other and other.id
    )
    return other


def _register_children(
    session: Session,
    feed: Feed,
    parsed: ParsedFeed | None,
    settings: Settings,
    now: datetime,
) -> int:
    if parsed is None or parsed.kind != FeedKind.SITEMAP_INDEX:
        return 0
    if feeds.ancestry(session, feed) >= MAX_INDEX_DEPTH:
        log.warning("sitemap_index_too_deep", feed_id=feed.id)
        return 0
    urls = []
    for url in choose_children(
        parsed,
        now=now,
        max_age=settings.sitemap_max_age,
        budget=settings.sitemap_index_budget,
    ):
        try:
            urls.append(canonical_url(url))
        except ValueError:
            continue
    return feeds.add_children(
        session, feed, urls, now=now, interval=settings.default_poll_interval
    )


def _record(
    session: Session,
    task: PollTask,
    feed: Feed,
    status: str,
    started: datetime,
    *,
    failure: Failure | None = None,
    size: int = 0,
) -> None:
    attempts.record_attempt(
        session,
        AttemptRecord(
            task_id=str(task.request.id or "eager"),
            stage=Stage.POLL.value,
            url=feed.url,
            status=status,
            reason=failure.reason if failure else None,
            detail=failure.detail if failure else None,
            http_status=failure.http_status if failure else None,
            feed_id=feed.id,
            bytes_read=size,
            started_at=started,
            finished_at=datetime.now(UTC),
        ),
    )


def _validators(feed: Feed) -> dict[str, str]:
    headers = {}
    if feed.etag:
        headers["If-None-Match"] = feed.etag
    if feed.last_modified:
        headers["If-Modified-Since"] = feed.last_modified
    return headers


def _entries(parsed: ParsedFeed, feed: Feed) -> list[PendingUrl]:
    pending = []
    for entry in parsed.entries:
        try:
            url = canonical_url(entry.url)
        except ValueError:
            continue
        pending.append(
            PendingUrl(
                url=url, depth=0, scope_domain=feed.scope_domain, feed_id=feed.id
            )
        )
    return pending
