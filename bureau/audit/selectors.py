"""The node's audit trail, read from where each change is recorded: items' moderation and edits,
organisations' verifications, and decisions on membership requests. Staff see the entries of
their chamber and its members; node admins see every entry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import CharField, F, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.utils.translation import gettext as _

from bureau.accounts import permissions
from bureau.accounts.models import MembershipRequest, Verification
from bureau.catalog.models import ItemTransition
from bureau.commitments.models import ChangeEntry
from bureau.connect.models import Event as ConnectEvent
from bureau.core import parsing
from bureau.core.errors import FieldError, PermissionDenied, ValidationFailed

KINDS = ("item", "organisation", "membership", "connect", "commitment")
COLUMNS = ("at", "actor_email", "kind", "object_key", "label", "action", "detail")
MAX_ACTOR = 254


@dataclass(frozen=True)
class AuditFilters:
    kind: str = ""
    actor: str = ""
    since: dt.date | None = None
    until: dt.date | None = None

    @classmethod
    def parse(cls, params: Mapping[str, Any]) -> AuditFilters:
        """Read the filters of a query string; ``ValidationFailed`` names every bad one."""
        values: dict[str, Any] = {}
        errors: list[FieldError] = []
        parsers = {
            "kind": _kind,
            "actor": lambda v: parsing.text(v, max_length=MAX_ACTOR).lower(),
            "since": parsing.date,
            "until": parsing.date,
        }
        for name, parse in parsers.items():
            try:
                values[name] = parse(params.get(name))
            except ValueError as error:
                errors.append(FieldError(name, str(error)))
        if errors:
            raise ValidationFailed(errors)
        return cls(**values)


def _kind(value: Any) -> str:
    word = parsing.text(value)
    if word and word not in KINDS:
        raise ValueError(
            _("'%(word)s' is not one of: %(options)s")
            % {"word": word[:20], "options": ", ".join(KINDS)}
        )
    return word


def audit_entries(user: Any, filters: AuditFilters) -> QuerySet[Any]:
    """Every entry ``user`` may see that matches ``filters``, newest first, as rows of COLUMNS."""
    if not permissions.is_staff_user(user):
        raise PermissionDenied(_("only chamber staff and node admins read the audit trail"))
    parts = {
        "item": _items,
        "organisation": _verifications,
        "membership": _memberships,
        "connect": _connect,
        "commitment": _commitments,
    }
    # Each part without its model's ordering: a compound SELECT is ordered once, as a whole.
    chosen = [
        build(user, filters).order_by()
        for kind, build in parts.items()
        if filters.kind in ("", kind)
    ]
    first, *rest = chosen
    return first.union(*rest, all=True).order_by("-at") if rest else first.order_by("-at")


def _scope(user: Any, field: str) -> Q:
    """The organisations ``user`` answers for: all for node admins, else their chamber's."""
    if user.is_node_admin:
        return Q()
    chamber = user.organisation_id
    return Q(**{f"{field}_id": chamber}) | Q(**{f"{field}__chamber_id": chamber})


def _when(filters: AuditFilters, field: str) -> Q:
    found = Q()
    if filters.since:
        found &= Q(**{f"{field}__date__gte": filters.since})
    if filters.until:
        found &= Q(**{f"{field}__date__lte": filters.until})
    return found


def _actor(filters: AuditFilters, field: str) -> Q:
    return Q(**{f"{field}__email__icontains": filters.actor}) if filters.actor else Q()


def _text(value: Any) -> Any:
    return Value(value, output_field=CharField())


def _items(user: Any, filters: AuditFilters) -> QuerySet[Any]:
    return (
        ItemTransition.objects.filter(
            _scope(user, "item__organisation"), _when(filters, "at"), _actor(filters, "actor")
        )
        .annotate(
            actor_email=F("actor__email"),
            kind=_text("item"),
            object_key=Cast("item_id", output_field=CharField()),
            label=F("item__title"),
            action=Concat(F("from_status"), _text(">"), F("to_status"), output_field=CharField()),
            detail=F("note"),
        )
        .values_list(*COLUMNS)
    )


def _verifications(user: Any, filters: AuditFilters) -> QuerySet[Any]:
    return (
        Verification.objects.filter(
            _scope(user, "organisation"), _when(filters, "at"), _actor(filters, "actor")
        )
        .annotate(
            actor_email=F("actor__email"),
            kind=_text("organisation"),
            object_key=F("organisation__slug"),
            label=F("organisation__name"),
            action_done=F("action"),
            detail=F("checked"),
        )
        .values_list("at", "actor_email", "kind", "object_key", "label", "action_done", "detail")
    )


def _memberships(user: Any, filters: AuditFilters) -> QuerySet[Any]:
    return (
        MembershipRequest.objects.filter(
            _scope(user, "organisation"),
            _when(filters, "decided_at"),
            _actor(filters, "decided_by"),
            decided_at__isnull=False,
        )
        .annotate(
            at=F("decided_at"),
            actor_email=F("decided_by__email"),
            kind=_text("membership"),
            object_key=F("organisation__slug"),
            label=F("organisation__name"),
            action=F("status"),
            detail=F("user__email"),
        )
        .values_list(*COLUMNS)
    )


def _connect(user: Any, filters: AuditFilters) -> QuerySet[Any]:
    """Interests, introductions, enquiries and outcomes (``bureau.connect``)."""
    return (
        ConnectEvent.objects.filter(
            _scope(user, "organisation"), _when(filters, "at"), _actor(filters, "actor")
        )
        .annotate(
            actor_email=F("actor__email"),
            kind=_text("connect"),
            action_done=F("action"),
            detail_text=F("detail"),
        )
        .values_list(
            "at", "actor_email", "kind", "object_key", "label", "action_done", "detail_text"
        )
    )


def _commitments(user: Any, filters: AuditFilters) -> QuerySet[Any]:
    return (
        ChangeEntry.objects.filter(
            _scope(user, "organisation"), _when(filters, "at"), _actor(filters, "actor")
        )
        .annotate(actor_email=F("actor__email"), kind=_text("commitment"))
        .values_list(*COLUMNS)
    )
