"""The guarded requests session: every connection goes to a checked address.

:func:`build_session` returns the one ``requests.Session`` a :class:`Fetcher` uses.
Its adapter's pool manager hands each new pool guarded connection classes whose
``_new_conn`` resolves the host once through ``guard.resolve_checked`` and connects to
a checked address, keeping the name for ``Host``, SNI and certificate checks. A DNS
answer that changes between check and connect (rebinding) cannot move us (RELIABILITY
S1-S3). The session also:

* never follows redirects itself, so it never drains a redirect body (B3): the
  fetcher runs its own redirect loop;
* never retries (Celery does, and records each attempt);
* ignores the environment: ``trust_env`` is off, so no proxy variables and no
  ``.netrc`` credentials (S5, CVE-2024-47081), and a proxy is refused outright;
* keeps no cookies, so no state travels from one hostile site's fetch to the next.

What this module does not do: timeouts, the deadline, redirects, status codes or
bodies (see ``fetcher.py`` and ``decoding.py``), or decide which addresses are allowed
(see ``guard.py``).

References: urllib3 ``HTTPConnection._new_conn`` and ``PoolManager._new_pool``;
requests ``HTTPAdapter``; CVE-2024-47081.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from http.cookiejar import DefaultCookiePolicy
from socket import socket
from typing import Any

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from schemas.enums import FailureReason
from worker.errors import Refused
from worker.net.decoding import ACCEPT_ENCODING
from worker.net.guard import Resolver, resolve_checked

__all__ = ["POOL_CONNECTIONS", "POOL_MAXSIZE", "AddressPolicy", "build_session"]

# A prefork child fetches one URL at a time: a few warm hosts, 2 sockets each
# (robots.txt and the page), is all the pooling that pays.
POOL_CONNECTIONS = 16
POOL_MAXSIZE = 2


@dataclass(frozen=True)
class AddressPolicy:
    """Which addresses a connection may use, and how host names are resolved."""

    allow_private: bool
    resolver: Resolver | None

    def open_socket(self, conn: HTTPConnection, host: str) -> socket:
        """Resolve once, check every address, connect to a checked one (S1, S2)."""
        addresses = resolve_checked(
            host, conn.port, allow_private=self.allow_private, resolver=self.resolver
        )
        error: OSError | None = None
        for address in addresses:
            try:
                sock = urllib3.util.connection.create_connection(
                    (address, conn.port),
                    conn.timeout,
                    source_address=conn.source_address,
                    socket_options=conn.socket_options,
                )
            except TimeoutError as exc:  # socket.timeout since Python 3.10
                raise ConnectTimeoutError(conn, f"connect to {host} timed out") from exc
            except OSError as exc:
                error = exc
                continue
            sys.audit("http.client.connect", conn, host, conn.port)
            return sock
        raise NewConnectionError(conn, f"cannot connect to {host}: {error}")


class _GuardedHTTPConnection(HTTPConnection):
    """Opens its socket through the address policy; the HTTPS class below inherits
    this ``_new_conn`` ahead of ``HTTPSConnection`` (TLS wraps the checked socket)."""

    def __init__(
        self, *args: Any, address_policy: AddressPolicy, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._address_policy = address_policy

    def _new_conn(self) -> socket:
        return self._address_policy.open_socket(self, self._dns_host)


class _GuardedHTTPSConnection(_GuardedHTTPConnection, HTTPSConnection):
    pass


class _GuardedPoolManager(urllib3.PoolManager):
    def __init__(
        self, *args: Any, address_policy: AddressPolicy, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._address_policy = address_policy

    def _new_pool(
        self,
        scheme: str,
        host: str,
        port: int,
        request_context: dict[str, Any] | None = None,
    ) -> HTTPConnectionPool:
        pool = super()._new_pool(scheme, host, port, request_context)
        https = scheme == "https"
        pool.ConnectionCls = (
            _GuardedHTTPSConnection if https else _GuardedHTTPConnection
        )
        pool.conn_kw["address_policy"] = self._address_policy
        return pool


class _GuardedAdapter(HTTPAdapter):
    def __init__(self, address_policy: AddressPolicy) -> None:
        self._address_policy = address_policy
        # Retries belong to Celery, which records each attempt (RELIABILITY).
        super().__init__(
            pool_connections=POOL_CONNECTIONS, pool_maxsize=POOL_MAXSIZE, max_retries=0
        )

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any
    ) -> None:
        self.poolmanager = _GuardedPoolManager(
            num_pools=connections,
            maxsize=maxsize,
            block=block,
            address_policy=self._address_policy,
            **pool_kwargs,
        )

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:  # noqa: ARG002
        # A proxy would connect to addresses we never checked (S5).
        raise Refused("proxies are never used", reason=FailureReason.BLOCKED_ADDRESS)


class _NoRedirectSession(requests.Session):
    def get_redirect_target(self, resp: requests.Response) -> str | None:  # noqa: ARG002
        # requests drains a redirect body before following it (B3): we loop ourselves.
        return None


def build_session(user_agent: str, policy: AddressPolicy) -> requests.Session:
    """A session that connects only where ``policy`` allows and keeps no state."""
    session = _NoRedirectSession()
    session.trust_env = False  # no proxy variables, no .netrc (S5, CVE-2024-47081)
    # No cookies: no state carried from one hostile site's fetch into the next.
    session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
    adapter = _GuardedAdapter(policy)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers.clear()
    session.headers.update(
        {"User-Agent": user_agent, "Accept-Encoding": ACCEPT_ENCODING}
    )
    return session
