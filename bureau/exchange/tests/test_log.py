"""Every change a node makes to what it owns is appended to its signed log, in the same
transaction, and nothing else is."""

from __future__ import annotations

import json

import pytest

from bureau.accounts.services import organisation_verify
from bureau.catalog import services
from bureau.catalog.models import Item
from bureau.exchange import canonical as c
from bureau.exchange import keys, log
from bureau.exchange.identity import public_key
from bureau.exchange.models import LogEvent, LogHead
from conftest import lead_data

pytestmark = pytest.mark.django_db


def events() -> list[dict]:
    return [json.loads(row.data) for row in LogEvent.objects.order_by("seq")]


def test_publishing_appends_a_signed_event_chained_to_the_one_before(make_item, settings):
    first = make_item(publish=True, title="Basmati rice for Baku")
    second = make_item(publish=True, title="Cotton for Karachi")
    logged = events()
    assert [e["seq"] for e in logged] == [1, 2]
    assert [e["type"] for e in logged] == ["item.published", "item.published"]
    assert logged[0]["prev"] == c.GENESIS and logged[1]["prev"] == c.event_hash(logged[0])
    assert {e["node"] for e in logged} == {settings.BUREAU_NODE_NAME}
    key = keys.parse_public(public_key())
    assert all(keys.verify(key, e["sig"], c.signed_part(e)) for e in logged)
    stored = LogEvent.objects.get(seq=2)
    assert stored.data.encode() == c.canonical(logged[1])  # kept exactly as signed
    assert stored.hash == c.event_hash(logged[1]) == LogHead.objects.get().last_hash
    assert str(stored.item_uid) == str(second.uid) and logged[0]["body"]["uid"] == str(first.uid)


def test_the_body_is_the_documented_record_with_status_and_organisation(make_item, company):
    item = make_item(publish=True, value_amount="450000", quantity="500")
    body = events()[0]["body"]
    assert "id" not in body and body["title"] == item.title and body["hs_code"] == "100630"
    assert body["value_amount"] == "450000.00" and body["quantity"] == "500.000"
    assert body["status"] == "published" and body["published_at"].endswith("Z")
    assert body["organisation"] == {
        "uid": str(company.uid),
        "slug": company.slug,
        "name": company.name,
        "kind": "company",
        "country": "PK",
        "city": "",
        "verified": False,
    }


def test_drafts_submissions_and_unpublished_withdrawals_are_not_logged(make_item, member):
    item = make_item()
    services.item_update(actor=member, item=item, data={"title": "Still a draft"})
    services.item_submit(actor=member, item=item)
    services.item_withdraw(actor=member, item=item)
    assert LogEvent.objects.count() == 0


def test_update_withdrawal_and_expiry_of_published_items_are_logged(
    make_item, member, staff_az, lapse
):
    item = make_item(publish=True)
    services.item_update(actor=staff_az, item=item, data={"title": "Basmati rice, 600 t"})
    services.item_withdraw(actor=member, item=item)
    old = lapse(make_item(publish=True, valid_until="2999-01-31"))
    assert services.items_expire_due() == 1
    logged = events()
    assert [e["type"] for e in logged] == [
        "item.published",
        "item.updated",
        "item.withdrawn",
        "item.published",
        "item.expired",
    ]
    assert logged[1]["body"]["title"] == "Basmati rice, 600 t"
    assert logged[2]["body"]["status"] == "withdrawn"
    assert logged[4]["body"]["uid"] == str(old.uid) and logged[4]["body"]["status"] == "expired"


def test_bulk_publishing_logs_one_event_per_item_in_order(staff_az):
    prepared = [
        services.item_prepare(actor=staff_az, data=lead_data(title=f"Lot {n}")) for n in range(30)
    ]
    items = services.items_save(prepared, actor=staff_az, publish=True)
    logged = events()
    assert [e["seq"] for e in logged] == list(range(1, 31))
    assert [e["body"]["uid"] for e in logged] == [str(i.uid) for i in items]


def test_verifying_an_organisation_is_logged(company, staff_az):
    organisation_verify(actor=staff_az, organisation=company)
    organisation_verify(actor=staff_az, organisation=company, verified=False)
    logged = events()
    assert [e["type"] for e in logged] == ["organisation.verified"] * 2
    assert [e["body"]["organisation"]["verified"] for e in logged] == [True, False]


def test_a_failed_change_leaves_no_event(make_item, staff_pk):
    item = make_item()
    with pytest.raises(services.PermissionDenied):
        services.item_publish(actor=staff_pk, item=item)  # the other chamber may not
    assert LogEvent.objects.count() == 0 and Item.objects.get(pk=item.pk).status == "draft"


def test_items_of_other_nodes_are_never_logged(make_item):
    item = make_item(publish=True)
    Item.objects.filter(pk=item.pk).update(origin_node="pk-baku")
    received = Item.objects.get(pk=item.pk)
    log.record_published([received])
    log.record_updated(received)
    log.record_status_change(received, from_status="published")
    assert LogEvent.objects.count() == 1  # its publication, from before it became another node's
