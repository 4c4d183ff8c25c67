"""How new live deliveries travel from the process that dispatched them to the web processes
holding the streams.

Two backends with the same two halves: ``publish`` runs wherever deliveries are dispatched (a
worker thread, any process) and ``listen`` runs on a web process's event loop, handing events to
that process's hub (``bureau.delivery.live``).

- ``InProcessFanout`` (the embedded default): the worker runs in threads of the web process, so
  publishing is a ``call_soon_threadsafe`` onto the event loop.
- ``RedisFanout`` (``REDIS_URL`` set): the dispatching worker publishes on the pub/sub channel
  ``bureau:live``; every web process subscribes and routes the events to its own streams. Each
  message names its node (``deployment_key``: the node's name and the id its database recorded,
  the same for every process whatever the spelling of its connection settings), so deployments
  sharing a Redis server ignore each other.
  Pub/sub keeps nothing for a subscriber that is away, so after a lost connection the hub closes
  its streams and their clients resume from the database with ``Last-Event-ID``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import threading
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, Protocol

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connections

log = logging.getLogger(__name__)

CHANNEL = "bureau:live"
# Events per pub/sub message: a dispatch batch can hold thousands of deliveries.
MESSAGE_EVENTS = 1000
RECONNECT_SECONDS = (0.5, 1.0, 2.0, 5.0)

# (owner id, delivery id, the complete SSE frame): serialised once, by the dispatching process.
LiveEvent = tuple[int, int, bytes]


class Sink(Protocol):
    """What a backend feeds on the web side: the process's hub."""

    def deliver(self, events: Sequence[LiveEvent]) -> None: ...

    def wants(self, owner_id: int) -> bool: ...

    def set_ready(self) -> None: ...

    def set_unready(self) -> None: ...

    def reset(self) -> None: ...


class Fanout(Protocol):
    def has_listeners(self) -> bool: ...

    def wants(self, owner_id: int) -> bool: ...

    def publish(self, events: Sequence[LiveEvent]) -> None: ...

    async def listen(self, sink: Sink) -> None: ...


class InProcessFanout:
    """The worker and the streams share this process: hand the events to the event loop."""

    def __init__(self) -> None:
        self._sink: Sink | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def has_listeners(self) -> bool:
        return self._sink is not None

    def wants(self, owner_id: int) -> bool:
        # Called from the worker thread; a dict lookup is atomic, and a stream that attaches a
        # moment later replays what it missed from the database.
        sink = self._sink
        return sink is not None and sink.wants(owner_id)

    def publish(self, events: Sequence[LiveEvent]) -> None:
        loop, sink = self._loop, self._sink
        if not events or loop is None or sink is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody is listening
            loop.call_soon_threadsafe(sink.deliver, events)

    async def listen(self, sink: Sink) -> None:
        self._loop, self._sink = asyncio.get_running_loop(), sink
        sink.set_ready()


class RedisFanout:
    """Publish to and subscribe from Redis pub/sub; one subscription per web process."""

    def __init__(self, url: str, source: Callable[[], str]) -> None:
        self.url, self._source = url, source
        self._client: Any = None
        self._lock = threading.Lock()

    @property
    def source(self) -> str:
        """This node's key on the channel; read from the database once, on first use."""
        return self._source()

    def has_listeners(self) -> bool:
        return True  # other processes may hold streams; Redis drops what nobody hears

    def wants(self, owner_id: int) -> bool:
        return True

    def _read_source(self) -> str:
        try:
            return self._source()
        finally:
            connections.close_all()  # this pool thread's own, if the key was read just now

    def publish(self, events: Sequence[LiveEvent]) -> None:
        client = self._publisher()
        for start in range(0, len(events), MESSAGE_EVENTS):
            chunk = events[start : start + MESSAGE_EVENTS]
            client.publish(CHANNEL, encode(self.source, chunk))

    def _publisher(self) -> Any:
        with self._lock:
            if self._client is None:
                import redis

                self._client = redis.Redis.from_url(self.url)
            return self._client

    async def listen(self, sink: Sink) -> None:
        """Route every message to ``sink`` until cancelled, reconnecting after failures."""
        failures = 0
        confirmed = False
        while True:
            try:
                async for events in self._messages(sink, resumed=confirmed):
                    confirmed, failures = True, 0
                    if events:
                        sink.deliver(events)
            except asyncio.CancelledError:
                raise
            except Exception:
                sink.set_unready()
                delay = RECONNECT_SECONDS[min(failures, len(RECONNECT_SECONDS) - 1)]
                failures += 1
                log.warning("live fan-out lost Redis; retrying in %.1f s", delay, exc_info=True)
                await asyncio.sleep(delay)

    async def _messages(self, sink: Sink, *, resumed: bool) -> Any:
        """Yield the events of each message; ``[]`` for each confirmation of the subscription."""
        import redis.asyncio

        # Not thread-sensitive: this task outlives the request whose thread would run it.
        source = await sync_to_async(self._read_source, thread_sensitive=False)()
        client = redis.asyncio.Redis.from_url(self.url, health_check_interval=30)
        pubsub = client.pubsub()
        try:
            await pubsub.subscribe(CHANNEL)
            async for message in pubsub.listen():
                if message["type"] == "subscribe":
                    # The first confirmation, or a re-subscription after redis-py reconnected:
                    # anything published meanwhile was lost, so streams resume from the database.
                    if resumed:
                        sink.reset()
                    resumed = True
                    sink.set_ready()
                    yield []
                elif message["type"] == "message":
                    yield decode(message["data"], source, sink)
        finally:
            with contextlib.suppress(Exception):
                await pubsub.aclose()
                await client.aclose()


def encode(source: str, events: Sequence[LiveEvent]) -> bytes:
    """One message: a JSON line (the node, then each event's owner, id and frame length), then
    the frames' bytes back to back. The frames are never escaped into JSON and read back: they
    are most of the bytes, and that cost a few microseconds an event on each side."""
    head = json.dumps(
        {"s": source, "e": [[owner, pk, len(frame)] for owner, pk, frame in events]},
        separators=(",", ":"),
    )
    return b"".join([head.encode(), b"\n", *(frame for _owner, _pk, frame in events)])


def decode(data: bytes | str, source: str, sink: Sink) -> list[LiveEvent]:
    """The events of a message meant for this deployment and for users with a stream here."""
    try:
        raw = data.encode() if isinstance(data, str) else data
        end = raw.index(b"\n")
        message = json.loads(raw[:end])
        if message["s"] != source:
            return []  # another deployment sharing the Redis server (pub/sub ignores db numbers)
        events, at = [], end + 1
        wants = sink.wants
        for owner, pk, size in message["e"]:
            if wants(owner):
                events.append((owner, pk, raw[at : at + size]))
            at += size
        if at != len(raw):
            raise ValueError("the frames' lengths do not add up to the message's")
        return events
    except (ValueError, KeyError, TypeError):
        log.warning("ignored a malformed message on %s", CHANNEL)
        return []


def redis_url() -> str:
    """``REDIS_URL``: from the setting when it exists, else from the shared Redis cache."""
    url = getattr(settings, "REDIS_URL", None)
    if url is not None:
        return str(url)
    cache_settings = settings.CACHES.get("default", {})
    if str(cache_settings.get("BACKEND", "")).endswith("RedisCache"):
        return str(cache_settings["LOCATION"])
    return ""


@cache
def deployment_key() -> str:
    """Names this node, so that deployments sharing a Redis server ignore each other: its name
    and the id recorded with its identity in its database. Never the connection settings, which
    two processes of one node may spell differently (``localhost`` and ``127.0.0.1``)."""
    from bureau.exchange.sharing import node_instance

    parts = (settings.BUREAU_NODE_NAME, node_instance())
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:16]


@cache
def get() -> Fanout:
    """This process's backend, chosen by ``REDIS_URL``."""
    url = redis_url()
    return RedisFanout(url, deployment_key) if url else InProcessFanout()
