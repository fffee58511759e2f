"""Feed rows: add, list, pick the due ones, record each poll's outcome."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from schemas import Feed
from schemas.base import url_hash
from schemas.enums import FeedKind
from worker.store.database import insert_ignore


def add_feed(
    session: Session, url: str, *, scope_domain: str, now: datetime, interval: int
) -> tuple[Feed, bool]:
    """The feed for ``url``, created due now if new; True when it was created."""
    inserted = insert_ignore(
        session,
        Feed,
        [
            {
                "url": url,
                "url_hash": url_hash(url),
                "scope_domain": scope_domain,
                "kind": FeedKind.UNKNOWN.value,
                "enabled": True,
                "poll_interval_seconds": interval,
                "interval_reason": "default interval",
                "next_poll_at": now,
                "error_streak": 0,
                "entries_seen": 0,
                "created_at": now,
            }
        ],
        conflict_columns=("url_hash",),
        returning=("id",),
    )
    feed = find_by_url(session, url)
    if feed is None:  # pragma: no cover - the insert or the conflict guarantees a row
        raise LookupError(url)
    return feed, bool(inserted)


def find_by_url(session: Session, url: str) -> Feed | None:
    return session.exec(select(Feed).where(col(Feed.url_hash) == url_hash(url))).first()


def get_feed(session: Session, feed_id: int) -> Feed | None:
    return session.get(Feed, feed_id)


def list_feeds(session: Session) -> list[Feed]:
    return list(session.exec(select(Feed).order_by(col(Feed.id))))


def claim_due_feeds(
    session: Session, *, now: datetime, limit: int, lease: timedelta
) -> list[int]:
    """Ids of enabled feeds whose time has come, oldest first; each is pushed
    ``lease`` into the future so the next tick does not enqueue it again while its
    poll is pending (the poll sets the real next time)."""
    query = (
        select(Feed.id)
        .where(col(Feed.enabled), col(Feed.next_poll_at) <= now)
        .order_by(col(Feed.next_poll_at))
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = [i for i in session.exec(query) if i is not None]
    if ids:
        session.execute(
            update(Feed)
            .where(col(Feed.id).in_(ids))
            .values(poll_enqueued_at=now, next_poll_at=now + lease)
        )
    return ids


@dataclass(frozen=True)
class PollOutcome:
    status: str
    next_poll_at: datetime
    interval_seconds: int
    interval_reason: str
    http_status: int | None = None
    reason: str | None = None
    kind: str | None = None
    title: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    new_entries: int = 0
    failed: bool = False


def record_poll(
    session: Session, feed: Feed, outcome: PollOutcome, *, now: datetime
) -> None:
    feed.last_polled_at = now
    feed.last_status = outcome.status
    feed.last_reason = outcome.reason
    feed.last_http_status = outcome.http_status
    feed.next_poll_at = outcome.next_poll_at
    feed.poll_interval_seconds = outcome.interval_seconds
    feed.interval_reason = outcome.interval_reason
    feed.poll_enqueued_at = None
    feed.error_streak = feed.error_streak + 1 if outcome.failed else 0
    feed.entries_seen += outcome.new_entries
    if outcome.kind:
        feed.kind = outcome.kind
    if outcome.title:
        feed.title = outcome.title
    if outcome.etag is not None or outcome.last_modified is not None:
        feed.etag = outcome.etag
        feed.last_modified = outcome.last_modified
    if outcome.content_hash:
        feed.content_hash = outcome.content_hash
    session.add(feed)
