"""RELIABILITY F1, F2, F4 and F8: crawls of the bench site that processes die in the middle of.

Each test crawls the generated bench site with a real worker on a fresh database and
an emptied Redis (``tests.support.fault_crawl``), breaks something mid-crawl, lets
the crawl finish, and checks the end state: every article stored once, with one
revision, and no URL left pending.
"""

from __future__ import annotations

import os
import random
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.support.database import BACKENDS, backend_param
from tests.support.fault_crawl import ARTICLES, FaultCrawl, fault_crawl
from tests.support.workers import wait_until_drained
from worker.broker import EmbeddedRedis
from worker.service import is_drained, queue_depths

# Crawls with faults have deadlines of their own; let them, not the suite's 120 s
# per test, be what fails a slow run.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

WORKER_KILLS = 3  # F2: whole workers killed in one crawl


@pytest.fixture(params=[backend_param(b) for b in BACKENDS])
def bench_crawl(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    bench_site_url: str,
    redis_server: EmbeddedRedis,
    redis_client: redis.Redis,  # emptied before and after
) -> Iterator[FaultCrawl]:
    with fault_crawl(
        tmp_path, request.param, bench_site_url, redis_server.url
    ) as crawl:
        yield crawl


def _children(pid: int) -> list[int]:
    """The pool processes of the worker whose main process is ``pid``."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()]


def test_pool_children_killed_every_second_lose_nothing(
    bench_crawl: FaultCrawl,
) -> None:
    # F1: SIGKILL a random pool child every second while the crawl runs.
    worker = bench_crawl.start_worker()
    bench_crawl.poll_feeds()
    bench_crawl.wait_for_stored(1)
    rng = random.Random(9)  # noqa: S311 - picks a victim, not a secret
    kills = 0
    deadline = time.monotonic() + 120
    while not is_drained(bench_crawl.broker, checks=4, interval=0.25):
        assert time.monotonic() < deadline, "the crawl did not finish"
        assert worker.poll() is None, "the worker itself died"
        children = _children(worker.pid)
        if children and bench_crawl.stored() < ARTICLES:
            os.kill(rng.choice(children), signal.SIGKILL)
            kills += 1
        time.sleep(1.0)
    assert kills >= 3
    bench_crawl.assert_complete()


def test_whole_workers_killed_and_restarted_lose_nothing(
    bench_crawl: FaultCrawl,
) -> None:
    # F2: two workers; one is SIGKILLed whole (its process group: the worker and
    # its pool, as a container kill or the OOM killer does) and a new one started in
    # its place, three times. RELIABILITY kills every 8 s in a 2,000-article crawl;
    # this site of 1,000 takes a few seconds, so each worker is killed soon after it
    # is ready (before that it would hold nothing): once 20 more articles are stored.
    steady = bench_crawl.start_worker()
    victim = bench_crawl.start_worker(own_group=True)
    bench_crawl.poll_feeds()
    for started in range(2, 2 + WORKER_KILLS):
        bench_crawl.wait_until_ready(started)
        bench_crawl.wait_for_stored(bench_crawl.stored() + ARTICLES // 50)
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait()
        victim = bench_crawl.start_worker(own_group=True)
    assert bench_crawl.stored() < ARTICLES, "the crawl ended before the last kill"
    # Then the survivors finish the rest, but for the messages the killed workers
    # held: those wait in the unacknowledged set for the visibility timeout
    bench_crawl.wait_until_only_unacked(timeout=120)
    assert queue_depths(bench_crawl.broker)["unacked"] > 0, "the kills stranded none"
    # and once it has passed, a live worker's restore sweep hands them back
    bench_crawl.restore_unacked_now()
    wait_until_drained(bench_crawl.broker, timeout=30, process=steady)
    # A kill can also land after Redis has handed a message over (BRPOP pops it)
    # and before the worker has written it to the unacknowledged set (celery#7950,
    # celery#4354): no restore brings that one back. Its URLs stay pending in the database, and the sweep
    # sends them again once they are STALE_AFTER old (10.5 minutes: inside F2's
    # bound of the visibility timeout plus a sweep period).
    bench_crawl.sweep_now()
    wait_until_drained(bench_crawl.broker, timeout=30, process=steady)
    # every article stored once, one revision each, nothing pending
    assert victim.poll() is None
    bench_crawl.assert_complete()


def test_a_warm_stop_mid_crawl_hands_back_what_it_held(
    bench_crawl: FaultCrawl,
) -> None:
    # F8: SIGTERM the worker mid-crawl, then start a new one.
    worker = bench_crawl.start_worker()
    bench_crawl.poll_feeds()
    bench_crawl.wait_for_stored(ARTICLES // 4)
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=30) == 0
    # Then it held nothing back: what it had not done waits in the queues, none of
    # it in the unacknowledged set (which only the visibility timeout would free)
    assert bench_crawl.stored() < ARTICLES, "the crawl ended before the stop"
    depths = queue_depths(bench_crawl.broker)
    assert depths.pop("unacked") == 0
    assert sum(depths.values()) > 0
    # and when a new worker starts, the crawl completes
    bench_crawl.start_worker()
    wait_until_drained(bench_crawl.broker, timeout=120, process=bench_crawl.worker)
    bench_crawl.assert_complete()


def test_a_broker_that_loses_everything_mid_crawl_loses_nothing(
    bench_crawl: FaultCrawl, redis_client: redis.Redis
) -> None:
    # F4: FLUSHALL mid-crawl, as a Redis restarted without persistence would; the
    # sweep, every second here (60 s by default), must send the pending URLs again
    # within two of its intervals.
    bench_crawl.env["NEWSFEED_SWEEP_INTERVAL_SECONDS"] = "1"
    bench_crawl.start_worker()
    bench_crawl.start_beat()
    bench_crawl.poll_feeds()
    bench_crawl.wait_for_stored(ARTICLES // 5)
    seen = bench_crawl.log.stat().st_size  # the first sweep found a new broker too
    redis_client.flushall()
    lost_at = time.monotonic()
    assert bench_crawl.stored() < ARTICLES, "the crawl ended before the flush"
    # Then the next sweep finds the broker reset and sends every pending URL again
    while b"broker_reset_detected" not in bench_crawl.log.read_bytes()[seen:]:
        # two intervals, and room for the sweep to wait behind a running batch
        assert time.monotonic() - lost_at < 2 * 1.0 + 10.0, "no sweep noticed"
        time.sleep(0.1)
    # and the crawl completes: every article stored once, nothing pending
    bench_crawl.wait_for_stored(ARTICLES, timeout=90)
    wait_until_drained(bench_crawl.broker, timeout=60, process=bench_crawl.worker)
    bench_crawl.assert_complete()
