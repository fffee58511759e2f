"""Data shapes that cross a boundary: pure pipeline output, task payloads, CLI JSON.

These are pydantic models, not tables. The pure pipeline (worker.pipeline) returns them;
the store turns them into rows; the CLI prints them with ``model_dump(mode="json")``.
All datetimes are timezone-aware (``AwareDatetime``): a naive time cannot be built.
"""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from schemas.enums import FeedKind, LinkKind


class _Message(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# ----------------------------------------------------------------------------- feeds


class FeedEntry(_Message):
    """One item of a feed, as the feed describes it."""

    url: str
    id: str | None = None
    title: str | None = None
    summary: str | None = None
    authors: tuple[str, ...] = ()
    published: AwareDatetime | None = None
    updated: AwareDatetime | None = None
    categories: tuple[str, ...] = ()
    image_url: str | None = None
    language: str | None = None  # Google News sitemap news:language
    publisher: str | None = None  # Google News sitemap news:name


class ChildSitemap(_Message):
    """A sitemap listed by a sitemap index (``<sitemap><loc>``)."""

    url: str
    lastmod: AwareDatetime | None = None


class ParsedFeed(_Message):
    """A parsed source document (feed, sitemap or listing page): its own metadata and
    its entries, in document order."""

    kind: FeedKind
    title: str | None = None
    url: str | None = None  # the site link the feed declares
    language: str | None = None
    ttl_minutes: int | None = None  # RSS <ttl>, a hint for the poll interval
    # RSS syndication module: sy:updatePeriod / sy:updateFrequency, in minutes
    update_period_minutes: int | None = None
    # A sitemap index's child sitemaps (entries is empty for an index)
    sitemaps: tuple[ChildSitemap, ...] = ()
    is_news_sitemap: bool = False  # a urlset using the Google News extension
    encoding: str | None = None  # the character encoding the document was read in
    entries: tuple[FeedEntry, ...] = ()
    problems: tuple[str, ...] = ()  # what was wrong with the document but recovered


# ----------------------------------------------------------------------------- articles


class Author(_Message):
    name: str
    role: str | None = None  # e.g. "Head of North America desk"
    bio: str | None = None
    url: str | None = None  # profile page


class LeadImage(_Message):
    url: str
    caption: str | None = None
    credit: str | None = None
    alt: str | None = None


class RelatedLink(_Message):
    """A link found on an article page, with the kind of place it was found in."""

    url: str  # absolute, as found (canonicalised later by the follower)
    kind: LinkKind
    anchor_text: str = ""


class ExtractedArticle(_Message):
    """Everything the extractor pulls from one article page.

    ``field_sources`` records, per field name, where the value came from
    (``json_ld``, ``opengraph``, ``meta``, ``dom``, ``time_element``, ``text``, ``url``,
    ``feed``, ``computed``), so a wrong value can be traced to its signal.
    """

    url: str  # the URL the page was fetched from (after redirects)
    canonical_url: str | None = None  # rel=canonical / og:url, absolute
    headline: str | None = None
    standfirst: str | None = None
    authors: tuple[Author, ...] = ()
    published_at: AwareDatetime | None = None
    updated_at: AwareDatetime | None = None
    section: str | None = None
    tags: tuple[str, ...] = ()
    body_text: str = ""  # paragraphs separated by one blank line
    body_html: str = ""  # minimal clean HTML: p, h2-h4, ul/ol/li, blockquote, a, figure
    lead_image: LeadImage | None = None
    language: str | None = None  # BCP 47 primary tag, lower case ("en", "de")
    word_count: int = 0
    reading_time_minutes: int = 0
    is_paywalled: bool = False
    links: tuple[RelatedLink, ...] = ()
    field_sources: dict[str, str] = Field(default_factory=dict)


# ----------------------------------------------------------------------------- follow


class FollowCandidate(_Message):
    """A URL the follower decided to enqueue, at the depth it will be fetched with."""

    url: str  # canonical
    kind: LinkKind
    anchor_text: str = ""
    depth: int


class RejectedLink(_Message):
    url: str
    reason: str  # a FailureReason value


class FollowDecision(_Message):
    follow: tuple[FollowCandidate, ...] = ()
    rejected: tuple[RejectedLink, ...] = ()


# ----------------------------------------------------------------------------- results


class CrawlSummary(_Message):
    """What `newsfeed crawl` prints at the end."""

    feeds_polled: int = 0
    articles_stored: int = 0
    revisions: int = 0
    duplicates: int = 0
    links_followed: int = 0
    failures: dict[str, int] = Field(default_factory=dict)
    seconds: float = 0.0
