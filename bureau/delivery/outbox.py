"""Announce published items: an outbox event per item, written in the transaction that publishes it
(the catalog's ``ItemsPublished`` change, heard at the seam)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import transaction

from bureau.catalog.changes import ItemsPublished
from bureau.core.logs import current_request_id
from bureau.delivery.models import OutboxEvent

_listeners: list[Callable[[], object]] = []


def on_new_events(callback: Callable[[], object]) -> None:
    """Register a callback run after commit whenever events were recorded (wakes the dispatcher)."""
    _listeners.append(callback)


def record_published(item_ids: Iterable[int]) -> None:
    """Write one outbox event per newly published item, in the caller's transaction."""
    request_id = current_request_id()
    events = [
        OutboxEvent(item_id=pk, action=OutboxEvent.Action.PUBLISHED, request_id=request_id)
        for pk in item_ids
    ]
    if not events:
        return
    OutboxEvent.objects.bulk_create(events, batch_size=1000)
    for callback in _listeners:
        transaction.on_commit(callback)


def on_items_published(change: ItemsPublished) -> None:
    record_published(item.pk for item in change.items)
