"""The live channel: every open event stream of this web process, fed with new live deliveries
the moment they are committed.

One hub per process maps a user id to the streams that user has open. New deliveries reach it
through a fan-out backend (``bureau.delivery.fanout``), already serialised: the process that
dispatched a batch reads its rows once and writes each event's bytes once, so a stream only
joins ready-made bytes and never touches the database once it is live.

A stream that resumes (``Last-Event-ID``) registers with the hub *before* it reads its backlog,
so nothing committed meanwhile is missed; what arrives live and was also in the backlog is
dropped by id. Each stream buffers at most ``MAX_PENDING`` events: a client too slow to keep up
is disconnected and resumes from the database, rather than growing the server's memory.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from asgiref.sync import SyncToAsync, sync_to_async
from django.conf import settings
from django.db import connections
from django.db.models import CharField, QuerySet
from django.db.models.functions import Cast

from bureau.accounts.models import User
from bureau.alerts.models import Channel
from bureau.catalog.models import SHOWN_STATUSES, Item
from bureau.core.addresses import public_url
from bureau.delivery import described, dispatch, fanout
from bureau.delivery.fanout import LiveEvent
from bureau.delivery.models import Delivery

log = logging.getLogger(__name__)

RETRY = b"retry: 2000\n\n"
HEARTBEAT = b": keep-alive\n\n"
HEARTBEAT_SECONDS = 15.0
MAX_PENDING = 1000
REPLAY_PAGE = 500
READY_SECONDS = 10.0
# Users holding streams, past each new high of which what exists is frozen (Hub._settle).
FREEZE_STEP = 1000
# Backlog ids remembered to drop their live twins: the newest ones, for a minute. Only events
# committed while the backlog was being read can arrive both ways, and those are the newest.
REPLAYED_KEEP = 1000
REPLAYED_SECONDS = 60.0

# A delivery's own columns; its item's part of the event is serialised once per item.
_DELIVERY_COLUMNS = dispatch.LIVE_COLUMNS
_ITEM_COLUMNS = (
    "id",
    "uid",
    "title",
    "kind",
    "summary",
    "organisation__name",
    "origin_node",
    "published_at",
)
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def frames(
    deliveries: QuerySet[Delivery], keep: Callable[[int, int], bool] | None = None
) -> list[LiveEvent]:
    """One SSE frame per delivery, in the queryset's order; ``keep(id, owner)`` filters rows."""
    # The uid as text skips a UUID object per row: the hot path serialises thousands a second.
    rows = list(
        deliveries.annotate(uid_text=Cast("uid", CharField())).values_list(*_DELIVERY_COLUMNS)
    )
    if keep is not None:
        rows = [row for row in rows if keep(row[0], row[2])]
    return frames_of(rows)


def frames_of(rows: Sequence[dispatch.LiveRow]) -> list[LiveEvent]:
    """One SSE frame per live delivery row (``dispatch.LIVE_COLUMNS``), in order, for the items
    that are public now and the described events."""
    items = _item_parts({row[5] for row in rows if row[5] is not None})
    about = _described_parts(rows)
    # Each subscription's JSON once: a popular item's thousand deliveries share a few names.
    subscriptions = {
        sub_id: f'{{"id":{sub_id},"name":{_encode(sub_name)}}}'
        for _pk, _uid, _owner, sub_id, sub_name, *_rest in rows
    }
    return [
        (
            owner,
            pk,
            _frame(pk, uid, subscriptions[sub_id], about.get(pk) or items[cast(int, item_id)]),
        )
        for pk, uid, owner, sub_id, _name, item_id, _event, _action in rows
        # A described event about an item follows the item's status, like the item's own.
        if (item_id is None or item_id in items) and (pk in about or item_id in items)
    ]


def _described_parts(rows: Sequence[Any]) -> dict[int, str]:
    """The JSON of each described event (an agreement expiring ...) by delivery id, in the
    owner's language: what it is, its page and its facts, in the place of an item's."""
    wanted = [row for row in rows if described.is_described(row[7])]
    if not wanted:
        return {}
    facts = described.facts_of((row[6], row[7]) for row in wanted)
    languages = dict(
        User.objects.filter(pk__in={row[2] for row in wanted}).values_list("pk", "language")
    )
    base = public_url()
    parts = {}
    for pk, _uid, owner, _sub, _name, item_id, event_id, action in wanted:
        language = languages.get(owner) or settings.LANGUAGE_CODE
        text = described.text_of(action, facts.get(event_id, {}), language)
        parts[pk] = _encode({"id": item_id, "kind": action, "label": text.label,
                             "title": text.title, "summary": text.summary,
                             "url": f"{base}{text.path}", "path": text.path,
                             "facts": facts.get(event_id, {})})  # fmt: skip
    return parts


def _frame(pk: int, uid: str, subscription: str, item: str) -> bytes:
    if len(uid) == 32:  # SQLite keeps uuids as bare hex
        uid = f"{uid[:8]}-{uid[8:12]}-{uid[12:16]}-{uid[16:20]}-{uid[20:]}"
    data = f'{{"delivery":"{uid}","subscription":{subscription},"item":{item}}}'
    return f"id: {pk}\nevent: item\ndata: {data}\n\n".encode()


VISIBLE = SHOWN_STATUSES


def _item_parts(item_ids: set[int]) -> dict[int, str]:
    """The JSON of each item, as events carry it, for the items that are public now."""
    base = public_url()
    # Only what anyone may read now: a delivery of an item withdrawn since is not replayed.
    rows = (
        Item.objects.filter(pk__in=item_ids, status__in=VISIBLE)
        .order_by()
        .values_list(*_ITEM_COLUMNS)
    )
    return {
        pk: _encode(
            {
                "id": pk,
                "uid": str(uid),
                "title": title,
                "kind": kind,
                "summary": summary,
                "organisation": organisation,
                "origin_node": node,
                "published_at": published.isoformat() if published else None,
                "url": f"{base}/items/{pk}/",
            }
        )
        for pk, uid, title, kind, summary, organisation, node, published in rows
    }


def load_backlog(*, user_id: int, after: int, limit: int = REPLAY_PAGE) -> list[LiveEvent]:
    """The user's live deliveries with an id above ``after``, oldest first, at most ``limit``."""
    rows = Delivery.objects.filter(owner_id=user_id, kind=Channel.Kind.LIVE, pk__gt=after)
    return frames(rows.order_by("id")[:limit])


def publish_live_deliveries(rows: list[dispatch.LiveRow]) -> None:
    """Pass newly committed live deliveries to the streams (run by the dispatcher after commit,
    with the rows it wrote, so nothing is read back but the items' public parts).

    Raises when the fan-out fails (Redis away): the dispatcher then leaves the events
    unannounced, and a worker passes them on later (``dispatch.announce_overdue``)."""
    backend = fanout.get()
    if not rows or not backend.has_listeners():
        return
    wants = backend.wants
    backend.publish(frames_of([row for row in rows if wants(row[2])]))


class Stream:
    """One open event stream: a bounded buffer of frames and a way to wait for more."""

    __slots__ = (
        "_pending",
        "_replayed",
        "_replayed_until",
        "_waiter",
        "address",
        "closed",
        "hub",
        "opened_at",
        "quiet",
        "started",
        "task",
        "user_id",
    )

    def __init__(self, hub: Hub, user_id: int, address: str = "") -> None:
        self.hub, self.user_id, self.address = hub, user_id, address
        self.opened_at = asyncio.get_running_loop().time()
        self.started = False  # set once its response body is being sent
        self.closed = False
        self.quiet = False  # nothing sent since the hub's last heartbeat round
        self.task = asyncio.current_task()
        self._pending: list[tuple[int, bytes]] = []
        self._waiter: asyncio.Future[None] | None = None
        self._replayed: set[int] | None = None
        self._replayed_until = 0.0

    def push(self, delivery_id: int, frame: bytes) -> None:
        if self.closed:
            return
        self._pending.append((delivery_id, frame))
        if len(self._pending) > MAX_PENDING:
            log.info("closing the stream of user %s: %d events behind", self.user_id, MAX_PENDING)
            self.close(stalled=True)
        elif self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def close(self, *, stalled: bool = False) -> None:
        """End the stream; its client reconnects and resumes from ``Last-Event-ID``."""
        self.closed = True
        self._pending.clear()
        self.hub.detach(self)
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)
        elif stalled and self.task is not None:
            self.task.cancel()  # stuck writing to a client that does not read

    def replayed(self, ids: Iterable[int]) -> None:
        """Remember the backlog just sent, so that its live twins are dropped."""
        self._replayed = set(ids)
        self._replayed_until = asyncio.get_running_loop().time() + REPLAYED_SECONDS

    async def next_chunk(self) -> bytes | None:
        """The frames that arrived since the last call (heartbeats among them: the hub adds one
        to a stream quiet for a while), or None when the stream has been closed."""
        while not self.closed:
            if self._pending:
                chunk = self._drain()
                if chunk:
                    return chunk
                continue
            # One future a wake, no timer: the hub's heartbeat round serves every stream.
            self._waiter = waiter = asyncio.get_running_loop().create_future()
            try:
                await waiter
            finally:
                self._waiter = None
        return None

    def _drain(self) -> bytes:
        batch, self._pending = self._pending, []
        self.quiet = False
        replayed = self._replayed
        if replayed is not None and asyncio.get_running_loop().time() > self._replayed_until:
            self._replayed = replayed = None
        if replayed:
            return b"".join(frame for pk, frame in batch if pk not in replayed)
        if len(batch) == 1:
            return batch[0][1]
        return b"".join(frame for _, frame in batch)


def _discard(index: dict[Any, set[Stream]], key: Any, stream: Stream) -> None:
    streams = index.get(key)
    if streams is not None:
        streams.discard(stream)
        if not streams:
            del index[key]


class Hub:
    """This process's open streams by user, fed by the fan-out backend."""

    def __init__(
        self, backend: Callable[[], fanout.Fanout] = fanout.get, freeze_step: int = FREEZE_STEP
    ) -> None:
        self._backend = backend
        self._freeze_step, self._frozen_at = freeze_step, 0
        self._streams: dict[int, set[Stream]] = {}
        self._by_address: dict[str, set[Stream]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready: asyncio.Event | None = None
        self._listener: asyncio.Task[None] | None = None
        self._heartbeat: asyncio.Task[None] | None = None

    def attach(self, user_id: int, address: str = "") -> Stream:
        """Register a stream of ``user_id`` from ``address``; call on the event loop."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._bind(loop)
        stream = Stream(self, user_id, address)
        self._streams.setdefault(user_id, set()).add(stream)
        if address:
            self._by_address.setdefault(address, set()).add(stream)
        self._settle()
        return stream

    def _settle(self) -> None:
        """Each time ``freeze_step`` more users than ever before hold streams, move every object
        that exists now out of the collector's full passes (``gc.freeze``).

        Open streams are long-lived objects by the million (each holds its tasks and buffers);
        a full collection walks all of them and stops the process for a second or more at 10,000
        streams, which was the slow tail of live delivery. Frozen objects are still freed when
        their last reference goes; only reference cycles among them would wait, so a full
        collection first clears what is already garbage (the finished requests that admitted
        the streams, cycles many of them). It walks only what is not frozen yet, the objects
        since the last step. Freezing only at a new high bounds that to a few times in a
        process's life.
        """
        users = len(self._streams)
        if users >= self._frozen_at + self._freeze_step:
            self._frozen_at = users
            gc.collect()
            gc.freeze()

    def admit(self, user_id: int, address: str, limits: StreamLimits) -> Stream | str:
        """Attach a stream unless the user or the address holds as many as allowed already;
        then the reason. Check and attach happen with no await between them."""
        held = self._held(self._streams, user_id, limits.per_user)
        if limits.per_user and held >= limits.per_user:
            return f"you have {held} live streams open; at most {limits.per_user} are allowed"
        from_address = self._held(self._by_address, address, limits.per_address)
        if limits.per_address and from_address >= limits.per_address:
            return (
                f"{from_address} live streams are open from your address; "
                f"at most {limits.per_address} are allowed"
            )
        return self.attach(user_id, address)

    def _held(self, index: dict[Any, set[Stream]], key: Any, limit: int) -> int:
        """How many streams ``index`` holds under ``key``, counted again without the streams
        admitted whose response never started (the client left at once) when they reach
        ``limit``. Only then: one address can hold thousands of streams (a proxy, the
        benchmark's clients), and going through them all for every stream opened from it made
        opening N streams take N² steps."""
        streams = index.get(key, set())
        if not limit or len(streams) < limit:
            return len(streams)
        now = asyncio.get_running_loop().time()
        for stream in tuple(streams):
            if not stream.started and now - stream.opened_at > READY_SECONDS:
                stream.close()
        return len(index.get(key, ()))

    def detach(self, stream: Stream) -> None:
        _discard(self._streams, stream.user_id, stream)
        _discard(self._by_address, stream.address, stream)

    def count(self) -> int:
        return sum(len(streams) for streams in self._streams.values())

    def _bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Start listening on this event loop (normally once per process)."""
        self.reset()
        for task in (self._listener, self._heartbeat):
            if task is not None:
                task.cancel()
        self._loop, self._ready = loop, asyncio.Event()
        self._listener = loop.create_task(self._backend().listen(self))
        self._heartbeat = loop.create_task(self._heartbeats())

    async def _heartbeats(self) -> None:
        """Every half ``HEARTBEAT_SECONDS``, a heartbeat to each stream that sent nothing since the
        round before: no stream is quiet for longer, and no stream keeps a timer of its own."""
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS / 2)
            for streams in list(self._streams.values()):
                for stream in tuple(streams):
                    if stream.quiet and not stream._pending:
                        stream.push(0, HEARTBEAT)  # id 0: never a replayed delivery's
                    stream.quiet = True

    async def wait_ready(self, timeout: float = READY_SECONDS) -> bool:
        """Whether the backend listens, so that events published from now on arrive."""
        assert self._ready is not None
        try:
            await asyncio.wait_for(self._ready.wait(), timeout)
        except TimeoutError:
            return False
        return True

    # The backend's side (fanout.Sink).

    def wants(self, owner_id: int) -> bool:
        return owner_id in self._streams

    def deliver(self, events: Sequence[LiveEvent]) -> None:
        streams = self._streams
        for owner, pk, frame in events:
            targets = streams.get(owner)
            if targets:
                for stream in tuple(targets):
                    stream.push(pk, frame)

    def set_ready(self) -> None:
        if self._ready is not None:
            self._ready.set()

    def set_unready(self) -> None:
        if self._ready is not None:
            self._ready.clear()

    def reset(self) -> None:
        """Close every stream: events may have been lost, so their clients resume from the database."""
        for streams in list(self._streams.values()):
            for stream in list(streams):
                stream.close()


HUB = Hub()
dispatch.on_live_deliveries(publish_live_deliveries)


@dataclass(frozen=True)
class StreamLimits:
    """How many streams one user and one client address may hold open (0: no limit)."""

    per_user: int
    per_address: int

    @classmethod
    def from_settings(cls) -> StreamLimits:
        return cls(settings.BUREAU_STREAMS_PER_USER, settings.BUREAU_STREAMS_PER_ADDRESS)


async def follow(
    *, user_id: int, after: int | None, hub: Hub = HUB, stream: Stream | None = None
) -> AsyncIterator[bytes]:
    """The body of one event stream: ``retry``, the backlog after ``after``, then live events.

    ``stream`` is one ``Hub.admit`` attached already; otherwise one is attached here.
    """
    # First: what is committed from now on reaches the stream.
    stream = stream if stream is not None else hub.attach(user_id)
    stream.started = True
    try:
        if not await hub.wait_ready():
            return  # the fan-out is down; the client tries again after the retry delay
        yield RETRY
        if after is not None:
            async for page in _replay(stream, user_id, after):
                yield page
        await _release_request_thread()
        while (chunk := await stream.next_chunk()) is not None:
            yield chunk
    finally:
        stream.closed = True
        hub.detach(stream)


Send = Callable[[dict[str, Any]], Awaitable[None]]
Receive = Callable[[], Awaitable[dict[str, Any]]]


async def serve(
    stream: Stream, after: int | None, receive: Receive, send: Send, hub: Hub = HUB
) -> None:
    """Send the body of one event stream straight through the ASGI ``send``, once Django has
    authenticated the request, admitted ``stream`` and sent the response's head
    (``bureau.delivery.stream.LiveStreams``): ``retry``, the backlog after ``after``, then live
    events, each wake's frames as one chunk. Django's request, its thread and its database
    connection are gone by then; a stream is this task, the task that waits for the client to
    leave, and its buffer."""
    stream.started, stream.task = True, asyncio.current_task()
    watcher = asyncio.ensure_future(_until_disconnected(receive, stream))
    try:
        if await hub.wait_ready():  # else the client tries again after its retry delay
            await send({"type": "http.response.body", "body": RETRY, "more_body": True})
            if after is not None:
                load = sync_to_async(_backlog_page, thread_sensitive=False)
                async for page in _replay(stream, stream.user_id, after, load):
                    await send({"type": "http.response.body", "body": page, "more_body": True})
            while (chunk := await stream.next_chunk()) is not None:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
    except asyncio.CancelledError:
        if not stream.closed:
            raise
        # Closed for falling behind while stuck writing to a client that does not read: the
        # server drops the connection, the client resumes from the database.
    finally:
        watcher.cancel()
        stream.closed = True
        hub.detach(stream)


async def _until_disconnected(receive: Receive, stream: Stream) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
    stream.close()


def _backlog_page(*, user_id: int, after: int) -> list[LiveEvent]:
    """A page of the backlog, read on a pool thread whose connection is closed at once: the
    stream holds none while it is open."""
    try:
        return load_backlog(user_id=user_id, after=after)
    finally:
        connections.close_all()


async def _replay(
    stream: Stream,
    user_id: int,
    after: int,
    load: Callable[..., Awaitable[list[LiveEvent]]] | None = None,
) -> AsyncIterator[bytes]:
    """The backlog page by page; ``load`` reads one (by default on the request's own thread)."""
    load = load or sync_to_async(load_backlog)
    newest: deque[int] = deque(maxlen=REPLAYED_KEEP)
    while True:
        page = await load(user_id=user_id, after=after)
        if page:
            after = page[-1][1]
            newest.extend(pk for _, pk, _ in page)
            yield b"".join(frame for _, _, frame in page)
        if len(page) < REPLAY_PAGE:
            break
    stream.replayed(newest)


async def _release_request_thread() -> None:
    """Close this request's database connection and let its thread go.

    Django's ASGI handler runs a request's synchronous parts (middleware, our backlog reads) on
    a thread of the request's own, kept until the response ends. A stream lasts for hours, so
    without this every open stream would hold a thread and a database connection.
    """
    await sync_to_async(connections.close_all)()
    context = SyncToAsync.thread_sensitive_context.get(None)
    if context is None:
        return
    executor = SyncToAsync.context_to_thread_executor.pop(context, None)
    if executor is not None:
        executor.shutdown(wait=False)  # the thread is idle: it ends at once
