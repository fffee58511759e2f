"""sweep_pending_urls: re-enqueue URLs whose fetch message was lost.

Redis can lose messages (an embedded server restarted without persistence, FLUSHALL,
a crash between commit and send). The frontier row survives: a URL pending for longer
than twice the fetch tasks' hard limit plus the longest countdown and the restore
sweep is presumed lost and re-sent (RELIABILITY F4 and application rule 2). A URL
whose message was only slow is fetched twice at worst, which the idempotent store
absorbs.

Waiting that long is right for one lost message, not for a broker that lost all of
them: a sweep that finds the broker's mark gone (``BROKER_MARK``, set by the sweep
before it) sends every pending URL at once, so a FLUSHALL or a restart without
persistence costs at most one sweep interval, 60 s by default. The first sweep of a
new broker does the same, which sends only pending URLs no one has claimed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import redis
from celery import shared_task

from schemas.enums import Stage
from worker.app import MAX_COUNTDOWN, TIME_LIMITS, NewsfeedCelery
from worker.logs import get_logger
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


class SweepTask(NewsfeedTask):
    stage = Stage.FETCH
    max_retries = 0  # the next sweep is the retry


@shared_task(base=SweepTask, bind=True, name="newsfeed.sweep_pending_urls")
def sweep_pending_urls(
    self: SweepTask, older_than_seconds: float | None = None
) -> dict[str, Any]:
    """Re-send fetches for URLs pending longer than ``older_than_seconds``; every
    pending URL when the broker has lost its data since the last sweep."""
    runtime, now = self.runtime, datetime.now(UTC)
    app: NewsfeedCelery = self.app  # type: ignore[assignment]
    reset = broker_lost_its_data(app.redis_url, now=now)
    if reset:
        age = timedelta(0)
    elif older_than_seconds:
        age = timedelta(seconds=older_than_seconds)
    else:
        age = STALE_AFTER
    sent = 0
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
                    session, now=now, older_than=age, limit=SWEEP_BATCH
                )
            ]
        # After a reset the claims went with the messages, and those still held are
        # of URLs sent since: no reclaim, so that these are not sent twice.
        sent += enqueue_fetches(runtime, stale, reclaim=not reset)
        # A reset sends every pending URL now; otherwise the next sweep goes on.
        if not reset or len(stale) < SWEEP_BATCH:
            break
    if reset:
        log.warning("broker_reset_detected", pending_reenqueued=sent)
    elif sent:
        log.warning("pending_urls_reenqueued", count=sent)
    return {"status": "swept", "count": sent, "broker_reset": reset}


def broker_lost_its_data(redis_url: str, *, now: datetime) -> bool:
    """Whether the broker's database lost its data since the mark was set (FLUSHALL,
    FLUSHDB, a restart without persistence): then every queued message is gone too
    (RELIABILITY F4). Sets the mark; True on the first sweep of a new broker as well.
    """
    client = redis.Redis.from_url(redis_url)
    try:
        return bool(client.set(BROKER_MARK, now.isoformat(), nx=True))
    finally:
        client.close()
