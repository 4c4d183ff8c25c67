"""Date alerts: "agreement expiring within N days", "milestone due within N days" and
"pledge project changed stage", delivered through the subscription's channels by the worker.

Exactly once per event and channel: each dated event has a unique key (``DateEvent``) and one
outbox event; its deliveries are unique per (channel, event) like item deliveries, and are
written in the same transaction as the key. A worker killed mid-run leaves nothing (the next
run does it all); a second run finds the keys and adds nothing. From there the delivery app's
sender takes over with its at-least-once sending and stable webhook-id.

A date event concerns the agreement's catalog item (expiries and milestones) or, for a stage
change, the pledge's item when the pledge is announced in the catalog, else no item: every
project of every pledge is announced. A "stage changed" rule is narrowed by its subscription's
sectors (the project's sector) and countries (the investor's country of origin, the host's of
destination) when it has them. What the event says is stored with it (``DateEvent.about``) and
written out by ``alert_text`` in each reader's language.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bureau.alerts.models import Channel
from bureau.catalog.models import Item, Kind, Status
from bureau.commitments import agreements, windows
from bureau.commitments.models import DateAlert, DateEvent, StageChange
from bureau.core.faults import failpoint
from bureau.delivery.dispatch import event_deliver
from bureau.delivery.matching import Target
from bureau.delivery.models import OutboxEvent
from bureau.delivery.worker import periodic

log = logging.getLogger(__name__)
ACTIONS = {"expiry": "expiring", "milestone": "milestone_due", "stage": "stage_changed"}
RULE_OF = {"expiry": DateAlert.Rule.EXPIRING, "milestone": DateAlert.Rule.MILESTONE}


@dataclass(frozen=True)
class Fact:
    key: str
    kind: str  # expiry, milestone, stage
    item_id: int | None
    about: dict[str, Any]
    days_left: int | None = None
    at: dt.datetime | None = None
    sector: str = ""
    countries: tuple[str, str] = ("", "")  # the investor's and the host's


def _agreement_facts(today: dt.date) -> list[Fact]:
    items = (
        Item.objects.filter(kind=Kind.AGREEMENT, status=Status.PUBLISHED, agreement__isnull=False)
        .select_related("agreement")
        .prefetch_related("agreement__extensions", "agreement__milestones")
    )
    return [
        Fact(d.key, d.kind, item.pk, _about_date(item, d, today), days_left=d.days_left(today))
        for item in items
        for d in agreements.dates_of(item)
        if d.done_on is None and d.days_left(today) >= 0
    ]


def _about_date(item: Item, dated: windows.Dated, today: dt.date) -> dict[str, Any]:
    about = {"kind": dated.kind, "agreement": item.title, "agreement_uid": str(item.uid),
             "day": dated.day.isoformat(), "days_left": dated.days_left(today),
             "path": reverse("catalog:item", args=[item.pk])}  # fmt: skip
    if dated.kind == "milestone":
        about["milestone"] = dated.subject
    return about


def _stage_facts(since: dt.datetime) -> list[Fact]:
    changes = StageChange.objects.filter(recorded_at__gte=since, from_stage__gt="").select_related(
        "project__pledge", "project__investor", "project__host"
    )
    return [
        Fact(
            f"stage:{c.uid}",
            "stage",
            c.project.pledge.item_id,
            _about_stage(c),
            at=c.recorded_at,
            sector=c.project.sector,
            countries=(_country(c.project.investor), _country(c.project.host)),
        )
        for c in changes
    ]


def _country(organisation: Any) -> str:
    return getattr(organisation, "country", "") or ""


def _about_stage(change: StageChange) -> dict[str, Any]:
    project = change.project
    return {"kind": "stage", "project": project.title, "project_uid": str(project.uid),
            "pledge": project.pledge.title, "pledge_uid": str(project.pledge.uid),
            "sector": project.sector, "from": change.from_stage, "to": change.to_stage,
            "on": change.changed_on.isoformat() if change.changed_on else None,
            "path": reverse("commitments:project", args=[project.uid])}  # fmt: skip


def _matches(rule: DateAlert, fact: Fact) -> bool:
    if fact.kind == "stage":
        return (
            rule.rule == DateAlert.Rule.STAGE
            and fact.at is not None
            and fact.at >= rule.created_at
            and _narrowed_to(rule.subscription, fact)
        )
    return (
        RULE_OF[fact.kind] == rule.rule
        and fact.days_left is not None
        and fact.days_left <= (rule.days or 0)
    )


def _narrowed_to(subscription: Any, fact: Fact) -> bool:
    """The subscription's sectors and countries, where it has them, hold for the project."""
    origin, destination = fact.countries
    return (
        (not subscription.sectors or fact.sector in subscription.sectors)
        and (not subscription.origin_countries or origin in subscription.origin_countries)
        and (
            not subscription.destination_countries
            or destination in subscription.destination_countries
        )
    )


def _targets(rule: DateAlert) -> list[Target]:
    subscription = rule.subscription
    return [
        Target(c.pk, c.kind, c.email_mode, subscription.pk, subscription.owner_id)
        for c in subscription.channels.all()
        if c.active
    ]


def _event_for(fact: Fact) -> OutboxEvent:
    found = DateEvent.objects.filter(key=fact.key).select_related("event").first()
    if found is not None:
        return found.event
    event = OutboxEvent.objects.create(
        item_id=fact.item_id, action=ACTIONS[fact.kind], dispatched_at=timezone.now()
    )
    try:
        with transaction.atomic():
            DateEvent.objects.create(key=fact.key, event=event, about=fact.about)
    except IntegrityError:  # another worker announced it first: use theirs
        event.delete()
        return DateEvent.objects.select_related("event").get(key=fact.key).event
    return event


def date_alerts_run(*, today: dt.date | None = None) -> int:
    """Deliver every date event that matches a subscription's date rule and was not delivered
    to that channel yet; returns the number of deliveries made."""
    today = today or timezone.localdate()
    rules = list(
        DateAlert.objects.filter(subscription__active=True)
        .select_related("subscription")
        .prefetch_related("subscription__channels")
    )
    if not rules:
        return 0
    facts = _agreement_facts(today) + _stage_facts(min(r.created_at for r in rules))
    made = 0
    with transaction.atomic():
        items = Item.objects.in_bulk({f.item_id for f in facts if f.item_id is not None})
        for rule in rules:
            for fact in facts:
                # An event about an item waits while the item is not (or no longer) published.
                if _matches(rule, fact) and (fact.item_id is None or fact.item_id in items):
                    item = items[fact.item_id] if fact.item_id is not None else None
                    made += event_deliver(_event_for(fact), item, _targets(rule))
        failpoint("date-alerts.inserted")
        DateAlert.objects.filter(pk__in=[r.pk for r in rules]).update(checked_at=timezone.now())
    if made:
        log.info("date alerts: %d deliveries", made)
    return made


@periodic("date-alerts", every_seconds=settings.BUREAU_DATE_ALERT_SECONDS)
def run_date_alerts() -> None:
    date_alerts_run()


def date_alert_add(
    *, actor: object, subscription_id: int, rule: str, days: object = None
) -> DateAlert:
    """Add a date rule to one of the actor's subscriptions (``days`` for the two date rules)."""
    from bureau.alerts.models import Subscription
    from bureau.core import parsing
    from bureau.core.errors import FieldError, NotFound, ValidationFailed

    subscription = Subscription.objects.filter(
        pk=subscription_id, owner_id=getattr(actor, "pk", None), active=True
    ).first()
    if subscription is None:
        raise NotFound(_("you have no subscription %(id)s") % {"id": subscription_id})
    errors = []
    if rule not in DateAlert.Rule.values:
        errors.append(
            FieldError(
                "rule", f"'{parsing.shown(rule)}' is not one of: {', '.join(DateAlert.Rule.values)}"
            )
        )
    number = None
    if rule != DateAlert.Rule.STAGE:
        try:
            number = int(str(days))
            if not 0 <= number <= 3660:
                raise ValueError
        except ValueError:
            errors.append(FieldError("days", _("must be a whole number of days from 0 to 3660")))
    if errors:
        raise ValidationFailed(errors)
    if not subscription.channels.filter(active=True).exclude(kind="").exists():
        raise ValidationFailed.single("subscription", _("has no active channel to deliver through"))
    return DateAlert.objects.create(subscription=subscription, rule=rule, days=number)


__all__ = ["Channel", "date_alert_add", "date_alerts_run"]
