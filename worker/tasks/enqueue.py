"""Send fetches for URLs the database just recorded as pending: claim, then send.

Called after the transaction that wrote the frontier rows has committed, so a message
never points at a row that a rollback removed. The Redis claim (SET NX with a TTL) stops
a second discoverer from sending the same URL; a lost send is repaired by the sweep.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from celery import Task

from worker.runtime import Runtime
from worker.store.frontier import PendingUrl

REPR_LIMIT = 1024  # celery.app.amqp.AMQP.kwargsrepr_maxsize


def enqueue_fetches(
    runtime: Runtime,
    urls: Sequence[PendingUrl],
    *,
    reclaim: bool = False,
    force: bool = False,
) -> int:
    """Claim each URL and send ``fetch_article`` for those won; returns how many.

    ``reclaim`` takes the claims unconditionally (sweep, recrawl); ``force`` makes the
    fetch bypass the already-stored check (recrawl).
    """
    from worker.tasks.fetch import fetch_article  # noqa: PLC0415 - import cycle

    if not urls:
        return 0
    hashes = [u.url_hash for u in urls]
    if reclaim:
        runtime.claims.reclaim(hashes)
        won = [True] * len(urls)
    else:
        won = runtime.claims.claim_many(hashes)
    sent = 0
    with fetch_article.app.producer_or_acquire() as producer:
        for url, is_ours in zip(urls, won, strict=True):
            if not is_ours:
                continue
            kwargs = {
                "url": url.url,
                "depth": url.depth,
                "scope": url.scope_domain,
                "feed_id": url.feed_id,
                "force": force,
            }
            send(fetch_article, kwargs, producer=producer)
            sent += 1
    return sent


def send(task: Task[Any, Any], kwargs: dict[str, Any], *, producer: Any = None) -> None:
    """Publish ``task`` with these keyword arguments.

    The ``argsrepr``/``kwargsrepr`` a message shows in logs and Flower are given here:
    left out, Celery builds them with its pure-Python ``saferepr``, a sixth to a
    fifth of the CPU of publishing one message. These small dicts of plain values
    need only ``repr``, cut to Celery's own 1,024-character limit.
    """
    reprs: dict[str, Any] = {"argsrepr": "()", "kwargsrepr": repr(kwargs)[:REPR_LIMIT]}
    task.apply_async(kwargs=kwargs, producer=producer, **reprs)
