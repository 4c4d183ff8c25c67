"""The node-wide audit page for staff: who changed what and when, filtered, and as CSV."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from bureau.accounts.models import MembershipRequest, Verification
from bureau.audit.selectors import KINDS, AuditFilters, audit_entries
from bureau.catalog.models import Status
from bureau.core.cells import neutralise
from bureau.core.errors import PermissionDenied, ValidationFailed

PAGE_SIZE = 50
CSV_ROWS = 100_000
KIND_LABELS = {
    "item": _("Items"),
    "organisation": _("Verifications"),
    "membership": _("Memberships"),
    "connect": _("Connect"),
    "commitment": _("Commitments"),
}
ROW_LABELS = {
    "item": _("Item"),
    "organisation": _("Organisation"),
    "membership": _("Membership"),
    "connect": _("Connect"),
    "commitment": _("Commitment"),
}
HEADER = ("at", "who", "kind", "object", "what", "action", "detail")


def _filters(request: HttpRequest) -> tuple[AuditFilters, dict[str, str]]:
    try:
        return AuditFilters.parse(request.GET), {}
    except ValidationFailed as failed:
        return AuditFilters(), {e.field: e.message for e in failed.errors}


def _entries(request: HttpRequest, filters: AuditFilters) -> Any:
    try:
        return audit_entries(request.user, filters)
    except PermissionDenied as denied:
        raise Forbidden(denied.message) from denied


@login_required
@require_GET
def audit(request: HttpRequest) -> HttpResponse:
    filters, errors = _filters(request)
    page = Paginator(_entries(request, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "rows": [_row(entry) for entry in page.object_list],
        "filters": filters,
        "errors": errors,
        "kinds": [(kind, KIND_LABELS[kind]) for kind in KINDS],
        "csv_query": request.GET.urlencode(),
    }
    return render(request, "audit/audit.html", context, status=422 if errors else 200)


def _row(entry: tuple[Any, ...]) -> dict[str, Any]:
    at, actor, kind, key, label, action, detail = entry
    if kind == "connect":
        url = reverse("connect:dashboard")
    elif kind == "item":
        url = reverse("catalog:item", args=[int(key)])
    elif kind == "commitment":
        url = reverse("commitments:record", args=[key])
    else:
        url = reverse("accounts:organisation", args=[key])
    return {
        "at": at,
        "actor": actor,
        "kind": ROW_LABELS.get(kind, kind),
        "label": label,
        "url": url,
        "action": describe(kind, action),
        "detail": detail,
    }


def describe(kind: str, action: str) -> str:
    """An entry's action in words: 'Draft → Submitted', 'Edited', 'Verified', 'Approved'."""
    if kind == "organisation":
        return str(Verification.Action(action).label)
    if kind == "membership":
        return str(MembershipRequest.Status(action).label)
    if kind == "connect":
        return action  # 'interest-accepted', 'enquiry-answered', ...
    if kind == "commitment":
        return action.capitalize()
    before, _sep, after = action.partition(">")
    if not before:
        return gettext("Entered as %(status)s") % {"status": Status(after).label.lower()}
    if before == after:
        return gettext("Edited")
    return f"{Status(before).label} → {Status(after).label}"


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
@require_GET
def audit_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered entries as CSV; a cell that would run as a formula is neutralised."""
    filters, _errors = _filters(request)
    entries = _entries(request, filters)[:CSV_ROWS]
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield writer.writerow(HEADER)
        for at, actor, kind, key, label, action, detail in entries.iterator():
            cells = (at.isoformat(), actor or "", kind, key, label, describe(kind, action), detail)
            yield writer.writerow([neutralise(cell) for cell in cells])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="bureau-audit.csv"'
    return response
