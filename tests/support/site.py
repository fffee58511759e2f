"""A small news site for end-to-end tests, written to a folder the fixture server serves.

Every page has the typical shape: section label, headline, "2 min read", a photo with a
credit line, body paragraphs with an embedded "Read more" teaser in the middle, an
author box with bio, then a news-feed list. The link graph is what the tests assert on::

    feed.xml -> a1, a2?utm_source=rss
    a1 --teaser--> b1 --teaser--> c1 --teaser--> d1      (d1 is depth 3: never fetched)
    a1 --in-body--> http://localhost:PORT/news/offsite.html  (another site: out of scope)
    a1 --feed list--> a2 (same URL as the feed's, without the tracking parameter)
    b1 --teaser--> copy-of-a2 (a2's text under another URL: a duplicate)

The stories are invented for these tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

WORDS = [
    "council",
    "harbour",
    "budget",
    "river",
    "festival",
    "library",
    "transport",
    "school",
    "weather",
    "market",
    "museum",
    "bridge",
    "station",
    "hospital",
    "housing",
    "water",
    "energy",
    "farm",
    "park",
    "coast",
]


def story_text(key: str, paragraphs: int = 5) -> list[str]:
    """Deterministic invented paragraphs, distinct per key (so fingerprints differ)."""
    seed = sum(ord(c) for c in key)
    out = []
    for p in range(paragraphs):
        words = [WORDS[(seed * (p + 3) + i * 7) % len(WORDS)] for i in range(24)]
        out.append(
            f"In {key.upper()} paragraph {p + 1}, the {' '.join(words[:12])} plan "
            f"moved ahead as residents discussed {' '.join(words[12:])} at length."
        )
    return out


@dataclass
class Page:
    slug: str
    headline: str
    section: str = "Local"
    teasers: list[tuple[str, str]] = field(default_factory=list)  # (href, title)
    in_body: list[tuple[str, str]] = field(default_factory=list)
    feed_list: list[tuple[str, str]] = field(default_factory=list)
    text_key: str = ""
    version: int = 1

    def html(self) -> str:
        paragraphs = story_text(self.text_key or self.slug)
        if self.version > 1:
            paragraphs.append(
                f"Update {self.version}: officials confirmed the figures."
            )
        body = [f"<p>{p}</p>" for p in paragraphs]
        for href, title in self.in_body:
            body[1] = body[1].replace(
                "</p>", f' See also <a href="{href}">{title}</a>.</p>'
            )
        teasers = "".join(
            f'<aside class="related-teaser"><span>Read more</span>'
            f'<a href="{href}"><h3>{title}</h3></a></aside>'
            for href, title in self.teasers
        )
        body.insert(2, teasers)
        feed = "".join(
            f'<li class="teaser"><a href="{href}">{title}</a></li>'
            for href, title in self.feed_list
        )
        return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{self.headline} | Testport News</title>
<link rel="canonical" href="/news/{self.slug}.html">
<meta property="og:title" content="{self.headline}">
<meta property="article:section" content="{self.section}">
<meta property="article:published_time" content="2026-11-20T09:30:00+01:00">
</head><body>
<nav class="menu"><a href="/">Home</a> <a href="/news/">News</a> <a href="/sport/">Sport</a></nav>
<main><article>
<div class="section-label">{self.section}</div>
<h1>{self.headline}</h1>
<p class="standfirst">A short summary of {self.slug} for the test site.</p>
<div class="byline">By <a href="/authors/rana-okafor.html">Rana Okafor</a>
<time datetime="2026-11-20T09:30:00+01:00">20 November 2026</time>
<span class="read-time">2 min read</span></div>
<figure><img src="/img/{self.slug}.jpg" alt="A scene from {self.slug}">
<figcaption>The harbour at dawn. (Photo: Lee Marsh/Testport Images)</figcaption></figure>
<div class="article-body">{"".join(body)}</div>
<div class="author-box"><h4>Rana Okafor</h4><p>Rana Okafor covers local government
and transport for Testport News.</p><a href="/authors/rana-okafor.html">Read more</a></div>
</article>
<section class="news-feed"><h2>News feed</h2><ul>{feed}</ul></section>
</main>
<footer><a href="/about.html">About us</a> <a href="/privacy.html">Privacy</a></footer>
</body></html>
"""


def build_site(root: Path, base_url: str) -> dict[str, Page]:
    """Write the test site under ``root``; return its pages by slug."""
    offsite = base_url.replace("127.0.0.1", "localhost") + "/news/offsite.html"
    pages = {
        "a1": Page(
            "a1",
            "Harbour bridge reopens after repairs",
            teasers=[("/news/b1.html", "Ferry timetable changes")],
            in_body=[(offsite, "a story on another site")],
            feed_list=[("/news/a2.html", "Council agrees budget")],
        ),
        "a2": Page("a2", "Council agrees budget", section="Politics"),
        "b1": Page(
            "b1",
            "Ferry timetable changes",
            teasers=[
                ("/news/c1.html", "New cycle lanes planned"),
                ("/news/copy-of-a2.html", "Budget agreed (syndicated)"),
            ],
        ),
        "c1": Page(
            "c1",
            "New cycle lanes planned",
            teasers=[("/news/d1.html", "Too deep to follow")],
        ),
        "d1": Page("d1", "Too deep to follow"),
        "copy-of-a2": Page("copy-of-a2", "Budget agreed (syndicated)", text_key="a2"),
        "offsite": Page("offsite", "Another site entirely"),
    }
    write_pages(root, pages)
    (root / "feed.xml").write_text(
        f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Testport News</title><link>{base_url}/</link>
<description>Test feed</description>
<item><title>{pages["a1"].headline}</title><link>{base_url}/news/a1.html</link>
<guid>{base_url}/news/a1.html</guid><pubDate>Fri, 20 Nov 2026 08:30:00 GMT</pubDate></item>
<item><title>{pages["a2"].headline}</title>
<link>{base_url}/news/a2.html?utm_source=rss&amp;utm_medium=feed</link>
<guid isPermaLink="false">a2</guid><pubDate>Fri, 20 Nov 2026 08:00:00 GMT</pubDate></item>
</channel></rss>
""",
        encoding="utf-8",
    )
    return pages


def write_pages(root: Path, pages: dict[str, Page]) -> None:
    (root / "news").mkdir(parents=True, exist_ok=True)
    for page in pages.values():
        (root / "news" / f"{page.slug}.html").write_text(page.html(), encoding="utf-8")
