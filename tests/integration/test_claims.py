"""URL claims on a real Redis: one winner per URL, and claims expire."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis

from worker.store.claims import UrlClaims

pytestmark = pytest.mark.integration


def test_only_one_of_many_concurrent_claimers_wins_each_url(
    redis_client: redis.Redis,
) -> None:
    hashes = [f"h{i}" for i in range(500)]
    claims = UrlClaims(redis_client, ttl_seconds=60)
    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(lambda _: claims.claim_many(hashes), range(10)))
    wins_per_url = [sum(r[i] for r in results) for i in range(len(hashes))]
    assert wins_per_url == [1] * len(hashes)


def test_a_claim_expires_so_a_lost_message_does_not_block_its_url(
    redis_client: redis.Redis,
) -> None:
    claims = UrlClaims(redis_client, ttl_seconds=1)
    assert claims.claim_many(["x"]) == [True]
    assert claims.claim_many(["x"]) == [False]
    assert 0 < int(redis_client.ttl("claim:url:x")) <= 1
    time.sleep(1.1)
    assert claims.claim_many(["x"]) == [True]


def test_reclaim_takes_a_claim_unconditionally(redis_client: redis.Redis) -> None:
    claims = UrlClaims(redis_client, ttl_seconds=60)
    claims.claim_many(["y"])
    claims.reclaim(["y"])
    assert claims.claim_many(["y"]) == [False]
