"""An item withdrawn after it was matched is never sent: not in a digest, not on a retry."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from bureau.alerts import services as alerts
from bureau.catalog import services as catalog
from bureau.catalog.models import Item, Status
from bureau.delivery.dispatch import dispatch_pending
from bureau.delivery.email import send_due_digests, send_due_emails
from bureau.delivery.matching import LiveIndex
from bureau.delivery.models import Delivery
from bureau.delivery.tests.test_email import (
    Inbox,
    free_port,
    smtp_server,
    smtp_settings,
    subscribe,
)
from bureau.delivery.webhooks import claim_due, record_result
from bureau.delivery.withdrawn import cancel_job


@pytest.fixture
def inbox():
    handler = Inbox()
    controller = smtp_server(handler, free_port())
    with smtp_settings(controller.port):
        yield handler
    controller.stop()


def test_a_digest_leaves_out_an_item_withdrawn_while_it_waited(inbox, make_item, member, staff_az):
    subscribe(member, name="Rice digest", email_mode="digest", digest_hour=0)
    kept = make_item(publish=True)
    gone = make_item(publish=True, title="Basmati rice, withdrawn before the digest")
    dispatch_pending(LiveIndex())
    catalog.item_withdraw(actor=staff_az, item=gone, note="sold")

    assert send_due_digests() == 1
    (received,) = inbox.received
    assert received.message["Subject"] == "1 new item for Rice digest"
    text = received.part("text/plain")
    assert kept.title in text and gone.title not in text
    cancelled = Delivery.objects.get(item=gone)
    assert cancelled.status == Delivery.Status.CANCELLED
    assert "no longer published" in cancelled.last_error


def test_an_email_retry_of_a_withdrawn_item_is_cancelled(make_item, member, staff_az):
    subscribe(member, name="Rice")
    item = make_item(publish=True)
    dispatch_pending(LiveIndex())
    handler, port = Inbox(), free_port()
    smtp_server(handler, port).stop()  # down: the first try fails and a retry is scheduled
    with smtp_settings(port):
        assert send_due_emails() == 1
    assert Delivery.objects.get().status == Delivery.Status.RETRYING

    catalog.item_withdraw(actor=staff_az, item=item, note="sold")
    controller = smtp_server(handler, port)
    try:
        Delivery.objects.update(next_attempt_at=timezone.now())
        with smtp_settings(port):
            assert send_due_emails() == 0
    finally:
        controller.stop()
    assert handler.received == []
    assert Delivery.objects.get().status == Delivery.Status.CANCELLED


@override_settings(BUREAU_WEBHOOK_ALLOW_PRIVATE=True)
def test_a_webhook_retry_of_a_withdrawn_item_is_never_claimed(make_item, member, staff_az):
    endpoint, _ = alerts.endpoint_create(owner=member, url="http://127.0.0.1:9/hook")
    alerts.subscription_create(
        owner=member, data={"name": "R", "channels": [{"kind": "webhook", "endpoint": endpoint.pk}]}
    )
    item = make_item(publish=True)
    dispatch_pending(LiveIndex())
    delivery = Delivery.objects.get()
    record_result(delivery.pk, status_code=503, error="", duration_ms=1)
    Delivery.objects.update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))

    catalog.item_withdraw(actor=staff_az, item=item, note="sold")
    assert claim_due(limit=10) == []
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.CANCELLED and delivery.attempts == 1


@override_settings(BUREAU_WEBHOOK_ALLOW_PRIVATE=True)
def test_an_item_withdrawn_without_an_announcement_is_held_then_swept(make_item, member):
    """Replication sets a peer's item to withdrawn without the local workflow's announcement."""
    endpoint, _ = alerts.endpoint_create(owner=member, url="http://127.0.0.1:9/hook")
    alerts.subscription_create(
        owner=member, data={"name": "R", "channels": [{"kind": "webhook", "endpoint": endpoint.pk}]}
    )
    item = make_item(publish=True)
    dispatch_pending(LiveIndex())
    Item.objects.filter(pk=item.pk).update(status=Status.WITHDRAWN)

    assert claim_due(limit=10) == []
    assert Delivery.objects.get().status == Delivery.Status.PENDING
    cancel_job()
    assert Delivery.objects.get().status == Delivery.Status.CANCELLED


def test_an_expired_item_is_still_sent(make_item, member, lapse, inbox):
    subscribe(member, name="Rice")
    item = make_item(publish=True)
    dispatch_pending(LiveIndex())
    lapse(item)
    assert catalog.items_expire_due() == 1
    assert send_due_emails() == 1
    assert [r.message["Subject"] for r in inbox.received] == [item.title]
