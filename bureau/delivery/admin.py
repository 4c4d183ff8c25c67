"""Deliveries in the admin, for node admins: read-only, filterable, and sent again on request."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from bureau.accounts.admin_access import NodeAdminReadOnly, is_node_admin
from bureau.alerts.services import delivery_redeliver
from bureau.core.errors import DomainError
from bureau.delivery.models import Delivery, DeliveryAttempt


class AttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = readonly_fields = ("at", "status_code", "error", "duration_ms")

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_node_admin(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(NodeAdminReadOnly):
    list_display = ("uid", "kind", "status", "attempts", "owner", "subscription", "item", "created_at", "delivered_at")  # fmt: skip
    list_filter = ("status", "kind", "created_at")
    search_fields = ("=uid", "owner__email", "subscription__name", "item__title")
    list_select_related = ("owner", "subscription", "item")
    date_hierarchy = "created_at"
    inlines = (AttemptInline,)
    actions = ("redeliver",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in Delivery._meta.fields]

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        return actions if is_node_admin(request) else {}

    @admin.action(description=_("Redeliver selected dead or retrying deliveries"))
    def redeliver(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        done = 0
        for delivery in queryset.select_related("owner", "channel"):
            try:
                delivery_redeliver(owner=delivery.owner, delivery=delivery)
                done += 1
            except DomainError as error:
                self.message_user(request, f"{delivery.uid}: {error.message}", messages.WARNING)
        if done:
            message = _("%(n)d delivery(ies) queued to be sent again.") % {"n": done}
            self.message_user(request, message, messages.SUCCESS)
