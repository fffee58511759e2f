"""Generate a synthetic local news site for the benchmarks (deterministic from a seed).

Each article page uses the sample site's page template (worker.sample_site.render_page)
with realistic furniture around it — scripts, a mega-menu, share bars, ad slots, a
"most read" box and a long footer — so pages weigh 30–60 KB like real news pages.
Feeds (RSS 2.0) each list a share of the articles; every article links two teasers and a
news-feed list of five other articles, so the follower finds links that are mostly
already known. Links use the ``__BASE__`` placeholder that worker.devserver fills in.

    python -m bench.site OUT_DIR --articles 3000 --feeds 10
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from worker.sample_site import AUTHORS, Story, render_feed, render_page

SECTIONS = ("Politics", "Business", "Transport", "Environment", "Culture", "Sport")
NOUNS = [
    "council",
    "harbour",
    "budget",
    "river",
    "festival",
    "library",
    "tram",
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
    "ferry",
    "island",
    "union",
    "court",
    "airport",
    "factory",
    "theatre",
    "stadium",
    "forest",
    "valley",
]
VERBS = [
    "approves",
    "delays",
    "opens",
    "closes",
    "expands",
    "reviews",
    "funds",
    "rejects",
    "plans",
    "restores",
]


def sentence(rng: random.Random) -> str:
    words = [rng.choice(NOUNS) for _ in range(rng.randint(14, 26))]
    words[2] = rng.choice(VERBS)
    return " ".join(words).capitalize() + "."


def make_story(i: int, n: int, rng: random.Random) -> Story:
    """Article ``i`` of a site of ``n``: its teaser and news-feed list link others."""
    paragraphs = [
        " ".join(sentence(rng) for _ in range(rng.randint(2, 4)))
        for _ in range(rng.randint(5, 10))
    ]
    return Story(
        slug=f"story-{i}",
        section=rng.choice(SECTIONS),
        headline=f"{rng.choice(NOUNS).capitalize()} {rng.choice(VERBS)} plan for "
        f"the {rng.choice(NOUNS)} (report {i})",
        standfirst=sentence(rng),
        author=rng.choice(list(AUTHORS)),
        published=f"2026-11-{1 + i % 28:02d}T{i % 24:02d}:15:00+01:00",
        paragraphs=paragraphs,
        teaser=f"/news/story-{rng.randrange(n)}.html",
        feed_list=[f"/news/story-{rng.randrange(n)}.html" for _ in range(5)],
    )


def _furniture(rng: random.Random, n: int) -> str:
    menu = "".join(f'<li><a href="/{s.lower()}/">{s}</a></li>' for s in SECTIONS * 6)
    scripts = "".join(
        f"<script>window.dataLayer=window.dataLayer||[];dataLayer.push({{'slot':{k},"
        f"'id':'{rng.getrandbits(64):x}','sizes':[[300,250],[728,90]]}});</script>"
        for k in range(160)
    )
    ads = "".join(
        f'<div class="ad-slot" id="ad-{k}"><span>Advertisement</span></div>'
        for k in range(8)
    )
    most_read = "".join(
        f'<li><a href="/news/story-{rng.randrange(n)}.html">{sentence(rng)}</a></li>'
        for _ in range(10)
    )
    footer = "".join(
        f'<a href="/page-{k}.html">Footer link {k}</a> ' for k in range(150)
    )
    return (
        f'<nav class="mega-menu"><ul>{menu}</ul></nav>{scripts}{ads}'
        f'<aside class="most-read"><h3>Most read</h3><ol>{most_read}</ol></aside>'
        '<div class="newsletter"><p>Get the morning briefing in your inbox.</p>'
        '<form><input type="email"><button>Sign up</button></form></div>'
        f'<div class="footer-links">{footer}</div>'
    )


def generate_site(
    root: Path, *, articles: int = 3000, feeds: int = 10, seed: int = 1
) -> list[Story]:
    """Write ``articles`` article pages and ``feeds`` RSS feeds under ``root``; return
    the stories (feed ``f`` lists ``stories[f::feeds]``)."""
    rng = random.Random(seed)
    (root / "news").mkdir(parents=True, exist_ok=True)
    stories = [make_story(i, articles, rng) for i in range(articles)]
    for story in stories:
        write_page(root, story, rng, articles)
    for f in range(feeds):
        write_feed(root, f, stories[f::feeds])
    return stories


def write_page(root: Path, story: Story, rng: random.Random, n: int) -> None:
    """Write ``story``'s page, its furniture linking stories of a site of ``n``."""
    page = render_page(story, extra_furniture=_furniture(rng, n))
    _write_whole(root / "news" / f"{story.slug}.html", page)


def write_feed(root: Path, f: int, stories: list[Story]) -> None:
    """Write feed number ``f`` listing ``stories``."""
    _write_whole(root / f"feed-{f}.xml", render_feed(stories, title=f"Bench feed {f}"))


def _write_whole(path: Path, text: str) -> None:
    # Written aside, then renamed over: a server reading the site while bench.soak
    # publishes sees the old file or the new one, never half of one.
    part = path.with_name(path.name + ".part")
    part.write_text(text, encoding="utf-8")
    part.replace(path)


def feed_paths(feeds: int) -> list[str]:
    return [f"/feed-{f}.xml" for f in range(feeds)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--feeds", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    generate_site(args.out, articles=args.articles, feeds=args.feeds, seed=args.seed)
    print(f"wrote {args.articles} articles and {args.feeds} feeds to {args.out}")


if __name__ == "__main__":
    main()
