"""Related-link edges (article -> URL), recorded once per pair."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from schemas import ArticleLink
from schemas.base import url_hash
from worker.store.database import insert_ignore


@dataclass(frozen=True)
class Edge:
    url: str
    kind: str
    anchor_text: str
    depth: int
    followed: bool
    reason: str | None = None


def record_edges(
    session: Session, article_id: int, edges: Sequence[Edge], *, count: bool = True
) -> int:
    """Insert edges not recorded before; returns how many were new (0 unless
    ``count``: counting makes the database return a row per inserted edge)."""
    rows = [
        {
            "article_id": article_id,
            "url": e.url,
            "url_hash": url_hash(e.url),
            "kind": e.kind,
            "anchor_text": e.anchor_text[:500],
            "depth": e.depth,
            "followed": e.followed,
            "reason": e.reason,
        }
        for e in edges
    ]
    unique = list({r["url_hash"]: r for r in reversed(rows)}.values())
    inserted = insert_ignore(
        session,
        ArticleLink,
        unique,
        conflict_columns=("article_id", "url_hash"),
        returning=("id",) if count else (),
    )
    return len(inserted)


def edges_of(session: Session, article_id: int) -> list[ArticleLink]:
    return list(
        session.exec(
            select(ArticleLink)
            .where(col(ArticleLink.article_id) == article_id)
            .order_by(col(ArticleLink.id))
        )
    )
