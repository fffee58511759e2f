"""Which related links are followed: depth, scope, kinds, traps, duplicates, cap."""

from __future__ import annotations

from schemas.enums import LinkKind
from schemas.messages import FollowCandidate, FollowDecision, RejectedLink, RelatedLink
from worker.pipeline.follow import choose_links_to_follow

PAGE = "https://news.example.com/2024/story"
FOLLOW_KINDS = ("teaser", "feed_list", "author", "in_body")


def _link(url: str, kind: LinkKind = LinkKind.TEASER, text: str = "") -> RelatedLink:
    return RelatedLink(url=url, kind=kind, anchor_text=text)


def _choose(
    links: list[RelatedLink],
    *,
    depth: int = 0,
    max_depth: int = 2,
    follow_kinds: tuple[str, ...] = FOLLOW_KINDS,
    max_outlinks: int = 100,
) -> FollowDecision:
    return choose_links_to_follow(
        links,
        page_url=PAGE,
        depth=depth,
        max_depth=max_depth,
        scope_domain="example.com",
        follow_kinds=follow_kinds,
        max_outlinks=max_outlinks,
    )


def test_in_scope_links_are_followed_canonical_at_the_next_depth() -> None:
    decision = _choose(
        [
            _link("https://News.Example.com/a?utm_source=x#top", LinkKind.TEASER, "A"),
            _link("https://sport.example.com/b", LinkKind.IN_BODY, "B"),
        ],
        depth=1,
    )

    assert decision == FollowDecision(
        follow=(
            FollowCandidate(
                url="https://news.example.com/a",
                kind=LinkKind.TEASER,
                anchor_text="A",
                depth=2,
            ),
            FollowCandidate(
                url="https://sport.example.com/b",
                kind=LinkKind.IN_BODY,
                anchor_text="B",
                depth=2,
            ),
        )
    )


def test_every_link_is_too_deep_past_the_depth_limit() -> None:
    decision = _choose(
        [_link("https://news.example.com/a"), _link("https://other.example.org/b")],
        depth=2,
        max_depth=2,
    )

    assert decision.follow == ()
    assert decision.rejected == (
        RejectedLink(url="https://news.example.com/a", reason="too_deep"),
        RejectedLink(url="https://other.example.org/b", reason="too_deep"),
    )


def test_links_to_other_registrable_domains_are_out_of_scope() -> None:
    decision = _choose(
        [
            _link("https://example.org/a"),
            _link("https://example.com.evil.example/a"),
            _link("https://www.example.com/ok"),
        ]
    )

    assert [c.url for c in decision.follow] == ["https://www.example.com/ok"]
    assert {r.reason for r in decision.rejected} == {"out_of_scope"}


def test_nav_links_are_never_followed_even_when_listed() -> None:
    decision = _choose(
        [_link("https://news.example.com/menu", LinkKind.NAV)],
        follow_kinds=(*FOLLOW_KINDS, "nav"),
    )

    assert decision.rejected == (
        RejectedLink(url="https://news.example.com/menu", reason="not_followed_kind"),
    )


def test_kinds_left_out_of_follow_kinds_are_rejected() -> None:
    decision = _choose(
        [
            _link("https://news.example.com/by/jo", LinkKind.AUTHOR),
            _link("https://news.example.com/t", LinkKind.TEASER),
        ],
        follow_kinds=("teaser",),
    )

    assert [c.url for c in decision.follow] == ["https://news.example.com/t"]
    assert decision.rejected == (
        RejectedLink(url="https://news.example.com/by/jo", reason="not_followed_kind"),
    )


def test_non_http_links_are_rejected_as_bad_scheme() -> None:
    decision = _choose([_link("mailto:desk@example.com"), _link("javascript:void(0)")])

    assert decision.rejected == (
        RejectedLink(url="mailto:desk@example.com", reason="bad_scheme"),
        RejectedLink(url="javascript:void(0)", reason="bad_scheme"),
    )


def test_trap_shaped_links_are_rejected() -> None:
    decision = _choose(
        [
            _link("https://news.example.com/a/b/a/b/a/b/"),
            _link("https://news.example.com/" + "x" * 3000),
        ]
    )

    assert decision.follow == ()
    assert [r.reason for r in decision.rejected] == ["url_rejected", "url_rejected"]


def test_a_link_to_the_page_itself_is_dropped_silently() -> None:
    decision = _choose([_link(PAGE + "?utm_medium=email#comments")])
    assert decision == FollowDecision()


def test_duplicates_keep_the_first_occurrence() -> None:
    decision = _choose(
        [
            _link("https://news.example.com/a", text="first"),
            _link("https://news.example.com/b"),
            _link("https://NEWS.example.com/a?fbclid=1", text="second"),
        ]
    )

    assert [(c.url, c.anchor_text) for c in decision.follow] == [
        ("https://news.example.com/a", "first"),
        ("https://news.example.com/b", ""),
    ]
    assert decision.rejected == ()


def test_a_url_in_the_menu_and_in_a_teaser_counts_as_the_teaser() -> None:
    decision = _choose(
        [
            _link("https://news.example.com/a", LinkKind.NAV, "menu"),
            _link("https://news.example.com/a", LinkKind.TEASER, "teaser"),
        ]
    )

    assert decision == FollowDecision(
        follow=(
            FollowCandidate(
                url="https://news.example.com/a",
                kind=LinkKind.TEASER,
                anchor_text="teaser",
                depth=1,
            ),
        ),
        # The menu occurrence itself is not followed (and never canonicalised).
        rejected=(
            RejectedLink(url="https://news.example.com/a", reason="not_followed_kind"),
        ),
    )


def test_at_most_max_outlinks_are_followed_and_the_rest_are_rejected() -> None:
    links = [_link(f"https://news.example.com/s/{i}") for i in range(1000)]

    decision = _choose(links, max_outlinks=100)

    assert [c.url for c in decision.follow] == [
        f"https://news.example.com/s/{i}" for i in range(100)
    ]
    assert len(decision.rejected) == 900
    assert {r.reason for r in decision.rejected} == {"too_many_links"}


def test_rejected_links_do_not_use_up_the_cap() -> None:
    decision = _choose(
        [_link("https://example.org/x"), _link("https://news.example.com/y")],
        max_outlinks=1,
    )
    assert [c.url for c in decision.follow] == ["https://news.example.com/y"]
