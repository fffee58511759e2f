"""fetch_articles: several pages of one site in one task (stages 3 and 4, batched).

``enqueue_fetches`` sends the URLs of one site found together (a feed's new entries, a
page's related links) as one message, so Celery's cost per message is paid once per
batch. Each URL goes through the steps of a lone ``fetch_article`` (``fetch_page``,
then ``store_pages`` and ``announce``) and gets its own attempt row; only the store
transaction is shared: the pages fetched are stored together, one lock and one commit
for the batch. What a batch adds is what to do when one URL fails, since the others
must not share its fate:

* a permanent failure (refusal, 4xx, no article) is recorded for that URL and the
  batch goes on;
* a transient one (timeout, 5xx) sends that URL alone as a ``fetch_article`` after
  the usual backoff, as its first retry;
* a host whose turn is far off (429, Retry-After, the per-host gate) also sends the
  URLs not yet tried on as a new batch after that wait: they would only wait too;
* after ``fetch_batch_seconds`` of work (at least one URL is always tried), or at the
  soft time limit (which gives up the page it interrupts), the URLs not yet tried go
  on as a new batch, so a slow site never holds a pool process past its time limit;
* the shared transaction hits a uniqueness race (another worker stored one of the
  stories): each page is stored on its own, and the second pass sees the other
  worker's rows; the database is unavailable, or the time is up: each page goes on
  alone as a ``fetch_article``;
* a bug is recorded as ``internal_error`` for its URL and fails the task visibly; the
  URLs not yet tried go on first, and those fetched but not stored are still pending
  in the frontier, where the sweep finds them.

A batch that comes back, retried after failing as a whole or redelivered after its
process died (a page that crashes the parser), is not run as a batch again: each of
its URLs goes on alone, carrying the retry count, so that each gets its own retries
and its own recorded outcome (RELIABILITY F7). A redelivered batch costs no row and no
request for its URLs already stored: one query finds them.
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from sqlalchemy.exc import IntegrityError
from structlog.contextvars import bound_contextvars

from worker.errors import PermanentError, RateLimited
from worker.logs import get_logger
from worker.pipeline.urls import canonical_url
from worker.settings import MIB
from worker.tasks.base import (
    RETRYABLE,
    Subject,
    UnitStopped,
    elapsed_ms,
    failure_of,
)
from worker.tasks.enqueue import send_batch, send_fetch
from worker.tasks.fetch import (
    FetchedPage,
    FetchTask,
    announce,
    fetch_page,
    known_articles,
    refollow,
    store_page,
    store_pages,
    to_order,
)

log = get_logger(__name__)

# Fetched pages are stored as soon as they hold this much: a batch of large pages
# never holds more than about this in memory before its transaction.
FLUSH_BYTES = 16 * MIB

Item = tuple[str, int]  # (url, depth)


@dataclass(frozen=True)
class Batch:
    """The message's common part: what every URL of the batch shares."""

    scope: str | None
    feed_id: int | None
    force: bool

    def subject(self, url: str) -> Subject:
        return Subject(url=url, feed_id=self.feed_id, scope=self.scope)


class _Defer(UnitStopped):
    """Stop here: the URLs not yet tried go on as a new batch after ``countdown``;
    ``settled`` is the outcome of the URL being handled."""

    def __init__(self, countdown: float, *, settled: str) -> None:
        super().__init__(countdown)
        self.countdown = countdown
        self.settled = settled


class FetchBatchTask(FetchTask):
    def subject(
        self,
        args: tuple[Any, ...],  # noqa: ARG002 - keyword arguments only
        kwargs: dict[str, Any],
    ) -> Subject:
        return Subject(feed_id=kwargs.get("feed_id"), scope=kwargs.get("scope"))


@shared_task(base=FetchBatchTask, bind=True, name="newsfeed.fetch_articles")
def fetch_articles(
    self: FetchBatchTask,
    urls: list[list[Any]],
    scope: str | None = None,
    feed_id: int | None = None,
    force: bool = False,
) -> dict[str, Any]:
    """Fetch, extract, deduplicate and store each of ``urls`` (``[url, depth]`` each,
    all of one site); a failure of one URL never stops the others."""
    batch = Batch(scope=scope, feed_id=feed_id, force=force)
    items = [(str(url), int(depth)) for url, depth in urls]
    t0, outcomes = time.monotonic(), Counter[str]()
    known = {} if force else _known(self, items)
    todo = [item for item in items if item[0] not in known]
    if len(todo) < len(items):
        outcomes["known"] = len(items) - len(todo)
    if self.is_second_delivery():
        # A run before this one may have stored some of these pages and died before
        # sending their follow_links; the rest go on alone, so that a page that
        # kills its process fails alone.
        for url, depth in items:
            if url in known:
                refollow(known[url], depth=depth, scope=scope, url=url)
        _send_alone(todo, batch, retries=int(self.request.retries or 0))
        outcomes["sent_alone"] = len(todo)
    else:
        _run(self, todo, batch, outcomes, t0)
    log.info("batch_done", urls=len(items), outcomes=dict(outcomes), ms=elapsed_ms(t0))
    return {"status": "done", "outcomes": dict(outcomes)}


def _run(
    task: FetchBatchTask,
    todo: list[Item],
    batch: Batch,
    outcomes: Counter[str],
    t0: float,
) -> None:
    budget = task.runtime.settings.fetch_batch_seconds
    fetched: list[FetchedPage] = []
    held = 0  # bytes of the pages in ``fetched``
    next_up, countdown = 0, 0.0  # todo[next_up:] is not tried yet
    try:
        for i, (url, depth) in enumerate(todo):
            if i and time.monotonic() - t0 > budget:
                break
            next_up = i + 1
            try:
                page = _fetch_one(task, url, depth, batch)
            except _Defer as stop:
                outcomes[stop.settled] += 1
                countdown = stop.countdown
                break
            if isinstance(page, str):
                outcomes[page] += 1
                continue
            fetched.append(page)
            held += page.bytes_read
            if held >= FLUSH_BYTES:
                _store_all(task, fetched, batch, outcomes)
                fetched, held = [], 0
        _store_all(task, fetched, batch, outcomes)
    finally:
        rest = todo[next_up:]
        if rest:
            send_batch(
                rest,
                scope=batch.scope,
                feed_id=batch.feed_id,
                force=batch.force,
                countdown=countdown,
            )
            outcomes["deferred"] += len(rest)


def _known(task: FetchBatchTask, items: list[Item]) -> dict[str, int]:
    """The batch's URLs already stored (one query for all): a redelivered batch, or a
    URL stored since it was sent, costs no fetch."""
    canonical: dict[str, str] = {}
    for url, _depth in items:
        with contextlib.suppress(ValueError):  # a bad URL fails in its own turn
            canonical[canonical_url(url)] = url
    found = known_articles(task.runtime, list(canonical))
    for url, article_id in found.items():
        log.debug("article_known", url=url, article_id=article_id)
    return {canonical[url]: article_id for url, article_id in found.items()}


def _fetch_one(
    task: FetchBatchTask, url: str, depth: int, batch: Batch
) -> FetchedPage | str:
    """The page fetched and extracted, or the outcome of its failure once handled;
    raises ``_Defer`` when the rest of the batch must wait."""
    started, subject = datetime.now(UTC), batch.subject(url)
    with bound_contextvars(url=url), task.unit_of_work(subject):
        try:
            order = to_order(
                url,
                depth=depth,
                scope=batch.scope,
                feed_id=batch.feed_id,
                force=batch.force,
            )
            return fetch_page(task, order)
        except PermanentError as exc:
            return _record_or_retry_alone(task, (url, depth), batch, exc, started)
        except SoftTimeLimitExceeded as exc:
            status = _record_or_retry_alone(task, (url, depth), batch, exc, started)
            raise _Defer(0.0, settled=status) from exc
        except RETRYABLE as exc:
            countdown = _retry_alone(task, (url, depth), batch, exc)
            if isinstance(exc, RateLimited):
                raise _Defer(countdown, settled="retrying") from exc
            return "retrying"


def _store_all(
    task: FetchBatchTask,
    pages: list[FetchedPage],
    batch: Batch,
    outcomes: Counter[str],
) -> None:
    """Store the fetched pages in one transaction, then announce each."""
    if not pages:
        return
    try:
        stored = store_pages(task, pages)
    except IntegrityError:
        log.info("batch_store_split", pages=len(pages))
        for page in pages:
            outcomes[_store_alone(task, page, batch)] += 1
        return
    except SoftTimeLimitExceeded:
        _send_alone([_item(p) for p in pages], batch, retries=0)
        outcomes["sent_alone"] += len(pages)
        return
    except RETRYABLE as exc:
        for page in pages:
            _retry_alone(task, _item(page), batch, exc)
        outcomes["retrying"] += len(pages)
        return
    for page, done in zip(pages, stored, strict=True):
        with bound_contextvars(url=page.order.url):
            try:
                outcomes[str(announce(page, done)["status"])] += 1
            except SoftTimeLimitExceeded:
                # Stored already: the hard limit is 30 s away, time enough to send
                # the remaining pages' follow_links (the sweep covers a lost one).
                outcomes[done.action.value] += 1


def _store_alone(task: FetchBatchTask, page: FetchedPage, batch: Batch) -> str:
    """One page of a batch whose shared transaction failed, on its own."""
    url = page.order.url
    started, subject = datetime.now(UTC), batch.subject(url)
    with bound_contextvars(url=url), task.unit_of_work(subject):
        try:
            return str(announce(page, store_page(task, page))["status"])
        except PermanentError as exc:
            return _record_or_retry_alone(task, _item(page), batch, exc, started)
        except SoftTimeLimitExceeded:
            _send_alone([_item(page)], batch, retries=0)
            return "sent_alone"
        except RETRYABLE as exc:
            _retry_alone(task, _item(page), batch, exc)
            return "retrying"


def _item(page: FetchedPage) -> Item:
    return (page.order.url, page.order.depth)


def _record_or_retry_alone(
    task: FetchBatchTask,
    item: Item,
    batch: Batch,
    exc: PermanentError | SoftTimeLimitExceeded,
    started: datetime,
) -> str:
    """Record ``item``'s final failure; if the database or Redis fails while it is
    being recorded, send ``item`` alone as a retry (see
    ``NewsfeedTask._record_or_retry``) instead of failing the whole batch."""
    try:
        return str(task.record_failure(batch.subject(item[0]), exc, started)["status"])
    except RETRYABLE as blip:
        _retry_alone(task, item, batch, blip)
        return "retrying"


def _retry_alone(
    task: FetchBatchTask, item: Item, batch: Batch, exc: BaseException
) -> float:
    """Send ``item`` alone as its first retry after the backoff ``exc`` calls for;
    returns the countdown."""
    countdown = task.countdown(1, exc)
    log.info(
        "task_retrying",
        url=item[0],
        reason=failure_of(exc).reason,
        retries=0,
        countdown=round(countdown, 2),
    )
    _send_alone([item], batch, retries=1, countdown=countdown)
    return countdown


def _send_alone(
    items: list[Item], batch: Batch, *, retries: int, countdown: float = 0.0
) -> None:
    """Each of ``items`` as a ``fetch_article`` of its own, ``retries`` counted."""
    for url, depth in items:
        send_fetch(
            url,
            depth,
            scope=batch.scope,
            feed_id=batch.feed_id,
            force=batch.force,
            countdown=countdown,
            retries=retries,
        )
