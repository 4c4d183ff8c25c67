"""Enquiry pages (ask, confirm, the public share answered in time) and the staff pages:
the chamber's queue, its response target, the dashboard with its CSV downloads."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bureau.accounts import permissions
from bureau.accounts.models import Organisation, User
from bureau.connect import charts as facilitated
from bureau.connect import enquiries, outcomes, selectors
from bureau.connect.models import Enquiry, Outcome
from bureau.connect.views import me, refused
from bureau.core import ratelimit
from bureau.core.cells import neutralise
from bureau.core.errors import DomainError
from bureau.trade import charts


def _chambers() -> Any:
    return Organisation.objects.chambers().filter(origin_node="")


def enquiry_new(request: HttpRequest) -> HttpResponse:
    """Anyone asks a chamber; without an account the email address is confirmed by a link."""
    context: dict[str, Any] = {"chambers": _chambers(), "topics": Enquiry.Topic.choices}
    if request.method != "POST":
        return render(request, "connect/enquiry_form.html", context)
    chamber = _chambers().filter(slug=request.POST.get("chamber", "")).first()
    try:
        if chamber is None:
            raise enquiries.ValidationFailed.single("chamber", _("choose one of the chambers"))
        user = me(request) if request.user.is_authenticated else None
        enquiry = enquiries.enquiry_create(
            actor=user,
            chamber=chamber,
            data=request.POST,
            address=ratelimit.client_address(request),
        )
    except DomainError as error:
        return refused(request, error, "connect/enquiry_form.html", context)
    return render(request, "connect/enquiry_sent.html", {"enquiry": enquiry})


def enquiry_confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        enquiry = enquiries.enquiry_confirm(token=token)
    except DomainError as error:
        return render(
            request, "connect/enquiry_sent.html", {"refusal": error.message}, status=error.status
        )
    return render(request, "connect/enquiry_sent.html", {"enquiry": enquiry, "confirmed": True})


def performance(request: HttpRequest) -> HttpResponse:
    """Public: per chamber and month, the share of enquiries answered within the target."""
    return render(
        request, "connect/performance.html", {"months": selectors.answered_within_target()}
    )


def _staff(request: HttpRequest) -> bool:
    return permissions.is_staff_user(me(request))


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    if not _staff(request):
        return render(request, "403.html", status=403)
    rows = [
        (e, selectors.enquiry_age_days(e)) for e in selectors.enquiry_queue(user=me(request))[:300]
    ]
    staff = User.objects.filter(
        organisation__in=selectors.chambers_moderated(user=me(request)),
        role=User.Role.STAFF,
        is_active=True,
    )
    return render(request, "connect/queue.html", {"rows": rows, "staff": staff})


@login_required
@require_POST
def enquiry_action(request: HttpRequest, uid: str, action: str) -> HttpResponse:
    enquiry = get_object_or_404(Enquiry.objects.select_related("chamber"), uid=uid)
    user: Any = me(request)
    try:
        if action == "assign":
            to = User.objects.filter(pk=request.POST.get("to") or 0).first() or user
            enquiries.enquiry_assign(actor=user, enquiry=enquiry, to=to)
        elif action == "answer":
            enquiries.enquiry_answer(
                actor=user,
                enquiry=enquiry,
                answer=request.POST.get("answer", ""),
                publish=request.POST.get("publish") == "on",
            )
        elif action == "close":
            enquiries.enquiry_close(actor=user, enquiry=enquiry)
        elif action == "hide":
            enquiries.enquiry_hide(actor=user, enquiry=enquiry)
        else:
            return render(request, "404.html", status=404)
    except DomainError as error:
        messages.error(request, f"{enquiry.subject}: {error.message}")
    return redirect("connect:queue")


@login_required
def target(request: HttpRequest) -> HttpResponse:
    """A chamber's response-time target, weekend and holidays."""
    chamber = me(request).organisation
    if not _staff(request) or chamber is None:
        return render(request, "403.html", status=403)
    days, weekend, holidays = enquiries.chamber_target(chamber)
    context: dict[str, Any] = {
        "chamber": chamber,
        "current": {
            "working_days": days,
            "weekend": ",".join(k for k, v in enquiries.workdays.DAY_NAMES.items() if v in weekend),
            "holidays": ", ".join(sorted(d.isoformat() for d in holidays)),
        },
    }
    if request.method != "POST":
        return render(request, "connect/target.html", context)
    try:
        enquiries.chamber_target_set(actor=me(request), chamber=chamber, data=request.POST)
    except DomainError as error:
        return refused(request, error, "connect/target.html", context)
    messages.success(request, _("The response target was saved."))
    return redirect("connect:dashboard")


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    if not _staff(request):
        return render(request, "403.html", status=403)
    return render(request, "connect/dashboard.html", selectors.dashboard(user=me(request)))


@login_required
@require_POST
def outcome_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(Outcome.objects.select_related("introduction"), pk=pk)
    try:
        outcomes.outcome_confirm(actor=me(request), outcome=found)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("connect:dashboard")


def _rows(name: str, data: dict[str, Any]) -> tuple[list[str], Iterable[list[Any]]]:
    if name == "interests":
        return ["created_at", "item", "owner", "from", "status"], (
            [i.created_at.isoformat(), i.item.title, i.owner.name, i.sender_label, i.status]
            for i in data["open_interests"].select_related("item", "owner")
        )
    if name == "introductions":
        return ["proposed_at", "side_a", "side_b", "a_answer", "b_answer", "expires_at"], (
            [
                i.proposed_at.isoformat(),
                i.a_label,
                i.b_label,
                i.a_answer,
                i.b_answer,
                i.expires_at.isoformat(),
            ]
            for i in data["waiting"]
        )
    if name == "enquiries":
        return ["asked_at", "chamber", "subject", "state", "working_days_old", "overdue"], (
            [
                e.asked_at.isoformat() if e.asked_at else "",
                e.chamber.name,
                e.subject,
                e.state,
                age,
                e.is_overdue,
            ]
            for e, age in data["enquiries"]
        )
    return [
        "reported_at",
        "organisation",
        "business",
        "value",
        "currency",
        "value_usd",
        "hs_code",
        "exporter",
        "importer",
        "year",
        "confirmed",
    ], (
        [
            o.reported_at.isoformat(),
            o.organisation.name,
            o.business,
            o.value_amount,
            o.value_currency,
            o.value_usd,
            o.hs_code,
            o.exporter_country,
            o.importer_country,
            o.year,
            bool(o.confirmed_at),
        ]
        for o in data["outcomes"]
    )


CSV_NAMES = ("interests", "introductions", "enquiries", "outcomes")


@login_required
def dashboard_csv(request: HttpRequest, name: str) -> HttpResponse:
    """One table of the dashboard as CSV; a cell that would run as a formula is neutralised."""
    if not _staff(request) or name not in CSV_NAMES:
        return render(request, "403.html", status=403)
    header, rows = _rows(name, selectors.dashboard(user=me(request)))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="connect-{name}.csv"'
    return response


def facilitated_svg(request: HttpRequest) -> HttpResponse:
    """The chart of the trade monitor's "business facilitated" section, as a file."""
    layout = charts.Layout(760, "Business facilitated through the bureau", (facilitated.SOURCE,))
    svg = facilitated.facilitated_chart(selectors.deals_facilitated(), layout)
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    if request.GET.get("download"):
        response["Content-Disposition"] = 'attachment; filename="bureau-facilitated.svg"'
    return response


def facilitated_csv(request: HttpRequest) -> HttpResponse:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["year", "exporter", "importer", "deals", "value_usd"])
    for deal in selectors.deals_facilitated():
        writer.writerow(
            [
                neutralise(c)
                for c in (deal.year, deal.exporter, deal.importer, deal.count, deal.value_usd)
            ]
        )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="bureau-facilitated.csv"'
    return response
