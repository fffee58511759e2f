"""The shared vocabulary: SQLModel tables and pydantic messages.

Importing this package registers every table on ``SQLModel.metadata``, the one metadata
object Alembic compares migrations against. ``schemas`` imports nothing from ``worker``.
"""

from schemas.article import Article, Revision, UrlAlias
from schemas.attempt import FetchAttempt
from schemas.feed import Feed
from schemas.frontier import CrawlUrl
from schemas.link import ArticleLink

__all__ = [
    "Article",
    "ArticleLink",
    "CrawlUrl",
    "Feed",
    "FetchAttempt",
    "Revision",
    "UrlAlias",
]
