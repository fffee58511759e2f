"""Column types and metadata conventions shared by every table.

No ``from __future__ import annotations`` in table modules: SQLModel resolves
annotations when the class is created (fastapi/sqlmodel#196).
"""

import hashlib
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect, TypeDecorator
from sqlmodel import SQLModel

# Named constraints, so Alembic migrations can refer to them on every backend
# (the convention h uses in h/db/__init__.py).
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# A URL hash is the unique key for URLs: URLs may be longer than an index entry allows.
URL_HASH_LENGTH = 32


def url_hash(url: str) -> str:
    """The 128-bit hex key a (canonical) URL is stored under."""
    return hashlib.blake2b(url.encode("utf-8"), digest_size=16).hexdigest()


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend.

    SQLite has no time zone type; SQLAlchemy would hand back naive values. This type
    refuses naive input and always returns aware UTC datetimes.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused; pass an aware UTC time")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(
        self,
        value: datetime | None,
        dialect: Dialect,  # noqa: ARG002 - TypeDecorator signature
    ) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
