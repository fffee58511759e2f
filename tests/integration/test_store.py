"""The store on a real database: SQLite always, PostgreSQL when configured.

Schema comes only from Alembic; every write is an idempotent upsert on a unique key.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from schemas import Article, FetchAttempt, Revision, UrlAlias
from schemas.enums import LinkKind
from schemas.messages import Author, ExtractedArticle, RelatedLink
from tests.support.database import BACKENDS, backend_param, fresh_database
from worker.pipeline.dedup import StoreAction, decide
from worker.store import articles, attempts, feeds, frontier
from worker.store.articles import PageToSave
from worker.store.attempts import AttemptRecord
from worker.store.database import create_db_engine, session_scope
from worker.store.frontier import PendingUrl
from worker.store.migrate import check

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture(params=[backend_param(b) for b in BACKENDS])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with fresh_database(tmp_path, request.param) as url:
        yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


def test_models_and_migrations_do_not_drift(database_url: str) -> None:
    check(database_url)


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_naive_datetimes_are_refused_and_aware_ones_come_back_utc(
    engine: Engine,
) -> None:
    with session_scope(engine) as session:
        feed, created = feeds.add_feed(
            session,
            "https://a.example/feed",
            scope_domain="a.example",
            now=NOW,
            interval=60,
        )
    assert created
    with Session(engine) as session:
        stored = feeds.get_feed(session, feed.id or 0)
        assert stored is not None
        assert stored.next_poll_at == NOW
        assert stored.next_poll_at.tzinfo is not None
    with pytest.raises(Exception, match="naive"), session_scope(engine) as session:
        feeds.add_feed(
            session,
            "https://b.example/feed",
            scope_domain="b.example",
            now=datetime(2026, 1, 1),  # noqa: DTZ001 - the point of the test
            interval=60,
        )


def test_adding_a_feed_twice_keeps_one_row(engine: Engine) -> None:
    for expected in (True, False):
        with session_scope(engine) as session:
            _, created = feeds.add_feed(
                session,
                "https://a.example/rss",
                scope_domain="a.example",
                now=NOW,
                interval=60,
            )
        assert created is expected


def test_adding_a_disabled_feed_again_re_enables_it(engine: Engine) -> None:
    url = "https://a.example/dead.xml"
    with session_scope(engine) as session:
        feed, _ = feeds.add_feed(
            session, url, scope_domain="a.example", now=NOW, interval=60
        )
        feed.enabled, feed.disabled_reason = False, "gone (410)"
        feed.error_streak = feed.permanent_error_streak = 3
        feed.next_poll_at = NOW + timedelta(days=30)
        session.add(feed)
    later = NOW + timedelta(hours=1)
    with session_scope(engine) as session:
        feed, created = feeds.add_feed(
            session, url, scope_domain="a.example", now=later, interval=60
        )
        assert not created
        assert (feed.enabled, feed.disabled_reason) == (True, None)
        assert (feed.error_streak, feed.permanent_error_streak) == (0, 0)
        assert feed.next_poll_at == later


def test_sitemap_children_are_registered_once_and_know_their_index(
    engine: Engine,
) -> None:
    with session_scope(engine) as session:
        index, _ = feeds.add_feed(
            session,
            "https://a.example/sitemap_index.xml",
            scope_domain="a.example",
            now=NOW,
            interval=60,
        )
        children = ["https://a.example/s1.xml", "https://a.example/s2.xml"]
        assert feeds.add_children(session, index, children, now=NOW, interval=60) == 2
        assert feeds.add_children(session, index, children, now=NOW, interval=60) == 0
        child = feeds.find_by_url(session, children[0])
        assert child is not None
        assert child.parent_id == index.id
        assert feeds.ancestry(session, child) == 1
        assert feeds.ancestry(session, index) == 0


def test_a_moved_feed_takes_its_new_url_unless_another_feed_has_it(
    engine: Engine,
) -> None:
    with session_scope(engine) as session:
        old, _ = feeds.add_feed(
            session,
            "https://a.example/old",
            scope_domain="a.example",
            now=NOW,
            interval=60,
        )
        old.etag = '"v1"'
        other, _ = feeds.add_feed(
            session,
            "https://a.example/taken",
            scope_domain="a.example",
            now=NOW,
            interval=60,
        )
        assert feeds.move_feed(session, old, "https://a.example/new") is None
        moved = feeds.get_feed(session, old.id or 0)
        assert moved is not None
        assert (moved.url, moved.etag) == ("https://a.example/new", None)
        assert feeds.find_by_url(session, "https://a.example/new") is old
        assert feeds.move_feed(session, old, "https://a.example/taken") is other
        assert old.url == "https://a.example/new"


def test_due_feeds_are_claimed_once_per_lease(engine: Engine) -> None:
    with session_scope(engine) as session:
        for i in range(3):
            feeds.add_feed(
                session,
                f"https://a.example/{i}",
                scope_domain="a.example",
                now=NOW,
                interval=60,
            )
    lease = timedelta(minutes=10)
    with session_scope(engine) as session:
        first = feeds.claim_due_feeds(session, now=NOW, limit=2, lease=lease)
    with session_scope(engine) as session:
        second = feeds.claim_due_feeds(session, now=NOW, limit=10, lease=lease)
    with session_scope(engine) as session:
        third = feeds.claim_due_feeds(session, now=NOW, limit=10, lease=lease)
    assert len(first) == 2
    assert len(second) == 1
    assert not set(first) & set(second)
    assert third == []


def test_a_url_enters_the_frontier_once(engine: Engine) -> None:
    urls = [
        PendingUrl(url="https://a.example/1", depth=0, scope_domain="a.example"),
        PendingUrl(url="https://a.example/2", depth=0, scope_domain="a.example"),
        PendingUrl(url="https://a.example/1", depth=1, scope_domain="a.example"),
    ]
    with session_scope(engine) as session:
        new = frontier.add_pending(session, urls, now=NOW)
    assert [u.url for u in new] == ["https://a.example/1", "https://a.example/2"]
    assert new[0].depth == 0
    with session_scope(engine) as session:
        assert frontier.add_pending(session, urls, now=NOW) == []


def test_only_unknown_urls_are_added_from_a_long_list(engine: Engine) -> None:
    """More URLs than one look-up chunk, known ones spread through the list."""

    def pending(i: int) -> PendingUrl:
        return PendingUrl(
            url=f"https://a.example/{i}", depth=0, scope_domain="a.example"
        )

    known = [pending(i) for i in range(0, 1500, 3)]
    with session_scope(engine) as session:
        assert len(frontier.add_pending(session, known, now=NOW)) == 500
    everything = [pending(i) for i in range(1500)]
    with session_scope(engine) as session:
        new = frontier.add_pending(session, everything, now=NOW)
    assert [u.url for u in new] == [u.url for u in everything if u not in known]
    with session_scope(engine) as session:
        assert (
            len(frontier.known_hashes(session, [u.url_hash for u in everything]))
            == 1500
        )


def test_stale_pending_urls_are_taken_for_the_sweep(engine: Engine) -> None:
    url = PendingUrl(url="https://a.example/lost", depth=0, scope_domain="a.example")
    with session_scope(engine) as session:
        frontier.add_pending(session, [url], now=NOW - timedelta(hours=1))
    with session_scope(engine) as session:
        stale = frontier.take_stale(
            session, now=NOW, older_than=timedelta(minutes=5), limit=10
        )
        assert [r.url for r in stale] == ["https://a.example/lost"]
    with session_scope(engine) as session:
        assert (
            frontier.take_stale(
                session, now=NOW, older_than=timedelta(minutes=5), limit=10
            )
            == []
        )


def test_a_repeated_attempt_updates_its_row(engine: Engine) -> None:
    record = AttemptRecord(
        task_id="t1",
        stage="fetch",
        url="https://a.example/x",
        status="failed",
        reason="http_5xx",
        started_at=NOW,
        finished_at=NOW,
    )
    for _ in range(2):
        with session_scope(engine) as session:
            attempts.record_attempt(session, record)
    with Session(engine) as session:
        rows = session.exec(select(FetchAttempt)).all()
        assert len(rows) == 1
        assert rows[0].tries == 2
        assert attempts.failures_by_reason(session) == {"http_5xx": 1}


def _page(url: str, body: str, *, fingerprint: str, content: str) -> PageToSave:
    return PageToSave(
        extracted=ExtractedArticle(url=url, headline="H", body_text=body, word_count=2),
        canonical_url=url,
        aliases=(url,),
        fingerprint=fingerprint,
        content_hash=content,
        extractor_version="test",
        fetched_at=NOW,
        raw_html=b"<html>page</html>",
    )


def _save(engine: Engine, page: PageToSave) -> tuple[StoreAction, int]:
    with session_scope(engine) as session:
        decision = decide(
            content_hash=page.content_hash,
            same_url=articles.find_by_urls(session, page.aliases),
            same_text=articles.find_by_fingerprint(session, page.fingerprint),
        )
        return decision.action, articles.save_page(session, page, decision)


def test_new_unchanged_revised_and_duplicate_pages_leave_the_right_rows(
    engine: Engine,
) -> None:
    url = "https://a.example/story"
    first = _save(engine, _page(url, "one two", fingerprint="f1", content="c1"))
    again = _save(engine, _page(url, "one two", fingerprint="f1", content="c1"))
    revised = _save(engine, _page(url, "one two three", fingerprint="f2", content="c2"))
    copy = _save(
        engine, _page("https://b.example/copy", "x", fingerprint="f2", content="c2")
    )
    assert [a for a, _ in (first, again, revised, copy)] == [
        StoreAction.NEW,
        StoreAction.UNCHANGED,
        StoreAction.REVISE,
        StoreAction.DUPLICATE,
    ]
    assert {i for _, i in (first, again, revised, copy)} == {first[1]}
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Article)).one() == 1
        revisions = session.exec(select(Revision).order_by(col(Revision.number))).all()
        assert [r.number for r in revisions] == [1, 2]
        assert articles.decompress(revisions[0].raw_html_gz) == b"<html>page</html>"
        aliases = session.exec(select(UrlAlias.url).order_by(col(UrlAlias.id))).all()
        assert aliases == [url, "https://b.example/copy"]
        article = session.get(Article, first[1])
        assert article is not None
        assert article.revision_count == 2
        assert article.body_text == "one two three"


def test_a_revision_keeps_the_whole_extracted_article(engine: Engine) -> None:
    # Given an article with non-ASCII text, an author record and a related link
    url = "https://a.example/brücke"
    extracted = ExtractedArticle(
        url=url,
        headline="Über die Brücke — «café» 東京",
        body_text="Straße\n\nZoë’s “quote”",
        authors=(Author(name="Zoë Ñandú", role="Head of Kraków desk"),),
        published_at=NOW,
        links=(RelatedLink(url=url + "/2", kind=LinkKind.TEASER, anchor_text="Més"),),
        word_count=3,
    )
    page = replace(_page(url, "", fingerprint="f", content="c"), extracted=extracted)
    # When it is stored
    _save(engine, page)
    # Then its revision's JSON reads back as the same article
    with Session(engine) as session:
        revision = session.exec(select(Revision)).one()
        assert ExtractedArticle.model_validate(revision.extracted) == extracted
