"""robots.txt through the real fetcher and real Redis (RELIABILITY B10, RFC 9309)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from structlog.testing import capture_logs

from tests.support.http_server import FixtureServer, HandlerRequest
from worker.errors import RobotsDisallowed, RobotsUnavailable
from worker.net.fetcher import Fetcher
from worker.net.robots import RobotsPolicy, robots_origin
from worker.settings import Settings

pytestmark = pytest.mark.integration


def make_fetcher(**overrides: Any) -> Fetcher:
    options: dict[str, Any] = {
        "user_agent": "newsfeed/0.1 (+https://example.invalid/bot)",
        "connect_timeout": 1.0,
        "read_timeout": 2.0,
        "deadline": 5.0,
        "max_body_bytes": 10 * 1024 * 1024,
        "max_redirects": 5,
        "allow_private_networks": True,
    }
    options.update(overrides)
    return Fetcher(**options)


@pytest.fixture
def policy(redis_client) -> RobotsPolicy:
    return RobotsPolicy(fetcher=make_fetcher(), cache=redis_client)


def robots(server: FixtureServer, text: str | bytes, **kwargs) -> None:
    server.route("/robots.txt", text, content_type="text/plain", **kwargs)


def test_longest_match_wins(policy, http_server):
    robots(http_server, "User-agent: *\nDisallow: /\nAllow: /news/\n")
    assert policy.crawl_delay(http_server.url("/news/story-1")) == 0.0
    with pytest.raises(RobotsDisallowed):
        policy.crawl_delay(http_server.url("/about"))
    assert http_server.count("/robots.txt") == 1


def test_product_token_matches_whatever_its_case(policy, http_server):
    robots(
        http_server,
        "User-agent: *\nAllow: /\n\nUser-agent: NewsFeed\nDisallow: /private/\n",
    )
    with pytest.raises(RobotsDisallowed):
        policy.crawl_delay(http_server.url("/private/x"))
    assert policy.crawl_delay(http_server.url("/public")) == 0.0


def test_utf8_byte_order_mark_is_ignored(policy, http_server):
    robots(http_server, "\ufeffUser-agent: newsfeed\nDisallow: /secret\n".encode())
    with pytest.raises(RobotsDisallowed):
        policy.crawl_delay(http_server.url("/secret"))


def test_crawl_delay_is_returned(policy, http_server):
    robots(http_server, "User-agent: newsfeed\nCrawl-delay: 2.5\nAllow: /\n")
    assert policy.crawl_delay(http_server.url("/a")) == 2.5


def test_huge_crawl_delay_is_capped_and_logged(policy, http_server):
    robots(http_server, "User-agent: *\nCrawl-delay: 500\n")
    with capture_logs() as logs:
        assert policy.crawl_delay(http_server.url("/a")) == 60.0
    capped = [e for e in logs if e["event"] == "crawl_delay_capped"]
    assert capped
    assert capped[0]["crawl_delay"] == 500.0


def test_two_mebibyte_file_is_read_up_to_500_kib_and_parsed(policy, http_server):
    filler = "".join(f"Allow: /filler/{i:07d}/page.html\n" for i in range(70_000))
    text = "User-agent: *\nDisallow: /early\n" + filler + "Disallow: /late\n"
    assert len(text) > 2 * 1024 * 1024
    robots(http_server, text)
    started = time.monotonic()
    with pytest.raises(RobotsDisallowed):
        policy.crawl_delay(http_server.url("/early"))
    assert time.monotonic() - started < 0.5
    # The rule past the first 500 KiB was never read.
    assert policy.crawl_delay(http_server.url("/late")) == 0.0


@pytest.mark.parametrize("status", [404, 410, 401, 403])
def test_client_error_means_everything_is_allowed(policy, http_server, status):
    robots(http_server, "User-agent: *\nDisallow: /\n", status=status)
    assert policy.crawl_delay(http_server.url("/anything")) == 0.0


def test_binary_robots_file_means_everything_is_allowed(policy, http_server):
    http_server.route("/robots.txt", b"\x89PNG", content_type="image/png")
    assert policy.crawl_delay(http_server.url("/anything")) == 0.0


@pytest.mark.parametrize("status", [500, 503, 429])
def test_server_error_makes_the_host_unavailable_and_is_cached(
    policy, http_server, status
):
    robots(http_server, "down", status=status)
    for _ in range(3):
        with pytest.raises(RobotsUnavailable):
            policy.crawl_delay(http_server.url("/article"))
    assert http_server.count("/robots.txt") == 1
    assert http_server.count("/article") == 0


def test_robots_is_asked_again_once_unavailability_expires(redis_client, http_server):
    robots(http_server, "down", status=503)
    policy = RobotsPolicy(fetcher=make_fetcher(), cache=redis_client, unavailable_ttl=1)
    with pytest.raises(RobotsUnavailable):
        policy.crawl_delay(http_server.url("/article"))
    robots(http_server, "User-agent: *\nAllow: /\n")
    with pytest.raises(RobotsUnavailable):
        policy.crawl_delay(http_server.url("/article"))
    time.sleep(1.1)
    assert policy.crawl_delay(http_server.url("/article")) == 0.0
    assert http_server.count("/robots.txt") == 2


def test_timeout_makes_the_host_unavailable(redis_client, http_server):
    def slow(request: HandlerRequest) -> None:
        time.sleep(1)

    http_server.handler("/robots.txt", slow)
    policy = RobotsPolicy(fetcher=make_fetcher(read_timeout=0.2), cache=redis_client)
    with pytest.raises(RobotsUnavailable):
        policy.crawl_delay(http_server.url("/article"))
    key = f"robots:{robots_origin(http_server.base_url)}"
    assert 0 < redis_client.ttl(key) <= 300


def redirect_chain(server: FixtureServer, hops: int) -> None:
    for i in range(hops):
        target = "/robots.txt" if i == 0 else f"/robots-{i}.txt"
        server.route(target, status=301, headers={"Location": f"/robots-{i + 1}.txt"})
    server.route(
        f"/robots-{hops}.txt",
        "User-agent: *\nDisallow: /x\n",
        content_type="text/plain",
    )


def test_five_redirects_are_followed(policy, http_server):
    redirect_chain(http_server, 5)
    with pytest.raises(RobotsDisallowed):
        policy.crawl_delay(http_server.url("/x"))


def test_sixth_redirect_makes_robots_unavailable(policy, http_server):
    redirect_chain(http_server, 6)
    with pytest.raises(RobotsUnavailable):
        policy.crawl_delay(http_server.url("/x"))


@pytest.mark.parametrize(
    "location", ["ftp://127.0.0.1/robots.txt", "file:///robots.txt"]
)
def test_redirect_to_another_scheme_makes_robots_unavailable(
    policy, http_server, location
):
    robots(http_server, "", status=302, headers={"Location": location})
    with pytest.raises(RobotsUnavailable):
        policy.crawl_delay(http_server.url("/x"))


def test_corrupt_compressed_robots_means_everything_is_allowed(policy, http_server):
    robots(http_server, b"not gzip", headers={"Content-Encoding": "gzip"})
    assert policy.crawl_delay(http_server.url("/anything")) == 0.0


def test_rules_are_cached_in_redis_and_shared_by_workers(redis_client, http_server):
    robots(http_server, "User-agent: *\nDisallow: /no\n")
    first = RobotsPolicy(fetcher=make_fetcher(), cache=redis_client, ttl=600)
    second = RobotsPolicy(fetcher=make_fetcher(), cache=redis_client, ttl=600)
    assert first.crawl_delay(http_server.url("/yes")) == 0.0
    with pytest.raises(RobotsDisallowed):
        second.crawl_delay(http_server.url("/no"))
    assert http_server.count("/robots.txt") == 1
    key = f"robots:http://127.0.0.1:{http_server.port}"
    assert redis_client.get(key).endswith(b"Disallow: /no\n")
    assert 590 < redis_client.ttl(key) <= 600


def test_parsed_rules_are_reused_within_the_process(policy, http_server, redis_client):
    robots(http_server, "User-agent: *\nDisallow: /no\n")
    policy.crawl_delay(http_server.url("/a"))
    redis_client.flushall()  # even without Redis, this process remembers
    policy.crawl_delay(http_server.url("/b"))
    assert http_server.count("/robots.txt") == 1


def test_works_without_a_shared_cache(http_server):
    robots(http_server, "User-agent: *\nDisallow: /no\n")
    policy = RobotsPolicy(fetcher=make_fetcher(), cache=None)
    with pytest.raises(RobotsDisallowed):
        policy.crawl_delay(http_server.url("/no"))
    policy.crawl_delay(http_server.url("/yes"))
    assert http_server.count("/robots.txt") == 1


def test_origin_spells_out_the_default_port():
    assert robots_origin("http://Example.COM/a?b") == "http://example.com:80"
    assert robots_origin("https://example.com:443/") == "https://example.com:443"
    assert robots_origin("http://[::1]:8080/") == "http://[::1]:8080"


def test_policy_is_built_from_settings(redis_client):
    settings = Settings(robots_cache_seconds=3600, max_crawl_delay=10.0)
    policy = RobotsPolicy.from_settings(
        settings, fetcher=make_fetcher(), cache=redis_client
    )
    assert policy._token == "newsfeed"  # noqa: S105 - a product token
    assert policy._ttl == 3600
    assert policy._max_crawl_delay == 10.0
