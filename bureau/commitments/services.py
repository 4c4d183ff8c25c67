"""Writes of the commitments app. Only chamber staff (and node admins) write; every write is
checked field by field first, recorded in the change log and announced at the seam, in one
transaction, so a peer and the audit trail see exactly what was stored."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bureau.accounts import permissions
from bureau.accounts.models import Organisation, User
from bureau.catalog.models import Item
from bureau.commitments import records
from bureau.commitments.changes import CommitmentChanged, ProjectStageChanged
from bureau.commitments.models import (
    Cargo,
    ChangeEntry,
    Cooperation,
    MoneyEvent,
    Owned,
    Pledge,
    Project,
    StageChange,
    SupplyContract,
)
from bureau.commitments.validation import clean
from bureau.core.changes import announce
from bureau.core.errors import PermissionDenied, ValidationFailed


def _owner(actor: User | None) -> Organisation:
    """The chamber a new record belongs to: the staff member's own."""
    if not permissions.is_staff_user(actor):
        raise PermissionDenied(_("only chamber staff record commitments"))
    assert actor is not None
    if actor.organisation is None:
        raise ValidationFailed.single("organisation", _("you do not belong to a chamber"))
    return actor.organisation


def check_can_edit(actor: User | None, record: Owned) -> None:
    if not record.is_local:
        raise PermissionDenied(_("this record is kept by the peer node that recorded it"))
    if not permissions.moderates(actor, record.organisation):
        raise PermissionDenied(_("only the recording chamber's staff change this record"))


def _log(actor: User | None, organisation: Organisation, key: str, label: str, action: str,
         detail: str = "") -> None:  # fmt: skip
    ChangeEntry.objects.create(
        organisation=organisation, actor=actor if isinstance(actor, User) else None,
        object_key=key[:64], label=label[:300], action=action, detail=detail[:300],
    )  # fmt: skip


def _announce(entity: str, obj: Any) -> None:
    announce(CommitmentChanged(entity, records.as_record(entity, obj)))


def _organisation(field: str, slug: str) -> Organisation | None:
    if not slug:
        return None
    found = Organisation.objects.filter(slug=slug).first()
    if found is None:
        raise ValidationFailed.single(
            field,
            _("no organisation with slug '%(slug)s' in the directory") % {"slug": slug[:60]},
        )
    return found


def _item(uid: str) -> Item | None:
    if not uid:
        return None
    found = Item.objects.filter(uid=uid).first()
    if found is None:
        raise ValidationFailed.single("item", _("no catalog item %(uid)s") % {"uid": uid})
    return found


@transaction.atomic
def pledge_create(*, actor: User | None, data: Mapping[str, Any]) -> Pledge:
    """Record a pledge: who pledged, to whom, amount and currency, date and source."""
    values = clean("pledge", data)
    values["item"] = _item(values.get("item", ""))
    pledge = Pledge.objects.create(organisation=_owner(actor), **values)
    _log(actor, pledge.organisation, str(pledge.uid), pledge.title, "pledge recorded")
    _announce("pledge", pledge)
    return pledge


def project_values(data: Mapping[str, Any], partial: bool = False) -> dict[str, Any]:
    values = clean("project", data, partial=partial)
    for field in ("investor", "host"):
        if field in values:
            values[field] = _organisation(field, values[field])
    return values


@transaction.atomic
def project_create(*, actor: User | None, pledge: Pledge, data: Mapping[str, Any]) -> Project:
    """Add a project under ``pledge`` at its first stage (the stage's date as given)."""
    check_can_edit(actor, pledge)
    values = project_values(data)
    project = Project.objects.create(pledge=pledge, organisation=pledge.organisation, **values)
    StageChange.objects.create(project=project, to_stage=project.stage, changed_on=project.stage_on)
    _log(actor, project.organisation, str(project.uid), project.title, "project recorded",
         f"stage {project.stage}")  # fmt: skip
    _announce("project", project)
    return project


@transaction.atomic
def project_stage_change(
    *, actor: User | None, project: Project, data: Mapping[str, Any]
) -> StageChange:
    """Move a project to another stage on a date; the earlier stages stay in its timeline."""
    check_can_edit(actor, project)
    values = clean("stage", data)
    if values["stage"] == project.stage:
        raise ValidationFailed.single(
            "stage",
            _("the project is already at “%(stage)s”") % {"stage": project.get_stage_display()},
        )
    change = StageChange.objects.create(project=project, from_stage=project.stage,
                                        to_stage=values["stage"], changed_on=values["changed_on"],
                                        note=values["note"])  # fmt: skip
    project.stage, project.stage_on, project.updated_at = (
        values["stage"],
        values["changed_on"],
        timezone.now(),
    )
    project.save(update_fields=["stage", "stage_on", "updated_at"])
    _log(actor, project.organisation, str(project.uid), project.title, "stage changed",
         f"{change.from_stage} -> {change.to_stage} on {change.changed_on or 'unknown date'}")  # fmt: skip
    _announce("project", project)
    announce(ProjectStageChanged(project.pk, change.pk))
    return change


@transaction.atomic
def money_event_add(*, actor: User | None, project: Project, data: Mapping[str, Any]) -> MoneyEvent:
    """Record money pledged, committed or disbursed for a project (amount may be unknown)."""
    check_can_edit(actor, project)
    values = clean("money", data)
    event = MoneyEvent.objects.create(project=project, **values)
    amount = f"{event.amount} {event.currency}" if event.amount is not None else "amount unknown"
    _log(actor, project.organisation, str(project.uid), project.title, f"{event.kind} recorded",
         f"{amount} on {event.on or 'unknown date'}")  # fmt: skip
    _announce("project", project)
    return event


@transaction.atomic
def contract_create(*, actor: User | None, data: Mapping[str, Any]) -> SupplyContract:
    """Record an LNG or petroleum-product supply contract."""
    values = clean("contract", data)
    contract = SupplyContract.objects.create(organisation=_owner(actor), **values)
    _log(actor, contract.organisation, str(contract.uid), contract.title, "contract recorded")
    _announce("contract", contract)
    return contract


def cargo_prepare(*, contract: SupplyContract, data: Mapping[str, Any]) -> Cargo:
    """A checked, unsaved cargo (bulk imports check every row before saving any)."""
    return Cargo(contract=contract, organisation=contract.organisation, **clean("cargo", data))


@transaction.atomic
def cargo_create(*, actor: User | None, contract: SupplyContract, data: Mapping[str, Any]) -> Cargo:
    """Schedule a cargo under ``contract``."""
    check_can_edit(actor, contract)
    cargo = cargo_prepare(contract=contract, data=data)
    cargo.save()
    _log(actor, cargo.organisation, str(cargo.uid), str(cargo), "cargo recorded", cargo.status)
    _announce("cargo", cargo)
    return cargo


@transaction.atomic
def cargo_update(*, actor: User | None, cargo: Cargo, data: Mapping[str, Any]) -> Cargo:
    """Change a cargo's fields (its status, window, volume ...); the change is logged."""
    check_can_edit(actor, cargo)
    values = clean("cargo", data, partial=True)
    changed = [name for name, value in values.items() if getattr(cargo, name) != value]
    for name, value in values.items():
        setattr(cargo, name, value)
    cargo.updated_at = timezone.now()
    cargo.save()
    _log(actor, cargo.organisation, str(cargo.uid), str(cargo), "cargo changed",
         ", ".join(f"{n}={values[n]}" for n in changed))  # fmt: skip
    _announce("cargo", cargo)
    return cargo


@transaction.atomic
def cooperation_create(*, actor: User | None, data: Mapping[str, Any]) -> Cooperation:
    """Add a joint project of the partnership to the cooperation register."""
    values = clean("cooperation", data)
    entry = Cooperation.objects.create(organisation=_owner(actor), **values)
    _log(actor, entry.organisation, str(entry.uid), entry.title, "cooperation recorded")
    _announce("cooperation", entry)
    return entry
