"""Writes to the directory and accounts: organisations, users, verification, API tokens."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from bureau.accounts import permissions
from bureau.accounts.changes import OrganisationVerified
from bureau.accounts.models import (
    DESCRIPTION_LENGTH,
    INTERFACE_LANGUAGES,
    PREFERRED_CURRENCIES,
    ApiToken,
    Organisation,
    User,
    Verification,
)
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


# Text fields of an organisation and the most characters each takes.
TEXT_FIELDS = {
    "name": 200,
    "city": 120,
    "description": DESCRIPTION_LENGTH,
    "email": 254,
    "phone": 40,
    "source_title": 300,
}
URL_FIELDS = {"website": 200, "source_url": 500}  # shown as links: http(s) only


def _parsed(name: str, parse: Any, value: Any, errors: list[FieldError], **options: Any) -> Any:
    """``parse(value, **options)``, or None with the reason added to ``errors``."""
    try:
        return parse(value, **options)
    except ValueError as error:
        errors.append(FieldError(name, str(error)))
        return None


def _clean_texts(data: dict[str, Any], errors: list[FieldError]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for name, limit in TEXT_FIELDS.items():
        if name in data:
            clean[name] = _parsed(name, parsing.text, data[name], errors, max_length=limit)
    for name, limit in URL_FIELDS.items():
        if name in data:
            clean[name] = _parsed(name, parsing.http_url, data[name], errors, max_length=limit)
    if clean.get("email"):
        try:
            validate_email(clean["email"])
        except DjangoValidationError:
            shown = parsing.shown(clean["email"])
            errors.append(
                FieldError("email", _("'%(value)s' is not an email address") % {"value": shown})
            )
    if "name" in data and clean.get("name") == "":
        errors.append(FieldError("name", _("is required")))
    return clean


def organisation_clean(*, data: dict[str, Any]) -> dict[str, Any]:
    """The organisation fields in ``data``, parsed and checked as every write does; raises
    ``ValidationFailed`` naming each bad field (forms call it to show errors in place)."""
    return _clean_organisation(data)


def _clean_organisation(data: dict[str, Any]) -> dict[str, Any]:
    errors: list[FieldError] = []
    clean = _clean_texts(data, errors)
    if "kind" in data:
        if data["kind"] not in Organisation.Kind.values:
            errors.append(
                FieldError(
                    "kind",
                    _("must be one of %(allowed)s")
                    % {"allowed": ", ".join(Organisation.Kind.values)},
                )
            )
        clean["kind"] = data["kind"]
    if "country" in data:
        code = str(_parsed("country", parsing.text, data["country"], errors) or "").upper()
        if reason := countries.country_error(code):
            errors.append(FieldError("country", reason))
        clean["country"] = code
    if "sectors" in data:
        clean["sectors"] = _parsed("sectors", parsing.string_list, data["sectors"], errors) or []
        bad = [s for s in clean["sectors"] if s not in Sector.values]
        if bad:
            errors.append(
                FieldError(
                    "sectors", _("unknown sector(s): %(values)s") % {"values": ", ".join(bad)}
                )
            )
    if "hs_codes" in data:
        codes = _parsed("hs_codes", parsing.string_list, data["hs_codes"], errors) or []
        clean["hs_codes"] = [hs.normalise(c) for c in codes]
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
    missing = [
        FieldError(f, _("is required")) for f in ("name", "kind", "country") if not data.get(f)
    ]
    if missing:
        raise ValidationFailed(missing)
    clean = _clean_organisation(data)
    if actor is not None and not permissions.is_staff_user(actor):
        raise PermissionDenied(_("only chamber staff can add organisations to the directory"))
    return Organisation.objects.create(
        slug=data.get("slug") or _unique_slug(clean["name"]), chamber=chamber, **clean
    )


# What the verified mark vouches for: a change of any of them needs staff to look again.
IDENTITY_FIELDS = ("name", "kind", "country")


@transaction.atomic
def organisation_update(
    *, actor: User, organisation: Organisation, data: dict[str, Any]
) -> Organisation:
    """Change the fields in ``data``. Only chamber staff change the kind; a change of name,
    kind or country by anyone who may not verify the organisation clears its verified mark."""
    if not permissions.can_edit_organisation(actor, organisation):
        raise PermissionDenied(_("you cannot edit this organisation"))
    clean = _clean_organisation(data)
    if clean.get("kind", organisation.kind) != organisation.kind and not permissions.moderates(
        actor, organisation
    ):
        raise PermissionDenied(_("only chamber staff can change the kind of an organisation"))
    changed = [n for n in IDENTITY_FIELDS if n in clean and clean[n] != getattr(organisation, n)]
    for name, value in clean.items():
        setattr(organisation, name, value)
    organisation.save()
    if changed and organisation.is_verified and not permissions.can_verify(actor, organisation):
        cleared = f"withdrawn by itself: the {', '.join(changed)} changed; staff must check again"
        _set_verified(organisation, actor=actor, verified=False, checked=cleared)
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
        raise PermissionDenied(_("only staff of the organisation's chamber can verify it"))
    try:
        checked = parsing.text(checked, max_length=MAX_CHECKED)
    except ValueError as error:
        raise ValidationFailed.single("checked", str(error)) from None
    _set_verified(organisation, actor=actor, verified=verified, checked=checked)
    return organisation


def _set_verified(organisation: Organisation, *, actor: User, verified: bool, checked: str) -> None:
    """Set or clear the mark, keep the act in the history, and tell the peers."""
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


def user_create(
    *,
    email: str,
    password: str | None,
    organisation: Organisation | None,
    role: str = User.Role.MEMBER,
    **extra: Any,
) -> User:
    if role not in User.Role.values:
        raise ValidationFailed.single(
            "role", _("must be one of %(options)s") % {"options": ", ".join(User.Role.values)}
        )
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationFailed.single(
            "email", _("a user with %(email)s exists already") % {"email": email}
        )
    if role == User.Role.STAFF and (
        organisation is None or organisation.kind not in ("chamber", "bureau")
    ):
        raise ValidationFailed.single(
            "role", _("chamber staff must belong to a chamber or the bureau")
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


def user_preferences_set(
    *, user: User, language: str | None = None, currency: str | None = None
) -> User:
    """Remember the interface language and the currency amounts are also shown in ('' forgets).

    Raises ``ValidationFailed`` naming the field when a value is not one offered.
    """
    errors: list[FieldError] = []
    changed: list[str] = []
    for name, value, offered in (
        ("language", language, INTERFACE_LANGUAGES),
        ("currency", currency, PREFERRED_CURRENCIES),
    ):
        if value is None:
            continue
        if value and value not in dict(offered):
            errors.append(FieldError(name, _("'%(value)s' is not offered") % {"value": value}))
            continue
        setattr(user, name, value)
        changed.append(name)
    if errors:
        raise ValidationFailed(errors)
    if changed:
        user.save(update_fields=changed)
    return user
