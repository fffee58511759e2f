"""Per-process resources: database engine, Redis client, HTTP session, robots cache.

Built lazily on first use in each process (after the prefork pool forks), never at
import time and never shared across a fork: a socket or connection pool inherited from
the parent would be used by two processes at once. Components get plain values from
their ``from_settings`` factories; nothing here reads the environment.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

import redis
from sqlalchemy import Engine
from sqlmodel import Session

from worker.broker import with_db
from worker.errors import RateLimited
from worker.net.fetcher import Fetcher, FetchResult
from worker.net.robots import RobotsPolicy
from worker.pipeline.urls import host_of
from worker.settings import Settings
from worker.store.claims import UrlClaims
from worker.store.database import get_engine, session_scope
from worker.store.rates import HostRateGate

# Claims, robots.txt and host rates live in logical db 1; the broker uses db 0, so a
# FLUSHDB of either never takes the other with it.
COORDINATION_DB = 1


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    read_engine: Engine
    redis: redis.Redis
    fetcher: Fetcher
    robots: RobotsPolicy
    rates: HostRateGate
    claims: UrlClaims

    @classmethod
    def from_settings(cls, settings: Settings, redis_url: str) -> Runtime:
        client = redis.Redis.from_url(
            with_db(redis_url, COORDINATION_DB),
            socket_timeout=10,
            socket_connect_timeout=5,
            health_check_interval=25,
        )
        fetcher = Fetcher.from_settings(settings)
        return cls(
            settings=settings,
            engine=get_engine(settings.resolved_database_url()),
            read_engine=get_engine(settings.resolved_database_url(), for_reading=True),
            redis=client,
            fetcher=fetcher,
            robots=RobotsPolicy.from_settings(settings, fetcher=fetcher, cache=client),
            rates=HostRateGate(client, min_interval=settings.host_min_interval),
            claims=UrlClaims(client, ttl_seconds=settings.claim_ttl_seconds),
        )

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A write transaction (on SQLite: BEGIN IMMEDIATE)."""
        with session_scope(self.engine) as session:
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only look-up that never waits for the write lock."""
        with session_scope(self.read_engine) as session:
            yield session

    def fetch(
        self,
        url: str,
        *,
        accept: Literal["html", "feed", "robots", "any"],
        headers: dict[str, str] | None = None,
        max_bytes: int | None = None,
    ) -> FetchResult:
        """Fetch politely: robots.txt and the host rate are checked before each hop,
        and a host that answers 429/503 with Retry-After is left alone that long by
        every worker (RELIABILITY rule 4), not only by this URL's retry."""
        try:
            return self.fetcher.fetch(
                url,
                headers=headers,
                accept=accept,
                max_bytes=max_bytes,
                before_hop=self._before_hop,
            )
        except RateLimited as exc:
            if exc.retry_after:
                self.rates.back_off(host_of(url), exc.retry_after)
            raise

    def _before_hop(self, url: str) -> None:
        delay = self.robots.crawl_delay(url) if self.settings.obey_robots else 0.0
        interval = max(self.settings.host_min_interval, delay)
        self.rates.wait_turn(host_of(url), interval=interval)

    def close(self) -> None:
        self.fetcher.close()
        self.redis.close()


_runtimes: dict[tuple[int, int], Runtime] = {}


def get_runtime(settings: Settings, redis_url: str) -> Runtime:
    """This process's Runtime for these settings (rebuilt in a forked child)."""
    key = (os.getpid(), id(settings))
    runtime = _runtimes.get(key)
    if runtime is None:
        runtime = Runtime.from_settings(settings, redis_url)
        _runtimes[key] = runtime
    return runtime
