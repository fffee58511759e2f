"""A TCP forwarder on 127.0.0.1 that a test can cut, to stage a server outage.

A database server cannot be stopped for one test (it serves the whole suite), so the
worker reaches it through this proxy. ``cut()`` does to the worker what a stopped
server does: every open connection is reset and every new one is closed at once;
``restore()`` lets connections through again.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class TcpProxy:
    """Forwards 127.0.0.1:``port`` to ``target``: (host, port), or the path of a
    unix socket (an embedded Redis has no TCP port)."""

    def __init__(self, target: tuple[str, int] | str) -> None:
        self._target = target
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._up = threading.Event()
        self._up.set()
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        threading.Thread(target=self._accept, daemon=True).start()

    def cut(self) -> None:
        """Drop every connection, and close new ones as soon as they arrive."""
        self._up.clear()
        with self._lock:
            live = list(self._open)
        for sock in live:
            self._drop(sock)

    def restore(self) -> None:
        self._up.set()

    def close(self) -> None:
        self.cut()
        # shutdown() wakes the thread blocked in accept(); close() alone does not.
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed
            if not self._up.is_set():
                client.close()
                continue
            try:
                upstream = self._connect()
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._open |= {client, upstream}
            if not self._up.is_set():  # cut() ran while this one was connecting
                self._drop(client)
                self._drop(upstream)
                continue
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(
                    target=self._pipe, args=(source, sink), daemon=True
                ).start()

    def _connect(self) -> socket.socket:
        if isinstance(self._target, str):
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            upstream.settimeout(5)
            try:
                upstream.connect(self._target)
            except OSError:
                upstream.close()
                raise
            return upstream
        return socket.create_connection(self._target, timeout=5)

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            self._drop(source)
            self._drop(sink)

    def _drop(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.discard(sock)
        # shutdown() wakes a thread blocked in recv() on it; close() alone may not.
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()


@contextmanager
def tcp_proxy(target: tuple[str, int] | str) -> Iterator[TcpProxy]:
    proxy = TcpProxy(target)
    try:
        yield proxy
    finally:
        proxy.close()
