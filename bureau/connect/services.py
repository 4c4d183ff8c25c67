"""Expressions of interest and introductions: services that write, and tell those concerned.

An interest is from a person (and their organisation, if any) to the organisation that owns a
published item. The owner accepts it, which makes an accepted introduction at once (the asker
agreed by asking), or declines it. Chamber staff may also propose an introduction between two
organisations; then both sides answer. Contact details are written into an introduction only
when it is accepted, so no page, API answer, feed or message can show them before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from bureau.accounts import permissions
from bureau.accounts.models import Organisation, User
from bureau.catalog.models import Item, Kind, Status
from bureau.connect import common, peers
from bureau.connect.models import MESSAGE_LENGTH, Block, Interest, Introduction
from bureau.connect.states import (
    Answer,
    IntroState,
    TransitionRefused,
    answer,
    expire,
    state_of,
    state_word,
)
from bureau.core.errors import Conflict, PermissionDenied, ValidationFailed

INBOX_URL = "/connect/"
GONE = {
    Status.WITHDRAWN: gettext_noop(
        "this item was withdrawn by its owner; it no longer takes expressions of interest"
    ),
    Status.EXPIRED: gettext_noop(
        "this item has expired; it no longer takes expressions of interest"
    ),
}


def _deadline() -> dt.datetime:
    return timezone.now() + dt.timedelta(days=settings.BUREAU_INTRODUCTION_DAYS)


def item_open_for_interest(item: Item) -> None:
    """Raise Conflict with a clear reason unless the item is published."""
    if item.status in GONE:
        raise Conflict(_(GONE[Status(item.status)]))
    if item.status != Status.PUBLISHED:
        raise Conflict(_("only published items take expressions of interest"))


def _parse_interest(item: Item, data: Mapping[str, Any]) -> dict[str, Any]:
    parsers: dict[str, Any] = {"message": common.required_text(MESSAGE_LENGTH)}
    if item.kind == Kind.LEAD:
        parsers |= {
            "quantity": common.positive_amount,
            "value_amount": common.positive_amount,
            "value_currency": common.currency,
        }
    values = common.parse_fields(data, parsers)
    if values.get("value_amount") is not None and not values.get("value_currency"):
        raise ValidationFailed.single("value_currency", _("is required with a value"))
    return values


def _check_sender(actor: User, item: Item) -> None:
    if actor.organisation_id is not None and actor.organisation_id == item.organisation_id:
        raise PermissionDenied(_("this item is your own organisation's"))
    if (
        actor.organisation_id
        and Block.objects.filter(owner=item.organisation, blocked=actor.organisation).exists()
    ):
        raise PermissionDenied(
            _("the owner of this item does not take interests from your organisation")
        )
    if Interest.objects.filter(item=item, sender=actor, status=Interest.Status.OPEN).exists():
        raise Conflict(
            _("you have already expressed interest in this item; wait for the owner's answer")
        )


def sender_label(actor: User) -> str:
    org = actor.organisation
    return f"{org.name} ({org.country})" if org else _("A trader without an organisation")


@transaction.atomic
def interest_create(
    *, actor: User, item: Item, data: Mapping[str, Any], address: str = "unknown"
) -> Interest:
    """Express interest in a published item; the owner is told (across nodes if it is remote)."""
    if not (isinstance(actor, User) and actor.is_active):
        raise PermissionDenied(_("sign in to express interest"))
    item_open_for_interest(item)
    values = _parse_interest(item, data)
    _check_sender(actor, item)
    common.rate_check("interest", user=actor, address=address)
    interest = Interest.objects.create(
        item=item,
        owner=item.organisation,
        sender=actor,
        sender_organisation=actor.organisation,
        sender_label=sender_label(actor),
        **values,
    )
    common.record(
        actor=actor,
        organisation=item.organisation,
        key=f"interest:{interest.uid}",
        label=item.title,
        action="interest-sent",
    )
    if item.is_local:
        _tell_owner(interest)
    else:
        peers.queue(item.origin_node, "interest", peers.interest_body(interest))
    return interest


def _tell_owner(interest: Interest) -> None:
    title, who, message = interest.item.title, interest.sender_label, interest.message
    common.tell(
        common.people_of(interest.owner),
        lambda: _("Interest in “%(title)s”") % {"title": title[:150]},
        lambda: (
            _(
                "%(who)s is interested in “%(title)s”:\n\n%(message)s\n\n"
                "Accept to exchange contact details, or decline."
            )
            % {"who": who, "title": title, "message": message}
        ),
        INBOX_URL,
    )


def _decide_check(actor: User, interest: Interest) -> None:
    if not permissions.acts_for(actor, interest.owner):
        raise PermissionDenied(_("only the item's organisation answers this interest"))
    if interest.status != Interest.Status.OPEN:
        raise Conflict(
            _("this interest is already %(state)s") % {"state": state_word(interest.status)}
        )
    if not interest.item.is_local:
        raise Conflict(_("the item's owner answers at its own node"))


@transaction.atomic
def interest_accept(*, actor: User, interest: Interest) -> Introduction:
    """Accept an interest: both sides have agreed, so contact details cross now."""
    _decide_check(actor, interest)
    now = timezone.now()
    Interest.objects.filter(pk=interest.pk).update(status=Interest.Status.ACCEPTED, decided_at=now)
    interest.status = Interest.Status.ACCEPTED
    owner_card = common.contact_card(actor, interest.owner)
    intro = Introduction.objects.create(
        interest=interest,
        item=interest.item,
        a_organisation=interest.sender_organisation,
        a_person=interest.sender,
        a_label=interest.sender_label,
        a_answer=Answer.ACCEPTED,
        a_contact=common.contact_card(interest.sender, interest.sender_organisation)
        if interest.sender
        else {},
        b_organisation=interest.owner,
        b_person=actor,
        b_label=interest.owner.name,
        b_answer=Answer.ACCEPTED,
        b_contact=owner_card,
        remote_node=interest.sender_node,
        state=IntroState.ACCEPTED,
        proposed_by=actor,
        proposed_at=now,
        expires_at=_deadline(),
        decided_at=now,
    )
    common.record(
        actor=actor,
        organisation=interest.owner,
        key=f"interest:{interest.uid}",
        label=interest.item.title,
        action="interest-accepted",
    )
    if interest.sender_node:  # the asker's contact details come back in a message
        peers.queue(interest.sender_node, "answer", peers.answer_body(interest, owner_card))
    else:
        tell_accepted(intro)
    return intro


@transaction.atomic
def interest_decline(*, actor: User, interest: Interest) -> Interest:
    """Decline an interest; the asker is told, and no contact details cross."""
    _decide_check(actor, interest)
    Interest.objects.filter(pk=interest.pk).update(
        status=Interest.Status.DECLINED, decided_at=timezone.now()
    )
    interest.status = Interest.Status.DECLINED
    common.record(
        actor=actor,
        organisation=interest.owner,
        key=f"interest:{interest.uid}",
        label=interest.item.title,
        action="interest-declined",
    )
    if interest.sender_node:
        peers.queue(interest.sender_node, "answer", peers.answer_body(interest, None))
    else:
        tell_declined(interest)
    return interest


def tell_declined(interest: Interest) -> None:
    title = interest.item.title
    common.tell(
        [interest.sender],
        lambda: _("Declined: your interest in “%(title)s”") % {"title": title[:150]},
        lambda: (
            _("The owner of “%(title)s” declined your expression of interest.") % {"title": title}
        ),
        INBOX_URL,
    )


def tell_accepted(intro: Introduction) -> None:
    """Each side gets the other's contact details, in the bureau and by email."""
    title = intro.item.title if intro.item else intro.b_label
    for people, card in (
        (_side_people(intro.a_person, intro.a_organisation), intro.b_contact),
        (_side_people(intro.b_person, intro.b_organisation), intro.a_contact),
    ):
        _tell_card(people, title, card)


def _tell_card(people: list[User], title: str, card: dict[str, str]) -> None:
    common.tell(
        people,
        lambda: _("Introduction accepted: %(title)s") % {"title": title[:150]},
        lambda: (
            _("Both sides accepted. Contact details:\n\n%(card)s")
            % {"card": common.card_text(card)}
        ),
        INBOX_URL,
    )


def _side_people(person: User | None, organisation: Organisation | None) -> list[User]:
    return [person] if person is not None else common.people_of(organisation)


@transaction.atomic
def introduction_propose(
    *, actor: User, a: Organisation, b: Organisation, note: str = ""
) -> Introduction:
    """Chamber staff introduce two organisations; both sides then accept or decline."""
    if not (permissions.moderates(actor, a) or permissions.moderates(actor, b)):
        raise PermissionDenied(_("only chamber staff of one of the two organisations propose"))
    if a.pk == b.pk:
        raise ValidationFailed.single("b", _("must be another organisation than a"))
    note = common.parse_fields({"note": note}, {"note": common.optional_text(MESSAGE_LENGTH)})[
        "note"
    ]
    intro = Introduction.objects.create(
        a_organisation=a,
        a_label=a.name,
        b_organisation=b,
        b_label=b.name,
        note=note,
        proposed_by=actor,
        expires_at=_deadline(),
    )
    common.record(
        actor=actor,
        organisation=a,
        key=f"introduction:{intro.uid}",
        label=f"{a.name} — {b.name}",
        action="introduction-proposed",
        detail=note,
    )
    for mine, other in ((a, b), (b, a)):
        _tell_proposed(common.people_of(mine), other.name, note)
    return intro


def _tell_proposed(people: list[User], name: str, note: str) -> None:
    common.tell(
        people,
        lambda: _("Introduction proposed: %(name)s") % {"name": name[:150]},
        lambda: (
            _(
                "Chamber staff propose to introduce you to %(name)s.\n\n%(note)s\n\n"
                "Accept or decline in the bureau."
            )
            % {"name": name, "note": note}
        ),
        INBOX_URL,
    )


def _side_of(actor: User, intro: Introduction) -> str:
    for side in ("a", "b"):
        org = getattr(intro, f"{side}_organisation")
        if org is not None and actor.organisation_id == org.pk:
            return side
    raise PermissionDenied(_("only the two sides of an introduction answer it"))


@transaction.atomic
def introduction_answer(*, actor: User, introduction: Introduction, accept: bool) -> Introduction:
    """One side accepts or declines; on the second acceptance contact details cross."""
    intro = Introduction.objects.select_for_update().get(pk=introduction.pk)
    side = _side_of(actor, intro)
    try:
        given = answer(
            IntroState(intro.state),
            Answer(getattr(intro, f"{side}_answer")),
            Answer.ACCEPTED if accept else Answer.DECLINED,
        )
    except TransitionRefused as refusal:
        raise Conflict(str(refusal)) from None
    setattr(intro, f"{side}_answer", given)
    setattr(intro, f"{side}_person", actor)
    intro.state = state_of(Answer(intro.a_answer), Answer(intro.b_answer))
    if intro.state == IntroState.ACCEPTED:
        intro.a_contact = common.contact_card(intro.a_person, intro.a_organisation)
        intro.b_contact = common.contact_card(intro.b_person, intro.b_organisation)
    if intro.state != IntroState.PROPOSED:
        intro.decided_at = timezone.now()
    intro.save()
    common.record(
        actor=actor,
        organisation=getattr(intro, f"{side}_organisation"),
        key=f"introduction:{intro.uid}",
        label=f"{intro.a_label} — {intro.b_label}",
        action=f"introduction-{given.value}",
    )
    if intro.state == IntroState.ACCEPTED:
        tell_accepted(intro)
    return intro


def introductions_expire_due(*, now: dt.datetime | None = None) -> int:
    """Expire every proposed introduction past its deadline; returns how many."""
    now = now or timezone.now()
    count = 0
    for intro in Introduction.objects.filter(state=IntroState.PROPOSED, expires_at__lt=now):
        with transaction.atomic():
            intro.state = expire(IntroState(intro.state))
            intro.decided_at = now
            intro.save(update_fields=["state", "decided_at"])
            common.record(
                actor=None,
                organisation=intro.a_organisation,
                key=f"introduction:{intro.uid}",
                label=f"{intro.a_label} — {intro.b_label}",
                action="introduction-expired",
            )
        count += 1
    return count


@transaction.atomic
def block_set(*, actor: User, owner: Organisation, blocked: Organisation, on: bool) -> None:
    """The owner refuses (or again accepts) interests from ``blocked``."""
    if not permissions.acts_for(actor, owner):
        raise PermissionDenied(_("only the organisation's people block for it"))
    if on:
        Block.objects.get_or_create(owner=owner, blocked=blocked)
        Interest.objects.filter(
            owner=owner, sender_organisation=blocked, status=Interest.Status.OPEN
        ).update(status=Interest.Status.DECLINED, decided_at=timezone.now())
    else:
        Block.objects.filter(owner=owner, blocked=blocked).delete()
    common.record(
        actor=actor,
        organisation=owner,
        key=f"organisation:{blocked.slug}",
        label=blocked.name,
        action="blocked" if on else "unblocked",
    )


@transaction.atomic
def interest_hide(*, actor: User, interest: Interest) -> None:
    """Chamber staff hide an abusive message; it stays on record for the audit."""
    if not permissions.moderates(actor, interest.owner):
        raise PermissionDenied(_("only chamber staff of the owner's chamber hide messages"))
    Interest.objects.filter(pk=interest.pk).update(hidden_at=timezone.now(), hidden_by=actor)
    common.record(
        actor=actor,
        organisation=interest.owner,
        key=f"interest:{interest.uid}",
        label=interest.item.title,
        action="interest-hidden",
    )
