"""The per-host rate gate against the real embedded Redis (RELIABILITY L4, rule 4)."""

from __future__ import annotations

import itertools
import threading
import time

import pytest
import redis

from worker.errors import RateLimited
from worker.store.rates import HostRateGate

pytestmark = pytest.mark.integration


def test_four_threads_on_one_host_arrive_at_least_the_interval_apart(
    redis_server, redis_client
):
    arrivals: list[float] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + 2.5

    def hammer() -> None:
        client = redis.Redis.from_url(redis_server.url)
        gate = HostRateGate(client, min_interval=0.2)
        while time.monotonic() < stop_at:
            gate.wait_turn("news.example")
            with lock:
                arrivals.append(time.monotonic())
        client.close()

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    arrivals.sort()
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    assert len(arrivals) >= 12
    assert min(gaps) >= 0.19


def test_hosts_do_not_share_a_turn(redis_client):
    gate = HostRateGate(redis_client, min_interval=1.0)
    assert gate.wait_turn("a.example") == 0.0
    assert gate.wait_turn("b.example") == 0.0


def test_second_request_waits_for_the_interval(redis_client):
    gate = HostRateGate(redis_client, min_interval=0.3)
    gate.wait_turn("news.example")
    started = time.monotonic()
    waited = gate.wait_turn("news.example")
    assert 0.25 <= waited <= 0.3
    assert time.monotonic() - started >= 0.25


def test_crawl_delay_longer_than_the_minimum_is_used(redis_client):
    gate = HostRateGate(redis_client, min_interval=0.1)
    gate.wait_turn("news.example", interval=0.4)
    assert 0.35 <= gate.wait_turn("news.example", interval=0.4) <= 0.4


def test_zero_interval_is_a_no_op(redis_client):
    gate = HostRateGate(redis_client, min_interval=0.0)
    assert gate.wait_turn("news.example") == 0.0
    assert gate.wait_turn("news.example", interval=0.0) == 0.0
    assert redis_client.keys("*") == []


def test_key_lives_a_little_longer_than_the_interval(redis_client):
    gate = HostRateGate(redis_client, min_interval=5.0)
    gate.wait_turn("News.Example")
    ttl_ms = redis_client.pttl("rate:news.example")
    assert 5000 < ttl_ms <= 6000


def test_turn_too_far_away_is_refused_without_reserving(redis_client):
    gate = HostRateGate(redis_client, min_interval=2.0, max_wait=1.0)
    gate.wait_turn("news.example")
    before = redis_client.get("rate:news.example")
    with pytest.raises(RateLimited) as caught:
        gate.wait_turn("news.example")
    assert caught.value.retry_after is not None
    assert 1.9 <= caught.value.retry_after <= 2.0
    assert redis_client.get("rate:news.example") == before


def test_back_off_keeps_everyone_away_for_retry_after(redis_client):
    gate = HostRateGate(redis_client, min_interval=0.1, max_wait=0.5)
    gate.back_off("news.example", 120)
    with pytest.raises(RateLimited) as caught:
        gate.wait_turn("news.example")
    assert caught.value.retry_after is not None
    assert 119 <= caught.value.retry_after <= 120


def test_back_off_never_shortens_a_wait_and_is_capped_at_an_hour(redis_client):
    gate = HostRateGate(redis_client, min_interval=0.1)
    gate.back_off("news.example", 999_999)
    assert redis_client.pttl("rate:news.example") <= 3600 * 1000 + 1000
    gate.back_off("news.example", 5)
    assert redis_client.pttl("rate:news.example") > 3500 * 1000
