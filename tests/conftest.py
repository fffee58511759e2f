"""Test-wide fixtures: a clean environment per test and one real Redis per session.

Sockets are limited to loopback and unix sockets by pytest-socket (see pyproject
addopts); nothing in the suite may reach beyond this machine.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
import structlog

from tests.support.redis import embedded_redis
from worker.broker import EmbeddedRedis
from worker.settings import get_settings

_ENV_PREFIXES = ("NEWSFEED_", "CELERY_")
_ENV_NAMES = (
    "DATABASE_URL",
    "REDIS_URL",
    "FLOWER_BASIC_AUTH",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    import os  # noqa: PLC0415

    for name in list(os.environ):
        if name.startswith(_ENV_PREFIXES) and name != "NEWSFEED_TEST_DATABASE_URL":
            monkeypatch.delenv(name)
    for name in _ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    structlog.reset_defaults()
    yield
    get_settings.cache_clear()
    structlog.reset_defaults()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[EmbeddedRedis]:
    with embedded_redis() as server:
        yield server


@pytest.fixture
def redis_client(redis_server: EmbeddedRedis) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    yield client
    client.flushall()
    client.close()
