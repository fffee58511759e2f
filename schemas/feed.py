"""The Feed table: one row per polled source (RSS, Atom, sitemap, listing page)."""

from datetime import datetime

from sqlalchemy import Column, Float, ForeignKey, Index, Integer, String, Text
from sqlmodel import Field, SQLModel

from schemas.base import URL_HASH_LENGTH, UtcDateTime
from schemas.enums import FeedKind


class Feed(SQLModel, table=True):
    __tablename__ = "feeds"
    __table_args__ = (
        # schedule_due_feeds: WHERE enabled AND next_poll_at <= now, oldest first
        Index("ix_feeds_due", "enabled", "next_poll_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # A sitemap found in a sitemap index is a feed of its own, polled on its own
    # schedule with its own conditional GET; it remembers the index that listed it.
    parent_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("feeds.id", ondelete="SET NULL"), index=True
        ),
    )
    url: str = Field(sa_column=Column(Text, nullable=False))
    url_hash: str = Field(
        sa_column=Column(String(URL_HASH_LENGTH), nullable=False, unique=True)
    )
    scope_domain: str = Field(max_length=255)  # registrable domain links must stay in
    kind: str = Field(default=FeedKind.UNKNOWN, max_length=32)
    title: str | None = Field(default=None, sa_column=Column(Text))
    enabled: bool = True
    disabled_reason: str | None = Field(default=None, max_length=64)

    # Conditional GET state (RFC 9110 §13.1)
    etag: str | None = Field(default=None, sa_column=Column(Text))
    last_modified: str | None = Field(default=None, max_length=64)
    content_hash: str | None = Field(default=None, max_length=64)

    # Scheduling
    poll_interval_seconds: int = 900
    interval_reason: str | None = Field(default=None, max_length=128)
    next_poll_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))
    poll_enqueued_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime)
    )

    # Last outcome
    last_polled_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime))
    last_status: str | None = Field(default=None, max_length=32)
    last_reason: str | None = Field(default=None, max_length=64)
    last_http_status: int | None = None
    error_streak: int = 0
    # Consecutive permanent failures (404, 410, not a feed, unparseable): past the
    # threshold in settings the feed is disabled with the reason.
    permanent_error_streak: int = 0
    entries_seen: int = 0
    last_problems: str | None = Field(default=None, sa_column=Column(Text))

    # Publishing activity (worker.pipeline.activity): the poll window as JSON
    # [[epoch, new_entries], ...], the usual gap between entries, and staleness.
    poll_history: str | None = Field(default=None, sa_column=Column(Text))
    last_new_entry_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime)
    )
    usual_gap_seconds: float | None = Field(default=None, sa_column=Column(Float))
    stale: bool = False
    created_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))
