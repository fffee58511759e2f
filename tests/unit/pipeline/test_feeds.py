"""Feed parsing: RSS, Atom and JSON Feed fixtures in full; dates, text, refusals."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from schemas.enums import FailureReason, FeedKind
from schemas.messages import FeedEntry, ParsedFeed
from worker.errors import ContentError
from worker.pipeline.feeds import MAX_ENTRIES, parse_feed, parse_feed_date

FIXTURES = Path(__file__).parents[2] / "fixtures" / "feeds"


def _utc(
    year: int,
    month: int,
    day: int,
    hour: int = 0,
    minute: int = 0,
    second: int = 0,
    microsecond: int = 0,
) -> datetime:
    return datetime(year, month, day, hour, minute, second, microsecond, tzinfo=UTC)


def _rss(items: str, channel: str = "") -> bytes:
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        f"{channel}{items}</channel></rss>"
    ).encode()


def test_the_rss_2_fixture_parses_to_the_expected_feed() -> None:
    data = (FIXTURES / "rss2.xml").read_bytes()

    feed = parse_feed(data, url="https://news.example.com/feed.xml")

    assert feed == ParsedFeed(
        kind=FeedKind.RSS,
        encoding="utf-8",
        title="The Daily Fixture",
        url="https://news.example.com/",
        language="en-gb",
        ttl_minutes=60,
        entries=(
            FeedEntry(
                url="https://news.example.com/2024/03/01/cafe-protest",
                id="urn:fixture:1",
                title="Café owners’ & bakers protest",
                summary="Owners marched on the town hall. Second para.",
                authors=("Jo Bloggs", "Sam Smith"),
                published=_utc(2024, 3, 1, 8, 30),
                categories=("Business", "Local"),
                image_url="https://cdn.example.com/cafe.jpg",
            ),
            FeedEntry(
                url="https://news.example.com/2024/03/02/guid-story",
                id="https://news.example.com/2024/03/02/guid-story",
                title="Relative link, permalink guid",
                summary="Plain text summary < with a less-than sign",
                published=_utc(2024, 3, 2, 10, 0),
                image_url="https://news.example.com/img/guid.png",
            ),
            FeedEntry(
                url="https://news.example.com/2024/03/03/relative",
                title="Link is relative",
                published=_utc(2024, 3, 3, 16, 0),
                categories=("Politics",),
                image_url="https://cdn.example.com/thumb.jpg",
            ),
        ),
        problems=("entry 3: no http(s) URL; skipped",),
    )


def test_the_atom_fixture_parses_to_the_expected_feed() -> None:
    data = (FIXTURES / "atom.xml").read_bytes()

    feed = parse_feed(data, url="https://blog.example.org/atom.xml")

    assert feed == ParsedFeed(
        kind=FeedKind.ATOM,
        encoding="utf-8",
        title="Fixture Blog",
        url="https://blog.example.org/",
        language="de",
        entries=(
            FeedEntry(
                url="https://blog.example.org/posts/first.html",
                id="tag:blog.example.org,2024:1",
                title="Atom & entities",
                summary="Hello world",
                authors=("Ada", "Grace"),
                published=_utc(2024, 3, 5, 8, 0),
                updated=_utc(2024, 3, 5, 18, 30, 2, 123456),
                categories=("science", "history"),
                image_url="https://blog.example.org/media/first.png",
            ),
            FeedEntry(
                url="https://blog.example.org/second",
                id="https://blog.example.org/second",
                title="Second entry without its own author",
                summary="Only content, no summary.",
                authors=("Feed Author",),
                updated=_utc(2024, 3, 6),
                image_url="https://cdn.example.org/second.jpg",
            ),
            FeedEntry(
                url="https://blog.example.org/third",
                id="https://blog.example.org/third",
                title="Id is the only URL",
                authors=("Feed Author",),
                updated=_utc(2024, 3, 7, 8, 0),
            ),
        ),
        problems=(
            "entry 3: unparseable date 'not a date'",
            "entry 3: no http(s) URL; skipped",
        ),
    )


def test_the_json_feed_fixture_parses_to_the_expected_feed() -> None:
    data = (FIXTURES / "json_feed.json").read_bytes()

    feed = parse_feed(
        data, url="https://json.example.net/feed.json", content_type="text/plain"
    )

    assert feed == ParsedFeed(
        kind=FeedKind.JSON_FEED,
        encoding="utf-8",
        title="JSON Fixture",
        url="https://json.example.net/",
        language="fr",
        entries=(
            FeedEntry(
                url="https://json.example.net/one",
                id="1",
                title="First & foremost",
                summary="The first item.",
                authors=("Marie",),
                published=_utc(2024, 3, 1, 17, 0),
                updated=_utc(2024, 3, 2),
                categories=("world", "europe"),
                image_url="https://json.example.net/one.jpg",
            ),
            FeedEntry(
                url="https://json.example.net/two",
                id="2",
                summary="Second summary",
                authors=("Old-style author",),
            ),
        ),
        problems=(
            "entry 2: no http(s) URL; skipped",
            "entry 3: not an object; skipped",
        ),
    )


def test_json_that_is_not_a_json_feed_is_not_a_feed() -> None:
    with pytest.raises(ContentError) as caught:
        parse_feed(b'{"hello": "world"}', url="https://a.example/f")
    assert caught.value.reason is FailureReason.NOT_FEED


def test_broken_json_declared_as_a_feed_is_unparseable() -> None:
    with pytest.raises(ContentError) as caught:
        parse_feed(
            b'{"items": [', url="https://a.example/f", content_type="application/json"
        )
    assert caught.value.reason is FailureReason.UNPARSEABLE


def test_deeply_nested_json_is_unparseable_not_a_crash() -> None:
    with pytest.raises(ContentError) as caught:
        parse_feed(b"[" * 100_000, url="https://a.example/f")
    assert caught.value.reason is FailureReason.UNPARSEABLE


def test_an_rss_1_rdf_feed_is_read() -> None:
    data = b"""<?xml version="1.0"?>
    <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
             xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
      <channel rdf:about="https://r.example/"><title>RDF</title>
        <link>https://r.example/</link></channel>
      <item rdf:about="https://r.example/a"><title>A</title><link>https://r.example/a</link>
        <dc:date>2024-03-01T10:00:00+01:00</dc:date><dc:creator>Dee</dc:creator></item>
    </rdf:RDF>"""

    feed = parse_feed(data, url="https://r.example/index.rdf")

    assert feed.kind is FeedKind.RSS
    assert feed.title == "RDF"
    assert feed.entries == (
        FeedEntry(
            url="https://r.example/a",
            id="https://r.example/a",
            title="A",
            authors=("Dee",),
            published=_utc(2024, 3, 1, 9, 0),
        ),
    )


def test_an_atom_0_3_feed_is_read() -> None:
    data = b"""<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>Old</title>
      <entry><title mode="escaped" type="text/html">&lt;b&gt;Bold&lt;/b&gt;</title>
        <link rel="alternate" type="text/html" href="https://o.example/1"/>
        <issued>2004-01-01T00:00:00Z</issued><modified>2004-01-02T00:00:00Z</modified>
      </entry></feed>"""

    feed = parse_feed(data, url="https://o.example/atom")

    assert feed.kind is FeedKind.ATOM
    assert feed.entries == (
        FeedEntry(
            url="https://o.example/1",
            title="Bold",
            published=_utc(2004, 1, 1),
            updated=_utc(2004, 1, 2),
        ),
    )


def test_relative_urls_resolve_against_nested_xml_base() -> None:
    data = b"""<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://x.example/a/">
      <entry xml:base="b/"><link xml:base="c/" href="d.html"/><id>i</id></entry>
      <entry><link href="../up.html"/><id>j</id></entry></feed>"""

    feed = parse_feed(data, url="https://elsewhere.example/feed")

    assert [e.url for e in feed.entries] == [
        "https://x.example/a/b/c/d.html",
        "https://x.example/up.html",
    ]


def test_relative_urls_without_xml_base_resolve_against_the_feed_url() -> None:
    feed = parse_feed(
        _rss("<item><link>story</link></item>"), url="https://n.example/news/rss"
    )
    assert feed.entries[0].url == "https://n.example/news/story"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Fri, 01 Mar 2024 09:30:00 GMT", _utc(2024, 3, 1, 9, 30)),
        ("Fri, 01 Mar 2024 09:30:00 +0100", _utc(2024, 3, 1, 8, 30)),
        ("Fri, 01 Mar 2024 09:30:00 +01:00", _utc(2024, 3, 1, 8, 30)),
        ("Fri, 01 Mar 2024 09:30:00 EST", _utc(2024, 3, 1, 14, 30)),
        ("Fri, 01 Mar 2024 09:30:00 CEST", _utc(2024, 3, 1, 7, 30)),
        ("Fri, 01 Mar 2024 09:30:00 GMT+2", _utc(2024, 3, 1, 7, 30)),
        ("Fri, 01 Mar 2024 09:30:00 UTC+05:30", _utc(2024, 3, 1, 4, 0)),
        ("Fri, 01 Mar 2024 09:30:00 XYZ", _utc(2024, 3, 1, 9, 30)),
        ("Fri, 01 Mar 2024 09:30:00", _utc(2024, 3, 1, 9, 30)),
        ("Thurs, 01 Mar 2024 09:30 Z", _utc(2024, 3, 1, 9, 30)),
        ("Friday, 1 March 2024 09:30:00 GMT", _utc(2024, 3, 1, 9, 30)),
        ("01 Mar 24 09:30:00 GMT", _utc(2024, 3, 1, 9, 30)),
        ("fri, 01 mar 2024 09:30:00 gmt", _utc(2024, 3, 1, 9, 30)),
        ("2024-03-01T09:30:00Z", _utc(2024, 3, 1, 9, 30)),
        ("2024-03-01T09:30:00+02:00", _utc(2024, 3, 1, 7, 30)),
        ("2024-03-01T09:30:00.123456789-0100", _utc(2024, 3, 1, 10, 30, 0, 123456)),
        ("2024-03-01T09:30:00", _utc(2024, 3, 1, 9, 30)),
        ("2024-03-01 09:30:00", _utc(2024, 3, 1, 9, 30)),
        ("2024-03-01T09:30+02:00", _utc(2024, 3, 1, 7, 30)),
        ("2024-03-01T09:30:00 +02:00", _utc(2024, 3, 1, 7, 30)),
        ("2024-03-01t09:30:00z", _utc(2024, 3, 1, 9, 30)),
        ("20240301T093000Z", _utc(2024, 3, 1, 9, 30)),
        ("2024-03-01", _utc(2024, 3, 1)),
        ("2024-03", _utc(2024, 3, 1)),
        ("2024", _utc(2024, 1, 1)),
    ],
)
def test_each_date_form_becomes_an_aware_utc_datetime(
    text: str, expected: datetime
) -> None:
    parsed = parse_feed_date(text)
    assert parsed == expected
    assert parsed is not None
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    "text", ["", "   ", "yesterday", "2024-13-45", "Fri, 99 Foo 2024", "9" * 40]
)
def test_an_unreadable_date_is_none(text: str) -> None:
    assert parse_feed_date(text) is None


def test_a_bad_date_is_a_problem_but_the_entry_is_kept() -> None:
    feed = parse_feed(
        _rss("<item><link>https://a.example/1</link><pubDate>soon</pubDate></item>"),
        url="https://a.example/rss",
    )
    assert feed.entries[0].published is None
    assert feed.problems == ("entry 0: unparseable date 'soon'",)


def test_undeclared_html_entities_are_decoded() -> None:
    data = _rss(
        "<item><title>Caf&eacute; &ndash; &rsquo;quoted&rsquo; &amp; more&hellip;"
        "</title><link>https://a.example/1</link>"
        "<description>A&nbsp;B &copy; &#8364;5</description></item>"
    )

    entry = parse_feed(data, url="https://a.example/rss").entries[0]

    assert entry.title == "Café – ’quoted’ & more…"
    assert entry.summary == "A B © €5"


def test_double_escaped_html_in_rss_titles_is_decoded_and_stripped() -> None:
    data = _rss(
        "<item><title>&lt;b&gt;Bold&lt;/b&gt; &amp;eacute;t&amp;eacute;</title>"
        "<link>https://a.example/1</link></item>"
    )
    assert parse_feed(data, url="https://a.example/rss").entries[0].title == "Bold été"


def test_script_content_in_a_summary_is_not_text() -> None:
    data = _rss(
        "<item><link>https://a.example/1</link><description><![CDATA["
        "<p>Kept</p><script>alert(1)</script><style>p{}</style>]]></description></item>"
    )
    assert parse_feed(data, url="https://a.example/rss").entries[0].summary == "Kept"


@pytest.mark.parametrize(
    "data",
    [
        b"<!DOCTYPE html><html><head><title>Home</title></head><body></body></html>",
        b"\n  <html lang='en'><body><p>Hello</p></body></html>",
        b"<?xml version='1.0'?><!-- hi --><!doctype HTML><html></html>",
        b"<html xmlns='http://www.w3.org/1999/xhtml'><body/></html>",
    ],
)
def test_html_served_instead_of_a_feed_is_not_a_feed(data: bytes) -> None:
    with pytest.raises(ContentError) as caught:
        parse_feed(data, url="https://a.example/rss", content_type="text/html")
    assert caught.value.reason is FailureReason.NOT_FEED


def test_xml_that_is_neither_a_feed_nor_a_sitemap_is_not_a_feed() -> None:
    data = b'<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>'
    with pytest.raises(ContentError) as caught:
        parse_feed(data, url="https://a.example/feed.xml")
    assert caught.value.reason is FailureReason.NOT_FEED


@pytest.mark.parametrize(
    "data", [b"", b"   ", b"\x00\x01\x02garbage", b"not xml at all", b"\xff\xfe\x00"]
)
def test_garbage_is_unparseable(data: bytes) -> None:
    with pytest.raises(ContentError) as caught:
        parse_feed(data, url="https://a.example/rss")
    assert caught.value.reason is FailureReason.UNPARSEABLE


def test_a_truncated_feed_keeps_the_entries_before_the_cut() -> None:
    whole = (FIXTURES / "rss2.xml").read_bytes()
    truncated = whole[: whole.index(b"<item>", whole.index(b"cafe-protest")) + 40]

    feed = parse_feed(truncated, url="https://news.example.com/feed.xml")

    assert feed.entries[0].url == "https://news.example.com/2024/03/01/cafe-protest"
    assert feed.entries[0].title == "Café owners’ & bakers protest"
    assert any(problem.startswith("xml line") for problem in feed.problems)


def test_a_feed_served_as_text_html_is_sniffed_and_parsed() -> None:
    feed = parse_feed(
        _rss("<item><link>https://a.example/1</link></item>"),
        url="https://a.example/rss",
        content_type="text/html; charset=utf-8",
    )
    assert feed.kind is FeedKind.RSS
    assert len(feed.entries) == 1


def test_a_utf_16_feed_with_a_bom_is_read() -> None:
    data = (
        '<?xml version="1.0" encoding="UTF-16"?><rss><channel><title>Ünïcode</title>'
        "<item><link>https://a.example/1</link><title>Grüße</title></item>"
        "</channel></rss>"
    ).encode("utf-16")

    feed = parse_feed(data, url="https://a.example/rss")

    assert feed.title == "Ünïcode"
    assert feed.entries[0].title == "Grüße"


@pytest.mark.parametrize(
    ("ttl", "expected", "problems"),
    [("30", 30, 0), (" 90 ", 90, 0), ("0", None, 1), ("soon", None, 1), ("", None, 0)],
)
def test_rss_ttl_becomes_ttl_minutes(
    ttl: str, expected: int | None, problems: int
) -> None:
    feed = parse_feed(_rss("", f"<ttl>{ttl}</ttl>"), url="https://a.example/rss")
    assert feed.ttl_minutes == expected
    assert len(feed.problems) == problems


def test_entries_with_only_non_http_urls_are_skipped_and_noted() -> None:
    data = _rss(
        "<item><link>javascript:alert(1)</link></item>"
        "<item><link>ftp://a.example/f</link></item>"
        '<item><guid isPermaLink="false">https://a.example/not-a-permalink</guid></item>'
        "<item><link>https://a.example/kept</link></item>"
    )

    feed = parse_feed(data, url="https://a.example/rss")

    assert [e.url for e in feed.entries] == ["https://a.example/kept"]
    assert len(feed.problems) == 3


def test_an_rss_image_enclosure_wins_over_a_non_image_enclosure() -> None:
    data = _rss(
        "<item><link>https://a.example/1</link>"
        '<enclosure url="https://a.example/a.mp3" type="audio/mpeg"/>'
        '<enclosure url="https://a.example/a.webp" type="image/webp"/></item>'
    )
    entry = parse_feed(data, url="https://a.example/rss").entries[0]
    assert entry.image_url == "https://a.example/a.webp"


def test_entries_beyond_the_cap_are_ignored_and_noted() -> None:
    items = "".join(
        f"<item><link>https://a.example/{i}</link></item>"
        for i in range(MAX_ENTRIES + 5)
    )

    feed = parse_feed(_rss(items), url="https://a.example/rss")

    assert len(feed.entries) == MAX_ENTRIES
    assert feed.entries[-1].url == f"https://a.example/{MAX_ENTRIES - 1}"
    assert feed.problems == (f"5 entries beyond {MAX_ENTRIES} ignored",)


_RELATIVE_ITEM = "<item><title>R</title><link>/story</link></item>"


def test_relative_links_resolve_against_the_feed_url() -> None:
    feed = parse_feed(_rss(_RELATIVE_ITEM), url="https://a.example/feeds/rss")
    assert feed.entries[0].url == "https://a.example/story"


def test_content_location_is_the_base_when_there_is_no_xml_base() -> None:
    feed = parse_feed(
        _rss(_RELATIVE_ITEM),
        url="https://a.example/feeds/rss",
        content_location="https://mirror.example.org/x/rss",
    )
    assert feed.entries[0].url == "https://mirror.example.org/story"


def test_a_relative_content_location_is_resolved_against_the_url() -> None:
    feed = parse_feed(
        _rss("<item><title>R</title><link>story</link></item>"),
        url="https://a.example/feeds/rss",
        content_location="/other/rss",
    )
    assert feed.entries[0].url == "https://a.example/other/story"


def test_xml_base_beats_content_location() -> None:
    data = _rss(_RELATIVE_ITEM).replace(
        b"<channel>", b'<channel xml:base="https://base.example.net/s/">'
    )
    feed = parse_feed(
        data, url="https://a.example/rss", content_location="https://c.example/rss"
    )
    assert feed.entries[0].url == "https://base.example.net/story"


@pytest.mark.parametrize(
    ("channel", "minutes"),
    [
        ("<sy:updatePeriod>hourly</sy:updatePeriod>", 60),
        (
            "<sy:updatePeriod>daily</sy:updatePeriod><sy:updateFrequency>4</sy:updateFrequency>",
            360,
        ),
        ("<sy:updateFrequency>2</sy:updateFrequency>", 720),
        ("<sy:updatePeriod> Weekly </sy:updatePeriod>", 10080),
        ("", None),
    ],
)
def test_the_syndication_module_gives_the_update_period(
    channel: str, minutes: int | None
) -> None:
    data = _rss("", channel).replace(
        b'version="2.0"',
        b'version="2.0" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"',
    )
    feed = parse_feed(data, url="https://a.example/rss")
    assert feed.update_period_minutes == minutes
    assert feed.problems == ()


@pytest.mark.parametrize(
    "channel",
    [
        "<sy:updatePeriod>fortnightly</sy:updatePeriod>",
        "<sy:updateFrequency>0</sy:updateFrequency>",
        "<sy:updateFrequency>often</sy:updateFrequency>",
    ],
)
def test_a_syndication_period_not_understood_is_a_problem(channel: str) -> None:
    data = _rss("", channel).replace(
        b'version="2.0"',
        b'version="2.0" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"',
    )
    feed = parse_feed(data, url="https://a.example/rss")
    assert feed.update_period_minutes is None
    assert len(feed.problems) == 1


def test_an_atom_feed_reads_the_syndication_module_too() -> None:
    data = (
        b'<feed xmlns="http://www.w3.org/2005/Atom" '
        b'xmlns:sy="http://purl.org/rss/1.0/modules/syndication/">'
        b"<sy:updatePeriod>hourly</sy:updatePeriod></feed>"
    )
    assert parse_feed(data, url="https://a.example/atom").update_period_minutes == 60


@pytest.mark.parametrize(
    ("raw", "title"),
    [
        ("AT&T cuts prices", "AT&T cuts prices"),
        ("Fish & chips", "Fish & chips"),
        ("Rates: 2 < 3", "Rates: 2 < 3"),
        ("Story &bogus; here", "Story &bogus; here"),
        ("<![CDATA[Q&A <b>live</b>]]>", "Q&A live"),
    ],
)
def test_ampersands_and_stray_brackets_are_kept_as_text(raw: str, title: str) -> None:
    data = _rss(f"<item><title>{raw}</title><link>https://a.example/1</link></item>")
    assert parse_feed(data, url="https://a.example/rss").entries[0].title == title


def test_an_unescaped_ampersand_in_a_link_keeps_the_whole_url() -> None:
    data = _rss("<item><title>t</title><link>https://a.example/s?a=1&b=2</link></item>")
    entry = parse_feed(data, url="https://a.example/rss").entries[0]
    assert entry.url == "https://a.example/s?a=1&b=2"


def test_junk_before_the_xml_declaration_is_skipped_and_noted() -> None:
    data = b"<br />\n<b>Warning</b>: oops<br />\n" + _rss(
        "<item><title>t</title><link>https://a.example/1</link></item>"
    )

    feed = parse_feed(data, url="https://a.example/rss")

    assert [entry.url for entry in feed.entries] == ["https://a.example/1"]
    assert "junk before the XML declaration ignored" in feed.problems


def test_items_after_an_unclosed_item_are_all_read() -> None:
    items = "".join(
        f"<item><title>{i}</title><link>https://a.example/{i}</link></item>"
        for i in range(4)
    ).replace("</item>", "", 1)
    feed = parse_feed(_rss(items), url="https://a.example/rss")
    assert [entry.title for entry in feed.entries] == ["0", "1", "2", "3"]


def test_entries_after_an_unclosed_atom_entry_are_all_read() -> None:
    entries = "".join(
        f'<entry><title>{i}</title><link href="https://a.example/{i}"/></entry>'
        for i in range(3)
    ).replace("</entry>", "", 1)
    data = f'<feed xmlns="http://www.w3.org/2005/Atom">{entries}</feed>'.encode()
    feed = parse_feed(data, url="https://a.example/atom")
    assert [entry.title for entry in feed.entries] == ["0", "1", "2"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20240304T101500Z", _utc(2024, 3, 4, 10, 15)),
        ("2024/03/04 10:15:00", _utc(2024, 3, 4, 10, 15)),
        ("2024/3/4", _utc(2024, 3, 4)),
    ],
)
def test_basic_format_and_year_first_slashed_dates_parse(
    text: str, expected: datetime
) -> None:
    assert parse_feed_date(text) == expected
