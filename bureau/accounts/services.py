"""Writes to the directory and accounts: organisations, users, verification, API tokens."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from bureau.accounts import permissions
from bureau.accounts.changes import OrganisationVerified
from bureau.accounts.models import ApiToken, Organisation, User, Verification
from bureau.core import changes, parsing
from bureau.core.errors import FieldError, PermissionDenied, ValidationFailed
from bureau.reference import countries, hs
from bureau.reference.vocab import Sector

TOKEN_PREFIX = "bur_"  # noqa: S105 - a marker, not a secret


def _unique_slug(name: str) -> str:
    base = slugify(name)[:200] or "organisation"
    slug, n = base, 1
    while Organisation.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _clean_organisation(data: dict[str, Any]) -> dict[str, Any]:
    errors: list[FieldError] = []
    clean: dict[str, Any] = {}
    for name in (
        "name",
        "city",
        "description",
        "website",
        "email",
        "phone",
        "source_title",
        "source_url",
    ):
        if name in data:
            clean[name] = parsing.text(data[name])
    if "name" in data and not clean["name"]:
        errors.append(FieldError("name", "is required"))
    if "kind" in data:
        if data["kind"] not in Organisation.Kind.values:
            errors.append(
                FieldError("kind", f"must be one of {', '.join(Organisation.Kind.values)}")
            )
        clean["kind"] = data["kind"]
    if "country" in data:
        code = parsing.text(data["country"]).upper()
        if reason := countries.country_error(code):
            errors.append(FieldError("country", reason))
        clean["country"] = code
    if "sectors" in data:
        clean["sectors"] = parsing.string_list(data["sectors"])
        bad = [s for s in clean["sectors"] if s not in Sector.values]
        if bad:
            errors.append(FieldError("sectors", f"unknown sector(s): {', '.join(bad)}"))
    if "hs_codes" in data:
        clean["hs_codes"] = [hs.normalise(c) for c in parsing.string_list(data["hs_codes"])]
        errors += [
            FieldError("hs_codes", r) for c in clean["hs_codes"] if (r := hs.validation_error(c))
        ]
    if errors:
        raise ValidationFailed(errors)
    return clean


@transaction.atomic
def organisation_create(
    *, actor: User | None, data: dict[str, Any], chamber: Organisation | None = None
) -> Organisation:
    """Add an organisation to the directory. ``actor`` None means the system (init, demo)."""
    missing = [FieldError(f, "is required") for f in ("name", "kind", "country") if not data.get(f)]
    if missing:
        raise ValidationFailed(missing)
    clean = _clean_organisation(data)
    if actor is not None and not permissions.is_staff_user(actor):
        raise PermissionDenied("only chamber staff can add organisations to the directory")
    return Organisation.objects.create(
        slug=data.get("slug") or _unique_slug(clean["name"]), chamber=chamber, **clean
    )


@transaction.atomic
def organisation_update(
    *, actor: User, organisation: Organisation, data: dict[str, Any]
) -> Organisation:
    if not permissions.can_edit_organisation(actor, organisation):
        raise PermissionDenied("you cannot edit this organisation")
    for name, value in _clean_organisation(data).items():
        setattr(organisation, name, value)
    organisation.save()
    return organisation


MAX_CHECKED = 500


@transaction.atomic
def organisation_verify(
    *, actor: User, organisation: Organisation, verified: bool = True, checked: str = ""
) -> Organisation:
    """Set or clear the verified mark, and add the act to the organisation's verification
    history: who, for which chamber, when, and ``checked`` (what was checked, or why the mark
    was withdrawn)."""
    if not permissions.can_verify(actor, organisation):
        raise PermissionDenied("only staff of the organisation's chamber can verify it")
    try:
        checked = parsing.text(checked, max_length=MAX_CHECKED)
    except ValueError as error:
        raise ValidationFailed.single("checked", str(error)) from None
    now = timezone.now()
    organisation.verified_at = now if verified else None
    organisation.verified_by = actor if verified else None
    organisation.save(update_fields=["verified_at", "verified_by", "updated_at"])
    Verification.objects.create(
        organisation=organisation,
        action=Verification.Action.VERIFIED if verified else Verification.Action.WITHDRAWN,
        actor=actor,
        chamber=actor.organisation if permissions.is_staff_user(actor) else None,
        at=now,
        checked=checked,
    )
    changes.announce(OrganisationVerified(organisation))
    return organisation


def user_create(
    *,
    email: str,
    password: str | None,
    organisation: Organisation | None,
    role: str = User.Role.MEMBER,
    **extra: Any,
) -> User:
    if role not in User.Role.values:
        raise ValidationFailed.single("role", f"must be one of {', '.join(User.Role.values)}")
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationFailed.single("email", f"a user with {email} exists already")
    if role == User.Role.STAFF and (
        organisation is None or organisation.kind not in ("chamber", "bureau")
    ):
        raise ValidationFailed.single(
            "role", "chamber staff must belong to a chamber or the bureau"
        )
    if role == User.Role.ADMIN:
        return User.objects.create_superuser(email, password, organisation=organisation, **extra)
    # Chamber staff sign in to the Django admin too; what they may change there is scoped by permissions.
    extra.setdefault("is_staff", role == User.Role.STAFF)
    return User.objects.create_user(email, password, organisation=organisation, role=role, **extra)


def token_create(*, user: User, name: str = "cli") -> str:
    """Create an API token and return it in clear; only its digest is kept."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name, prefix=raw[:12], digest=_digest(raw))
    return raw


def token_authenticate(raw: str) -> User | None:
    """The active user a bearer token belongs to, or None."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=_digest(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def token_revoke(*, user: User, prefix: str) -> int:
    return ApiToken.objects.filter(user=user, prefix=prefix, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()
