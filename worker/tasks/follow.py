"""follow_links: enqueue the related stories an article page links to (stage 5).

The pure decision (scope, depth, kind, traps, per-page cap) is
``pipeline.follow.choose_links_to_follow``. It is taken where the page already is in
memory, inside ``fetch_article``'s store transaction (``plan_follow``): that
transaction records the edge of every link that needs no fetch (rejected, or already
in the frontier) and returns the candidates not seen yet. Only a page with such
candidates gets a ``follow_links`` task, and its message carries just those few links,
so the task neither loads nor re-validates the stored article. The task checks them
again with the same pure decision, writes the new URLs to the frontier and their
edges in one transaction, and sends their fetches after the commit.

A message without ``links`` (sent when the candidates would make a large message, or
by an older version) makes the task decide from the article's stored revision instead.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from typing import Any

from celery import shared_task
from sqlmodel import Session

from schemas.base import url_hash
from schemas.enums import LinkKind, Stage
from schemas.messages import (
    ExtractedArticle,
    FollowCandidate,
    FollowDecision,
    RelatedLink,
)
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

# Candidates travel in the follow_links message only while they stay this small (a
# typical page has a handful; 100 URLs of 2,083 characters would not fit).
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
) -> list[FollowCandidate]:
    """In the caller's transaction, record the edges of the ``found`` links that
    need no fetch under ``decision`` (from ``decide``); return the candidates not yet
    in the frontier (the ones a follow_links task must handle)."""
    known = frontier.known_hashes(session, [url_hash(c.url) for c in decision.follow])
    unseen = [c for c in decision.follow if url_hash(c.url) not in known]
    settled = FollowDecision(
        follow=tuple(c for c in decision.follow if url_hash(c.url) in known),
        rejected=decision.rejected,
    )
    edges = _edges(found, settled, new=())
    record_edges(session, article_id, edges, count=False)
    return unseen


def links_message(candidates: Sequence[FollowCandidate]) -> list[list[str]] | None:
    """The candidates as message data, or None when they would make it large."""
    rows = [
        [c.url, c.kind.value, c.anchor_text[:ANCHOR_TEXT_CHARS]] for c in candidates
    ]
    if sum(len(url) + len(text) for url, _, text in rows) > MAX_INLINE_LINK_CHARS:
        return None
    return rows


@shared_task(base=FollowTask, bind=True, name="newsfeed.follow_links")
def follow_links(
    self: FollowTask,
    article_id: int,
    depth: int = 0,
    scope: str | None = None,
    links: list[list[str]] | None = None,
    page_url: str | None = None,
) -> dict[str, Any]:
    """Record an article's related links and enqueue the ones in scope and depth.

    ``links`` ([url, kind, anchor text] each) are the candidates fetch_article found
    unseen on the page at ``page_url``; without them the stored revision is read.
    """
    runtime, now = self.runtime, datetime.now(UTC)
    if links is not None and page_url is not None:
        found = [
            RelatedLink(url=url, kind=LinkKind(kind), anchor_text=text)
            for url, kind, text in links
        ]
    else:
        with runtime.reading() as session:
            extracted = articles.latest_extracted(session, article_id)
        if extracted is None:
            log.warning("links_skipped", reason="article_missing")
            return {"status": "missing"}
        page = ExtractedArticle.model_validate(extracted)
        found, page_url = list(page.links), page.url
    scope = scope or registrable_domain(page_url)
    decision = decide(
        runtime.settings, found, page_url=page_url, depth=depth, scope=scope
    )
    candidates = [
        PendingUrl(
            url=c.url, depth=c.depth, scope_domain=scope, via_article_id=article_id
        )
        for c in decision.follow
    ]
    with runtime.session() as session:
        new = frontier.add_pending(session, candidates, now=now)
        edges = _edges(found, decision, new={u.url_hash for u in new})
        recorded = record_edges(session, article_id, edges)
    sent = enqueue_fetches(runtime, new)
    log.info(
        "links_followed",
        found=len(found),
        in_scope=len(decision.follow),
        rejected=len(decision.rejected),
        edges=recorded,
        enqueued=sent,
    )
    return {"status": "followed", "enqueued": sent}


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
