"""follow_links: enqueue the related stories an article page links to (stage 5).

The pure decision (scope, depth, kind, traps, per-page cap) is
``pipeline.follow.choose_links_to_follow``; this wrapper loads the links the extractor
found, records every edge with its kind and anchor text, writes the new URLs to the
frontier and sends their fetches after the commit.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from celery import shared_task

from schemas.base import url_hash
from schemas.enums import LinkKind, Stage
from schemas.messages import ExtractedArticle, FollowDecision
from worker.logs import get_logger
from worker.pipeline.follow import choose_links_to_follow
from worker.pipeline.urls import registrable_domain
from worker.store import articles, frontier, links
from worker.store.frontier import PendingUrl
from worker.store.links import Edge
from worker.tasks.base import NewsfeedTask, Subject
from worker.tasks.enqueue import enqueue_fetches

log = get_logger(__name__)


class FollowTask(NewsfeedTask):
    stage = Stage.FOLLOW

    def subject(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Subject:
        article_id = kwargs.get("article_id", args[0] if args else None)
        return Subject(article_id=int(article_id) if article_id is not None else None)


@shared_task(base=FollowTask, bind=True, name="newsfeed.follow_links")
def follow_links(
    self: FollowTask, article_id: int, depth: int = 0, scope: str | None = None
) -> dict[str, Any]:
    """Record an article's related links and enqueue the ones in scope and depth."""
    runtime, now = self.runtime, datetime.now(UTC)
    with runtime.reading() as session:
        extracted = articles.latest_extracted(session, article_id)
    if extracted is None:
        log.warning("links_skipped", reason="article_missing")
        return {"status": "missing"}
    page = ExtractedArticle.model_validate(extracted)
    scope = scope or registrable_domain(page.url)
    decision = choose_links_to_follow(
        page.links,
        page_url=page.url,
        depth=depth,
        max_depth=runtime.settings.max_depth,
        scope_domain=scope,
        follow_kinds=runtime.settings.follow_kinds,
        max_outlinks=runtime.settings.max_outlinks,
    )
    candidates = [
        PendingUrl(
            url=c.url, depth=c.depth, scope_domain=scope, via_article_id=article_id
        )
        for c in decision.follow
    ]
    with runtime.session() as session:
        new = frontier.add_pending(session, candidates, now=now)
        links.record_edges(session, article_id, _edges(page, decision, new))
    sent = enqueue_fetches(runtime, new)
    log.info(
        "links_followed",
        found=len(page.links),
        in_scope=len(decision.follow),
        rejected=len(decision.rejected),
        enqueued=sent,
    )
    return {"status": "followed", "enqueued": sent}


def _edges(
    page: ExtractedArticle, decision: FollowDecision, new: list[PendingUrl]
) -> list[Edge]:
    new_hashes = {u.url_hash for u in new}
    edges = [
        Edge(
            url=c.url,
            kind=c.kind.value,
            anchor_text=c.anchor_text,
            depth=c.depth,
            followed=url_hash(c.url) in new_hashes,
            reason=None if url_hash(c.url) in new_hashes else "already_known",
        )
        for c in decision.follow
    ]
    kinds = {link.url: link for link in page.links}
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
