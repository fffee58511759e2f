"""The shared vocabulary: SQLModel tables and pydantic messages.

Taking any table from this package (``from schemas import Feed``) registers every table
on ``SQLModel.metadata``, the one metadata object Alembic compares migrations against
(``register_tables`` does it outright). The package imports no table until one is
asked for: a module that needs only ``schemas.enums`` or ``schemas.messages`` (the
exception tree in ``worker.errors``, so every ``newsfeed`` command) does not pay for
importing SQLModel and SQLAlchemy's ORM, about 0.2 s. ``schemas`` imports nothing from
``worker``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
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
    "register_tables",
]

_TABLES = {
    "Article": "schemas.article",
    "Revision": "schemas.article",
    "UrlAlias": "schemas.article",
    "FetchAttempt": "schemas.attempt",
    "Feed": "schemas.feed",
    "CrawlUrl": "schemas.frontier",
    "ArticleLink": "schemas.link",
}


def register_tables() -> None:
    """Import every table module, which registers its tables on SQLModel.metadata."""
    for module in dict.fromkeys(_TABLES.values()):
        importlib.import_module(module)


def __dir__() -> list[str]:
    return sorted({*globals(), *_TABLES})


if not TYPE_CHECKING:  # type checkers see the imports above, and misspellings

    def __getattr__(name: str) -> object:
        module = _TABLES.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        register_tables()
        value = getattr(importlib.import_module(module), name)
        globals()[name] = value  # later look-ups skip this function
        return value
