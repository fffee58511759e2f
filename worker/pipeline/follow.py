"""Choose which related links found on an article page to enqueue.

Given the links the extractor found (each with the kind of place it was found in), the
page's own URL and depth, and the crawl's limits, decide for every link: follow it
(as a :class:`FollowCandidate` at ``depth + 1``) or reject it with a reason code.
Rules, in the order they are applied:

1. ``depth + 1 > max_depth``: every link is rejected ``too_deep`` (Scrapy's
   ``DepthMiddleware``; RELIABILITY.md B11 says nothing beyond depth 2).
2. The URL is canonicalised (``urls.canonical_url``); a non-http(s) or malformed URL is
   rejected ``bad_scheme``.
3. A link to the page itself is dropped silently; so is a repeat of a URL already
   seen on this page. When a URL appears several times, the first occurrence of a
   followed kind is the one kept (a story linked from the menu *and* from a teaser is
   a teaser).
4. A kind not in ``follow_kinds`` is rejected ``not_followed_kind``; ``nav`` never is
   followed.
5. A URL outside the scope's registrable domain is rejected ``out_of_scope``.
6. A crawler-trap shape (``urls.url_trap_reason``) is rejected ``url_rejected``.
7. At most ``max_outlinks`` are followed, in page order; the rest are rejected
   ``too_many_links`` (Nutch's ``db.max.outlinks.per.page``, 100 by default).

What this module does not do: check whether a URL was already crawled or claimed (the
task claims in Redis after the commit), robots.txt, or politeness.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from schemas.enums import FailureReason, LinkKind
from schemas.messages import FollowCandidate, FollowDecision, RejectedLink, RelatedLink
from worker.pipeline.urls import canonical_url, is_in_scope, url_trap_reason

NOT_FOLLOWED_KIND = FailureReason.NOT_FOLLOWED_KIND.value
TOO_MANY_LINKS = FailureReason.TOO_MANY_LINKS.value


def _canonical_or_none(url: str) -> str | None:
    try:
        return canonical_url(url)
    except ValueError:
        return None


def _unique_links(
    links: Sequence[RelatedLink], page: str | None, follow_kinds: Collection[str]
) -> tuple[list[tuple[str, RelatedLink]], list[RejectedLink]]:
    chosen: dict[str, tuple[int, RelatedLink]] = {}
    bad: list[RejectedLink] = []
    for index, link in enumerate(links):
        if not _is_followed_kind(link.kind, follow_kinds):
            # Menus and footers are most of a page's links: reject them before paying
            # for canonicalisation.
            bad.append(RejectedLink(url=link.url, reason=NOT_FOLLOWED_KIND))
            continue
        url = _canonical_or_none(link.url)
        if url is None:
            bad.append(RejectedLink(url=link.url, reason=FailureReason.BAD_SCHEME))
            continue
        if url == page:
            continue
        earlier = chosen.get(url)
        if earlier is None or (
            _is_followed_kind(link.kind, follow_kinds)
            and not _is_followed_kind(earlier[1].kind, follow_kinds)
        ):
            chosen[url] = (index, link)
    ordered = sorted(chosen.items(), key=lambda item: item[1][0])
    return [(url, link) for url, (_index, link) in ordered], bad


def _is_followed_kind(kind: LinkKind, follow_kinds: Collection[str]) -> bool:
    return kind != LinkKind.NAV and kind in follow_kinds


def _rejection(
    url: str, link: RelatedLink, *, scope_domain: str, follow_kinds: Collection[str]
) -> str | None:
    if not _is_followed_kind(link.kind, follow_kinds):
        return NOT_FOLLOWED_KIND
    if not is_in_scope(url, scope_domain):
        return FailureReason.OUT_OF_SCOPE
    if url_trap_reason(url) is not None:
        return FailureReason.URL_REJECTED
    return None


def choose_links_to_follow(
    links: Sequence[RelatedLink],
    *,
    page_url: str,
    depth: int,
    max_depth: int,
    scope_domain: str,
    follow_kinds: Collection[str],
    max_outlinks: int,
) -> FollowDecision:
    """Split ``links`` found on ``page_url`` (at ``depth``) into followed and rejected.

    Followed candidates carry canonical URLs and ``depth + 1``; each rejection carries
    a reason code (see the module docstring for the rules and their order).
    """
    unique, rejected = _unique_links(links, _canonical_or_none(page_url), follow_kinds)
    if depth + 1 > max_depth:
        rejected += [
            RejectedLink(url=url, reason=FailureReason.TOO_DEEP) for url, _ in unique
        ]
        return FollowDecision(rejected=tuple(rejected))
    follow: list[FollowCandidate] = []
    for url, link in unique:
        reason = _rejection(
            url, link, scope_domain=scope_domain, follow_kinds=follow_kinds
        )
        if reason is None and len(follow) >= max_outlinks:
            reason = TOO_MANY_LINKS
        if reason is not None:
            rejected.append(RejectedLink(url=url, reason=reason))
            continue
        follow.append(
            FollowCandidate(
                url=url, kind=link.kind, anchor_text=link.anchor_text, depth=depth + 1
            )
        )
    return FollowDecision(follow=tuple(follow), rejected=tuple(rejected))
