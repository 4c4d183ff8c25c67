"""Admin for node admins and chamber staff; every change a staff member may make is scoped to their organisation."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from bureau.accounts import permissions
from bureau.accounts.models import ApiToken, Contact, Organisation, User
from bureau.accounts.services import organisation_verify
from bureau.core.errors import DomainError


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "country", "city", "chamber", "verified_at")
    list_filter = ("kind", "country", ("verified_at", admin.EmptyFieldListFilter))
    search_fields = ("name", "slug", "city")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = (
        "uid",
        "verified_at",
        "verified_by",
        "origin_node",
        "created_at",
        "updated_at",
    )
    inlines = (ContactInline,)
    actions = ("verify", "unverify")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or permissions.can_edit_organisation(request.user, obj)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return permissions.is_staff_user(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return permissions.is_staff_user(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return getattr(request.user, "is_node_admin", False)

    @admin.action(description=_("Mark selected organisations verified"))
    def verify(self, request: HttpRequest, queryset: QuerySet[Organisation]) -> None:
        self._set_verified(request, queryset, verified=True)

    @admin.action(description=_("Remove the verified mark"))
    def unverify(self, request: HttpRequest, queryset: QuerySet[Organisation]) -> None:
        self._set_verified(request, queryset, verified=False)

    def _set_verified(
        self, request: HttpRequest, queryset: QuerySet[Organisation], *, verified: bool
    ) -> None:
        actor = request.user
        assert isinstance(actor, User)  # the admin only admits signed-in users
        for organisation in queryset:
            try:
                organisation_verify(actor=actor, organisation=organisation, verified=verified)
            except DomainError as error:
                self.message_user(request, f"{organisation}: {error.message}", messages.ERROR)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "organisation", "role", "is_active")
    list_filter = ("role", "is_active", "organisation__kind")
    search_fields = ("email", "first_name", "last_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Person"), {"fields": ("first_name", "last_name")}),
        (
            _("Organisation and role"),
            {"fields": ("organisation", "role", "is_active", "is_staff", "is_superuser")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "organisation", "role", "password1", "password2"),
            },
        ),
    )

    def has_module_permission(self, request: HttpRequest) -> bool:
        return getattr(request.user, "is_node_admin", False)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return getattr(request.user, "is_node_admin", False)

    has_change_permission = has_delete_permission = has_view_permission

    def has_add_permission(self, request: HttpRequest) -> bool:
        return getattr(request.user, "is_node_admin", False)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "user", "name", "created_at", "last_used_at")
    fields = ("prefix", "user", "name", "created_at", "last_used_at", "revoked_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # tokens are created with `bureau token create`, which shows the secret once

    def has_module_permission(self, request: HttpRequest) -> bool:
        return getattr(request.user, "is_node_admin", False)
