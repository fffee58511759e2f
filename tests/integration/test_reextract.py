"""Re-extraction from stored pages: a revision only where the result changed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from schemas import Article, Revision
from schemas.messages import ExtractedArticle
from tests.support.database import BACKENDS, backend_param, fresh_database
from worker.pipeline.dedup import DedupDecision, StoreAction
from worker.pipeline.extract import EXTRACTOR_VERSION
from worker.runtime import Runtime
from worker.settings import Settings
from worker.store import articles
from worker.store.articles import PageToSave
from worker.tasks.reextract import reextract_one

pytestmark = pytest.mark.integration

PAGE = (
    Path(__file__).parents[1]
    / "fixtures"
    / "pages"
    / "typical"
    / "news-with-teasers.html"
)
URL = "https://news.example.com/story"


@pytest.fixture(params=[backend_param(b) for b in BACKENDS])
def runtime(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Runtime]:
    with fresh_database(tmp_path, request.param) as url:
        settings = Settings(database_url=url, data_dir=tmp_path)
        # Re-extraction needs only the database; this Redis URL is never connected.
        runtime = Runtime.from_settings(settings, f"unix://{tmp_path / 'none.sock'}")
        yield runtime
        runtime.engine.dispose()
        runtime.read_engine.dispose()


def _store_as_an_old_extractor_did(runtime: Runtime) -> int:
    old = ExtractedArticle(url=URL, headline="Old headline", body_text="old body text")
    page = PageToSave(
        extracted=old,
        canonical_url=URL,
        aliases=(URL,),
        fingerprint="old-fingerprint",
        content_hash="old-content",
        extractor_version="0.0.1",
        fetched_at=datetime(2026, 11, 1, tzinfo=UTC),
        raw_html=PAGE.read_bytes(),
    )
    with runtime.session() as session:
        return articles.save_page(session, page, DedupDecision(action=StoreAction.NEW))


def test_a_changed_result_becomes_a_revision_and_a_rerun_changes_nothing(
    runtime: Runtime,
) -> None:
    article_id = _store_as_an_old_extractor_did(runtime)
    assert reextract_one(runtime, article_id) == "revised"
    assert reextract_one(runtime, article_id) == "unchanged"
    with Session(runtime.engine) as session:
        article = session.get(Article, article_id)
        revisions = session.exec(
            select(Revision).where(col(Revision.article_id) == article_id)
        ).all()
    assert article is not None
    assert article.extractor_version == EXTRACTOR_VERSION
    assert article.headline != "Old headline"
    assert "old body text" not in article.body_text
    assert article.revision_count == 2
    assert len(revisions) == 2
    # The page was not fetched again: both revisions hold the same stored bytes.
    assert articles.decompress(revisions[0].raw_html_gz) == PAGE.read_bytes()
    assert articles.decompress(revisions[1].raw_html_gz) == PAGE.read_bytes()


def test_returning_to_an_earlier_content_adds_no_revision(runtime: Runtime) -> None:
    article_id = _store_as_an_old_extractor_did(runtime)
    reextract_one(runtime, article_id)
    with runtime.session() as session:
        page = articles.stored_page(session, article_id)
        assert page is not None
        back = PageToSave(
            extracted=ExtractedArticle(url=URL, body_text="old body text"),
            canonical_url=URL,
            aliases=(URL,),
            fingerprint="old-fingerprint",
            content_hash="old-content",
            extractor_version="0.0.1",
            fetched_at=page.fetched_at,
        )
        decision = DedupDecision(action=StoreAction.REVISE, article_id=article_id)
        articles.save_page(session, back, decision)
    with Session(runtime.engine) as session:
        article = session.get(Article, article_id)
        count = len(session.exec(select(Revision)).all())
    assert article is not None
    assert article.revision_count == 2
    assert count == 2
