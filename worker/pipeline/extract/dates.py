"""Parse the dates news pages print, and always return timezone-aware datetimes.

Accepted shapes, most common first:

* ISO 8601 / RFC 3339 (``2024-03-05T14:07:00+01:00``, ``...Z``, date only), the form
  schema.org ``datePublished``, ``article:published_time`` and ``<time datetime>`` use;
* RFC 2822 (``Tue, 05 Mar 2024 14:07:00 GMT``), seen in ``<meta name="date">``;
* English prose (``March 5, 2024 2:07 PM EST``, ``5 March 2024 14:07 GMT``).

A time without an offset is taken as UTC: the pipeline stores aware datetimes only,
and UTC is the least wrong guess for a machine-written stamp. Named zones are limited
to the unambiguous abbreviations below; anything else is read as UTC as well.

What this module does not do: read the clock, guess relative dates ("2 hours ago"),
or parse non-English month names.

References: RFC 3339; ISO 8601; RFC 2822 §3.3; schema.org ``Date``/``DateTime``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from worker.pipeline.extract.dom import HtmlElement, signature, text_of
from worker.pipeline.extract.metadata import PageMetadata, json_ld_text

# Abbreviations whose offset is not in doubt in news datelines (US and European).
_ZONE_HOURS = {
    "UTC": 0,
    "GMT": 0,
    "Z": 0,
    "BST": 1,
    "CET": 1,
    "CEST": 2,
    "EET": 2,
    "EEST": 3,
    "EST": -5,
    "EDT": -4,
    "CST": -6,
    "CDT": -5,
    "MST": -7,
    "MDT": -6,
    "PST": -8,
    "PDT": -7,
    "ET": -5,
    "PT": -8,
}
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>[A-Za-z]{3,9})\.?"
_PROSE_DATE = re.compile(
    rf"(?:{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}})"
    rf"|(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<month2>[A-Za-z]{{3,9}})\.?,?\s+"
    rf"(?P<year2>\d{{4}}))"
    r"(?:[\s,]+(?:at\s+)?(?P<hour>\d{1,2})[:.](?P<minute>\d{2})"
    r"(?:\s*(?P<ampm>[ap])\.?m\.?)?(?:\s+(?P<zone>[A-Z]{1,4}))?)?",
    re.IGNORECASE,
)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_URL_DATE = re.compile(
    r"/((?:19|20)\d{2})([/-])(0?[1-9]|1[0-2])\2(0?[1-9]|[12]\d|3[01])(?=[/-]|$)"
)


def parse_datetime(value: str | None) -> datetime | None:
    """Return the aware datetime a page's date string means, or ``None``."""
    if not value:
        return None
    text = value.strip()[:200]
    if not text:
        return None
    return _parse_iso(text) or _parse_rfc2822(text) or parse_prose_date(text)


def _parse_iso(text: str) -> datetime | None:
    if not _ISO_DATE.match(text):
        return None
    candidate = text.replace(" ", "T", 1) if len(text) > 10 else text  # noqa: PLR2004
    candidate = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", candidate)
    try:
        parsed = datetime.fromisoformat(candidate)
    except ValueError:
        try:
            parsed = datetime.fromisoformat(text[:10])
        except ValueError:
            return None
    return _aware(parsed)


def _parse_rfc2822(text: str) -> datetime | None:
    if not re.match(r"^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d", text):
        return None
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return _aware(parsed)


def parse_prose_date(text: str) -> datetime | None:
    """Find an English date such as ``March 5, 2024 2:07 PM EST`` inside text."""
    match = _PROSE_DATE.search(text)
    if match is None:
        return None
    parts = match.groupdict()
    month = _MONTHS.get((parts["month"] or parts["month2"] or "").lower())
    day = int(parts["day"] or parts["day2"])
    year = int(parts["year"] or parts["year2"])
    if month is None:
        return None
    hour = int(parts["hour"] or 0)
    minute = int(parts["minute"] or 0)
    ampm = (parts["ampm"] or "").lower()
    if ampm == "p" and hour < 12:  # noqa: PLR2004
        hour += 12
    elif ampm == "a" and hour == 12:  # noqa: PLR2004
        hour = 0
    offset = _ZONE_HOURS.get((parts["zone"] or "UTC").upper(), 0)
    try:
        return datetime(
            year, month, day, hour, minute, tzinfo=timezone(timedelta(hours=offset))
        )
    except ValueError:
        return None


def _aware(parsed: datetime) -> datetime:
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed


# ----------------------------------------------------------------------------- page


def extract_dates(
    metadata: PageMetadata,
    times: list[HtmlElement],
    labels: list[HtmlElement],
    url: str = "",
) -> tuple[tuple[datetime | None, str | None], tuple[datetime | None, str | None]]:
    """``(published, source), (updated, source)``: JSON-LD, meta, ``<time>``, text,
    and last the URL's path (``/2024/03/05/``) for the published day.

    ``times`` are the page's ``<time>`` elements and ``labels`` the elements whose
    class says date, both as the page walk found them.
    """
    article = metadata.article
    published = _first_date(
        (json_ld_text(article.get("datePublished")), "json_ld"),
        (json_ld_text(article.get("dateCreated")), "json_ld"),
        _meta_date(metadata, _PUBLISHED_META),
    )
    updated = _first_date(
        (json_ld_text(article.get("dateModified")), "json_ld"),
        _meta_date(metadata, _MODIFIED_META),
    )
    if published[0] is None or updated[0] is None:
        dom_published, dom_updated = _dom_dates(times, labels)
        if published[0] is None:
            published = dom_published
        if updated[0] is None:
            updated = dom_updated
    if published[0] is None:
        from_url = url_date(url)
        if from_url is not None:
            published = (from_url, "url")
    return published, updated


def url_date(url: str) -> datetime | None:
    """The day a URL path states (``/2024/03/05/``, ``/2024-03-05-``), at midnight UTC.

    Only a full year-month-day counts: ``/2024/03/`` archives and numeric ids do not.
    """
    path = urlsplit(url).path
    match = _URL_DATE.search(path)
    if match is None:
        return None
    year, month, day = int(match[1]), int(match[3]), int(match[4])
    try:
        return datetime(year, month, day, tzinfo=UTC)
    except ValueError:
        return None


_PUBLISHED_META = (
    "article:published_time",
    "og:published_time",
    "published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date",
    "dc.date.issued",
    "dcterms.created",
    "date",
)
_MODIFIED_META = (
    "article:modified_time",
    "og:updated_time",
    "datemodified",
    "last-modified",
    "dcterms.modified",
)
_UPDATED_HINT = re.compile(r"updat|modif|edited", re.IGNORECASE)
_MAX_DATE_TEXT = 120


def _meta_date(
    metadata: PageMetadata, names: tuple[str, ...]
) -> tuple[str | None, str]:
    for name in names:
        value = metadata.first(name)
        if value:
            return value, "opengraph" if name.startswith(
                ("og:", "article:")
            ) else "meta"
    return None, "meta"


def _first_date(
    *candidates: tuple[str | None, str],
) -> tuple[datetime | None, str | None]:
    for value, source in candidates:
        parsed = parse_datetime(value)
        if parsed is not None:
            return parsed, source
    return None, None


def _dom_dates(
    times: list[HtmlElement], labels: list[HtmlElement]
) -> tuple[tuple[datetime | None, str | None], tuple[datetime | None, str | None]]:
    published: tuple[datetime | None, str | None] = (None, None)
    updated: tuple[datetime | None, str | None] = (None, None)
    for time in times:
        parsed = parse_datetime(time.get("datetime")) or parse_prose_date(text_of(time))
        if parsed is None:
            continue
        context = f"{time.get('itemprop') or ''} {signature(time)} {_parent_sig(time)}"
        context += " " + text_of(time)[:40]
        if _UPDATED_HINT.search(context) and "publish" not in context.lower():
            updated = updated if updated[0] else (parsed, "time_element")
        elif published[0] is None:
            published = (parsed, "time_element")
    if published[0] is None:
        published = _text_date(labels)
    return published, updated


def _parent_sig(element: HtmlElement) -> str:
    parent = element.getparent()
    return signature(parent) if parent is not None else ""


def _text_date(labels: list[HtmlElement]) -> tuple[datetime | None, str | None]:
    for element in labels:
        text = text_of(element)
        if len(text) <= _MAX_DATE_TEXT:
            parsed = parse_prose_date(text)
            if parsed is not None:
                return parsed, "text"
    return None, None
