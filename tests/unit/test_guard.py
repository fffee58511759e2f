"""The SSRF address rules, as pure functions (RELIABILITY S1). No sockets."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from schemas.enums import FailureReason
from worker.errors import BlockedAddress, ConnectionFailed
from worker.net.guard import is_public_address, parse_address_literal, resolve_checked

# One address from each block of the SafeCurl / Advocate tables, plus the S1 list.
BLOCKED = [
    "0.0.0.0",
    "0.1.2.3",
    "10.0.0.1",
    "100.64.0.1",
    "100.100.100.200",  # Alibaba metadata
    "127.0.0.1",
    "127.255.255.254",
    "169.254.0.1",
    "169.254.169.254",  # AWS/GCP/Azure metadata
    "172.16.0.1",
    "172.31.255.255",
    "192.0.0.1",
    "192.0.2.1",
    "192.88.99.1",
    "192.168.1.1",
    "198.18.0.1",
    "198.51.100.1",
    "203.0.113.1",
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "::",
    "::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "::127.0.0.1",  # IPv4-compatible
    "::ffff:0:127.0.0.1",  # SIIT
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
    "64:ff9b:1::1",  # local-use NAT64
    "100::1",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
    "2001:2::1",  # benchmarking
    "2001:db8::1",
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "2002:808:808::1",  # 6to4 of a public address: still refused
    "fc00::1",
    "fd00:ec2::254",  # AWS metadata over IPv6
    "fe80::1",
    "fe80::1%eth0",
    "fec0::1",
    "ff02::1",
]

PUBLIC = [
    "8.8.8.8",
    "1.1.1.1",
    "93.184.216.34",
    "100.63.255.255",  # just below CGNAT
    "172.32.0.1",  # just above 172.16/12
    "2606:4700:4700::1111",
    "2a00:1450:4001:82a::200e",
    "::ffff:8.8.8.8",  # mapped public: judged on the IPv4 inside
    "64:ff9b::808:808",  # NAT64 of a public address
]


@pytest.mark.parametrize("address", BLOCKED)
def test_special_purpose_address_is_not_public(address):
    assert not is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", PUBLIC)
def test_globally_routable_address_is_public(address):
    assert is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.1", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0X7F000001", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0", "0.0.0.0"),
        ("[::1]", "::1"),
        ("[::ffff:127.0.0.1]", "::ffff:7f00:1"),
        ("::ffff:127.0.0.1", "::ffff:7f00:1"),
    ],
)
def test_odd_numeric_host_is_read_as_the_os_reads_it(host, expected):
    assert parse_address_literal(host) == ipaddress.ip_address(expected)


def test_host_name_is_not_an_address_literal():
    assert parse_address_literal("example.com") is None
    assert parse_address_literal("0x7f.example") is None


def test_numeric_host_that_no_os_reads_is_refused():
    with pytest.raises(BlockedAddress):
        parse_address_literal("999.1.1.1")


@pytest.mark.parametrize(
    "host", ["127.1", "0x7f000001", "2130706433", "0177.0.0.1", "0", "[::1]"]
)
def test_odd_loopback_literal_is_refused_without_a_lookup(host):
    calls: list[str] = []

    def resolver(name: str, port: int) -> list[str]:
        calls.append(name)
        return ["8.8.8.8"]

    with pytest.raises(BlockedAddress) as caught:
        resolve_checked(host, 80, allow_private=False, resolver=resolver)
    assert caught.value.reason is FailureReason.BLOCKED_ADDRESS
    assert calls == []


def test_all_public_answers_are_returned_after_one_lookup():
    calls: list[tuple[str, int]] = []

    def resolver(name: str, port: int) -> list[str]:
        calls.append((name, port))
        return ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "93.184.216.34"]

    addresses = resolve_checked(
        "example.com", 443, allow_private=False, resolver=resolver
    )
    assert addresses == ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"]
    assert calls == [("example.com", 443)]


def test_one_private_answer_among_public_ones_refuses_the_host():
    def resolver(name: str, port: int) -> list[str]:
        return ["93.184.216.34", "10.0.0.7"]

    with pytest.raises(BlockedAddress):
        resolve_checked("mixed.example", 80, allow_private=False, resolver=resolver)


def test_private_answers_pass_when_private_networks_are_allowed():
    def resolver(name: str, port: int) -> list[str]:
        return ["127.0.0.1"]

    assert resolve_checked("local.test", 80, allow_private=True, resolver=resolver) == [
        "127.0.0.1"
    ]


def test_failed_lookup_is_a_dns_failure():
    def resolver(name: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(ConnectionFailed) as caught:
        resolve_checked("nowhere.invalid", 80, allow_private=False, resolver=resolver)
    assert caught.value.reason is FailureReason.DNS_FAILURE


def test_empty_lookup_is_a_dns_failure():
    with pytest.raises(ConnectionFailed) as caught:
        resolve_checked(
            "empty.test", 80, allow_private=False, resolver=lambda _name, _port: []
        )
    assert caught.value.reason is FailureReason.DNS_FAILURE


def test_answer_that_is_not_an_address_is_refused():
    with pytest.raises(BlockedAddress):
        resolve_checked(
            "odd.test",
            80,
            allow_private=True,
            resolver=lambda _name, _port: ["localhost"],
        )
