"""Runtime.fetch: politeness shared by every worker, on a real Redis and HTTP server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.support.http_server import FixtureServer
from worker.broker import EmbeddedRedis
from worker.errors import RateLimited
from worker.runtime import Runtime
from worker.settings import Settings

pytestmark = pytest.mark.integration


@pytest.fixture
def settings(redis_server: EmbeddedRedis, tmp_path: Path) -> Settings:
    return Settings(
        redis_url=redis_server.url,
        data_dir=tmp_path,
        allow_private_networks=True,
        host_min_interval=0.01,
        obey_robots=False,
    )


@pytest.fixture
def workers(
    settings: Settings, redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> Iterator[tuple[Runtime, Runtime]]:
    """Two workers' runtimes sharing one Redis."""
    first = Runtime.from_settings(settings, redis_server.url)
    second = Runtime.from_settings(settings, redis_server.url)
    yield first, second
    first.close()
    second.close()


def test_a_429_with_retry_after_keeps_every_worker_off_the_host(
    workers: tuple[Runtime, Runtime], http_server: FixtureServer
) -> None:
    # Given a host that answers one worker 429 with Retry-After: 120
    first, second = workers
    http_server.route("/busy", "slow down", status=429, headers={"Retry-After": "120"})
    http_server.route("/other", "<html><body><p>Another page</p></body></html>")
    with pytest.raises(RateLimited):
        first.fetch(http_server.url("/busy"), accept="html")
    # When another worker wants another page of the same host
    with pytest.raises(RateLimited) as refused:
        second.fetch(http_server.url("/other"), accept="html")
    # Then it is told to wait about as long, and the host is not asked
    assert refused.value.retry_after is not None
    assert refused.value.retry_after > 100
    assert http_server.count("/other") == 0


def test_a_429_without_retry_after_leaves_the_host_open(
    workers: tuple[Runtime, Runtime], http_server: FixtureServer
) -> None:
    first, second = workers
    http_server.route("/busy", "slow down", status=429)
    http_server.route("/other", "<html><body><p>Another page</p></body></html>")
    with pytest.raises(RateLimited):
        first.fetch(http_server.url("/busy"), accept="html")
    assert second.fetch(http_server.url("/other"), accept="html").status == 200
