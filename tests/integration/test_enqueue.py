"""What enqueue_fetches puts on a real Redis: claimed URLs, cut into small batches."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis

from tests.support.messages import fetch_urls, queued
from worker.app import ARTICLES_QUEUE, create_app
from worker.broker import EmbeddedRedis
from worker.runtime import Runtime, get_runtime
from worker.settings import Settings
from worker.store.frontier import PendingUrl
from worker.tasks.enqueue import BATCH_URL_CHARS, enqueue_fetches

pytestmark = pytest.mark.integration


def _url(n: int, length: int, *, feed_id: int = 7) -> PendingUrl:
    path = f"/news/{n}/"
    url = "https://example.com" + path + "a" * (length - len(path) - 19)
    assert len(url) == length
    return PendingUrl(url=url, depth=1, scope_domain="example.com", feed_id=feed_id)


@pytest.fixture
def runtime(redis_server: EmbeddedRedis, tmp_path: Path) -> Runtime:
    """This process's runtime, with an app (and its producer) on the test Redis."""
    settings = Settings(redis_url=redis_server.url, data_dir=tmp_path)
    create_app(settings)
    return get_runtime(settings, redis_server.url)


def test_the_largest_batch_message_stays_under_8_kib(
    runtime: Runtime, redis_client: redis.Redis
) -> None:
    # RELIABILITY L2: the largest message stays under 8 KiB, with 2,083-character URLs.
    # Given URLs as long as a batch allows: three of 2,083 characters from one feed,
    # eight of 384 (a full batch of BATCH_URL_CHARS) from another
    long_urls = [_url(n, 2083) for n in range(3)]
    full = [_url(n, BATCH_URL_CHARS // 8, feed_id=8) for n in range(100, 108)]
    # When they are claimed and sent
    sent = enqueue_fetches(runtime, [*long_urls, *full])
    # Then every URL went out, no message is 8 KiB or more, and the short URLs went
    # as one full batch
    assert sent == 11
    messages = queued(redis_client, ARTICLES_QUEUE)
    assert max(m.size for m in messages) < 8192
    sizes = sorted(len(fetch_urls(m)) for m in messages)
    assert sizes == [1, 1, 1, 8]  # a 2,083-character URL travels alone


def test_a_url_already_claimed_is_not_sent_again(
    runtime: Runtime, redis_client: redis.Redis
) -> None:
    urls = [_url(n, 100) for n in range(5)]
    assert enqueue_fetches(runtime, urls[:3]) == 3
    assert enqueue_fetches(runtime, urls) == 2
    messages = queued(redis_client, ARTICLES_QUEUE)
    assert sorted(len(fetch_urls(m)) for m in messages) == [2, 3]
