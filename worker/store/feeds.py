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
    """The feed for ``url``, created due now if new; True when it was created.

    A disabled feed added again is re-enabled and due now."""
    inserted = insert_ignore(
        session,
        Feed,
        [_new_row(url, scope_domain, now=now, interval=interval)],
        conflict_columns=("url_hash",),
        returning=("id",),
    )
    feed = find_by_url(session, url)
    if feed is None:  # pragma: no cover - the insert or the conflict guarantees a row
        raise LookupError(url)
    if not inserted and not feed.enabled:
        # Adding a disabled feed again is how an operator brings it back.
        feed.enabled, feed.disabled_reason = True, None
        feed.error_streak = feed.permanent_error_streak = 0
        feed.next_poll_at = now
        session.add(feed)
    return feed, bool(inserted)


def _new_row(
    url: str,
    scope_domain: str,
    *,
    now: datetime,
    interval: int,
    reason: str = "default interval",
    parent_id: int | None = None,
) -> dict[str, object]:
    """A feed row due now, of unknown kind until its first poll."""
    return {
        "url": url,
        "url_hash": url_hash(url),
        "parent_id": parent_id,
        "scope_domain": scope_domain,
        "kind": FeedKind.UNKNOWN.value,
        "enabled": True,
        "poll_interval_seconds": interval,
        "interval_reason": reason,
        "next_poll_at": now,
        "error_streak": 0,
        "permanent_error_streak": 0,
        "entries_seen": 0,
        "stale": False,
        "created_at": now,
    }


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
    """What a poll (or its failure) changes on the feed row; the task decides it."""

    status: str
    next_poll_at: datetime
    interval_seconds: int
    interval_reason: str
    error_streak: int = 0
    permanent_error_streak: int = 0
    http_status: int | None = None
    reason: str | None = None
    kind: str | None = None
    title: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    new_entries: int = 0
    problems: tuple[str, ...] = ()
    disabled_reason: str | None = None  # set: the feed is disabled
    # Activity, set only by a poll that reached the feed (200 or 304)
    poll_history: str | None = None
    usual_gap_seconds: float | None = None
    last_new_entry_at: datetime | None = None
    stale: bool | None = None


def record_poll(
    session: Session, feed: Feed, outcome: PollOutcome, *, now: datetime
) -> None:
    feed.last_polled_at = now
    feed.last_status = outcome.status
    feed.last_reason = outcome.reason
    feed.last_http_status = outcome.http_status
    feed.next_poll_at = outcome.next_poll_at
    feed.poll_interval_seconds = outcome.interval_seconds
    feed.interval_reason = outcome.interval_reason[:128]
    feed.poll_enqueued_at = None
    feed.error_streak = outcome.error_streak
    feed.permanent_error_streak = outcome.permanent_error_streak
    feed.entries_seen += outcome.new_entries
    feed.last_problems = "; ".join(outcome.problems)[:2000] or None
    if outcome.disabled_reason:
        feed.enabled = False
        feed.disabled_reason = outcome.disabled_reason[:64]
    if outcome.kind:
        feed.kind = outcome.kind
    if outcome.title:
        feed.title = outcome.title
    if outcome.etag is not None or outcome.last_modified is not None:
        feed.etag = outcome.etag
        feed.last_modified = outcome.last_modified
    if outcome.content_hash:
        feed.content_hash = outcome.content_hash
    if outcome.poll_history is not None:
        feed.poll_history = outcome.poll_history
        feed.usual_gap_seconds = outcome.usual_gap_seconds
        feed.last_new_entry_at = outcome.last_new_entry_at
    if outcome.stale is not None:
        feed.stale = outcome.stale
    session.add(feed)


def move_feed(session: Session, feed: Feed, new_url: str) -> Feed | None:
    """Point ``feed`` at ``new_url`` after a permanent redirect.

    Returns the other feed already registered at ``new_url``, if any; then this one is
    left where it is (the caller disables it as a duplicate).
    """
    other = find_by_url(session, new_url)
    if other is not None and other.id != feed.id:
        return other
    feed.url = new_url
    feed.url_hash = url_hash(new_url)
    # The validators belonged to the old URL's responses.
    feed.etag = feed.last_modified = feed.content_hash = None
    session.add(feed)
    return None


def add_children(
    session: Session,
    parent: Feed,
    urls: list[str],
    *,
    now: datetime,
    interval: int,
) -> int:
    """Register the sitemaps a sitemap index lists as feeds of their own, due now.

    Idempotent: a child already registered (by this index or by hand) is left alone.
    Returns how many were new.
    """
    rows = [
        _new_row(
            url,
            parent.scope_domain,
            now=now,
            interval=interval,
            reason="listed by a sitemap index",
            parent_id=parent.id,
        )
        for url in dict.fromkeys(urls)
    ]
    if not rows:
        return 0
    return len(
        insert_ignore(
            session, Feed, rows, conflict_columns=("url_hash",), returning=("id",)
        )
    )


def ancestry(session: Session, feed: Feed, *, limit: int = 8) -> int:
    """How many sitemap indexes lie above ``feed`` (0 for a feed added by hand)."""
    depth, parent_id, seen = 0, feed.parent_id, {feed.id}
    while parent_id is not None and parent_id not in seen and depth < limit:
        seen.add(parent_id)
        depth += 1
        parent_id = session.exec(
            select(Feed.parent_id).where(col(Feed.id) == parent_id)
        ).first()
    return depth
