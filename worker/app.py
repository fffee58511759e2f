"""Build the Celery application from a Settings object.

Everything Celery is told comes from here, with the reason next to each setting (the
style of h's h/tasks/celery.py). Tests call ``create_app(Settings(...))``; production
goes through ``worker/celery.py``, which calls it with the environment's settings.
The numbers follow ../shared/RELIABILITY.md ("Recommended settings").
"""

from __future__ import annotations

import gc
from datetime import timedelta
from typing import Any

from celery import Celery, signals
from celery.exceptions import WorkerShutdown
from kombu import Exchange, Queue

from worker import broker
from worker.exits import collect_once_at_exit
from worker.logs import bind_task_context, clear_task_context, configure_logging
from worker.settings import Settings

FEEDS_QUEUE = "feeds"
ARTICLES_QUEUE = "articles"
LINKS_QUEUE = "links"
QUEUES = (FEEDS_QUEUE, ARTICLES_QUEUE, LINKS_QUEUE)

TASK_MODULES = (
    "worker.tasks.schedule",
    "worker.tasks.poll",
    "worker.tasks.fetch",
    "worker.tasks.fetch_batch",
    "worker.tasks.follow",
    "worker.tasks.recrawl",
    "worker.tasks.sweep",
    "worker.tasks.reextract",
)

# (soft, hard) time limits per task, in seconds. The fetcher has its own 30 s deadline
# per request; a task makes at most two requests (robots.txt and the page), plus
# extraction and one transaction, so 60 s soft leaves room and 90 s hard kills a task
# stuck in C code. The soft limit raises inside the task so it can record a reason.
TIME_LIMITS: dict[str, tuple[int, int]] = {
    "newsfeed.fetch_article": (60, 90),
    # A batch starts no page after 30 s of work (settings.FETCH_BATCH_SECONDS_MAX);
    # the page it started may take a lone fetch's 60 s on top, and the batch's store
    # transaction (a SQLite writer may wait up to its 30 s busy timeout) after that.
    "newsfeed.fetch_articles": (120, 150),
    "newsfeed.recrawl": (60, 90),
    "newsfeed.poll_feed": (60, 90),
    "newsfeed.follow_links": (30, 45),
    "newsfeed.schedule_due_feeds": (20, 30),
    "newsfeed.sweep_pending_urls": (20, 30),
    # A batch of 200 re-extractions at ~20 ms each, with room for a slow database.
    "newsfeed.reextract": (240, 300),
}

# Retries never wait longer than this; a longer Retry-After is scheduled through the DB
# (feeds' next_poll_at) instead of a countdown the broker would have to hold (F10).
MAX_COUNTDOWN = 300

# Redis re-delivers a message whose worker has not acked it within the visibility
# timeout; with acks_late, a task is acked when it ends. kombu restores unacked
# messages in a sweep every RESTORE_INTERVAL seconds instead of ~100 s (F2).
RESTORE_INTERVAL = 10
# Seconds an idle worker's BRPOP waits; see broker_transport_options below.
BRPOP_TIMEOUT = 0.2

# One message reserved per process: with acks_late a long fetch never holds other
# messages hostage, a killed worker strands at most its concurrency, and Redis holds
# the backlog (L2). The per-task cost on loopback is small next to a page fetch.
PREFETCH_MULTIPLIER = 1


# Pages a pool child handles before it is replaced (worker_max_tasks_per_child).
PAGES_PER_CHILD = 1000


class NewsfeedCelery(Celery):
    """A Celery app that carries the Settings it was built from."""

    settings: Settings
    redis_url: str


def check_visibility_timeout(
    visibility_timeout: int, *, prefetch: int, sweep: float
) -> None:
    """Refuse a configuration in which Redis would re-deliver a running task (F6)."""
    hard = max(limit[1] for limit in TIME_LIMITS.values())
    needed = hard * (1 + prefetch) + MAX_COUNTDOWN + sweep
    if visibility_timeout <= needed:
        raise ValueError(
            f"visibility timeout {visibility_timeout}s must exceed {needed:.0f}s "
            f"(hard limit {hard}s x (1 + prefetch {prefetch}) + countdown "
            f"{MAX_COUNTDOWN}s + restore sweep {sweep:.0f}s)"
        )


def celery_config(settings: Settings, redis_url: str) -> dict[str, Any]:
    """The whole Celery configuration for these settings, as a plain mapping."""
    check_visibility_timeout(
        settings.visibility_timeout,
        prefetch=PREFETCH_MULTIPLIER,
        sweep=RESTORE_INTERVAL,
    )
    transport_options = {
        "visibility_timeout": settings.visibility_timeout,
        "unacked_restore_interval": RESTORE_INTERVAL,
        "unacked_restore_throttle": 1,
        "socket_connect_timeout": 5,
        "socket_timeout": 30,
        "socket_keepalive": True,
        "retry_on_timeout": True,
        "health_check_interval": 25,
        # A worker's BRPOP returns after this many seconds when no message comes
        # (kombu's default: 1). Closing the consumer waits for the pending BRPOP's
        # reply, so every warm stop waited half a second on average for it; an idle
        # worker now asks 5 times a second instead of once. Redis >= 6.0 (fractional
        # timeouts). kombu also sleeps this long between two empty polls of a
        # consumer outside an event loop: replies to `celery inspect` and control
        # commands (the compose health check, Flower's inspect calls) may come up to
        # 0.2 s later.
        "polling_interval": BRPOP_TIMEOUT,
    }
    return {
        "broker_url": broker.kombu_url(redis_url),
        "broker_transport_options": transport_options,
        # Workers never give up on the broker; compose restarts them anyway.
        "broker_connection_retry_on_startup": True,
        "broker_connection_max_retries": None,
        # F12: a task running when the broker connection drops is cancelled and
        # redelivered once, instead of acking into a dead connection (default in 6.0).
        "worker_cancel_long_running_tasks_on_connection_loss": True,
        # Publishing outlasts a broker blip of about 75 s (F3).
        "task_publish_retry": True,
        "task_publish_retry_policy": {
            "max_retries": 30,
            "interval_start": 0.5,
            "interval_step": 0.5,
            "interval_max": 3,
        },
        # JSON only: a pickled message is refused, never executed (S8).
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "event_serializer": "json",
        # No result backend: outcomes live in the database; Flower reads events.
        "task_ignore_result": True,
        "task_store_errors_even_if_ignored": False,
        # At-least-once delivery with bounded loops (F1, F7).
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        # A killed pool child counts against max_retries instead of looping forever
        # on a poison page (F7); exceptions and time-outs are acked: retries are ours.
        "task_retry_on_worker_lost": True,
        "task_acks_on_failure": True,
        "task_acks_on_timeout": True,
        "worker_prefetch_multiplier": PREFETCH_MULTIPLIER,
        # Celery's prefork pool, stopping without a half-second pause (worker.prefork).
        "worker_pool": "worker.prefork:TaskPool",
        # Flower needs task events; it enables them on the workers itself while it
        # runs (its --enable-events default), so they stay off otherwise: publishing
        # them costs about a third of a worker's dispatch CPU.
        "worker_send_task_events": settings.task_events,
        "task_send_sent_event": settings.task_events,
        "task_track_started": True,
        # Contain lxml/libxml2 heap growth in long-lived children (L5): a child is
        # replaced after about 1,000 pages at the default batch size (a fetch_articles
        # task carries up to fetch_batch_size), and after no fewer than 100 tasks.
        "worker_max_tasks_per_child": max(
            PAGES_PER_CHILD // settings.fetch_batch_size, 100
        ),
        "worker_max_memory_per_child": 400_000,  # KiB
        # Our logging setup stays in charge of the root logger.
        "worker_hijack_root_logger": False,
        "worker_redirect_stdouts": False,
        # Time to re-queue reserved messages on a warm shutdown (F8).
        "worker_soft_shutdown_timeout": 10.0,
        "worker_enable_soft_shutdown_on_idle": True,
        "worker_eta_task_limit": 1000,
        # Each queue gets its own direct exchange and routing key. Left implicit,
        # Celery binds every queue to the default queue's exchange and key, and the
        # Redis transport then copies each message into all three queues.
        "task_queues": [
            Queue(name, Exchange(name, type="direct"), routing_key=name)
            for name in QUEUES
        ],
        "task_default_queue": ARTICLES_QUEUE,
        "task_routes": {
            "newsfeed.schedule_due_feeds": {"queue": FEEDS_QUEUE},
            "newsfeed.sweep_pending_urls": {"queue": FEEDS_QUEUE},
            "newsfeed.poll_feed": {"queue": FEEDS_QUEUE},
            "newsfeed.fetch_article": {"queue": ARTICLES_QUEUE},
            "newsfeed.fetch_articles": {"queue": ARTICLES_QUEUE},
            "newsfeed.recrawl": {"queue": ARTICLES_QUEUE},
            "newsfeed.reextract": {"queue": ARTICLES_QUEUE},
            "newsfeed.follow_links": {"queue": LINKS_QUEUE},
        },
        "task_annotations": {
            name: {"soft_time_limit": soft, "time_limit": hard}
            for name, (soft, hard) in TIME_LIMITS.items()
        },
        # Beat holds two entries, never one per feed: due feeds live in the database,
        # so a dropped tick costs nothing and missed ticks are not replayed (F5).
        "beat_schedule": {
            "schedule-due-feeds": {
                "task": "newsfeed.schedule_due_feeds",
                "schedule": timedelta(seconds=settings.schedule_tick_seconds),
                "options": {"expires": settings.schedule_tick_seconds * 2},
            },
            "sweep-pending-urls": {
                "task": "newsfeed.sweep_pending_urls",
                "schedule": timedelta(seconds=settings.sweep_interval_seconds),
                "options": {"expires": settings.sweep_interval_seconds * 2},
            },
        },
        "beat_schedule_filename": str(settings.data_dir / "celerybeat-schedule"),
        "timezone": "UTC",
        "enable_utc": True,
    }


def create_app(settings: Settings) -> NewsfeedCelery:
    """The Celery app for these settings: queues, routes, limits, beat, signals."""
    redis_url = broker.resolve_redis_url(settings.redis_url, settings.data_dir)
    app = NewsfeedCelery("newsfeed", set_as_current=True)
    app.settings = settings
    app.redis_url = redis_url
    app.conf.update(celery_config(settings, redis_url))
    app.conf.include = list(TASK_MODULES)
    return app


@signals.setup_logging.connect
def _setup_logging(**_: Any) -> None:
    # Connected so that Celery does not configure logging itself.
    from worker.settings import get_settings  # noqa: PLC0415

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)


@signals.task_prerun.connect
def _bind_task(task_id: str | None = None, task: Any = None, **_: Any) -> None:
    bind_task_context(task_id, getattr(task, "name", None))


@signals.task_postrun.connect
def _clear_task(**_: Any) -> None:
    clear_task_context()


# A pool child's first generation collects every GC_THRESHOLD allocations instead of
# every 700: a page's extraction allocates and frees tens of thousands of lxml proxies,
# tuples and dicts, which reference counting frees on its own.
GC_THRESHOLD = (50_000, 20, 100)


@signals.worker_init.connect
def _freeze_before_forking(**_: Any) -> None:
    """In the worker's main process, once its modules are imported and before its
    pool starts: collect once and freeze what is left into the permanent generation.

    Celery's prefork pool runs a full ``gc.collect()`` before forking each pool
    process (celery/concurrency/asynpool.py, its issue #2927); over everything the
    imports made, each took about 0.08 s, so a worker of concurrency 4 spent a third
    of a second of its start-up collecting the same objects over and over. Frozen,
    they are skipped by those collections and by every later full collection of the
    main process. The price: an object of the imports that ends up in a reference
    cycle after this point is never collected (module-level state lives for the
    process anyway). Measured with one-off scripts: worker ready 1.30-1.52 s after
    its start, 1.03-1.07 s frozen (two runs each, timing Celery's signals); medians
    of six alternating runs to the "ready" line, 1.44 s and 1.20 s.
    """
    gc.collect()
    gc.freeze()


@signals.worker_init.connect
def _refuse_an_old_broker(sender: Any = None, **_: Any) -> None:
    """Stop a worker whose Redis is older than 6.0 with one clear line, instead of
    letting it start and fail every BRPOP (see ``polling_interval``)."""
    redis_url = getattr(getattr(sender, "app", None), "redis_url", None)
    if not redis_url:
        return
    version = broker.old_server_version(redis_url)
    if version is not None:
        # SystemExit: Celery logs and ignores any other exception a handler raises.
        raise WorkerShutdown(
            f"newsfeed needs Redis {'.'.join(map(str, broker.MIN_SERVER_VERSION))} "
            f"or newer; the broker at {broker.mask_url(redis_url)} is {version}"
        )


@signals.worker_process_init.connect
def _tune_gc(**_: Any) -> None:
    """In each new pool child: freeze what it inherited from the parent (Celery,
    SQLAlchemy, lxml, pydantic models: long-lived objects every full collection would
    scan again) into the permanent generation, and collect young objects less often.

    Measured with ``python -m bench.crawl --articles 3000`` (four runs each way):
    CPU per article 10.8 -> 9.4 ms, steady state 195 -> 230 articles/s, peak RSS
    unchanged. References: the ``gc.freeze`` documentation (its fork use case);
    Instagram Engineering, "Dismissing Python Garbage Collection at Instagram" (2017).
    """
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)


@signals.worker_shutdown.connect
def _quick_exit(**_: Any) -> None:
    """Once the worker has stopped (its pool closed, its messages acknowledged or
    handed back), leave with one garbage collection instead of the several of the
    interpreter's teardown: about 0.2 s sooner (see ``worker.exits``). Celery sends
    this signal on a warm shutdown only, in the main process; a cold one
    (``SIGQUIT``) keeps the usual teardown."""
    collect_once_at_exit()
