"""URL canonicalisation (B12), registrable domains, scope, crawler traps (B11)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from worker.pipeline.urls import (
    canonical_url,
    host_of,
    is_in_scope,
    registrable_domain,
    url_trap_reason,
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # RELIABILITY.md B12
        ("HTTP://Example.COM:80/a?b=2&a=1#x", "http://example.com/a?a=1&b=2"),
        (
            "https://a.example/p?utm_source=x&utm_Medium=y&id=7",
            "https://a.example/p?id=7",
        ),
        ("https://a.example/p?fbclid=abc&gclid=def", "https://a.example/p"),
        (
            "https://a.example/p?dclid=1&msclkid=2&mc_cid=3&mc_eid=4",
            "https://a.example/p",
        ),
        (
            "https://a.example/p?_ga=1&igshid=2&yclid=3&ref_src=twsrc",
            "https://a.example/p",
        ),
        ("https://bücher.example/straße", "https://xn--bcher-kva.example/stra%C3%9Fe"),
        # default ports, userinfo, fragment, empty path
        ("https://a.example:443", "https://a.example/"),
        ("http://a.example:8080/", "http://a.example:8080/"),
        ("https://a.example:80/", "https://a.example:80/"),
        ("http://user:secret@a.example/x", "http://a.example/x"),
        ("http://a.example/x#!/hashbang", "http://a.example/x"),
        ("http://a.example.", "http://a.example/"),
        # session ids, as query and as servlet path parameters
        ("http://a.example/p;jsessionid=0A1B?x=1", "http://a.example/p?x=1"),
        (
            "http://a.example/p?PHPSESSID=1&sid=2&SessionId=3&q=s",
            "http://a.example/p?q=s",
        ),
        # query: stable sort by name, blank values kept, empty pairs dropped
        ("http://a.example/?b=1&a=2&b=0", "http://a.example/?a=2&b=1&b=0"),
        ("http://a.example/?a=&b&&c=3", "http://a.example/?a=&b&c=3"),
        ("http://a.example/?q=a+b&r=%2f", "http://a.example/?q=a+b&r=%2F"),
        # percent-encoding: upper hex, unreserved decoded, unsafe encoded
        ("http://a.example/%7euser/%2fx%41", "http://a.example/~user/%2FxA"),
        ("http://a.example/a b/ü", "http://a.example/a%20b/%C3%BC"),
        ("http://a.example/100%", "http://a.example/100%25"),
        # dot segments
        ("http://a.example/a/./b/../c", "http://a.example/a/c"),
        ("http://a.example/../../x", "http://a.example/x"),
        # whitespace around and inside (WHATWG)
        ("  http://a.example/\tpa\nth  ", "http://a.example/path"),
        # IP hosts
        ("http://[::1]:8080/", "http://[::1]:8080/"),
        ("http://127.0.0.1:80/", "http://127.0.0.1/"),
    ],
)
def test_the_canonicalisation_table(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_different_ids_stay_different() -> None:
    assert canonical_url("http://a.example/?id=1") != canonical_url(
        "http://a.example/?id=2"
    )


def test_path_case_is_kept() -> None:
    assert canonical_url("http://a.example/A") != canonical_url("http://a.example/a")


def test_a_relative_url_is_resolved_against_the_base() -> None:
    assert (
        canonical_url("../b?utm_campaign=x", base="https://a.example/x/y/z")
        == "https://a.example/x/b"
    )


@pytest.mark.parametrize(
    "url",
    [
        "ftp://a.example/",
        "javascript:alert(1)",
        "mailto:x@a.example",
        "data:text/html,hi",
        "file:///etc/passwd",
        "/relative/without/base",
        "http://",
        "http://a b.example/",
        "http://a.example:99999/",
        "http://a.example:port/",
        "http://[::1/",
    ],
)
def test_anything_but_a_valid_http_url_is_a_value_error(url: str) -> None:
    with pytest.raises(ValueError, match=r".+"):
        canonical_url(url)


@pytest.mark.parametrize(
    ("url_or_host", "expected"),
    [
        ("https://www.bbc.co.uk/news", "bbc.co.uk"),
        ("news.example.com", "example.com"),
        ("HTTPS://Deep.Sub.Example.COM:8443/x", "example.com"),
        ("example.com:8080", "example.com"),
        ("bücher.de", "xn--bcher-kva.de"),
        ("www.news.рф", "news.xn--p1ai"),
        ("http://127.0.0.1:8000/x", "127.0.0.1"),
        ("[::1]:80", "::1"),
        ("localhost", "localhost"),
        ("http://localhost:5000/", "localhost"),
        ("co.uk", "co.uk"),
        ("a.b.unknowntld", "b.unknowntld"),
    ],
)
def test_registrable_domain(url_or_host: str, expected: str) -> None:
    assert registrable_domain(url_or_host) == expected


def test_scope_is_the_registrable_domain() -> None:
    assert is_in_scope("https://news.example.com/a", "example.com")
    assert is_in_scope("https://EXAMPLE.com/a", "example.com")
    assert not is_in_scope("https://example.com.evil.example/a", "example.com")
    assert not is_in_scope("https://example.org/", "example.com")
    assert not is_in_scope("not a url at all", "example.com")


def test_host_of_is_normalised() -> None:
    assert host_of("https://User@WWW.Bücher.de:8080/x") == "www.xn--bcher-kva.de"
    assert host_of("http://[::1]:8080/") == "::1"
    with pytest.raises(ValueError, match="host"):
        host_of("/no/host")


@pytest.mark.parametrize(
    "url",
    [
        "http://a.example/a/b/a/b/a/b/",
        "http://a.example/x/x/x",
        "http://a.example/news/a/b/c/a/b/c/a/b/c/",
        "http://a.example/" + "/".join(f"s{i}" for i in range(21)),
        "http://a.example/" + "x" * 3000,
    ],
)
def test_crawler_trap_shapes_are_rejected(url: str) -> None:
    assert url_trap_reason(url) is not None


@pytest.mark.parametrize(
    "url",
    [
        "http://a.example/",
        "http://a.example/a/b/a/b/",
        "http://a.example/x/x",
        "http://a.example/2024/01/01/story",
        "http://a.example/" + "/".join(f"s{i}" for i in range(20)),
        "http://a.example/" + "x" * 2000,
    ],
)
def test_ordinary_urls_are_not_traps(url: str) -> None:
    assert url_trap_reason(url) is None


def test_the_trap_reason_says_what_is_wrong() -> None:
    assert url_trap_reason("http://a.example/" + "x" * 3000) == (
        "URL longer than 2,083 characters"
    )
    assert url_trap_reason("http://a.example" + "/s" * 21) == (
        "more than 20 path segments"
    )


# ------------------------------------------------------------------------ properties

_LABEL = st.text(
    "abcdefghijklmnopqrstuvwxyzABCDEFXYZ0123456789-", min_size=1, max_size=10
)
_HOSTS = st.one_of(
    st.builds(
        lambda sub, domain: f"{sub}.{domain}",
        _LABEL,
        st.sampled_from(
            ["example.com", "BBC.co.uk", "bücher.de", "news.рф", "a.unknowntld"]
        ),
    ),
    st.sampled_from(["localhost", "127.0.0.1", "[::1]", "EXAMPLE.COM."]),
)
_TEXT = st.text(
    st.characters(blacklist_categories=["Cs"], blacklist_characters="#?/&="),
    max_size=12,
)
_URLS = st.builds(
    lambda scheme, user, host, port, segments, pairs, fragment: (
        f"{scheme}://{user}{host}{port}/{'/'.join(segments)}"
        f"?{'&'.join(f'{k}={v}' for k, v in pairs)}#{fragment}"
    ),
    st.sampled_from(["http", "https", "HTTP", "hTTpS"]),
    st.sampled_from(["", "user@", "u:p@"]),
    _HOSTS,
    st.sampled_from(["", ":80", ":443", ":8080"]),
    st.lists(_TEXT, max_size=5),
    st.lists(
        st.tuples(st.one_of(_TEXT, st.sampled_from(["utm_x", "sid", "fbclid"])), _TEXT),
        max_size=5,
    ),
    _TEXT,
)


@given(_URLS)
def test_canonical_url_is_idempotent(url: str) -> None:
    once = canonical_url(url)
    assert canonical_url(once) == once


@given(_URLS)
def test_canonical_url_never_changes_the_registrable_domain(url: str) -> None:
    assert registrable_domain(canonical_url(url)) == registrable_domain(url)


@given(st.text(max_size=60))
def test_any_text_after_a_host_canonicalises_idempotently_or_is_a_value_error(
    tail: str,
) -> None:
    try:
        once = canonical_url("http://a.example/" + tail)
    except ValueError:
        return
    assert canonical_url(once) == once
