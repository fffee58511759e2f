"""RELIABILITY F3: the broker is killed (SIGKILL) mid-crawl and restarted 5 s later,
and 45 s later.

The worker runs on a Redis of this test's own (the embedded server, AOF on, as
``newsfeed up`` runs it), so that killing it disturbs no other test. The crawl must
resume on its own within 15 s of Redis coming back, with the same worker process,
and end with every article stored once. The 45 s outage runs on SQLite only: what
it adds (the worker's reconnection backing off to longer waits) does not touch the
database, and it costs the suite most of a minute.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.database import BACKENDS, backend_param
from tests.support.fault_crawl import ARTICLES, FaultCrawl, fault_crawl
from tests.support.workers import wait_until_drained
from worker.broker import EmbeddedRedis

# Crawls with faults have deadlines of their own; let them, not the suite's 120 s
# per test, be what fails a slow run.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

OUTAGES = (5.0, 45.0)  # F3's two outages, in seconds
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


@pytest.fixture
def sqlite_crawl(
    tmp_path: Path, bench_site_url: str, own_redis: EmbeddedRedis
) -> Iterator[FaultCrawl]:
    with fault_crawl(tmp_path, "sqlite", bench_site_url, own_redis.url) as crawl:
        yield crawl


def test_a_broker_killed_for_5_s_loses_nothing(
    bench_crawl: FaultCrawl, own_redis: EmbeddedRedis
) -> None:
    _crawl_through_a_broker_outage(bench_crawl, own_redis, OUTAGES[0])


def test_a_broker_killed_for_45_s_loses_nothing(
    sqlite_crawl: FaultCrawl, own_redis: EmbeddedRedis
) -> None:
    _crawl_through_a_broker_outage(sqlite_crawl, own_redis, OUTAGES[1])


def _crawl_through_a_broker_outage(
    bench_crawl: FaultCrawl, own_redis: EmbeddedRedis, outage: float
) -> None:
    # Given a crawl under way
    worker = bench_crawl.start_worker()
    bench_crawl.poll_feeds()
    bench_crawl.wait_for_stored(ARTICLES // 5)
    # When its Redis is killed, and started again on the same socket a while later
    assert own_redis.process is not None
    own_redis.process.send_signal(signal.SIGKILL)
    own_redis.process.wait()
    time.sleep(outage)
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
    bench_crawl.wait_until_only_unacked()
    bench_crawl.restore_unacked_now()
    wait_until_drained(bench_crawl.broker, timeout=60, process=worker)
    # every article stored once, nothing pending, and the worker never restarted
    assert worker.poll() is None
    bench_crawl.assert_complete()
