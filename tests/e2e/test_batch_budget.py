"""A batch past its time budget hands the URLs it has not tried to a new message.

The worker here runs with ``NEWSFEED_FETCH_BATCH_SECONDS=0``: every batch tries one
URL (a batch always makes progress) and sends the rest on, so each page of a batch of
three is fetched by a message of its own, and all three are stored.
"""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from schemas import FetchAttempt
from tests.e2e.conftest import Crawl
from tests.support.site import Page, write_pages

pytestmark = pytest.mark.e2e

WORKER_ENV = {"NEWSFEED_FETCH_BATCH_SECONDS": "0"}


def test_a_batch_over_its_budget_sends_the_rest_on_and_loses_nothing(
    crawl: Crawl,
) -> None:
    # Given three new pages sent as one batch to a worker whose budget is 0 s
    slugs = ("budget-1", "budget-2", "budget-3")
    write_pages(crawl.root, {s: Page(s, f"Budget story {s}") for s in slugs})
    urls = [crawl.site.url(f"/news/{s}.html") for s in slugs]
    crawl.app.send_task(
        "newsfeed.fetch_articles",
        kwargs={"urls": [[u, 1] for u in urls], "scope": "127.0.0.1"},
        task_id="budget-batch",
    )
    # When the worker has drained the queues
    crawl.drain()
    # Then every page is stored, each once and by a message of its own (the rest is
    # sent on before the page tried is stored, so another process may store it first)
    with crawl.session() as session:
        attempts = session.exec(
            select(FetchAttempt)
            .where(col(FetchAttempt.url).in_(urls))
            .order_by(col(FetchAttempt.id))
        ).all()
    assert sorted((a.url, a.status) for a in attempts) == [(u, "stored") for u in urls]
    first = next(a for a in attempts if a.url == urls[0])
    assert first.task_id == "budget-batch"
    assert len({a.task_id for a in attempts}) == 3
    assert [crawl.site.count(f"/news/{s}.html") for s in slugs] == [1, 1, 1]
