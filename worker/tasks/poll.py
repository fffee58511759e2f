"""poll_feed: fetch one feed with conditional GET and enqueue its unseen entries.

Stage 2. A 304, or a body identical to the last one (servers lie about validators),
costs one request and nothing else. The pure parts are ``pipeline.feeds.parse_feed``
and ``pipeline.schedule.next_poll_after``; failures push the next poll back with
backoff instead of retrying inside the broker (a feed is polled again anyway).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

from celery import shared_task

from schemas import Feed
from schemas.enums import FetchStatus, Stage
from schemas.messages import ParsedFeed
from worker.logs import get_logger
from worker.net.fetcher import FetchResult
from worker.pipeline.feeds import parse_feed
from worker.pipeline.schedule import next_poll_after
from worker.pipeline.urls import canonical_url
from worker.settings import Settings
from worker.store import attempts, feeds, frontier
from worker.store.attempts import AttemptRecord
from worker.store.feeds import PollOutcome
from worker.store.frontier import PendingUrl
from worker.tasks.base import Failure, NewsfeedTask, Subject
from worker.tasks.enqueue import enqueue_fetches

log = get_logger(__name__)


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
            when, interval, why = _next_poll(
                settings,
                now,
                error_streak=feed.error_streak + 1,
                retry_after=failure.retry_after,
            )
            outcome = PollOutcome(
                status=failure.status.value,
                reason=failure.reason,
                http_status=failure.http_status,
                next_poll_at=when,
                interval_seconds=interval,
                interval_reason=why,
                failed=True,
            )
            feeds.record_poll(session, feed, outcome, now=now)
            _record(session, self, feed, failure.status.value, started, failure=failure)


def _next_poll(
    settings: Settings,
    now: datetime,
    *,
    ttl_minutes: int | None = None,
    retry_after: float | None = None,
    error_streak: int = 0,
) -> tuple[datetime, int, str]:
    return next_poll_after(
        now=now,
        interval_seconds=settings.default_poll_interval,
        min_interval=settings.min_poll_interval,
        max_interval=settings.max_poll_interval,
        ttl_minutes=ttl_minutes,
        retry_after=retry_after,
        error_streak=error_streak,
    )


def _record(
    session: Any,
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


@shared_task(base=PollTask, bind=True, name="newsfeed.poll_feed")
def poll_feed(self: PollTask, feed_id: int, force: bool = False) -> dict[str, Any]:
    """Poll one feed; ``force`` skips conditional GET and re-fetches every entry."""
    runtime, started = self.runtime, datetime.now(UTC)
    with runtime.session() as session:
        feed = feeds.get_feed(session, feed_id)
    if feed is None or not (feed.enabled or force):
        log.info("feed_skipped", reason="missing" if feed is None else "disabled")
        return {"status": "skipped"}
    page = runtime.fetch(
        feed.url,
        accept="feed",
        headers={} if force else _validators(feed),
        max_bytes=runtime.settings.max_sitemap_bytes,
    )
    body_hash = hashlib.sha256(page.body).hexdigest() if page.body else None
    unchanged = page.status == HTTPStatus.NOT_MODIFIED or (
        not force and body_hash == feed.content_hash
    )
    parsed = (
        None
        if unchanged
        else parse_feed(page.body, url=page.url, content_type=page.content_type)
    )
    pending = _entries(parsed, feed) if parsed else []
    when, interval, why = _next_poll(
        runtime.settings,
        started,
        ttl_minutes=parsed.ttl_minutes if parsed else None,
    )
    with runtime.session() as session:
        feed = feeds.get_feed(session, feed_id) or feed
        if force:
            for url in pending:
                frontier.ensure_pending(session, url, now=started)
            new = pending
        else:
            new = frontier.add_pending(session, pending, now=started)
        status = FetchStatus.NOT_MODIFIED if unchanged else FetchStatus.POLLED
        feeds.record_poll(
            session,
            feed,
            _outcome(page, parsed, status, when, interval, why, body_hash, len(new)),
            now=started,
        )
        _record(session, self, feed, status.value, started, size=page.bytes_read)
    sent = enqueue_fetches(runtime, new, reclaim=force, force=force)
    log.info(
        "feed_polled",
        outcome=status.value,
        entries=len(parsed.entries) if parsed else 0,
        new_entries=len(new),
        enqueued=sent,
        next_poll_in=interval,
        problems=list(parsed.problems) if parsed else [],
    )
    return {"status": status.value, "new_entries": len(new), "enqueued": sent}


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


def _outcome(
    page: FetchResult,
    parsed: ParsedFeed | None,
    status: FetchStatus,
    when: datetime,
    interval: int,
    why: str,
    body_hash: str | None,
    new_entries: int,
) -> PollOutcome:
    return PollOutcome(
        status=status.value,
        http_status=page.status,
        next_poll_at=when,
        interval_seconds=interval,
        interval_reason=why,
        kind=parsed.kind.value if parsed else None,
        title=parsed.title if parsed else None,
        etag=page.headers.get("ETag")
        if page.status != HTTPStatus.NOT_MODIFIED
        else None,
        last_modified=page.headers.get("Last-Modified")
        if page.status != HTTPStatus.NOT_MODIFIED
        else None,
        content_hash=body_hash,
        new_entries=new_entries,
    )
