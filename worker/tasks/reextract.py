"""reextract: re-derive stored articles from their stored pages, without fetching.

When the extractor improves, ``newsfeed reextract`` (or this task through any Celery
client) runs it again on the raw HTML kept, compressed, with each article's newest
revision. A result that differs becomes a new revision; an identical one only records
the extractor version. Scoped by feed, domain and a first-seen time window; works in
batches of ``BATCH`` articles, each batch re-enqueuing the next, so a large store is
never held in one task and a re-run repeats nothing (the content hash decides).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from celery import shared_task
from sqlalchemy.exc import IntegrityError

from schemas.enums import Stage
from worker.logs import get_logger
from worker.pipeline import dedup
from worker.pipeline.extract import EXTRACTOR_VERSION, extract_article
from worker.pipeline.fingerprint import content_hash
from worker.runtime import Runtime
from worker.store import articles
from worker.store.articles import PageToSave
from worker.tasks.base import NewsfeedTask

log = get_logger(__name__)

BATCH = 200


class ReextractTask(NewsfeedTask):
    stage = Stage.FETCH


def reextract_one(runtime: Runtime, article_id: int) -> str:
    """Re-extract one article; returns revised, unchanged, skipped or conflict."""
    with runtime.reading() as session:
        page = articles.stored_page(session, article_id)
    if page is None:
        return "skipped"  # no stored page (NEWSFEED_KEEP_RAW_HTML was off)
    extracted = extract_article(page.html, url=page.url)
    identity = dedup.page_identity(extracted, requested_url=page.url)
    new_hash = content_hash(extracted)
    if new_hash == page.content_hash or not extracted.body_text:
        with runtime.session() as session:
            articles.mark_extractor_version(session, article_id, EXTRACTOR_VERSION)
        return "unchanged"
    to_save = PageToSave(
        extracted=extracted,
        canonical_url=identity.canonical_url,
        aliases=identity.aliases,
        fingerprint=dedup.article_fingerprint(extracted, identity.canonical_url),
        content_hash=new_hash,
        extractor_version=EXTRACTOR_VERSION,
        fetched_at=page.fetched_at,
        raw_html=page.html,
        feed_id=page.feed_id,
        depth=page.depth,
    )
    decision = dedup.DedupDecision(
        action=dedup.StoreAction.REVISE, article_id=article_id
    )
    try:
        with runtime.session() as session:
            articles.save_page(session, to_save, decision)
    except IntegrityError:
        # The new text is another stored article's: leave both as they are.
        return "conflict"
    return "revised"


def reextract_batch(
    runtime: Runtime,
    *,
    after_id: int = 0,
    feed_id: int | None = None,
    domain: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> tuple[list[int], Counter[str]]:
    """Re-extract the next ``BATCH`` articles in scope; their ids and the outcomes."""
    with runtime.reading() as session:
        ids = articles.article_ids_in_scope(
            session,
            after_id=after_id,
            limit=BATCH,
            feed_id=feed_id,
            domain=domain,
            since=datetime.fromisoformat(since) if since else None,
            until=datetime.fromisoformat(until) if until else None,
        )
    return ids, Counter(reextract_one(runtime, article_id) for article_id in ids)


@shared_task(base=ReextractTask, bind=True, name="newsfeed.reextract")
def reextract(
    self: ReextractTask,
    feed_id: int | None = None,
    domain: str | None = None,
    since: str | None = None,
    until: str | None = None,
    after_id: int = 0,
) -> dict[str, Any]:
    """Re-extract one batch of stored articles in scope, then enqueue the next batch."""
    scope: dict[str, Any] = {
        "feed_id": feed_id,
        "domain": domain,
        "since": since,
        "until": until,
    }
    ids, counts = reextract_batch(self.runtime, after_id=after_id, **scope)
    if len(ids) == BATCH:
        reextract.delay(after_id=ids[-1], **scope)
    log.info("articles_reextracted", version=EXTRACTOR_VERSION, **counts)
    return {"status": "reextracted", **counts}
