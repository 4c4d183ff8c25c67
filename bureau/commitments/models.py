"""The pledge and its projects, money events and stage changes; supply contracts and their
cargoes; the cooperation register; and the change log that is this app's audit trail.

Every record is owned by the node (and chamber) that recorded it; ``origin_node`` says which
(empty for this node's own). A peer's records arrive through the exchange log and are read-only.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Owned(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    origin_node = models.CharField(_("origin node"), max_length=100, blank=True, db_index=True)
    source_title = models.CharField(_("source"), max_length=300, blank=True)
    source_url = models.URLField(_("source URL"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True

    @property
    def is_local(self) -> bool:
        return not self.origin_node


class Pledge(Owned):
    """A promise of investment: who pledged, to whom, how much, when, and where that is said."""

    title = models.CharField(_("title"), max_length=300)
    pledged_by = models.CharField(_("pledged by"), max_length=200)
    pledged_to = models.CharField(_("pledged to"), max_length=200)
    amount = models.DecimalField(
        _("amount"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    pledged_on = models.DateField(_("pledged on"), null=True, blank=True)
    sectors = models.JSONField(_("sectors"), default=list, blank=True)
    # The pledge as announced in the catalog, if it is: its projects' stage changes are
    # delivered to subscribers as events of that item.
    item = models.ForeignKey(
        "catalog.Item", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["-pledged_on", "id"]

    def __str__(self) -> str:
        return self.title


class Stage(models.TextChoices):
    IDENTIFIED = "identified", _("Identified")
    NEGOTIATION = "negotiation", _("Under negotiation")
    AGREED = "agreed", _("Agreed")
    FINANCING = "financing", _("Financing")
    CONSTRUCTION = "construction", _("Under construction")
    OPERATING = "operating", _("Operating")
    CANCELLED = "cancelled", _("Cancelled")


class Project(Owned):
    pledge = models.ForeignKey(Pledge, on_delete=models.CASCADE, related_name="projects")
    title = models.CharField(_("title"), max_length=300)
    sector = models.CharField(_("sector"), max_length=20)
    location = models.CharField(_("location"), max_length=200, blank=True)
    investor = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    host = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices)
    stage_on = models.DateField(_("stage since"), null=True, blank=True)
    description = models.TextField(_("description"), max_length=2000, blank=True)

    class Meta:
        ordering: ClassVar = ["title", "id"]

    def __str__(self) -> str:
        return self.title


class StageChange(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(max_length=16, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=16, choices=Stage.choices)
    changed_on = models.DateField(_("changed on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_stage or 'new'} -> {self.to_stage}"


class MoneyEvent(models.Model):
    class Kind(models.TextChoices):
        PLEDGED = "pledged", _("Pledged")
        COMMITTED = "committed", _("Committed")
        DISBURSED = "disbursed", _("Disbursed")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="money_events")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    on = models.DateField(_("date"), null=True, blank=True)
    amount = models.DecimalField(
        _("amount"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    source_title = models.CharField(_("source"), max_length=300, blank=True)
    source_url = models.URLField(_("source URL"), max_length=500, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["on", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} {self.currency}"


class Product(models.TextChoices):
    LNG = "lng", _("LNG")
    PETROLEUM = "petroleum", _("Petroleum products")


class Unit(models.TextChoices):
    M3_LNG = "m3_lng", _("m³ of LNG")
    TONNES = "tonnes", _("tonnes")
    MMBTU = "mmbtu", _("MMBtu")
    BARRELS = "barrels", _("barrels")


class SupplyContract(Owned):
    """A supply agreement cargoes are delivered under, with its contracted quantity per year."""

    title = models.CharField(_("title"), max_length=300)
    agreement = models.ForeignKey(
        "catalog.Item", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    product = models.CharField(_("product"), max_length=10, choices=Product.choices)
    product_name = models.CharField(_("product name"), max_length=200, blank=True)
    hs_code = models.CharField(_("HS code"), max_length=6, blank=True)
    seller = models.CharField(_("seller"), max_length=200)
    buyer = models.CharField(_("buyer"), max_length=200)
    starts_on = models.DateField(_("period from"), null=True, blank=True)
    ends_on = models.DateField(_("period until"), null=True, blank=True)
    yearly_quantity = models.DecimalField(
        _("contracted per year"), max_digits=18, decimal_places=3, null=True, blank=True
    )
    unit = models.CharField(_("unit"), max_length=8, choices=Unit.choices, blank=True)
    price_basis = models.CharField(_("price basis"), max_length=300, blank=True)

    class Meta:
        ordering: ClassVar = ["title", "id"]

    def __str__(self) -> str:
        return self.title


class Cargo(Owned):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        NOMINATED = "nominated", _("Nominated")
        CONFIRMED = "confirmed", _("Confirmed")
        LOADED = "loaded", _("Loaded")
        DELIVERED = "delivered", _("Delivered")
        CANCELLED = "cancelled", _("Cancelled")

    contract = models.ForeignKey(SupplyContract, on_delete=models.CASCADE, related_name="cargoes")
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    window_start = models.DateField(_("delivery window from"), null=True, blank=True)
    window_end = models.DateField(_("delivery window until"), null=True, blank=True)
    load_port = models.CharField(_("load port or terminal"), max_length=120, blank=True)
    discharge_port = models.CharField(_("discharge port or terminal"), max_length=120, blank=True)
    volume = models.DecimalField(
        _("volume"), max_digits=18, decimal_places=3, null=True, blank=True
    )
    unit = models.CharField(_("unit"), max_length=8, choices=Unit.choices, blank=True)
    price_basis = models.CharField(_("price basis"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default="planned")

    class Meta:
        ordering: ClassVar = ["window_start", "id"]

    def __str__(self) -> str:
        return self.reference or f"cargo {self.pk}"


class Cooperation(Owned):
    """A joint project of the partnership (energy, defence production, transport, ...)."""

    class Area(models.TextChoices):
        ENERGY = "energy", _("Energy")
        DEFENCE = "defence", _("Defence industry joint production")
        TRANSPORT = "transport", _("Transport links")
        TRADING = "trading", _("LNG trading company")
        CHAMBERS = "chambers", _("Chambers of commerce")
        BUREAU = "bureau", _("Information bureau")
        INVESTMENT = "investment", _("Investment")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        AGREED = "agreed", _("Agreed")
        UNDER_WAY = "under_way", _("Under way")
        ESTABLISHED = "established", _("Established")
        STOPPED = "stopped", _("Stopped")

    title = models.CharField(_("title"), max_length=300)
    area = models.CharField(_("area"), max_length=12, choices=Area.choices)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    parties = models.JSONField(_("organisations involved"), default=list, blank=True)
    milestones = models.JSONField(_("milestones"), default=list, blank=True)
    stated_on = models.DateField(_("stated on"), null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["area", "title"]

    def __str__(self) -> str:
        return self.title


class ChangeEntry(models.Model):
    """The audit trail of commitments: who changed what, when, and how."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    object_key = models.CharField(max_length=64)
    label = models.CharField(max_length=300)
    action = models.CharField(max_length=40)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering: ClassVar = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} {self.label}"


class DateAlert(models.Model):
    """A date rule added to a subscription: its channels also deliver these events."""

    class Rule(models.TextChoices):
        EXPIRING = "expiring", _("Agreement expiring within N days")
        MILESTONE = "milestone_due", _("Milestone due within N days")
        STAGE = "stage_changed", _("Pledge project changed stage")

    subscription = models.ForeignKey(
        "alerts.Subscription", on_delete=models.CASCADE, related_name="date_alerts"
    )
    rule = models.CharField(_("rule"), max_length=16, choices=Rule.choices)
    days = models.PositiveIntegerField(_("within days"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    checked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.rule} {self.days or ''}".strip()


class DateEvent(models.Model):
    """One dated event (an expiry, a milestone due, a stage change), announced once: its key is
    unique, and its outbox event carries every delivery made for it."""

    key = models.CharField(max_length=200, unique=True)
    event = models.OneToOneField("delivery.OutboxEvent", on_delete=models.CASCADE, related_name="+")
    # What happened, as the channels say it (``alert_text``): names, dates, days left, stages.
    about = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.key
