"""URL canonicalisation, registrable domains, crawl scope and crawler-trap shapes.

Two URLs that name the same resource should be stored, claimed and counted once.
RFC 3986 §6 ("Normalization and Comparison") lists the transformations that never
change what a URL identifies; we apply those, plus a few that hold on the news web
in practice:

Syntax-based (RFC 3986 §6.2.2), always safe:

* lower-case the scheme and host (§3.1, §3.2.2: both are case-insensitive);
* percent-encoding: upper-case hex digits, and decode octets that are "unreserved"
  (§2.3: ``ALPHA / DIGIT / "-" / "." / "_" / "~"``), encode what may not appear raw;
* remove dot segments (§5.2.4).

Scheme-based (§6.2.3):

* drop the port when it is the scheme's default (80 for http, 443 for https);
* an empty path is "/".

Protocol-based, true for the web we crawl although not guaranteed by the RFC:

* the fragment is never sent to the server (§3.5), so drop it;
* userinfo (``user:pass@``) is deprecated for http (RFC 9110 §4.2.4) and may be a
  secret: drop it;
* tracking parameters (``utm_*`` and friends, listed below with a source each) and
  session ids do not select content: drop them;
* the order of query parameters rarely matters, so sort them by name (a stable sort:
  repeated names keep their relative order). Blank values are kept: ``?a=`` may matter.

Deliberately *not* done: lower-casing the path (``/A`` and ``/a`` are different
resources on most servers), removing ``www.``, removing a trailing slash, or touching
``?id=`` style parameters. Each of those merges different pages on some site.

Registrable domains ("eTLD+1") come from the Public Suffix List via tldextract, using
only the snapshot bundled with the package: no network fetch, no cache directory.

References: RFC 3986; RFC 5890/3490 (IDNA); the Public Suffix List algorithm
(https://publicsuffix.org/list/); hypothesis/h ``h/util/uri.py`` (the model for this
module); crawler-trap limits from Heritrix, Scrapy and Nutch (RELIABILITY.md B11).
"""

from __future__ import annotations

import ipaddress
import re
from functools import cache, lru_cache
from typing import TYPE_CHECKING
from urllib.parse import unquote_plus, urljoin, urlsplit, urlunsplit

if TYPE_CHECKING:
    import tldextract

_DEFAULT_PORTS = {"http": 80, "https": 443}

# Query parameters that only track the visitor or the campaign. Matched on the decoded,
# lower-cased name; every name starting with "utm_" is also dropped.
_TRACKING_PARAMS = frozenset(
    {
        # Google Analytics campaign tags: utm_* (handled by prefix) and the linker
        # https://support.google.com/analytics/answer/10071811
        "_ga",
        "_gl",
        # Google Ads / DoubleClick click ids
        # https://support.google.com/google-ads/answer/9744275
        "gclid",
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        # Facebook click id https://developers.facebook.com/docs/marketing-api/conversions-api/parameters/fbp-and-fbc
        "fbclid",
        # Microsoft Advertising click id https://help.ads.microsoft.com/#apex/ads/en/60000
        "msclkid",
        # Mailchimp campaign and member ids https://mailchimp.com/help/about-ecommerce-tracking/
        "mc_cid",
        "mc_eid",
        # Instagram share id (seen on every shared link; no public doc)
        "igshid",
        # Yandex click id https://yandex.com/support/direct/statistics/yclid.html
        "yclid",
        # Twitter/X "ref_src" on embedded tweets https://developer.x.com/en/docs/twitter-for-websites
        "ref_src",
        "ref_url",
        # HubSpot https://knowledge.hubspot.com/settings/how-do-i-use-tracking-urls
        "_hsenc",
        "_hsmi",
        # Marketo https://experienceleague.adobe.com/en/docs/marketo/using/home
        "mkt_tok",
        # Olytics (used by news publishers' newsletters)
        "oly_anon_id",
        "oly_enc_id",
        # Vero email tracking
        "vero_id",
        "vero_conv",
    }
)

# Session ids put in the URL by servlet containers and PHP when cookies are off; they
# make every visit look like a new page (a crawler trap, RELIABILITY.md B11). Servlets
# also use a path parameter: /page;jsessionid=ABC.
_SESSION_PARAMS = frozenset({"jsessionid", "phpsessid", "sid", "sessionid"})

# RFC 3986 §2.3 unreserved characters: their percent-encoded forms are decoded.
_UNRESERVED = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
)
# RFC 3986 §3.3 pchar = unreserved / pct-encoded / sub-delims / ":" / "@"
_SUB_DELIMS = "!$&'()*+,;="
_PATH_SAFE = frozenset(_UNRESERVED | set(_SUB_DELIMS) | set(":@/"))
# §3.4 query = *( pchar / "/" / "?" ); "&" and "=" are split on before encoding.
_QUERY_SAFE = frozenset(_PATH_SAFE | {"?"})
_HEX = frozenset("0123456789abcdefABCDEF")

# WHATWG URL standard: tab and newline are removed anywhere, C0 controls and space
# are stripped from both ends.
_TAB_NEWLINE = re.compile(r"[\t\n\r]")
_C0_AND_SPACE = "".join(chr(i) for i in range(0x21))
_HOSTNAME = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*")

# Crawler-trap limits, RELIABILITY.md B11: 2,083 is the old IE limit Scrapy uses
# (URLLENGTH_LIMIT); 20 path segments and 2 repetitions are Heritrix's defaults
# (TooManyPathSegmentsDecideRule, PathologicalPathDecideRule).
MAX_URL_LENGTH = 2083
MAX_PATH_SEGMENTS = 20
MAX_REPETITIONS = 2


@lru_cache(maxsize=4096)
def _normalise_host(host: str) -> str:
    host = host.strip().lower().rstrip(".")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not host:
        raise ValueError("URL has no host")
    try:
        return ipaddress.ip_address(host).compressed
    except ValueError:
        pass
    if not host.isascii():
        # Python's codec implements IDNA 2003 (RFC 3490); UnicodeError is a ValueError.
        host = host.encode("idna").decode("ascii")
    if not _HOSTNAME.fullmatch(host):
        raise ValueError(f"not a valid host name: {host!r}")
    return host


def _normalise_percent(text: str, safe: frozenset[str]) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "%" and text[i + 1 : i + 2] in _HEX and text[i + 2 : i + 3] in _HEX:
            octet = text[i + 1 : i + 3]
            decoded = chr(int(octet, 16))
            out.append(decoded if decoded in _UNRESERVED else "%" + octet.upper())
            i += 3
            continue
        if char in safe:
            out.append(char)
        else:
            out.extend(f"%{byte:02X}" for byte in char.encode("utf-8", "surrogatepass"))
        i += 1
    return "".join(out)


def _remove_dot_segments(path: str) -> str:
    # RFC 3986 §5.2.4, in its list form.
    output: list[str] = []
    segments = path.split("/")
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == ".":
            if last:
                output.append("")
        elif segment == "..":
            if len(output) > 1:
                output.pop()
            if last:
                output.append("")
        else:
            output.append(segment)
    result = "/".join(output)
    return result if result.startswith("/") else "/" + result


def _normalise_path(path: str) -> str:
    segments = []
    for segment in path.split("/"):
        name, *params = segment.split(";")
        kept = [p for p in params if p.split("=")[0].lower() not in _SESSION_PARAMS]
        segments.append(";".join([name, *kept]))
    return _remove_dot_segments(_normalise_percent("/".join(segments), _PATH_SAFE))


def _is_dropped_param(name: str) -> bool:
    lowered = unquote_plus(name).lower()
    return (
        lowered.startswith("utm_")
        or lowered in _TRACKING_PARAMS
        or lowered in _SESSION_PARAMS
    )


def _normalise_query(query: str) -> str:
    kept: list[tuple[str, str]] = []
    for pair in query.split("&"):
        if not pair:
            continue
        name, equals, value = pair.partition("=")
        if _is_dropped_param(name):
            continue
        name = _normalise_percent(name, _QUERY_SAFE - {"=", "&"})
        value = _normalise_percent(value, _QUERY_SAFE - {"&"})
        kept.append((name, f"{name}{equals}{value}"))
    kept.sort(key=lambda item: item[0])
    return "&".join(text for _name, text in kept)


# A page's links repeat across the pages of a site (menus, teasers, news-feed lists),
# so a worker process meets the same URLs again and again; the bound keeps the memory
# small even for URLs of the maximum length (8,192 x 2 KiB).
@lru_cache(maxsize=8192)
def canonical_url(url: str, base: str | None = None) -> str:
    """Return the canonical form of ``url``, resolved against ``base`` if given.

    Idempotent: ``canonical_url(canonical_url(u)) == canonical_url(u)``. Pure, so its
    results are cached per process.

    Raises:
        ValueError: the URL is not http(s), has no valid host or an invalid port.
    """
    url = _TAB_NEWLINE.sub("", url).strip(_C0_AND_SPACE)
    if base is not None:
        url = urljoin(_TAB_NEWLINE.sub("", base).strip(_C0_AND_SPACE), url)
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise ValueError(f"not an http(s) URL: {url[:100]!r}")
    host = _normalise_host(parts.hostname or "")
    port = parts.port  # raises ValueError when out of range or not a number
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    return urlunsplit(
        (scheme, netloc, _normalise_path(parts.path), _normalise_query(parts.query), "")
    )


def host_of(url: str) -> str:
    """The normalised host of ``url``: lower case, punycode, no port, no brackets.

    Raises:
        ValueError: the URL has no valid host.
    """
    return _normalise_host(urlsplit(url.strip(_C0_AND_SPACE)).hostname or "")


@cache
def _extractor() -> tldextract.TLDExtract:
    # Imported and built lazily: loading the PSL snapshot takes ~50 ms.
    # suffix_list_urls=() means "never fetch"; cache_dir=None, "never write a cache".
    import tldextract  # noqa: PLC0415

    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def registrable_domain(url_or_host: str) -> str:
    """Registrable domain (eTLD+1) of a URL or host: ``a.bbc.co.uk`` → ``bbc.co.uk``.

    IP addresses, ``localhost`` and hosts that are themselves a public suffix are
    returned as they are. A host under a TLD the list does not know is treated by the
    PSL's default rule (``*``): its last two labels.

    Raises:
        ValueError: no valid host.
    """
    if "/" in url_or_host:
        host = host_of(url_or_host)
    else:
        candidate = url_or_host.rpartition("@")[2]
        if candidate.startswith("["):
            candidate = candidate[1:].partition("]")[0]
        elif candidate.count(":") == 1:
            candidate = candidate.partition(":")[0]
        host = _normalise_host(candidate)
    return _registrable_host(host)


@lru_cache(maxsize=4096)
def _registrable_host(host: str) -> str:
    # A crawl asks about the same few hosts for every link of every page; the PSL
    # lookup is the cost, so its answer is kept per host.
    if host == "localhost" or _is_ip(host):
        return host
    result = _extractor()(host)
    if result.suffix:
        return f"{result.domain}.{result.suffix}" if result.domain else host
    labels = host.split(".")
    return ".".join(labels[-2:])


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def is_in_scope(url: str, scope_domain: str) -> bool:
    """True when ``url`` is on the registrable domain ``scope_domain``."""
    try:
        return registrable_domain(url) == _normalise_host(scope_domain)
    except ValueError:
        return False


def url_trap_reason(url: str) -> str | None:
    """A short reason when ``url`` has a crawler-trap shape, else None.

    Shapes (RELIABILITY.md B11): longer than 2,083 characters; more than 20 path
    segments; a segment, or a run of segments (``/a/b/a/b/a/b``), repeated more than
    twice in a row.
    """
    if len(url) > MAX_URL_LENGTH:
        return f"URL longer than {MAX_URL_LENGTH:,} characters"
    try:
        path = urlsplit(url).path
    except ValueError:
        return "URL cannot be parsed"
    segments = [segment for segment in path.split("/") if segment]
    if len(segments) > MAX_PATH_SEGMENTS:
        return f"more than {MAX_PATH_SEGMENTS} path segments"
    repeated = _repeated_run(segments)
    if repeated is not None:
        return f"path segments {'/'.join(repeated)!r} repeated more than twice"
    return None


def _repeated_run(segments: list[str]) -> list[str] | None:
    times = MAX_REPETITIONS + 1
    for width in range(1, len(segments) // times + 1):
        for start in range(len(segments) - width * times + 1):
            run = segments[start : start + width]
            if all(
                segments[start + k * width : start + (k + 1) * width] == run
                for k in range(1, times)
            ):
                return run
    return None
