"""Moderation workflow and per-organisation permissions, through the service layer."""

from __future__ import annotations

import pytest

from bureau.catalog import services
from bureau.catalog.models import Item, Status
from bureau.core.errors import Conflict, PermissionDenied
from conftest import lead_data


def test_member_submits_and_staff_of_their_chamber_publishes(make_item, member, staff_az):
    item = make_item()
    assert item.status == Status.DRAFT
    services.item_submit(actor=member, item=item)
    with pytest.raises(PermissionDenied):
        services.item_publish(actor=member, item=item)
    services.item_publish(actor=staff_az, item=item)
    item.refresh_from_db()
    assert item.status == Status.PUBLISHED and item.published_at is not None
    trail = [(t.from_status, t.to_status, t.actor_id) for t in item.transitions.all()]
    assert trail == [
        ("", "draft", member.pk),
        ("draft", "submitted", member.pk),
        ("submitted", "published", staff_az.pk),
    ]


def test_staff_of_the_other_chamber_can_neither_edit_nor_publish(make_item, staff_pk):
    item = make_item()
    with pytest.raises(PermissionDenied):
        services.item_publish(actor=staff_pk, item=item)
    with pytest.raises(PermissionDenied):
        services.item_update(actor=staff_pk, item=item, data={"title": "Hijacked"})
    item.refresh_from_db()
    assert item.status == Status.DRAFT and item.title != "Hijacked"


def test_withdrawn_item_cannot_be_published_again(make_item, member, staff_az):
    item = make_item(publish=True)
    services.item_withdraw(actor=member, item=item)
    with pytest.raises(Conflict):
        services.item_publish(actor=staff_az, item=item)
    assert Item.objects.get(pk=item.pk).status == Status.WITHDRAWN


def test_items_past_valid_until_expire_with_an_audit_entry(make_item, lapse):
    item = lapse(make_item(publish=True, valid_until="2999-01-31"))
    fresh = make_item(publish=True, valid_until="2999-01-31")
    assert services.items_expire_due() == 1
    item.refresh_from_db()
    fresh.refresh_from_db()
    assert item.status == Status.EXPIRED and fresh.status == Status.PUBLISHED
    last = item.transitions.last()
    assert last is not None and last.to_status == Status.EXPIRED and last.actor is None


def test_member_cannot_enter_items_for_another_organisation(member, chamber_pk):
    with pytest.raises(PermissionDenied):
        services.item_create(actor=member, data=lead_data(organisation=chamber_pk.slug))
    assert Item.objects.count() == 0
