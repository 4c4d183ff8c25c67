"""Outcomes of accepted introductions: both sides are asked after 30 and 90 days (settings),
report value, currency, HS code, direction and year; chamber staff confirm them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bureau.accounts import permissions
from bureau.accounts.models import User
from bureau.connect import common
from bureau.connect.models import Introduction, Outcome
from bureau.connect.states import IntroState
from bureau.core import parsing
from bureau.core.errors import Conflict, PermissionDenied, ValidationFailed
from bureau.reference.money import to_usd

ASK_FIELDS = ("asked_outcome_1_at", "asked_outcome_2_at")


def outcomes_ask_due(*, now: dt.datetime | None = None) -> int:
    """Ask both sides of each accepted introduction whose 1st or 2nd follow-up is due."""
    now = now or timezone.now()
    asked = 0
    for field, days in zip(ASK_FIELDS, settings.BUREAU_OUTCOME_DAYS, strict=False):
        due = Introduction.objects.filter(
            state=IntroState.ACCEPTED,
            decided_at__lte=now - dt.timedelta(days=days),
            **{f"{field}__isnull": True},
        )
        for intro in due:
            with transaction.atomic():
                Introduction.objects.filter(pk=intro.pk).update(**{field: now})
                _ask(intro, days)
            asked += 1
    return asked


def _ask(intro: Introduction, days: int) -> None:
    a, b = intro.a_label, intro.b_label
    people = [intro.a_person, intro.b_person]
    if intro.a_person is None:
        people += common.people_of(intro.a_organisation)
    if intro.b_person is None:
        people += common.people_of(intro.b_organisation)
    common.tell(
        people,
        lambda: _("Did business come of your introduction? (%(days)s days)") % {"days": days},
        lambda: (
            _(
                "%(days)s days ago you were introduced (%(a)s — %(b)s). Tell the bureau whether "
                "business resulted: value, currency, HS code, direction and year."
            )
            % {"days": days, "a": a, "b": b}
        ),
        f"/connect/introductions/{intro.uid}/outcome/",
    )


def _year(value: Any) -> int | None:
    number = parsing.decimal(value)
    if number is None:
        return None
    if number != int(number) or not 1990 <= number <= timezone.now().year:
        raise ValueError(_("must be a year from 1990 to %(year)s") % {"year": timezone.now().year})
    return int(number)


def _hs(value: Any) -> str:
    code = parsing.text(value, max_length=10).replace(".", "")
    if code and not (code.isascii() and code.isdigit() and len(code) in (2, 4, 6)):
        raise ValueError(
            _("'%(code)s' is not an HS code of 2, 4 or 6 digits") % {"code": parsing.shown(code)}
        )
    return code


def _country(value: Any) -> str:
    code = parsing.text(value, max_length=2).upper()
    if code and not (len(code) == 2 and code.isalpha() and code.isascii()):
        raise ValueError(
            _("'%(code)s' is not an ISO 3166 alpha-2 country") % {"code": parsing.shown(code)}
        )
    return code


def _side(actor: User, intro: Introduction) -> str:
    for side in ("a", "b"):
        org = getattr(intro, f"{side}_organisation")
        person = getattr(intro, f"{side}_person")
        if (person is not None and person.pk == actor.pk) or (
            org is not None and actor.organisation_id == org.pk
        ):
            return side
    raise PermissionDenied(_("only the two sides of the introduction report its outcome"))


@transaction.atomic
def outcome_report(*, actor: User, introduction: Introduction, data: Mapping[str, Any]) -> Outcome:
    """One side says what came of the introduction."""
    if introduction.state != IntroState.ACCEPTED:
        raise Conflict(_("only an accepted introduction has an outcome"))
    side = _side(actor, introduction)
    values = common.parse_fields(
        data,
        {
            "business": lambda v: parsing.boolean(True if v is None else v),
            "value_amount": common.positive_amount,
            "value_currency": common.currency,
            "hs_code": _hs,
            "exporter_country": _country,
            "importer_country": _country,
            "year": _year,
            "show": lambda v: parsing.boolean(False if v is None else v),
        },
    )
    if values["business"]:
        missing = [
            f
            for f in (
                "value_amount",
                "value_currency",
                "exporter_country",
                "importer_country",
                "year",
            )
            if not values[f]
        ]
        if missing:
            raise ValidationFailed(
                [common.FieldError(f, _("is required when business resulted")) for f in missing]
            )
    show = values.pop("show")
    organisation = getattr(introduction, f"{side}_organisation") or actor.organisation
    if organisation is None:
        raise ValidationFailed.single(
            "organisation", _("an outcome is reported for an organisation")
        )
    outcome = Outcome.objects.create(
        introduction=introduction,
        reported_by=actor,
        organisation=organisation,
        value_usd=to_usd(values["value_amount"], values["value_currency"]),
        **{f"show_{side}": show},
        **values,
    )
    common.record(
        actor=actor,
        organisation=organisation,
        key=f"outcome:{outcome.pk}",
        label=f"{introduction.a_label} — {introduction.b_label}",
        action="outcome-reported",
    )
    return outcome


@transaction.atomic
def outcome_show(*, actor: User, outcome: Outcome, show: bool) -> Outcome:
    """A side agrees (or no longer agrees) to show the deal on its organisation's page."""
    side = _side(actor, outcome.introduction)
    setattr(outcome, f"show_{side}", show)
    outcome.save(update_fields=[f"show_{side}"])
    return outcome


@transaction.atomic
def outcome_confirm(*, actor: User, outcome: Outcome) -> Outcome:
    """Chamber staff confirm a reported outcome: from now on it is counted."""
    intro = outcome.introduction
    orgs = [o for o in (intro.a_organisation, intro.b_organisation) if o is not None]
    if not any(permissions.moderates(actor, o) for o in orgs):
        raise PermissionDenied(_("only chamber staff of one of the sides confirm outcomes"))
    if outcome.confirmed_at is not None:
        raise Conflict(_("this outcome is already confirmed"))
    outcome.confirmed_at, outcome.confirmed_by = timezone.now(), actor
    outcome.save(update_fields=["confirmed_at", "confirmed_by"])
    common.record(
        actor=actor,
        organisation=outcome.organisation,
        key=f"outcome:{outcome.pk}",
        label=f"{intro.a_label} — {intro.b_label}",
        action="outcome-confirmed",
    )
    return outcome
