"""How URLs found together are cut into fetch_articles batches (tasks/enqueue.py)."""

from __future__ import annotations

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
    # Mixed lengths: every batch of more than one URL keeps within the character
    # budget (tests/integration/test_enqueue.py measures the message on Redis).
    mixed = [*long, *(_url(n, feed_id=None) for n in range(40))]
    mixed += [
        PendingUrl(
            url=f"https://example.com/{'c' * 700}/{n}",
            depth=1,
            scope_domain="example.com",
        )
        for n in range(6)
    ]
    cut = list(batches(mixed, size=8))
    assert sum(len(b) for b in cut) == len(mixed)
    for batch in cut:
        if len(batch) > 1:
            assert sum(len(u.url) for u in batch) <= BATCH_URL_CHARS
    assert any(1 < len(b) < 8 for b in cut)  # the 700-character URLs made short runs


def test_a_batch_of_one_is_possible_and_nothing_gives_nothing() -> None:
    assert list(batches([], size=8)) == []
    assert [len(b) for b in batches([_url(1), _url(2)], size=1)] == [1, 1]
