"""The fetcher against the real fixture server: caps, redirects, refusals, timeouts.

RELIABILITY B1-B5 (bombs, encodings, media types), F10 (status mapping), F11 (connect
and trickle limits), S3 (schemes, chains, loops) and S5 (environment isolation). Bombs
are built at test time: a deflate block of 1 MiB of zeros, flushed with Z_FULL_FLUSH,
is self-contained, so repeating it 1,024 times makes a 1 GiB gzip bomb of about 1 MB
in milliseconds.
"""

from __future__ import annotations

import gzip
import socket
import time
import zlib
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import brotli  # type: ignore[import-untyped]
import pytest
from structlog.testing import capture_logs

from schemas.enums import FailureReason
from tests.support.http_server import FixtureServer, HandlerRequest
from worker.errors import (
    BadEncoding,
    BadScheme,
    ConnectionFailed,
    ContentError,
    DeadlineExceeded,
    FetchTimeout,
    HttpClientError,
    NewsfeedError,
    RateLimited,
    ServerError,
    TooLarge,
    TooManyRedirects,
)
from worker.net.fetcher import Fetcher
from worker.settings import Settings

pytestmark = pytest.mark.integration

MIB = 1024 * 1024
CAP = 10 * MIB


def make_fetcher(**overrides: Any) -> Fetcher:
    options: dict[str, Any] = {
        "user_agent": "newsfeed-test/1 (+https://example.invalid/bot)",
        "connect_timeout": 1.0,
        "read_timeout": 2.0,
        "deadline": 10.0,
        "max_body_bytes": CAP,
        "max_redirects": 5,
        "allow_private_networks": True,
    }
    options.update(overrides)
    return Fetcher(**options)


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    instance = make_fetcher()
    yield instance
    instance.close()


# ---------------------------------------------------------------------- bombs


@cache
def zero_blocks(wbits: int) -> tuple[bytes, bytes, bytes]:
    """(header, one self-contained deflate block of 1 MiB of zeros, final block)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, wbits)
    block = compressor.compress(bytes(MIB)) + compressor.flush(zlib.Z_FULL_FLUSH)
    final = compressor.flush()
    header_size = {31: 10, 15: 2, -15: 0}[wbits]
    return block[:header_size], block[header_size:], final


@cache
def gzip_bomb(mib: int) -> bytes:
    header, block, final = zero_blocks(31)
    crc = 0
    for _ in range(mib):
        crc = zlib.crc32(bytes(MIB), crc)
    # The final block of zero_blocks carries the trailer of a 1 MiB stream; rebuild it.
    final = (
        final[:-8]
        + crc.to_bytes(4, "little")
        + (mib * MIB % 2**32).to_bytes(4, "little")
    )
    return header + block * mib + final


@cache
def deflate_bomb(mib: int) -> bytes:
    header, block, final = zero_blocks(15)
    return header + block * mib + final[:-4] + b"\0\0\0\1"  # Adler never reached


@cache
def brotli_bomb(mib: int) -> bytes:
    compressor = brotli.Compressor(quality=5)
    parts = [compressor.process(bytes(MIB)) for _ in range(mib)]
    return b"".join(parts) + bytes(compressor.finish())


def peak_rss_growth(action: Callable[[], object]) -> float:
    """MiB the process's peak RSS rose above its RSS before ``action``."""
    Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS

    def status(field: str) -> int:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        raise AssertionError(field)

    before = status("VmRSS")
    action()
    return (status("VmHWM") - before) / 1024


def serve_bytes(server: FixtureServer, path: str, body: bytes, **headers: str) -> None:
    def handler(request: HandlerRequest) -> None:
        request.start(200, {"Content-Length": str(len(body)), **headers})
        request.write(body)

    server.handler(path, handler)


def raises_with(exc_type: type[NewsfeedError], action: Callable[[], object]) -> float:
    started = time.monotonic()
    with pytest.raises(exc_type):
        action()
    return time.monotonic() - started


# ---------------------------------------------------------------------- basics


def test_page_is_fetched_with_media_type_charset_and_timings(fetcher, http_server):
    http_server.route("/a", "<p>café</p>", content_type="text/HTML; charset=UTF-8")
    result = fetcher.fetch(http_server.url("/a"), accept="html")
    assert result.status == 200
    assert result.body == "<p>café</p>".encode()
    assert result.content_type == "text/html"
    assert result.charset == "utf-8"
    assert result.headers["content-TYPE"] == "text/HTML; charset=UTF-8"
    assert result.redirects == ()
    assert result.url == http_server.url("/a")
    assert result.bytes_read == len(result.body)
    assert 0 < result.elapsed < 1


def test_requests_carry_our_user_agent_and_accepted_encodings(fetcher, http_server):
    http_server.route("/a", "ok")
    fetcher.fetch(
        http_server.url("/a"), accept="feed", headers={"If-None-Match": '"x"'}
    )
    headers = http_server.requests[0].headers
    assert headers["User-Agent"] == "newsfeed-test/1 (+https://example.invalid/bot)"
    assert headers["Accept-Encoding"] == "gzip, deflate, br"
    assert headers["Accept"].startswith("application/rss+xml")
    assert headers["If-None-Match"] == '"x"'


def test_session_never_trusts_the_environment_or_retries(fetcher):
    session = fetcher._session
    assert session.trust_env is False
    adapter = session.get_adapter("https://example.com/")
    assert adapter.max_retries.total == 0


def test_fetcher_is_built_from_settings():
    settings = Settings(fetch_deadline=12.0, max_body_bytes=123, max_redirects=3)
    fetcher = Fetcher.from_settings(settings)
    assert fetcher._deadline == 12.0
    assert fetcher._max_body_bytes == 123
    assert fetcher._max_redirects == 3
    assert fetcher._session.headers["User-Agent"] == settings.user_agent


def test_cookies_set_by_one_response_are_never_sent_back(fetcher, http_server):
    http_server.route("/set", "x", headers={"Set-Cookie": "sid=abc; Path=/"})
    http_server.route("/next", "y")
    fetcher.fetch(http_server.url("/set"))
    fetcher.fetch(http_server.url("/next"))
    assert "Cookie" not in http_server.requests[1].headers


def test_proxy_variables_and_netrc_are_ignored(monkeypatch, tmp_path, http_server):
    # S5: a proxy listener that would see any proxied request; a .netrc for the host.
    proxy = socket.socket()
    proxy.bind(("127.0.0.1", 0))
    proxy.listen(8)
    proxy_url = f"http://127.0.0.1:{proxy.getsockname()[1]}"
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, proxy_url)
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine 127.0.0.1 login alice password s3cret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("NETRC", str(netrc))
    http_server.route("/a", "ok")
    fetcher = make_fetcher()
    assert fetcher.fetch(http_server.url("/a")).body == b"ok"
    assert "Authorization" not in http_server.requests[0].headers
    proxy.setblocking(False)  # noqa: FBT003 - the socket API
    with pytest.raises(BlockingIOError):
        proxy.accept()  # nobody connected to the proxy
    proxy.close()


def test_credentials_in_a_url_are_never_sent(fetcher, http_server):
    http_server.route("/a", "ok")
    url = f"http://user:pass@127.0.0.1:{http_server.port}/a"
    assert fetcher.fetch(url).url == http_server.url("/a")
    assert "Authorization" not in http_server.requests[0].headers


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://127.0.0.1/x",
        "gopher://127.0.0.1:70/_x",
        "data:text/html,<p>x</p>",
        "javascript:alert(1)",
        "s3://bucket/key",
    ],
)
def test_only_http_and_https_are_fetched(fetcher, url):
    with pytest.raises(BadScheme) as caught:
        fetcher.fetch(url)
    assert caught.value.reason is FailureReason.BAD_SCHEME


@pytest.mark.parametrize(
    "url",
    ["http://exa mple.com/", "http://[::1/", "http://example.com:99999/", "http:///x"],
)
def test_malformed_url_is_rejected(fetcher, url):
    with pytest.raises(NewsfeedError) as caught:
        fetcher.fetch(url)
    assert caught.value.reason is FailureReason.URL_REJECTED


# ---------------------------------------------------------------------- redirects


def test_redirects_are_followed_relative_to_the_current_url(fetcher, http_server):
    http_server.route("/a/start", status=301, headers={"Location": "next?x=1"})
    http_server.route("/a/next?x=1", status=308, headers={"Location": "/final"})
    http_server.route("/final", "done")
    result = fetcher.fetch(http_server.url("/a/start"))
    assert result.body == b"done"
    assert result.url == http_server.url("/final")
    assert result.redirects == (
        http_server.url("/a/start"),
        http_server.url("/a/next?x=1"),
    )
    assert result.moved_permanently  # 301 then 308: whoever stored /a/start may update


def test_a_chain_with_a_temporary_hop_is_not_a_permanent_move(fetcher, http_server):
    http_server.route("/p", status=301, headers={"Location": "/t"})
    http_server.route("/t", status=302, headers={"Location": "/end"})
    http_server.route("/end", "done")
    assert not fetcher.fetch(http_server.url("/p")).moved_permanently
    assert not fetcher.fetch(http_server.url("/end")).moved_permanently


@pytest.mark.parametrize("media_type", ["application/gzip", "application/x-gzip"])
def test_a_gzip_file_is_accepted_as_a_feed(fetcher, http_server, media_type):
    http_server.route("/sitemap.xml.gz", b"\x1f\x8b...", content_type=media_type)
    result = fetcher.fetch(http_server.url("/sitemap.xml.gz"), accept="feed")
    assert result.body == b"\x1f\x8b..."
    with pytest.raises(ContentError):
        fetcher.fetch(http_server.url("/sitemap.xml.gz"), accept="html")


def test_before_hop_is_called_before_every_request(fetcher, http_server):
    http_server.route("/1", status=302, headers={"Location": "/2"})
    http_server.route("/2", status=303, headers={"Location": "/3"})
    http_server.route("/3", "ok")
    seen: list[str] = []
    fetcher.fetch(http_server.url("/1"), before_hop=seen.append)
    assert seen == [http_server.url(p) for p in ("/1", "/2", "/3")]


def test_before_hop_can_stop_the_fetch_before_the_request(fetcher, http_server):
    http_server.route("/1", status=302, headers={"Location": "/2"})

    def refuse_second(url: str) -> None:
        if url.endswith("/2"):
            raise TooManyRedirects("out of scope", reason=FailureReason.OUT_OF_SCOPE)

    with pytest.raises(TooManyRedirects):
        fetcher.fetch(http_server.url("/1"), before_hop=refuse_second)
    assert http_server.count("/2") == 0


def chain(server: FixtureServer, hops: int) -> None:
    for i in range(hops):
        server.route(f"/hop{i}", status=302, headers={"Location": f"/hop{i + 1}"})
    server.route(f"/hop{hops}", "end of chain")


def test_five_redirects_are_followed(fetcher, http_server):
    chain(http_server, 5)
    result = fetcher.fetch(http_server.url("/hop0"))
    assert result.body == b"end of chain"
    assert len(result.redirects) == 5


def test_a_sixth_redirect_is_refused_before_it_is_requested(fetcher, http_server):
    chain(http_server, 6)
    with pytest.raises(TooManyRedirects) as caught:
        fetcher.fetch(http_server.url("/hop0"))
    assert caught.value.reason is FailureReason.TOO_MANY_REDIRECTS
    assert http_server.count("/hop5") == 1
    assert http_server.count("/hop6") == 0


def test_a_redirect_loop_is_detected_on_the_second_visit(fetcher, http_server):
    http_server.route("/a", status=302, headers={"Location": "/b"})
    http_server.route("/b", status=302, headers={"Location": "/a"})
    with pytest.raises(TooManyRedirects) as caught:
        fetcher.fetch(http_server.url("/a"))
    assert caught.value.reason is FailureReason.REDIRECT_LOOP
    assert [r.path for r in http_server.requests] == ["/a", "/b"]


@pytest.mark.parametrize(
    "location",
    [
        "file:///etc/passwd",
        "ftp://127.0.0.1/",
        "data:text/html,x",
        "gopher://127.0.0.1/",
        "javascript:alert(1)",
        "s3://bucket/key",
    ],
)
def test_redirect_to_another_scheme_is_refused(fetcher, http_server, location):
    http_server.route("/r", status=302, headers={"Location": location})
    with pytest.raises(BadScheme):
        fetcher.fetch(http_server.url("/r"))
    assert len(http_server.requests) == 1


def test_a_redirect_body_is_never_read(fetcher, http_server):
    # B3: a 302 whose body is a 200 MiB gzip bomb.
    bomb = gzip_bomb(200)
    headers = {"Location": "/final", "Content-Encoding": "gzip"}

    def redirect(request: HandlerRequest) -> None:
        request.start(302, {**headers, "Content-Length": str(len(bomb))})
        request.write(bomb)

    http_server.handler("/r", redirect)
    http_server.route("/final", "landed")
    growth = peak_rss_growth(lambda: fetcher.fetch(http_server.url("/r")))
    assert growth < 20
    assert http_server.count("/final") == 1


# ---------------------------------------------------------------------- bodies


def test_gzip_bomb_is_stopped_at_the_cap_with_little_memory(fetcher, http_server):
    # B1: 1 GiB of zeros in about 1 MB on the wire.
    serve_bytes(http_server, "/bomb", gzip_bomb(1024), **{"Content-Encoding": "gzip"})
    started = time.monotonic()
    growth = peak_rss_growth(
        lambda: raises_with(TooLarge, lambda: fetcher.fetch(http_server.url("/bomb")))
    )
    assert time.monotonic() - started < 1
    assert growth < 20


def test_brotli_bomb_is_stopped_at_the_cap_with_little_memory(fetcher, http_server):
    # B2: the same 1 GiB as brotli, a few KB on the wire.
    serve_bytes(http_server, "/bomb", brotli_bomb(1024), **{"Content-Encoding": "br"})
    started = time.monotonic()
    growth = peak_rss_growth(
        lambda: raises_with(TooLarge, lambda: fetcher.fetch(http_server.url("/bomb")))
    )
    assert time.monotonic() - started < 1
    assert growth < 20


def test_deflate_bomb_with_trailing_garbage_is_stopped_at_the_cap(fetcher, http_server):
    body = deflate_bomb(1024) + b"garbage" * 1000
    serve_bytes(http_server, "/bomb", body, **{"Content-Encoding": "deflate"})
    growth = peak_rss_growth(
        lambda: raises_with(TooLarge, lambda: fetcher.fetch(http_server.url("/bomb")))
    )
    assert growth < 20


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS, -zlib.MAX_WBITS])
def test_deflate_with_trailing_garbage_finishes_without_waiting(
    fetcher, http_server, wbits
):
    # B2: zlib-wrapped and raw deflate; the server then keeps the connection open.
    compressor = zlib.compressobj(6, zlib.DEFLATED, wbits)
    payload = compressor.compress(b"<p>news</p>" * 100) + compressor.flush()

    def trailing(request: HandlerRequest) -> None:
        request.start(200, {"Content-Encoding": "deflate"}, chunked=True)
        request.write(payload + b"\x00trailing garbage\xff")
        request.flush()
        time.sleep(3)

    http_server.handler("/d", trailing)
    started = time.monotonic()
    result = fetcher.fetch(http_server.url("/d"))
    assert result.body == b"<p>news</p>" * 100
    assert time.monotonic() - started < 1


def test_concatenated_gzip_members_are_all_decoded(fetcher, http_server):
    body = gzip.compress(b"first ") + gzip.compress(b"second")
    serve_bytes(http_server, "/g", body, **{"Content-Encoding": "gzip"})
    assert fetcher.fetch(http_server.url("/g")).body == b"first second"


def test_five_encoding_layers_are_decoded(fetcher, http_server):
    body = b"<p>layered</p>"
    for _ in range(4):
        body = gzip.compress(body)
    body = brotli.compress(body)
    encoding = "gzip, gzip, gzip, gzip, br"
    serve_bytes(http_server, "/l", body, **{"Content-Encoding": encoding})
    assert fetcher.fetch(http_server.url("/l")).body == b"<p>layered</p>"


def test_six_encoding_layers_are_refused(fetcher, http_server):
    # B4, CVE-2025-66418.
    body = b"x"
    for _ in range(6):
        body = gzip.compress(body)
    encoding = ", ".join(["gzip"] * 6)
    serve_bytes(http_server, "/l", body, **{"Content-Encoding": encoding})
    with pytest.raises(BadEncoding) as caught:
        fetcher.fetch(http_server.url("/l"))
    assert caught.value.reason is FailureReason.BAD_ENCODING


@pytest.mark.parametrize(
    ("encoding", "body"),
    [("compress", b"\x1f\x9d\x90"), ("gzip", b"not gzip at all"), ("br", b"\xff" * 64)],
)
def test_unknown_or_corrupt_encoding_is_refused(fetcher, http_server, encoding, body):
    serve_bytes(http_server, "/e", body, **{"Content-Encoding": encoding})
    with pytest.raises(BadEncoding):
        fetcher.fetch(http_server.url("/e"))


def endless(request: HandlerRequest) -> None:
    request.start(200, {"Content-Type": "text/html"}, chunked=True)
    chunk = b"<p>" + b"x" * 65_000 + b"</p>"
    while True:
        request.write(chunk)


def test_endless_chunked_body_is_cut_at_the_cap(fetcher, http_server):
    http_server.handler("/endless", endless)
    elapsed = raises_with(TooLarge, lambda: fetcher.fetch(http_server.url("/endless")))
    assert elapsed < 1


def test_compressed_stream_that_never_yields_output_is_cut_on_wire_bytes(
    fetcher, http_server
):
    # Empty stored blocks decode to nothing, forever: only the raw cap stops them.
    def empty_blocks(request: HandlerRequest) -> None:
        compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
        request.start(200, {"Content-Encoding": "gzip"}, chunked=True)
        request.write(compressor.compress(b"x") + compressor.flush(zlib.Z_SYNC_FLUSH))
        while True:
            request.write(b"\x00\x00\x00\xff\xff" * 10_000)

    http_server.handler("/empty", empty_blocks)
    with pytest.raises(TooLarge):
        fetcher.fetch(http_server.url("/empty"), max_bytes=64 * 1024)


def test_per_call_cap_overrides_the_default(fetcher, http_server):
    http_server.route("/big", b"x" * 5000)
    with pytest.raises(TooLarge):
        fetcher.fetch(http_server.url("/big"), max_bytes=4999)
    assert len(fetcher.fetch(http_server.url("/big"), max_bytes=5000).body) == 5000


def test_robots_body_is_truncated_at_the_cap_instead_of_refused(fetcher, http_server):
    http_server.route("/robots.txt", b"#" * 5000, content_type="text/plain")
    result = fetcher.fetch(
        http_server.url("/robots.txt"), accept="robots", max_bytes=1000
    )
    assert result.body == b"#" * 1000


# ---------------------------------------------------------------------- media types

BINARY_TYPES = [
    "image/jpeg",
    "video/mp4",
    "audio/mpeg",
    "application/octet-stream",
    "application/zip",
    "application/pdf",
]


def streaming_binary(sent: list[int]) -> Callable[[HandlerRequest], None]:
    def handler(request: HandlerRequest) -> None:
        request.start(
            200,
            {
                "Content-Type": request.path.split("=", 1)[1],
                "Content-Length": "67108864",
            },
        )
        chunk = b"\xff" * 65536
        for _ in range(1024):
            request.write(chunk)
            sent[0] += len(chunk)

    return handler


@pytest.mark.parametrize("media_type", BINARY_TYPES)
@pytest.mark.parametrize(
    ("accept", "reason"),
    [("html", FailureReason.NOT_HTML), ("feed", FailureReason.NOT_FEED)],
)
def test_binary_media_type_is_refused_after_the_headers(
    fetcher, http_server, media_type, accept, reason
):
    # B5: refused on the headers alone; the 64 MiB body is never read.
    sent = [0]
    path = f"/file?type={media_type}"
    http_server.handler(path, streaming_binary(sent))
    with capture_logs() as logs, pytest.raises(ContentError) as caught:
        fetcher.fetch(http_server.url(path), accept=accept)
    assert caught.value.reason is reason
    assert logs[-1]["event"] == "fetch_failed"
    time.sleep(0.05)
    assert sent[0] < 64 * MIB  # the server could not deliver it: we hung up


@pytest.mark.parametrize("media_type", ["text/html", "text/plain", "application/xml"])
def test_feed_served_with_a_textual_type_is_returned_for_sniffing(
    fetcher, http_server, media_type
):
    http_server.route("/feed", "<rss/>", content_type=media_type)
    result = fetcher.fetch(http_server.url("/feed"), accept="feed")
    assert result.body == b"<rss/>"
    assert result.content_type == media_type


@pytest.mark.parametrize("media_type", ["text/html", "application/xhtml+xml", ""])
def test_html_or_a_missing_type_is_accepted_as_a_page(fetcher, http_server, media_type):
    def handler(request: HandlerRequest) -> None:
        headers = {"Content-Type": media_type} if media_type else {}
        request.respond("<p>x</p>", headers=headers)

    http_server.handler("/p", handler)
    assert fetcher.fetch(http_server.url("/p"), accept="html").body == b"<p>x</p>"


def test_text_plain_is_not_a_page(fetcher, http_server):
    http_server.route("/t", "plain", content_type="text/plain")
    with pytest.raises(ContentError) as caught:
        fetcher.fetch(http_server.url("/t"), accept="html")
    assert caught.value.reason is FailureReason.NOT_HTML


def test_robots_must_be_text(fetcher, http_server):
    http_server.route("/robots.txt", b"\x89PNG", content_type="image/png")
    with pytest.raises(ContentError):
        fetcher.fetch(http_server.url("/robots.txt"), accept="robots")


# ---------------------------------------------------------------------- status


def test_not_modified_returns_an_empty_result(fetcher, http_server):
    def conditional(request: HandlerRequest) -> None:
        if request.headers.get("If-None-Match") == '"v1"':
            request.start(304, {"ETag": '"v1"'})
        else:
            request.respond("<rss/>", headers={"ETag": '"v1"'})

    http_server.handler("/feed", conditional)
    first = fetcher.fetch(http_server.url("/feed"), accept="feed")
    second = fetcher.fetch(
        http_server.url("/feed"), accept="feed", headers={"If-None-Match": '"v1"'}
    )
    assert (first.status, first.body) == (200, b"<rss/>")
    assert (second.status, second.body, second.headers["ETag"]) == (304, b"", '"v1"')


@pytest.mark.parametrize(
    ("status", "retry_after", "expected"),
    [
        (429, "120", 120.0),
        (503, "120", 120.0),
        (429, None, None),
        (429, "99999", 3600.0),
    ],
)
def test_rate_limiting_answers_carry_retry_after(
    fetcher, http_server, status, retry_after, expected
):
    headers = {"Retry-After": retry_after} if retry_after else {}
    http_server.route("/busy", "slow down", status=status, headers=headers)
    with pytest.raises(RateLimited) as caught:
        fetcher.fetch(http_server.url("/busy"))
    assert caught.value.retry_after == expected
    assert caught.value.http_status == status
    assert caught.value.reason is FailureReason.HTTP_429


def test_retry_after_as_an_http_date_is_converted_to_seconds(fetcher, http_server):
    when = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 120))
    http_server.route("/busy", status=503, headers={"Retry-After": when})
    with pytest.raises(RateLimited) as caught:
        fetcher.fetch(http_server.url("/busy"))
    assert caught.value.retry_after is not None
    assert 115 <= caught.value.retry_after <= 121


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_transient(fetcher, http_server, status):
    http_server.route("/e", "oops", status=status)
    with pytest.raises(ServerError) as caught:
        fetcher.fetch(http_server.url("/e"))
    assert caught.value.http_status == status
    assert caught.value.reason is FailureReason.HTTP_5XX
    assert http_server.count("/e") == 1  # no retries inside the fetcher


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 451])
def test_client_errors_are_permanent_after_one_request(fetcher, http_server, status):
    http_server.route("/e", "no", status=status)
    with pytest.raises(HttpClientError) as caught:
        fetcher.fetch(http_server.url("/e"))
    assert caught.value.http_status == status
    assert http_server.count("/e") == 1


def test_redirect_without_location_is_a_content_error(fetcher, http_server):
    http_server.route("/r", "nowhere", status=302)
    with pytest.raises(ContentError) as caught:
        fetcher.fetch(http_server.url("/r"))
    assert caught.value.http_status == 302


# ---------------------------------------------------------------------- transport


def test_refused_connection_is_a_connection_failure(fetcher):
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now
    with pytest.raises(ConnectionFailed) as caught:
        fetcher.fetch(f"http://127.0.0.1:{port}/")
    assert caught.value.reason is FailureReason.CONNECTION_ERROR


def test_unresolvable_host_is_a_dns_failure():
    def resolver(name: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    fetcher = make_fetcher(resolver=resolver)
    with pytest.raises(ConnectionFailed) as caught:
        fetcher.fetch("http://nowhere.invalid/")
    assert caught.value.reason is FailureReason.DNS_FAILURE


def test_listener_that_never_accepts_fails_within_the_connect_timeout():
    # F11: a full backlog makes the kernel drop further SYNs.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(4):
        filler = socket.socket()
        filler.setblocking(False)  # noqa: FBT003 - the socket API
        filler.connect_ex(("127.0.0.1", port))
        fillers.append(filler)
    fetcher = make_fetcher(connect_timeout=0.5)
    try:
        elapsed = raises_with(
            FetchTimeout, lambda: fetcher.fetch(f"http://127.0.0.1:{port}/")
        )
    finally:
        for sock in (*fillers, listener):
            sock.close()
    assert elapsed < 0.5 + 1


def test_silent_server_times_out_on_the_read_timeout(http_server):
    def silent(request: HandlerRequest) -> None:
        time.sleep(2)

    http_server.handler("/silent", silent)
    fetcher = make_fetcher(read_timeout=0.3)
    elapsed = raises_with(
        FetchTimeout, lambda: fetcher.fetch(http_server.url("/silent"))
    )
    assert elapsed < 1


def trickle(request: HandlerRequest) -> None:
    request.start(200, {"Content-Type": "text/html", "Content-Length": "1000"})
    for _ in range(1000):
        request.write(b"x")
        request.flush()
        time.sleep(2)


def test_trickling_server_is_cut_at_the_total_deadline(http_server):
    # F11: 1 byte every 2 s never trips the 3 s read timeout, only the deadline.
    http_server.handler("/trickle", trickle)
    fetcher = make_fetcher(read_timeout=3.0, deadline=3.0)
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded) as caught:
        fetcher.fetch(http_server.url("/trickle"))
    elapsed = time.monotonic() - started
    assert caught.value.reason is FailureReason.DEADLINE_EXCEEDED
    assert 3.0 - 1 <= elapsed <= 3.0 + 1


def test_deadline_covers_the_whole_redirect_chain(http_server):
    def slow_redirect(request: HandlerRequest) -> None:
        time.sleep(0.6)
        hop = int(request.path.removeprefix("/s"))
        request.respond(status=302, headers={"Location": f"/s{hop + 1}"})

    for hop in range(5):
        http_server.handler(f"/s{hop}", slow_redirect)
    fetcher = make_fetcher(deadline=1.0)
    elapsed = raises_with(
        DeadlineExceeded, lambda: fetcher.fetch(http_server.url("/s0"))
    )
    assert elapsed < 1.0 + 0.5
    assert http_server.count("/s2") == 0
