"""sweep_pending_urls: re-enqueue URLs whose fetch message was lost.

Redis can lose messages (an embedded server restarted without persistence, FLUSHALL,
a crash between commit and send). The frontier row survives: a URL pending for longer
than twice the fetch tasks' hard limit plus the longest countdown and the restore
sweep is presumed lost and re-sent (RELIABILITY F4 and application rule 2). A URL
whose message was only slow is fetched twice at worst, which the idempotent store
absorbs.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from celery import shared_task

from schemas.enums import Stage
from worker.app import MAX_COUNTDOWN, TIME_LIMITS
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


class SweepTask(NewsfeedTask):
    stage = Stage.FETCH
    max_retries = 0  # the next sweep is the retry


@shared_task(base=SweepTask, bind=True, name="newsfeed.sweep_pending_urls")
def sweep_pending_urls(
    self: SweepTask, older_than_seconds: float | None = None
) -> dict[str, Any]:
    """Re-send fetches for URLs pending longer than ``older_than_seconds``."""
    runtime, now = self.runtime, datetime.now(UTC)
    age = timedelta(seconds=older_than_seconds) if older_than_seconds else STALE_AFTER
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
    sent = enqueue_fetches(runtime, stale, reclaim=True)
    if sent:
        log.warning("pending_urls_reenqueued", count=sent)
    return {"status": "swept", "count": sent}
