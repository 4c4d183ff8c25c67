"""The network a node plans on (each import kept) and the legs carriers say they serve."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class NetworkVersion(models.Model):
    """An imported network document; the newest is the one routes are planned on."""

    document = models.JSONField(_("network document"))
    digest = models.CharField(_("SHA-256 of the document"), max_length=64)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    nodes = models.PositiveIntegerField(_("nodes"))
    legs = models.PositiveIntegerField(_("legs"))
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["-id"]
        verbose_name = _("network version")

    def __str__(self) -> str:
        return f"{self.file_name or 'network'} ({self.nodes} nodes, {self.legs} legs)"


class CarrierService(models.Model):
    """A carrier's declaration that it serves one leg, or every leg of a corridor."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="freight_services"
    )
    leg_id = models.CharField(_("leg"), max_length=60, blank=True, db_index=True)
    corridor = models.CharField(_("corridor"), max_length=60, blank=True, db_index=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["corridor", "leg_id"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=(Q(leg_id="") & ~Q(corridor="")) | (~Q(leg_id="") & Q(corridor="")),
                name="freight_service_leg_or_corridor",
            ),
            models.UniqueConstraint(
                fields=["organisation", "leg_id", "corridor"], name="freight_service_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.leg_id or self.corridor}"
