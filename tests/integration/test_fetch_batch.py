"""fetch_articles run in this process (``apply``) on a real Redis, database and HTTP
server: the one store transaction of a batch, and what happens when it fails."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, col, func, select

from schemas import Article, UrlAlias
from schemas.messages import ExtractedArticle
from tests.support.http_server import FixtureServer
from tests.support.site import Page
from worker.app import NewsfeedCelery
from worker.pipeline.dedup import DedupDecision, StoreAction
from worker.store import articles
from worker.store.articles import PageToSave
from worker.store.database import create_db_engine
from worker.tasks import fetch_batch

pytestmark = pytest.mark.integration


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


def test_a_race_on_one_story_splits_the_batch_transaction_into_one_per_page(
    app: NewsfeedCelery, http_server: FixtureServer, request: pytest.FixtureRequest
) -> None:
    if "postgres" not in request.node.callspec.id:
        pytest.skip("SQLite's write lock lets no other writer into a transaction")
    # Given a batch of two pages, and another worker that has stored the first story
    # and commits only once our batch transaction is waiting on its row
    urls = _serve(http_server, Page("fb-3", "Third"), Page("fb-4", "Fourth"))
    engine = create_db_engine(app.settings.resolved_database_url())
    other = threading.Thread(
        target=_store_then_commit_when_waited_on, args=(engine, urls[0])
    )
    other.start()
    try:
        # When the batch runs
        result = _run(urls)
    finally:
        other.join(timeout=60)
        engine.dispose()
    # Then the shared transaction failed on the race and each page was stored alone:
    # the first as a new revision of the other worker's article, the second as new
    assert result["outcomes"] == {"revise": 1, "new": 1}
    assert [http_server.count(f"/news/{s}.html") for s in ("fb-3", "fb-4")] == [1, 1]
    with _session(app) as session:
        assert session.exec(select(func.count()).select_from(Article)).one() == 2


def _store_then_commit_when_waited_on(engine: Engine, url: str) -> None:
    page = PageToSave(
        extracted=ExtractedArticle(url=url, body_text="The other worker's copy."),
        canonical_url=url,
        aliases=(url,),
        fingerprint="stored-by-another-worker",
        content_hash="c-other",
        extractor_version="test",
        fetched_at=datetime.now(UTC),
    )
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE wait_event_type = 'Lock' AND datname = current_database()"
    )
    with Session(engine) as session:
        articles.save_page(session, page, DedupDecision(action=StoreAction.NEW))
        session.flush()
        deadline = time.monotonic() + 30
        with engine.connect() as watcher:
            while time.monotonic() < deadline:
                if watcher.execute(waiting).scalar_one():
                    break
                time.sleep(0.05)
        session.commit()
