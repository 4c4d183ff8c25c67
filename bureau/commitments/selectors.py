"""Reads of the commitments app: the pledge's progress, a project's timeline, the rates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from bureau.commitments import arithmetic, schedule
from bureau.commitments.models import (
    Cargo,
    ChangeEntry,
    Cooperation,
    MoneyEvent,
    Pledge,
    Project,
    Stage,
    SupplyContract,
)
from bureau.reference.models import ExchangeRate


def rates_table() -> dict[tuple[str, int], Decimal]:
    """Every recorded rate as (currency, year) -> units per USD; the latest of a year wins."""
    table: dict[tuple[str, int], Decimal] = {}
    for currency, per_usd, as_of in ExchangeRate.objects.order_by("as_of").values_list(
        "currency", "per_usd", "as_of"
    ):
        table[(currency, as_of.year)] = per_usd
    return table


def pledges_all() -> QuerySet[Pledge]:
    return Pledge.objects.select_related("organisation").order_by("-pledged_on", "id")


def projects_of(*, pledge: Pledge) -> QuerySet[Project]:
    return (
        Project.objects.filter(pledge=pledge)
        .select_related("investor", "host", "organisation")
        .prefetch_related(
            Prefetch("money_events", queryset=MoneyEvent.objects.order_by("on", "id"))
        )
    )


@dataclass
class Progress:
    pledge: Pledge
    projects: list[Project]
    by_sector: arithmetic.Totals
    by_stage: arithmetic.Totals
    pledge_amount: dict[str, arithmetic.Total]


def _events(projects: list[Project], group: str) -> list[arithmetic.Event]:
    return [
        arithmetic.Event(m.kind, m.amount, m.currency, m.on, getattr(p, group))
        for p in projects
        for m in p.money_events.all()
    ]


def pledge_progress(*, pledge: Pledge) -> Progress:
    """Money pledged, committed and disbursed under ``pledge``, by sector and by stage, in
    USD, AZN and PKR at each event's rate, with the pledge's own amount beside it."""
    projects = list(projects_of(pledge=pledge))
    rates = rates_table()
    own = arithmetic.Event("pledged", pledge.amount, pledge.currency, pledge.pledged_on)
    headline = arithmetic.totals([own], rates)
    return Progress(
        pledge=pledge,
        projects=projects,
        by_sector=arithmetic.totals(_events(projects, "sector"), rates),
        by_stage=arithmetic.totals(_events(projects, "stage"), rates),
        pledge_amount={t: headline.get("pledged", t) for t in arithmetic.TARGETS},
    )


def project_timeline(*, project: Project) -> list[tuple[dt.date | None, str, str]]:
    """The project's stage changes and money events in date order (undated last)."""
    rows: list[tuple[dt.date | None, str, str]] = []
    for change in project.stage_changes.all():
        label = Stage(change.to_stage).label
        rows.append(
            (change.changed_on, "stage", f"{label}" + (f": {change.note}" if change.note else ""))
        )
    for event in project.money_events.all():
        amount = (
            f"{event.amount:,} {event.currency}" if event.amount is not None else "amount unknown"
        )
        rows.append((event.on, event.kind, amount))
    return sorted(rows, key=lambda r: (r[0] is None, r[0] or dt.date.min))


def contracts_all() -> QuerySet[SupplyContract]:
    return SupplyContract.objects.select_related("organisation").prefetch_related("cargoes")


def cargoes_all() -> QuerySet[Cargo]:
    return Cargo.objects.select_related("contract", "organisation").order_by("window_start", "id")


def cooperation_all() -> QuerySet[Cooperation]:
    return Cooperation.objects.order_by("area", "title")


def changes_of(*, key: str) -> QuerySet[ChangeEntry]:
    return ChangeEntry.objects.filter(object_key=key).select_related("actor").order_by("at", "id")


def contract_years(*, contract: SupplyContract) -> list[schedule.Year]:
    """Delivered and scheduled volumes per contract year against the contracted quantity."""
    facts = [
        schedule.CargoFact(c.window_start, c.volume, c.unit, c.status)
        for c in contract.cargoes.all()
    ]
    return schedule.contract_years(contract.starts_on, contract.ends_on, contract.yearly_quantity,
                                   contract.unit, facts)  # fmt: skip
