"""The directory, users and API tokens in the admin.

Chamber staff see their own chamber, its members and the organisations they may verify, and
change only what they may change on the API; every change goes through the accounts
services, so the checks (http(s) links, the kind, the verified mark) are the same everywhere.
Users and tokens are for node admins.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied as Forbidden
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from bureau.accounts import permissions, services
from bureau.accounts.admin_access import (
    NodeAdminOnly,
    OrganisationScoped,
    is_node_admin,
    is_staff,
    moderated,
)
from bureau.accounts.models import ApiToken, Contact, Organisation, User
from bureau.core.errors import DomainError, ValidationFailed

# Roles live on the user (User.role); Django's groups are not used.
admin.site.unregister(Group)

# The fields the accounts services take; the others are set by the admin itself.
SERVICE_FIELDS = (
    "name", "kind", "country", "city", "description", "website", "email", "phone", "sectors",
    "hs_codes", "source_title", "source_url",
)  # fmt: skip


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0

    def _may_edit(self, request: HttpRequest, obj: Any) -> bool:
        return obj is None or permissions.can_edit_organisation(request.user, obj)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_node_admin(request) or is_staff(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_edit(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_edit(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_edit(request, obj)


class OrganisationForm(forms.ModelForm):
    website = forms.URLField(label=_("website"), required=False, assume_scheme="https")
    source_url = forms.URLField(
        label=_("source URL"), required=False, max_length=500, assume_scheme="https"
    )

    class Meta:
        model = Organisation
        fields = (
            "name", "slug", "kind", "country", "city", "description", "website", "email",
            "phone", "sectors", "hs_codes", "chamber", "source_title", "source_url",
        )  # fmt: skip

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            services.organisation_clean(data={k: data[k] for k in SERVICE_FIELDS if k in data})
        except ValidationFailed as failed:
            for error in failed.errors:
                field = error.field if error.field in self.fields else None
                if field is None or field not in self.errors:
                    self.add_error(field, error.message)
        return data


@admin.register(Organisation)
class OrganisationAdmin(OrganisationScoped):
    form = OrganisationForm
    list_display = ("name", "kind", "country", "city", "chamber", "verified_at")
    list_filter = ("kind", "country", ("verified_at", admin.EmptyFieldListFilter))
    search_fields = ("name", "slug", "city")
    prepopulated_fields = {"slug": ("name",)}
    inlines = (ContactInline,)
    actions = ("verify", "unverify")
    organisation_path = ""

    def scope(self, user: Any) -> Q:
        # Their own and their members, and the local organisations of no chamber, which
        # staff may verify (permissions.can_verify).
        return moderated(user) | Q(chamber__isnull=True, origin_node="")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        fixed: tuple[str, ...] = (
            "uid", "verified_at", "verified_by", "origin_node", "created_at", "updated_at",
        )  # fmt: skip
        if obj is not None:
            fixed += ("slug",)
        return fixed if is_node_admin(request) else (*fixed, "chamber")

    def get_prepopulated_fields(self, request: HttpRequest, obj: Any = None) -> dict[str, Any]:
        return {} if obj is not None else dict(self.prepopulated_fields)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return is_node_admin(request) or is_staff(request)
        return self.in_scope(request, obj) and permissions.can_edit_organisation(request.user, obj)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return is_node_admin(request) or is_staff(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_node_admin(request)

    def save_model(self, request: HttpRequest, obj: Organisation, form: Any, change: bool) -> None:
        """Write through the accounts services, as the API does."""
        actor = request.user
        assert isinstance(actor, User)  # the admin only admits signed-in users
        fields = [k for k in SERVICE_FIELDS if k in form.cleaned_data]
        try:
            if change:
                changed = {k: form.cleaned_data[k] for k in fields if k in form.changed_data}
                saved = services.organisation_update(
                    actor=actor, organisation=Organisation.objects.get(pk=obj.pk), data=changed
                )
                if is_node_admin(request) and "chamber" in form.changed_data:
                    saved.chamber = form.cleaned_data["chamber"]
                    saved.save(update_fields=["chamber", "updated_at"])
            else:
                data = {k: form.cleaned_data[k] for k in fields}
                saved = services.organisation_create(
                    actor=actor,
                    data={**data, "slug": obj.slug},
                    chamber=self._chamber(request, form),
                )
        except DomainError as error:
            raise Forbidden(error.message) from error
        for field in Organisation._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding = False

    def _chamber(self, request: HttpRequest, form: Any) -> Organisation | None:
        if is_node_admin(request):
            chamber: Organisation | None = form.cleaned_data.get("chamber")
            return chamber
        own = getattr(request.user, "organisation", None)
        return own if own is not None and own.kind == Organisation.Kind.CHAMBER else None

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
        assert isinstance(actor, User)
        for organisation in queryset:
            try:
                services.organisation_verify(
                    actor=actor, organisation=organisation, verified=verified
                )
            except DomainError as error:
                self.message_user(request, f"{organisation}: {error.message}", messages.ERROR)


@admin.register(User)
class UserAdmin(NodeAdminOnly, DjangoUserAdmin):
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

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_node_admin(request)


@admin.register(ApiToken)
class ApiTokenAdmin(NodeAdminOnly):
    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "user", "name", "created_at", "last_used_at")
    fields = ("prefix", "user", "name", "created_at", "last_used_at", "revoked_at")

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False  # tokens are created with `bureau token create`, which shows the secret once
