"""Announce published items. Called by the catalog inside the transaction that publishes."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import transaction

from bureau.delivery.models import OutboxEvent

_listeners: list[Callable[[], object]] = []


def on_new_events(callback: Callable[[], object]) -> None:
    """Register a callback run after commit whenever events were recorded (wakes the dispatcher)."""
    _listeners.append(callback)


def record_published(item_ids: Iterable[int]) -> None:
    """Write one outbox event per newly published item, in the caller's transaction."""
    events = [OutboxEvent(item_id=pk, action=OutboxEvent.Action.PUBLISHED) for pk in item_ids]
    if not events:
        return
    OutboxEvent.objects.bulk_create(events, batch_size=1000)
    for callback in _listeners:
        transaction.on_commit(callback)
