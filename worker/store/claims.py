"""Claim a URL once, atomically, in Redis, before it is enqueued.

``SET key 1 NX EX ttl`` succeeds for exactly one caller, so two workers that discover
the same link do not both enqueue it (L3). Claims expire: a claim whose message was lost
does not block the URL forever, and the database sweep re-enqueues what is still pending
(RELIABILITY application rule 2). The database's unique constraints stay the last guard.
"""

from __future__ import annotations

from collections.abc import Sequence

import redis

_PREFIX = "claim:url:"


class UrlClaims:
    def __init__(self, client: redis.Redis, *, ttl_seconds: int) -> None:
        self._client = client
        self._ttl = ttl_seconds

    def claim_many(self, url_hashes: Sequence[str]) -> list[bool]:
        """Try to claim each hash; True where this caller won it."""
        if not url_hashes:
            return []
        pipe = self._client.pipeline(transaction=False)
        for key in url_hashes:
            pipe.set(_PREFIX + key, 1, nx=True, ex=self._ttl)
        return [bool(won) for won in pipe.execute()]

    def reclaim(self, url_hashes: Sequence[str]) -> None:
        """Take claims unconditionally (the sweep re-enqueues a lost message)."""
        if not url_hashes:
            return
        pipe = self._client.pipeline(transaction=False)
        for key in url_hashes:
            pipe.set(_PREFIX + key, 1, ex=self._ttl)
        pipe.execute()

    def release(self, url_hash: str) -> None:
        self._client.delete(_PREFIX + url_hash)
