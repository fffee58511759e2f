"""The whole pipeline on real parts: Redis, a `celery worker` process, the fixture site.

The tests in this module share one crawl and run in order: the first polls the feed,
the later ones look at what it left and then change the site.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, text
from sqlmodel import col, select

from schemas import (
    Article,
    ArticleLink,
    CrawlUrl,
    Feed,
    FetchAttempt,
    Revision,
    UrlAlias,
)
from tests.e2e.conftest import Crawl
from tests.support.database import pending_urls
from worker.store.database import session_scope

pytestmark = pytest.mark.e2e


def _article(crawl: Crawl, slug: str) -> Article | None:
    url = crawl.site.url(f"/news/{slug}.html")
    with crawl.session() as session:
        alias = session.exec(
            select(UrlAlias.article_id).where(col(UrlAlias.url) == url)
        ).first()
        return session.get(Article, alias) if alias is not None else None


def test_polling_the_feed_stores_its_articles_and_follows_related_stories(
    crawl: Crawl,
) -> None:
    # Given a feed listing two stories whose pages link to more stories
    feed_id = crawl.add_feed("/feed.xml")
    # When the feed is polled and the queues drain
    crawl.send("poll_feed", feed_id=feed_id)
    crawl.drain()
    # Then the feed entries and the stories up to depth 2 are stored
    for slug, depth in [("a1", 0), ("a2", 0), ("b1", 1), ("c1", 2)]:
        article = _article(crawl, slug)
        assert article is not None, slug
        assert article.depth == depth
        assert article.body_text
    a1 = _article(crawl, "a1")
    assert a1 is not None
    assert a1.headline == "Harbour bridge reopens after repairs"
    assert a1.section == "Local"
    with crawl.session() as session:
        feed = session.get(Feed, feed_id)
        assert feed is not None
        assert feed.last_status == "polled"
        assert feed.entries_seen == 2


def test_depth_limit_stops_at_two_hops(crawl: Crawl) -> None:
    assert crawl.site.count("/news/c1.html") == 1
    assert crawl.site.count("/news/d1.html") == 0
    assert _article(crawl, "d1") is None
    with crawl.session() as session:
        edge = session.exec(
            select(ArticleLink).where(col(ArticleLink.url).endswith("/news/d1.html"))
        ).first()
    assert edge is not None
    assert not edge.followed
    assert edge.reason == "too_deep"


def test_out_of_scope_link_is_recorded_but_never_fetched(crawl: Crawl) -> None:
    assert not [
        r for r in crawl.site.requests if "localhost" in r.headers.get("Host", "")
    ]
    with crawl.session() as session:
        edge = session.exec(
            select(ArticleLink).where(col(ArticleLink.url).contains("localhost"))
        ).one()
    assert edge.kind == "in_body"
    assert edge.reason == "out_of_scope"


def test_tracking_parameter_variant_is_the_same_article(crawl: Crawl) -> None:
    # The feed lists a2 with utm_* parameters; a1's news-feed list links it without.
    assert crawl.site.count("/news/a2.html") == 1
    with crawl.session() as session:
        aliases = session.exec(
            select(UrlAlias).where(col(UrlAlias.url).contains("/news/a2.html"))
        ).all()
    assert [a.url for a in aliases] == [crawl.site.url("/news/a2.html")]


def test_syndicated_copy_is_recorded_as_an_alias_not_a_new_article(
    crawl: Crawl,
) -> None:
    a2 = _article(crawl, "a2")
    copy = _article(crawl, "copy-of-a2")
    assert a2 is not None
    assert copy is not None
    assert copy.id == a2.id


def test_no_duplicate_rows_by_url_or_fingerprint(crawl: Crawl) -> None:
    with crawl.session() as session:
        for column in ("canonical_url", "fingerprint"):
            dupes = session.execute(
                text(
                    f"SELECT {column} FROM articles GROUP BY {column} "  # noqa: S608
                    "HAVING COUNT(*) > 1"
                )
            ).all()
            assert dupes == []
        pending = pending_urls(session)
    assert pending == 0


def test_a_second_delivery_of_the_same_task_adds_no_row(crawl: Crawl) -> None:
    # Given a stored article and the counts of every table
    url = crawl.site.url("/news/a1.html")
    before = _counts(crawl)
    # When the same recrawl message is delivered twice (same task id)
    task_id = "redelivered-recrawl-1"
    for _ in range(2):
        crawl.app.send_task("newsfeed.recrawl", kwargs={"url": url}, task_id=task_id)
        crawl.drain()
    # Then nothing new is stored and the one attempt row counts both tries
    assert _counts(crawl) == before
    with crawl.session() as session:
        attempt = session.exec(
            select(FetchAttempt).where(col(FetchAttempt.task_id) == task_id)
        ).one()
    assert attempt.status == "unchanged"
    assert attempt.tries == 2


def test_recrawl_after_the_page_changed_creates_a_revision(crawl: Crawl) -> None:
    # Given a stored article whose page has since changed
    page = crawl.pages["a1"]
    page.version = 2
    (crawl.root / "news" / "a1.html").write_text(page.html(), encoding="utf-8")
    # When a re-crawl is triggered
    crawl.send("recrawl", url=crawl.site.url("/news/a1.html"))
    crawl.drain()
    # Then the article has a second revision holding the new text
    article = _article(crawl, "a1")
    assert article is not None
    assert article.revision_count == 2
    assert "Update 2" in article.body_text
    with crawl.session() as session:
        revisions = session.exec(
            select(Revision).where(col(Revision.article_id) == article.id)
        ).all()
    assert sorted(r.number for r in revisions) == [1, 2]
    assert all(r.raw_html_gz for r in revisions)


def test_second_poll_is_conditional_and_enqueues_nothing_new(crawl: Crawl) -> None:
    with crawl.session() as session:
        feed = session.exec(select(Feed)).one()
    before = crawl.site.count("/news/a1.html")
    crawl.send("poll_feed", feed_id=feed.id)
    crawl.drain()
    with crawl.session() as session:
        feed = session.exec(select(Feed)).one()
    assert feed.last_status == "not_modified"
    assert crawl.site.count("/news/a1.html") == before


def test_follow_links_without_candidates_decides_from_the_stored_page(
    crawl: Crawl,
) -> None:
    # Given a1's out-of-scope edge is gone (fetch_article recorded it, not the task)
    a1 = _article(crawl, "a1")
    assert a1 is not None
    with session_scope(crawl.engine) as session:
        session.execute(text("DELETE FROM related_links WHERE url LIKE '%localhost%'"))
    before = _counts(crawl)
    # When follow_links arrives without candidates (an older sender, a large list)
    crawl.send("follow_links", article_id=a1.id, depth=0)
    crawl.drain()
    # Then it re-decides from the stored revision: the edge is back, nothing else new
    after = _counts(crawl)
    assert after["related_links"] == before["related_links"] + 1
    assert {k: v for k, v in after.items() if k != "related_links"} == {
        k: v for k, v in before.items() if k != "related_links"
    }


def _counts(crawl: Crawl) -> dict[str, int]:
    with crawl.session() as session:
        return {
            table.__tablename__: session.exec(
                select(func.count()).select_from(table)
            ).one()
            for table in (Article, Revision, UrlAlias, ArticleLink, CrawlUrl)
        }
