"""How URLs found together are cut into fetch_articles batches (tasks/enqueue.py)."""

from __future__ import annotations

import json

from worker.store.frontier import PendingUrl
from worker.tasks.enqueue import BATCH_URL_CHARS, batches


def _url(n: int, *, scope: str = "example.com", feed_id: int | None = 1) -> PendingUrl:
    return PendingUrl(
        url=f"https://{scope}/news/{n}", depth=1, scope_domain=scope, feed_id=feed_id
    )


def test_urls_are_cut_into_runs_of_the_batch_size_in_order() -> None:
    urls = [_url(n) for n in range(20)]
    cut = list(batches(urls, size=8))
    assert [len(b) for b in cut] == [8, 8, 4]
    assert [u for b in cut for u in b] == urls


def test_a_batch_never_mixes_sites_or_feeds() -> None:
    urls = [_url(1), _url(2, scope="other.org"), _url(3), _url(4, feed_id=2)]
    cut = list(batches(urls, size=8))
    assert [[u.url for u in b] for b in cut] == [
        ["https://example.com/news/1", "https://example.com/news/3"],
        ["https://other.org/news/2"],
        ["https://example.com/news/4"],
    ]
    for batch in cut:
        assert len({(u.scope_domain, u.feed_id) for u in batch}) == 1


def test_long_urls_make_smaller_batches_and_a_very_long_one_travels_alone() -> None:
    # RELIABILITY L2: a message stays under 8 KiB even with 2,083-character URLs.
    long = [
        PendingUrl(
            url="https://example.com/" + "a" * 2063 + str(n),
            depth=1,
            scope_domain="example.com",
        )
        for n in range(5)
    ]
    assert all(len(u.url) == 2084 for u in long)
    cut = list(batches(long, size=8))
    assert [len(b) for b in cut] == [1, 1, 1, 1, 1]
    huge = PendingUrl(
        url="https://example.com/" + "b" * 5000,
        depth=1,
        scope_domain="example.com",
        feed_id=1,
    )
    assert [len(b) for b in batches([_url(1), huge, _url(2)], size=8)] == [1, 1, 1]
    for batch in batches([*long, *(_url(n, feed_id=None) for n in range(40))], size=8):
        if len(batch) > 1:
            payload = json.dumps([[u.url, u.depth] for u in batch])
            assert len(payload) < 8192
            assert sum(len(u.url) for u in batch) <= BATCH_URL_CHARS


def test_a_batch_of_one_is_possible_and_nothing_gives_nothing() -> None:
    assert list(batches([], size=8)) == []
    assert [len(b) for b in batches([_url(1), _url(2)], size=1)] == [1, 1]
