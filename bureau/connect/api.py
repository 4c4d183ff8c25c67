"""The connect loop over the API: interests, introductions, enquiries and outcomes.

Each operation finds the record, calls a service, and answers with what the caller may see;
contact details appear only in an accepted introduction, and only the other side's.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import ConfigDict

from bureau.accounts.auth import authenticated_user, request_user
from bureau.accounts.models import Organisation
from bureau.catalog.models import Item
from bureau.connect import enquiries, outcomes, selectors, services
from bureau.connect.models import Enquiry, Interest, Introduction
from bureau.core import ratelimit
from bureau.core.errors import NotFound
from bureau.core.schemas import Checked

router = Router(tags=["connect"])
Number = str | int | float | None


class InterestIn(Schema):
    model_config = ConfigDict(extra="forbid")
    item: Annotated[str, Checked(40)]
    message: Annotated[str, Checked(2000)]
    quantity: Number = None
    value_amount: Number = None
    value_currency: Annotated[str, Checked(3)] = ""


class ProposeIn(Schema):
    model_config = ConfigDict(extra="forbid")
    a: Annotated[str, Checked(220)]
    b: Annotated[str, Checked(220)]
    note: Annotated[str, Checked(2000)] = ""


class AnswerIn(Schema):
    model_config = ConfigDict(extra="forbid")
    accept: bool


class EnquiryIn(Schema):
    model_config = ConfigDict(extra="forbid")
    chamber: Annotated[str, Checked(220)]
    topic: Annotated[str, Checked(20)] = "other"
    subject: Annotated[str, Checked(200)]
    question: Annotated[str, Checked(4000)]
    email: Annotated[str, Checked(254)] = ""
    name: Annotated[str, Checked(200)] = ""


class OutcomeIn(Schema):
    model_config = ConfigDict(extra="forbid")
    business: bool = True
    value_amount: Number = None
    value_currency: Annotated[str, Checked(3)] = ""
    hs_code: Annotated[str, Checked(10)] = ""
    exporter_country: Annotated[str, Checked(2)] = ""
    importer_country: Annotated[str, Checked(2)] = ""
    year: int | None = None
    show: bool = False


def _uuid(value: str, missing: str) -> str:
    """``value`` as a UUID; NotFound saying ``missing`` when it is not one."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise NotFound(missing) from None


def interest_out(interest: Interest) -> dict[str, Any]:
    return {
        "uid": str(interest.uid),
        "item": str(interest.item.uid),
        "item_title": interest.item.title,
        "owner": interest.owner.name,
        "from": interest.sender_label,
        "message": interest.shown_message,
        "quantity": interest.quantity,
        "value_amount": interest.value_amount,
        "value_currency": interest.value_currency,
        "status": interest.status,
        "created_at": interest.created_at,
    }


def introduction_out(row: dict[str, Any]) -> dict[str, Any]:
    intro: Introduction = row["introduction"]
    return {
        "uid": str(intro.uid),
        "state": intro.state,
        "with": row["other_label"],
        "item": str(intro.item.uid) if intro.item else None,
        "my_answer": row["my_answer"],
        "proposed_at": intro.proposed_at,
        "expires_at": intro.expires_at,
        "decided_at": intro.decided_at,
        "contact": row["contact"],
    }


@router.post("/connect/interests", response={201: dict}, summary="Express interest in an item")
def create_interest(request: HttpRequest, payload: InterestIn) -> Status[dict[str, Any]]:
    """The owner organisation sees the message (not your contact details) and answers."""
    item = Item.objects.filter(uid=_uuid(payload.item, _("there is no such item"))).first()
    if item is None:
        raise NotFound(_("there is no item '%(item)s'") % {"item": str(payload.item)[:40]})
    data = payload.model_dump()
    interest = services.interest_create(
        actor=authenticated_user(request),
        item=item,
        data=data,
        address=ratelimit.client_address(request),
    )
    return Status(201, interest_out(interest))


@router.get("/connect/interests", response=dict, summary="Interests received and sent")
def list_interests(request: HttpRequest) -> dict[str, Any]:
    user = authenticated_user(request)
    return {
        "received": [interest_out(i) for i in selectors.interests_received(user=user)[:200]],
        "sent": [interest_out(i) for i in selectors.interests_sent(user=user)[:200]],
    }


def _interest(uid: str) -> Interest:
    found = (
        Interest.objects.select_related("item", "owner")
        .filter(uid=_uuid(uid, _("there is no such interest")))
        .first()
    )
    if found is None:
        raise NotFound(_("there is no interest '%(uid)s'") % {"uid": uid})
    return found


@router.post("/connect/interests/{uid}/accept", response=dict, summary="Accept an interest")
def accept_interest(request: HttpRequest, uid: str) -> dict[str, Any]:
    user = authenticated_user(request)
    intro = services.interest_accept(actor=user, interest=_interest(uid))
    return introduction_out(selectors.introduction_for(user=user, introduction=intro))


@router.post("/connect/interests/{uid}/decline", response=dict, summary="Decline an interest")
def decline_interest(request: HttpRequest, uid: str) -> dict[str, Any]:
    return interest_out(
        services.interest_decline(actor=authenticated_user(request), interest=_interest(uid))
    )


@router.get("/connect/introductions", response=dict, summary="Your introductions")
def list_introductions(request: HttpRequest) -> dict[str, Any]:
    user = authenticated_user(request)
    rows = selectors.introductions_of(user=user)[:200]
    return {
        "introductions": [
            introduction_out(selectors.introduction_for(user=user, introduction=i)) for i in rows
        ]
    }


@router.post(
    "/connect/introductions", response={201: dict}, summary="Propose an introduction (staff)"
)
def propose(request: HttpRequest, payload: ProposeIn) -> Status[dict[str, Any]]:
    found = {o.slug: o for o in Organisation.objects.filter(slug__in=[payload.a, payload.b])}
    for side in ("a", "b"):
        if getattr(payload, side) not in found:
            raise services.ValidationFailed.single(side, _("is not the slug of an organisation"))
    user = authenticated_user(request)
    intro = services.introduction_propose(
        actor=user, a=found[payload.a], b=found[payload.b], note=payload.note
    )
    return Status(
        201, {"uid": str(intro.uid), "state": intro.state, "expires_at": intro.expires_at}
    )


def _introduction(uid: str) -> Introduction:
    found = Introduction.objects.filter(uid=_uuid(uid, _("there is no such introduction"))).first()
    if found is None:
        raise NotFound(_("there is no introduction '%(uid)s'") % {"uid": uid})
    return found


@router.post("/connect/introductions/{uid}/answer", response=dict, summary="Accept or decline")
def answer_introduction(request: HttpRequest, uid: str, payload: AnswerIn) -> dict[str, Any]:
    user = authenticated_user(request)
    intro = services.introduction_answer(
        actor=user, introduction=_introduction(uid), accept=payload.accept
    )
    return introduction_out(selectors.introduction_for(user=user, introduction=intro))


@router.post(
    "/connect/introductions/{uid}/outcomes", response={201: dict}, summary="Report an outcome"
)
def report_outcome(request: HttpRequest, uid: str, payload: OutcomeIn) -> Status[dict[str, Any]]:
    outcome = outcomes.outcome_report(
        actor=authenticated_user(request),
        introduction=_introduction(uid),
        data=payload.model_dump(),
    )
    return Status(201, {"id": outcome.pk, "value_usd": outcome.value_usd, "confirmed": False})


@router.post("/connect/enquiries", response={201: dict}, auth=None, summary="Ask a chamber")
def create_enquiry(request: HttpRequest, payload: EnquiryIn) -> Status[dict[str, Any]]:
    """Signed in (token or session): queued at once. Otherwise ``email`` gets a confirmation link."""
    chamber = Organisation.objects.chambers().filter(slug=payload.chamber, origin_node="").first()
    if chamber is None:
        raise services.ValidationFailed.single(
            "chamber", _("is not the slug of a chamber of this node")
        )
    enquiry = enquiries.enquiry_create(
        actor=request_user(request),
        chamber=chamber,
        data=payload.model_dump(),
        address=ratelimit.client_address(request),
    )
    return Status(201, enquiry_out(enquiry))


def enquiry_out(enquiry: Enquiry) -> dict[str, Any]:
    return {
        "uid": str(enquiry.uid),
        "chamber": enquiry.chamber.slug,
        "subject": enquiry.subject,
        "topic": enquiry.topic,
        "state": enquiry.state,
        "asked_at": enquiry.asked_at,
        "due_at": enquiry.due_at,
        "overdue": enquiry.is_overdue,
        "answered_at": enquiry.answered_at,
    }


@router.get("/connect/enquiries", response=dict, summary="The chamber's enquiry queue (staff)")
def list_enquiries(request: HttpRequest) -> dict[str, Any]:
    rows = selectors.enquiry_queue(user=authenticated_user(request))[:500]
    return {"enquiries": [enquiry_out(e) for e in rows]}


@router.get("/connect/facilitated", response=dict, auth=None, summary="Deals facilitated")
def facilitated(request: HttpRequest) -> dict[str, Any]:
    """Confirmed deals per year and direction (exporting and importing country), in US$."""
    return {"deals": [vars(d) for d in selectors.deals_facilitated()]}
