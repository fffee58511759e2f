"""Related-story edges: article -> URL it links to, with the kind of link."""

from sqlalchemy import Column, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from schemas.base import URL_HASH_LENGTH


class ArticleLink(SQLModel, table=True):
    __tablename__ = "related_links"
    __table_args__ = (UniqueConstraint("article_id", "url_hash"),)

    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False
        )
    )
    url: str = Field(sa_column=Column(Text, nullable=False))
    url_hash: str = Field(sa_column=Column(String(URL_HASH_LENGTH), nullable=False))
    kind: str = Field(max_length=16)  # LinkKind
    anchor_text: str = Field(default="", sa_column=Column(Text, nullable=False))
    depth: int  # the depth the target is (or would be) fetched at
    followed: bool = False  # enqueued by this edge; False: rejected or already known
    reason: str | None = Field(default=None, max_length=64)  # why not followed
