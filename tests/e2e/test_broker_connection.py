"""RELIABILITY F12: the worker's connections to Redis are cut while tasks run.

Redis itself stays up (F3 kills it); the worker reaches it through a forwarder
(``tests.support.tcp_proxy``) that the test cuts: every open connection is dropped
and new ones are refused for a moment, as a network blip or a Redis-side client
kill would do. The same worker must reconnect, the tasks it was running when the
connection went must not leave a second row, and the crawl must end with every
article stored once.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.database import BACKENDS, backend_param
from tests.support.fault_crawl import ARTICLES, FaultCrawl, fault_crawl
from tests.support.tcp_proxy import TcpProxy, tcp_proxy
from tests.support.workers import wait_until_drained
from worker.broker import EmbeddedRedis

# Crawls with faults have deadlines of their own; let them, not the suite's 120 s
# per test, be what fails a slow run.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

CUT_SECONDS = 2.0  # connections refused for this long
RESUME_WITHIN = 15.0  # consuming again this soon after the cut ends (as F3)


@pytest.fixture
def forward(own_redis: EmbeddedRedis) -> Iterator[TcpProxy]:
    with tcp_proxy(str(own_redis.socket)) as proxy:
        yield proxy


@pytest.fixture(params=[backend_param(b) for b in BACKENDS])
def bench_crawl(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    bench_site_url: str,
    forward: TcpProxy,
) -> Iterator[FaultCrawl]:
    url = f"redis://127.0.0.1:{forward.port}/0"
    with fault_crawl(tmp_path, request.param, bench_site_url, url) as crawl:
        yield crawl


def test_a_worker_whose_broker_connections_are_cut_loses_nothing(
    bench_crawl: FaultCrawl, forward: TcpProxy
) -> None:
    # Given a crawl under way
    worker = bench_crawl.start_worker()
    bench_crawl.poll_feeds()
    bench_crawl.wait_for_stored(ARTICLES // 5)
    # When every connection of the worker to Redis is dropped, and new ones are
    # refused for 2 s
    forward.cut()
    time.sleep(CUT_SECONDS)
    before = bench_crawl.stored()
    assert before < ARTICLES, "the crawl ended before the cut"
    forward.restore()
    back = time.monotonic()
    bench_crawl.broker.connection_pool.disconnect()  # the test's own, cut as well
    # Then the same worker takes up the crawl again within 15 s
    bench_crawl.wait_for_stored(before + 1, timeout=RESUME_WITHIN)
    assert time.monotonic() - back < RESUME_WITHIN
    # and finishes it; the tasks it was running at the cut were cancelled (they
    # cannot be acknowledged on a new connection), and their messages come back
    # after the visibility timeout (the test runs kombu's restore at once)
    bench_crawl.wait_until_only_unacked()
    bench_crawl.restore_unacked_now()
    wait_until_drained(bench_crawl.broker, timeout=60, process=worker)
    # every article stored once, nothing pending, and the worker never restarted
    assert worker.poll() is None
    bench_crawl.assert_complete()
