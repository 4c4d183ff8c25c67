"""A member's own items: each status with what to do next, and what an import just made."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from bureau.accounts.models import User
from bureau.catalog.models import Item, Status
from bureau.catalog.selectors import items_of_organisation
from bureau.catalog.views import allowed_actions, expiry_warning

STATUS_ORDER = [Status.DRAFT, Status.SUBMITTED, Status.PUBLISHED, Status.EXPIRED, Status.WITHDRAWN]
LIMIT_PER_STATUS = 200


def next_step(item: Item, returned_because: str = "") -> str:
    """What the member does next with ``item``, in one sentence."""
    if item.status == Status.DRAFT:
        if item.valid_until and item.valid_until < timezone.localdate():
            return _("Change its valid-until date to today or later, then submit it for review.")
        if returned_because:
            return _(
                "Chamber staff returned it: “%(reason)s”. Change it, then submit it again."
            ) % {"reason": returned_because}
        return _("Check it, then submit it for review: chamber staff publish it.")
    if item.status == Status.SUBMITTED:
        return _("Waiting for chamber staff to review it.")
    if item.status == Status.PUBLISHED:
        if item.valid_until:
            return _("Public; it expires after %(date)s.") % {
                "date": date_format(item.valid_until, "j M Y")
            }
        return _("Public until you withdraw it.")
    if item.status == Status.EXPIRED:
        return _("Its validity ended. To offer it again, enter a new item.")
    return _("Withdrawn: no longer shown to anyone.")


@login_required
@require_GET
def my_items(request: HttpRequest) -> HttpResponse:
    """Every item of the member's organisation, by status, each with its next step."""
    user = request.user
    assert isinstance(user, User)
    if user.organisation is None:
        raise Forbidden(_("Join an organisation to enter items."))
    asked = request.GET.get("status", "")
    statuses = [s for s in STATUS_ORDER if asked in ("", s)] or STATUS_ORDER
    groups = []
    for status in statuses:
        items, reasons = items_of_organisation(user.organisation, status, LIMIT_PER_STATUS)
        rows = [_row(user, item, reasons.get(item.pk, "")) for item in items]
        groups.append({"status": status, "label": Status(status).label, "rows": rows})
    context = {"groups": groups, "asked": asked, "statuses": STATUS_ORDER}
    return render(request, "catalog/my_items.html", context)


def _row(user: User, item: Item, reason: str) -> dict[str, Any]:
    return {
        "item": item,
        "next": next_step(item, reason),
        "warning": expiry_warning(item) if item.status != Status.EXPIRED else "",
        "actions": [a for a in allowed_actions(user, item) if a[0] == "submit"],
    }
