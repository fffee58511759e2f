"""fetch_article: download a page, extract the article, deduplicate, store, follow.

Stage 3 and 4 of the pipeline, in three steps that ``fetch_articles``
(``fetch_batch.py``) also uses for several pages at once:

1. ``fetch_page``: fetch through ``net`` and do all the CPU work (the pure
   ``extract_article``, the page's identity and fingerprint, the follow decision,
   compression) outside any transaction;
2. ``store_pages``: one transaction for any number of pages: ``dedup.decide`` on what
   the database knows, the article rows, the frontier and attempt rows, and the edges
   of the related links (``follow.plan_follow``);
3. ``announce``: after the commit, ``follow_links`` with the candidates not seen yet
   (only when there are some), and the log line.

``recrawl`` re-enters here with ``force=True``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from celery import shared_task
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from schemas.enums import FailureReason, FetchStatus, Stage, UrlState
from schemas.messages import FollowDecision
from worker.errors import BadScheme, ContentError
from worker.logs import get_logger
from worker.pipeline import dedup
from worker.pipeline.extract import EXTRACTOR_VERSION, extract_article
from worker.pipeline.fingerprint import content_hash
from worker.pipeline.urls import canonical_url, registrable_domain
from worker.runtime import Runtime
from worker.store import articles, attempts, frontier
from worker.store.articles import PageToSave
from worker.store.attempts import AttemptRecord
from worker.store.frontier import PendingUrl
from worker.tasks import follow
from worker.tasks.base import Failure, NewsfeedTask, Subject, elapsed_ms
from worker.tasks.enqueue import send
from worker.tasks.follow import follow_links

log = get_logger(__name__)


@dataclass(frozen=True)
class FetchOrder:
    url: str  # canonical
    depth: int
    scope: str
    feed_id: int | None
    force: bool


class FetchTask(NewsfeedTask):
    stage = Stage.FETCH

    def subject(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Subject:
        url = kwargs.get("url", args[0] if args else None)
        return Subject(url=str(url) if url else None, feed_id=kwargs.get("feed_id"))

    def give_up(self, subject: Subject, failure: Failure, started: datetime) -> None:
        if subject.url is None:
            return
        now = datetime.now(UTC)
        with self.runtime.session() as session:
            attempts.record_attempt(
                session,
                AttemptRecord(
                    task_id=str(self.request.id or "eager"),
                    stage=self.stage.value,
                    url=subject.url,
                    status=failure.status.value,
                    reason=failure.reason,
                    detail=failure.detail,
                    http_status=failure.http_status,
                    feed_id=subject.feed_id,
                    started_at=started,
                    finished_at=now,
                ),
            )
            try:
                url = canonical_url(subject.url)
            except ValueError:
                return
            frontier.finish(
                session, url, now=now, state=UrlState.FAILED, reason=failure.reason
            )


def to_order(
    url: str, *, depth: int, scope: str | None, feed_id: int | None, force: bool
) -> FetchOrder:
    try:
        canonical = canonical_url(url)
    except ValueError as exc:
        raise BadScheme(f"not an http(s) URL: {url[:200]}") from exc
    return FetchOrder(
        url=canonical,
        depth=depth,
        scope=scope or registrable_domain(canonical),
        feed_id=feed_id,
        force=force,
    )


@shared_task(base=FetchTask, bind=True, name="newsfeed.fetch_article")
def fetch_article(
    self: FetchTask,
    url: str,
    depth: int = 0,
    scope: str | None = None,
    feed_id: int | None = None,
    force: bool = False,
) -> dict[str, Any]:
    """Fetch, extract, deduplicate and store one article page; then follow its links."""
    order = to_order(url, depth=depth, scope=scope, feed_id=feed_id, force=force)
    return crawl_article(self, order)


def crawl_article(task: FetchTask, order: FetchOrder) -> dict[str, Any]:
    """Fetch, extract and store one page, unless it is stored already (and ``force``
    is off)."""
    if not order.force:
        known = known_articles(task.runtime, [order.url]).get(order.url)
        if known is not None:
            log.info("article_known", article_id=known)
            if task.is_second_delivery():
                refollow(known, depth=order.depth, scope=order.scope, url=order.url)
            return {"status": "known", "article_id": known}
    page = fetch_page(task, order)
    return announce(page, store_page(task, page))


@dataclass(frozen=True)
class FetchedPage:
    """A page fetched and extracted, with everything its store transaction needs."""

    order: FetchOrder
    started: datetime
    t0: float  # time.monotonic() at the start, for the log line
    bytes_read: int
    to_save: PageToSave
    links: FollowDecision
    canonical_note: str | None


def fetch_page(task: FetchTask, order: FetchOrder) -> FetchedPage:
    """Download and extract the page, and do every piece of CPU work its storing
    needs (compression, JSON, the follow decision) before any transaction: on SQLite
    every other writer waits while one is open."""
    runtime, started, t0 = task.runtime, datetime.now(UTC), time.monotonic()
    page = runtime.fetch(order.url, accept="html")
    extracted = extract_article(page.body, url=page.url, charset=page.charset)
    if not extracted.body_text:
        raise ContentError("no article body found", reason=FailureReason.NO_CONTENT)
    identity = dedup.page_identity(extracted, requested_url=order.url)
    to_save = PageToSave(
        extracted=extracted,
        canonical_url=identity.canonical_url,
        aliases=identity.aliases,
        fingerprint=dedup.article_fingerprint(extracted, identity.canonical_url),
        content_hash=content_hash(extracted),
        extractor_version=EXTRACTOR_VERSION,
        fetched_at=started,
        raw_html=page.body if runtime.settings.keep_raw_html else None,
        feed_id=order.feed_id,
        depth=order.depth,
    ).prepare()
    links = follow.decide(
        runtime.settings,
        extracted.links,
        page_url=extracted.url,
        depth=order.depth,
        scope=order.scope,
    )
    return FetchedPage(
        order, started, t0, page.bytes_read, to_save, links, identity.note
    )


def store_pages(task: FetchTask, pages: Sequence[FetchedPage]) -> list[Stored]:
    """Store ``pages`` in one transaction: one lock, one commit for a whole batch."""
    now = datetime.now(UTC)
    with task.runtime.session() as session:
        return [_store(session, task, page, now) for page in pages]


def store_page(task: FetchTask, page: FetchedPage) -> Stored:
    """Store one page in its own transaction."""
    try:
        [stored] = store_pages(task, [page])
    except IntegrityError:
        # Another worker stored the same story between our read and our write; the
        # second pass sees its rows and decides duplicate/unchanged (warehouse db.py).
        [stored] = store_pages(task, [page])
    return stored


def refollow(article_id: int, *, depth: int, scope: str | None, url: str) -> None:
    """Send the follow_links of a page a run before this one stored.

    That run may have died between its commit and sending the follow_links, which
    would leave the page's new related URLs pending with no message until the
    database sweep (minutes later). Without ``links``, follow_links decides again
    from the stored page and sends what is still pending; URL claims keep a URL
    sent once already from being sent twice.
    """
    kwargs = {"article_id": article_id, "depth": depth, "scope": scope, "page_url": url}
    send(follow_links, kwargs)


def announce(page: FetchedPage, stored: Stored) -> dict[str, Any]:
    """After the commit: send the follow_links of a page with new URLs; log."""
    extracted, order = page.to_save.extracted, page.order
    if stored.unseen:
        kwargs = {
            "article_id": stored.article_id,
            "depth": order.depth,
            "scope": order.scope,
            "links": follow.links_message(stored.unseen),
            "page_url": extracted.url,
        }
        send(follow_links, kwargs)
    log.info(
        "article_stored",
        url=order.url,
        outcome=stored.action.value,
        article_id=stored.article_id,
        depth=order.depth,
        bytes=page.bytes_read,
        words=extracted.word_count,
        links=len(extracted.links),
        to_follow=len(stored.unseen),
        canonical_note=page.canonical_note,
        ms=elapsed_ms(page.t0),
    )
    return {"status": stored.action.value, "article_id": stored.article_id}


_STATUS = {
    dedup.StoreAction.NEW: FetchStatus.STORED,
    dedup.StoreAction.REVISE: FetchStatus.REVISED,
    dedup.StoreAction.UNCHANGED: FetchStatus.UNCHANGED,
    dedup.StoreAction.DUPLICATE: FetchStatus.DUPLICATE,
}


@dataclass(frozen=True)
class Stored:
    article_id: int
    action: dedup.StoreAction
    unseen: list[PendingUrl]  # related URLs now pending, for a follow_links task


def _store(
    session: Session, task: FetchTask, fetched: FetchedPage, now: datetime
) -> Stored:
    page, order, unseen = fetched.to_save, fetched.order, []
    same_url, same_text = articles.find_known(
        session, (page.canonical_url, *page.aliases), page.fingerprint
    )
    decision = dedup.decide(
        content_hash=page.content_hash, same_url=same_url, same_text=same_text
    )
    article_id = articles.save_page(session, page, decision)
    frontier.finish(
        session, order.url, now=now, state=UrlState.DONE, article_id=article_id
    )
    attempts.record_attempt(
        session,
        AttemptRecord(
            task_id=str(task.request.id or "eager"),
            stage=Stage.FETCH.value,
            url=order.url,
            status=_STATUS[decision.action].value,
            article_id=article_id,
            feed_id=order.feed_id,
            bytes_read=fetched.bytes_read,
            started_at=fetched.started,
            finished_at=now,
            duration_ms=int((now - fetched.started).total_seconds() * 1000),
        ),
    )
    # Every new or changed page has its links recorded; a page at the depth
    # limit records its edges and follows none.
    if decision.action in {dedup.StoreAction.NEW, dedup.StoreAction.REVISE}:
        unseen = follow.plan_follow(
            session,
            article_id,
            page.extracted.links,
            fetched.links,
            scope=order.scope,
            now=now,
        )
    return Stored(article_id, decision.action, unseen)


def known_articles(runtime: Runtime, urls: Sequence[str]) -> dict[str, int]:
    """The URLs (canonical) that already lead to a stored article, with its id; their
    frontier rows are marked done. A redelivered or repeated fetch stops here."""
    with runtime.reading() as session:
        known = articles.known_urls(session, urls)
    if known:
        now = datetime.now(UTC)
        with runtime.session() as session:
            for url, article_id in known.items():
                frontier.finish(
                    session, url, now=now, state=UrlState.DONE, article_id=article_id
                )
    return known
