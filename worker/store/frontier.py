"""The crawl frontier in the database: which URLs are pending, done or failed.

A URL enters as ``pending`` in the same transaction as the decision to fetch it (a feed
poll or a follow), before its message is sent. The insert is ``ON CONFLICT DO NOTHING``
on the URL hash, so only the first discoverer gets the row back and enqueues it; a URL
seen before is never enqueued again except by ``recrawl`` or the sweep.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from schemas import CrawlUrl
from schemas.base import url_hash
from schemas.enums import UrlState
from worker.store.database import insert_ignore


@dataclass(frozen=True)
class PendingUrl:
    """A URL to enqueue, with what its fetch needs to know."""

    url: str
    depth: int
    scope_domain: str
    feed_id: int | None = None
    via_article_id: int | None = None

    @property
    def url_hash(self) -> str:
        return url_hash(self.url)


_TABLE = CrawlUrl.__table__  # type: ignore[attr-defined]
# The SET clause comes from the parameters' column names at execution.
_FINISH = update(_TABLE).where(_TABLE.c.url_hash == bindparam("key"))
_KNOWN = sa_select(_TABLE.c.url_hash).where(
    _TABLE.c.url_hash.in_(bindparam("hashes", expanding=True))
)
_KNOWN_CHUNK = 500


def add_pending(
    session: Session, urls: Sequence[PendingUrl], *, now: datetime
) -> list[PendingUrl]:
    """Insert the URLs not seen before; return exactly those, in the order given, for
    the caller to send.

    Most URLs a page or a re-polled feed links to are known already. On SQLite, one
    look-up of their hashes (always through the unique index) spares the insert's
    per-row parameter processing for those; a frontier row is never deleted, so a
    URL known now would conflict anyway. Not on PostgreSQL: once psycopg prepares
    the look-up, its generic plan on a table autovacuum has not analysed yet is a
    sequential scan (re-adding 50,000 URLs after a bulk load took 55 s against 6 s),
    while ``ON CONFLICT`` always goes through the unique index. Either way the
    insert's ``ON CONFLICT DO NOTHING`` decides between racing discoverers.
    """
    unique: dict[str, PendingUrl] = {}
    for u in urls:
        unique.setdefault(u.url_hash, u)  # the first occurrence, in the given order
    is_sqlite = session.get_bind().dialect.name == "sqlite"
    known = known_hashes(session, list(unique)) if is_sqlite else set()
    rows = [
        {
            "url": u.url,
            "url_hash": key,
            "state": UrlState.PENDING.value,
            "depth": u.depth,
            "scope_domain": u.scope_domain,
            "feed_id": u.feed_id,
            "via_article_id": u.via_article_id,
            "pending_since": now,
            "enqueue_count": 1,
            "created_at": now,
            "updated_at": now,
        }
        for key, u in unique.items()
        if key not in known
    ]
    inserted = insert_ignore(
        session, CrawlUrl, rows, conflict_columns=("url_hash",), returning=("url_hash",)
    )
    new = {row[0] for row in inserted}
    return [u for key, u in unique.items() if key in new]


def ensure_pending(session: Session, url: PendingUrl, *, now: datetime) -> None:
    """Mark a URL pending whatever its state (recrawl, a direct crawl of a seed)."""
    if add_pending(session, [url], now=now):
        return
    session.execute(
        update(CrawlUrl)
        .where(col(CrawlUrl.url_hash) == url.url_hash)
        .values(
            state=UrlState.PENDING.value,
            pending_since=now,
            updated_at=now,
            enqueue_count=CrawlUrl.enqueue_count + 1,
        )
    )


def known_hashes(session: Session, hashes: Sequence[str]) -> set[str]:
    """Those of ``hashes`` that have a frontier row, in whatever state."""
    found: set[str] = set()
    connection = session.connection()
    # In chunks: SQLite caps a statement's parameters (32,766; 999 before 3.32) and
    # a sitemap brings 50,000 URLs.
    for start in range(0, len(hashes), _KNOWN_CHUNK):
        chunk = list(hashes[start : start + _KNOWN_CHUNK])
        found.update(row[0] for row in connection.execute(_KNOWN, {"hashes": chunk}))
    return found


def pending_hashes(session: Session, hashes: Sequence[str]) -> set[str]:
    """Those of ``hashes`` whose URL is still pending (not fetched, not failed)."""
    if not hashes:
        return set()
    rows = session.execute(
        sa_select(_TABLE.c.url_hash).where(
            _TABLE.c.url_hash.in_(list(hashes)),
            _TABLE.c.state == UrlState.PENDING.value,
        )
    )
    return {row[0] for row in rows}


def pending_of_feed(session: Session, feed_id: int) -> list[PendingUrl]:
    """The feed's entries still pending, as the poll that found them wrote them."""
    rows = session.execute(
        sa_select(_TABLE.c.url, _TABLE.c.depth, _TABLE.c.scope_domain).where(
            _TABLE.c.feed_id == feed_id,
            _TABLE.c.state == UrlState.PENDING.value,
        )
    )
    return [
        PendingUrl(url=url, depth=depth, scope_domain=scope, feed_id=feed_id)
        for url, depth, scope in rows
    ]


def get(session: Session, url: str) -> CrawlUrl | None:
    return session.exec(
        select(CrawlUrl).where(col(CrawlUrl.url_hash) == url_hash(url))
    ).first()


def finish(
    session: Session,
    url: str,
    *,
    now: datetime,
    state: UrlState,
    article_id: int | None = None,
    reason: str | None = None,
) -> None:
    """Record that a URL is done (with its article) or failed (with its reason)."""
    # A Core UPDATE on the table: the ORM form would also evaluate the criteria
    # against the session's identity map, which holds no frontier rows here.
    session.connection().execute(
        _FINISH,
        {
            "key": url_hash(url),
            "state": state.value,
            "pending_since": None,
            "article_id": article_id,
            "last_reason": reason,
            "updated_at": now,
        },
    )


def take_stale(
    session: Session, *, now: datetime, older_than: timedelta, limit: int
) -> list[CrawlUrl]:
    """Pending URLs whose message is presumed lost; their clock restarts at ``now``."""
    rows = list(
        session.exec(
            select(CrawlUrl)
            .where(
                col(CrawlUrl.state) == UrlState.PENDING.value,
                col(CrawlUrl.pending_since) < now - older_than,
            )
            .order_by(col(CrawlUrl.pending_since))
            .limit(limit)
        )
    )
    for row in rows:
        row.pending_since = now
        row.enqueue_count += 1
        row.updated_at = now
        session.add(row)
    return rows


def count_pending(session: Session) -> int:
    """URLs waiting to be fetched (through the state index, not a table scan)."""
    query = sa_select(func.count()).where(col(CrawlUrl.state) == UrlState.PENDING.value)
    return int(session.execute(query).scalar_one())
