"""FetchAttempt: one row per (task, stage, URL), whatever the outcome.

A redelivered or retried Celery task keeps its task id, so it updates its own row
(``tries`` counts executions) instead of adding another.
"""

from datetime import datetime

from sqlalchemy import Column, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from schemas.base import URL_HASH_LENGTH, UtcDateTime


class FetchAttempt(SQLModel, table=True):
    __tablename__ = "fetch_attempts"
    __table_args__ = (
        UniqueConstraint("task_id", "stage", "url_hash"),
        Index("ix_fetch_attempts_url_hash", "url_hash"),
        Index("ix_fetch_attempts_reason", "reason"),
    )

    id: int | None = Field(default=None, primary_key=True)
    task_id: str = Field(max_length=64)
    stage: str = Field(max_length=16)  # Stage
    url: str = Field(sa_column=Column(Text, nullable=False))
    url_hash: str = Field(sa_column=Column(String(URL_HASH_LENGTH), nullable=False))
    feed_id: int | None = None
    article_id: int | None = None
    status: str = Field(max_length=16)  # FetchStatus
    reason: str | None = Field(default=None, max_length=64)  # FailureReason
    detail: str | None = Field(default=None, sa_column=Column(Text))
    http_status: int | None = None
    bytes_read: int = 0
    duration_ms: int = 0
    tries: int = 1
    started_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))
    finished_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))
