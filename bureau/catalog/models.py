"""Information items: the common record, one detail table per kind, facets and the audit trail."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bureau.accounts.models import Organisation
from bureau.core import uids
from bureau.reference.vocab import Incoterm, Sector, Unit


class Kind(models.TextChoices):
    LEAD = "lead", _("Trade lead")
    OPPORTUNITY = "opportunity", _("Investment opportunity")
    TENDER = "tender", _("Tender")
    AGREEMENT = "agreement", _("Agreement")
    NOTICE = "notice", _("Market notice")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    PUBLISHED = "published", _("Published")
    EXPIRED = "expired", _("Expired")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# What a reader who was sent an item may still see: an expired item stays readable, a withdrawn
# one does not.
SHOWN_STATUSES = (Status.PUBLISHED, Status.EXPIRED)


class ItemQuerySet(models.QuerySet["Item"]):
    def published(self) -> ItemQuerySet:
        return self.filter(status=Status.PUBLISHED)

    def local(self) -> ItemQuerySet:
        return self.filter(origin_node=settings.BUREAU_NODE_NAME)

    def received(self) -> ItemQuerySet:
        """Items another node published and this one received through the exchange."""
        return self.exclude(origin_node=settings.BUREAU_NODE_NAME)

    def due_to_expire(self, today: object | None = None) -> ItemQuerySet:
        return self.published().filter(valid_until__lt=today or timezone.localdate())


class Item(models.Model):
    """The fields every kind of information shares."""

    uid = models.UUIDField(default=uids.uuid7, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"), max_length=2000, blank=True)
    body = models.TextField(_("body"), blank=True)
    language = models.CharField(_("language"), max_length=8, default="en")
    countries = models.JSONField(_("countries"), default=list, blank=True)
    hs_codes = models.JSONField(_("HS codes"), default=list, blank=True)
    sectors = models.JSONField(_("sectors"), default=list, blank=True)
    value_amount = models.DecimalField(
        _("value"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    value_currency = models.CharField(_("currency"), max_length=3, blank=True)
    value_usd = models.DecimalField(
        max_digits=18, decimal_places=2, null=True, blank=True, db_index=True
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True, db_index=True)
    # No index of its own: item_org_status starts with it and covers its reads.
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="items",
        db_index=False,
    )
    origin_node = models.CharField(_("origin node"), max_length=100)
    source_title = models.CharField(_("source"), max_length=300, blank=True)
    source_url = models.URLField(_("source URL"), max_length=500, blank=True)
    is_example = models.BooleanField(_("example"), default=False)
    # Indexed only where set (see Meta): every item received from a peer has none.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)

    objects = ItemQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-published_at", "-id"]
        indexes: ClassVar = [
            models.Index(fields=["status", "-published_at"], name="item_status_published"),
            models.Index(
                fields=["status", "kind", "-published_at"], name="item_status_kind_published"
            ),
            models.Index(fields=["organisation", "status"], name="item_org_status"),
            # Equality only: no second index for LIKE, as a CharField's db_index makes.
            models.Index(fields=["origin_node"], name="item_origin_node"),
            models.Index(
                fields=["created_by"],
                name="item_created_by",
                condition=models.Q(created_by__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_local(self) -> bool:
        return self.origin_node == settings.BUREAU_NODE_NAME

    @property
    def detail(self) -> models.Model | None:
        """The kind-specific record (lead, opportunity, ...), if it exists."""
        return getattr(self, DETAIL_RELATION[self.kind], None)


class ItemFacet(models.Model):
    """One filterable key of an item ('country:PK', 'hs:2711', 'sector:energy').

    Kept in its own indexed table so that facet filters and counts work the same way,
    and fast, on SQLite and PostgreSQL.
    """

    # No index of its own: the unique (item, key) index starts with it and covers its reads.
    # No constraint in the database either: the rows are derived from their item, written
    # beside it in the same transaction, and items are never deleted (they are withdrawn).
    # PostgreSQL's check of each row at commit cost a catch-up about a tenth of its speed.
    item = models.ForeignKey(
        Item,
        on_delete=models.CASCADE,
        related_name="facets",
        db_index=False,
        db_constraint=False,
    )
    key = models.CharField(max_length=40)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["key", "item"], name="facet_key_item")]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["item", "key"], name="one_facet_key_per_item")
        ]

    def __str__(self) -> str:
        return f"{self.item_id} {self.key}"


class TradeLead(models.Model):
    class Side(models.TextChoices):
        SELL = "sell", _("Offer to sell")
        BUY = "buy", _("Request to buy")

    item = models.OneToOneField(
        Item, on_delete=models.CASCADE, primary_key=True, related_name="lead"
    )
    side = models.CharField(_("side"), max_length=4, choices=Side.choices)
    product = models.CharField(_("product"), max_length=200)
    hs_code = models.CharField(_("HS code"), max_length=6)
    quantity = models.DecimalField(
        _("quantity"), max_digits=18, decimal_places=3, null=True, blank=True
    )
    unit = models.CharField(_("unit"), max_length=8, choices=Unit.choices, blank=True)
    incoterm = models.CharField(
        _("Incoterm 2020"), max_length=3, choices=Incoterm.choices, blank=True
    )
    origin_country = models.CharField(_("origin country"), max_length=2, blank=True)
    destination_country = models.CharField(_("destination country"), max_length=2, blank=True)
    origin_place = models.CharField(_("origin place"), max_length=120, blank=True)
    destination_place = models.CharField(_("destination place"), max_length=120, blank=True)

    def __str__(self) -> str:
        return f"{self.get_side_display()}: {self.product}"


class InvestmentOpportunity(models.Model):
    class Stage(models.TextChoices):
        IDEA = "idea", _("Idea")
        FEASIBILITY = "feasibility", _("Feasibility study")
        FINANCING = "financing", _("Seeking finance")
        CONSTRUCTION = "construction", _("Under construction")
        OPERATING = "operating", _("Operating")

    class Instrument(models.TextChoices):
        EQUITY = "equity", _("Equity")
        DEBT = "debt", _("Loan / debt")
        JOINT_VENTURE = "joint_venture", _("Joint venture")
        PPP = "ppp", _("Public-private partnership")
        GRANT = "grant", _("Grant")
        OTHER = "other", _("Other")

    item = models.OneToOneField(
        Item, on_delete=models.CASCADE, primary_key=True, related_name="opportunity"
    )
    sector = models.CharField(_("sector"), max_length=20, choices=Sector.choices)
    location = models.CharField(_("location"), max_length=200, blank=True)
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices, default=Stage.IDEA)
    instrument = models.CharField(
        _("instrument"), max_length=16, choices=Instrument.choices, default=Instrument.EQUITY
    )

    def __str__(self) -> str:
        return f"{self.get_sector_display()} ({self.get_stage_display()})"


class Tender(models.Model):
    item = models.OneToOneField(
        Item, on_delete=models.CASCADE, primary_key=True, related_name="tender"
    )
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    buyer = models.CharField(_("buyer"), max_length=200)
    deadline = models.DateTimeField(_("submission deadline"), null=True, blank=True)
    documents_url = models.URLField(_("tender documents"), max_length=500, blank=True)

    def __str__(self) -> str:
        return self.buyer


class Agreement(models.Model):
    class Type(models.TextChoices):
        FRAMEWORK = "framework", _("Framework agreement")
        CONTRACT = "contract", _("Supply or sale contract")
        MOU = "mou", _("Memorandum of understanding")
        COMPANY = "company", _("Joint company")
        COMMITMENT = "commitment", _("Commitment")
        TARGET = "target", _("Target or pledge")

    item = models.OneToOneField(
        Item, on_delete=models.CASCADE, primary_key=True, related_name="agreement"
    )
    agreement_type = models.CharField(_("type"), max_length=16, choices=Type.choices)
    parties = models.JSONField(_("parties"), default=list)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    effective_on = models.DateField(_("effective from"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)

    def __str__(self) -> str:
        return self.get_agreement_type_display()


class AgreementExtension(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="extensions")
    agreed_on = models.DateField(_("agreed on"), null=True, blank=True)
    new_expires_on = models.DateField(_("new expiry"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering: ClassVar = ["agreed_on", "id"]

    def __str__(self) -> str:
        return f"extension to {self.new_expires_on}"


class AgreementMilestone(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("milestone"), max_length=300)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["due_on", "id"]

    def __str__(self) -> str:
        return self.title


class MarketNotice(models.Model):
    class Type(models.TextChoices):
        REGULATION = "regulation", _("Regulation")
        TARIFF = "tariff", _("Tariff")
        EVENT = "event", _("Event")
        TRADE_MISSION = "trade_mission", _("Trade mission")
        ANNOUNCEMENT = "announcement", _("Policy announcement")
        STATISTICS = "statistics", _("Trade statistics")

    item = models.OneToOneField(
        Item, on_delete=models.CASCADE, primary_key=True, related_name="notice"
    )
    notice_type = models.CharField(_("type"), max_length=16, choices=Type.choices)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    authority = models.CharField(_("issued by"), max_length=200, blank=True)

    def __str__(self) -> str:
        return self.get_notice_type_display()


DETAIL_RELATION: dict[str, str] = {
    Kind.LEAD: "lead",
    Kind.OPPORTUNITY: "opportunity",
    Kind.TENDER: "tender",
    Kind.AGREEMENT: "agreement",
    Kind.NOTICE: "notice",
}


class ItemTransition(models.Model):
    """The audit trail: every change of status, who made it and when."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=Status.choices)
    # Indexed only where set (see Meta): entries made by a peer's replication have none.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering: ClassVar = ["at", "id"]
        indexes: ClassVar = [
            models.Index(
                fields=["actor"], name="transition_actor", condition=models.Q(actor__isnull=False)
            )
        ]

    def __str__(self) -> str:
        return f"{self.from_status or 'new'} -> {self.to_status}"


class SearchQueue(models.Model):
    """An item to index again in the search index (``bureau.catalog.index``).

    Rows are written by a trigger on ``catalog_item`` (migration 0006) in the transaction that
    inserts, changes or deletes the item, and removed once the index holds the change."""

    item_id = models.BigIntegerField()

    def __str__(self) -> str:
        return f"index item {self.item_id}"
