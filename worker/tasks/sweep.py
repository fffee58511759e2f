"""sweep_pending_urls: re-enqueue URLs whose fetch message was lost.

Redis can lose messages (an embedded server restarted without persistence, FLUSHALL,
a crash between commit and send). The frontier row survives: a URL pending for longer
than twice the fetch tasks' hard limit plus the longest countdown and the restore
sweep is presumed lost and re-sent (RELIABILITY F4 and application rule 2). A URL
whose message was only slow is fetched twice at worst, which the idempotent store
absorbs.

Waiting that long is right for one lost message, not for a broker that lost all of
them: a sweep that finds the broker's mark gone (:class:`BrokerMark`) re-sends every
pending URL at once, so a FLUSHALL, a FLUSHDB or a restart without persistence costs
at most one sweep interval, 60 s by default. The first sweep of a new broker does the
same; a URL whose message is in fact still queued is then fetched once and found
known the second time.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import redis
from celery import shared_task

from schemas.enums import Stage
from worker.app import MAX_COUNTDOWN, TIME_LIMITS, NewsfeedCelery
from worker.logs import get_logger
from worker.runtime import Runtime
from worker.store import frontier
from worker.store.frontier import PendingUrl
from worker.tasks.base import NewsfeedTask
from worker.tasks.enqueue import enqueue_fetches

log = get_logger(__name__)

_FETCH_HARD_LIMIT = max(
    TIME_LIMITS[name][1]
    for name in ("newsfeed.fetch_article", "newsfeed.fetch_articles")
)
# A URL sent on with a countdown (a retry, a deferred batch) waits up to MAX_COUNTDOWN
# in its message without its pending clock being reset: that is not a lost message.
STALE_AFTER = timedelta(seconds=2 * _FETCH_HARD_LIMIT + MAX_COUNTDOWN + 30)
SWEEP_BATCH = 1000
# A key in the broker's own database that nothing deletes and that never expires: when
# it is missing, the broker has lost its data, and its messages with it.
BROKER_MARK = "newsfeed:broker-mark"
# Seconds a sweep after a broker reset goes on re-sending before it leaves the rest to
# the next sweep: under the sweep's 20 s soft time limit.
RESET_BUDGET = 10.0


class SweepTask(NewsfeedTask):
    stage = Stage.FETCH
    max_retries = 0  # the next sweep is the retry


@shared_task(base=SweepTask, bind=True, name="newsfeed.sweep_pending_urls")
def sweep_pending_urls(
    self: SweepTask, older_than_seconds: float | None = None
) -> dict[str, Any]:
    """Re-send fetches for URLs pending longer than ``older_than_seconds``; every
    URL pending since before the broker lost its data, when it has."""
    runtime, now = self.runtime, datetime.now(UTC)
    app: NewsfeedCelery = self.app  # type: ignore[assignment]
    mark = BrokerMark(app.redis_url)
    try:
        lost_at = mark.lost_at(now)
        if lost_at is not None:
            sent, done = _resend(runtime, now=now, older_than=now - lost_at, loop=True)
            # A new broker is "reset" too (every fresh install's first sweep): a
            # warning only when there was something to send again.
            level = log.warning if sent else log.info
            level("broker_reset_detected", pending_reenqueued=sent, done=done)
            if done:
                mark.settle()
            return {"status": "swept", "count": sent, "broker_reset": True}
    finally:
        mark.close()
    age = timedelta(seconds=older_than_seconds) if older_than_seconds else STALE_AFTER
    sent, _ = _resend(runtime, now=now, older_than=age, loop=False)
    if sent:
        log.warning("pending_urls_reenqueued", count=sent)
    return {"status": "swept", "count": sent, "broker_reset": False}


def _resend(
    runtime: Runtime, *, now: datetime, older_than: timedelta, loop: bool
) -> tuple[int, bool]:
    """Take URLs pending since before ``now - older_than`` (their clock restarts at
    ``now``) and send them, reclaiming: one batch, or with ``loop`` batches until
    none is left or RESET_BUDGET has passed. Returns (URLs sent, none left)."""
    sent, started = 0, time.monotonic()
    while True:
        with runtime.session() as session:
            stale = [
                PendingUrl(
                    url=row.url,
                    depth=row.depth,
                    scope_domain=row.scope_domain,
                    feed_id=row.feed_id,
                    via_article_id=row.via_article_id,
                )
                for row in frontier.take_stale(
                    session, now=now, older_than=older_than, limit=SWEEP_BATCH
                )
            ]
        sent += enqueue_fetches(runtime, stale, reclaim=True)
        if len(stale) < SWEEP_BATCH:
            return sent, True
        if not loop or time.monotonic() - started > RESET_BUDGET:
            return sent, False


class BrokerMark:
    """A key in the broker's own database that says since when it has held its data.

    When it is missing, the broker lost its data (FLUSHALL, FLUSHDB, a restart
    without persistence) and every queued message with it (RELIABILITY F4); the
    first sweep of a new broker finds it missing as well. The sweep then writes
    ``resetting <time>`` and re-sends every URL pending since before that time; once
    all are sent, ``settle`` writes ``held``. A sweep that stops half-way (its time
    budget, a crash) leaves ``resetting``, and the next one carries on from the same
    time instead of treating URLs it re-sent as lost again.
    """

    def __init__(self, redis_url: str) -> None:
        self._client = redis.Redis.from_url(
            redis_url, socket_timeout=5, socket_connect_timeout=5
        )

    def lost_at(self, now: datetime) -> datetime | None:
        """Since when the broker's messages are lost, or None if they are not."""
        # Written only where missing: a mark present says the broker held its data
        # (or since when another sweep is resetting it).
        self._client.set(BROKER_MARK, f"resetting {now.isoformat()}", nx=True)
        value = self._client.get(BROKER_MARK) or b"held"
        text = value.decode() if isinstance(value, bytes) else str(value)
        state, _, since = text.partition(" ")
        return datetime.fromisoformat(since) if state == "resetting" else None

    def settle(self) -> None:
        self._client.set(BROKER_MARK, "held")

    def close(self) -> None:
        self._client.close()
