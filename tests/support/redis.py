"""A real Redis for tests: the embedded redis-server, one per test session."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from worker.broker import EmbeddedRedis


@contextmanager
def embedded_redis(*, appendonly: bool = False) -> Iterator[EmbeddedRedis]:
    """Start a private redis-server on a unix socket; remove everything afterwards."""
    data_dir = Path(tempfile.mkdtemp(prefix="nf-redis-"))
    server = EmbeddedRedis(data_dir, appendonly=appendonly)
    server.start()
    try:
        yield server
    finally:
        server.wipe()
