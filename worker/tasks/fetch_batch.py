"""fetch_articles: several pages of one site in one task (stages 3 and 4, batched).

``enqueue_fetches`` sends the URLs of one site found together (a feed's new entries, a
page's related links) as one message, so Celery's cost per message is paid once per
batch. Each URL goes through the steps of a lone ``fetch_article`` (``fetch_page``,
then ``store_pages`` and ``announce``), and gets its own attempt row; only the store
transaction is shared: the pages fetched are stored together, one lock and one commit
for the batch, and if that transaction fails, each page is stored on its own, so one
page's trouble stays that page's. What a batch adds is what to do when one URL fails,
since the others must not share its fate:

* a permanent failure (refusal, 4xx, no article) is recorded for that URL and the
  batch goes on;
* a transient one (timeout, 5xx, a database lock) sends that URL alone as a
  ``fetch_article`` after the usual backoff, as its first retry;
* a host whose turn is far off (429, Retry-After, the per-host gate) also sends the
  URLs not yet tried back as a new batch after that wait: they would only wait too;
* after ``fetch_batch_seconds`` of work (at least one URL is always tried), or at the
  soft time limit (which gives up the page it interrupts), the URLs not yet tried go
  back as a new batch, so a slow site never holds a pool process past its time limit;
* anything else is a bug: recorded as ``internal_error``, logged at error level, and
  the batch goes on.

A redelivered batch is harmless: each URL already stored is answered ``known``.
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from sqlalchemy.exc import IntegrityError
from structlog.contextvars import bound_contextvars

from worker.errors import RateLimited
from worker.logs import get_logger
from worker.pipeline.urls import canonical_url
from worker.tasks.base import RETRYABLE, Subject, elapsed_ms, failure_of
from worker.tasks.enqueue import send
from worker.tasks.fetch import (
    FetchedPage,
    FetchTask,
    Stored,
    announce,
    fetch_article,
    fetch_page,
    known_articles,
    store_pages,
    to_order,
)

log = get_logger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class Batch:
    """The message's common part: what every URL of the batch shares."""

    scope: str | None
    feed_id: int | None
    force: bool


class _Defer(Exception):
    """Stop here: the URLs not yet tried go back as a new batch after ``countdown``.

    ``settled`` is the outcome of the URL being handled, or None when it was not
    tried and goes back with the rest.
    """

    def __init__(self, countdown: float, *, settled: str | None) -> None:
        super().__init__(countdown)
        self.countdown = countdown
        self.settled = settled


class FetchBatchTask(FetchTask):
    def subject(
        self,
        args: tuple[Any, ...],  # noqa: ARG002 - keyword arguments only
        kwargs: dict[str, Any],
    ) -> Subject:
        return Subject(feed_id=kwargs.get("feed_id"))


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
    outcomes: Counter[str] = Counter()
    t0 = time.monotonic()
    known = {} if force else _known(self, items)
    budget = self.runtime.settings.fetch_batch_seconds
    fetched: list[FetchedPage] = []
    tried = 0
    for i, (url, depth) in enumerate(items):
        if url in known:
            outcomes["known"] += 1
            continue
        try:
            # Every batch tries at least one URL, so a batch always makes progress.
            if tried and time.monotonic() - t0 > budget:
                _defer_now()
            tried += 1
            page = _attempt(self, url, depth, batch, partial(_fetch, self, batch))
        except _Defer as stop:
            _defer(stop, items[i:], batch, outcomes)
            break
        if isinstance(page, str):
            outcomes[page] += 1
        else:
            fetched.append(page)
    _store_all(self, fetched, batch, outcomes)
    log.info("batch_done", urls=len(items), outcomes=dict(outcomes), ms=elapsed_ms(t0))
    return {"status": "done", "outcomes": dict(outcomes)}


def _fetch(task: FetchBatchTask, batch: Batch, url: str, depth: int) -> FetchedPage:
    order = to_order(
        url, depth=depth, scope=batch.scope, feed_id=batch.feed_id, force=batch.force
    )
    return fetch_page(task, order)


def _store_all(
    task: FetchBatchTask,
    pages: list[FetchedPage],
    batch: Batch,
    outcomes: Counter[str],
) -> None:
    """Store the fetched pages in one transaction; when it fails, each page on its
    own, so that one page's trouble (a race on the same story, a bad value) stays
    that page's."""
    if not pages:
        return
    try:
        stored: list[Stored | None] = list(store_pages(task, pages))
    except SoftTimeLimitExceeded:
        _defer(_Defer(0.0, settled=None), _items(pages), batch, outcomes)
        return
    except Exception:  # noqa: BLE001 - retried page by page just below
        log.info("batch_store_split", pages=len(pages))
        stored = [None] * len(pages)
    for i, (page, done) in enumerate(zip(pages, stored, strict=True)):
        url, depth = page.order.url, page.order.depth
        try:
            outcome = _attempt(
                task, url, depth, batch, partial(_announce, task, page, done)
            )
        except _Defer as stop:
            _defer(stop, _items(pages[i:]), batch, outcomes)
            return
        outcomes[outcome] += 1


def _announce(
    task: FetchBatchTask,
    page: FetchedPage,
    stored: Stored | None,
    _url: str,
    _depth: int,
) -> str:
    if stored is None:
        try:
            [stored] = store_pages(task, [page])
        except IntegrityError:
            [stored] = store_pages(task, [page])  # see crawl_article
    return str(announce(page, stored)["status"])


def _items(pages: list[FetchedPage]) -> list[tuple[str, int]]:
    return [(page.order.url, page.order.depth) for page in pages]


def _known(task: FetchBatchTask, items: list[tuple[str, int]]) -> dict[str, int]:
    """The batch's URLs already stored (one query for all): a redelivered batch, or a
    URL stored since it was sent, costs no fetch."""
    canonical: dict[str, str] = {}
    for url, _depth in items:
        with contextlib.suppress(ValueError):  # a bad URL fails in its own turn
            canonical[canonical_url(url)] = url
    found = known_articles(task.runtime, list(canonical))
    for article_id in found.values():
        log.debug("article_known", article_id=article_id)
    return {canonical[url]: article_id for url, article_id in found.items()}


def _attempt(
    task: FetchBatchTask,
    url: str,
    depth: int,
    batch: Batch,
    work: Callable[[str, int], T],
) -> T | str:
    """``work(url, depth)`` for one URL of the batch: its result, or the outcome of
    its failure once handled (see the module docstring); raises ``_Defer`` when the
    rest of the batch must wait."""
    started = datetime.now(UTC)
    try:
        with bound_contextvars(url=url):
            return work(url, depth)
    except RETRYABLE as exc:
        countdown = task.countdown(1, exc)
        log.info(
            "task_retrying",
            url=url,
            reason=failure_of(exc).reason,
            retries=0,
            countdown=round(countdown, 2),
        )
        kwargs = {
            "url": url,
            "depth": depth,
            "scope": batch.scope,
            "feed_id": batch.feed_id,
            "force": batch.force,
        }
        send(fetch_article, kwargs, countdown=countdown, retries=1)
        if isinstance(exc, RateLimited):
            raise _Defer(countdown, settled="retrying") from exc
        return "retrying"
    except SoftTimeLimitExceeded as exc:
        subject = Subject(url=url, feed_id=batch.feed_id)
        status = str(task.record_failure(subject, exc, started)["status"])
        raise _Defer(0.0, settled=status) from exc
    except Exception as exc:  # noqa: BLE001 - permanent failures and bugs: recorded
        subject = Subject(url=url, feed_id=batch.feed_id)
        return str(task.record_failure(subject, exc, started)["status"])


def _defer_now() -> None:
    raise _Defer(0.0, settled=None)


def _defer(
    stop: _Defer,
    items: list[tuple[str, int]],
    batch: Batch,
    outcomes: Counter[str],
) -> None:
    """Settle the current URL as ``stop`` says and send the untried rest back."""
    rest = items if stop.settled is None else items[1:]
    if stop.settled is not None:
        outcomes[stop.settled] += 1
    _send_rest(rest, batch, countdown=stop.countdown)
    outcomes["deferred"] += len(rest)


def _send_rest(items: list[tuple[str, int]], batch: Batch, *, countdown: float) -> None:
    if not items:
        return
    kwargs = {
        "urls": [[url, depth] for url, depth in items],
        "scope": batch.scope,
        "feed_id": batch.feed_id,
        "force": batch.force,
    }
    send(fetch_articles, kwargs, countdown=countdown)
