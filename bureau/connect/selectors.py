"""Reads of the connect loop: inboxes, queues, the dashboard, and the deals it facilitated."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from bureau.accounts import permissions
from bureau.accounts.models import Organisation, User
from bureau.connect.enquiries import chamber_target
from bureau.connect.models import Enquiry, Interest, Introduction, Outcome
from bureau.connect.states import EnquiryState, IntroState
from bureau.connect.workdays import working_days_between

OPEN_ENQUIRY = (EnquiryState.NEW, EnquiryState.ASSIGNED)


def interests_received(*, user: User) -> QuerySet[Interest]:
    if not user.organisation_id:
        return Interest.objects.none()
    return Interest.objects.filter(owner_id=user.organisation_id).select_related("item", "owner")


def interests_sent(*, user: User) -> QuerySet[Interest]:
    return Interest.objects.filter(sender=user).select_related("item", "owner")


def introductions_of(*, user: User) -> QuerySet[Introduction]:
    mine = Q(a_person=user) | Q(b_person=user)
    if user.organisation_id:
        mine |= Q(a_organisation_id=user.organisation_id) | Q(
            b_organisation_id=user.organisation_id
        )
    return Introduction.objects.filter(mine).select_related(
        "item", "a_organisation", "b_organisation"
    )


def introduction_side(*, user: User, introduction: Introduction) -> str | None:
    """'a' or 'b' when ``user`` is on that side; None otherwise."""
    for side in ("a", "b"):
        person = getattr(introduction, f"{side}_person_id")
        org = getattr(introduction, f"{side}_organisation_id")
        if person == user.pk or (org is not None and org == user.organisation_id):
            return side
    return None


def introduction_for(*, user: User, introduction: Introduction) -> dict[str, Any]:
    """What ``user`` may see of an introduction: the other side's card only once accepted."""
    side = introduction_side(user=user, introduction=introduction)
    other = "b" if side == "a" else "a"
    accepted = introduction.state == IntroState.ACCEPTED
    return {
        "introduction": introduction,
        "side": side,
        "other_label": getattr(introduction, f"{other}_label"),
        "my_answer": getattr(introduction, f"{side}_answer") if side else "",
        "contact": getattr(introduction, f"{other}_contact") if accepted and side else {},
    }


def chambers_moderated(*, user: User) -> QuerySet[Organisation]:
    chambers = Organisation.objects.chambers().filter(origin_node="")
    if getattr(user, "is_node_admin", False):
        return chambers
    return chambers.filter(pk=user.organisation_id or 0)


def enquiry_queue(*, user: User) -> QuerySet[Enquiry]:
    """The enquiries of the chambers ``user`` staffs, oldest first, hidden ones left out."""
    if not permissions.is_staff_user(user):
        return Enquiry.objects.none()
    return (
        Enquiry.objects.filter(chamber__in=chambers_moderated(user=user), hidden_at__isnull=True)
        .exclude(state=EnquiryState.UNCONFIRMED)
        .select_related("chamber", "assigned_to")
        .order_by("asked_at", "id")
    )


def enquiry_age_days(enquiry: Enquiry, *, today: dt.date | None = None) -> int:
    if enquiry.asked_at is None:
        return 0
    _days, weekend, holidays = chamber_target(enquiry.chamber)
    end = (enquiry.answered_at or timezone.now()).date() if today is None else today
    return working_days_between(enquiry.asked_at.date(), end, weekend=weekend, holidays=holidays)


@dataclass(frozen=True)
class MonthShare:
    chamber: str
    month: str
    asked: int
    answered_in_time: int

    @property
    def percent(self) -> int:
        return round(100 * self.answered_in_time / self.asked) if self.asked else 0


def answered_within_target() -> list[MonthShare]:
    """Per chamber and month of asking: confirmed enquiries, and those answered by their due time."""
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    rows = Enquiry.objects.filter(asked_at__isnull=False).values_list(
        "chamber__name", "asked_at", "answered_at", "due_at"
    )
    for chamber, asked, answered, due in rows:
        assert asked is not None
        cell = counts[(chamber, asked.strftime("%Y-%m"))]
        cell[0] += 1
        cell[1] += bool(answered and due and answered <= due)
    return [
        MonthShare(chamber, month, asked, in_time)
        for (chamber, month), (asked, in_time) in sorted(
            counts.items(), key=lambda kv: (kv[0][1], kv[0][0]), reverse=True
        )
    ]


@dataclass(frozen=True)
class Deal:
    year: int
    exporter: str
    importer: str
    count: int
    value_usd: Decimal


def _one_outcome_per_introduction(outcomes: QuerySet[Outcome]) -> list[Outcome]:
    """Both sides may report the same deal: the introduction's latest confirmed one counts."""
    chosen: dict[int, Outcome] = {}
    for outcome in outcomes.order_by("confirmed_at", "id"):
        chosen[outcome.introduction_id] = outcome
    return list(chosen.values())


def deals_facilitated(*, organisation: Organisation | None = None) -> list[Deal]:
    """Confirmed deals by year and direction; for an organisation, those both sides show."""
    outcomes = Outcome.objects.filter(confirmed_at__isnull=False, business=True, year__isnull=False)
    if organisation is not None:
        outcomes = outcomes.filter(
            Q(introduction__a_organisation=organisation)
            | Q(introduction__b_organisation=organisation),
            show_a=True,
            show_b=True,
        )
    totals: dict[tuple[int, str, str], list[Any]] = defaultdict(lambda: [0, Decimal(0)])
    for outcome in _one_outcome_per_introduction(outcomes):
        key = (outcome.year or 0, outcome.exporter_country, outcome.importer_country)
        totals[key][0] += 1
        totals[key][1] += outcome.value_usd or Decimal(0)
    return [Deal(y, e, i, c, v) for (y, e, i), (c, v) in sorted(totals.items())]


def dashboard(*, user: User) -> dict[str, Any]:
    """The staff dashboard's figures, for the chambers ``user`` staffs."""
    chambers = chambers_moderated(user=user)
    scope = Q(owner__in=chambers) | Q(owner__chamber__in=chambers)
    intro_scope = (
        Q(a_organisation__in=chambers)
        | Q(a_organisation__chamber__in=chambers)
        | Q(b_organisation__in=chambers)
        | Q(b_organisation__chamber__in=chambers)
    )
    queue = list(enquiry_queue(user=user).filter(state__in=OPEN_ENQUIRY))
    year = timezone.now().year
    return {
        "open_interests": Interest.objects.filter(scope, status=Interest.Status.OPEN),
        "waiting": Introduction.objects.filter(intro_scope, state=IntroState.PROPOSED),
        "enquiries": [(e, enquiry_age_days(e)) for e in queue],
        "overdue": sum(1 for e in queue if e.is_overdue),
        "outcomes": Outcome.objects.filter(
            Q(organisation__in=chambers) | Q(organisation__chamber__in=chambers),
            reported_at__year=year,
        ).select_related("introduction", "organisation"),
        "year": year,
    }
