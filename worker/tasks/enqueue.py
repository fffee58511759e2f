"""Send fetches for URLs the database just recorded as pending: claim, then send.

Called after the transaction that wrote the frontier rows has committed, so a message
never points at a row that a rollback removed. The Redis claim (SET NX with a TTL) stops
a second discoverer from sending the same URL; a lost send is repaired by the sweep.

URLs of one site found together (a feed's new entries, a page's related links, a sweep)
travel in batches: one ``fetch_articles`` message per ``fetch_batch_size`` URLs, so
Celery's cost per message (two broker round trips, the pool pipe, the ack, the memory
check) is paid once per batch instead of once per page. A lone URL is sent as a plain
``fetch_article``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from celery import Task

from worker.runtime import Runtime
from worker.store.frontier import PendingUrl

REPR_LIMIT = 1024  # celery.app.amqp.AMQP.kwargsrepr_maxsize
# A batch message stays under 8 KiB however long its URLs are (RELIABILITY L2): URLs
# join a batch while their characters fit in this, and a longer URL travels alone.
# The URLs appear twice in a message (the kwargs, base64-encoded, and up to 1 KiB of
# kwargsrepr); tests/integration/test_enqueue.py publishes the largest such batch to
# Redis and checks its size.
BATCH_URL_CHARS = 3072


def enqueue_fetches(
    runtime: Runtime,
    urls: Sequence[PendingUrl],
    *,
    reclaim: bool = False,
    force: bool = False,
) -> int:
    """Claim each URL and send the fetches of those won, in batches; returns how many
    URLs were sent.

    ``reclaim`` takes the claims unconditionally (sweep, recrawl); ``force`` makes the
    fetch bypass the already-stored check (recrawl).
    """
    from worker.tasks.fetch import fetch_article  # noqa: PLC0415 - import cycle

    if not urls:
        return 0
    hashes = [u.url_hash for u in urls]
    if reclaim:
        runtime.claims.reclaim(hashes)
        won = list(urls)
    else:
        claimed = runtime.claims.claim_many(hashes)
        won = [url for url, ours in zip(urls, claimed, strict=True) if ours]
    size = runtime.settings.fetch_batch_size
    with fetch_article.app.producer_or_acquire() as producer:
        for batch in batches(won, size=size):
            first = batch[0]
            scope, feed_id = first.scope_domain, first.feed_id
            if len(batch) == 1:
                send_fetch(
                    first.url,
                    first.depth,
                    scope=scope,
                    feed_id=feed_id,
                    force=force,
                    producer=producer,
                )
            else:
                send_batch(
                    [(u.url, u.depth) for u in batch],
                    scope=scope,
                    feed_id=feed_id,
                    force=force,
                    producer=producer,
                )
    return len(won)


def batches(urls: Sequence[PendingUrl], *, size: int) -> Iterator[list[PendingUrl]]:
    """``urls`` in order, grouped by (scope, feed), in runs of at most ``size`` URLs and
    ``BATCH_URL_CHARS`` characters (a longer URL alone)."""
    groups: dict[tuple[str, int | None], list[PendingUrl]] = {}
    for url in urls:
        groups.setdefault((url.scope_domain, url.feed_id), []).append(url)
    for group in groups.values():
        batch: list[PendingUrl] = []
        chars = 0
        for url in group:
            if batch and (len(batch) >= size or chars + len(url.url) > BATCH_URL_CHARS):
                yield batch
                batch, chars = [], 0
            batch.append(url)
            chars += len(url.url)
        if batch:
            yield batch


def send_fetch(
    url: str,
    depth: int,
    *,
    scope: str | None,
    feed_id: int | None,
    force: bool,
    **options: Any,
) -> None:
    """Send one ``fetch_article`` (``options`` go to ``apply_async``)."""
    from worker.tasks.fetch import fetch_article  # noqa: PLC0415 - import cycle

    kwargs = {
        "url": url,
        "depth": depth,
        "scope": scope,
        "feed_id": feed_id,
        "force": force,
    }
    send(fetch_article, kwargs, **options)


def send_batch(
    items: Sequence[tuple[str, int]],
    *,
    scope: str | None,
    feed_id: int | None,
    force: bool,
    **options: Any,
) -> None:
    """Send one ``fetch_articles`` for ``items`` ((url, depth) each, one site)."""
    from worker.tasks.fetch_batch import fetch_articles  # noqa: PLC0415 - cycle

    kwargs = {
        "urls": [[url, depth] for url, depth in items],
        "scope": scope,
        "feed_id": feed_id,
        "force": force,
    }
    send(fetch_articles, kwargs, **options)


def send(task: Task[Any, Any], kwargs: dict[str, Any], **options: Any) -> None:
    """Publish ``task`` with these keyword arguments (and ``apply_async`` options).

    The ``argsrepr``/``kwargsrepr`` a message shows in logs and Flower are given here:
    left out, Celery builds them with its pure-Python ``saferepr``, a sixth to a
    fifth of the CPU of publishing one message. These small dicts of plain values
    need only ``repr``, cut to Celery's own 1,024-character limit.
    """
    reprs: dict[str, Any] = {"argsrepr": "()", "kwargsrepr": repr(kwargs)[:REPR_LIMIT]}
    task.apply_async(kwargs=kwargs, **reprs, **options)
