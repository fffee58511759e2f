"""End-to-end fixtures: a fresh database per module, the fixture site, a real worker."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis
from sqlalchemy import Engine
from sqlmodel import Session

from tests.support.database import BACKENDS, backend_param, fresh_database
from tests.support.fault_crawl import bench_site
from tests.support.http_server import FixtureServer, serve
from tests.support.site import Page, build_site
from tests.support.workers import service_env, wait_until_drained, worker_process
from worker.app import NewsfeedCelery, create_app
from worker.broker import EmbeddedRedis
from worker.pipeline.urls import registrable_domain
from worker.settings import Settings
from worker.store import feeds
from worker.store.database import create_db_engine, session_scope

pytestmark = pytest.mark.e2e


@dataclass
class Crawl:
    """Everything an end-to-end test drives: site, app, worker, database, Redis."""

    site: FixtureServer
    pages: dict[str, Page]
    root: Path
    app: NewsfeedCelery
    engine: Engine
    broker: redis.Redis
    worker: object
    env: dict[str, str]

    def send(self, task: str, **kwargs: object) -> str:
        return str(self.app.send_task(f"newsfeed.{task}", kwargs=kwargs).id)

    def drain(self, timeout: float = 60.0) -> None:
        wait_until_drained(self.broker, timeout=timeout, process=self.worker)  # type: ignore[arg-type]

    def session(self) -> Session:
        return Session(self.engine)

    def add_feed(self, path: str) -> int:
        """Register the fixture site's ``path`` as a feed, due now; its id."""
        url = self.site.url(path)
        with session_scope(self.engine) as session:
            feed, _ = feeds.add_feed(
                session,
                url,
                scope_domain=registrable_domain(url),
                now=datetime.now(UTC),
                interval=900,
            )
        assert feed.id is not None
        return feed.id


@pytest.fixture(scope="module")
def e2e_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("e2e")


@pytest.fixture(scope="module", params=[backend_param(b) for b in BACKENDS])
def crawl_env(
    request: pytest.FixtureRequest, e2e_dir: Path, redis_server: EmbeddedRedis
) -> Iterator[dict[str, str]]:
    """The worker's environment; a test module may override entries in WORKER_ENV."""
    overrides: dict[str, str] = getattr(request.module, "WORKER_ENV", {})
    with fresh_database(e2e_dir, request.param) as url:
        env = {
            "REDIS_URL": redis_server.url,
            "DATABASE_URL": url,
            "NEWSFEED_DATA_DIR": str(e2e_dir),
            # The fixture site is on loopback: the tests opt in explicitly.
            "NEWSFEED_ALLOW_PRIVATE_NETWORKS": "true",
            "NEWSFEED_HOST_MIN_INTERVAL": "0",
            "NEWSFEED_LOG_FORMAT": "json",
        }
        yield service_env(**(env | overrides))


@pytest.fixture(scope="module")
def crawl(
    e2e_dir: Path, crawl_env: dict[str, str], redis_server: EmbeddedRedis
) -> Iterator[Crawl]:
    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    settings = Settings(
        redis_url=redis_server.url,
        database_url=crawl_env["DATABASE_URL"],
        data_dir=e2e_dir,
    )
    app = create_app(settings)
    engine = create_db_engine(crawl_env["DATABASE_URL"])
    root = e2e_dir / "site"
    with serve() as site:
        pages = build_site(root, site.base_url)
        site.serve_directory(root)
        with worker_process(crawl_env, e2e_dir / "worker.log") as process:
            yield Crawl(site, pages, root, app, engine, client, process, crawl_env)
    engine.dispose()
    client.flushall()
    client.close()


@pytest.fixture(scope="module")
def bench_site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The generated bench site (tests.support.fault_crawl), served; its base URL."""
    with bench_site(tmp_path_factory.mktemp("bench-site")) as base:
        yield base


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    """An embedded Redis (AOF on, as ``newsfeed up`` runs it) that a test may kill."""
    server = EmbeddedRedis(tmp_path / "redis")
    server.start()
    yield server
    server.wipe()
