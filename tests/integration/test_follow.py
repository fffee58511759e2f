"""Following from fetch's transaction: every edge and every URL to fetch is written there.

``plan_follow`` runs inside fetch_article's store transaction: it records the edge of
every link and writes the URLs to follow to the frontier as pending (so the sweep
re-sends them if the follow_links message is lost), and hands back only the URLs new
to the frontier, which are all a follow_links task gets.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from schemas import ArticleLink
from schemas.enums import LinkKind, UrlState
from schemas.messages import ExtractedArticle, RelatedLink
from tests.support.database import BACKENDS, backend_param, fresh_database
from worker.pipeline.dedup import DedupDecision, StoreAction
from worker.settings import Settings
from worker.store import articles, frontier
from worker.store.articles import PageToSave
from worker.store.database import create_db_engine, session_scope
from worker.store.frontier import PendingUrl
from worker.tasks.follow import (
    MAX_INLINE_LINK_CHARS,
    decide,
    links_message,
    plan_follow,
)

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
PAGE = "https://news.example.com/story"
KNOWN = "https://news.example.com/known"
UNSEEN = "https://news.example.com/unseen"
OFFSITE = "https://elsewhere.example.org/story"
LINKS = (
    RelatedLink(url=KNOWN, kind=LinkKind.TEASER, anchor_text="Known story"),
    RelatedLink(url=UNSEEN, kind=LinkKind.FEED_LIST, anchor_text="Unseen story"),
    RelatedLink(url=OFFSITE, kind=LinkKind.IN_BODY, anchor_text="Another site"),
    RelatedLink(url="https://news.example.com/sport/", kind=LinkKind.NAV),
)


@pytest.fixture(params=[backend_param(b) for b in BACKENDS])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    with fresh_database(tmp_path, request.param) as url:
        engine = create_db_engine(url)
        yield engine
        engine.dispose()


def _stored_article(engine: Engine) -> int:
    page = PageToSave(
        extracted=ExtractedArticle(url=PAGE, body_text="text", links=LINKS),
        canonical_url=PAGE,
        aliases=(PAGE,),
        fingerprint="f1",
        content_hash="c1",
        extractor_version="test",
        fetched_at=NOW,
    )
    with session_scope(engine) as session:
        frontier.add_pending(
            session,
            [PendingUrl(url=KNOWN, depth=1, scope_domain="example.com")],
            now=NOW,
        )
        return articles.save_page(session, page, DedupDecision(action=StoreAction.NEW))


def _edges(engine: Engine) -> dict[str, tuple[bool, str | None, int]]:
    with Session(engine) as session:
        rows = session.exec(select(ArticleLink).order_by(col(ArticleLink.id))).all()
    return {r.url: (r.followed, r.reason, r.depth) for r in rows}


def test_only_unseen_candidates_are_handed_on_and_the_rest_recorded_now(
    engine: Engine,
) -> None:
    # Given a stored page linking a known story, an unseen one, another site, a menu
    article_id = _stored_article(engine)
    decision = decide(Settings(), LINKS, page_url=PAGE, depth=0, scope="example.com")
    # When fetch's transaction plans the follow
    with session_scope(engine) as session:
        unseen = plan_follow(
            session, article_id, LINKS, decision, scope="example.com", now=NOW
        )
    # Then only the unseen story is left for follow_links, already pending ...
    assert [(u.url, u.depth, u.via_article_id) for u in unseen] == [
        (UNSEEN, 1, article_id)
    ]
    with session_scope(engine) as session:
        row = frontier.get(session, UNSEEN)
        assert row is not None
        assert row.state == UrlState.PENDING.value
        assert frontier.pending_hashes(session, [unseen[0].url_hash]) == {
            unseen[0].url_hash
        }
    # ... and every link but the menu has its edge
    assert _edges(engine) == {
        KNOWN: (False, "already_known", 1),
        UNSEEN: (True, None, 1),
        OFFSITE: (False, "out_of_scope", -1),
    }


def test_planning_twice_adds_no_edge(engine: Engine) -> None:
    article_id = _stored_article(engine)
    decision = decide(Settings(), LINKS, page_url=PAGE, depth=0, scope="example.com")
    for _ in range(2):
        with session_scope(engine) as session:
            plan_follow(
                session, article_id, LINKS, decision, scope="example.com", now=NOW
            )
    assert len(_edges(engine)) == 3


def test_a_page_at_the_depth_limit_records_every_edge_and_hands_on_nothing(
    engine: Engine,
) -> None:
    article_id = _stored_article(engine)
    decision = decide(
        Settings(max_depth=2), LINKS, page_url=PAGE, depth=2, scope="example.com"
    )
    with session_scope(engine) as session:
        unseen = plan_follow(
            session, article_id, LINKS, decision, scope="example.com", now=NOW
        )
    assert unseen == []
    assert {url: reason for url, (_, reason, _) in _edges(engine).items()} == {
        KNOWN: "too_deep",
        UNSEEN: "too_deep",
        OFFSITE: "too_deep",
    }


def test_urls_travel_in_the_message_only_while_it_stays_small() -> None:
    small = [PendingUrl(url=UNSEEN, depth=1, scope_domain="example.com")]
    assert links_message(small) == [[UNSEEN, 1]]
    long_url = "https://news.example.com/" + "a" * 2000
    many = [
        PendingUrl(url=f"{long_url}{i}", depth=1, scope_domain="example.com")
        for i in range(MAX_INLINE_LINK_CHARS // 2000 + 1)
    ]
    assert links_message(many) is None


def test_urls_planned_in_fetchs_transaction_are_swept_if_follow_links_is_lost(
    engine: Engine,
) -> None:
    # Given fetch's transaction planned the follow, and then the process died before
    # sending follow_links (no message was ever published)
    article_id = _stored_article(engine)
    decision = decide(Settings(), LINKS, page_url=PAGE, depth=0, scope="example.com")
    with session_scope(engine) as session:
        plan_follow(session, article_id, LINKS, decision, scope="example.com", now=NOW)
    # When the sweep looks for pending URLs whose message is presumed lost
    with session_scope(engine) as session:
        swept = frontier.take_stale(
            session,
            now=NOW + timedelta(minutes=30),
            older_than=timedelta(minutes=10),
            limit=100,
        )
        urls = {row.url: row.depth for row in swept}
    # Then the unseen story is among them, at its depth: it will be fetched
    assert urls[UNSEEN] == 1
