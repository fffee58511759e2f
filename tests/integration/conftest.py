"""Fixtures for integration tests: the real HTTP fixture server, and a Celery app on
a real Redis and a fresh database (SQLite, and PostgreSQL when configured) whose
tasks run in this process (``apply``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.database import BACKENDS, backend_param, fresh_database
from tests.support.http_server import FixtureServer, serve
from worker.app import NewsfeedCelery, create_app
from worker.broker import EmbeddedRedis
from worker.settings import Settings


@pytest.fixture
def http_server() -> Iterator[FixtureServer]:
    with serve() as server:
        yield server


@pytest.fixture
def app_settings() -> dict[str, Any]:
    """Settings of ``app`` beyond its Redis and database; a module may override it.
    By default the loopback fixture server may be fetched at full speed."""
    return {"allow_private_networks": True, "host_min_interval": 0}


@pytest.fixture(params=[backend_param(b) for b in BACKENDS])
def app(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    redis_server: EmbeddedRedis,
    app_settings: dict[str, Any],
) -> Iterator[NewsfeedCelery]:
    with fresh_database(tmp_path, request.param) as url:
        settings = Settings(
            redis_url=redis_server.url,
            database_url=url,
            data_dir=tmp_path,
            **app_settings,
        )
        yield create_app(settings)
