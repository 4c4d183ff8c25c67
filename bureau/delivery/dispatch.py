"""Turn outbox events into deliveries: match each newly published item against every subscription.

Several workers may run this at once: on PostgreSQL each claims a batch of events with
``FOR UPDATE SKIP LOCKED``; on SQLite the write lock (``BEGIN IMMEDIATE``) serialises them. The
deliveries and the event's ``dispatched_at`` are written in one transaction, and a (channel, event)
pair is unique, so a worker killed at any point leaves either nothing or everything.

Live deliveries are handed to the streams' fan-out after the commit and the event is then marked
``announced_at``; an event dispatched a while ago and never announced (its worker died between
the two) is announced by any worker (``announce_overdue``), so an open stream never misses one.

The invariant: an event is marked dispatched only after it was matched against every
subscription committed before it. The index is therefore refreshed *after* the events are
claimed, inside the same transaction; a refresh before the claim (outside the write lock) only
keeps that second one short. See docs/decisions.md, "The outbox's invariants".
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction
from django.db.models import CharField
from django.db.models.functions import Cast
from django.utils import timezone

from bureau.alerts.facts import published_facts
from bureau.alerts.models import Channel
from bureau.catalog.models import Item
from bureau.core import bulk, uids
from bureau.core.faults import failpoint
from bureau.delivery.matching import LiveIndex, Target
from bureau.delivery.models import Delivery, OutboxEvent

log = logging.getLogger(__name__)

# A live delivery as its SSE frame needs it: id, uid as text, owner, subscription id and name,
# item id (None for an event about no item), event id and the event's action (which tells a
# described event, an agreement expiring say, from an item's).
LiveRow = tuple[int, str, int, int, str, int | None, int, str]

# The columns of a live delivery row (LiveRow), as the streams read them back.
LIVE_COLUMNS = ("id", "uid_text", "owner_id", "subscription_id", "subscription__name", "item_id",
                "event_id", "event__action")  # fmt: skip

# A claimed outbox event, read as a plain row: a model instance cost more than matching it
# against no subscription, which is what most of a peer's catch-up is.
Claimed = tuple[int, int | None, str, str, uuid.UUID]
CLAIMED_COLUMNS = ("id", "item_id", "action", "request_id", "uid")

_after_dispatch: list[Callable[[list[LiveRow]], None]] = []
# Events a batch claims when no subscription is there to match them (a peer's catch-up into a
# node whose members follow nothing yet): about a page of the peer's log.
UNMATCHED_BATCH = 1000
# Seconds after its dispatch that an event whose live deliveries were never handed on (its
# worker died in between, Redis was away) is handed on by any worker.
ANNOUNCE_GRACE_SECONDS = 5.0


def on_live_deliveries(callback: Callable[[list[LiveRow]], None]) -> None:
    """Register a callback given new live deliveries (``LiveRow``, in id order) after they are
    committed."""
    _after_dispatch.append(callback)


def dispatch_pending(
    index: LiveIndex, *, batch_size: int = 200, on_due: Callable[[], object] | None = None
) -> int:
    """Dispatch one batch of outbox events; returns how many events were dispatched.
    ``on_due`` is called after the commit when the batch wrote deliveries due to be sent (a
    webhook, an email): it wakes the sender, which has nothing to do for the others."""
    index.refresh()  # catch up outside the write lock, so that the refresh below reads little
    # With no subscription to match, a batch costs its statements alone: a larger one spreads
    # them over more events (a subscription committed meanwhile is still matched, below).
    limit = batch_size if index.targets else max(batch_size, UNMATCHED_BATCH)
    with transaction.atomic():
        events: list[Claimed] = list(
            OutboxEvent.objects.filter(dispatched_at__isnull=True)
            .order_by("id")
            .select_for_update(skip_locked=True)
            .values_list(*CLAIMED_COLUMNS)[:limit]
        )
        if not events:
            return 0
        failpoint("dispatch.claimed")
        # After the claim: every subscription committed before a claimed event is visible now
        # (and, on SQLite, nothing can commit until this transaction ends).
        index.refresh()
        # With no subscription nothing can match: the items need not be read.
        facts = published_facts([item for _, item, *_ in events]) if index.targets else {}
        matches: list[tuple[int, int | None, Target]] = [
            (event_id, item_id, target)
            for event_id, item_id, *_ in events
            if item_id in facts
            for subscription_id in index.index.match(facts[item_id])
            for target in index.targets.get(subscription_id, ())
        ]
        rows = _rows(matches, timezone.now())
        if on_due is not None and any(row[STATUS] == Delivery.Status.PENDING for row in rows):
            transaction.on_commit(on_due, robust=True)
        actions = {event_id: action for event_id, _, action, *_ in events}
        live = _live_rows(matches, rows, _insert(rows), actions)
        failpoint("dispatch.inserted")
        # Stamped now, not when matching began: the grace of announce_overdue counts from here.
        # A batch known to have no live delivery has nothing to hand on: it is announced in the
        # same statement (a peer's catch-up dispatches thousands of items nobody follows live).
        now = timezone.now()
        nothing_live = live == []
        claimed = [event_id for event_id, *_ in events]
        OutboxEvent.objects.filter(pk__in=claimed).update(
            dispatched_at=now, **({"announced_at": now} if nothing_live else {})
        )
        _log_dispatched(events, rows)
        failpoint("dispatch.marked")
        if not nothing_live:
            # After commit, so that no stream shows what could still roll back; robust: the
            # dispatch is committed whatever happens to the announcement (announce_overdue).
            transaction.on_commit(lambda: _announce(claimed, live), robust=True)
    failpoint("dispatch.committed")
    return len(events)


# The columns of a delivery row, in the order ``_rows`` writes them.
ROW_COLUMNS = (
    "uid",
    "event_id",
    "channel_id",
    "subscription_id",
    "owner_id",
    "item_id",
    "kind",
    "status",
    "attempts",
    "next_attempt_at",
    "lease_until",
    "last_error",
    "created_at",
    "delivered_at",
)
Row = tuple[Any, ...]
STATUS = ROW_COLUMNS.index("status")


def _rows(matches: list[tuple[int, int | None, Target]], now: dt.datetime) -> list[Row]:
    """Delivery rows for (event id, item id, target) triples, with every value ready for the
    driver. A popular item matches thousands of subscriptions: building a model instance and
    preparing each of its fields cost about three times the insert itself, so the one
    timestamp is adapted once, the uids are made together and a row is a plain tuple."""
    stamp = Delivery._meta.get_field("created_at").get_db_prep_save(now, connection)
    states: dict[tuple[str, str], tuple[str, Any, Any]] = {}
    rows = []
    for (event_id, item_id, target), uid in zip(
        matches, uids.for_database(len(matches), connection), strict=True
    ):
        key = (target.kind, target.email_mode)
        state = states.get(key)
        if state is None:
            state = states[key] = _state(target, stamp)
        status, next_attempt_at, delivered_at = state
        rows.append(
            (
                uid,
                event_id,
                target.channel_id,
                target.subscription_id,
                target.owner_id,
                item_id,
                target.kind,
                status,
                0,
                next_attempt_at,
                None,
                "",
                stamp,
                delivered_at,
            )
        )
    return rows


def _state(target: Target, stamp: Any) -> tuple[str, Any, Any]:
    """A new delivery's status, next attempt and delivery time for the target's channel: live
    and Atom are delivered on being written, a digest email waits for its digest, the rest are
    due at once."""
    if target.kind in (Channel.Kind.LIVE, Channel.Kind.ATOM):
        return Delivery.Status.DELIVERED, None, stamp
    if target.kind == Channel.Kind.EMAIL and target.email_mode == Channel.EmailMode.DIGEST:
        return Delivery.Status.DIGEST, None, None
    return Delivery.Status.PENDING, stamp, None


def _insert(rows: list[Row]) -> dict[Any, int] | None:
    """Insert the rows, skipping any (channel, event) pair already there; the id of each row
    inserted by its uid, or None where the database cannot say (then streams read them).

    Rows go in as multi-row ``INSERT ... RETURNING`` statements, as many rows to a statement as
    the database takes parameters, so the live fan-out needs no second read of what it just
    wrote; without ``RETURNING``, one ``executemany``.
    """
    if not rows:
        return {}
    table = connection.ops.quote_name(Delivery._meta.db_table)
    names = ", ".join(connection.ops.quote_name(name) for name in ROW_COLUMNS)
    one = f"({', '.join(['%s'] * len(ROW_COLUMNS))})"
    if not connection.features.can_return_rows_from_bulk_insert:
        sql = f"INSERT INTO {table} ({names}) VALUES {one} ON CONFLICT DO NOTHING"  # noqa: S608 - names from the model
        with connection.cursor() as cursor:
            for start in range(0, len(rows), 5000):
                cursor.executemany(sql, rows[start : start + 5000])
        return None
    returning = f"{connection.ops.quote_name('id')}, {connection.ops.quote_name('uid')}"
    per_statement = max(1, bulk.max_parameters(connection) // len(ROW_COLUMNS))
    ids: dict[Any, int] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            values = ", ".join([one] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} ({names}) VALUES {values} ON CONFLICT DO NOTHING RETURNING {returning}",  # noqa: S608 - names from the model
                [value for row in chunk for value in row],
            )
            ids.update((uid, pk) for pk, uid in cursor.fetchall())
    return ids


def _live_rows(
    matches: list[tuple[int, int | None, Target]],
    rows: list[Row],
    ids: dict[Any, int] | None,
    actions: dict[int, str],
) -> list[LiveRow] | None:
    """The live deliveries just inserted, in id order, from what was written (None when the
    database gave no ids: they are read back after commit)."""
    if ids is None:
        return None
    live: list[LiveRow] = [
        (
            ids[row[0]],
            str(row[0]),
            target.owner_id,
            target.subscription_id,
            target.name,
            item_id,
            event_id,
            actions[event_id],
        )
        for (event_id, item_id, target), row in zip(matches, rows, strict=True)
        if target.kind == Channel.Kind.LIVE and row[0] in ids
    ]
    live.sort()
    return live


def _log_dispatched(events: list[Claimed], rows: list[Row]) -> None:
    """One line per event, with the id of the request that published its item (at DEBUG for an
    event that made no delivery: a peer's catch-up dispatches thousands)."""
    made = Counter(row[1] for row in rows)
    quiet = not log.isEnabledFor(logging.DEBUG)
    for event_id, item_id, action, request_id, uid in events:
        if quiet and not made[event_id]:
            continue
        log.log(
            logging.INFO if made[event_id] else logging.DEBUG,
            "item %s %s: %d deliveries",
            item_id,
            action,
            made[event_id],
            extra={"request_id": request_id, "event": str(uid)},
        )


# Events this process is handing on right now: announce_overdue leaves them alone, so that a
# hand-on slower than the grace (a batch of 20,000 deliveries on a busy machine) is not made twice.
_announcing: set[int] = set()
_announcing_lock = threading.Lock()


def _announce(event_ids: list[int], live: list[LiveRow] | None = None) -> None:
    """Hand the live deliveries of just-dispatched events on (``live``, when the dispatch kept
    them), then record that it was done."""
    with _announcing_lock:
        _announcing.update(event_ids)
    try:
        failpoint("dispatch.announcing")
        if _hand_on(event_ids, live):
            OutboxEvent.objects.filter(pk__in=event_ids).update(announced_at=timezone.now())
    finally:
        with _announcing_lock:
            _announcing.difference_update(event_ids)


def announce_overdue(*, grace: float = ANNOUNCE_GRACE_SECONDS, batch_size: int = 200) -> int:
    """Hand on the live deliveries of events dispatched over ``grace`` seconds ago and never
    announced: their worker died between its commit and its announcement, or Redis was away.

    Streams may then see an event twice (a worker that died after publishing, before recording
    it); their clients drop the twin by its id. Returns how many events were handed on.
    """
    done = 0
    while True:
        cutoff = timezone.now() - dt.timedelta(seconds=grace)
        with _announcing_lock:
            in_hand = list(_announcing)
        with transaction.atomic():
            events = list(
                OutboxEvent.objects.filter(dispatched_at__lte=cutoff, announced_at__isnull=True)
                .exclude(pk__in=in_hand)
                .order_by("id")
                .select_for_update(skip_locked=True)
                .values_list("pk", flat=True)[:batch_size]
            )
            if not events or not _hand_on(events):
                return done
            OutboxEvent.objects.filter(pk__in=events).update(announced_at=timezone.now())
        log.info("handed on the live deliveries of %d events late", len(events))
        done += len(events)
        if len(events) < batch_size:
            return done


def _hand_on(event_ids: list[int], live: list[LiveRow] | None = None) -> bool:
    """Pass the events' live deliveries to every registered callback; False when one failed."""
    if not _after_dispatch:
        return True
    if live is None:
        live = list(
            Delivery.objects.filter(event_id__in=event_ids, kind=Channel.Kind.LIVE)
            .annotate(uid_text=Cast("uid", CharField()))
            .order_by("id")
            .values_list(*LIVE_COLUMNS)
        )
    try:
        for callback in _after_dispatch:
            callback(live)
    except Exception:
        # Stored, not yet shown: a worker hands them on after ANNOUNCE_GRACE_SECONDS.
        log.warning("could not pass %d live deliveries on", len(live), exc_info=True)
        return False
    return True


def event_deliver(event: OutboxEvent, item: Item | None, targets: list[Target]) -> int:
    """Deliver an event a caller matched itself (the date alerts of commitments, which may be
    about no item) through ``targets``, in the caller's transaction. A (channel, event) pair that already has its
    delivery is skipped, so calling again for the same event delivers nothing twice."""
    now = timezone.now()
    existing = set(
        Delivery.objects.filter(
            event=event, channel_id__in=[t.channel_id for t in targets]
        ).values_list("channel_id", flat=True)
    )
    item_id = item.pk if item is not None else None
    rows = _rows([(event.pk, item_id, t) for t in targets if t.channel_id not in existing], now)
    _insert(rows)
    if rows:
        transaction.on_commit(lambda: _announce([event.pk]), robust=True)
    return len(rows)
