"""Who sees what in the admin: by role and organisation, as on the pages and the API.

Django's per-model permissions are given to nobody; every model admin derives from one of the
classes here, which answer from ``bureau.accounts.permissions`` instead, and a test fails when
a model admin does not. Node admins see everything. Chamber staff see, in the admin, only the
rows of the organisations they moderate (their chamber and its members), exactly what the
pages and the API let them act on; everything node-wide is for node admins.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib import admin
from django.db import models
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from bureau.accounts import permissions


def is_node_admin(request: HttpRequest) -> bool:
    return bool(getattr(request.user, "is_node_admin", False))


def is_staff(request: HttpRequest) -> bool:
    return permissions.is_staff_user(request.user)


def moderated(user: Any, path: str = "") -> Q:
    """Rows whose organisation (at ``path``, e.g. "organisation__") ``user`` moderates."""
    own = getattr(user, "organisation_id", None)
    if not permissions.is_staff_user(user) or own is None:
        return Q(pk__in=[])
    return Q(**{f"{path}pk": own}) | Q(**{f"{path}chamber_id": own})


class RoleAdmin(admin.ModelAdmin):
    """The base of every model admin here; says nothing by itself (nobody sees anything)."""

    formfield_overrides: ClassVar[dict[Any, dict[str, Any]]] = {
        models.URLField: {"assume_scheme": "https"}
    }

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class NodeAdminOnly(RoleAdmin):
    """Node admins look, add and change; nobody deletes unless a subclass says so."""

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_node_admin(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return is_node_admin(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_node_admin(request)


class NodeAdminReadOnly(RoleAdmin):
    """Visible to node admins only; nothing is added, changed or deleted here."""

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_node_admin(request)


class OrganisationScoped(RoleAdmin):
    """Rows that belong to an organisation (at ``organisation_path``): node admins see all of
    them; chamber staff those of the organisations they moderate, and no other row, by list,
    search, filter or address."""

    organisation_path = "organisation__"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        rows = super().get_queryset(request)
        if is_node_admin(request):
            return rows
        return rows.filter(self.scope(request.user))

    def scope(self, user: Any) -> Q:
        return moderated(user, self.organisation_path)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not (is_node_admin(request) or is_staff(request)):
            return False
        return obj is None or self.in_scope(request, obj)

    def in_scope(self, request: HttpRequest, obj: Any) -> bool:
        return is_node_admin(request) or self.get_queryset(request).filter(pk=obj.pk).exists()
