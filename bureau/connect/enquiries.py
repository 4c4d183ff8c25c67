"""Enquiries to a chamber: asked by a signed-in person, or by email confirmed through a link;
queued for the chamber's staff, who assign, answer and close them against a response target."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bureau.accounts import permissions
from bureau.accounts.models import Organisation, User
from bureau.catalog import services as catalog
from bureau.catalog.models import Item
from bureau.connect import common, workdays
from bureau.connect.models import MESSAGE_LENGTH, ChamberTarget, Enquiry
from bureau.connect.states import EnquiryState, TransitionRefused, enquiry_step
from bureau.core import parsing
from bureau.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

SALT = "bureau.connect.enquiry"
LINK_SECONDS = 3 * 86400
NOTICE_TYPES = {"regulation": "regulation", "tariff": "tariff", "mission": "trade_mission"}


def _email(value: Any) -> str:
    address = parsing.text(value, max_length=254).lower()
    if not address:
        raise ValueError(_("is required"))
    try:
        validate_email(address)
    except Exception:
        raise ValueError(
            _("'%(address)s' is not an email address") % {"address": parsing.shown(address)}
        ) from None
    return address


def _topic(value: Any) -> str:
    word = parsing.text(value, max_length=20) or Enquiry.Topic.OTHER
    if word not in Enquiry.Topic.values:
        raise ValueError(
            _("'%(word)s' is not one of: %(options)s")
            % {"word": parsing.shown(word), "options": ", ".join(Enquiry.Topic.values)}
        )
    return word


def chamber_target(chamber: Organisation) -> tuple[int, frozenset[int], frozenset[dt.date]]:
    """(working days, weekend days, holidays) of the chamber, with the defaults."""
    target = ChamberTarget.objects.filter(chamber=chamber).first()
    if target is None:
        return settings.BUREAU_ENQUIRY_WORKING_DAYS, workdays.parse_weekend("sat,sun"), frozenset()
    return (
        target.working_days,
        workdays.parse_weekend(target.weekend),
        workdays.parse_holidays(target.holidays),
    )


@transaction.atomic
def chamber_target_set(
    *, actor: User, chamber: Organisation, data: Mapping[str, Any]
) -> ChamberTarget:
    """Set the chamber's response-time target, weekend and holidays (its staff only)."""
    if not permissions.moderates(actor, chamber) or chamber.kind != Organisation.Kind.CHAMBER:
        raise PermissionDenied(_("only the chamber's staff set its response target"))

    def days(value: Any) -> int:
        number = parsing.decimal(value)
        if number is None or number != int(number) or not 0 < number <= workdays.MAX_DAYS:
            raise ValueError(
                _("must be a whole number from 1 to %(most)s") % {"most": workdays.MAX_DAYS}
            )
        return int(number)

    def weekend(value: Any) -> str:
        text = parsing.text(value, max_length=40) or "sat,sun"
        workdays.parse_weekend(text)
        return text

    def holidays(value: Any) -> list[str]:
        return sorted(d.isoformat() for d in workdays.parse_holidays(parsing.string_list(value)))

    values = common.parse_fields(
        data, {"working_days": days, "weekend": weekend, "holidays": holidays}
    )
    target, _created = ChamberTarget.objects.update_or_create(chamber=chamber, defaults=values)
    common.record(
        actor=actor,
        organisation=chamber,
        key=f"chamber:{chamber.slug}",
        label=chamber.name,
        action="target-set",
        detail=str(values),
    )
    return target


def _due(chamber: Organisation, start: dt.datetime) -> dt.datetime:
    days, weekend, holidays = chamber_target(chamber)
    return workdays.add_working_days(start, days, weekend=weekend, holidays=holidays)


@transaction.atomic
def enquiry_create(
    *, actor: User | None, chamber: Organisation, data: Mapping[str, Any], address: str = "unknown"
) -> Enquiry:
    """A question to a chamber. Signed in: queued at once. Otherwise a link confirms the email."""
    if chamber.kind != Organisation.Kind.CHAMBER or chamber.origin_node:
        raise NotFound(_("there is no such chamber at this node"))
    signed_in = isinstance(actor, User) and actor.is_active
    parsers: dict[str, Any] = {
        "topic": _topic,
        "subject": common.required_text(200),
        "question": common.required_text(MESSAGE_LENGTH * 2),
        "name": common.optional_text(200),
    }
    if not signed_in:
        parsers["email"] = _email
    values = common.parse_fields(data, parsers)
    common.rate_check("enquiry", user=actor if signed_in else None, address=address)
    if signed_in:
        assert isinstance(actor, User)
        values["email"] = actor.email
    enquiry = Enquiry.objects.create(
        chamber=chamber,
        asker=actor if signed_in else None,
        language=translation.get_language() or "",
        **values,
    )
    common.record(
        actor=actor if signed_in else None,
        organisation=chamber,
        key=f"enquiry:{enquiry.uid}",
        label=enquiry.subject,
        action="enquiry-asked",
    )
    if signed_in:
        _start(enquiry)
    else:
        _send_link(enquiry)
    return enquiry


def _start(enquiry: Enquiry) -> None:
    now = timezone.now()
    enquiry.state = enquiry_step(EnquiryState(enquiry.state), "confirm")
    enquiry.asked_at, enquiry.due_at = now, _due(enquiry.chamber, now)
    enquiry.save(update_fields=["state", "asked_at", "due_at"])
    about = enquiry.subject
    common.tell(
        common.people_of(enquiry.chamber),
        lambda: _("Enquiry: %(subject)s") % {"subject": about[:150]},
        enquiry.question,
        "/connect/queue/",
    )


def _send_link(enquiry: Enquiry) -> None:
    from django.core.mail import send_mail

    token = signing.dumps(str(enquiry.uid), salt=SALT)
    link = common_url(reverse("connect:enquiry_confirm", args=[token]))
    text = _("Follow this link to send your question to %(chamber)s:\n\n%(link)s\n") % {
        "chamber": enquiry.chamber.name,
        "link": link,
    }
    address = enquiry.email
    transaction.on_commit(
        lambda: send_mail(_("Confirm your enquiry"), text, settings.DEFAULT_FROM_EMAIL, [address])
    )


def common_url(path: str) -> str:
    from bureau.core.addresses import public_url

    return public_url(path)


@transaction.atomic
def enquiry_confirm(*, token: str) -> Enquiry:
    """The asker followed the emailed link: the enquiry joins the queue, and its clock starts."""
    try:
        uid = signing.loads(token, salt=SALT, max_age=LINK_SECONDS)
    except signing.BadSignature:
        raise ValidationFailed.single("token", _("the link is not valid or has expired")) from None
    enquiry = Enquiry.objects.select_for_update().filter(uid=uid).first()
    if enquiry is None:
        raise NotFound(_("there is no such enquiry"))
    if enquiry.state == EnquiryState.UNCONFIRMED:
        _start(enquiry)
    return enquiry


def _staff_step(actor: User, enquiry: Enquiry, step: str) -> EnquiryState:
    if not permissions.moderates(actor, enquiry.chamber):
        raise PermissionDenied(_("only the chamber's staff handle its enquiries"))
    try:
        return enquiry_step(EnquiryState(enquiry.state), step)
    except TransitionRefused as refusal:
        raise Conflict(str(refusal)) from None


@transaction.atomic
def enquiry_assign(*, actor: User, enquiry: Enquiry, to: User) -> Enquiry:
    """Give the enquiry to a member of the chamber's staff."""
    enquiry.state = _staff_step(actor, enquiry, "assign")
    if not permissions.moderates(to, enquiry.chamber):
        raise ValidationFailed.single("to", _("must be chamber staff of this chamber"))
    enquiry.assigned_to = to
    enquiry.save(update_fields=["state", "assigned_to"])
    common.record(
        actor=actor,
        organisation=enquiry.chamber,
        key=f"enquiry:{enquiry.uid}",
        label=enquiry.subject,
        action="enquiry-assigned",
        detail=to.email,
    )
    return enquiry


@transaction.atomic
def enquiry_answer(*, actor: User, enquiry: Enquiry, answer: str, publish: bool = False) -> Enquiry:
    """Answer the asker by email (and in the bureau); ``publish`` also makes it a market notice."""
    state = _staff_step(actor, enquiry, "answer")
    text = common.parse_fields({"answer": answer}, {"answer": common.required_text(10_000)})[
        "answer"
    ]
    enquiry.state, enquiry.answer = state, text
    enquiry.answered_at, enquiry.answered_by = timezone.now(), actor
    if publish:
        enquiry.notice = _publish(actor, enquiry)
    enquiry.save()
    common.record(
        actor=actor,
        organisation=enquiry.chamber,
        key=f"enquiry:{enquiry.uid}",
        label=enquiry.subject,
        action="enquiry-answered",
    )
    _tell_asker(enquiry)
    return enquiry


def _publish(actor: User, enquiry: Enquiry) -> Item:
    data = {
        "kind": "notice",
        "title": enquiry.subject,
        "summary": enquiry.answer[:2000],
        "body": f"{enquiry.question}\n\n{enquiry.answer}",
        "notice_type": NOTICE_TYPES.get(enquiry.topic, "announcement"),
        "organisation": enquiry.chamber.slug,
    }
    return catalog.item_create(actor=actor, data=data, publish=True)


def _tell_asker(enquiry: Enquiry) -> None:
    from django.core.mail import send_mail

    about = enquiry.subject
    if enquiry.asker is not None:
        common.tell(
            [enquiry.asker],
            lambda: _("Answer: %(subject)s") % {"subject": about[:150]},
            enquiry.answer,
        )
        return
    with translation.override(enquiry.language or settings.LANGUAGE_CODE):
        subject = _("Answer: %(subject)s") % {"subject": about[:150]}
    text, address = enquiry.answer + "\n", enquiry.email
    transaction.on_commit(lambda: send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, [address]))


@transaction.atomic
def enquiry_close(*, actor: User, enquiry: Enquiry) -> Enquiry:
    enquiry.state = _staff_step(actor, enquiry, "close")
    enquiry.closed_at = timezone.now()
    enquiry.save(update_fields=["state", "closed_at"])
    common.record(
        actor=actor,
        organisation=enquiry.chamber,
        key=f"enquiry:{enquiry.uid}",
        label=enquiry.subject,
        action="enquiry-closed",
    )
    return enquiry


@transaction.atomic
def enquiry_hide(*, actor: User, enquiry: Enquiry) -> Enquiry:
    """Hide an abusive enquiry from the queue; it stays on record."""
    if not permissions.moderates(actor, enquiry.chamber):
        raise PermissionDenied(_("only the chamber's staff handle its enquiries"))
    enquiry.hidden_at = timezone.now()
    if enquiry.state in (EnquiryState.NEW, EnquiryState.ASSIGNED, EnquiryState.UNCONFIRMED):
        enquiry.state, enquiry.closed_at = EnquiryState.CLOSED, enquiry.hidden_at
    enquiry.save(update_fields=["hidden_at", "state", "closed_at"])
    common.record(
        actor=actor,
        organisation=enquiry.chamber,
        key=f"enquiry:{enquiry.uid}",
        label=enquiry.subject,
        action="enquiry-hidden",
    )
    return enquiry
