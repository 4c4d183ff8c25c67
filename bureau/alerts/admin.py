"""Subscriptions and webhook endpoints in the admin, for node admins: to look, search and help.

Records are read-only here: members change them on their own pages, where the services check
every value. A signing secret or feed token is a credential and is never displayed.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from bureau.accounts.admin_access import NodeAdminReadOnly, is_node_admin
from bureau.alerts import services
from bureau.alerts.models import Channel, Subscription, WebhookEndpoint


def _node_admin(request: HttpRequest) -> bool:
    return is_node_admin(request)


class ChannelInline(admin.TabularInline):
    model = Channel
    extra = 0
    can_delete = False
    fields = ("kind", "endpoint", "email_mode", "digest_hour", "active", "unsubscribed_at")
    readonly_fields = fields

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _node_admin(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Subscription)
class SubscriptionAdmin(NodeAdminReadOnly):
    list_display = ("name", "owner", "active", "created_at", "updated_at")
    list_filter = ("active", "channels__kind", "created_at")
    search_fields = ("name", "owner__email", "uid")
    list_select_related = ("owner",)
    date_hierarchy = "created_at"
    inlines = (ChannelInline,)
    actions = ("deactivate",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["uid", *(f.name for f in Subscription._meta.fields if f.name != "uid")]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Subscription]:
        return super().get_queryset(request).distinct()  # the channel filter joins channels

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        # Admin actions normally need the change permission, which nobody has here.
        actions = super().get_actions(request)
        return actions if _node_admin(request) else {}

    @admin.action(description=_("Deactivate selected subscriptions"))
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Subscription]) -> None:
        done = 0
        for subscription in queryset.select_related("owner").filter(active=True):
            services.subscription_delete(owner=subscription.owner, subscription=subscription)
            done += 1
        message = _("%(n)d subscription(s) deactivated.") % {"n": done}
        self.message_user(request, message, messages.SUCCESS)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(NodeAdminReadOnly):
    list_display = ("url", "owner", "state", "failing_since", "created_at")
    list_filter = ("state",)
    search_fields = ("url", "description", "owner__email")
    list_select_related = ("owner",)
    fields = readonly_fields = (
        "url",
        "description",
        "owner",
        "state",
        "failing_since",
        "created_at",
        "secret_rotated_at",
    )
