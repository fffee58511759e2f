"""A real HTTP/1.1 server on 127.0.0.1 for tests, in a background thread.

Binds port 0 and reports its address (scrapy ``tests/mockserver``, httpx
``serve_in_thread``). Three ways to answer a path, tried in this order:

* ``route(path, body, status=, headers=)``: a fixed answer with Content-Length;
* ``handler(path, func)``: ``func(HandlerRequest)`` writes the answer itself, for
  streaming, trickling, bombs and conditional GETs;
* ``serve_directory(root, prefix=)``: static files, ``index.html`` for directories.

Anything else is a 404. Every request is recorded (method, path, headers, arrival time
on ``time.monotonic()``), so tests can count what actually reached the server.
"""

from __future__ import annotations

import mimetypes
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

# Errors that only mean "the client went away", which tests provoke on purpose.
_CLIENT_GONE = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    at: float  # time.monotonic()


@dataclass(frozen=True)
class _Route:
    body: bytes
    status: int
    headers: Mapping[str, str]


class HandlerRequest:
    """One request as a handler function sees it, and the means to answer it.

    Call ``start(status, headers)`` once, then ``write`` and ``flush`` as often as
    needed. With ``chunked=True`` each ``write`` is one chunk and ``end()`` (called
    for you when the handler returns) sends the last one. Without Content-Length and
    without chunking, the connection is closed after the handler returns.
    """

    def __init__(self, handler: _RequestHandler) -> None:
        self._handler = handler
        self.method: str = handler.command
        self.path: str = handler.path
        self.headers: dict[str, str] = dict(handler.headers.items())
        self.started = False
        self.chunked = False
        self._ended = False

    def start(
        self,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        *,
        chunked: bool = False,
    ) -> None:
        headers = dict(headers or {})
        names = {name.lower() for name in headers}
        if chunked:
            headers["Transfer-Encoding"] = "chunked"
        elif "content-length" not in names:
            headers["Connection"] = "close"
            self._handler.close_connection = True
        self._handler.send_response(status)
        for name, value in headers.items():
            self._handler.send_header(name, value)
        self._handler.end_headers()
        self.started = True
        self.chunked = chunked

    def write(self, data: bytes | str) -> None:
        payload = data.encode() if isinstance(data, str) else data
        if self.chunked:
            if not payload:
                return  # an empty chunk would end the body
            payload = b"%x\r\n%s\r\n" % (len(payload), payload)
        self._handler.wfile.write(payload)

    def flush(self) -> None:
        self._handler.wfile.flush()

    def end(self) -> None:
        if self.chunked and not self._ended:
            self._handler.wfile.write(b"0\r\n\r\n")
        self._ended = True
        self.flush()

    def respond(
        self,
        body: bytes | str = b"",
        *,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        payload = body.encode() if isinstance(body, str) else body
        self.start(status, {**(headers or {}), "Content-Length": str(len(payload))})
        if self.method != "HEAD":
            self.write(payload)
        self.end()


Handler = Callable[[HandlerRequest], None]


@dataclass
class FixtureServer:
    """The running server; build it with ``serve()``."""

    _server: ThreadingHTTPServer
    base_url: str
    port: int
    requests: list[RecordedRequest] = field(default_factory=list)
    _routes: dict[str, _Route] = field(default_factory=dict)
    _handlers: dict[str, Handler] = field(default_factory=dict)
    _directories: list[tuple[str, Path]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return self.base_url + (path if path.startswith("/") else "/" + path)

    def route(
        self,
        path: str,
        body: bytes | str = b"",
        *,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        content_type: str = "text/html; charset=utf-8",
    ) -> None:
        payload = body.encode() if isinstance(body, str) else body
        merged = {"Content-Type": content_type, **(headers or {})}
        with self._lock:
            self._routes[path] = _Route(payload, status, merged)

    def handler(self, path: str, func: Handler) -> None:
        with self._lock:
            self._handlers[path] = func

    def serve_directory(self, root: Path, *, prefix: str = "/") -> None:
        prefix = prefix if prefix.endswith("/") else prefix + "/"
        with self._lock:
            self._directories.append((prefix, root.resolve()))
            self._directories.sort(key=lambda item: len(item[0]), reverse=True)

    def count(self, path: str) -> int:
        with self._lock:
            return sum(1 for request in self.requests if request.path == path)

    def reset(self) -> None:
        with self._lock:
            self._routes.clear()
            self._handlers.clear()
            self._directories.clear()
            self.requests.clear()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # ---------------------------------------------------------------- dispatch

    def _record(self, request: HandlerRequest) -> None:
        recorded = RecordedRequest(
            request.method, request.path, request.headers, time.monotonic()
        )
        with self._lock:
            self.requests.append(recorded)

    def _answer(self, request: HandlerRequest) -> None:
        with self._lock:
            route = self._routes.get(request.path)
            func = self._handlers.get(request.path)
            directories = list(self._directories)
        if func is not None:
            func(request)
        elif route is not None:
            request.respond(route.body, status=route.status, headers=route.headers)
        else:
            _serve_static(request, directories)
        if request.started:
            request.end()
        else:
            request.respond(b"handler sent nothing", status=500)


def _serve_static(request: HandlerRequest, directories: list[tuple[str, Path]]) -> None:
    path = unquote(urlsplit(request.path).path)
    for prefix, root in directories:
        if not path.startswith(prefix):
            continue
        target = (root / path.removeprefix(prefix)).resolve()
        if target.is_dir():
            target /= "index.html"
        if target.is_relative_to(root) and target.is_file():
            content_type = mimetypes.guess_type(target.name)[0]
            headers = {"Content-Type": content_type or "application/octet-stream"}
            request.respond(target.read_bytes(), headers=headers)
            return
    request.respond(b"not found", status=404, headers={"Content-Type": "text/plain"})


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real servers do
    timeout = 30  # an idle keep-alive connection frees its thread eventually
    fixture: FixtureServer

    def _dispatch(self) -> None:
        request = HandlerRequest(self)
        self.fixture._record(request)
        try:
            self.fixture._answer(request)
        except _CLIENT_GONE:
            self.close_connection = True

    do_GET = do_HEAD = do_POST = _dispatch  # noqa: N815 - http.server's names

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # quiet: tests read ``requests``, not stderr


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a trickling handler must not hold up close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients hanging up mid-body is what half the tests are about


@contextmanager
def serve() -> Iterator[FixtureServer]:
    """Start a fixture server on 127.0.0.1 (port 0); always stop it afterwards."""
    handler_class: type[_RequestHandler] = type("_BoundHandler", (_RequestHandler,), {})
    server = _QuietServer(("127.0.0.1", 0), handler_class)
    port = int(server.server_address[1])
    fixture = FixtureServer(
        _server=server, base_url=f"http://127.0.0.1:{port}", port=port
    )
    handler_class.fixture = fixture
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield fixture
    finally:
        with suppress(OSError):
            fixture.close()
        thread.join(timeout=5)
