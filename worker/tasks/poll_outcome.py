"""What a poll changes on its feed row: the next poll time, the streaks, the activity.

``poll.py`` fetches and parses; this module turns the result (or the failure) into a
:class:`~worker.store.feeds.PollOutcome` for the store, by calling the pure schedule,
activity and feed-health rules with the settings that bound them.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from http import HTTPStatus

from schemas import Feed
from schemas.enums import FailureReason, FeedKind, FetchStatus
from schemas.messages import ParsedFeed
from worker.net.fetcher import FetchResult
from worker.pipeline.activity import Activity, dump_window, load_window
from worker.pipeline.feed_health import disable_reason, is_permanent
from worker.pipeline.schedule import Hints, NextPoll, http_freshness, next_poll
from worker.settings import Settings
from worker.store.feeds import PollOutcome
from worker.tasks.base import Failure

# A feed silent for less than this is never called stale, however regular it was.
STALE_FLOOR = timedelta(hours=1)
# A document that could not be read is tried again on the feed's normal schedule
# (the next version may be fine); transport and server errors back off.
CONTENT_FAILURES = frozenset({FailureReason.UNPARSEABLE, FailureReason.NOT_FEED})


def failure_outcome(
    settings: Settings, feed: Feed, failure: Failure, *, now: datetime
) -> PollOutcome:
    """The feed after a failed poll: streaks, backoff, and disabling past the
    threshold of permanent failures."""
    streak = feed.error_streak + 1
    permanent, disabled = feed.permanent_error_streak, None
    if is_permanent(failure.reason):
        permanent += 1
        disabled = disable_reason(
            failure.reason,
            failure.http_status,
            streak=permanent,
            threshold=settings.disable_after_errors,
        )
    when = schedule(
        settings,
        feed,
        now,
        activity_of(feed),
        Hints(retry_after=failure.retry_after),
        error_streak=0 if failure.reason in CONTENT_FAILURES else streak,
    )
    return PollOutcome(
        status=failure.status.value,
        reason=failure.reason,
        http_status=failure.http_status,
        next_poll_at=when.at,
        interval_seconds=when.interval,
        interval_reason=when.reason,
        error_streak=streak,
        permanent_error_streak=permanent,
        disabled_reason=disabled,
    )


def activity_of(feed: Feed) -> Activity:
    return Activity(
        window=tuple(load_window(feed.poll_history)),
        usual_gap=feed.usual_gap_seconds,
        last_new_at=feed.last_new_entry_at,
    )


def schedule(
    settings: Settings,
    feed: Feed,
    now: datetime,
    activity: Activity,
    hints: Hints,
    *,
    error_streak: int = 0,
    kind: str | None = None,
) -> NextPoll:
    return next_poll(
        now=now,
        kind=FeedKind(kind or feed.kind),
        default_interval=settings.default_poll_interval,
        min_interval=settings.min_poll_interval,
        max_interval=settings.max_poll_interval,
        rate=activity.rate,
        window_span=activity.span,
        window_polls=len(activity.window),
        hints=hints,
        error_streak=error_streak,
    )


def success_outcome(
    settings: Settings,
    feed: Feed,
    page: FetchResult,
    parsed: ParsedFeed | None,
    status: FetchStatus,
    now: datetime,
    body_hash: str | None,
    new_entries: int,
) -> PollOutcome:
    activity = activity_of(feed).observe(now=now, new_entries=new_entries)
    kind = parsed.kind.value if parsed else None
    hints = Hints(
        ttl_minutes=parsed.ttl_minutes if parsed else None,
        update_period_minutes=parsed.update_period_minutes if parsed else None,
        fresh_for=http_freshness(page.headers, now=now),
    )
    when = schedule(settings, feed, now, activity, hints, kind=kind)
    fresh = page.status != HTTPStatus.NOT_MODIFIED
    return PollOutcome(
        status=status.value,
        http_status=page.status,
        next_poll_at=when.at,
        interval_seconds=when.interval,
        interval_reason=when.reason,
        kind=kind,
        title=parsed.title if parsed else None,
        etag=page.headers.get("ETag") if fresh else None,
        last_modified=page.headers.get("Last-Modified") if fresh else None,
        content_hash=body_hash,
        new_entries=new_entries,
        problems=parsed.problems if parsed else (),
        poll_history=dump_window(activity.window),
        usual_gap_seconds=activity.usual_gap,
        last_new_entry_at=activity.last_new_at,
        stale=activity.stale(
            now=now, factor=settings.stale_after_gaps, floor=STALE_FLOOR
        ),
    )


def as_duplicate(outcome: PollOutcome, other: Feed) -> PollOutcome:
    return replace(outcome, disabled_reason=f"moved to feed {other.id}")
