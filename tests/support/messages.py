"""The Celery messages waiting in a Redis queue, read the way kombu wrote them.

Tests that run tasks in-process (``apply``) with no worker consuming see what a task
sent by reading its queue: a Redis list of kombu envelopes whose body is the
base64-encoded JSON ``[args, kwargs, embed]`` of Celery's protocol 2.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

import redis

from worker.app import ARTICLES_QUEUE


@dataclass(frozen=True)
class Queued:
    task: str
    id: str
    retries: int
    kwargs: dict[str, Any]
    size: int  # bytes of the whole message, as Redis holds it


def queued(client: redis.Redis, queue: str) -> list[Queued]:
    """The messages waiting in ``queue``, oldest last (kombu LPUSHes)."""
    found = []
    for message in client.lrange(queue, 0, -1):
        assert isinstance(message, bytes)
        envelope = json.loads(message)
        headers = envelope["headers"]
        _args, kwargs, _embed = json.loads(base64.b64decode(envelope["body"]))
        found.append(
            Queued(
                headers["task"], headers["id"], headers["retries"], kwargs, len(message)
            )
        )
    return found


def fetch_urls(message: Queued) -> list[str]:
    """The URLs a fetch_article or fetch_articles message asks for."""
    if "urls" in message.kwargs:
        return [url for url, _depth in message.kwargs["urls"]]
    return [message.kwargs["url"]]


def queued_fetch_urls(client: redis.Redis) -> list[str]:
    """Every URL the fetch messages waiting ask for, as often as it was sent."""
    return [
        url for message in queued(client, ARTICLES_QUEUE) for url in fetch_urls(message)
    ]
