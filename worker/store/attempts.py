"""FetchAttempt rows: what happened to each (task, stage, URL), with its reason.

One row per key: a retried or redelivered task updates its own row and counts ``tries``,
so at-least-once delivery never adds a second row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from schemas import FetchAttempt
from schemas.base import url_hash
from worker.store.database import insert_ignore


@dataclass(frozen=True)
class AttemptRecord:
    task_id: str
    stage: str
    url: str
    status: str
    started_at: datetime
    finished_at: datetime
    reason: str | None = None
    detail: str | None = None
    http_status: int | None = None
    feed_id: int | None = None
    article_id: int | None = None
    bytes_read: int = 0
    duration_ms: int = 0


def record_attempt(session: Session, record: AttemptRecord) -> None:
    """Insert or update the attempt row for (task_id, stage, url)."""
    key = url_hash(record.url)
    values = {
        "task_id": record.task_id,
        "stage": record.stage,
        "url": record.url,
        "url_hash": key,
        "status": record.status,
        "reason": record.reason,
        "detail": (record.detail or "")[:2000] or None,
        "http_status": record.http_status,
        "feed_id": record.feed_id,
        "article_id": record.article_id,
        "bytes_read": record.bytes_read,
        "duration_ms": record.duration_ms,
        "started_at": record.started_at,
        "finished_at": record.finished_at,
    }
    inserted = insert_ignore(
        session,
        FetchAttempt,
        [values],
        conflict_columns=("task_id", "stage", "url_hash"),
        returning=("id",),
    )
    if inserted:
        return
    row = session.exec(
        select(FetchAttempt).where(
            col(FetchAttempt.task_id) == record.task_id,
            col(FetchAttempt.stage) == record.stage,
            col(FetchAttempt.url_hash) == key,
        )
    ).one()
    for name, value in values.items():
        setattr(row, name, value)
    row.tries += 1
    session.add(row)


def failures_by_reason(
    session: Session, *, since: datetime | None = None
) -> dict[str, int]:
    query = (
        sa_select(col(FetchAttempt.reason), func.count())
        .where(col(FetchAttempt.reason).is_not(None))
        .group_by(col(FetchAttempt.reason))
    )
    if since is not None:
        query = query.where(col(FetchAttempt.finished_at) >= since)
    return {str(reason): int(n) for reason, n in session.execute(query).all()}
