"""The commitments pages: thin views over the selectors, the services and the drawings."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied as Forbidden
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from bureau.accounts import permissions
from bureau.accounts.models import User
from bureau.accounts.preferences import preferred_currency
from bureau.commitments import (
    agreements,
    arithmetic,
    importing,
    lng,
    months,
    present,
    selectors,
    services,
    windows,
)
from bureau.commitments.date_alerts import date_alert_add
from bureau.commitments.forms import (
    CargoForm,
    CargoStatusForm,
    DateAlertForm,
    ExtensionForm,
    ImportForm,
    MilestoneDoneForm,
    MoneyForm,
    ProjectForm,
    ServiceForm,
    StageForm,
)
from bureau.commitments.models import Cargo, Pledge, Project, SupplyContract
from bureau.core.cells import safe_row
from bureau.core.errors import DomainError, NotFound, ValidationFailed
from bureau.trade import charts


def _by_uid(model: Any, uid: Any) -> Any:
    found = model.objects.filter(uid=uid).first()
    if found is None:
        raise Http404
    return found


def _actor(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


def _can_write(request: HttpRequest, record: Any) -> bool:
    return record.is_local and permissions.moderates(request.user, record.organisation)


def _submit(request: HttpRequest, form: ServiceForm, call: Callable[..., Any]) -> bool:
    """Run ``call`` with the form's data; put the service's field errors on the form."""
    if not form.is_valid():
        return False
    try:
        call(data=form.data_for_service())
    except NotFound as missing:
        form.add_error(None, missing.message)
        return False
    except ValidationFailed as failed:
        form.put_errors(failed)
        return False
    except DomainError as refused:
        raise Forbidden(refused.message) from None
    return True


@require_GET
def glance(request: HttpRequest) -> HttpResponse:
    """The partnership at a glance: one page linking to each commitment."""
    today = dt.date.today()
    desk = agreements.desk(user=request.user, today=today)
    context = {
        "pledges": [(p, selectors.pledge_progress(pledge=p)) for p in selectors.pledges_all()],
        "due": windows.within(desk.dates, today, 180)[:6],
        "overdue": windows.overdue(desk.dates, today),
        "agreements": len(desk.agreements),
        "cargoes": selectors.cargoes_all().count(),
        "cooperation": selectors.cooperation_all(),
    }
    return render(request, "commitments/glance.html", context)


@require_GET
def pledges(request: HttpRequest) -> HttpResponse:
    found = list(selectors.pledges_all())
    if len(found) == 1:
        return redirect("commitments:pledge", uid=found[0].uid)
    return render(request, "commitments/pledges.html", {"pledges": found})


def _figure(progress: selectors.Progress, by: str) -> dict[str, str]:
    return {
        "by": by,
        "wide": present.chart(progress, by),
        "narrow": present.chart(progress, by, charts.Layout(charts.NARROW)),
    }


@require_GET
def pledge(request: HttpRequest, uid: Any) -> HttpResponse:
    progress = selectors.pledge_progress(pledge=_by_uid(Pledge, uid))
    # The reader's own currency first; the chips under the table switch to another.
    currency = request.GET.get("currency") or preferred_currency(request) or "USD"
    if currency not in arithmetic.TARGETS:
        currency = "USD"
    totals = [
        (
            kind,
            label,
            [present.total_text(progress.by_sector.get(kind, c), c) for c in arithmetic.TARGETS],
        )
        for kind, label in present.KIND_LABELS.items()
    ]
    context = {
        "progress": progress,
        "pledge": progress.pledge,
        "headline": [present.total_text(progress.pledge_amount[c], c) for c in arithmetic.TARGETS],
        "totals": totals,
        "targets": arithmetic.TARGETS,
        "currency": currency,
        "figures": [_figure(progress, "sector"), _figure(progress, "stage")],
        "tables": {by: present.table_rows(progress, by, currency) for by in ("sector", "stage")},
        "can_write": _can_write(request, progress.pledge),
        "form": ProjectForm(),
    }
    return render(request, "commitments/pledge.html", context)


@require_http_methods(["POST"])
def project_add(request: HttpRequest, uid: Any) -> HttpResponse:
    pledge_ = _by_uid(Pledge, uid)
    form = ProjectForm(request.POST)
    if _submit(
        request,
        form,
        functools.partial(services.project_create, actor=_actor(request), pledge=pledge_),
    ):
        messages.success(request, _("Project recorded."))
        return redirect("commitments:pledge", uid=uid)
    progress = selectors.pledge_progress(pledge=pledge_)
    return render(request, "commitments/pledge.html", {
        "progress": progress, "pledge": pledge_, "form": form, "can_write": True,
        "headline": [], "totals": {}, "targets": arithmetic.TARGETS, "figures": [], "tables": {},
    }, status=422)  # fmt: skip


def _check_by(by: str) -> str:
    if by not in present.BY:
        raise Http404
    return by


@require_GET
def pledge_chart(request: HttpRequest, uid: Any, by: str) -> HttpResponse:
    progress = selectors.pledge_progress(pledge=_by_uid(Pledge, uid))
    body = present.chart(progress, _check_by(by), present.download_layout(progress, by))
    response = HttpResponse(body, content_type="image/svg+xml; charset=utf-8")
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="bureau-pledge-{by}.svg"'
    return response


@require_GET
def pledge_csv(request: HttpRequest, uid: Any, by: str) -> HttpResponse:
    progress = selectors.pledge_progress(pledge=_by_uid(Pledge, uid))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="bureau-pledge-{_check_by(by)}.csv"'
    writer = csv.writer(response)
    writer.writerow(present.CSV_COLUMNS)
    writer.writerows(safe_row(row) for row in present.csv_rows(progress, by))
    return response


@require_http_methods(["GET", "POST"])
def project(request: HttpRequest, uid: Any) -> HttpResponse:
    found: Project = _by_uid(Project, uid)
    money, stage = MoneyForm(), StageForm()
    if request.method == "POST":
        if request.POST.get("form") == "stage":
            stage = StageForm(request.POST)
            done = _submit(
                request,
                stage,
                functools.partial(
                    services.project_stage_change, actor=_actor(request), project=found
                ),
            )
        else:
            money = MoneyForm(request.POST)
            done = _submit(
                request,
                money,
                functools.partial(services.money_event_add, actor=_actor(request), project=found),
            )
        if done:
            messages.success(request, _("Recorded."))
            return redirect("commitments:project", uid=uid)
    context = {
        "project": found,
        "timeline": selectors.project_timeline(project=found),
        "history": selectors.changes_of(key=str(found.uid)),
        "can_write": _can_write(request, found),
        "money_form": money,
        "stage_form": stage,
    }
    status = 422 if money.errors or stage.errors else 200
    return render(request, "commitments/project.html", context, status=status)


@require_http_methods(["GET", "POST"])
def agreements_desk(request: HttpRequest) -> HttpResponse:
    today = dt.date.today()
    forms: dict[str, ServiceForm] = {}
    alert_form = _alert_form(request)
    if request.method == "POST" and request.POST.get("form") == "alert":
        if alert_form is None:
            raise Forbidden(_("sign in to add date alerts"))
        if _submit(request, alert_form, functools.partial(_add_alert, request)):
            messages.success(request, _("Date alert added to your subscription."))
            return redirect("commitments:agreements")
        forms["alert"] = alert_form
    elif request.method == "POST":
        item_id = int(request.POST.get("agreement", "0") or 0)
        if request.POST.get("form") == "extension":
            form: ServiceForm = ExtensionForm(request.POST)
            call = functools.partial(
                agreements.agreement_extend, actor=_actor(request), item_id=item_id
            )
        else:
            form = MilestoneDoneForm(request.POST)
            call = functools.partial(
                agreements.milestone_done, actor=_actor(request), item_id=item_id
            )
        if _submit(request, form, call):
            messages.success(
                request, _("Recorded; the earlier dates stay in the agreement's history.")
            )
            return redirect("commitments:agreements")
        forms[f"{request.POST.get('form')}-{item_id}"] = form
    desk = agreements.desk(user=request.user, today=today)
    rows = [
        {"item": item, "expiry": agreements.expiry_of(item.agreement),
         "can_write": permissions.moderates(request.user, item.organisation) and item.is_local,
         "extension_form": forms.get(f"extension-{item.pk}", ExtensionForm()),
         "milestone_form": forms.get(f"milestone-{item.pk}", MilestoneDoneForm())}
        for item in desk.agreements
    ]  # fmt: skip
    try:
        calendar = _calendar(request, today, 3, _desk_entries(desk.dates, today))
    except ValidationFailed as failed:
        return _bad_request(failed)
    context = {
        "rows": rows,
        "today": today,
        "horizons": [(h, windows.within(desk.dates, today, h)) for h in windows.HORIZONS],
        "overdue": windows.overdue(desk.dates, today),
        "calendar": calendar,
        "alert_form": alert_form,
    }
    return render(request, "commitments/agreements.html", context, status=422 if forms else 200)


def _bad_request(failed: ValidationFailed) -> HttpResponse:
    # Plain text: the message quotes what was asked for.
    return HttpResponseBadRequest(failed.message, content_type="text/plain; charset=utf-8")


def _desk_entries(dates: list[windows.Dated], today: dt.date) -> dict[dt.date, list[months.Entry]]:
    return months.spread(
        (d.day, d.day, months.Entry(d.title, "warn" if d.overdue(today) else "")) for d in dates
    )


def _calendar(
    request: HttpRequest, today: dt.date, count: int, by_day: dict[dt.date, list[months.Entry]]
) -> dict[str, Any]:
    """The shared month calendar from the month ``?month=`` asks for (a bad one is a 400)."""
    first = months.first_of(request.GET.get("month"), today)
    return {
        "id": "calendar-title",
        "months": months.months(first, count, by_day),
        "nav": months.navigation(first, count),
    }


def _alert_form(request: HttpRequest) -> DateAlertForm | None:
    user = _actor(request)
    if user is None:
        return None
    mine = [(s.pk, s.name) for s in user.subscriptions.filter(active=True).order_by("name")]
    data = request.POST if request.POST.get("form") == "alert" else None
    return DateAlertForm(data, subscriptions=mine)


def _add_alert(request: HttpRequest, data: dict[str, Any]) -> Any:
    return date_alert_add(actor=_actor(request), subscription_id=data.get("subscription", 0),
                          rule=data.get("rule", ""), days=data.get("days"))  # fmt: skip


@require_http_methods(["GET", "POST"])
def cargoes(request: HttpRequest) -> HttpResponse:
    form, status_forms = CargoForm(), dict[int, ServiceForm]()
    contracts = list(selectors.contracts_all())
    if request.method == "POST" and request.POST.get("form") == "status":
        cargo = _by_uid(Cargo, _uuid(request.POST.get("cargo", "")))
        status_form = CargoStatusForm(request.POST, auto_id=f"status-{cargo.pk}-%s")
        call = functools.partial(services.cargo_update, actor=_actor(request), cargo=cargo)
        if _submit(request, status_form, call):
            messages.success(request, _("Cargo status changed."))
            return redirect("commitments:cargoes")
        status_forms[cargo.pk] = status_form
    elif request.method == "POST":
        contract = next((c for c in contracts if str(c.uid) == request.POST.get("contract")), None)
        if contract is None:
            raise Http404
        form = CargoForm(request.POST)
        if _submit(
            request,
            form,
            functools.partial(services.cargo_create, actor=_actor(request), contract=contract),
        ):
            messages.success(request, _("Cargo scheduled."))
            return redirect("commitments:cargoes")
    try:
        context = _cargoes_context(request, contracts, status_forms)
    except ValidationFailed as failed:
        return _bad_request(failed)
    context["form"] = form
    failed_now = bool(form.errors) or bool(status_forms)
    return render(request, "commitments/cargoes.html", context, status=422 if failed_now else 200)


def _cargoes_context(
    request: HttpRequest, contracts: list[SupplyContract], status_forms: dict[int, ServiceForm]
) -> dict[str, Any]:
    today = dt.date.today()
    found = list(selectors.cargoes_all())
    rows = [
        {"cargo": c, "units": lng.all_units(c.volume, c.unit),
         "status_form": status_forms.get(c.pk) or CargoStatusForm(
             initial={"status": c.status}, auto_id=f"status-{c.pk}-%s"),
         "can_write": _can_write(request, c)}
        for c in found
    ]  # fmt: skip
    return {
        "contracts": [_contract_view(c) for c in contracts],
        "cargoes": rows,
        "writable": [c for c in contracts if _can_write(request, c)],
        "calendar": _calendar(request, _calendar_start(found, today), 2, _cargo_entries(found)),
        # Two empty months say less than one sentence: the grid waits for a dated cargo.
        "dated": any(c.window_start for c in found),
        "lng_source": lng.SOURCE,
        "factors": (lng.TONNES_PER_M3, lng.MMBTU_PER_TONNE),
    }


def _calendar_start(found: list[Cargo], today: dt.date) -> dt.date:
    """The calendar opens on the next cargo still to come (today's month when none is)."""
    open_ = [c.window_start for c in found if c.window_start and (c.window_end or c.window_start) >= today
             and c.status not in ("delivered", "cancelled")]  # fmt: skip
    return min(open_, default=today)


def _cargo_entries(found: list[Cargo]) -> dict[dt.date, list[months.Entry]]:
    """Each cargo on every day of its delivery window, with its status."""
    return months.spread(
        (c.window_start, c.window_end, months.Entry(
            _("%(cargo)s: %(status)s") % {"cargo": c.reference or c.contract.title,
                                          "status": c.get_status_display()},
            c.status, f"#cargo-{c.pk}"))
        for c in found
    )  # fmt: skip


def _contract_view(contract: Any) -> dict[str, Any]:
    return {"contract": contract, "years": selectors.contract_years(contract=contract)}


@require_GET
def record(request: HttpRequest, uid: str) -> HttpResponse:
    """Where a record of the audit trail is shown, by its uid."""
    if Pledge.objects.filter(uid=_uuid(uid)).exists():
        return redirect("commitments:pledge", uid=uid)
    if Project.objects.filter(uid=_uuid(uid)).exists():
        return redirect("commitments:project", uid=uid)
    if (
        Cargo.objects.filter(uid=_uuid(uid)).exists()
        or SupplyContract.objects.filter(uid=_uuid(uid)).exists()
    ):
        return redirect("commitments:cargoes")
    return redirect("commitments:cooperation")


def _uuid(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise Http404 from None


@require_GET
def cooperation(request: HttpRequest) -> HttpResponse:
    return render(request, "commitments/cooperation.html", {"entries": selectors.cooperation_all()})


IMPORTS: dict[str, tuple[Any, str]] = {
    "projects": (Pledge, "commitments:pledge"),
    "cargoes": (SupplyContract, "commitments:cargoes"),
}


@require_http_methods(["GET", "POST"])
def import_rows(request: HttpRequest, kind: str, uid: Any) -> HttpResponse:
    """Staff import a pledge's projects or a contract's cargoes from CSV or XLSX."""
    if kind not in IMPORTS:
        raise Http404
    model, back = IMPORTS[kind]
    target = _by_uid(model, uid)
    if not _can_write(request, target):
        raise Forbidden(_("only the recording chamber's staff import here"))
    form, report = ImportForm(request.POST or None, request.FILES or None), None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = (
                importing.projects_import(
                    actor=_actor(request), pledge=target, stream=upload, filename=upload.name
                )
                if kind == "projects"
                else importing.cargoes_import(
                    actor=_actor(request), contract=target, stream=upload, filename=upload.name
                )
            )
        except ValidationFailed as failed:
            form.add_error("file", failed.message)
        if report is not None and report.ok:
            done_text = (
                ngettext("%(n)s project imported.", "%(n)s projects imported.", report.imported)
                if kind == "projects"
                else ngettext("%(n)s cargo imported.", "%(n)s cargoes imported.", report.imported)
            )
            messages.success(request, done_text % {"n": report.imported})
            return redirect(back, uid=uid) if kind == "projects" else redirect(back)
    context = {"form": form, "report": report, "kind": kind, "target": target}
    failed_now = bool(form.errors) or (report is not None and not report.ok)
    return render(request, "commitments/import.html", context, status=422 if failed_now else 200)
