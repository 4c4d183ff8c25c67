"""Subscriptions (saved searches) of traders and investors, the channels they are delivered through,
and the webhook endpoints members register."""

from __future__ import annotations

import secrets
import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bureau.core.sealed import SealedCharField


def new_feed_token() -> str:
    return secrets.token_urlsafe(24)


class SubscriptionQuerySet(models.QuerySet["Subscription"]):
    def active(self) -> SubscriptionQuerySet:
        return self.filter(active=True)


class Subscription(models.Model):
    """A saved search; every empty criterion matches everything."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscriptions"
    )
    name = models.CharField(_("name"), max_length=200)
    kinds = models.JSONField(_("kinds"), default=list, blank=True)
    hs_prefixes = models.JSONField(_("HS code prefixes"), default=list, blank=True)
    sectors = models.JSONField(_("sectors"), default=list, blank=True)
    origin_countries = models.JSONField(_("origin countries"), default=list, blank=True)
    destination_countries = models.JSONField(_("destination countries"), default=list, blank=True)
    keywords_all = models.JSONField(_("all of these words"), default=list, blank=True)
    keywords_any = models.JSONField(_("any of these words"), default=list, blank=True)
    keywords_none = models.JSONField(_("none of these words"), default=list, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    value_min_usd = models.DecimalField(
        _("minimum value (USD)"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    value_max_usd = models.DecimalField(
        _("maximum value (USD)"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # Bumped on every change (deletion included, as active=False), for the people reading it.
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)
    # The number of the last change, from SubscriptionClock: matchers follow changes by it.
    version = models.BigIntegerField(default=0, db_index=True, editable=False)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class SubscriptionClock(models.Model):
    """One row counting the changes to subscriptions and their channels, in commit order.

    Every transaction that changes a subscription takes the next number here and stamps it on
    the subscriptions it changed. The row stays locked until the transaction ends, so numbers
    are handed out in the order the changes commit: a reader that sees number N committed has
    every change up to N. ``updated_at`` cannot promise that on PostgreSQL, where a transaction
    may commit long after it read the clock.
    """

    version = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"subscriptions at change {self.version}"


class WebhookEndpoint(models.Model):
    """A URL a member receives signed deliveries at (Standard Webhooks)."""

    class State(models.TextChoices):
        HEALTHY = "healthy", _("Healthy")
        FAILING = "failing", _("Failing")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    # Sealed with a key derived from the node's secret key (bureau.core.sealed).
    secret = SealedCharField(max_length=255, editable=False)
    state = models.CharField(max_length=10, choices=State.choices, default=State.HEALTHY)
    failing_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    secret_rotated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.url


class Channel(models.Model):
    """One way a subscription is delivered: live feed, webhook, email or Atom."""

    class Kind(models.TextChoices):
        LIVE = "live", _("Live feed in the browser")
        WEBHOOK = "webhook", _("Webhook")
        EMAIL = "email", _("Email")
        ATOM = "atom", _("Atom feed")

    class EmailMode(models.TextChoices):
        INSTANT = "instant", _("At once")
        DIGEST = "digest", _("Daily digest")

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="channels"
    )
    kind = models.CharField(_("channel"), max_length=10, choices=Kind.choices)
    endpoint = models.ForeignKey(
        WebhookEndpoint, null=True, blank=True, on_delete=models.CASCADE, related_name="channels"
    )
    email_mode = models.CharField(max_length=10, choices=EmailMode.choices, blank=True)
    digest_hour = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("UTC hour, 0-23")
    )
    feed_token = models.CharField(
        max_length=64, unique=True, default=new_feed_token, editable=False
    )
    active = models.BooleanField(default=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    last_digest_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["subscription", "kind", "endpoint"],
                name="one_channel_per_kind_and_endpoint",
            )
        ]

    def __str__(self) -> str:
        return f"{self.subscription} → {self.kind}"
