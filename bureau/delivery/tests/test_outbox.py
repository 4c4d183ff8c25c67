from bureau.catalog import services
from bureau.delivery.models import OutboxEvent


def test_publishing_writes_one_outbox_event_in_the_same_transaction(make_item, staff_az):
    draft = make_item()
    assert not OutboxEvent.objects.exists()
    services.item_publish(actor=staff_az, item=draft)
    event = OutboxEvent.objects.get()
    assert event.item_id == draft.pk and event.dispatched_at is None
    # Time-ordered uids (version 7), for the item made here and for its event.
    assert draft.uid.version == 7 and event.uid.version == 7


def test_bulk_publish_writes_an_event_per_item(member, staff_az):
    from conftest import lead_data

    prepared = [
        services.item_prepare(
            actor=staff_az, data=lead_data(title=f"Lot {n}", organisation=member.organisation.slug)
        )
        for n in range(3)
    ]
    items = services.items_save(prepared, actor=staff_az, publish=True)
    assert sorted(OutboxEvent.objects.values_list("item_id", flat=True)) == sorted(
        i.pk for i in items
    )
    # The batch's events are written with time-ordered uids (version 7), in id order.
    events = list(OutboxEvent.objects.order_by("id"))
    assert all(e.uid.version == 7 for e in events)
    assert [e.uid.bytes[:6] for e in events] == sorted(e.uid.bytes[:6] for e in events)
