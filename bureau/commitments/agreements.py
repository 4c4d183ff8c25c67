"""The agreements desk: every agreement item of the catalog with its parties, dates,
extensions and milestones, what is due or expires soon, what is overdue.

Agreements are the catalog's items; this module reads them and records an extension or a
milestone done through the catalog's own ``item_update``, so the catalog's audit trail, the
item's history and replication to the peer work as for any edit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from bureau.accounts import permissions
from bureau.accounts.models import User
from bureau.catalog.models import Agreement, Item, Kind
from bureau.catalog.selectors import item_as_record
from bureau.catalog.services import item_update
from bureau.commitments import windows
from bureau.core import parsing
from bureau.core.errors import FieldError, NotFound, ValidationFailed


@dataclass
class Desk:
    agreements: list[Item]
    dates: list[windows.Dated]


def expiry_of(agreement: Agreement) -> dt.date | None:
    return windows.effective_expiry(
        agreement.expires_on, [e.new_expires_on for e in agreement.extensions.all()]
    )


def dates_of(item: Item) -> list[windows.Dated]:
    """The agreement's expiry in force and its milestones, each with a stable key."""
    agreement = item.agreement
    found = []
    if expiry := expiry_of(agreement):
        title = _("%(agreement)s expires") % {"agreement": item.title}
        found.append(windows.Dated("expiry", f"expiry:{item.uid}:{expiry}", str(item.uid),
                                   title, expiry))  # fmt: skip
    for m in agreement.milestones.all():
        if m.due_on:
            key = f"milestone:{item.uid}:{m.due_on}:{m.title}"[:200]
            title = _("%(agreement)s: %(milestone)s") % {"agreement": item.title,
                                                           "milestone": m.title}  # fmt: skip
            found.append(windows.Dated("milestone", key, str(item.uid), title,
                                       m.due_on, m.done_on, m.title))  # fmt: skip
    return found


def agreements_visible(user: Any) -> list[Item]:
    found = (
        Item.objects.filter(kind=Kind.AGREEMENT, agreement__isnull=False)
        .filter(Q(status__in=("published", "expired")) | Q(organisation__in=_own(user)))
        .select_related("agreement", "organisation")
        .prefetch_related("agreement__extensions", "agreement__milestones")
        .order_by("title", "id")
    )
    return list(found)


def _own(user: Any) -> list[int]:
    if not isinstance(user, User) or user.organisation_id is None:
        return []
    return [user.organisation_id]


def desk(*, user: Any, today: dt.date) -> Desk:
    items = agreements_visible(user)
    return Desk(items, [d for item in items for d in dates_of(item)])


def agreement_out(item: Item) -> dict[str, Any]:
    record = item_as_record(item)
    keep = ("id", "uid", "title", "agreement_type", "parties", "signed_on", "effective_on",
            "expires_on", "extensions", "milestones", "source_title", "source_url")  # fmt: skip
    out = {k: _plain(record.get(k)) for k in keep}
    out["expiry_in_force"] = _plain(expiry_of(item.agreement))
    return out


def dated_out(d: windows.Dated, today: dt.date) -> dict[str, Any]:
    return {"kind": d.kind, "agreement": d.agreement, "title": d.title, "date": d.day.isoformat(),
            "days_left": d.days_left(today), "overdue": d.overdue(today)}  # fmt: skip


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [
            {k: _plain(v) for k, v in row.items()} if isinstance(row, dict) else row
            for row in value
        ]
    return value


def _agreement(item_id: int) -> Item:
    item = Item.objects.filter(pk=item_id, kind=Kind.AGREEMENT).select_related("agreement").first()
    if item is None:
        raise NotFound(_("no agreement %(id)s") % {"id": item_id})
    return item


def _check(actor: User | None, item: Item) -> User:
    if not isinstance(actor, User) or not permissions.moderates(actor, item.organisation):
        from bureau.core.errors import PermissionDenied

        raise PermissionDenied(
            _("only the agreement's chamber staff record extensions and milestones")
        )
    return actor


def _date(data: Mapping[str, Any], name: str, required: bool) -> dt.date | None:
    try:
        value = parsing.date(data.get(name))
    except ValueError as bad:
        raise ValidationFailed.single(name, str(bad)) from None
    if required and value is None:
        raise ValidationFailed.single(name, _("is required"))
    return value


def agreement_extend(*, actor: User | None, item_id: int, data: Mapping[str, Any]) -> Item:
    """Record an extension (agreed on, new expiry, note); the earlier expiry stays in history."""
    item = _agreement(item_id)
    user = _check(actor, item)
    new_expiry = _date(data, "new_expires_on", True)
    agreed_on = _date(data, "agreed_on", False)
    try:
        note = parsing.text(data.get("note"), max_length=300)
    except ValueError as bad:
        raise ValidationFailed.single("note", str(bad)) from None
    record = item_as_record(item)
    extensions = [*record.get("extensions", []),
                  {"agreed_on": agreed_on, "new_expires_on": new_expiry, "note": note}]  # fmt: skip
    return item_update(actor=user, item=item, data={"extensions": extensions})


def milestone_done(*, actor: User | None, item_id: int, data: Mapping[str, Any]) -> Item:
    """Mark the milestone named ``title`` done on ``done_on`` (today when not given)."""
    item = _agreement(item_id)
    user = _check(actor, item)
    done_on = _date(data, "done_on", False) or dt.date.today()
    title = str(data.get("title") or "")
    milestones = item_as_record(item).get("milestones", [])
    match = [m for m in milestones if m["title"] == title and m["done_on"] is None]
    if not match:
        raise ValidationFailed(
            [
                FieldError(
                    "title", _("no open milestone '%(title)s'") % {"title": parsing.shown(title)}
                )
            ]
        )
    match[0]["done_on"] = done_on
    return item_update(actor=user, item=item, data={"milestones": milestones})
