"""The connect loop across nodes, over the exchange's addressed messages.

``interest``  asker's node -> owner's node: the interest, without any contact detail.
``answer``    owner's node -> asker's node: accepted (with the owner's contact card) or declined.
``contacts``  asker's node -> owner's node: the asker's card, sent only after an acceptance.

Outbound messages wait in ``PeerMessage`` until the peer took them (202), and are retried with
back-off; an answer of 409 (received before) counts as taken. Inbound uids are kept per peer,
so a replayed message is refused.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from bureau.catalog.models import Item, Status
from bureau.connect import common
from bureau.connect.models import MESSAGE_LENGTH, Interest, Introduction, PeerMessage
from bureau.connect.states import Answer, IntroState
from bureau.core import parsing
from bureau.core.errors import Conflict, NotFound
from bureau.exchange import client, messages
from bureau.exchange.models import Peer

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 50
CARD_FIELDS = ("name", "email", "organisation", "phone", "website")


def queue(peer: str, message_type: str, body: dict[str, Any]) -> PeerMessage:
    """Keep a message for ``peer``, sent by the worker after commit."""
    return PeerMessage.objects.create(
        direction=PeerMessage.Direction.OUT, peer=peer, type=message_type, body=body
    )


def _num(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def interest_body(interest: Interest) -> dict[str, Any]:
    """What the owner's node learns: no name, no email, no phone."""
    return {
        "interest": str(interest.uid),
        "item": str(interest.item.uid),
        "message": interest.message,
        "quantity": _num(interest.quantity),
        "value_amount": _num(interest.value_amount),
        "value_currency": interest.value_currency,
        "sender_label": interest.sender_label,
    }


def answer_body(interest: Interest, card: dict[str, str] | None) -> dict[str, Any]:
    body: dict[str, Any] = {"interest": str(interest.uid), "answer": interest.status}
    if card is not None:
        body["contact"] = card
    return body


def send_due(*, now: dt.datetime | None = None) -> int:
    """Send every outbound message that is due; returns how many the peers took."""
    now = now or timezone.now()
    sent = 0
    due = PeerMessage.objects.filter(
        direction=PeerMessage.Direction.OUT,
        sent_at__isnull=True,
        next_try_at__lte=now,
        attempts__lt=MAX_ATTEMPTS,
    )[:100]
    for message in due:
        sent += _send_one(message)
    return sent


def _send_one(message: PeerMessage) -> int:
    peer = Peer.objects.filter(name=message.peer).first()
    try:
        if peer is None:
            raise client.PeerUnavailable(f"'{message.peer}' is not a peer of this node")
        messages.send(peer, uid=str(message.uid), message_type=message.type, body=message.body)
    except client.PeerUnavailable as error:
        if " answered 409" not in str(error):
            delay = min(3600.0, 2.0 ** min(message.attempts, 12))
            PeerMessage.objects.filter(pk=message.pk).update(
                attempts=message.attempts + 1,
                last_error=str(error)[:500],
                next_try_at=timezone.now() + dt.timedelta(seconds=delay),
            )
            log.info("connect: message %s to %s failed: %s", message.uid, message.peer, error)
            return 0
    PeerMessage.objects.filter(pk=message.pk).update(
        sent_at=timezone.now(), attempts=message.attempts + 1
    )
    return 1


def _receive(peer: Peer, uid: str, kind: str) -> None:
    """Keep the uid; a second time is a replay."""
    try:
        with transaction.atomic():
            PeerMessage.objects.create(
                direction=PeerMessage.Direction.IN,
                peer=peer.name,
                uid=uid,
                type=kind,
                sent_at=timezone.now(),
            )
    except IntegrityError:
        raise messages.Replayed(uid) from None


def _text(body: dict[str, Any], name: str, max_length: int, *, required: bool = False) -> str:
    value = common.parse_fields(
        body,
        {name: common.required_text(max_length) if required else common.optional_text(max_length)},
    )[name]
    return str(value)


def _card(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {k: parsing.text(value.get(k), max_length=300) for k in CARD_FIELDS if value.get(k)}


@transaction.atomic
def on_interest(peer: Peer, uid: str, body: dict[str, Any]) -> None:
    """An interest in one of this node's items, from a person at ``peer``."""
    item = Item.objects.filter(uid=_uuid(body.get("item"), "item")).first()
    if item is None or not item.is_local:
        raise NotFound("there is no item of this node with that uid")
    if item.status != Status.PUBLISHED:
        raise Conflict(f"the item is {item.status}; it no longer takes expressions of interest")
    values = common.parse_fields(
        body,
        {
            "message": common.required_text(MESSAGE_LENGTH),
            "quantity": common.positive_amount,
            "value_amount": common.positive_amount,
            "value_currency": common.currency,
            "sender_label": common.optional_text(200),
        },
    )
    _receive(peer, uid, "interest")
    interest = Interest.objects.create(
        uid=_uuid(body.get("interest"), "interest"),
        item=item,
        owner=item.organisation,
        sender_node=peer.name,
        **values,
    )
    common.record(
        actor=None,
        organisation=item.organisation,
        key=f"interest:{interest.uid}",
        label=item.title,
        action="interest-received",
        detail=f"from {peer.name}",
    )
    from bureau.connect.services import _tell_owner

    _tell_owner(interest)


@transaction.atomic
def on_answer(peer: Peer, uid: str, body: dict[str, Any]) -> None:
    """The owner's node answered an interest asked here."""
    interest = _own_interest(peer, body, sender_here=True)
    verdict = body.get("answer")
    if verdict not in ("accepted", "declined"):
        raise common.ValidationFailed.single("answer", "must be accepted or declined")
    _receive(peer, uid, "answer")
    now = timezone.now()
    Interest.objects.filter(pk=interest.pk).update(status=verdict, decided_at=now)
    interest.status = verdict
    if verdict == "declined":
        from bureau.connect.services import tell_declined

        tell_declined(interest)
        return
    mine = common.contact_card(interest.sender, interest.sender_organisation)
    intro = Introduction.objects.create(
        interest=interest,
        item=interest.item,
        a_organisation=interest.sender_organisation,
        a_person=interest.sender,
        a_label=interest.sender_label,
        a_answer=Answer.ACCEPTED,
        a_contact=mine,
        b_organisation=interest.owner,
        b_label=interest.owner.name,
        b_answer=Answer.ACCEPTED,
        b_contact=_card(body.get("contact")),
        remote_node=peer.name,
        state=IntroState.ACCEPTED,
        proposed_at=now,
        expires_at=now,
        decided_at=now,
    )
    common.record(
        actor=None,
        organisation=interest.sender_organisation,
        key=f"interest:{interest.uid}",
        label=interest.item.title,
        action="interest-accepted",
        detail=f"at {peer.name}",
    )
    queue(peer.name, "contacts", {"interest": str(interest.uid), "contact": mine})
    from bureau.connect.services import tell_accepted

    tell_accepted(intro)


@transaction.atomic
def on_contacts(peer: Peer, uid: str, body: dict[str, Any]) -> None:
    """The asker's card, after this node's owner accepted the interest."""
    interest = _own_interest(peer, body, sender_here=False)
    intro = Introduction.objects.filter(interest=interest, state=IntroState.ACCEPTED).first()
    if intro is None:
        raise Conflict("the interest was not accepted here; no contact details are taken")
    _receive(peer, uid, "contacts")
    intro.a_contact = _card(body.get("contact"))
    intro.save(update_fields=["a_contact"])
    from bureau.connect.services import tell_accepted

    tell_accepted(intro)


def _uuid(value: Any, field: str) -> str:
    import uuid

    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise common.ValidationFailed.single(field, "is not a UUID") from None


def _own_interest(peer: Peer, body: dict[str, Any], *, sender_here: bool) -> Interest:
    uid = _uuid(body.get("interest"), "interest")
    found = Interest.objects.select_related("item", "owner").filter(uid=uid).first()
    if found is None:
        raise NotFound("there is no such interest at this node")
    if sender_here and (found.sender_node or found.item.origin_node != peer.name):
        raise NotFound("there is no such interest at this node")  # not this peer's to answer
    if not sender_here and found.sender_node != peer.name:
        raise NotFound("there is no such interest at this node")
    return found


def register() -> None:
    messages.register("interest", on_interest)
    messages.register("answer", on_answer)
    messages.register("contacts", on_contacts)
