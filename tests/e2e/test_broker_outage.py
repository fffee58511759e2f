"""RELIABILITY F3: the broker is killed (SIGKILL) mid-crawl and restarted 5 s later.

The worker runs on a Redis of this test's own (the embedded server, AOF on, as
``newsfeed up`` runs it), so that killing it disturbs no other test. The crawl must
resume on its own within 15 s of Redis coming back, with the same worker process,
and end with every article stored once.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kombu import Connection

from tests.support.database import BACKENDS, backend_param
from tests.support.fault_crawl import ARTICLES, FaultCrawl, fault_crawl
from tests.support.workers import wait_until_drained
from worker.broker import EmbeddedRedis, kombu_url
from worker.service import queue_depths

# Crawls with faults have deadlines of their own; let them, not the suite's 120 s
# per test, be what fails a slow run.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

OUTAGE_SECONDS = 5.0  # F3's shorter outage
RESUME_WITHIN = 15.0  # F3: consuming again this soon after Redis returns


@pytest.fixture(params=[backend_param(b) for b in BACKENDS])
def bench_crawl(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    bench_site_url: str,
    own_redis: EmbeddedRedis,
) -> Iterator[FaultCrawl]:
    with fault_crawl(tmp_path, request.param, bench_site_url, own_redis.url) as crawl:
        yield crawl


def test_a_killed_and_restarted_broker_loses_nothing(
    bench_crawl: FaultCrawl, own_redis: EmbeddedRedis
) -> None:
    # Given a crawl under way
    worker = bench_crawl.start_worker()
    bench_crawl.poll_feeds()
    bench_crawl.wait_for_stored(ARTICLES // 5)
    # When its Redis is killed, and started again on the same socket 5 s later
    assert own_redis.process is not None
    own_redis.process.send_signal(signal.SIGKILL)
    own_redis.process.wait()
    time.sleep(OUTAGE_SECONDS)
    before = bench_crawl.stored()
    assert before < ARTICLES, "the crawl ended before the outage"
    own_redis.start()
    back = time.monotonic()
    # Then the same worker takes up the crawl again within 15 s
    bench_crawl.wait_for_stored(before + 1, timeout=RESUME_WITHIN)
    resumed_after = time.monotonic() - back
    assert resumed_after < RESUME_WITHIN
    # and finishes it, but for the tasks the outage cut short (the worker cancels
    # them: it cannot acknowledge them on a new connection), whose messages wait in
    # the unacknowledged set until the visibility timeout (minutes) has passed
    _wait_until_only_unacked(bench_crawl)
    _restore_as_after_the_visibility_timeout(own_redis.url)
    wait_until_drained(bench_crawl.broker, timeout=60, process=worker)
    # every article stored once, nothing pending, and the worker never restarted
    assert worker.poll() is None
    bench_crawl.assert_complete()


def _wait_until_only_unacked(crawl: FaultCrawl, timeout: float = 60.0) -> None:
    """Until the queues are empty and nothing has been stored for 2 s: what is left
    is in the unacknowledged set."""
    deadline = time.monotonic() + timeout
    last, since = -1, time.monotonic()
    while True:
        depths = queue_depths(crawl.broker)
        depths.pop("unacked")
        stored = crawl.stored()
        if stored != last:
            last, since = stored, time.monotonic()
        elif not any(depths.values()) and time.monotonic() - since >= 2.0:
            return
        assert time.monotonic() < deadline, f"the crawl did not settle: {depths}"
        time.sleep(0.25)


def _restore_as_after_the_visibility_timeout(redis_url: str) -> None:
    """What the worker's restore sweep (kombu's ``restore_visible``) does once the
    visibility timeout has passed: the test cannot wait that long, so it runs the
    same kombu code with a timeout of 0."""
    options = {"visibility_timeout": 0}
    with Connection(kombu_url(redis_url), transport_options=options) as connection:
        channel: Any = connection.default_channel  # kombu's Redis channel
        channel.qos.restore_visible(num=1000)
