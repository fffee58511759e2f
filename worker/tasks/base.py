"""NewsfeedTask: what every task does with errors, retries, logs and outcomes.

A task body only loads, calls the pure stage, stores and enqueues; this base decides
what an exception means (worker/errors.py draws the tree):

* ``PermanentError`` (refusals, 4xx, unparseable): give up at once — record the reason
  (a FetchAttempt row, the frontier or feed row), log once, return normally so the
  crawl goes on. Celery sees a success; the reason is in the database.
* ``TransientError`` and infrastructure blips (Redis, database): retry with exponential
  backoff and jitter, honouring Retry-After, never with a countdown above
  ``MAX_COUNTDOWN``; after ``max_retries`` give up as above with the last reason.
* A soft time limit: give up with reason ``timeout``.
* Anything else is a bug: record ``internal_error`` and re-raise so Flower shows it.
* A pool child killed mid-task (``WorkerLostError``) is re-sent by Celery under
  ``max_retries`` (task_retry_on_worker_lost); the final one reaches ``task_failure``
  and is recorded as ``worker_lost`` (F7).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

import redis
import structlog
from billiard.exceptions import WorkerLostError
from celery import Task, signals
from celery.exceptions import Retry, SoftTimeLimitExceeded
from sqlalchemy.exc import OperationalError

from schemas.enums import FailureReason, FetchStatus, Stage
from worker.app import MAX_COUNTDOWN, NewsfeedCelery
from worker.errors import (
    NewsfeedError,
    PermanentError,
    RateLimited,
    Refused,
    TransientError,
)
from worker.logs import get_logger
from worker.pipeline.backoff import compute_backoff
from worker.runtime import Runtime, get_runtime

log = get_logger(__name__)

# Errors worth another try, beyond our own TransientError tree: the broker or the
# coordination Redis blinked, or the database was briefly unavailable or locked (F9).
RETRYABLE: tuple[type[Exception], ...] = (
    TransientError,
    redis.ConnectionError,
    redis.TimeoutError,
    OperationalError,
)


# Seconds before a task whose pool process died runs again (see NewsfeedTask).
WORKER_LOST_RETRY_DELAY = 2

# Retries of a task whose final outcome could not be recorded (the database or Redis
# failed while recording it), whatever the stage's own max_retries: with the
# backoff's base of 2 s they span about a minute.
RECORD_RETRIES = 5


class UnitStopped(Exception):
    """Raised from a unit of work to end its task's run on purpose, once the unit's
    own outcome is recorded (a batch that defers the rest of its URLs): not a bug."""


# What a unit of work handles itself (see NewsfeedTask.unit_of_work).
_EXPECTED: tuple[type[BaseException], ...] = (
    UnitStopped,
    Retry,
    PermanentError,
    SoftTimeLimitExceeded,
    *RETRYABLE,
)


@dataclass(frozen=True)
class Subject:
    """What a task works on, for logs and outcome rows."""

    url: str | None = None
    feed_id: int | None = None
    article_id: int | None = None
    scope: str | None = None  # a batch's site

    def context(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if v is not None}


@dataclass(frozen=True)
class Failure:
    reason: str
    status: FetchStatus
    detail: str
    http_status: int | None = None
    retry_after: float | None = None  # what a 429/503 asked for


def failure_of(exc: BaseException) -> Failure:
    if isinstance(exc, NewsfeedError):
        status = FetchStatus.REFUSED if isinstance(exc, Refused) else FetchStatus.FAILED
        retry_after = exc.retry_after if isinstance(exc, RateLimited) else None
        return Failure(exc.reason.value, status, str(exc), exc.http_status, retry_after)
    if isinstance(exc, SoftTimeLimitExceeded):
        return Failure(FailureReason.TIMEOUT.value, FetchStatus.FAILED, "time limit")
    if isinstance(exc, WorkerLostError):
        return Failure(FailureReason.WORKER_LOST.value, FetchStatus.FAILED, str(exc))
    if isinstance(exc, (redis.RedisError, OperationalError)):
        reason = FailureReason.CONNECTION_ERROR.value
        return Failure(reason, FetchStatus.FAILED, type(exc).__name__)
    detail = f"{type(exc).__name__}: {exc}"
    return Failure(FailureReason.INTERNAL_ERROR.value, FetchStatus.FAILED, detail)


class NewsfeedTask(Task):  # type: ignore[type-arg]
    """Base of every newsfeed task; subclasses name their stage and subject."""

    stage: ClassVar[Stage] = Stage.FETCH
    max_retries = 5
    retry_backoff_base: ClassVar[float] = 2.0
    acks_late = True
    reject_on_worker_lost = True
    # The countdown of the retry Celery sends when the pool process running the task
    # died (task_retry_on_worker_lost); our own retries always give a countdown.
    # Celery's default, 180 s, held every task of a killed process back for three
    # minutes. A page that kills its process still stops at max_retries (F7).
    default_retry_delay = WORKER_LOST_RETRY_DELAY
    throws = (PermanentError,)
    typing = True

    @property
    def runtime(self) -> Runtime:
        app: NewsfeedCelery = self.app  # type: ignore[assignment]
        return get_runtime(app.settings, app.redis_url)

    def subject(
        self,
        args: tuple[Any, ...],  # noqa: ARG002 - overridden per stage
        kwargs: dict[str, Any],  # noqa: ARG002
    ) -> Subject:
        return Subject()

    def give_up(self, subject: Subject, failure: Failure, started: datetime) -> None:
        """Record a final failure; stages override to update their own rows."""

    def is_second_delivery(self) -> bool:
        """Whether this run is a retry or a redelivery: a run before it may have got
        part of the way (committed, then died before sending what follows)."""
        request = self.request
        return bool(request.retries or (request.delivery_info or {}).get("redelivered"))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        subject = self.subject(args, kwargs)
        structlog.contextvars.bind_contextvars(**subject.context())
        started = datetime.now(UTC)
        try:
            return self.run(*args, **kwargs)
        except Retry:
            raise
        except PermanentError as exc:
            return self._record_or_retry(subject, exc, started)
        except RETRYABLE as exc:
            return self._retry_or_give_up(subject, exc, started)
        except SoftTimeLimitExceeded as exc:
            return self._record_or_retry(subject, exc, started)
        except Exception as exc:
            self.record_failure(subject, exc, started)
            raise

    def _record_or_retry(
        self, subject: Subject, exc: BaseException, started: datetime
    ) -> dict[str, Any]:
        """Record ``exc`` as final. If the database or Redis fails while it is being
        recorded, try the task again (up to RECORD_RETRIES times, with backoff)
        rather than lose both the work and its record; tasks are idempotent, so the
        retry only repeats the work. This holds for a stage that never retries its
        own failures, such as a poll, whose retry is the schedule: a poll that could
        not record its outcome would otherwise wait for its lease to run out."""
        try:
            return self.record_failure(subject, exc, started)
        except RETRYABLE as blip:
            if int(self.request.retries or 0) >= RECORD_RETRIES:
                raise
            raise self._retry(blip, max_retries=RECORD_RETRIES) from None

    def _retry_or_give_up(
        self, subject: Subject, exc: Exception, started: datetime
    ) -> dict[str, Any]:
        if int(self.request.retries or 0) >= self.max_retries:
            return self._record_or_retry(subject, exc, started)
        raise self._retry(exc)

    def _retry(self, exc: Exception, **options: Any) -> Retry:
        """Send this task again after the backoff ``exc`` calls for, and log it.
        Celery's ``retry`` raises the ``Retry`` itself; callers write
        ``raise self._retry(...)`` as they would ``raise self.retry(...)``."""
        retries = int(self.request.retries or 0)
        countdown = self.countdown(retries + 1, exc)
        log.info(
            "task_retrying",
            reason=failure_of(exc).reason,
            retries=retries,
            countdown=round(countdown, 2),
        )
        return self.retry(exc=exc, countdown=countdown, **options)

    @contextmanager
    def unit_of_work(self, subject: Subject) -> Iterator[None]:
        """One unit of a task that handles several (a page of a batch).

        The unit handles the errors it expects itself; an unexpected one (a bug) is
        recorded against ``subject`` as ``internal_error`` here and re-raised, so
        that the task fails visibly as any task with a bug does.
        """
        started = datetime.now(UTC)
        try:
            yield
        except _EXPECTED:
            raise
        except Exception as exc:
            self.record_failure(subject, exc, started)
            raise

    def countdown(self, attempt: int, exc: BaseException) -> float:
        """Seconds before retry number ``attempt`` after ``exc``: exponential backoff
        with jitter, never sooner than a 429/503's Retry-After, never above
        ``MAX_COUNTDOWN``."""
        countdown = compute_backoff(
            attempt, base=self.retry_backoff_base, maximum=MAX_COUNTDOWN
        )
        if isinstance(exc, RateLimited) and exc.retry_after:
            countdown = max(countdown, min(exc.retry_after, MAX_COUNTDOWN))
        return countdown

    def record_failure(
        self, subject: Subject, exc: BaseException, started: datetime
    ) -> dict[str, Any]:
        """Give up on ``subject`` for good: log once and record the reason."""
        failure = failure_of(exc)
        level = "error" if failure.reason == FailureReason.INTERNAL_ERROR else "warning"
        getattr(log, level)(
            f"{self.stage.value}_{failure.status.value}",
            reason=failure.reason,
            detail=failure.detail,
            tries=int(self.request.retries or 0) + 1,
        )
        self.give_up(subject, failure, started)
        return {"status": failure.status.value, "reason": failure.reason}


def elapsed_ms(since: float) -> int:
    return int((time.monotonic() - since) * 1000)


@signals.task_failure.connect
def _record_worker_lost(
    sender: Task | None = None,  # type: ignore[type-arg]
    exception: BaseException | None = None,
    args: tuple[Any, ...] | None = None,
    kwargs: dict[str, Any] | None = None,
    **_: Any,
) -> None:
    # Only the case Celery handles outside the task: a pool child that died for good.
    if not isinstance(sender, NewsfeedTask) or not isinstance(
        exception, WorkerLostError
    ):
        return
    subject = sender.subject(tuple(args or ()), dict(kwargs or {}))
    log.error("task_worker_lost", **subject.context())
    sender.give_up(subject, failure_of(exception), datetime.now(UTC))
