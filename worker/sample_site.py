"""The bundled sample news site that ``newsfeed crawl --sample`` serves on 127.0.0.1.

The stories are invented for this project. Every article page has the shape the service
must handle: a section label, headline, standfirst, "2 min read", a photo with a credit
line, body paragraphs with an embedded "Read more" teaser in the middle, an author box
with bio and "Read more", then a "News feed" list of further stories, with a menu and a
footer around it. The link graph exercises the crawler:

* the feed lists four stories (depth 0);
* two stories are reachable only through teasers (depth 1), one only at depth 2, and one
  at depth 3, which the default depth limit of 2 never fetches;
* a teaser repeats a feed story with ``utm_*`` tracking parameters (one article);
* a story is syndicated under a second URL with the same text (one article, two
  aliases);
* an in-body link points off-site (out of scope, never fetched).

``write_site(root)`` writes it as static files; links use the ``__BASE__`` placeholder
that worker.devserver replaces with its own address. ``render_page`` is also the page
template of the benchmark site (bench/site.py).
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from pathlib import Path

AUTHORS = {
    "mira-castell": (
        "Mira Castell",
        "Transport correspondent",
        "Mira Castell has covered the region's railways, ferries and roads since 2015.",
    ),
    "tomas-egede": (
        "Tomas Egede",
        "Head of environment desk",
        "Tomas Egede writes about rivers, coasts and the people who manage them.",
    ),
}


def _paragraphs(text: str) -> list[str]:
    """Paragraphs written as blocks separated by blank lines, each unwrapped."""
    return [" ".join(block.split()) for block in text.strip().split("\n\n")]


@dataclass
class Story:
    slug: str
    section: str
    headline: str
    standfirst: str
    author: str
    published: str  # ISO 8601 with offset
    paragraphs: list[str]
    teaser: str | None = None  # href of the embedded "Read more" card
    feed_list: list[str] = field(default_factory=list)
    in_body: tuple[str, str] | None = None  # (href, anchor text)
    json_ld: bool = True


STORIES = [
    Story(
        "harbour-ferry-returns",
        "Transport",
        "Night ferry returns to Lindqvist harbour after nine years",
        "The overnight crossing resumes in spring with two refitted ships.",
        "mira-castell",
        "2026-11-20T07:15:00+01:00",
        _paragraphs("""
The overnight ferry between Lindqvist and the outer islands will sail again from
April, the regional transport board confirmed on Thursday, ending a nine-year
gap that islanders say cut them off from hospital appointments and evening
trains on the mainland.

Two ships bought from a southern operator are being refitted at the Brenner
yard. Each will carry up to 340 passengers and 60 cars, and the board expects
the crossing to take just under five hours.

Fares will match the daytime service for residents. Visitors will pay a
supplement for cabins, which the board hopes will cover a third of the running
cost in the first year.

Island councillor Petra Nyholm said the decision was overdue. 'People have been
making the day trip and sleeping in their cars,' she said.

The board will publish the spring timetable in January.
"""),
        teaser="/news/ferry-timetable-consultation.html",
        feed_list=[
            "/news/river-flood-defences.html",
            "/news/tram-line-extension.html",
            "/news/ferry-timetable-consultation.html?utm_source=feed&utm_medium=rss",
        ],
        in_body=("https://example.org/ferries/history.html", "a history of the route"),
    ),
    Story(
        "river-flood-defences",
        "Environment",
        "New flood walls finished a year early on the Sola river",
        "Engineers credit a dry summer and a second shift for the early finish.",
        "tomas-egede",
        "2026-11-19T16:40:00+01:00",
        _paragraphs("""
The last section of the flood wall along the Sola river was closed on Wednesday,
a year ahead of schedule and within its budget.

The 2.4-kilometre wall protects around 1,900 homes in the lower town, most of
which were flooded in the winter storms of 2019.

Project engineers said a dry summer let crews work through August, and a second
shift added in the spring cut four months from the plan.

Residents will be invited to walk the new riverside path at an open day next
month. Planting along the path begins in March.
"""),
        teaser="/news/wetland-restoration.html",
        feed_list=[
            "/news/harbour-ferry-returns.html",
            "/news/tram-line-extension.html",
        ],
    ),
    Story(
        "tram-line-extension",
        "Transport",
        "Tram line to the university approved after long debate",
        "The four-stop extension should open in 2029.",
        "mira-castell",
        "2026-11-18T11:05:00+01:00",
        _paragraphs("""
City councillors approved a four-stop extension of the number 3 tram to the
university campus on Tuesday evening by 31 votes to 18.

Supporters argued that buses on the route are already full at peak hours, while
opponents questioned the cost of a new bridge over the rail yards.

Construction is expected to begin in 2027, with trams running by 2029. The plan
includes a park-and-ride site at the ring road.

Students' union president Ada Lorentz welcomed the vote and urged the council to
keep late-night services on the existing buses until then.
"""),
        teaser="/news/harbour-ferry-returns.html",
        feed_list=[
            "/news/river-flood-defences.html",
            "/partner/night-ferry-returns.html",
        ],
        json_ld=False,
    ),
    Story(
        "library-opening-hours",
        "Local",
        "Central library extends evening opening hours",
        "The reading rooms will stay open until 9pm on weekdays.",
        "tomas-egede",
        "2026-11-17T09:00:00+01:00",
        _paragraphs("""
The central library will open until 9pm from Monday to Friday starting next
month, after a trial last spring drew more visitors than expected.

Librarians counted an average of 420 people an evening during the trial, most of
them students and people working daytime shifts.

The longer hours are paid for by moving two mobile library routes to a
fortnightly timetable, a change the council says affects few readers.

Children's story sessions will move to Thursday evenings in January.
"""),
        teaser="/news/tram-line-extension.html",
        feed_list=["/news/harbour-ferry-returns.html"],
    ),
    Story(
        "ferry-timetable-consultation",
        "Transport",
        "Islanders asked to shape the new ferry timetable",
        "A consultation on departure times runs until the end of December.",
        "mira-castell",
        "2026-11-20T12:30:00+01:00",
        _paragraphs("""
Residents of the outer islands are being asked which departure times suit them
best before the night ferry returns in April.

The transport board has proposed a 22:30 departure from Lindqvist with a 05:00
return, but says it will consider an earlier sailing on Fridays.

Responses can be given online or at drop-in sessions in the island halls during
the first two weeks of December.

The board said freight operators would be consulted separately.
"""),
        teaser="/news/island-school-transport.html",
        feed_list=["/news/harbour-ferry-returns.html"],
    ),
    Story(
        "wetland-restoration",
        "Environment",
        "Old gravel pits become a wetland reserve",
        "Volunteers have planted 12,000 reeds since the summer.",
        "tomas-egede",
        "2026-11-16T14:20:00+01:00",
        _paragraphs("""
Flooded gravel pits east of the Sola river are being turned into a wetland
reserve, with volunteers planting 12,000 reeds since June.

Birdwatchers have already recorded breeding grebes and a pair of marsh harriers
on the site, which opens to the public in the spring.

The reserve will also hold back floodwater upstream of the town, easing pressure
on the new flood walls during heavy rain.

A boardwalk and two hides are due to be built over the winter.
"""),
        feed_list=["/news/river-flood-defences.html"],
    ),
    Story(
        "island-school-transport",
        "Education",
        "Island pupils to get a dedicated school boat",
        "The boat replaces a shared service that often ran late.",
        "mira-castell",
        "2026-11-15T08:10:00+01:00",
        _paragraphs("""
Secondary school pupils from the outer islands will travel on a dedicated boat
from January instead of the shared morning ferry.

Parents had complained that pupils regularly missed the first lesson when the
ferry waited for freight at the mainland pier.

The new boat carries 48 passengers and will be crewed by the same operator that
runs the island bus.

The education department said the change costs less than expected.
"""),
        teaser="/news/island-weather-station.html",
    ),
    Story(
        "island-weather-station",
        "Environment",
        "Weather station on the outer islands records record gusts",
        "Gusts of 171 km/h were measured during last week's storm.",
        "tomas-egede",
        "2026-11-14T18:45:00+01:00",
        _paragraphs("""
The automatic weather station on the outermost island recorded a gust of 171
kilometres an hour during last week's storm, a local record.

The station was installed in 1998 and feeds the national forecast.

Forecasters said the storm's track had been unusually far north.
"""),
    ),
]

# The same text as the ferry story under a partner's URL: a syndicated copy.
SYNDICATED_COPY = "partner/night-ferry-returns.html"


def render_page(story: Story, *, extra_furniture: str = "") -> str:
    """The whole HTML page for one story; links are root-relative or ``__BASE__``."""
    name, role, bio = AUTHORS[story.author]
    esc = html.escape
    paragraphs = [f"<p>{esc(p)}</p>" for p in story.paragraphs]
    if story.in_body:
        href, text = story.in_body
        paragraphs[1] = paragraphs[1].replace(
            "</p>", f' Read <a href="{href}">{esc(text)}</a>.</p>'
        )
    if story.teaser:
        paragraphs.insert(
            2,
            '<aside class="related-card"><span class="label">Read more</span>'
            f'<a href="{story.teaser}">{esc(_headline_of(story.teaser))}</a></aside>',
        )
    feed_items = "".join(
        f'<li class="teaser"><a href="{href}">{esc(_headline_of(href))}</a></li>'
        for href in story.feed_list
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{esc(story.headline)} | Lindqvist Courier</title>
<link rel="canonical" href="__BASE__/news/{story.slug}.html">
<meta name="description" content="{esc(story.standfirst)}">
<meta property="og:title" content="{esc(story.headline)}">
<meta property="og:image" content="__BASE__/img/{story.slug}.jpg">
<meta property="article:section" content="{esc(story.section)}">
<meta property="article:published_time" content="{story.published}">
{_json_ld(story, name) if story.json_ld else ""}
</head><body>
<header><a class="logo" href="/">Lindqvist Courier</a>
<nav class="main-menu"><a href="/">Home</a> <a href="/news/">News</a>
<a href="/sport/">Sport</a> <a href="/weather/">Weather</a></nav></header>
<main><article class="story">
<div class="section-label">
<a href="/{story.section.lower()}/">{esc(story.section)}</a></div>
<h1>{esc(story.headline)}</h1>
<p class="standfirst">{esc(story.standfirst)}</p>
<div class="byline">By <a href="/authors/{story.author}.html">{esc(name)}</a>,
{esc(role)} · <time datetime="{story.published}">{story.published[:10]}</time>
· <span class="reading-time">2 min read</span></div>
<figure class="lead"><img src="/img/{story.slug}.jpg" alt="{esc(story.headline)}">
<figcaption>{esc(story.standfirst)} (Photo: Lindqvist Courier/Sten Aalto)</figcaption>
</figure>
<div class="story-body">{"".join(paragraphs)}</div>
<div class="share-bar">Share: <a href="https://social.example/share">Post</a></div>
<section class="author-box"><h4>{esc(name)}</h4><p class="role">{esc(role)}</p>
<p class="bio">{esc(bio)}</p>
<a href="/authors/{story.author}.html">Read more</a></section>
</article>
<section class="news-feed"><h2>News feed</h2><ul>{feed_items}</ul></section>
{extra_furniture}
</main>
<footer><a href="/about.html">About us</a> <a href="/privacy.html">Privacy</a>
<p>© 2026 Lindqvist Courier</p></footer>
</body></html>
"""


def _json_ld(story: Story, author: str) -> str:
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": story.headline,
        "description": story.standfirst,
        "datePublished": story.published,
        "articleSection": story.section,
        "author": {"@type": "Person", "name": author},
        "inLanguage": "en",
    }
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def _headline_of(href: str) -> str:
    slug = href.rsplit("/", maxsplit=1)[-1].split(".", maxsplit=1)[0]
    for story in STORIES:
        if story.slug == slug:
            return story.headline
    return slug.replace("-", " ").capitalize()


def render_feed(stories: list[Story], *, title: str) -> str:
    """An RSS 2.0 feed of ``stories``, with ``__BASE__`` links."""
    items = "".join(
        f"<item><title>{html.escape(s.headline)}</title>"
        f"<link>__BASE__/news/{s.slug}.html</link>"
        f"<guid>__BASE__/news/{s.slug}.html</guid>"
        f"<description>{html.escape(s.standfirst)}</description></item>"
        for s in stories
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>{html.escape(title)}</title><link>__BASE__/</link>"
        f"<description>{html.escape(title)}</description>{items}</channel></rss>\n"
    )


def write_site(root: Path) -> None:
    """Write the sample site under ``root`` (feed.xml, news/, authors/, partner/)."""
    (root / "news").mkdir(parents=True, exist_ok=True)
    (root / "authors").mkdir(exist_ok=True)
    (root / "partner").mkdir(exist_ok=True)
    for story in STORIES:
        (root / "news" / f"{story.slug}.html").write_text(
            render_page(story), encoding="utf-8"
        )
    ferry = STORIES[0]
    copy = render_page(ferry).replace(
        f"__BASE__/news/{ferry.slug}.html", f"__BASE__/{SYNDICATED_COPY}"
    )
    (root / SYNDICATED_COPY).write_text(copy, encoding="utf-8")
    for slug, (name, role, bio) in AUTHORS.items():
        (root / "authors" / f"{slug}.html").write_text(
            f"<!doctype html><html lang=en><head><title>{name}</title></head><body>"
            f"<h1>{name}</h1><p>{role}</p><p>{bio}</p></body></html>",
            encoding="utf-8",
        )
    (root / "feed.xml").write_text(
        render_feed(STORIES[:4], title="Lindqvist Courier: latest"), encoding="utf-8"
    )
    (root / "index.html").write_text(
        '<!doctype html><html><body><a href="/feed.xml">RSS</a></body></html>',
        encoding="utf-8",
    )
