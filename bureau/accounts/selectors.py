"""Reads from the directory: how an organisation's verification is shown, and to whom."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings

from bureau.accounts import permissions
from bureau.accounts.models import Organisation, Verification


@dataclass(frozen=True)
class VerifiedMark:
    """What a visitor is told: which chamber verified the organisation, and when."""

    by: str
    at: Any


def verified_mark(organisation: Organisation) -> VerifiedMark | None:
    """The chamber (never the person) behind the current verified mark, or None."""
    if not organisation.is_verified:
        return None
    if organisation.origin_node:
        return VerifiedMark(by="", at=organisation.verified_at)  # verified at its own node
    latest = (
        organisation.verifications.filter(action=Verification.Action.VERIFIED)
        .select_related("chamber")
        .first()
    )
    chamber = latest.chamber.name if latest is not None and latest.chamber else ""
    return VerifiedMark(by=chamber or settings.BUREAU_NODE_TITLE, at=organisation.verified_at)


def verification_history(user: Any, organisation: Organisation) -> list[Verification] | None:
    """Every verification and withdrawal, newest first, for staff who may verify it; else None."""
    if not (
        permissions.can_verify(user, organisation) or permissions.moderates(user, organisation)
    ):
        return None
    return list(organisation.verifications.select_related("actor", "chamber"))
