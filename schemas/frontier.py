"""The crawl frontier: every URL the crawl decided to fetch, and where it stands.

A row is written, in the same transaction as the decision, before the fetch is enqueued.
Redis claims stop two workers enqueueing the same URL; this table is what survives a
lost message or a flushed broker: the sweep re-enqueues rows pending for too long
(../shared/RELIABILITY.md, application rule 2).
"""

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Text
from sqlmodel import Field, SQLModel

from schemas.base import URL_HASH_LENGTH, UtcDateTime
from schemas.enums import UrlState


class CrawlUrl(SQLModel, table=True):
    __tablename__ = "crawl_urls"
    __table_args__ = (Index("ix_crawl_urls_state_pending", "state", "pending_since"),)

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(sa_column=Column(Text, nullable=False))  # canonical
    url_hash: str = Field(
        sa_column=Column(String(URL_HASH_LENGTH), nullable=False, unique=True)
    )
    state: str = Field(default=UrlState.PENDING, max_length=16)
    depth: int = 0
    scope_domain: str = Field(max_length=255)
    feed_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("feeds.id", ondelete="SET NULL")),
    )
    via_article_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("articles.id", ondelete="SET NULL")),
    )
    pending_since: datetime | None = Field(default=None, sa_column=Column(UtcDateTime))
    enqueue_count: int = 0
    last_reason: str | None = Field(default=None, max_length=64)
    article_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("articles.id", ondelete="SET NULL")),
    )
    created_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))
