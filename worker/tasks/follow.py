"""follow_links: enqueue the related stories an article page links to (stage 5).

The pure decision (scope, depth, kind, traps, per-page cap) is
``pipeline.follow.choose_links_to_follow``. It is taken where the page already is in
memory, inside ``fetch_article``'s store transaction (``plan_follow``): that
transaction records the edge of every link and writes the URLs to fetch to the
frontier as ``pending``. From that commit on, the URLs are safe: if the process dies
before ``follow_links`` is sent, or its message is lost, the frontier sweep re-sends
them. Only a page with new URLs gets a ``follow_links`` task, and its message carries
just those URLs and their depths; the task claims each (Redis ``SET NX``) and sends
the fetches of the ones still pending.

A message without ``links`` (sent when the URLs would make a large message, or by an
older version) makes the task decide again from the article's stored revision,
record what is missing, and send the fetches of the candidates still pending.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from typing import Any

from celery import shared_task
from sqlmodel import Session

from schemas.base import url_hash
from schemas.enums import LinkKind, Stage
from schemas.messages import ExtractedArticle, FollowDecision, RelatedLink
from worker.logs import get_logger
from worker.pipeline.follow import choose_links_to_follow
from worker.pipeline.urls import registrable_domain
from worker.settings import Settings
from worker.store import articles, frontier
from worker.store.frontier import PendingUrl
from worker.store.links import Edge, record_edges
from worker.tasks.base import NewsfeedTask, Subject
from worker.tasks.enqueue import enqueue_fetches

log = get_logger(__name__)

# URLs travel in the follow_links message only while they stay this small (a typical
# page has a handful; 100 URLs of 2,083 characters would not fit).
MAX_INLINE_LINK_CHARS = 16_384
ANCHOR_TEXT_CHARS = 500  # what an edge row keeps


class FollowTask(NewsfeedTask):
    stage = Stage.FOLLOW

    def subject(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Subject:
        article_id = kwargs.get("article_id", args[0] if args else None)
        return Subject(article_id=int(article_id) if article_id is not None else None)


def decide(
    settings: Settings,
    found: Sequence[RelatedLink],
    *,
    page_url: str,
    depth: int,
    scope: str,
) -> FollowDecision:
    """The follow decision under these settings. Menu and footer links are never
    followed nor recorded, so they are left out before the per-link work."""
    return choose_links_to_follow(
        [link for link in found if link.kind is not LinkKind.NAV],
        page_url=page_url,
        depth=depth,
        max_depth=settings.max_depth,
        scope_domain=scope,
        follow_kinds=settings.follow_kinds,
        max_outlinks=settings.max_outlinks,
    )


def plan_follow(
    session: Session,
    article_id: int,
    found: Sequence[RelatedLink],
    decision: FollowDecision,
    *,
    scope: str,
    now: datetime,
) -> list[PendingUrl]:
    """In the caller's transaction, write the URLs ``decision`` (from ``decide``)
    follows to the frontier as pending and record every edge; return the URLs that
    were new to the frontier (the ones a follow_links task must send)."""
    new = frontier.add_pending(
        session, _pending(decision, scope=scope, article_id=article_id), now=now
    )
    edges = _edges(found, decision, new={u.url_hash for u in new})
    record_edges(session, article_id, edges, count=False)
    return new


def links_message(urls: Sequence[PendingUrl]) -> list[list[Any]] | None:
    """The URLs as message data, ``[url, depth]`` each, or None when they would make
    a large message."""
    if sum(len(u.url) for u in urls) > MAX_INLINE_LINK_CHARS:
        return None
    return [[u.url, u.depth] for u in urls]


def _pending(
    decision: FollowDecision, *, scope: str, article_id: int
) -> list[PendingUrl]:
    return [
        PendingUrl(
            url=c.url, depth=c.depth, scope_domain=scope, via_article_id=article_id
        )
        for c in decision.follow
    ]


@shared_task(base=FollowTask, bind=True, name="newsfeed.follow_links")
def follow_links(
    self: FollowTask,
    article_id: int,
    depth: int = 0,
    scope: str | None = None,
    links: list[list[Any]] | None = None,
    page_url: str | None = None,
) -> dict[str, Any]:
    """Send the fetches of an article's related links that are still pending.

    ``links`` ([url, depth] each) are the URLs fetch_article wrote to the frontier;
    without them the stored revision is read and the decision taken again.
    """
    runtime = self.runtime
    if links is not None:
        urls = [
            PendingUrl(
                url=str(url),
                depth=int(link_depth),
                scope_domain=scope or registrable_domain(page_url or str(url)),
                via_article_id=article_id,
            )
            for url, link_depth in links
        ]
        found, edges = len(urls), 0
    else:
        decided = _decide_from_stored(self, article_id, depth=depth, scope=scope)
        if decided is None:
            log.warning("links_skipped", reason="article_missing")
            return {"status": "missing"}
        urls, found, edges = decided
    with runtime.reading() as session:
        pending = frontier.pending_hashes(session, [u.url_hash for u in urls])
    sent = enqueue_fetches(runtime, [u for u in urls if u.url_hash in pending])
    log.info(
        "links_followed", found=found, pending=len(pending), edges=edges, enqueued=sent
    )
    return {"status": "followed", "enqueued": sent}


def _decide_from_stored(
    task: FollowTask, article_id: int, *, depth: int, scope: str | None
) -> tuple[list[PendingUrl], int, int] | None:
    """The decision taken again from the stored page, its missing frontier rows and
    edges written; ``(urls to follow, links found, edges recorded)``."""
    runtime = task.runtime
    with runtime.reading() as session:
        extracted = articles.latest_extracted(session, article_id)
    if extracted is None:
        return None
    page = ExtractedArticle.model_validate(extracted)
    scope = scope or registrable_domain(page.url)
    decision = decide(
        runtime.settings, page.links, page_url=page.url, depth=depth, scope=scope
    )
    urls = _pending(decision, scope=scope, article_id=article_id)
    with runtime.session() as session:
        new = frontier.add_pending(session, urls, now=datetime.now(UTC))
        edges = _edges(page.links, decision, new={u.url_hash for u in new})
        recorded = record_edges(session, article_id, edges)
    return urls, len(page.links), recorded


def _edges(
    found: Sequence[RelatedLink], decision: FollowDecision, *, new: Collection[str]
) -> list[Edge]:
    edges = [
        Edge(
            url=c.url,
            kind=c.kind.value,
            anchor_text=c.anchor_text,
            depth=c.depth,
            followed=url_hash(c.url) in new,
            reason=None if url_hash(c.url) in new else "already_known",
        )
        for c in decision.follow
    ]
    kinds = {link.url: link for link in found}
    for rejected in decision.rejected:
        link = kinds.get(rejected.url)
        if link is None or link.kind is LinkKind.NAV:
            continue  # menus and footers are not related stories: not worth a row
        edges.append(
            Edge(
                url=rejected.url,
                kind=link.kind.value,
                anchor_text=link.anchor_text,
                depth=-1,
                followed=False,
                reason=rejected.reason,
            )
        )
    return edges
