"""``newsfeed crawl`` starts its worker before the schema upgrade only when safe."""

from __future__ import annotations

import redis

from worker.app import QUEUES
from worker.broker import EmbeddedRedis
from worker.crawl import worker_may_start_first
from worker.service import Service
from worker.settings import get_settings


def _service(embedded: EmbeddedRedis | None) -> Service:
    service = Service(get_settings(), log_path=None)
    service.embedded = embedded
    return service


def test_an_empty_embedded_broker_lets_the_worker_boot_during_the_upgrade(
    redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> None:
    assert worker_may_start_first(_service(redis_server), redis_server.url)


def test_a_message_left_in_a_queue_waits_for_the_upgrade(
    redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> None:
    for queue in QUEUES:
        redis_client.lpush(queue, b"{}")
        assert not worker_may_start_first(_service(redis_server), redis_server.url)
        redis_client.delete(queue)
    assert worker_may_start_first(_service(redis_server), redis_server.url)


def test_an_unacknowledged_message_waits_for_the_upgrade(
    redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> None:
    # kombu moves it back to its queue once the visibility timeout has passed.
    redis_client.hset("unacked", "delivery-tag", "a message")
    assert not worker_may_start_first(_service(redis_server), redis_server.url)


def test_a_shared_broker_always_waits_for_the_upgrade(
    redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> None:
    # Another producer may publish to REDIS_URL at any moment.
    assert not worker_may_start_first(_service(None), redis_server.url)


def test_an_embedded_server_found_running_waits_for_the_upgrade(
    redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> None:
    # A server started by someone else for this data directory (a detached beat,
    # another `newsfeed up`) may have publishers of its own.
    found = EmbeddedRedis(redis_server.data_dir)
    assert found.start() == redis_server.url
    assert found.process is None
    assert not worker_may_start_first(_service(found), redis_server.url)
