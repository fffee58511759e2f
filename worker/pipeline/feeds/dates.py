"""Feed dates, in whatever form feeds write them, as timezone-aware UTC datetimes.

:func:`parse_feed_date` accepts:

* RFC 822/5322 as RSS uses it, leniently: odd zone names (``CEST``, ``JST``; the
  North American ones and ``UT``/``GMT``/``Z`` are known to ``email.utils``), misspelled
  or missing day names, full or dotted month names, two-digit years, and numeric zones
  written ``+05:30`` or ``GMT+5``;
* ISO 8601 and W3CDTF as Atom and JSON Feed use them: ``2024``, ``2024-03``,
  ``2024-03-01``, with or without a time and a zone, with any number of fractional
  digits, ``z`` for ``Z``, a space before the zone, and the basic format
  (``20240304T101500Z``);
* year-first dates with slashes (``2024/03/04 10:15``), which are unambiguous.

A time without a zone is taken as UTC. Ambiguous zone names (``IST``, ``CST`` in Asia)
keep their common reading.

What this module does not do: read the clock, guess day/month order in numeric dates,
or report unparseable dates (it returns None; the format parsers record a problem).

References: RFC 822 §5 and RFC 5322 §3.3 (date-time); W3CDTF
(https://www.w3.org/TR/NOTE-datetime); ISO 8601.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

__all__ = ["parse_feed_date"]

# Zone names RFC 822 does not define but feeds use; email.utils knows UT, GMT, Z and
# the North American zones. Ambiguous ones (IST, CST in Asia) keep their common reading.
_EXTRA_ZONES = {
    "UTC": "+0000", "WET": "+0000", "WEST": "+0100", "BST": "+0100", "CET": "+0100",
    "MET": "+0100", "CEST": "+0200", "MEST": "+0200", "EET": "+0200", "EEST": "+0300",
    "MSK": "+0300", "IST": "+0530", "SGT": "+0800", "HKT": "+0800", "AWST": "+0800",
    "JST": "+0900", "KST": "+0900", "ACST": "+0930", "AEST": "+1000", "AEDT": "+1100",
    "NZST": "+1200", "NZDT": "+1300", "HST": "-1000", "AKST": "-0900", "AKDT": "-0800",
}  # fmt: skip
_CANONICAL_RFC822 = re.compile(
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|"
    r"Nov|Dec) \d{4} [0-2]\d:[0-5]\d:[0-5]\d (?:[+-][01]\d[0-5]\d|GMT|UT|Z)\Z"
)
_DAY_NAME = re.compile(r"^[A-Za-z]+\.?,?\s*(?=\d)")
_MONTH_NAME = re.compile(
    r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?(?=\s|-|$)",
    re.IGNORECASE,
)
_NUMERIC_ZONE = re.compile(
    r"\s*(?:GMT|UTC|UT)?\s*([+-])(\d{1,2}):?(\d{2})?$", re.IGNORECASE
)
_W3CDTF_PARTIAL = re.compile(r"(\d{4})(?:-(\d{2}))?")
_SLASHED = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})")
_ISO_FRACTION = re.compile(r"(\.\d{1,6})\d+")
_ISO_ZONE_GAP = re.compile(r"\s+(?=(?:[+-]\d\d:?\d\d|Z)$)", re.IGNORECASE)


def _rfc822(text: str) -> datetime | None:
    if _CANONICAL_RFC822.match(text):  # most feeds: email.utils reads it as it is
        try:
            return parsedate_to_datetime(text)
        except ValueError:  # "32 Mar": well-formed, but no such day
            return None
    text = _MONTH_NAME.sub(lambda m: m.group(1).capitalize(), _DAY_NAME.sub("", text))
    words = text.split()
    if words and words[-1].upper() in _EXTRA_ZONES:
        words[-1] = _EXTRA_ZONES[words[-1].upper()]
    text = " ".join(words)
    zone = _NUMERIC_ZONE.search(text)
    if zone and ":" in text[: zone.start()]:
        sign, hours, minutes = zone.groups()
        text = f"{text[: zone.start()]} {sign}{int(hours):02d}{minutes or '00'}"
    try:
        return parsedate_to_datetime(text)
    except (ValueError, TypeError, IndexError, OverflowError):
        return None


def _iso8601(text: str) -> datetime | None:
    slashed = _SLASHED.match(text)
    if slashed:
        year, month, day = (int(part) for part in slashed.groups())
        text = f"{year:04d}-{month:02d}-{day:02d}{text[slashed.end() :]}"
    try:  # the common, well-formed case first: a sitemap may have 50,000 of them
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    partial = _W3CDTF_PARTIAL.fullmatch(text)
    try:
        if partial:
            return datetime(int(partial[1]), int(partial[2] or 1), 1, tzinfo=UTC)
        text = _ISO_ZONE_GAP.sub("", _ISO_FRACTION.sub(r"\1", text))
        if text.endswith("z"):
            text = text[:-1] + "Z"
        return datetime.fromisoformat(text)
    except (ValueError, OverflowError):
        return None


def parse_feed_date(text: str | None) -> datetime | None:
    """A feed date in any form we know, as a timezone-aware UTC datetime, or None.

    RFC 822/5322 (lenient) and ISO 8601/W3CDTF; a time without a zone is taken as UTC.
    """
    if not text or not text.strip():
        return None
    text = text.strip()
    parsed = _iso8601(text) if text[:4].isdigit() else None
    if parsed is None:
        parsed = _rfc822(text)
    if parsed is None:
        return None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
