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
from collections import Counter
from collections.abc import Callable

from django.db import connection, transaction
from django.utils import timezone

from bureau.alerts.facts import facts_of
from bureau.alerts.models import Channel
from bureau.catalog.models import Item, Status
from bureau.core.faults import failpoint
from bureau.delivery.matching import LiveIndex, Target
from bureau.delivery.models import Delivery, OutboxEvent

log = logging.getLogger(__name__)

_after_dispatch: list[Callable[[list[int]], None]] = []
# Seconds after its dispatch that an event whose live deliveries were never handed on (its
# worker died in between, Redis was away) is handed on by any worker.
ANNOUNCE_GRACE_SECONDS = 5.0


def on_live_deliveries(callback: Callable[[list[int]], None]) -> None:
    """Register a callback given the ids of new live deliveries after they are committed."""
    _after_dispatch.append(callback)


def dispatch_pending(index: LiveIndex, *, batch_size: int = 200) -> int:
    """Dispatch one batch of outbox events; returns how many events were dispatched."""
    index.refresh()  # catch up outside the write lock, so that the refresh below reads little
    with transaction.atomic():
        events = list(
            OutboxEvent.objects.filter(dispatched_at__isnull=True)
            .order_by("id")
            .select_for_update(skip_locked=True)[:batch_size]
        )
        if not events:
            return 0
        failpoint("dispatch.claimed")
        # After the claim: every subscription committed before a claimed event is visible now
        # (and, on SQLite, nothing can commit until this transaction ends).
        index.refresh()
        items = Item.objects.select_related("lead").in_bulk([e.item_id for e in events])
        now = timezone.now()
        deliveries = [
            _delivery(event, items[event.item_id], target, now)
            for event in events
            if event.item_id in items and items[event.item_id].status == Status.PUBLISHED
            for subscription_id in index.index.match(facts_of(items[event.item_id]))
            for target in index.targets.get(subscription_id, ())
        ]
        _insert(deliveries)
        failpoint("dispatch.inserted")
        OutboxEvent.objects.filter(pk__in=[e.pk for e in events]).update(dispatched_at=now)
        _log_dispatched(events, deliveries)
        failpoint("dispatch.marked")
        live_events = [e.pk for e in events]
        # After commit, so that no stream shows what could still roll back; robust: the dispatch
        # is committed whatever happens to the announcement, which announce_overdue completes.
        transaction.on_commit(lambda: _announce(live_events), robust=True)
    failpoint("dispatch.committed")
    return len(events)


_COLUMNS = [f for f in Delivery._meta.concrete_fields if not f.primary_key]


def _insert(deliveries: list[Delivery]) -> None:
    """Insert many deliveries at once, skipping any (channel, event) pair already there.

    One ``executemany`` costs about a fifth of ``bulk_create`` per row, and a popular item can
    match thousands of subscriptions.
    """
    if not deliveries:
        return
    table = connection.ops.quote_name(Delivery._meta.db_table)
    names = ", ".join(connection.ops.quote_name(f.column) for f in _COLUMNS)
    marks = ", ".join(["%s"] * len(_COLUMNS))
    sql = f"INSERT INTO {table} ({names}) VALUES ({marks}) ON CONFLICT DO NOTHING"  # noqa: S608 - names from the model
    rows = [
        [f.get_db_prep_save(f.pre_save(d, add=True), connection) for f in _COLUMNS]
        for d in deliveries
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[start : start + 5000])


def _log_dispatched(events: list[OutboxEvent], deliveries: list[Delivery]) -> None:
    """One line per event, with the id of the request that published its item."""
    made = Counter(d.event_id for d in deliveries)
    for event in events:
        log.log(
            logging.INFO if made[event.pk] else logging.DEBUG,
            "item %s %s: %d deliveries",
            event.item_id,
            event.action,
            made[event.pk],
            extra={"request_id": event.request_id, "event": str(event.uid)},
        )


def _delivery(event: OutboxEvent, item: Item | None, target: Target, now: dt.datetime) -> Delivery:
    immediate = target.kind in (Channel.Kind.LIVE, Channel.Kind.ATOM)
    digest = target.kind == Channel.Kind.EMAIL and target.email_mode == Channel.EmailMode.DIGEST
    status = (
        Delivery.Status.DELIVERED
        if immediate
        else Delivery.Status.DIGEST
        if digest
        else Delivery.Status.PENDING
    )
    return Delivery(
        event=event,
        channel_id=target.channel_id,
        subscription_id=target.subscription_id,
        owner_id=target.owner_id,
        item=item,
        kind=target.kind,
        status=status,
        next_attempt_at=None if immediate or digest else now,
        delivered_at=now if immediate else None,
        created_at=now,
    )


def _announce(event_ids: list[int]) -> None:
    """Hand the live deliveries of just-dispatched events on, then record that it was done."""
    failpoint("dispatch.announcing")
    if _hand_on(event_ids):
        OutboxEvent.objects.filter(pk__in=event_ids).update(announced_at=timezone.now())


def announce_overdue(*, grace: float = ANNOUNCE_GRACE_SECONDS, batch_size: int = 200) -> int:
    """Hand on the live deliveries of events dispatched over ``grace`` seconds ago and never
    announced: their worker died between its commit and its announcement, or Redis was away.

    Streams may then see an event twice (a worker that died after publishing, before recording
    it); their clients drop the twin by its id. Returns how many events were handed on.
    """
    done = 0
    while True:
        cutoff = timezone.now() - dt.timedelta(seconds=grace)
        with transaction.atomic():
            events = list(
                OutboxEvent.objects.filter(dispatched_at__lte=cutoff, announced_at__isnull=True)
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


def _hand_on(event_ids: list[int]) -> bool:
    """Pass the events' live deliveries to every registered callback; False when one failed."""
    if not _after_dispatch:
        return True
    live = list(
        Delivery.objects.filter(event_id__in=event_ids, kind=Channel.Kind.LIVE).values_list(
            "id", flat=True
        )
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
    deliveries = [_delivery(event, item, t, now) for t in targets if t.channel_id not in existing]
    _insert(deliveries)
    if deliveries:
        transaction.on_commit(lambda: _announce([event.pk]), robust=True)
    return len(deliveries)
