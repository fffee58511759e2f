"""Feed parsing benchmark and differential comparison with feedparser.

    python -m bench.feeds [--repeat 3]

Parses, in one run and in this process, with newsfeed's ``parse_feed`` and with
feedparser (the oracle; a test-only dependency):

* every file of the corpus in ``tests/fixtures/feeds/corpus/`` (files/s, MB/s);
* a generated 5 MB RSS feed and a generated 50,000-URL sitemap (RELIABILITY L6: each
  < 1 s; feedparser does not read sitemaps, so only newsfeed's time is shown).

It prints both parsers' throughput, the speed ratio (target: newsfeed ≥ 5× faster),
and the agreement on entry url, id, title and published time over the corpus entries
(target ≥ 99 %; the differences themselves are listed and explained in
``tests/unit/pipeline/test_feed_corpus.py``). Nothing is fetched; timings are wall
clock on whatever else the machine is doing, so compare the ratio, not the absolutes.

The comparison helpers here (:func:`load_corpus`, :func:`compare_case`) are shared
with that test, so the figure printed and the figure tested are the same computation.
"""

from __future__ import annotations

import argparse
import calendar
import contextlib
import html
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser

from schemas.enums import FeedKind
from worker.errors import ContentError
from worker.pipeline.feeds import parse_feed

CORPUS = Path(__file__).parents[1] / "tests" / "fixtures" / "feeds" / "corpus"
FIELDS = ("url", "id", "title", "published")
# feedparser reads neither of these, so there is nothing to compare them with.
NOT_COMPARED_KINDS = frozenset(
    {FeedKind.JSON_FEED, FeedKind.SITEMAP, FeedKind.SITEMAP_INDEX}
)
_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class Case:
    """One corpus file and the headers it is parsed with."""

    name: str
    data: bytes
    url: str
    content_type: str | None = None
    content_location: str | None = None

    def parse(self) -> Any:
        return parse_feed(
            self.data,
            url=self.url,
            content_type=self.content_type,
            content_location=self.content_location,
        )

    def parse_with_feedparser(self) -> Any:
        # feedparser takes the base URL from Content-Location; with headers but no
        # Content-Type it assumes ISO-8859-1 (its RFC 3023 reading), so a file served
        # without one is given application/xml, which means "no charset information".
        base = urljoin(self.url, self.content_location or "")
        headers = {
            "content-location": base,
            "content-type": self.content_type or "application/xml",
        }
        return feedparser.parse(self.data, response_headers=headers)


View = tuple[str | None, str | None, str | None, datetime | None]


@dataclass
class CaseResult:
    """What the two parsers made of one file."""

    name: str
    kind: FeedKind | None = None  # None: newsfeed raised ContentError
    error: str | None = None  # the ContentError reason
    compared: bool = False
    entries: int = 0  # aligned entry pairs plus entries only one side reported
    agreeing: int = 0
    # feedparser entries without an http(s) link: newsfeed skips them by design (an
    # entry is something the crawler can fetch), so they are counted, not compared.
    without_url: int = 0
    differences: list[tuple[str, int]] = field(default_factory=list)  # (field, index)


def load_corpus() -> list[Case]:
    headers = json.loads((CORPUS / "headers.json").read_text())
    return [
        Case(
            name=name,
            data=(CORPUS / name).read_bytes(),
            url=meta["url"],
            content_type=meta.get("content_type"),
            content_location=meta.get("content_location"),
        )
        for name, meta in sorted(headers.items())
    ]


def _our_view(entry: Any) -> View:
    date = entry.published or entry.updated
    return (
        entry.url,
        entry.id,
        entry.title,
        date.replace(microsecond=0) if date else None,
    )


def _their_title(entry: Any) -> str | None:
    title = entry.get("title")
    if title is None:
        return None
    if "html" in (entry.get("title_detail") or {}).get("type", ""):
        title = html.unescape(_TAG.sub(" ", title))
    return " ".join(title.split()) or None


def _their_view(entry: Any) -> View:
    # "published" means each side's first of published/updated: feedparser files
    # dc:date and Atom 0.3 <modified> under updated, newsfeed dc:date under published.
    # dict.get: FeedParserDict.get maps missing keys onto others, with a warning.
    parsed = dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")
    date = datetime.fromtimestamp(calendar.timegm(parsed), UTC) if parsed else None
    return (entry.get("link"), entry.get("id"), _their_title(entry), date)


def _is_http(url: str | None) -> bool:
    return bool(url) and urlsplit(url or "").scheme in {"http", "https"}


def _pairs(
    ours: list[View], theirs: list[View]
) -> list[tuple[View | None, View | None]]:
    # Align by URL (newsfeed skips entries without an http(s) URL), pairing
    # same-length replaced runs in order.
    matcher = SequenceMatcher(
        None, [o[0] for o in ours], [t[0] for t in theirs], autojunk=False
    )
    pairs: list[tuple[View | None, View | None]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
            pairs.extend(zip(ours[i1:i2], theirs[j1:j2], strict=True))
        else:
            pairs.extend((o, None) for o in ours[i1:i2])
            pairs.extend((None, t) for t in theirs[j1:j2])
    return pairs


def compare_case(case: Case) -> CaseResult:
    """Parse ``case`` with both parsers and compare entry url, id, title, published."""
    result = CaseResult(case.name)
    try:
        parsed = case.parse()
        ours = [_our_view(entry) for entry in parsed.entries]
        result.kind = parsed.kind
    except ContentError as exc:
        result.error = exc.reason.value
        ours = []
    if result.kind in NOT_COMPARED_KINDS:
        return result
    result.compared = True
    theirs = [_their_view(entry) for entry in case.parse_with_feedparser().entries]
    result.without_url = sum(1 for view in theirs if not _is_http(view[0]))
    theirs = [view for view in theirs if _is_http(view[0])]
    for index, (our, their) in enumerate(_pairs(ours, theirs)):
        result.entries += 1
        if our is None or their is None:
            result.differences.append(
                ("only newsfeed" if their is None else "only feedparser", index)
            )
            continue
        wrong = [name for name, a, b in zip(FIELDS, our, their, strict=True) if a != b]
        result.differences.extend((name, index) for name in wrong)
        result.agreeing += not wrong
    return result


def agreement(results: list[CaseResult]) -> tuple[int, int]:
    """(agreeing entries, compared entries) over ``results``."""
    return (
        sum(result.agreeing for result in results),
        sum(result.entries for result in results),
    )


# ---------------------------------------------------------------------------- bench


def _large_feed(target_bytes: int = 5_000_000) -> bytes:
    """An RSS 2.0 feed of about ``target_bytes``, with long descriptions."""
    items, size, index = [], 0, 0
    body = "<p>Councillors met on Tuesday to discuss the plan &amp; its costs.</p>" * 40
    while size < target_bytes:
        item = (
            f"<item><title>Story {index}: council &amp; harbour news</title>"
            f"<link>https://news.example.com/2024/03/story-{index}</link>"
            f"<guid>https://news.example.com/2024/03/story-{index}</guid>"
            f"<pubDate>Mon, 04 Mar 2024 10:{index % 60:02d}:00 GMT</pubDate>"
            f"<description><![CDATA[{body}]]></description></item>\n"
        )
        items.append(item)
        size += len(item)
        index += 1
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Large</title><link>https://news.example.com/</link>{''.join(items)}"
        "</channel></rss>"
    ).encode()


def _large_sitemap(count: int = 50_000) -> bytes:
    urls = "".join(
        f"<url><loc>https://news.example.com/2024/03/{i % 28 + 1:02d}/story-{i}</loc>"
        f"<lastmod>2024-03-{i % 28 + 1:02d}T10:{i % 60:02d}:00+00:00</lastmod></url>\n"
        for i in range(count)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{urls}</urlset>'
    ).encode()


def _best_of(repeat: int, run: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best


def _parse_all_ours(cases: list[Case]) -> None:
    for case in cases:
        with contextlib.suppress(ContentError):
            case.parse()


def _parse_all_theirs(cases: list[Case]) -> None:
    for case in cases:
        case.parse_with_feedparser()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs")
    args = parser.parse_args()

    cases = load_corpus()
    megabytes = sum(len(case.data) for case in cases) / 1e6
    ours = _best_of(args.repeat, lambda: _parse_all_ours(cases))
    theirs = _best_of(args.repeat, lambda: _parse_all_theirs(cases))
    print(f"corpus: {len(cases)} files, {megabytes:.2f} MB")
    for name, seconds in (("newsfeed", ours), ("feedparser", theirs)):
        print(
            f"  {name:<10} {seconds:7.3f} s  {len(cases) / seconds:8.0f} files/s"
            f"  {megabytes / seconds:6.2f} MB/s"
        )
    print(f"  speed ratio: newsfeed is {theirs / ours:.1f}x feedparser (target >= 5x)")
    # The same on the RSS and Atom files alone, the documents both parsers read.
    xml_feeds = [case for case in cases if case.name.endswith((".xml", ".rdf"))]
    xml_feeds = [case for case in xml_feeds if not case.name.startswith("sitemap/")]
    ours_xml = _best_of(args.repeat, lambda: _parse_all_ours(xml_feeds))
    theirs_xml = _best_of(args.repeat, lambda: _parse_all_theirs(xml_feeds))
    print(
        f"  RSS/Atom files only ({len(xml_feeds)}): newsfeed is "
        f"{theirs_xml / ours_xml:.1f}x feedparser"
    )

    large = _large_feed()
    feed_case = Case("large.xml", large, "https://news.example.com/rss")
    ours_large = _best_of(args.repeat, feed_case.parse)
    theirs_large = _best_of(1, feed_case.parse_with_feedparser)
    entries = len(feed_case.parse().entries)
    print(f"5 MB feed: {len(large) / 1e6:.1f} MB, {entries} entries")
    print(f"  newsfeed   {ours_large:7.3f} s  (RELIABILITY L6: < 1 s)")
    print(f"  feedparser {theirs_large:7.3f} s  ratio {theirs_large / ours_large:.1f}x")

    sitemap = _large_sitemap()
    sitemap_case = Case("sitemap.xml", sitemap, "https://news.example.com/sitemap.xml")
    ours_sitemap = _best_of(args.repeat, sitemap_case.parse)
    urls = len(sitemap_case.parse().entries)
    print(f"sitemap: {urls} URLs, {len(sitemap) / 1e6:.1f} MB")
    print(
        f"  newsfeed   {ours_sitemap:7.3f} s  (RELIABILITY L6: < 1 s; feedparser n/a)"
    )

    results = [compare_case(case) for case in cases]
    agreeing, compared = agreement(results)
    differing = sum(bool(r.differences) for r in results)
    print(
        f"agreement with feedparser: {agreeing}/{compared} entries = "
        f"{agreeing / compared:.2%} (target >= 99 %) over "
        f"{sum(r.compared for r in results)} files; {differing} files differ "
        "(explained in tests/unit/pipeline/test_feed_corpus.py); "
        f"{sum(r.without_url for r in results)} feedparser entries without an "
        "http(s) URL not compared"
    )


if __name__ == "__main__":
    main()
