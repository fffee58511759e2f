"""Read-only views for the CLI: crawl summaries and article exports."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from schemas import Article, ArticleLink, CrawlUrl, FetchAttempt, Revision
from schemas.enums import FetchStatus, Stage
from schemas.messages import CrawlSummary
from worker.store.articles import aliases_of


def _count(session: Session, query: Any) -> int:
    return int(session.execute(query).scalar_one())


def summary_since(session: Session, since: datetime, *, seconds: float) -> CrawlSummary:
    """What happened since ``since``: polls, stores, revisions, duplicates, follows."""
    attempts = (
        sa_select(col(FetchAttempt.status), func.count())
        .where(col(FetchAttempt.finished_at) >= since)
        .group_by(col(FetchAttempt.status))
    )
    by_status = {str(s): int(n) for s, n in session.execute(attempts).all()}
    failures = (
        sa_select(col(FetchAttempt.reason), func.count())
        .where(
            col(FetchAttempt.finished_at) >= since,
            col(FetchAttempt.reason).is_not(None),
        )
        .group_by(col(FetchAttempt.reason))
    )
    polls = (
        sa_select(func.count(func.distinct(FetchAttempt.feed_id)))
        .where(col(FetchAttempt.finished_at) >= since)
        .where(col(FetchAttempt.stage) == Stage.POLL.value)
    )
    revisions = (
        sa_select(func.count())
        .select_from(Revision)
        .where(col(Revision.fetched_at) >= since, col(Revision.number) > 1)
    )
    followed = (
        sa_select(func.count())
        .select_from(CrawlUrl)
        .where(
            col(CrawlUrl.created_at) >= since, col(CrawlUrl.via_article_id).is_not(None)
        )
    )
    return CrawlSummary(
        feeds_polled=_count(session, polls),
        articles_stored=by_status.get(FetchStatus.STORED.value, 0),
        revisions=_count(session, revisions),
        duplicates=by_status.get(FetchStatus.DUPLICATE.value, 0),
        links_followed=_count(session, followed),
        failures={str(r): int(n) for r, n in session.execute(failures).all()},
        seconds=round(seconds, 2),
    )


def count_articles(session: Session) -> int:
    return _count(session, sa_select(func.count()).select_from(Article))


def article_record(session: Session, article: Article) -> dict[str, Any]:
    """Every stored field of an article, JSON-ready, with aliases and related links."""
    record = article.model_dump(mode="json")
    assert article.id is not None
    record["aliases"] = aliases_of(session, article.id)
    record["related_links"] = [
        {
            "url": e.url,
            "kind": e.kind,
            "anchor_text": e.anchor_text,
            "followed": e.followed,
        }
        for e in session.exec(
            select(ArticleLink)
            .where(col(ArticleLink.article_id) == article.id)
            .order_by(col(ArticleLink.id))
        )
    ]
    return record


def iter_article_records(
    session: Session, *, batch: int = 500
) -> Iterator[dict[str, Any]]:
    last_id = 0
    while True:
        rows = list(
            session.exec(
                select(Article)
                .where(col(Article.id) > last_id)
                .order_by(col(Article.id))
                .limit(batch)
            )
        )
        if not rows:
            return
        for article in rows:
            yield article_record(session, article)
        last_id = rows[-1].id or last_id
