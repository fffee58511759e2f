"""Is this address allowed? The SSRF guard (RELIABILITY S1, S2).

A URL taken from the open web may name any host, and a host name may resolve to
anything, including our own loopback, the cloud metadata service or a private network.
This module answers two questions:

* ``is_public_address(ip)``: may we connect to this one address? The block tables follow
  SafeCurl and Advocate (IANA special-purpose registries, RFC 6890), and every IPv6 form
  that carries an IPv4 address (mapped, compatible, NAT64 per RFC 6052, 6to4, Teredo)
  is judged on the IPv4 address inside it. 6to4 and Teredo are refused outright: the
  relay decides where the packet goes, not us.
* ``resolve_checked(host, port)``: resolve a host name **once** and refuse unless every
  answer is public. The caller connects to one of the returned addresses, never to the
  name again, so a DNS server that answers differently on a second query (rebinding)
  gains nothing. Numeric hosts in the odd forms ``inet_aton`` accepts (``127.1``,
  ``0x7f000001``, ``2130706433``, ``0177.0.0.1``) are parsed the way the OS would.

It deliberately does not connect, follow redirects or look at URLs: ``fetcher`` calls it
from inside the connection, once per new socket. Python's ``ipaddress.is_private``
tables changed in 3.11.10/3.12.4 (CVE-2024-4032), so the tables here are explicit and
``is_global`` is only an extra refusal on top.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable

from schemas.enums import FailureReason
from worker.errors import BlockedAddress, ConnectionFailed

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]

# IPv4 special-purpose ranges that must never be contacted (SafeCurl / Advocate tables,
# RFC 6890). Each one is an internal network, a non-unicast form, or not routable.
_BLOCKED_V4 = tuple(
    ipaddress.IPv4Network(net)
    for net in (
        "0.0.0.0/8",  # "this network"; 0.0.0.0 reaches local services on Linux
        "10.0.0.0/8",  # RFC 1918
        "100.64.0.0/10",  # CGNAT; also Alibaba's metadata 100.100.100.200
        "127.0.0.0/8",  # loopback
        "169.254.0.0/16",  # link-local; AWS/GCP/Azure metadata 169.254.169.254
        "172.16.0.0/12",  # RFC 1918
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # TEST-NET-1 (documentation)
        "192.88.99.0/24",  # 6to4 relay anycast
        "192.168.0.0/16",  # RFC 1918
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # TEST-NET-2
        "203.0.113.0/24",  # TEST-NET-3
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, includes broadcast 255.255.255.255
    )
)

# IPv6 ranges refused whatever they carry.
_BLOCKED_V6 = tuple(
    ipaddress.IPv6Network(net)
    for net in (
        "::/128",  # unspecified
        "::1/128",  # loopback
        "64:ff9b:1::/48",  # local-use NAT64 (RFC 8215): a private translator
        "100::/64",  # discard-only
        "2001::/23",  # IETF protocol assignments: Teredo, benchmarking, ORCHID
        "2001:db8::/32",  # documentation
        "2002::/16",  # 6to4: the relay, not us, picks the IPv4 target
        "fc00::/7",  # unique local; includes AWS metadata fd00:ec2::254
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated, still routed by some stacks)
        "ff00::/8",  # multicast
    )
)

# IPv6 prefixes whose low 32 bits are an IPv4 address that decides where we land.
_EMBEDS_V4 = tuple(
    ipaddress.IPv6Network(net)
    for net in (
        "::ffff:0:0/96",  # IPv4-mapped
        "::ffff:0:0:0/96",  # SIIT (RFC 6145)
        "64:ff9b::/96",  # NAT64 well-known prefix (RFC 6052)
        "::/96",  # IPv4-compatible (deprecated)
    )
)

# What inet_aton accepts: 1 to 4 parts, each decimal, octal (leading 0) or hex (0x).
_NUMERIC_HOST = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)(?:\.(?:0x[0-9a-f]*|[0-9]+)){0,3}")


def is_public_address(ip: IPAddress) -> bool:
    """True only for a globally routable unicast address we may connect to."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            return False  # a zone index only makes sense for link-local targets
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return is_public_address(embedded)
        if any(ip in net for net in _BLOCKED_V6):
            return False
    elif any(ip in net for net in _BLOCKED_V4):
        return False
    return ip.is_global and not ip.is_multicast


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip in _BLOCKED_V6[0] or ip in _BLOCKED_V6[1]:
        return None  # :: and ::1 sit inside ::/96 but are IPv6 themselves
    if any(ip in net for net in _EMBEDS_V4):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def parse_address_literal(host: str) -> IPAddress | None:
    """The address a numeric host stands for, as the OS reads it; None for a name."""
    bare = host.removeprefix("[").removesuffix("]")
    try:
        return ipaddress.ip_address(bare)
    except ValueError:
        pass
    if _NUMERIC_HOST.fullmatch(bare.lower()):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(bare))
        except OSError:
            # Looks numeric but no OS reads it as an address ("999.1.1.1"): resolvers
            # disagree on what such a name means, so refuse it rather than guess.
            raise BlockedAddress(f"unparseable numeric host {host!r}") from None
    return None


def resolve_checked(
    host: str,
    port: int,
    *,
    allow_private: bool,
    resolver: Resolver | None = None,
) -> list[str]:
    """Resolve ``host`` once and return its addresses if every one of them is public.

    Raises:
        BlockedAddress: some address is not public (and ``allow_private`` is off).
        ConnectionFailed: the name does not resolve (reason ``dns_failure``).
    """
    literal = parse_address_literal(host)
    if literal is not None:
        addresses = [literal]
    else:
        addresses = _resolve(host, port, resolver or _system_resolver)
    if not allow_private:
        for address in addresses:
            if not is_public_address(address):
                raise BlockedAddress(f"{host} resolves to blocked address {address}")
    return [str(address) for address in addresses]


def _resolve(host: str, port: int, resolver: Resolver) -> list[IPAddress]:
    try:
        answers = resolver(host, port)
    except (OSError, UnicodeError) as exc:  # socket.gaierror is an OSError
        raise ConnectionFailed(
            f"cannot resolve {host}: {exc}", reason=FailureReason.DNS_FAILURE
        ) from exc
    if not answers:
        raise ConnectionFailed(
            f"{host} has no addresses", reason=FailureReason.DNS_FAILURE
        )
    addresses: list[IPAddress] = []
    for answer in answers:
        try:
            address = ipaddress.ip_address(answer)
        except ValueError:
            raise BlockedAddress(f"{host} resolved to non-address {answer!r}") from None
        if address not in addresses:
            addresses.append(address)
    return addresses


def _system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]
