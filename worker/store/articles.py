"""Article rows, revisions and URL aliases, written in one transaction per page.

``save_page`` applies a ``DedupDecision`` (worker.pipeline.dedup): every write is keyed
on a unique constraint (URL hash, fingerprint, (article, content hash)), so a task that
runs twice leaves the same rows.

The per-page path (look-ups, a new article, its revision and aliases) runs as Core
statements on the session's connection: the ORM's unit of work and identity map cost
more than the statements themselves, and nothing here needs them. Updating a known
article (a revision or a last-seen bump, the rare case) keeps the ORM.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlalchemy import bindparam, insert, literal, union_all
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from schemas import Article, Revision, UrlAlias
from schemas.base import url_hash
from schemas.messages import ExtractedArticle
from worker.pipeline.dedup import DedupDecision, KnownArticle, StoreAction
from worker.store.database import insert_ignore

# zlib level for stored pages: level 1 takes ~40 % less CPU than 6 on a 40 KB news
# page for a blob ~8 % larger (0.17 vs 0.16 of the page); this runs once per page.
RAW_HTML_LEVEL = 1


@dataclass(frozen=True)
class PageToSave:
    """Everything about one fetched page that the store needs.

    The column values derived from it (compressed page, extracted JSON, article
    fields) are computed once, on first use; ``prepare`` computes them up front so a
    caller can do that CPU work before it takes the database's write lock.
    """

    extracted: ExtractedArticle
    canonical_url: str
    aliases: tuple[str, ...]  # canonical forms of every URL that led here
    fingerprint: str
    content_hash: str
    extractor_version: str
    fetched_at: datetime
    raw_html: bytes | None = None
    feed_id: int | None = None
    depth: int = 0

    @cached_property
    def raw_html_gz(self) -> bytes | None:
        if self.raw_html is None:
            return None
        return zlib.compress(self.raw_html, RAW_HTML_LEVEL)

    @cached_property
    def extracted_json(self) -> dict[str, Any]:
        return self.extracted.model_dump(mode="json")

    @cached_property
    def field_values(self) -> dict[str, Any]:
        """The article columns that come from the page's extraction."""
        e = self.extracted
        return {
            "fingerprint": self.fingerprint,
            "content_hash": self.content_hash,
            "headline": e.headline,
            "standfirst": e.standfirst,
            "authors": [a.model_dump(mode="json") for a in e.authors],
            "published_at": e.published_at,
            "updated_at": e.updated_at,
            "section": e.section,
            "tags": list(e.tags),
            "language": e.language,
            "body_text": e.body_text,
            "lead_image": e.lead_image.model_dump(mode="json")
            if e.lead_image
            else None,
            "word_count": e.word_count,
            "reading_time_minutes": e.reading_time_minutes,
            "is_paywalled": e.is_paywalled,
            "field_sources": dict(e.field_sources),
            "extractor_version": self.extractor_version,
        }

    def prepare(self) -> PageToSave:
        """Compute every derived value now; returns the page."""
        for name in ("raw_html_gz", "extracted_json", "field_values"):
            getattr(self, name)
        return self


_ARTICLES = Article.__table__  # type: ignore[attr-defined]
_ALIASES = UrlAlias.__table__  # type: ignore[attr-defined]
_KNOWN_COLUMNS = (_ARTICLES.c.id, _ARTICLES.c.fingerprint, _ARTICLES.c.content_hash)
_BY_URL = (
    sa_select(*_KNOWN_COLUMNS)
    .join(_ALIASES, _ALIASES.c.article_id == _ARTICLES.c.id)
    .limit(1)
)
_BY_FINGERPRINT = sa_select(*_KNOWN_COLUMNS).limit(1)
_INSERT_ARTICLE = insert(_ARTICLES).returning(_ARTICLES.c.id)
# Built once: the first column says which half matched (0 by URL, 1 by text).
_KNOWN = union_all(
    sa_select(literal(0), *_KNOWN_COLUMNS)
    .join(_ALIASES, _ALIASES.c.article_id == _ARTICLES.c.id)
    .where(_ALIASES.c.url_hash.in_(bindparam("hashes", expanding=True))),
    sa_select(literal(1), *_KNOWN_COLUMNS).where(
        _ARTICLES.c.fingerprint == bindparam("fingerprint")
    ),
)


def _known(row: Any) -> KnownArticle | None:
    if row is None:
        return None
    return KnownArticle(id=row[0], fingerprint=row[1], content_hash=row[2])


def find_known(
    session: Session, urls: Sequence[str], fingerprint: str
) -> tuple[KnownArticle | None, KnownArticle | None]:
    """(the article any of ``urls`` leads to, the article with this text), in one
    round trip: ``find_by_urls`` and ``find_by_fingerprint`` together."""
    found: list[KnownArticle | None] = [None, None]
    params = {"hashes": [url_hash(u) for u in urls], "fingerprint": fingerprint}
    for row in session.connection().execute(_KNOWN, params):
        if found[row[0]] is None:
            found[row[0]] = _known(row[1:])
    return found[0], found[1]


def find_by_urls(session: Session, urls: Sequence[str]) -> KnownArticle | None:
    hashes = [url_hash(u) for u in urls]
    query = _BY_URL.where(_ALIASES.c.url_hash.in_(hashes))
    return _known(session.connection().execute(query).first())


def find_by_fingerprint(session: Session, fingerprint: str) -> KnownArticle | None:
    query = _BY_FINGERPRINT.where(_ARTICLES.c.fingerprint == fingerprint)
    return _known(session.connection().execute(query).first())


def known_urls(session: Session, urls: Sequence[str]) -> dict[str, int]:
    """The article id each of ``urls`` already leads to, for those that lead to one;
    one query for a whole batch."""
    by_hash = {url_hash(u): u for u in urls}
    if not by_hash:
        return {}
    query = sa_select(_ALIASES.c.url_hash, _ALIASES.c.article_id).where(
        _ALIASES.c.url_hash.in_(list(by_hash))
    )
    return {
        by_hash[key]: int(article_id)
        for key, article_id in session.connection().execute(query)
    }


def save_page(session: Session, page: PageToSave, decision: DedupDecision) -> int:
    """Apply the decision; returns the article id."""
    if decision.action is StoreAction.NEW:
        article_id = _insert_article(session, page)
        _add_revision(session, article_id, page, number=1)
    else:
        assert decision.article_id is not None
        article_id = decision.article_id
        article = session.get(Article, article_id)
        assert article is not None
        article.last_seen_at = max(article.last_seen_at, page.fetched_at)
        # The same story reached again closer to a feed keeps the shorter distance.
        article.depth = min(article.depth, page.depth)
        if decision.action is StoreAction.REVISE:
            _apply_fields(article, page)
            # Back to an earlier version's content: that revision already holds it.
            if not _has_revision(session, article_id, page.content_hash):
                article.revision_count += 1
                _add_revision(session, article_id, page, number=article.revision_count)
        session.add(article)
    _add_aliases(session, article_id, page)
    return article_id


def _has_revision(session: Session, article_id: int, content: str) -> bool:
    found = session.exec(
        select(Revision.id).where(
            col(Revision.article_id) == article_id,
            col(Revision.content_hash) == content,
        )
    ).first()
    return found is not None


def _apply_fields(article: Article, page: PageToSave) -> None:
    for name, value in page.field_values.items():
        setattr(article, name, value)


def _insert_article(session: Session, page: PageToSave) -> int:
    values = {
        "canonical_url": page.canonical_url,
        "url_hash": url_hash(page.canonical_url),
        "feed_id": page.feed_id,
        "depth": page.depth,
        "revision_count": 1,
        "first_seen_at": page.fetched_at,
        "last_seen_at": page.fetched_at,
        **page.field_values,
    }
    return int(session.connection().execute(_INSERT_ARTICLE, values).scalar_one())


def _add_revision(
    session: Session, article_id: int, page: PageToSave, *, number: int
) -> None:
    insert_ignore(
        session,
        Revision,
        [
            {
                "article_id": article_id,
                "number": number,
                "content_hash": page.content_hash,
                "fetched_at": page.fetched_at,
                "url": page.extracted.url,
                "headline": page.extracted.headline,
                "body_text": page.extracted.body_text,
                "extracted": page.extracted_json,
                "raw_html_gz": page.raw_html_gz,
                "extractor_version": page.extractor_version,
            }
        ],
        conflict_columns=("article_id", "content_hash"),
    )


def _add_aliases(session: Session, article_id: int, page: PageToSave) -> None:
    urls = dict.fromkeys((page.canonical_url, *page.aliases))
    insert_ignore(
        session,
        UrlAlias,
        [
            {
                "url": u,
                "url_hash": url_hash(u),
                "article_id": article_id,
                "first_seen_at": page.fetched_at,
            }
            for u in urls
        ],
        conflict_columns=("url_hash",),
    )


def latest_extracted(session: Session, article_id: int) -> dict[str, Any] | None:
    """The extracted fields of an article's newest revision (not its raw page)."""
    extracted = session.exec(
        select(Revision.extracted)
        .where(col(Revision.article_id) == article_id)
        .order_by(col(Revision.number).desc())
    ).first()
    return dict(extracted) if extracted is not None else None


def latest_revision(session: Session, article_id: int) -> Revision | None:
    return session.exec(
        select(Revision)
        .where(col(Revision.article_id) == article_id)
        .order_by(col(Revision.number).desc())
    ).first()


def list_articles(session: Session, *, limit: int | None = None) -> list[Article]:
    query = select(Article).order_by(col(Article.id))
    if limit is not None:
        query = query.limit(limit)
    return list(session.exec(query))


def get_article(session: Session, article_id: int) -> Article | None:
    return session.get(Article, article_id)


def aliases_of(session: Session, article_id: int) -> list[str]:
    return list(
        session.exec(
            select(UrlAlias.url)
            .where(col(UrlAlias.article_id) == article_id)
            .order_by(col(UrlAlias.id))
        )
    )


def decompress(raw: bytes | None) -> bytes | None:
    return zlib.decompress(raw) if raw is not None else None


@dataclass(frozen=True)
class StoredPage:
    """The raw page of an article's newest revision, for re-extraction."""

    url: str
    html: bytes
    fetched_at: datetime
    feed_id: int | None
    depth: int
    content_hash: str


def article_ids_in_scope(
    session: Session,
    *,
    after_id: int,
    limit: int,
    feed_id: int | None = None,
    domain: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[int]:
    """Article ids above ``after_id`` in the scope, in id order (for batching).

    ``domain`` matches the canonical URL's host and its subdomains; ``since`` and
    ``until`` bound the first time the article was seen.
    """
    query = select(Article.id).where(col(Article.id) > after_id)
    if feed_id is not None:
        query = query.where(col(Article.feed_id) == feed_id)
    if domain:
        query = query.where(
            col(Article.canonical_url).like(f"%://{domain}/%")
            | col(Article.canonical_url).like(f"%.{domain}/%")
        )
    if since is not None:
        query = query.where(col(Article.first_seen_at) >= since)
    if until is not None:
        query = query.where(col(Article.first_seen_at) < until)
    return [i for i in session.exec(query.order_by(col(Article.id)).limit(limit)) if i]


def stored_page(session: Session, article_id: int) -> StoredPage | None:
    article = session.get(Article, article_id)
    revision = latest_revision(session, article_id)
    if article is None or revision is None or revision.raw_html_gz is None:
        return None
    return StoredPage(
        url=revision.url,
        html=zlib.decompress(revision.raw_html_gz),
        fetched_at=revision.fetched_at,
        feed_id=article.feed_id,
        depth=article.depth,
        content_hash=article.content_hash,
    )


def mark_extractor_version(session: Session, article_id: int, version: str) -> None:
    article = session.get(Article, article_id)
    if article is not None:
        article.extractor_version = version
        session.add(article)
