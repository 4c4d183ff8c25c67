"""Interests and introductions through the pages and the API, with real SMTP: contact details
cross only when both sides accept, and never before (web, API, inbox, email)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from bureau.catalog import services as catalog
from bureau.connect import services
from bureau.connect.models import Event, Interest, Introduction
from bureau.connect.tests.conftest import bodies, signed_in
from bureau.delivery.dispatch import dispatch_pending
from bureau.delivery.matching import LiveIndex
from bureau.delivery.tests.test_feeds import atom_subscription
from bureau.inbox.models import Message

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_trader_expresses_interest_the_owner_accepts_and_both_get_contacts(
    mail, make_item, member, trader
):
    _subscription, atom = atom_subscription(member)
    item = make_item(publish=True)
    dispatch_pending(LiveIndex())
    buyer = signed_in(trader)
    page = buyer.get(f"/items/{item.pk}/")
    assert f"/connect/items/{item.pk}/interest/" in page.content.decode()
    answer = buyer.post(
        f"/connect/items/{item.pk}/interest/",
        {
            "message": "We buy 200 t a quarter.",
            "quantity": "200",
            "value_amount": "180000",
            "value_currency": "usd",
        },
    )
    assert answer.status_code == 302
    interest = Interest.objects.get()
    assert interest.quantity == 200 and interest.value_currency == "USD"

    owner = signed_in(member)
    inbox = owner.get("/connect/").content.decode()
    assert "We buy 200 t a quarter." in inbox and "Caspian Foods" in inbox
    assert trader.email not in inbox  # not before both agree
    (told,) = Message.objects.filter(recipient=member)
    assert trader.email not in told.text
    assert all(trader.email not in body for body in bodies(mail, member.email))
    api = owner.get("/api/v1/connect/interests").json()
    assert api["received"][0]["message"] == "We buy 200 t a quarter."
    assert trader.email not in str(api)

    owner.post(f"/connect/interests/{interest.uid}/accept/")
    intro = Introduction.objects.get()
    assert intro.state == "accepted" and intro.decided_at is not None
    assert trader.email in owner.get("/connect/").content.decode()
    assert member.email in buyer.get("/connect/").content.decode()
    assert "+994 12 555 0101" in owner.get("/connect/").content.decode()
    assert any(trader.email in b for b in bodies(mail, member.email))
    assert any(member.email in b for b in bodies(mail, trader.email))
    (row,) = buyer.get("/api/v1/connect/introductions").json()["introductions"]
    assert row["contact"]["email"] == member.email and row["state"] == "accepted"
    # The subscribers' Atom feed carries the item, never the interest or the contacts.
    feed = Client().get(f"/feeds/subscriptions/{atom.feed_token}/").content.decode()
    assert item.title in feed
    assert trader.email not in feed and member.email not in feed and "200 t" not in feed
    actions = set(Event.objects.values_list("action", flat=True))
    assert {"interest-sent", "interest-accepted"} <= actions


def test_a_declined_interest_shares_nothing(mail, make_item, member, trader, token_for):
    item = make_item(publish=True)
    token = token_for(trader)
    sent = signed_in(trader).post(
        "/api/v1/connect/interests",
        {"item": str(item.uid), "message": "Interested."},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert sent.status_code == 201, sent.content
    uid = sent.json()["uid"]
    declined = signed_in(member).post(f"/api/v1/connect/interests/{uid}/decline")
    assert declined.json()["status"] == "declined"
    assert not Introduction.objects.exists()
    assert "declined" in signed_in(trader).get("/connect/").content.decode().lower()
    assert all(member.email not in b for b in bodies(mail, trader.email))
    assert member.email not in signed_in(trader).get("/connect/").content.decode()


def test_bad_input_gone_items_blocks_and_rate_limits(make_item, member, trader, settings, staff_az):
    item = make_item(publish=True)
    buyer = signed_in(trader)
    bad = buyer.post(f"/connect/items/{item.pk}/interest/", {"message": "", "quantity": "lots"})
    assert bad.status_code == 422
    page = bad.content.decode()
    assert "is required" in page and "&#x27;lots&#x27; is not a number" in page
    api = buyer.post(
        "/api/v1/connect/interests",
        {"item": str(item.uid), "message": "x\x00"},
        content_type="application/json",
    )
    assert api.status_code == 422 and api.json()["errors"][0]["field"] == "body.message"
    assert not Interest.objects.exists()

    gone = make_item(publish=True, title="Old lot")
    catalog.item_withdraw(actor=staff_az, item=gone)
    refused = buyer.post(f"/connect/items/{gone.pk}/interest/", {"message": "Still there?"})
    assert refused.status_code == 409 and "was withdrawn" in refused.content.decode()

    first = buyer.post(f"/connect/items/{item.pk}/interest/", {"message": "Hello"})
    assert first.status_code == 302
    interest = Interest.objects.get(item=item)
    signed_in(member).post(f"/connect/interests/{interest.uid}/block/")
    interest.refresh_from_db()
    assert interest.status == "declined"
    blocked = buyer.post(f"/connect/items/{item.pk}/interest/", {"message": "Again"})
    assert blocked.status_code == 403 and "does not take interests" in blocked.content.decode()

    services.block_set(
        actor=member, owner=member.organisation, blocked=trader.organisation, on=False
    )
    settings.CONNECT_RATE_LIMIT = "2/h"  # "Hello" counted already
    other = make_item(publish=True, title="Another lot")
    third = make_item(publish=True, title="A third lot")
    assert buyer.post(f"/connect/items/{other.pk}/interest/", {"message": "One"}).status_code == 302
    limited = buyer.post(f"/connect/items/{third.pk}/interest/", {"message": "Two"})
    assert limited.status_code == 429 and "too many" in limited.content.decode()


def test_staff_propose_both_accept_or_one_declines_or_it_expires(
    mail, company, buyer_org, member, trader, staff_az, staff_pk
):
    intro = services.introduction_propose(actor=staff_az, a=company, b=buyer_org, note="Rice")
    owner, buyer = signed_in(member), signed_in(trader)
    assert trader.email not in owner.get("/connect/").content.decode()
    owner.post(f"/connect/introductions/{intro.uid}/accept/")
    intro.refresh_from_db()
    assert intro.state == "proposed" and intro.a_contact == {} and intro.b_contact == {}
    assert trader.email not in owner.get("/connect/").content.decode()
    again = owner.post(
        f"/api/v1/connect/introductions/{intro.uid}/answer",
        {"accept": False},
        content_type="application/json",
    )
    assert again.status_code == 409 and "already answered (accepted)" in again.json()["detail"]
    buyer.post(f"/connect/introductions/{intro.uid}/accept/")
    intro.refresh_from_db()
    assert intro.state == "accepted"
    assert trader.email in owner.get("/connect/").content.decode()
    assert any(member.email in b for b in bodies(mail, trader.email))

    declined = services.introduction_propose(actor=staff_pk, a=buyer_org, b=company)
    buyer.post(f"/connect/introductions/{declined.uid}/decline/")
    declined.refresh_from_db()
    assert declined.state == "declined" and declined.a_contact == declined.b_contact == {}

    lapsed = services.introduction_propose(actor=staff_az, a=company, b=buyer_org)
    services.introduction_answer(actor=member, introduction=lapsed, accept=True)
    later = timezone.now() + dt.timedelta(days=15)
    assert services.introductions_expire_due(now=later) == 1
    lapsed.refresh_from_db()
    assert lapsed.state == "expired" and lapsed.a_contact == lapsed.b_contact == {}
    late = buyer.post(
        f"/api/v1/connect/introductions/{lapsed.uid}/answer",
        {"accept": True},
        content_type="application/json",
    )
    assert late.status_code == 409 and "expired" in late.json()["detail"]


def test_only_staff_propose_and_hide(company, buyer_org, member, trader, staff_az, make_item):
    refused = signed_in(member).post(
        "/api/v1/connect/introductions",
        {"a": company.slug, "b": buyer_org.slug},
        content_type="application/json",
    )
    assert refused.status_code == 403
    item = make_item(publish=True)
    interest = services.interest_create(actor=trader, item=item, data={"message": "rude words"})
    signed_in(member).post(f"/connect/interests/{interest.uid}/hide/")
    interest.refresh_from_db()
    assert interest.hidden_at is None  # members do not hide
    signed_in(staff_az).post(f"/connect/interests/{interest.uid}/hide/")
    interest.refresh_from_db()
    assert interest.hidden_at is not None
    assert "rude words" not in signed_in(member).get("/connect/").content.decode()
    audit = signed_in(staff_az).get("/audit/?kind=connect").content.decode()
    assert "interest-hidden" in audit


def test_staff_propose_on_the_page_with_errors_beside_the_fields(company, buyer_org, staff_az):
    staff = signed_in(staff_az)
    assert "First organisation" in staff.get("/connect/propose/").content.decode()
    missing = staff.post("/connect/propose/", {"a": company.slug, "b": ""})
    assert missing.status_code == 422
    assert "Second organisation: choose an organisation" in missing.content.decode()
    same = staff.post("/connect/propose/", {"a": company.slug, "b": company.slug})
    assert same.status_code == 422 and "must be another organisation" in same.content.decode()
    done = staff.post("/connect/propose/", {"a": company.slug, "b": buyer_org.slug, "note": "Rice"})
    assert done.status_code == 302
    intro = Introduction.objects.get()
    assert intro.state == "proposed" and intro.proposed_by == staff_az and intro.note == "Rice"
    board = staff.get("/connect/dashboard/").content.decode()
    assert "Introductions waiting for an answer" in board and buyer_org.name in board
    assert "Caspian Foods" in staff.get("/connect/dashboard/introductions.csv").content.decode()
