"""With the default policy, the crawler refuses private addresses, whoever asks (S1, S4)."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from schemas import Article, FetchAttempt
from tests.e2e.conftest import Crawl

pytestmark = pytest.mark.e2e

# The default: loopback, private, link-local and metadata addresses are refused.
WORKER_ENV = {"NEWSFEED_ALLOW_PRIVATE_NETWORKS": "false"}


def test_recrawl_of_a_private_address_is_refused_without_connecting(
    crawl: Crawl,
) -> None:
    # Given a page on a loopback server and the metadata address
    targets = [
        crawl.site.url("/news/a1.html"),
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:9/",
    ]
    # When re-crawls of them are requested through the task API
    for url in targets:
        crawl.send("recrawl", url=url)
    crawl.send("fetch_article", url="http://0x7f000001/")
    crawl.drain()
    # Then each is refused with the reason, nothing is stored, nothing connected
    with crawl.session() as session:
        rows = session.exec(select(FetchAttempt).order_by(col(FetchAttempt.id))).all()
        assert session.exec(select(Article)).all() == []
    assert len(rows) == 4
    assert {(r.status, r.reason) for r in rows} == {("refused", "blocked_address")}
    assert crawl.site.requests == []
