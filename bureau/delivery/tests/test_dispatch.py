"""From publish to delivery: matching, the delivery record, signed webhooks with retries."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import uuid

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from bureau.alerts import services as alerts
from bureau.delivery import dispatch
from bureau.delivery.dispatch import dispatch_pending
from bureau.delivery.matching import LiveIndex
from bureau.delivery.models import Delivery, DeliveryAttempt, OutboxEvent
from bureau.delivery.signing import verify
from bureau.delivery.tests.receiver import Receiver
from bureau.delivery.webhooks import Sender, next_delay, record_result


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


def run_sender_until(predicate, timeout=20.0):
    """Run the real asyncio sender in a thread until ``predicate()`` holds."""
    sender, done = Sender(poll_seconds=0.05), threading.Event()

    async def main():
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        threading.Thread(
            target=lambda: (done.wait(timeout), loop.call_soon_threadsafe(stop.set)), daemon=True
        ).start()
        await sender.run(stop)

    thread = threading.Thread(target=lambda: asyncio.run(main()))
    thread.start()
    deadline = timezone.now() + dt.timedelta(seconds=timeout)
    while not predicate() and timezone.now() < deadline:
        threading.Event().wait(0.05)
    done.set()
    thread.join()


def test_a_published_item_reaches_only_the_matching_subscriptions(make_item, member):
    rice = alerts.subscription_create(owner=member, data={"name": "Rice", "hs_prefixes": ["10"]})
    alerts.subscription_create(owner=member, data={"name": "LNG", "hs_prefixes": ["2711"]})
    item = make_item(publish=True)
    assert dispatch_pending(LiveIndex()) == 1
    delivery = Delivery.objects.get()
    assert (delivery.subscription_id, delivery.item_id, delivery.kind) == (rice.pk, item.pk, "live")
    assert delivery.status == Delivery.Status.DELIVERED
    assert dispatch_pending(LiveIndex()) == 0  # the event is spent


@pytest.mark.django_db(transaction=True)
@override_settings(BUREAU_WEBHOOK_ALLOW_PRIVATE=True)
def test_webhooks_are_signed_and_carry_the_same_id_on_every_retry(make_item, member, receiver):
    endpoint, secret = alerts.endpoint_create(owner=member, url=receiver.url)
    alerts.subscription_create(
        owner=member,
        data={"name": "Rice", "channels": [{"kind": "webhook", "endpoint": endpoint.pk}]},
    )
    make_item(publish=True)
    dispatch_pending(LiveIndex())
    delivery = Delivery.objects.get(kind="webhook")

    receiver.fail_ratio = 1.0
    run_sender_until(lambda: Delivery.objects.get(pk=delivery.pk).attempts == 1)
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.RETRYING
    assert delivery.next_attempt_at is not None and delivery.next_attempt_at > timezone.now()

    receiver.fail_ratio = 0.0
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    run_sender_until(
        lambda: Delivery.objects.get(pk=delivery.pk).status == Delivery.Status.DELIVERED
    )
    first, second = receiver.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == str(delivery.uid)
    for request in (first, second):
        stamp = int(request.headers["webhook-timestamp"])
        assert verify(
            secret,
            request.headers["webhook-id"],
            stamp,
            request.body,
            request.headers["webhook-signature"],
        )
    assert second.json["data"]["title"].startswith("Basmati")
    assert list(
        DeliveryAttempt.objects.filter(delivery=delivery).values_list("status_code", flat=True)
    ) == [500, 204]


@override_settings(BUREAU_WEBHOOK_ALLOW_PRIVATE=True)
def test_retries_back_off_for_about_three_days_then_dead_letter(make_item, member):
    delays = settings.BUREAU_WEBHOOK_RETRY_DELAYS
    assert 2.5 * 86400 < sum(delays) < 3.5 * 86400
    assert next_delay(1) is not None and next_delay(len(delays) + 1) is None
    endpoint, _ = alerts.endpoint_create(owner=member, url="http://127.0.0.1:9/hook")
    alerts.subscription_create(
        owner=member, data={"name": "R", "channels": [{"kind": "webhook", "endpoint": endpoint.pk}]}
    )
    make_item(publish=True)
    dispatch_pending(LiveIndex())
    delivery = Delivery.objects.get()
    for _ in range(len(delays) + 1):
        record_result(delivery.pk, status_code=503, error="", duration_ms=1)
    delivery.refresh_from_db()
    endpoint.refresh_from_db()
    assert delivery.status == Delivery.Status.DEAD and delivery.attempts == len(delays) + 1
    assert endpoint.state == "failing" and endpoint.failing_since is not None


def test_bad_subscription_input_names_each_field(member):
    from bureau.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as caught:
        alerts.subscription_create(
            owner=member,
            data={
                "name": "",
                "hs_prefixes": ["999999x"],
                "origin_countries": ["XX"],
                "value_min_usd": "10",
                "value_max_usd": "5",
            },
        )
    assert {e.field for e in caught.value.errors} == {
        "name",
        "hs_prefixes",
        "origin_countries",
        "value_max_usd",
    }
    for url in (
        "ftp://example.org/x",
        "http://127.0.0.1:9/hook",
        "http://10.1.2.3/hook",
        "http://localhost/hook",
    ):
        with pytest.raises(ValidationFailed) as caught:
            alerts.endpoint_create(owner=member, url=url)
        assert caught.value.errors[0].field == "url"


@pytest.mark.django_db(transaction=True)
@override_settings(BUREAU_WEBHOOK_ALLOW_PRIVATE=True, BUREAU_WEBHOOK_RETRY_DELAYS=[0.05] * 40)
def test_a_receiver_failing_half_the_time_still_gets_every_event_once(member, staff_az, receiver):
    from bureau.catalog import services
    from conftest import lead_data

    receiver.fail_ratio = 0.5
    endpoint, _ = alerts.endpoint_create(owner=member, url=receiver.url)
    alerts.subscription_create(
        owner=member,
        data={"name": "Rice", "channels": [{"kind": "webhook", "endpoint": endpoint.pk}]},
    )
    prepared = [
        services.item_prepare(actor=member, data=lead_data(title=f"Rice lot {n}"))
        for n in range(60)
    ]
    services.items_save(prepared, actor=staff_az, publish=True)
    dispatch_pending(LiveIndex())
    expected = {str(u) for u in Delivery.objects.values_list("uid", flat=True)}
    assert len(expected) == 60
    run_sender_until(
        lambda: not Delivery.objects.exclude(status=Delivery.Status.DELIVERED).exists(), timeout=60
    )
    assert set(receiver.ok_ids) == expected
    assert max(receiver.ok_ids.values()) == 1
    assert len(receiver.requests) > 60  # failures were retried


def test_the_index_reads_subscriptions_only_after_a_change(member, django_assert_num_queries):
    index = LiveIndex()
    alerts.subscription_create(owner=member, data={"name": "Rice", "hs_prefixes": ["10"]})
    assert index.refresh() == 1
    with django_assert_num_queries(1):  # the clock alone: nothing changed since
        assert index.refresh() == 0
    alerts.subscription_create(owner=member, data={"name": "LNG", "hs_prefixes": ["2711"]})
    assert index.refresh() == 1 and len(index.targets) == 2


def test_with_nothing_to_match_a_batch_claims_more_events(member, monkeypatch):
    monkeypatch.setattr(dispatch, "UNMATCHED_BATCH", 4)
    OutboxEvent.objects.bulk_create([OutboxEvent() for _ in range(7)])
    assert dispatch_pending(LiveIndex(), batch_size=2) == 4  # nobody follows anything
    alerts.subscription_create(owner=member, data={"name": "Rice", "hs_prefixes": ["10"]})
    assert dispatch_pending(LiveIndex(), batch_size=2) == 2  # each is matched: the usual size
    assert OutboxEvent.objects.filter(dispatched_at__isnull=True).count() == 1


def test_the_sender_is_woken_only_for_deliveries_it_sends(
    make_item, member, django_capture_on_commit_callbacks
):
    woken: list[int] = []
    alerts.subscription_create(owner=member, data={"name": "Rice", "hs_prefixes": ["10"]})
    make_item(publish=True)
    with django_capture_on_commit_callbacks(execute=True):
        assert dispatch_pending(LiveIndex(), on_due=lambda: woken.append(1)) == 1
    assert woken == []  # a live delivery is delivered as it is written
    by_email = {"kind": "email", "email_mode": "instant"}
    data = {"name": "Rice by email", "hs_prefixes": ["10"], "channels": [by_email]}
    alerts.subscription_create(owner=member, data=data)
    make_item(publish=True)
    with django_capture_on_commit_callbacks(execute=True):
        assert dispatch_pending(LiveIndex(), on_due=lambda: woken.append(1)) == 1
    assert woken == [1]


def test_only_a_batch_with_live_deliveries_is_handed_on_after_commit(
    make_item, member, django_capture_on_commit_callbacks
):
    # Nobody follows oranges live: the batch is announced in its dispatch, nothing after it.
    quiet = make_item(publish=True, title="Oranges", product="Oranges", hs_code="080510")
    with django_capture_on_commit_callbacks() as after_commit:
        assert dispatch_pending(LiveIndex()) == 1
    event = OutboxEvent.objects.get(item=quiet)
    assert event.dispatched_at is not None and event.announced_at == event.dispatched_at
    assert not Delivery.objects.exists() and after_commit == []

    # A live subscriber: its delivery is handed on after the commit, then recorded as such.
    alerts.subscription_create(owner=member, data={"name": "Rice", "hs_prefixes": ["10"]})
    followed = make_item(publish=True)
    with django_capture_on_commit_callbacks() as after_commit:
        assert dispatch_pending(LiveIndex()) == 1
    event = OutboxEvent.objects.get(item=followed)
    assert event.dispatched_at is not None and event.announced_at is None
    assert len(after_commit) == 1
    after_commit[0]()
    event.refresh_from_db()
    assert event.announced_at is not None


@override_settings(BUREAU_WEBHOOK_ALLOW_PRIVATE=True)
def test_a_delivery_row_carries_every_column_of_the_model_with_its_state(
    make_item, member, receiver
):
    from bureau.delivery.dispatch import ROW_COLUMNS

    columns = {f.column for f in Delivery._meta.concrete_fields if not f.primary_key}
    assert set(ROW_COLUMNS) == columns and len(ROW_COLUMNS) == len(columns)
    endpoint, _secret = alerts.endpoint_create(owner=member, url=receiver.url)
    data = {"name": "Rice", "hs_prefixes": ["10"]}
    alerts.subscription_create(owner=member, data=data)  # live
    alerts.subscription_create(
        owner=member,
        data={
            **data,
            "name": "Rice by email",
            "channels": [{"kind": "email", "email_mode": "digest", "digest_hour": 7}],
        },
    )
    alerts.subscription_create(
        owner=member,
        data={
            **data,
            "name": "Rice by webhook",
            "channels": [{"kind": "webhook", "endpoint": endpoint.pk}],
        },
    )
    before = timezone.now()
    item = make_item(publish=True)
    assert dispatch_pending(LiveIndex()) == 1
    by_kind = {d.kind: d for d in Delivery.objects.all()}
    assert set(by_kind) == {"live", "email", "webhook"}
    assert len({d.uid for d in by_kind.values()}) == 3
    for delivery in by_kind.values():
        # Time-ordered (version 7): the dispatch's time in milliseconds, then random bits.
        assert delivery.uid.version == 7 and delivery.uid.variant == uuid.RFC_4122
        made_at = int.from_bytes(delivery.uid.bytes[:6], "big")
        assert before.timestamp() * 1000 - 1 <= made_at <= timezone.now().timestamp() * 1000
        assert delivery.item_id == item.pk and delivery.owner_id == member.pk
        assert delivery.attempts == 0 and delivery.last_error == "" and delivery.lease_until is None
        assert before <= delivery.created_at <= timezone.now()
    live, email, webhook = by_kind["live"], by_kind["email"], by_kind["webhook"]
    assert (live.status, live.delivered_at, live.next_attempt_at) == (
        "delivered",
        live.created_at,
        None,
    )
    assert (email.status, email.delivered_at, email.next_attempt_at) == ("digest", None, None)
    assert (webhook.status, webhook.delivered_at, webhook.next_attempt_at) == (
        "pending",
        None,
        webhook.created_at,
    )


def test_dispatch_reads_the_same_facts_from_columns_as_from_the_item(make_item, staff_az):
    from bureau.alerts.facts import facts_of, published_facts
    from bureau.catalog import services as catalog
    from bureau.catalog.models import Item

    both = make_item(publish=True, value_amount="1250.50")
    no_origin = make_item(publish=True, origin_country="", countries=["AZ", "PK"])
    notice = catalog.item_create(
        actor=staff_az,
        data={"kind": "notice", "title": "Cargo office opens", "notice_type": "announcement"},
        publish=True,
    )
    draft = make_item(title="Not yet")
    found = published_facts([both.pk, no_origin.pk, notice.pk, draft.pk, None])
    items = Item.objects.select_related("lead").in_bulk([both.pk, no_origin.pk, notice.pk])
    assert found == {pk: facts_of(item) for pk, item in items.items()}
    assert found[both.pk].origin_countries == {"PK"}
    assert found[no_origin.pk].origin_countries == frozenset(items[no_origin.pk].countries)
    assert found[both.pk].value_usd is not None
