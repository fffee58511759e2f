"""Fixtures for integration tests: the real HTTP fixture server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.http_server import FixtureServer, serve


@pytest.fixture
def http_server() -> Iterator[FixtureServer]:
    with serve() as server:
        yield server
