"""Who may do what, per organisation. Every edge asks these functions, never its own rules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bureau.accounts.models import Organisation, User

if TYPE_CHECKING:
    from bureau.catalog.models import Item


def _is_user(user: Any) -> bool:
    return isinstance(user, User) and user.is_active


def moderates(user: Any, organisation: Organisation) -> bool:
    """Node admins moderate everyone; chamber staff their own organisation and its members."""
    if not _is_user(user):
        return False
    if user.is_node_admin:
        return True
    if not user.is_chamber_staff:
        return False
    return user.organisation_id in (organisation.pk, organisation.chamber_id)


def acts_for(user: Any, organisation: Organisation) -> bool:
    """May enter information in the name of ``organisation``."""
    if not _is_user(user):
        return False
    return user.organisation_id == organisation.pk or moderates(user, organisation)


def can_view_item(user: Any, item: Item) -> bool:
    """Published (and expired) items are public; otherwise an item is its organisation's and moderators'."""
    return item.status in ("published", "expired") or acts_for(user, item.organisation)


def can_edit_item(user: Any, item: Item) -> bool:
    """Local items only; members while the item is not yet published, moderators always."""
    if not item.is_local or item.status in ("withdrawn", "expired"):
        return False
    if moderates(user, item.organisation):
        return True
    return acts_for(user, item.organisation) and item.status in ("draft", "submitted")


def can_submit_item(user: Any, item: Item) -> bool:
    return item.is_local and acts_for(user, item.organisation)


def can_publish_item(user: Any, item: Item) -> bool:
    return item.is_local and moderates(user, item.organisation)


def can_withdraw_item(user: Any, item: Item) -> bool:
    return item.is_local and acts_for(user, item.organisation)


def can_verify(user: Any, organisation: Organisation) -> bool:
    """Only chamber staff (or node admins) verify, and only organisations they moderate or unaffiliated ones."""
    if not _is_user(user) or organisation.origin_node:
        return False  # an organisation received from a peer is verified at its own node
    if user.is_node_admin:
        return True
    if not user.is_chamber_staff:
        return False
    return organisation.chamber_id is None or moderates(user, organisation)


def can_edit_organisation(user: Any, organisation: Organisation) -> bool:
    if organisation.origin_node:
        return False
    return _is_user(user) and (
        user.organisation_id == organisation.pk or moderates(user, organisation)
    )


def can_decide_membership(user: Any, organisation: Organisation) -> bool:
    """Who approves a request to join ``organisation``: its own people, or its chamber's staff."""
    if not _is_user(user) or organisation.origin_node:
        return False
    return user.organisation_id == organisation.pk or moderates(user, organisation)


def is_staff_user(user: Any) -> bool:
    return _is_user(user) and (user.is_node_admin or user.is_chamber_staff)
