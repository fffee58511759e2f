"""schedule_due_feeds: the beat task that turns due feeds into poll messages (stage 1).

Due feeds live in the database (``feeds.next_poll_at``, indexed), so beat holds one
entry and a dropped tick costs nothing: the next tick finds the same feeds. Each
picked feed's next_poll_at is pushed one lease ahead in the same transaction, so a
feed is not enqueued twice while its poll is pending; the poll sets the real time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from celery import shared_task

from schemas.enums import Stage
from worker.logs import get_logger
from worker.store import feeds
from worker.tasks.base import NewsfeedTask

log = get_logger(__name__)

# A poll message not consumed within this long is presumed lost; the feed becomes
# due again. Well above the poll task's hard limit (90 s) plus queueing time.
POLL_LEASE = timedelta(minutes=10)


class ScheduleTask(NewsfeedTask):
    stage = Stage.POLL
    max_retries = 0  # the next tick is the retry


@shared_task(base=ScheduleTask, bind=True, name="newsfeed.schedule_due_feeds")
def schedule_due_feeds(self: ScheduleTask) -> dict[str, Any]:
    """Enqueue one poll_feed per due feed, in batches, oldest first, up to the
    per-tick cap; the rest stay due for the next tick."""
    from worker.tasks.poll import poll_feed  # noqa: PLC0415 - import cycle

    runtime, now = self.runtime, datetime.now(UTC)
    settings = runtime.settings
    batch = max(settings.schedule_batch_size, 1)
    total = 0
    with poll_feed.app.producer_or_acquire() as producer:
        while total < settings.schedule_max_per_tick:
            # One short transaction per batch: the claim (lease) is committed before
            # the batch is published, so a crash in between only delays those feeds
            # by one lease, and a slow publish never holds the feeds table locked.
            with runtime.session() as session:
                due = feeds.claim_due_feeds(
                    session,
                    now=now,
                    limit=min(batch, settings.schedule_max_per_tick - total),
                    lease=POLL_LEASE,
                )
            for feed_id in due:
                poll_feed.apply_async(kwargs={"feed_id": feed_id}, producer=producer)
            total += len(due)
            if len(due) < batch:
                break
    if total:
        log.info("feeds_scheduled", count=total)
    return {"status": "scheduled", "count": total}
