"""A static HTTP server on 127.0.0.1 for the bundled sample site and the benchmarks.

Not part of the crawler: it serves a local folder so ``newsfeed crawl --sample`` and
``bench/`` work with no internet. Text files may contain the placeholder ``__BASE__``,
replaced by the server's own base URL (``http://127.0.0.1:PORT``), since the port is
only known once the server listens. It binds loopback only and serves nothing
outside root.
"""

from __future__ import annotations

import mimetypes
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

PLACEHOLDER = b"__BASE__"
_TEXT_TYPES = ("text/", "application/xml", "application/rss+xml", "application/json")
mimetypes.add_type("application/rss+xml", ".rss")
mimetypes.add_type("application/atom+xml", ".atom")


class SiteHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, the second waits for the
    # client's delayed ACK (~40 ms a request on Linux).
    disable_nagle_algorithm = True
    server: SiteServer

    def do_GET(self) -> None:
        body, content_type = self.server.load(urlsplit(self.path).path)
        if body is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002, ARG002
        return  # quiet: the crawler logs what it fetched


class SiteServer(ThreadingHTTPServer):
    """Serves ``root`` as it was when each file was first asked for; no validators.
    ``bench.live_site`` extends it for a site that keeps changing."""

    daemon_threads = True

    def __init__(self, root: Path) -> None:
        super().__init__(("127.0.0.1", 0), SiteHandler)
        self.root = root.resolve()
        self.base_url = f"http://127.0.0.1:{self.server_address[1]}"
        self._cache: dict[str, tuple[bytes | None, str]] = {}

    def load(self, path: str) -> tuple[bytes | None, str]:
        cached = self._cache.get(path)
        if cached is None:
            cached = self._read(path)
            self._cache[path] = cached
        return cached

    def _read(self, path: str) -> tuple[bytes | None, str]:
        target = (self.root / unquote(path).lstrip("/")).resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.is_relative_to(self.root) or not target.is_file():
            return None, ""
        content_type = mimetypes.guess_type(target.name)[0] or "text/html"
        body = target.read_bytes()
        if content_type.startswith(_TEXT_TYPES) or target.suffix in {".xml", ".html"}:
            body = body.replace(PLACEHOLDER, self.base_url.encode())
            content_type += "; charset=utf-8"
        return body, content_type


@contextmanager
def serve_site(root: Path) -> Iterator[str]:
    """Serve ``root`` on 127.0.0.1 (a free port) while the block runs; yield its URL."""
    server = SiteServer(root)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.base_url
    finally:
        server.shutdown()
        server.server_close()
