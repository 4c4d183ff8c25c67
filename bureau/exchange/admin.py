"""Peers in the admin, for node admins: add one, look at its state, pause, resume or check it.

Adding goes through ``services.peer_add`` so the name, URL and key are checked as on the
command line; the cursor and the state are changed only by replication and the actions.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from bureau.accounts.admin_access import NodeAdminOnly, NodeAdminReadOnly, is_node_admin
from bureau.core.errors import ValidationFailed
from bureau.exchange import services
from bureau.exchange.models import LogEvent, Peer

STATUS_FIELDS = (
    "title",
    "country",
    "state",
    "cursor_seq",
    "head_seq",
    "cursor_at",
    "head_at",
    "refused_count",
    "last_received_at",
    "last_pull_at",
    "last_success_at",
    "last_error",
    "last_error_at",
    "created_at",
)


def _node_admin(request: HttpRequest) -> bool:
    return is_node_admin(request)


class PeerForm(forms.ModelForm):
    url = forms.URLField(max_length=500, assume_scheme="https")

    class Meta:
        model = Peer
        fields = ("name", "url", "public_key")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.instance.pk is None and not self.errors:
            try:
                services.peer_validate(
                    name=data.get("name", ""),
                    url=data.get("url", ""),
                    public_key=data.get("public_key", ""),
                )
            except ValidationFailed as error:
                for e in error.errors:
                    self.add_error("public_key" if e.field == "key" else e.field, e.message)
        return data


@admin.register(Peer)
class PeerAdmin(NodeAdminOnly):
    form = PeerForm
    list_display = (
        "name",
        "title",
        "url",
        "state",
        "cursor_seq",
        "head_seq",
        "last_received_at",
        "last_error",
    )
    list_filter = ("state",)
    actions = ("pause", "resume", "check_peers")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return STATUS_FIELDS + (("name", "public_key") if obj is not None else ())

    def get_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("name", "url", "public_key") + (STATUS_FIELDS if obj is not None else ())

    def save_model(self, request: HttpRequest, obj: Peer, form: Any, change: bool) -> None:
        if change:
            obj.save(update_fields=["url"])
            return
        added = services.peer_add(name=obj.name, url=obj.url, public_key=obj.public_key)
        obj.pk, obj.state = added.pk, added.state

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _node_admin(request)

    @admin.action(description=_("Pause replication from the selected peers"))
    def pause(self, request: HttpRequest, queryset: QuerySet[Peer]) -> None:
        for peer in queryset:
            services.peer_pause(peer=peer)

    @admin.action(description=_("Resume (and retry) replication from the selected peers"))
    def resume(self, request: HttpRequest, queryset: QuerySet[Peer]) -> None:
        for peer in queryset:
            services.peer_resume(peer=peer)

    @admin.action(description=_("Check the selected peers"))
    def check_peers(self, request: HttpRequest, queryset: QuerySet[Peer]) -> None:
        for peer in queryset:
            result = services.peer_check(peer=peer)
            level = messages.SUCCESS if result.ok else messages.ERROR
            text = "; ".join(result.problems or result.notes or ["answers as configured"])
            self.message_user(request, f"{peer.name}: {text}", level)


@admin.register(LogEvent)
class LogEventAdmin(NodeAdminReadOnly):
    """This node's log, to look at; events are never changed or deleted."""

    list_display = ("seq", "type", "item_uid", "at", "hash")
    list_filter = ("type",)
    search_fields = ("item_uid", "hash")
    fields = ("node", "seq", "type", "item_uid", "organisation_uid", "at", "hash", "data")
    readonly_fields = fields
