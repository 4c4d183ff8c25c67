"""Items in the admin: searchable and filterable; status changes go through the moderation services.

Chamber staff see the items of the organisations they moderate, as in the moderation queue;
node admins see every item. Nothing is edited or deleted here.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from bureau.accounts.admin_access import OrganisationScoped, is_node_admin, is_staff
from bureau.catalog import services
from bureau.catalog.models import Item, ItemTransition
from bureau.core.errors import DomainError


class TransitionInline(admin.TabularInline):
    model = ItemTransition
    extra = 0
    can_delete = False
    readonly_fields = ("from_status", "to_status", "actor", "at", "note")

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_node_admin(request) or is_staff(request)  # shown only on an item they may see

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Item)
class ItemAdmin(OrganisationScoped):
    """Read-only record view; fields are edited on the item's page so validation is the same everywhere."""

    list_display = (
        "title",
        "kind",
        "status",
        "organisation",
        "origin_node",
        "published_at",
        "is_example",
    )
    list_filter = ("kind", "status", "origin_node", "is_example")
    search_fields = ("title", "summary", "organisation__name")
    date_hierarchy = "published_at"
    inlines = (TransitionInline,)
    actions = ("publish", "withdraw")
    list_select_related = ("organisation",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in Item._meta.fields]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Only for the moderation actions below, which the services check once more.
        if obj is None:
            return is_node_admin(request) or is_staff(request)
        return self.in_scope(request, obj)

    @admin.action(description=_("Publish selected items"))
    def publish(self, request: HttpRequest, queryset: QuerySet[Item]) -> None:
        self._move(request, queryset, services.item_publish)

    @admin.action(description=_("Withdraw selected items"))
    def withdraw(self, request: HttpRequest, queryset: QuerySet[Item]) -> None:
        self._move(request, queryset, services.item_withdraw)

    def _move(self, request: HttpRequest, queryset: QuerySet[Item], action: Any) -> None:
        done = 0
        for item in queryset:
            try:
                action(actor=request.user, item=item)
                done += 1
            except DomainError as error:
                self.message_user(request, f"{item}: {error.message}", messages.ERROR)
        if done:
            self.message_user(request, _("%(n)d item(s) changed.") % {"n": done}, messages.SUCCESS)
