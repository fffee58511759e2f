"""SSRF through the real fetcher: nothing blocked is ever connected to (S1, S2, S3).

A *counting listener* is a loopback socket that listens but never accepts: the kernel
completes handshakes into its backlog, so draining the backlog afterwards counts every
connection anyone made to it.

Public addresses are unreachable here (pytest-socket allows loopback only), so where a
test needs "the internet", the ``internet`` fixture maps a few public addresses onto
the fixture server at the socket layer (urllib3's ``create_connection``), below the
guard, and records every address a connection was opened to.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import urllib3.util.connection
from pytest_socket import SocketConnectBlockedError

from schemas.enums import FailureReason
from tests.support.http_server import FixtureServer
from worker.errors import BlockedAddress, ConnectionFailed, FetchTimeout
from worker.net.fetcher import Fetcher

pytestmark = pytest.mark.integration

PUBLIC_A = "93.184.216.34"
PUBLIC_B = "93.184.216.35"


class CountingListener:
    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.port: int = self.sock.getsockname()[1]

    def accepted(self) -> int:
        self.sock.setblocking(False)  # noqa: FBT003 - the socket API
        count = 0
        while True:
            try:
                conn, _ = self.sock.accept()
            except BlockingIOError:
                return count
            conn.close()
            count += 1


@pytest.fixture
def listener() -> Iterator[CountingListener]:
    counting = CountingListener()
    yield counting
    counting.sock.close()


@pytest.fixture
def internet(monkeypatch, http_server: FixtureServer) -> list[tuple[str, int]]:
    """Route PUBLIC_A/PUBLIC_B to the fixture server; return every address dialled."""
    dialled: list[tuple[str, int]] = []
    real = urllib3.util.connection.create_connection

    def create_connection(address: tuple[str, int], *args: Any, **kwargs: Any) -> Any:
        dialled.append(address)
        host, _port = address
        if host in (PUBLIC_A, PUBLIC_B):
            address = ("127.0.0.1", http_server.port)
        return real(address, *args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", create_connection)
    return dialled


def make_fetcher(resolver: Callable[[str, int], list[str]] | None = None) -> Fetcher:
    return Fetcher(
        user_agent="newsfeed-test",
        connect_timeout=0.5,
        read_timeout=2.0,
        deadline=5.0,
        max_body_bytes=1024 * 1024,
        max_redirects=5,
        allow_private_networks=False,
        resolver=resolver,
    )


# S1: every spelling of an internal address, as a literal in the URL.
LITERAL_HOSTS = [
    "127.0.0.1",
    "127.1",
    "0x7f000001",
    "2130706433",
    "0177.0.0.1",
    "0",
    "0.0.0.0",
    "[::1]",
    "[::ffff:127.0.0.1]",
    "10.0.0.1",
    "172.16.0.1",
    "192.168.0.1",
    "100.64.0.1",
    "100.100.100.200",
    "169.254.169.254",
    "192.0.0.1",
    "192.0.2.1",
    "198.18.0.1",
    "198.51.100.1",
    "203.0.113.1",
    "240.0.0.1",
    "224.0.0.1",
    "255.255.255.255",
    "[fd00:ec2::254]",
    "[fe80::1]",
    "[fc00::1]",
    "[64:ff9b::7f00:1]",
    "[2002:7f00:1::]",
    "[2001:0:4136:e378:8000:63bf:3fff:fdd2]",
    "[ff02::1]",
    "[2001:db8::1]",
    "[::]",
]


@pytest.mark.parametrize("host", LITERAL_HOSTS)
def test_internal_address_literal_is_refused_without_connecting(host, listener):
    fetcher = make_fetcher()
    with pytest.raises(BlockedAddress) as caught:
        fetcher.fetch(f"http://{host}:{listener.port}/")
    assert caught.value.reason is FailureReason.BLOCKED_ADDRESS
    assert listener.accepted() == 0


def test_host_name_resolving_to_any_internal_address_is_refused(listener):
    # /etc/hosts-style fixtures: one name per blocked address.
    table = {
        f"h{i}.example": [host.strip("[]")]
        for i, host in enumerate(LITERAL_HOSTS)
        if not host[0].isalpha() and "x" not in host and host.count(".") in (0, 3)
    }
    table["localhost.example"] = ["127.0.0.1"]
    table["rebound.example"] = [PUBLIC_A, "127.0.0.1"]  # one bad answer is enough
    fetcher = make_fetcher(lambda name, _port: table[name])
    refused = 0
    for name in table:
        with pytest.raises(BlockedAddress):
            fetcher.fetch(f"http://{name}:{listener.port}/")
        refused += 1
    assert refused == len(table) > 25
    assert listener.accepted() == 0


def test_the_same_listener_is_reached_when_private_networks_are_allowed(listener):
    # Control for the tests above: the counting listener does count.
    fetcher = Fetcher(
        user_agent="newsfeed-test",
        connect_timeout=0.5,
        read_timeout=0.3,
        deadline=2.0,
        max_body_bytes=1024,
        max_redirects=0,
        allow_private_networks=True,
    )
    with pytest.raises(FetchTimeout):
        fetcher.fetch(f"http://127.0.0.1:{listener.port}/")
    assert listener.accepted() == 1


def test_dns_rebinding_cannot_move_a_checked_connection(listener):
    # S2: public on the 1st lookup, loopback on the 2nd. Exactly one lookup, and the
    # connection is dialled to the public address that was checked. Public addresses
    # are unreachable here, so the dial itself is refused by the test's socket policy.
    answers = iter([[PUBLIC_A], ["127.0.0.1"]])
    calls: list[str] = []

    def resolver(name: str, port: int) -> list[str]:
        calls.append(name)
        return next(answers)

    fetcher = make_fetcher(resolver)
    with (
        pytest.raises(SocketConnectBlockedError, match=PUBLIC_A),
        pytest.warns(UserWarning, match=PUBLIC_A),  # pytest-socket warns, then raises
    ):
        fetcher.fetch(f"http://rebind.example:{listener.port}/")
    assert calls == ["rebind.example"]
    assert listener.accepted() == 0
    # The next connection resolves again, gets loopback, and is refused.
    with pytest.raises(BlockedAddress):
        fetcher.fetch(f"http://rebind.example:{listener.port}/")
    assert calls == ["rebind.example", "rebind.example"]
    assert listener.accepted() == 0


def test_rebinding_host_is_served_from_the_address_checked(internet, http_server):
    answers = iter([[PUBLIC_A], ["127.0.0.1"]])
    http_server.route("/page", "<p>public</p>", headers={"Connection": "close"})
    fetcher = make_fetcher(lambda _name, _port: next(answers))
    result = fetcher.fetch(f"http://news.example:{http_server.port}/page")
    assert result.body == b"<p>public</p>"
    assert internet == [(PUBLIC_A, http_server.port)]
    assert http_server.requests[0].headers["Host"] == f"news.example:{http_server.port}"


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.1:{listener}/",
        "http://[::1]:{listener}/",
        "http://0x7f000001:{listener}/",
        "http://internal.example:{listener}/",
    ],
)
def test_redirect_to_an_internal_address_is_refused_before_connecting(
    target, internet, http_server, listener
):
    # S3: the first hop is public (and reachable); the Location is not.
    table = {"news.example": [PUBLIC_A], "internal.example": ["10.1.2.3"]}
    location = target.format(listener=listener.port)
    http_server.route("/start", status=302, headers={"Location": location})
    fetcher = make_fetcher(lambda name, _port: table[name])
    with pytest.raises(BlockedAddress):
        fetcher.fetch(f"http://news.example:{http_server.port}/start")
    assert http_server.count("/start") == 1
    assert internet == [(PUBLIC_A, http_server.port)]
    assert listener.accepted() == 0


def test_redirect_chain_across_public_hosts_is_followed(internet, http_server):
    table = {"a.example": [PUBLIC_A], "b.example": [PUBLIC_B]}
    b_url = f"http://b.example:{http_server.port}/end"
    http_server.route("/start", status=301, headers={"Location": b_url})
    http_server.route("/end", "done")
    fetcher = make_fetcher(lambda name, _port: table[name])
    result = fetcher.fetch(f"http://a.example:{http_server.port}/start")
    assert result.body == b"done"
    assert result.url == b_url
    assert [address for address, _ in internet] == [PUBLIC_A, PUBLIC_B]


def test_tls_keeps_the_host_name_for_sni_while_dialling_the_checked_address():
    # The socket goes to the checked address; SNI (and so certificate checks) still
    # name the host. The server has no certificate, so the handshake then fails.
    server_names: list[str | None] = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.sni_callback = lambda _sock, name, _ctx: server_names.append(name)
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)

    def handshake_once() -> None:
        conn, _ = server.accept()
        with contextlib.suppress(OSError):
            context.wrap_socket(conn, server_side=True)
        conn.close()

    thread = threading.Thread(target=handshake_once, daemon=True)
    thread.start()
    lookups: list[str] = []

    def resolver(name: str, _port: int) -> list[str]:
        lookups.append(name)
        return ["127.0.0.1"]

    fetcher = Fetcher(
        user_agent="newsfeed-test",
        connect_timeout=1.0,
        read_timeout=1.0,
        deadline=3.0,
        max_body_bytes=1024,
        max_redirects=0,
        allow_private_networks=True,
        resolver=resolver,
    )
    port = server.getsockname()[1]
    with pytest.raises(ConnectionFailed):
        fetcher.fetch(f"https://news.example:{port}/")
    thread.join(timeout=3)
    server.close()
    assert lookups == ["news.example"]
    assert server_names == ["news.example"]
