"""The outbox of published items and the record of every delivery made from it."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from bureau.core import uids


class OutboxEvent(models.Model):
    """Written in the same transaction as the change it announces; dispatched after commit."""

    class Action(models.TextChoices):
        PUBLISHED = "published", _("Published")

    uid = models.UUIDField(default=uids.uuid7, unique=True, editable=False)
    # Empty for an event about no item (a described event: see ``described``).
    item = models.ForeignKey(
        "catalog.Item", null=True, on_delete=models.CASCADE, related_name="outbox_events"
    )
    action = models.CharField(max_length=16, choices=Action.choices, default=Action.PUBLISHED)
    created_at = models.DateTimeField(default=timezone.now)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    # When its live deliveries were handed to the streams' fan-out; until then a worker that
    # finds it dispatched a while ago hands them on (the dispatching worker may have died).
    announced_at = models.DateTimeField(null=True, blank=True)
    # The request that caused the event, so the log lines of its deliveries can name it.
    request_id = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        indexes: ClassVar = [
            models.Index(
                fields=["id"], name="outbox_pending", condition=models.Q(dispatched_at__isnull=True)
            ),
            models.Index(
                fields=["dispatched_at"],
                name="outbox_unannounced",
                condition=models.Q(dispatched_at__isnull=False, announced_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.item_id}"


class Delivery(models.Model):
    """One item for one channel of one subscription. Its ``uid`` is the webhook-id: the same on
    every retry, so receivers can de-duplicate."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        RETRYING = "retrying", _("Retrying")
        DEAD = "dead", _("Dead letter")
        DIGEST = "digest", _("Waiting for the digest")
        CANCELLED = "cancelled", _("Cancelled: the item is no longer published")

    uid = models.UUIDField(default=uids.uuid7, unique=True, editable=False)
    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    # No index of their own: the unique (channel, event) constraint and the indexes below start
    # with these columns and answer every read by them; an index less is a write less for each
    # of the thousands of rows a published item can fan out to.
    channel = models.ForeignKey(
        "alerts.Channel", on_delete=models.CASCADE, related_name="deliveries", db_index=False
    )
    subscription = models.ForeignKey(
        "alerts.Subscription", on_delete=models.CASCADE, related_name="deliveries", db_index=False
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    item = models.ForeignKey("catalog.Item", null=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["channel", "event"], name="one_delivery_per_channel_and_event"
            )
        ]
        indexes: ClassVar = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
            models.Index(fields=["owner", "kind", "id"], name="delivery_owner_stream"),
            models.Index(fields=["subscription", "-id"], name="delivery_log"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.uid}"

    @cached_property
    def about(self) -> Any:
        """The text of its event when the event is described (an agreement expiring ...), in
        the active language; None for an item's publication."""
        from bureau.delivery import described  # described reads the catalog's models

        found = described.about(self)
        return found[0] if found is not None else None


class DeliveryAttempt(models.Model):
    """One try of a webhook or email delivery, for the member's delivery log."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering: ClassVar = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} at {self.at}"
