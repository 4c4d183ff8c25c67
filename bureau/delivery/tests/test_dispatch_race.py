"""The dispatcher never marks an event dispatched before matching it against every subscription
committed before the event, however the dispatcher's steps and other writers interleave.

The interleaving that lost deliveries is made to happen, not hoped for: the test holds the lock the
dispatcher needs (SQLite's write lock; on PostgreSQL a table lock on the outbox), lets the
dispatcher read the subscriptions and block, then saves a subscription and publishes an item in
the held transaction, and lets go.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from bureau.alerts import services as alerts
from bureau.core.tests.threads import waiting_to_begin
from bureau.delivery.dispatch import dispatch_pending
from bureau.delivery.matching import LiveIndex
from bureau.delivery.models import Delivery, OutboxEvent

WAIT = 30.0  # a bound on a hung run, not a timing


def blocked_on_a_lock(thread: threading.Thread) -> bool:
    """Whether ``thread`` is waiting for the lock this test's transaction holds."""
    if connection.vendor == "postgresql":
        import psycopg

        settings = connection.settings_dict
        with psycopg.connect(
            dbname=settings["NAME"], user=settings["USER"], host=settings["HOST"],
            port=settings["PORT"] or 5432, autocommit=True,
        ) as other:  # fmt: skip
            row = other.execute(
                "SELECT count(*) FROM pg_locks WHERE NOT granted"
                " AND relation = 'delivery_outboxevent'::regclass"
            ).fetchone()
        return bool(row and row[0])
    return waiting_to_begin(thread)


def hold_the_dispatcher_lock() -> None:
    """In the caller's transaction: take what the dispatcher's claim must wait for."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("LOCK TABLE delivery_outboxevent IN EXCLUSIVE MODE")
    # On SQLite the transaction began with BEGIN IMMEDIATE: it holds the write lock already.


@pytest.mark.django_db(transaction=True)
def test_an_item_published_while_the_dispatcher_waits_reaches_a_subscription_saved_meanwhile(
    make_item, member
):
    index = LiveIndex()
    index.refresh()  # a worker that has been running: its index is up to date, and empty
    dispatched: list[int] = []

    def dispatch() -> None:
        try:
            dispatched.append(dispatch_pending(index))
        finally:
            connection.close()  # this thread's own connection

    with transaction.atomic():
        hold_the_dispatcher_lock()
        worker = threading.Thread(target=dispatch)
        worker.start()
        deadline = time.monotonic() + WAIT
        while not blocked_on_a_lock(worker):
            assert worker.is_alive(), "the dispatcher finished without waiting for the lock"
            assert time.monotonic() < deadline, "the dispatcher never waited for the lock"
            time.sleep(0.01)
        # The dispatcher has read the subscriptions (none) and waits; these commit first.
        rice = alerts.subscription_create(
            owner=member, data={"name": "Rice", "hs_prefixes": ["10"]}
        )
        item = make_item(publish=True)
    worker.join(WAIT)
    assert dispatched == [1]
    assert OutboxEvent.objects.get(item=item).dispatched_at is not None
    assert list(Delivery.objects.values_list("subscription_id", "item_id")) == [(rice.pk, item.pk)]


@pytest.mark.django_db(transaction=True)
def test_the_index_follows_changes_in_commit_order_and_starts_again_after_a_reset(member):
    index = LiveIndex()
    first = alerts.subscription_create(owner=member, data={"name": "Rice", "hs_prefixes": ["10"]})
    assert index.refresh() == 1 and set(index.targets) == {first.pk}
    assert index.refresh() == 0  # nothing changed since
    alerts.subscription_delete(owner=member, subscription=first)
    second = alerts.subscription_create(owner=member, data={"name": "Gas", "hs_prefixes": ["27"]})
    assert index.refresh() == 2 and set(index.targets) == {second.pk}
    # A database emptied (or restored from an older backup) behind the worker's back.
    from bureau.alerts.models import Subscription, SubscriptionClock

    Subscription.objects.all().delete()
    SubscriptionClock.objects.all().delete()
    third = alerts.subscription_create(owner=member, data={"name": "Tea", "hs_prefixes": ["09"]})
    index.refresh()
    assert set(index.targets) == {third.pk}
