"""fetch_articles on real parts: the URLs of a batch share a message, not a fate.

A batch is sent straight to the worker here (as ``enqueue_fetches`` would) with pages
that fail in each way a page can: missing, briefly unavailable, rate limited. The
other pages of the batch are stored all the same, and a redelivered batch costs
neither a row nor a request.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from schemas import Article, FetchAttempt, UrlAlias
from tests.e2e.conftest import Crawl
from tests.support.http_server import HandlerRequest
from tests.support.site import Page, write_pages

pytestmark = pytest.mark.e2e


def _pages(crawl: Crawl, *slugs: str) -> list[str]:
    pages = {slug: Page(slug, f"Batch story {slug}") for slug in slugs}
    write_pages(crawl.root, pages)
    return [crawl.site.url(f"/news/{slug}.html") for slug in slugs]


def _fails_once(crawl: Crawl, path: str, slug: str, status: int, **headers: str) -> str:
    """``path`` answers ``status`` the first time, then the page ``slug``."""
    html = Page(slug, f"Batch story {slug}").html().encode()
    calls = {"n": 0}

    def answer(request: HandlerRequest) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            request.respond(b"busy", status=status, headers=headers)
        else:
            request.respond(html, headers={"Content-Type": "text/html"})

    crawl.site.handler(path, answer)
    return crawl.site.url(path)


def _stored(crawl: Crawl, slug: str) -> bool:
    url = crawl.site.url(f"/news/{slug}.html")
    with crawl.session() as session:
        return (
            session.exec(
                select(UrlAlias.article_id).where(col(UrlAlias.url) == url)
            ).first()
            is not None
        )


def _send_batch(crawl: Crawl, urls: list[str], task_id: str | None = None) -> None:
    crawl.app.send_task(
        "newsfeed.fetch_articles",
        kwargs={"urls": [[url, 1] for url in urls], "scope": "127.0.0.1"},
        task_id=task_id,
    )


def test_one_failing_url_does_not_stop_the_rest_of_its_batch(crawl: Crawl) -> None:
    # Given a batch of five: two good pages, a missing page, a page that answers 503
    # once, and another good page
    good = _pages(crawl, "bt-1", "bt-2", "bt-3")
    missing = crawl.site.url("/news/bt-missing.html")
    flaky = _fails_once(crawl, "/flaky/bt-4.html", "bt-4", 503)
    # When it is delivered
    _send_batch(crawl, [good[0], good[1], missing, flaky, good[2]])
    crawl.drain()
    # Then every good page is stored, the flaky one after its own retry
    assert all(_stored(crawl, slug) for slug in ("bt-1", "bt-2", "bt-3", "bt-4"))
    assert crawl.site.count("/flaky/bt-4.html") == 2
    # and the missing page is recorded with its reason, once
    with crawl.session() as session:
        failures = session.exec(
            select(FetchAttempt).where(col(FetchAttempt.url) == missing)
        ).all()
    assert [(f.status, f.reason) for f in failures] == [("failed", "http_4xx")]


def test_a_redelivered_batch_adds_no_row_and_fetches_nothing(crawl: Crawl) -> None:
    # Given a batch that was delivered and stored
    urls = _pages(crawl, "bt-5", "bt-6")
    _send_batch(crawl, urls, task_id="batch-redelivered")
    crawl.drain()
    with crawl.session() as session:
        articles = session.exec(select(func.count()).select_from(Article)).one()
        attempts = session.exec(select(func.count()).select_from(FetchAttempt)).one()
    requests = [crawl.site.count(f"/news/{s}.html") for s in ("bt-5", "bt-6")]
    # When the same message is delivered again
    _send_batch(crawl, urls, task_id="batch-redelivered")
    crawl.drain()
    # Then no row is added and no page is requested again
    with crawl.session() as session:
        assert session.exec(select(func.count()).select_from(Article)).one() == articles
        assert (
            session.exec(select(func.count()).select_from(FetchAttempt)).one()
            == attempts
        )
    assert [crawl.site.count(f"/news/{s}.html") for s in ("bt-5", "bt-6")] == requests
    assert requests == [1, 1]


def test_a_rate_limited_url_holds_back_the_rest_of_its_batch(crawl: Crawl) -> None:
    # Given a batch whose second page answers 429 with Retry-After: 2 once
    first, last = _pages(crawl, "bt-7", "bt-9")
    limited = _fails_once(
        crawl, "/limited/bt-8.html", "bt-8", 429, **{"Retry-After": "2"}
    )
    # When it is delivered
    _send_batch(crawl, [first, limited, last])
    crawl.drain(timeout=90)
    # Then all three are stored in the end
    assert all(_stored(crawl, slug) for slug in ("bt-7", "bt-8", "bt-9"))
    # and neither the limited page nor the page after it was asked for again before
    # the host's Retry-After had passed
    limited_at = _arrivals(crawl, "/limited/bt-8.html")
    later = limited_at[1:] + _arrivals(crawl, "/news/bt-9.html")
    assert later
    assert min(later) - limited_at[0] >= 1.9
    # and the deferral was no failure: no outcome says internal_error
    with crawl.session() as session:
        reasons = session.exec(select(FetchAttempt.reason)).all()
    assert "internal_error" not in reasons


def _arrivals(crawl: Crawl, path: str) -> list[float]:
    return [r.at for r in list(crawl.site.requests) if r.path == path]


def test_a_batch_that_comes_back_goes_on_url_by_url(crawl: Crawl) -> None:
    # Given a batch that comes back as a retry, as it does after its process died on
    # one of its pages (task_retry_on_worker_lost)
    urls = _pages(crawl, "bt-10", "bt-11")
    crawl.app.send_task(
        "newsfeed.fetch_articles",
        kwargs={"urls": [[url, 1] for url in urls], "scope": "127.0.0.1"},
        task_id="batch-came-back",
        retries=1,
    )
    # When it is delivered
    crawl.drain()
    # Then each URL was fetched and stored by a fetch_article of its own, so that a
    # page that kills its process fails alone, with its own retries and reason
    with crawl.session() as session:
        attempts = session.exec(
            select(FetchAttempt).where(col(FetchAttempt.url).in_(urls))
        ).all()
    assert sorted((a.url, a.status) for a in attempts) == [(u, "stored") for u in urls]
    assert "batch-came-back" not in {a.task_id for a in attempts}
    assert len({a.task_id for a in attempts}) == 2
