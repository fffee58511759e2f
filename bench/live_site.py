"""The bench site, still publishing: for the soak (bench/soak.py).

worker.devserver serves a folder that never changes: it reads each file once and keeps
it, and sends no validators. A soak needs a site that keeps publishing, so this module
serves the same folder through the same server class with two changes: a file is read
again when it changes on disk (its inode, size or mtime), and every answer carries an
``ETag`` and a ``Last-Modified`` that ``If-None-Match`` / ``If-Modified-Since`` are
checked against, so an unchanged feed costs a 304 as it does on a real news site (RFC
9110 §13.1). It binds 127.0.0.1 only, like the server it extends.

:class:`Publisher` adds article pages and rewrites the feeds that list them, each feed
keeping its newest entries only (a real feed is a window, and a constant size keeps the
work per poll the same through the run), and edits published articles.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from email.utils import formatdate
from pathlib import Path
from urllib.parse import unquote, urlsplit

from bench.site import make_story, sentence, write_feed, write_page
from worker.devserver import SiteHandler, SiteServer
from worker.sample_site import Story


class _LiveHandler(SiteHandler):
    server: LiveSiteServer

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        path = urlsplit(self.path).path
        found = self.server.current(path)
        if found is None:
            self._answer(path, 404, [], b"")
            return
        body, content_type, etag, modified = found
        validators = [("ETag", etag), ("Last-Modified", modified)]
        if self.headers.get("If-None-Match", "") == etag or (
            "If-None-Match" not in self.headers
            and self.headers.get("If-Modified-Since", "") == modified
        ):
            self._answer(path, 304, validators, b"")
            return
        self._answer(path, 200, [("Content-Type", content_type), *validators], body)

    def _answer(
        self, path: str, status: int, headers: list[tuple[str, str]], body: bytes
    ) -> None:
        self.server.count(path, status)
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if status != 304:  # RFC 9110 §15.4.5: a 304 has no content
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class LiveSiteServer(SiteServer):
    """worker.devserver's server, reading changed files again and sending validators;
    it counts its answers by kind (feed, page, other) and status."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.RequestHandlerClass = _LiveHandler
        self.answers: Counter[tuple[str, int]] = Counter()
        self._files: dict[str, tuple[tuple[int, ...], bytes, str]] = {}
        self._lock = threading.Lock()

    def count(self, path: str, status: int) -> None:
        kind = (
            "feed" if path.endswith(".xml") else "page" if "/news/" in path else "other"
        )
        with self._lock:
            self.answers[kind, status] += 1

    def current(self, path: str) -> tuple[bytes, str, str, str] | None:
        """(body, content type, ETag, Last-Modified) of the file as it is now."""
        target = (self.root / unquote(path).lstrip("/")).resolve()
        if target.is_dir():
            target = target / "index.html"
        try:
            info = target.stat()
        except OSError:
            return None
        stamp = (info.st_ino, info.st_size, info.st_mtime_ns)
        with self._lock:
            known = self._files.get(path)
        if known is None or known[0] != stamp:
            body, content_type = self._read(path)  # the parent's checks and filling-in
            if body is None:
                return None
            known = (stamp, body, content_type)
            with self._lock:
                self._files[path] = known
        etag = f'"{info.st_ino:x}-{info.st_size:x}-{info.st_mtime_ns:x}"'
        return known[1], known[2], etag, formatdate(info.st_mtime, usegmt=True)


@contextmanager
def serve_live_site(root: Path) -> Iterator[LiveSiteServer]:
    """Serve ``root`` on 127.0.0.1 (a free port) while the block runs."""
    server = LiveSiteServer(root)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Publisher:
    """Keeps a generated bench site publishing: new articles, feeds, edits."""

    root: Path
    stories: list[Story]  # as generate_site returned them; feed f lists [f::feeds]
    feeds: int
    rng: random.Random = field(default_factory=lambda: random.Random(2))
    published: int = 0
    edited: int = 0
    initial: int = field(init=False)  # articles of the generated site
    per_feed: int = field(init=False)  # entries a feed lists: as many as at the start

    def __post_init__(self) -> None:
        self.initial = len(self.stories)
        self.per_feed = -(-self.initial // self.feeds)

    def publish(self) -> str:
        """Add one article, rewrite the one feed that lists it; return its path."""
        i = len(self.stories)
        story = make_story(i, i, self.rng)  # it links articles already published
        write_page(self.root, story, self.rng, i)
        self.stories.append(story)
        f = i % self.feeds
        write_feed(self.root, f, self.stories[f :: self.feeds][-self.per_feed :])
        self.published += 1
        return f"/news/{story.slug}.html"

    def edit(self) -> str:
        """Add a paragraph to one of the site's first articles; return its path."""
        i = self.rng.randrange(self.initial)
        story = self.stories[i]
        paragraphs = [*story.paragraphs, "Update: " + sentence(self.rng)]
        edited = replace(story, paragraphs=paragraphs)
        self.stories[i] = edited
        write_page(self.root, edited, self.rng, len(self.stories))
        self.edited += 1
        return f"/news/{story.slug}.html"
