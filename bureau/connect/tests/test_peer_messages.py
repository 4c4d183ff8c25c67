"""Addressed messages over the exchange (``POST /exchange/v1/messages``): an interest from a
peer's member, the answer back, the asker's card after acceptance; and the faults: tampered,
replayed, unknown sender, misaddressed. Contact details never travel before both accept."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from bureau.connect import peers, services
from bureau.connect.models import Interest, Introduction, PeerMessage
from bureau.connect.tests.conftest import signed_in
from bureau.exchange import keys, peerauth
from bureau.exchange import services as exchange
from bureau.inbox.models import Message

pytestmark = pytest.mark.django_db
PEER_KEY = keys.generate()
TARGET = "/exchange/v1/messages"


@pytest.fixture
def peer(db: Any) -> Any:
    return exchange.peer_add(
        name="pk-baku", url="http://127.0.0.1:9", public_key=keys.public_text(PEER_KEY)
    )


def post(
    body: dict[str, Any], *, key: Any = PEER_KEY, sender: str = "pk-baku", tamper: bool = False
) -> Any:
    content = json.dumps(body).encode()
    headers = peerauth.sign_headers(
        key=key,
        method="POST",
        target=TARGET,
        sender=sender,
        recipient=settings.BUREAU_NODE_NAME,
        body=content,
    )
    if tamper:
        content = content.replace(b"200 t", b"900 t")
    return Client().post(TARGET, content, content_type="application/json", headers=headers)


def envelope(item_uid: str, **body: Any) -> dict[str, Any]:
    return {
        "uid": str(uuid.uuid4()),
        "type": "interest",
        "to": settings.BUREAU_NODE_NAME,
        "body": {
            "interest": str(uuid.uuid4()),
            "item": item_uid,
            "message": "We buy 200 t.",
            "sender_label": "Caspian Foods (AZ)",
            **body,
        },
    }


def test_an_interest_from_a_peer_reaches_the_owner_and_the_answer_goes_back(
    peer, make_item, member
):
    item = make_item(publish=True)
    message = envelope(str(item.uid), quantity="200")
    assert post(message).status_code == 202
    interest = Interest.objects.get()
    assert interest.sender_node == "pk-baku" and interest.sender is None
    assert Message.objects.filter(recipient=member, subject__contains=item.title[:20]).exists()

    assert post(message).status_code == 409  # replayed: the same uid again
    assert post(envelope(str(item.uid)), tamper=True).status_code == 401
    assert post(envelope(str(item.uid)), key=keys.generate()).status_code == 401
    assert post(envelope(str(item.uid)), sender="xx-nobody").status_code == 401
    misaddressed = envelope(str(item.uid))
    misaddressed["to"] = "pk-baku"
    answer = post(misaddressed)
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "to"
    unknown = envelope(str(item.uid))
    unknown["type"] = "broadcast"
    assert post(unknown).status_code == 422
    bad = post(envelope(str(item.uid), message=""))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "message"
    assert Interest.objects.count() == 1  # nothing written by the refused ones

    services.interest_accept(actor=member, interest=interest)
    out = PeerMessage.objects.get(direction="out", type="answer")
    assert out.peer == "pk-baku" and out.body["answer"] == "accepted"
    assert out.body["contact"]["email"] == member.email
    intro = Introduction.objects.get()
    assert intro.a_contact == {}  # the asker's card comes only after acceptance
    page = signed_in(member).get("/connect/").content.decode()
    assert "on their way from the other node" in page

    contacts = {
        "uid": str(uuid.uuid4()),
        "type": "contacts",
        "to": settings.BUREAU_NODE_NAME,
        "body": {
            "interest": str(interest.uid),
            "contact": {"name": "Leyla", "email": "leyla@caspian.example"},
        },
    }
    assert post(contacts).status_code == 202
    assert "leyla@caspian.example" in signed_in(member).get("/connect/").content.decode()
    assert Message.objects.filter(recipient=member, text__contains="leyla@caspian.example").exists()


def test_a_peer_cannot_push_contacts_before_acceptance_or_for_others(peer, make_item, member):
    item = make_item(publish=True)
    message = envelope(str(item.uid))
    post(message)
    contacts = {
        "uid": str(uuid.uuid4()),
        "type": "contacts",
        "to": settings.BUREAU_NODE_NAME,
        "body": {"interest": message["body"]["interest"], "contact": {"email": "x@y.example"}},
    }
    assert post(contacts).status_code == 409
    assert not Introduction.objects.exists()
    withdrawn = make_item(publish=True, title="Gone")
    from bureau.catalog.services import item_withdraw

    item_withdraw(actor=member, item=withdrawn)
    gone = post(envelope(str(withdrawn.uid)))
    assert gone.status_code == 409 and "withdrawn" in gone.json()["detail"]


def test_the_interest_that_leaves_for_the_origin_node_carries_no_contact(
    peer, make_item, trader, member
):
    from bureau.catalog.models import Item

    item = make_item(publish=True)
    Item.objects.filter(pk=item.pk).update(origin_node="pk-baku")  # as if received from it
    item.refresh_from_db()
    services.interest_create(actor=trader, item=item, data={"message": "Call us"})
    out = PeerMessage.objects.get(direction="out")
    assert out.type == "interest" and out.peer == "pk-baku"
    assert trader.email not in json.dumps(out.body) and "Caspian Foods" in out.body["sender_label"]
    assert peers.send_due() == 0  # the peer at port 9 does not answer: kept for a retry
    out.refresh_from_db()
    assert out.sent_at is None and out.attempts == 1 and out.last_error


def received_item(make_item: Any) -> Any:
    """A lead as if received from pk-baku (its origin there)."""
    from bureau.catalog.models import Item

    item = make_item(publish=True)
    Item.objects.filter(pk=item.pk).update(origin_node="pk-baku")
    item.refresh_from_db()
    return item


def answer(interest: Interest, verdict: str, **body: Any) -> dict[str, Any]:
    return {
        "uid": str(uuid.uuid4()),
        "type": "answer",
        "to": settings.BUREAU_NODE_NAME,
        "body": {"interest": str(interest.uid), "answer": verdict, **body},
    }


def test_at_the_askers_node_an_acceptance_brings_the_card_and_sends_the_askers_back(
    peer, make_item, trader
):
    item = received_item(make_item)
    interest = services.interest_create(actor=trader, item=item, data={"message": "Call us"})
    card = {"name": "Owner", "email": "owner@rice.example"}
    assert post(answer(interest, "maybe")).status_code == 422
    assert post(answer(interest, "accepted", contact=card), sender="xx-other").status_code == 401
    assert post(answer(interest, "accepted", contact=card)).status_code == 202
    interest.refresh_from_db()
    assert interest.status == "accepted"
    intro = Introduction.objects.get()
    assert intro.b_contact["email"] == "owner@rice.example"
    back = PeerMessage.objects.get(direction="out", type="contacts")
    assert back.body["contact"]["email"] == trader.email
    assert "owner@rice.example" in signed_in(trader).get("/connect/").content.decode()
    assert Message.objects.filter(recipient=trader, text__contains="owner@rice.example").exists()


def test_at_the_askers_node_a_decline_shares_nothing(peer, make_item, trader):
    item = received_item(make_item)
    interest = services.interest_create(actor=trader, item=item, data={"message": "Call us"})
    smuggled = answer(interest, "declined", contact={"email": "owner@rice.example"})
    assert post(smuggled).status_code == 202
    interest.refresh_from_db()
    assert interest.status == "declined" and not Introduction.objects.exists()
    assert not PeerMessage.objects.filter(direction="out", type="contacts").exists()
    assert "owner@rice.example" not in signed_in(trader).get("/connect/").content.decode()
