"""Commitments in the REST API: the pledge and its projects, the agreements desk, cargoes,
the cooperation register. Reads are public; writes need a chamber staff member's token."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Body, File, Query, Router, Status, UploadedFile

from bureau.accounts.auth import authenticated_user
from bureau.commitments import agreements, arithmetic, present, records, selectors, services
from bureau.commitments.models import Cargo, Cooperation, Pledge, Project, SupplyContract
from bureau.core.errors import NotFound, ValidationFailed

router = Router(tags=["commitments"])
Data = dict[str, Any]


def _get(model: Any, uid: str) -> Any:
    try:
        found = model.objects.filter(uid=uid).first()
    except (ValueError, ValidationFailed):
        found = None
    except Exception:  # a malformed uuid on some databases
        found = None
    if found is None:
        raise NotFound(_("no %(kind)s %(uid)s") % {"kind": model._meta.verbose_name, "uid": uid})
    return found


def _pledge_out(pledge: Pledge, with_progress: bool = False) -> Data:
    out = records.as_record("pledge", pledge)
    out["origin_node"] = pledge.origin_node
    if with_progress:
        progress = selectors.pledge_progress(pledge=pledge)
        out["projects"] = [records.as_record("project", p) for p in progress.projects]
        out["totals"] = {
            kind: {
                c: present.total_out(progress.by_sector.get(kind, c)) for c in arithmetic.TARGETS
            }
            for kind in present.KIND_LABELS
        }
        out["by_sector"] = present.csv_rows(progress, "sector")
        out["by_stage"] = present.csv_rows(progress, "stage")
    return out


@router.get("/commitments/pledges", response=list[Data], auth=None, summary="Pledges")
def list_pledges(request: HttpRequest) -> list[Data]:
    return [_pledge_out(p) for p in selectors.pledges_all()]


@router.post("/commitments/pledges", response={201: Data}, summary="Record a pledge")
def create_pledge(request: HttpRequest, data: Body[Data]) -> Status[Data]:
    """Chamber staff record a pledge; a bad field is answered 422 naming it."""
    pledge = services.pledge_create(actor=authenticated_user(request), data=data)
    return Status(201, _pledge_out(pledge))


@router.get(
    "/commitments/pledges/{uid}", response=Data, auth=None, summary="A pledge and its progress"
)
def get_pledge(request: HttpRequest, uid: str) -> Data:
    """The pledge, its projects, and totals pledged / committed / disbursed in USD, AZN and PKR
    at each event's rate (an amount is null when unknown; ``error`` names a missing rate)."""
    return _pledge_out(_get(Pledge, uid), with_progress=True)


@router.post("/commitments/pledges/{uid}/projects", response={201: Data}, summary="Add a project")
def create_project(request: HttpRequest, uid: str, data: Body[Data]) -> Status[Data]:
    project = services.project_create(
        actor=authenticated_user(request), pledge=_get(Pledge, uid), data=data
    )
    return Status(201, records.as_record("project", project))


@router.get(
    "/commitments/projects/{uid}", response=Data, auth=None, summary="A project and its timeline"
)
def get_project(request: HttpRequest, uid: str) -> Data:
    return records.as_record("project", _get(Project, uid))


@router.post("/commitments/projects/{uid}/stage", response=Data, summary="Change a project's stage")
def change_stage(request: HttpRequest, uid: str, data: Body[Data]) -> Data:
    project = _get(Project, uid)
    services.project_stage_change(actor=authenticated_user(request), project=project, data=data)
    return records.as_record("project", project)


@router.post("/commitments/projects/{uid}/money", response={201: Data}, summary="Record money")
def add_money(request: HttpRequest, uid: str, data: Body[Data]) -> Status[Data]:
    """Money pledged, committed or disbursed, with date, amount, ISO 4217 currency and source."""
    project = _get(Project, uid)
    services.money_event_add(actor=authenticated_user(request), project=project, data=data)
    return Status(201, records.as_record("project", project))


@router.get("/commitments/agreements", response=Data, auth=None, summary="The agreements desk")
def agreements_desk(request: HttpRequest, days: int = Query(180, ge=1, le=3660)) -> Data:
    """Every agreement with its dates, what is due or expires within ``days``, and what is overdue."""
    today = dt.date.today()
    desk = agreements.desk(user=request.user, today=today)
    return {
        "today": today.isoformat(),
        "agreements": [agreements.agreement_out(a) for a in desk.agreements],
        "due": [
            agreements.dated_out(d, today)
            for d in agreements.windows.within(desk.dates, today, days)
        ],
        "overdue": [
            agreements.dated_out(d, today) for d in agreements.windows.overdue(desk.dates, today)
        ],
    }


@router.post(
    "/commitments/agreements/{item_id}/extensions", response=Data, summary="Record an extension"
)
def add_extension(request: HttpRequest, item_id: int, data: Body[Data]) -> Data:
    item = agreements.agreement_extend(
        actor=authenticated_user(request), item_id=item_id, data=data
    )
    return agreements.agreement_out(item)


@router.post(
    "/commitments/agreements/{item_id}/milestones/done",
    response=Data,
    summary="Mark a milestone done",
)
def milestone_done(request: HttpRequest, item_id: int, data: Body[Data]) -> Data:
    item = agreements.milestone_done(actor=authenticated_user(request), item_id=item_id, data=data)
    return agreements.agreement_out(item)


@router.get("/commitments/contracts", response=list[Data], auth=None, summary="Supply contracts")
def list_contracts(request: HttpRequest) -> list[Data]:
    return [records.as_record("contract", c) for c in selectors.contracts_all()]


@router.post("/commitments/contracts", response={201: Data}, summary="Record a supply contract")
def create_contract(request: HttpRequest, data: Body[Data]) -> Status[Data]:
    contract = services.contract_create(actor=authenticated_user(request), data=data)
    return Status(201, records.as_record("contract", contract))


@router.get("/commitments/cargoes", response=list[Data], auth=None, summary="The cargo schedule")
def list_cargoes(request: HttpRequest) -> list[Data]:
    """Every cargo with its volume in m³ of LNG, tonnes and MMBtu (LNG cargoes; GIIGNL factors)."""
    return [cargo_out(c) for c in selectors.cargoes_all()]


def cargo_out(cargo: Cargo) -> Data:
    from bureau.commitments import lng

    out = records.as_record("cargo", cargo)
    out["conversions"] = {
        k: None if v is None else str(v) for k, v in lng.all_units(cargo.volume, cargo.unit).items()
    }
    return out


@router.post(
    "/commitments/contracts/{uid}/cargoes", response={201: Data}, summary="Schedule a cargo"
)
def create_cargo(request: HttpRequest, uid: str, data: Body[Data]) -> Status[Data]:
    cargo = services.cargo_create(
        actor=authenticated_user(request), contract=_get(SupplyContract, uid), data=data
    )
    return Status(201, cargo_out(cargo))


@router.patch(
    "/commitments/cargoes/{uid}", response=Data, summary="Change a cargo (its status, ...)"
)
def update_cargo(request: HttpRequest, uid: str, data: Body[Data]) -> Data:
    return cargo_out(
        services.cargo_update(actor=authenticated_user(request), cargo=_get(Cargo, uid), data=data)
    )


@router.get(
    "/commitments/cooperation", response=list[Data], auth=None, summary="The cooperation register"
)
def list_cooperation(request: HttpRequest) -> list[Data]:
    return [records.as_record("cooperation", c) for c in selectors.cooperation_all()]


@router.post(
    "/commitments/cooperation", response={201: Data}, summary="Add to the cooperation register"
)
def create_cooperation(request: HttpRequest, data: Body[Data]) -> Status[Data]:
    entry = services.cooperation_create(actor=authenticated_user(request), data=data)
    return Status(201, records.as_record("cooperation", entry))


__all__ = ["Cooperation", "router"]


@router.post(
    "/commitments/date-alerts", response={201: Data}, summary="Add a date alert to a subscription"
)
def add_date_alert(request: HttpRequest, data: Body[Data]) -> Status[Data]:
    """``{"subscription": 12, "rule": "expiring", "days": 30}``; rules: ``expiring``,
    ``milestone_due`` (with ``days``) and ``stage_changed``. The subscription's channels deliver
    each matching event once (webhook type ``item.expiring``, ``item.milestone_due``,
    ``item.stage_changed``)."""
    from bureau.commitments.date_alerts import date_alert_add

    try:
        subscription_id = int(data.get("subscription", ""))
    except (TypeError, ValueError):
        raise ValidationFailed.single(
            "subscription", _("must be the id of one of your subscriptions")
        ) from None
    alert = date_alert_add(actor=authenticated_user(request), subscription_id=subscription_id,
                           rule=str(data.get("rule", "")), days=data.get("days"))  # fmt: skip
    return Status(
        201,
        {"id": alert.pk, "subscription": subscription_id, "rule": alert.rule, "days": alert.days},
    )


def _report(report: Any) -> Status[Data]:
    body = {"imported": report.imported, "rows": report.total_rows, "error_count": report.error_count,
            "errors": [{"row": e.row, "field": e.field, "message": e.message} for e in report.errors]}  # fmt: skip
    return Status(200 if report.ok else 422, body)


@router.post("/commitments/pledges/{uid}/projects/import", response={200: Data, 422: Data},
             summary="Import projects (CSV or XLSX)")  # fmt: skip
def import_projects(request: HttpRequest, uid: str, file: File[UploadedFile]) -> Status[Data]:
    """All rows or none; a bad row is answered 422 with its row number, field and reason."""
    from bureau.commitments import importing

    return _report(importing.projects_import(actor=authenticated_user(request), pledge=_get(Pledge, uid),
                                             stream=file, filename=file.name or ""))  # fmt: skip


@router.post("/commitments/contracts/{uid}/cargoes/import", response={200: Data, 422: Data},
             summary="Import cargoes (CSV or XLSX)")  # fmt: skip
def import_cargoes(request: HttpRequest, uid: str, file: File[UploadedFile]) -> Status[Data]:
    from bureau.commitments import importing

    return _report(importing.cargoes_import(actor=authenticated_user(request), contract=_get(SupplyContract, uid),
                                            stream=file, filename=file.name or ""))  # fmt: skip
