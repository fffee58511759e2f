"""fetch_articles: several pages of one site in one task (stages 3 and 4, batched).

``enqueue_fetches`` sends the URLs of one site found together (a feed's new entries, a
page's related links) as one message, so Celery's cost per message is paid once per
batch. Each URL goes through exactly what a lone ``fetch_article`` does
(``crawl_article``: its own fetch, its own store transaction, its own attempt row); a
batch changes the cost of a page, not what happens to it. What a batch adds is what to
do when one URL fails, since the others must not share its fate:

* a permanent failure (refusal, 4xx, no article) is recorded for that URL and the
  batch goes on;
* a transient one (timeout, 5xx, a database lock) sends that URL alone as a
  ``fetch_article`` after the usual backoff, as its first retry;
* a host whose turn is far off (429, Retry-After, the per-host gate) also sends the
  URLs not yet tried back as a new batch after that wait: they would only wait too;
* after ``BATCH_SECONDS`` of work, or at the soft time limit (which gives up the page
  it interrupts), the URLs not yet tried go back as a new batch, so a slow site never
  holds a pool process past its time limit;
* anything else is a bug: recorded as ``internal_error``, logged at error level, and
  the batch goes on.

A redelivered batch is harmless: each URL already stored is answered ``known``.
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
from structlog.contextvars import bound_contextvars

from worker.errors import RateLimited
from worker.logs import get_logger
from worker.pipeline.urls import canonical_url
from worker.tasks.base import RETRYABLE, Subject, elapsed_ms, failure_of
from worker.tasks.enqueue import send
from worker.tasks.fetch import (
    FetchTask,
    crawl_article,
    fetch_article,
    known_articles,
    to_order,
)

log = get_logger(__name__)

# Work a batch starts before handing the rest to a new message. One page may still
# take its own worst case after this (two requests with a 30 s deadline each, plus
# extraction): the time limits in worker/app.py add the two.
BATCH_SECONDS = 30.0


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
    for i, (url, depth) in enumerate(items):
        if url in known:
            outcomes["known"] += 1
            continue
        stop = (
            _Defer(0.0, settled=None) if time.monotonic() - t0 > BATCH_SECONDS else None
        )
        if stop is None:
            try:
                with bound_contextvars(url=url):
                    outcomes[_crawl_one(self, url, depth, batch)] += 1
                continue
            except _Defer as deferred:
                stop = deferred
        rest = items[i:] if stop.settled is None else items[i + 1 :]
        if stop.settled is not None:
            outcomes[stop.settled] += 1
        _send_rest(rest, batch, countdown=stop.countdown)
        outcomes["deferred"] += len(rest)
        break
    log.info("batch_done", urls=len(items), outcomes=dict(outcomes), ms=elapsed_ms(t0))
    return {"status": "done", "outcomes": dict(outcomes)}


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


def _crawl_one(task: FetchBatchTask, url: str, depth: int, batch: Batch) -> str:
    """One URL of the batch, to its outcome; raises ``_Defer`` to stop the batch."""
    started = datetime.now(UTC)
    subject = Subject(url=url, feed_id=batch.feed_id)
    try:
        order = to_order(
            url,
            depth=depth,
            scope=batch.scope,
            feed_id=batch.feed_id,
            force=batch.force,
        )
        return str(crawl_article(task, order, checked=True)["status"])
    except RETRYABLE as exc:
        countdown = task.countdown(1, exc)
        log.info(
            "task_retrying",
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
        status = str(task.record_failure(subject, exc, started)["status"])
        raise _Defer(0.0, settled=status) from exc
    except Exception as exc:  # noqa: BLE001 - permanent failures and bugs: recorded
        return str(task.record_failure(subject, exc, started)["status"])


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
