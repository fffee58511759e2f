"""Closed vocabularies shared by tables, messages, logs and the CLI.

Every value here is stored in the database and printed in summaries, so values are
stable snake_case strings: rename a member's Python name freely, never its value.
"""

from enum import StrEnum


class FeedKind(StrEnum):
    """What a feed URL turned out to be when it was last parsed."""

    UNKNOWN = "unknown"
    RSS = "rss"
    ATOM = "atom"
    JSON_FEED = "json_feed"
    SITEMAP = "sitemap"
    NEWS_SITEMAP = "news_sitemap"  # a urlset with the Google News extension
    SITEMAP_INDEX = "sitemap_index"
    HTML_LISTING = "html_listing"


class Stage(StrEnum):
    """The pipeline stage an attempt or log line belongs to."""

    POLL = "poll"
    FETCH = "fetch"
    FOLLOW = "follow"
    ROBOTS = "robots"


class FetchStatus(StrEnum):
    """Outcome of one attempt at a URL."""

    STORED = "stored"  # a new article
    REVISED = "revised"  # a known article whose content changed
    UNCHANGED = "unchanged"  # a known article, same content; last-seen updated
    DUPLICATE = "duplicate"  # the same story under another URL; recorded as an alias
    POLLED = "polled"  # a feed fetched and parsed
    NOT_MODIFIED = "not_modified"  # a feed answered 304 or an identical body
    FAILED = "failed"  # could not be done; see the reason
    REFUSED = "refused"  # policy said no; see the reason


class FailureReason(StrEnum):
    """Why an attempt failed or was refused; logs, rows and summaries share these."""

    # Policy refusals (worker.errors.Refused)
    BLOCKED_ADDRESS = "blocked_address"
    BAD_SCHEME = "bad_scheme"
    ROBOTS_DISALLOWED = "robots_disallowed"
    ROBOTS_UNAVAILABLE = "robots_unavailable"
    OUT_OF_SCOPE = "out_of_scope"
    TOO_DEEP = "too_deep"
    URL_REJECTED = "url_rejected"  # crawler-trap shapes: too long, repeated segments
    NOT_FOLLOWED_KIND = "not_followed_kind"  # a link kind the settings do not follow
    TOO_MANY_LINKS = "too_many_links"  # past the per-page outlink cap
    # Transport and size
    DNS_FAILURE = "dns_failure"
    CONNECTION_ERROR = "connection_error"
    TIMEOUT = "timeout"
    DEADLINE_EXCEEDED = "deadline_exceeded"
    TOO_LARGE = "too_large"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    REDIRECT_LOOP = "redirect_loop"
    BAD_ENCODING = "bad_encoding"  # undecodable or too many content-encoding layers
    # HTTP answers
    HTTP_4XX = "http_4xx"
    HTTP_429 = "http_429"
    HTTP_5XX = "http_5xx"
    # Content
    NOT_HTML = "not_html"
    NOT_FEED = "not_feed"
    UNPARSEABLE = "unparseable"
    NO_CONTENT = "no_content"  # a page with no article body
    # The machinery itself
    WORKER_LOST = "worker_lost"
    INTERNAL_ERROR = "internal_error"


class LinkKind(StrEnum):
    """Where on a page a related link was found; decides whether it is followed."""

    TEASER = "teaser"  # an embedded related-story card, including inside the body
    FEED_LIST = "feed_list"  # a news-feed / "more stories" list
    AUTHOR = "author"  # an author's profile page
    IN_BODY = "in_body"  # a link inside a body paragraph
    NAV = "nav"  # everything else: menus, footers, share bars. Never followed.


class UrlState(StrEnum):
    """Where a URL stands in the crawl frontier."""

    PENDING = "pending"  # enqueued (or about to be); the sweep re-enqueues stale ones
    DONE = "done"  # an article row or alias exists for it
    FAILED = "failed"  # a permanent failure, recorded with its reason
