"""Articles, their revisions and every URL that led to them.

An ``Article`` is one story: its row holds the current extracted fields. Each distinct
content it has had is a ``Revision`` (with the raw page, compressed, for re-extraction).
Every URL that resolved to it (feed link, redirect target, rel=canonical, tracking
variant, syndicated copy) is a ``UrlAlias``.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from schemas.base import URL_HASH_LENGTH, UtcDateTime

FINGERPRINT_LENGTH = 32


class Article(SQLModel, table=True):
    __tablename__ = "articles"

    id: int | None = Field(default=None, primary_key=True)
    canonical_url: str = Field(sa_column=Column(Text, nullable=False))
    url_hash: str = Field(
        sa_column=Column(String(URL_HASH_LENGTH), nullable=False, unique=True)
    )
    # Normalised-body fingerprint: the same text under two URLs is one article.
    fingerprint: str = Field(
        sa_column=Column(String(FINGERPRINT_LENGTH), nullable=False, unique=True)
    )
    content_hash: str = Field(max_length=64)  # of the current revision

    headline: str | None = Field(default=None, sa_column=Column(Text))
    standfirst: str | None = Field(default=None, sa_column=Column(Text))
    authors: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    published_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime))
    updated_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime))
    section: str | None = Field(default=None, sa_column=Column(Text))
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    language: str | None = Field(default=None, max_length=16)
    body_text: str = Field(default="", sa_column=Column(Text, nullable=False))
    lead_image: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    word_count: int = 0
    reading_time_minutes: int = 0
    is_paywalled: bool = False
    field_sources: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON))
    extractor_version: str = Field(max_length=32)

    feed_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("feeds.id", ondelete="SET NULL")),
    )
    depth: int = 0
    revision_count: int = 1
    first_seen_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))
    last_seen_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))


class Revision(SQLModel, table=True):
    __tablename__ = "revisions"
    __table_args__ = (UniqueConstraint("article_id", "content_hash"),)

    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False
        )
    )
    number: int
    content_hash: str = Field(max_length=64)
    fetched_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))
    url: str = Field(sa_column=Column(Text, nullable=False))
    headline: str | None = Field(default=None, sa_column=Column(Text))
    body_text: str = Field(default="", sa_column=Column(Text, nullable=False))
    extracted: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    raw_html_gz: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    extractor_version: str = Field(max_length=32)


class UrlAlias(SQLModel, table=True):
    __tablename__ = "url_aliases"

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(sa_column=Column(Text, nullable=False))
    url_hash: str = Field(
        sa_column=Column(String(URL_HASH_LENGTH), nullable=False, unique=True)
    )
    article_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("articles.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )
    first_seen_at: datetime = Field(sa_column=Column(UtcDateTime, nullable=False))
