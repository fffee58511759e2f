"""What every ``newsfeed`` sub-command shares: settings, a migrated database session,
JSON and time printing, and the one-line error type."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from worker.settings import Settings, get_settings


class CliError(Exception):
    """A user-facing error: printed as one line, exit status 1."""


def cli_settings() -> Settings:
    return get_settings()


def database_url() -> str:
    return cli_settings().resolved_database_url()


@contextmanager
def open_session() -> Iterator[Any]:
    from worker.store.database import get_engine, session_scope  # noqa: PLC0415
    from worker.store.migrate import upgrade  # noqa: PLC0415

    url = database_url()
    upgrade(url)
    with session_scope(get_engine(url)) as session:
        yield session


def print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, default=str))


def iso_utc(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def human_when(value: datetime | None) -> str:
    if value is None:
        return "never"
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
