"""The Celery configuration derived from Settings (RELIABILITY F6, S8, F1, F7)."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from celery import signals

from worker.app import (
    GC_THRESHOLD,
    MAX_COUNTDOWN,
    PREFETCH_MULTIPLIER,
    RESTORE_INTERVAL,
    TIME_LIMITS,
    celery_config,
    check_visibility_timeout,
)
from worker.settings import Settings

REDIS = "unix:///tmp/nf-test.sock"


def _config(**overrides: object) -> dict[str, object]:
    return celery_config(Settings(data_dir=Path("/tmp/nf"), **overrides), REDIS)  # type: ignore[arg-type]


def test_visibility_timeout_exceeds_every_limit_countdown_and_sweep() -> None:
    config = _config()
    vt = config["broker_transport_options"]["visibility_timeout"]  # type: ignore[index]
    hard = max(limit for _, limit in TIME_LIMITS.values())
    assert vt > hard * (1 + PREFETCH_MULTIPLIER) + MAX_COUNTDOWN + RESTORE_INTERVAL


def test_a_visibility_timeout_too_short_for_the_limits_is_refused() -> None:
    with pytest.raises(ValueError, match="visibility timeout"):
        _config(visibility_timeout=300)
    with pytest.raises(ValueError, match="must exceed"):
        check_visibility_timeout(100, prefetch=1, sweep=10)


def test_only_json_is_accepted_so_pickled_messages_are_refused() -> None:
    config = _config()
    assert config["accept_content"] == ["json"]
    assert config["task_serializer"] == "json"


def test_delivery_is_at_least_once_with_bounded_redelivery() -> None:
    config = _config()
    assert config["task_acks_late"] is True
    assert config["task_reject_on_worker_lost"] is True
    assert config["task_retry_on_worker_lost"] is True
    assert config["worker_prefetch_multiplier"] == 1
    assert config["task_publish_retry"] is True


def test_each_stage_has_its_own_queue_and_every_task_a_time_limit() -> None:
    config = _config()
    routes = config["task_routes"]
    assert routes["newsfeed.poll_feed"] == {"queue": "feeds"}  # type: ignore[index]
    assert routes["newsfeed.fetch_article"] == {"queue": "articles"}  # type: ignore[index]
    assert routes["newsfeed.fetch_articles"] == {"queue": "articles"}  # type: ignore[index]
    assert routes["newsfeed.follow_links"] == {"queue": "links"}  # type: ignore[index]
    annotations = config["task_annotations"]
    for name in routes:  # type: ignore[attr-defined]
        soft = annotations[name]["soft_time_limit"]  # type: ignore[index]
        hard = annotations[name]["time_limit"]  # type: ignore[index]
        assert soft < hard


def test_a_pool_child_is_replaced_after_about_a_thousand_pages() -> None:
    # L5: lxml heap growth is contained per page, and a batch task carries several.
    assert _config(fetch_batch_size=1)["worker_max_tasks_per_child"] == 1000
    assert _config(fetch_batch_size=8)["worker_max_tasks_per_child"] == 125
    assert _config(fetch_batch_size=50)["worker_max_tasks_per_child"] == 100


def test_beat_holds_one_schedule_entry_not_one_per_feed() -> None:
    schedule = _config(schedule_tick_seconds=3)["beat_schedule"]
    assert {e["task"] for e in schedule.values()} == {  # type: ignore[attr-defined]
        "newsfeed.schedule_due_feeds",
        "newsfeed.sweep_pending_urls",
    }


def test_unix_socket_broker_url_is_spelled_for_kombu() -> None:
    assert _config()["broker_url"] == "redis+socket:///tmp/nf-test.sock"


def test_each_queue_has_its_own_exchange_so_a_message_lands_in_one_queue() -> None:
    queues = _config()["task_queues"]
    bindings = {(q.exchange.name, q.routing_key) for q in queues}  # type: ignore[attr-defined]
    assert bindings == {
        ("feeds", "feeds"),
        ("articles", "articles"),
        ("links", "links"),
    }


def test_a_new_pool_child_freezes_what_it_inherits_and_collects_less_often() -> None:
    before = gc.get_threshold()
    try:
        # As Celery does in each pool child it forks
        signals.worker_process_init.send(sender=None)
        assert gc.get_threshold() == GC_THRESHOLD
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_the_worker_freezes_its_imports_before_forking_its_pool() -> None:
    # Celery collects before each fork; frozen objects are skipped by that collection
    gc.unfreeze()
    full_collections = gc.get_stats()[2]["collections"]
    try:
        signals.worker_init.send(sender=None)
        assert gc.get_freeze_count() > 0
        # the garbage of the imports was collected before the rest was frozen
        assert gc.get_stats()[2]["collections"] == full_collections + 1
    finally:
        gc.unfreeze()
