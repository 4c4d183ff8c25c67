"""The directory of organisations over the API: browse, read, add, change and verify."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from bureau.accounts import permissions, services
from bureau.accounts.auth import authenticated_user
from bureau.accounts.models import Organisation, User
from bureau.accounts.schemas import (
    OrganisationIn,
    OrganisationOut,
    OrganisationPage,
    OrganisationPatch,
    OrganisationQuery,
    VerificationIn,
)
from bureau.core import parsing
from bureau.core.errors import FieldError, NotFound, PermissionDenied, ValidationFailed
from bureau.reference import countries

router = Router(tags=["organisations"])


def organisation_out(organisation: Organisation) -> dict[str, Any]:
    fields = ("slug", "name", "kind", "country", "city", "description", "website", "email")
    record: dict[str, Any] = {name: getattr(organisation, name) for name in fields}
    record.update(
        phone=organisation.phone,
        sectors=organisation.sectors,
        hs_codes=organisation.hs_codes,
        chamber=organisation.chamber.slug if organisation.chamber else None,
        verified=organisation.is_verified,
        verified_at=organisation.verified_at,
        origin_node=organisation.origin_node,
        created_at=organisation.created_at,
        updated_at=organisation.updated_at,
    )
    return record


SLUG = re.compile(r"[-\w]+")


def _find(slug: str) -> Organisation:
    found = None
    if SLUG.fullmatch(slug):
        found = Organisation.objects.select_related("chamber").filter(slug=slug).first()
    if found is None:
        raise NotFound(_("there is no organisation '%(slug)s'") % {"slug": slug[:60]})
    return found


def _filtered(params: OrganisationQuery) -> QuerySet[Organisation]:
    errors = []
    try:
        words = parsing.text(params.q).split()
    except ValueError as error:
        errors.append(FieldError("q", str(error)))
    if params.kind and params.kind not in Organisation.Kind.values:
        kinds = ", ".join(Organisation.Kind.values)
        errors.append(
            FieldError(
                "kind",
                _("'%(word)s' is not one of: %(options)s")
                % {"word": str(params.kind)[:20], "options": kinds},
            )
        )
    if params.country and (reason := countries.country_error(params.country)):
        errors.append(FieldError("country", reason))
    if errors:
        raise ValidationFailed(errors)
    qs = Organisation.objects.select_related("chamber").order_by("name", "id")
    if params.kind:
        qs = qs.filter(kind=params.kind)
    if params.country:
        qs = qs.filter(country=params.country.upper())
    if params.verified is not None:
        qs = qs.filter(verified_at__isnull=not params.verified)
    for word in words:
        qs = qs.filter(name__icontains=word)
    return qs


@router.get("/organisations", response=OrganisationPage, auth=None, summary="List organisations")
def list_organisations(request: HttpRequest, params: Query[OrganisationQuery]) -> dict[str, Any]:
    """The directory, by name."""
    qs = _filtered(params)
    page = qs[params.offset : params.offset + params.limit]
    return {"count": qs.count(), "items": [organisation_out(o) for o in page]}


@router.get(
    "/organisations/{slug}", response=OrganisationOut, auth=None, summary="One organisation"
)
def get_organisation(request: HttpRequest, slug: str) -> dict[str, Any]:
    return organisation_out(_find(slug))


def _chamber_for(actor: User, slug: str | None, kind: Any) -> Organisation | None:
    """The chamber named by ``slug``, else the actor's own chamber for a company they add."""
    if slug:
        chamber = Organisation.objects.chambers().filter(slug=slug).first()
        if chamber is None:
            raise ValidationFailed.single(
                "chamber", _("there is no chamber '%(slug)s'") % {"slug": slug[:60]}
            )
        return chamber
    own = actor.organisation
    if kind in ("chamber", "bureau") or own is None or own.kind != Organisation.Kind.CHAMBER:
        return None
    return own


@router.post("/organisations", response={201: OrganisationOut}, summary="Add an organisation")
def create_organisation(request: HttpRequest, payload: OrganisationIn) -> Status[dict[str, Any]]:
    """Chamber staff and node admins add organisations to the directory."""
    actor = authenticated_user(request)
    if not permissions.is_staff_user(actor):
        raise PermissionDenied(_("only chamber staff can add organisations to the directory"))
    data = payload.model_dump(exclude_unset=True)
    chamber = _chamber_for(actor, data.pop("chamber", None), data.get("kind"))
    created = services.organisation_create(actor=actor, data=data, chamber=chamber)
    return Status(201, organisation_out(_find(created.slug)))


@router.patch("/organisations/{slug}", response=OrganisationOut, summary="Change an organisation")
def update_organisation(
    request: HttpRequest, slug: str, payload: OrganisationPatch
) -> dict[str, Any]:
    """Change the fields sent; the organisation's own people and its chamber's staff only."""
    organisation = services.organisation_update(
        actor=authenticated_user(request),
        organisation=_find(slug),
        data=payload.model_dump(exclude_unset=True),
    )
    return organisation_out(organisation)


@router.post("/organisations/{slug}/verify", response=OrganisationOut, summary="Mark verified")
def verify_organisation(
    request: HttpRequest, slug: str, payload: VerificationIn | None = None
) -> dict[str, Any]:
    """Chamber staff vouch for an organisation; the act is kept in its verification history
    with who, for which chamber, when and what was checked."""
    organisation = services.organisation_verify(
        actor=authenticated_user(request),
        organisation=_find(slug),
        verified=True,
        checked=payload.checked if payload else "",
    )
    return organisation_out(organisation)


@router.post(
    "/organisations/{slug}/unverify", response=OrganisationOut, summary="Clear verified mark"
)
def unverify_organisation(
    request: HttpRequest, slug: str, payload: VerificationIn | None = None
) -> dict[str, Any]:
    """Withdraw the mark; the withdrawal and its reason (``checked``) stay in the history."""
    organisation = services.organisation_verify(
        actor=authenticated_user(request),
        organisation=_find(slug),
        verified=False,
        checked=payload.checked if payload else "",
    )
    return organisation_out(organisation)
