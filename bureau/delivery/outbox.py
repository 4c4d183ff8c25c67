"""Announce published items: an outbox event per item, written in the transaction that publishes it
(the catalog's ``ItemsPublished`` change, heard at the seam)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import transaction
from django.utils import timezone

from bureau.catalog.changes import ItemsPublished
from bureau.core import bulk, uids
from bureau.core.logs import current_request_id
from bureau.delivery.models import OutboxEvent

_listeners: list[Callable[[], object]] = []


def on_new_events(callback: Callable[[], object]) -> None:
    """Register a callback run after commit whenever events were recorded (wakes the dispatcher)."""
    _listeners.append(callback)


COLUMNS = ("uid", "item", "action", "created_at", "request_id")


def record_published(item_ids: Iterable[int]) -> None:
    """Write one outbox event per newly published item, in the caller's transaction.

    One batched insert without model instances (``bureau.core.bulk``): a peer's page or an
    import publishes thousands at once, and ``bulk_create`` cost about as much per row as
    the rest of the catch-up's writes together."""
    request_id, now, action = current_request_id(), timezone.now(), OutboxEvent.Action.PUBLISHED
    ids = list(item_ids)
    if not ids:
        return
    # Time-ordered uids: the batch goes into the end of the outbox's unique index.
    rows = [
        (uid, pk, action, now, request_id) for uid, pk in zip(uids.new(len(ids)), ids, strict=True)
    ]
    bulk.table(OutboxEvent, COLUMNS).insert(rows)
    for callback in _listeners:
        transaction.on_commit(callback)


def on_items_published(change: ItemsPublished) -> None:
    record_published(item.pk for item in change.items)
