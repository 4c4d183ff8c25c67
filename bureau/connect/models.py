"""Expressions of interest, introductions, enquiries to a chamber, outcomes, and the connect
audit trail. Contact details live only in ``Introduction`` sides, filled when both accept."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bureau.accounts.models import Organisation
from bureau.catalog.models import Item
from bureau.connect.states import Answer, EnquiryState, IntroState

MESSAGE_LENGTH = 2000


def _choices(enum: type) -> list[tuple[str, str]]:
    return [(member.value, member.value.title()) for member in enum]  # type: ignore[attr-defined]


class ChamberTarget(models.Model):
    """A chamber's response-time target for enquiries, its weekend and its holidays."""

    chamber = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="response_target"
    )
    working_days = models.PositiveSmallIntegerField(_("working days to answer"), default=2)
    weekend = models.CharField(_("weekend"), max_length=40, default="sat,sun")
    holidays = models.JSONField(_("holidays"), default=list, blank=True)  # ISO dates

    def __str__(self) -> str:
        return f"{self.chamber} ({self.working_days} working days)"


class Interest(models.Model):
    """A member's expression of interest in a published item, local or received."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for the owner")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="interests")
    owner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    # The asker: a person of this node, or (received from a peer) only a node and a label.
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sender_organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sender_label = models.CharField(max_length=200, blank=True)  # organisation name, country
    sender_node = models.CharField(max_length=100, blank=True)  # "" when asked at this node
    message = models.TextField(max_length=MESSAGE_LENGTH)
    quantity = models.DecimalField(max_digits=18, decimal_places=3, null=True, blank=True)
    value_amount = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    value_currency = models.CharField(max_length=3, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]
        indexes: ClassVar = [models.Index(fields=["owner", "status"], name="interest_owner")]

    def __str__(self) -> str:
        return f"interest {self.uid} in {self.item_id}"

    @property
    def is_remote_owner(self) -> bool:
        """The item's owner sits at another node: the answer comes over the exchange."""
        return not self.item.is_local

    @property
    def shown_message(self) -> str:
        return "" if self.hidden_at else self.message


class Introduction(models.Model):
    """Two sides brought together; contact details cross only when both accepted."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    interest = models.OneToOneField(
        Interest, null=True, blank=True, on_delete=models.SET_NULL, related_name="introduction"
    )
    item = models.ForeignKey(Item, null=True, blank=True, on_delete=models.SET_NULL)
    a_organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    a_person = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    a_label = models.CharField(max_length=200, blank=True)
    a_answer = models.CharField(max_length=10, choices=_choices(Answer), default=Answer.PENDING)
    a_contact = models.JSONField(default=dict, blank=True)  # filled on acceptance only
    b_organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    b_person = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    b_label = models.CharField(max_length=200, blank=True)
    b_answer = models.CharField(max_length=10, choices=_choices(Answer), default=Answer.PENDING)
    b_contact = models.JSONField(default=dict, blank=True)
    remote_node = models.CharField(max_length=100, blank=True)  # side a is at that node
    note = models.TextField(blank=True, max_length=MESSAGE_LENGTH)
    state = models.CharField(
        max_length=10, choices=_choices(IntroState), default=IntroState.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    asked_outcome_1_at = models.DateTimeField(null=True, blank=True)
    asked_outcome_2_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-proposed_at", "-id"]
        indexes: ClassVar = [models.Index(fields=["state", "expires_at"], name="intro_state")]

    def __str__(self) -> str:
        return f"introduction {self.uid} ({self.state})"


class Enquiry(models.Model):
    """A question put to a chamber; it counts from the moment it is confirmed."""

    class Topic(models.TextChoices):
        REGULATION = "regulation", _("A regulation")
        TARIFF = "tariff", _("A tariff")
        SUPPLIER = "supplier", _("Finding a supplier or buyer")
        MISSION = "mission", _("A trade mission")
        OTHER = "other", _("Something else")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    chamber = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="enquiries")
    asker = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    email = models.EmailField()
    name = models.CharField(max_length=200, blank=True)
    topic = models.CharField(max_length=12, choices=Topic.choices, default=Topic.OTHER)
    subject = models.CharField(max_length=200)
    question = models.TextField(max_length=MESSAGE_LENGTH * 2)
    state = models.CharField(
        max_length=12, choices=_choices(EnquiryState), default=EnquiryState.UNCONFIRMED
    )
    created_at = models.DateTimeField(default=timezone.now)
    asked_at = models.DateTimeField(null=True, blank=True)  # confirmed: the clock starts
    due_at = models.DateTimeField(null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answer = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    # The language of the page the question was asked on: an asker without an account is
    # answered by email in it, whatever language the answering staff read the bureau in.
    language = models.CharField(max_length=8, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    notice = models.ForeignKey(Item, null=True, blank=True, on_delete=models.SET_NULL)
    hidden_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]
        indexes: ClassVar = [models.Index(fields=["chamber", "state"], name="enquiry_queue")]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_overdue(self) -> bool:
        if self.due_at is None or self.state not in (EnquiryState.NEW, EnquiryState.ASSIGNED):
            return False
        return timezone.now() > self.due_at


class Outcome(models.Model):
    """What one side says came of an introduction; counted once chamber staff confirm it."""

    class Direction(models.TextChoices):
        EXPORT = "export", _("Export")
        IMPORT = "import", _("Import")
        INVESTMENT = "investment", _("Investment")

    introduction = models.ForeignKey(
        Introduction, on_delete=models.CASCADE, related_name="outcomes"
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    business = models.BooleanField(default=True)  # false: "no business resulted"
    value_amount = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    value_currency = models.CharField(max_length=3, blank=True)
    value_usd = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    hs_code = models.CharField(max_length=6, blank=True)
    exporter_country = models.CharField(max_length=2, blank=True)
    importer_country = models.CharField(max_length=2, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    show_a = models.BooleanField(default=False)  # each side agrees to show it on its page
    show_b = models.BooleanField(default=False)
    reported_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["-reported_at", "-id"]

    def __str__(self) -> str:
        return f"outcome of {self.introduction_id}"


class Block(models.Model):
    """An organisation refuses interests from another."""

    owner = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    blocked = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["owner", "blocked"], name="one_block_per_pair")
        ]

    def __str__(self) -> str:
        return f"{self.owner_id} blocks {self.blocked_id}"


class PeerMessage(models.Model):
    """An addressed message to or from a peer node (outbound: queued until the peer took it)."""

    class Direction(models.TextChoices):
        OUT = "out", _("Sent")
        IN = "in", _("Received")

    uid = models.UUIDField(default=uuid.uuid4, editable=False)
    direction = models.CharField(max_length=3, choices=Direction.choices)
    peer = models.CharField(max_length=100)
    type = models.CharField(max_length=20)
    body = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_try_at = models.DateTimeField(default=timezone.now)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering: ClassVar = ["created_at", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["direction", "peer", "uid"], name="one_peer_message_per_uid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.type} {self.uid}"


class Event(models.Model):
    """The connect audit trail: who did what to which record, for which organisation."""

    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    object_key = models.CharField(max_length=60)
    label = models.CharField(max_length=300)
    action = models.CharField(max_length=40)
    detail = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering: ClassVar = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} {self.object_key}"
