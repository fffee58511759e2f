"""fetch_articles run in this process (``apply``) on a real Redis, database and HTTP
server: the one store transaction of a batch, and what happens when it fails."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from schemas import Article, FetchAttempt, UrlAlias
from tests.support.database import BACKENDS, backend_param, fresh_database
from tests.support.http_server import FixtureServer
from tests.support.site import Page
from worker.app import NewsfeedCelery, create_app
from worker.broker import EmbeddedRedis
from worker.settings import Settings
from worker.store.database import create_db_engine
from worker.tasks import fetch_batch
from worker.tasks.fetch import FetchedPage, FetchTask, Stored, store_pages

pytestmark = pytest.mark.integration


@pytest.fixture(params=[backend_param(b) for b in BACKENDS])
def app(
    request: pytest.FixtureRequest, tmp_path: Path, redis_server: EmbeddedRedis
) -> Iterator[NewsfeedCelery]:
    with fresh_database(tmp_path, request.param) as url:
        settings = Settings(
            redis_url=redis_server.url,
            database_url=url,
            data_dir=tmp_path,
            allow_private_networks=True,
            host_min_interval=0,
        )
        yield create_app(settings)


def _serve(server: FixtureServer, *pages: Page) -> list[str]:
    for page in pages:
        server.route(f"/news/{page.slug}.html", page.html())
    return [server.url(f"/news/{page.slug}.html") for page in pages]


def _run(urls: list[str]) -> dict[str, Any]:
    kwargs = {"urls": [[url, 1] for url in urls], "scope": "127.0.0.1"}
    result = fetch_batch.fetch_articles.apply(kwargs=kwargs).get()
    assert isinstance(result, dict)
    return result


@contextmanager
def _session(app: NewsfeedCelery) -> Iterator[Session]:
    engine = create_db_engine(app.settings.resolved_database_url())
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


def test_a_batch_and_a_syndicated_copy_in_it_make_one_article(
    app: NewsfeedCelery, http_server: FixtureServer
) -> None:
    # Given a batch of two stories and a copy of the first under another URL
    urls = _serve(
        http_server,
        Page("fb-1", "First batch story"),
        Page("fb-2", "Second batch story"),
        Page("fb-copy", "First batch story, syndicated", text_key="fb-1"),
    )
    # When the batch runs (its pages stored in one transaction)
    result = _run(urls)
    # Then the copy, found inside the same transaction, is an alias, not an article
    assert result["outcomes"] == {"new": 2, "duplicate": 1}
    with _session(app) as session:
        assert session.exec(select(func.count()).select_from(Article)).one() == 2
        first = session.exec(
            select(UrlAlias.article_id).where(col(UrlAlias.url) == urls[0])
        ).one()
        copy = session.exec(
            select(UrlAlias.article_id).where(col(UrlAlias.url) == urls[2])
        ).one()
    assert first == copy


def test_when_the_batch_transaction_fails_each_page_is_stored_on_its_own(
    app: NewsfeedCelery, http_server: FixtureServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a batch whose shared transaction fails, as when another worker stores
    # one of its stories at the same moment
    urls = _serve(http_server, Page("fb-3", "Third"), Page("fb-4", "Fourth"))
    real = store_pages
    calls: list[int] = []

    def racing(task: FetchTask, pages: Sequence[FetchedPage]) -> list[Stored]:
        calls.append(len(pages))
        if len(pages) > 1:
            raise IntegrityError("INSERT", {}, Exception("a concurrent insert"))
        return real(task, pages)

    monkeypatch.setattr("worker.tasks.fetch_batch.store_pages", racing)
    # When the batch runs
    result = _run(urls)
    # Then each page is stored by itself, once, and nothing is fetched twice
    assert calls == [2, 1, 1]
    assert result["outcomes"] == {"new": 2}
    assert [http_server.count(f"/news/{s}.html") for s in ("fb-3", "fb-4")] == [1, 1]
    with _session(app) as session:
        assert session.exec(select(func.count()).select_from(Article)).one() == 2
        statuses = session.exec(
            select(FetchAttempt.status).order_by(col(FetchAttempt.id))
        ).all()
    assert statuses == ["stored", "stored"]
