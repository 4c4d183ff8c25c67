"""Writes to subscriptions, their channels and webhook endpoints."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from bureau.accounts.models import User
from bureau.alerts.models import Channel, Subscription, SubscriptionClock, WebhookEndpoint
from bureau.alerts.validation import clean_criteria, webhook_url_error
from bureau.core import parsing
from bureau.core.errors import (
    Conflict,
    FieldError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from bureau.delivery.models import Delivery
from bureau.delivery.signing import SECRET_PREFIX
from bureau.delivery.webhooks import redeliver


def _clean_name(data: Mapping[str, Any], *, required: bool) -> str | None:
    if "name" not in data and not required:
        return None
    try:
        name = parsing.text(data.get("name"), max_length=200)
    except ValueError as error:
        raise ValidationFailed.single("name", str(error)) from None
    if not name:
        raise ValidationFailed.single("name", _("is required"))
    return name


CLOCK = 1  # the primary key of the one SubscriptionClock row


def _clock_tick() -> int:
    """Take the next change number; the clock's row stays locked until the caller commits."""
    ticked = SubscriptionClock.objects.filter(pk=CLOCK).update(version=F("version") + 1)
    if not ticked:  # a new (or flushed) database: create the row, racing writers do nothing
        SubscriptionClock.objects.bulk_create(
            [SubscriptionClock(pk=CLOCK, version=0)], ignore_conflicts=True
        )
        SubscriptionClock.objects.filter(pk=CLOCK).update(version=F("version") + 1)
    return SubscriptionClock.objects.values_list("version", flat=True).get(pk=CLOCK)


def subscriptions_touch(*, subscription_ids: list[int]) -> int:
    """Record that these subscriptions (or their channels) changed; returns the change number.

    Call it in the transaction that makes the change: the matchers follow changes by this
    number, which is handed out in commit order (see ``SubscriptionClock``).
    """
    with transaction.atomic():
        version = _clock_tick()
        Subscription.objects.filter(pk__in=subscription_ids).update(
            version=version, updated_at=timezone.now()
        )
    return version


@transaction.atomic
def subscription_create(*, owner: User, data: Mapping[str, Any]) -> Subscription:
    """Save a search; channels are given as a list under ``channels`` (default: live)."""
    errors: list[FieldError] = []
    try:
        name = _clean_name(data, required=True)
    except ValidationFailed as failed:
        errors += failed.errors
        name = ""
    try:
        criteria = clean_criteria(data)
    except ValidationFailed as failed:
        errors += failed.errors
        criteria = {}
    channels = data.get("channels") or [{"kind": Channel.Kind.LIVE}]
    if errors:
        raise ValidationFailed(errors)
    subscription = Subscription.objects.create(owner=owner, name=name or "", **criteria)
    channels_set(owner=owner, subscription=subscription, channels=channels)
    return subscription


@transaction.atomic
def subscription_update(
    *, owner: User, subscription: Subscription, data: Mapping[str, Any]
) -> Subscription:
    _own(owner, subscription)
    merged = {name: getattr(subscription, name) for name in ("name", *_criteria_names())}
    merged.update({k: v for k, v in data.items() if k != "channels"})
    name = _clean_name(merged, required=True)
    criteria = clean_criteria(merged)
    subscription.name = name or subscription.name
    for key, value in criteria.items():
        setattr(subscription, key, value)
    subscription.save()
    if "channels" in data:  # touches the subscription too
        channels_set(owner=owner, subscription=subscription, channels=data["channels"])
    else:
        subscriptions_touch(subscription_ids=[subscription.pk])
    return subscription


@transaction.atomic
def subscription_delete(*, owner: User, subscription: Subscription) -> None:
    """Deactivate (not delete): the delivery log stays readable, and matchers see the change."""
    _own(owner, subscription)
    subscription.active = False
    subscription.save(update_fields=["active"])
    subscriptions_touch(subscription_ids=[subscription.pk])


def _criteria_names() -> tuple[str, ...]:
    from bureau.alerts.validation import CRITERIA_FIELDS

    return CRITERIA_FIELDS


def _own(owner: User, subscription: Subscription) -> None:
    if subscription.owner_id != owner.pk:
        raise NotFound(_("no such subscription"))


def channels_set(*, owner: User, subscription: Subscription, channels: Any) -> list[Channel]:
    """Replace the subscription's channels with ``channels`` (a list of {kind, ...})."""
    if not isinstance(channels, list) or not channels:
        raise ValidationFailed.single("channels", _("must be a non-empty list"))
    wanted = [
        _clean_channel(owner, position, spec) for position, spec in enumerate(channels, start=1)
    ]
    keys = [(c["kind"], c.get("endpoint")) for c in wanted]
    if len(set(keys)) != len(keys):
        raise ValidationFailed.single("channels", _("lists the same channel twice"))
    kept = []
    for spec in wanted:
        channel, _created = Channel.objects.update_or_create(
            subscription=subscription, kind=spec["kind"], endpoint=spec.get("endpoint"),
            defaults={"email_mode": spec.get("email_mode", ""), "digest_hour": spec.get("digest_hour"), "active": True},
        )  # fmt: skip
        kept.append(channel.pk)
    Channel.objects.filter(subscription=subscription).exclude(pk__in=kept).update(active=False)
    subscriptions_touch(subscription_ids=[subscription.pk])
    return list(Channel.objects.filter(pk__in=kept))


def _clean_channel(owner: User, position: int, spec: Any) -> dict[str, Any]:
    field = f"channels[{position}]"
    if not isinstance(spec, Mapping) or spec.get("kind") not in Channel.Kind.values:
        raise ValidationFailed.single(
            field,
            _("kind must be one of %(allowed)s") % {"allowed": ", ".join(Channel.Kind.values)},
        )
    clean: dict[str, Any] = {"kind": spec["kind"]}
    if spec["kind"] == Channel.Kind.WEBHOOK:
        endpoint_id = spec.get("endpoint")
        endpoint = (
            WebhookEndpoint.objects.filter(owner=owner, pk=endpoint_id).first()
            if isinstance(endpoint_id, int)
            else None
        )
        if endpoint is None:
            raise ValidationFailed.single(
                f"{field}.endpoint", _("is not one of your webhook endpoints")
            )
        clean["endpoint"] = endpoint
    if spec["kind"] == Channel.Kind.EMAIL:
        mode = spec.get("email_mode") or Channel.EmailMode.INSTANT
        if mode not in Channel.EmailMode.values:
            raise ValidationFailed.single(f"{field}.email_mode", _("must be instant or digest"))
        clean["email_mode"] = mode
        if mode == Channel.EmailMode.DIGEST:
            hour = spec.get("digest_hour")
            if not isinstance(hour, int) or not 0 <= hour <= 23:
                raise ValidationFailed.single(
                    f"{field}.digest_hour", _("must be a whole hour from 0 to 23 (UTC)")
                )
            clean["digest_hour"] = hour
    return clean


def _new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def endpoint_create(*, owner: User, url: str, description: str = "") -> tuple[WebhookEndpoint, str]:
    """Register a webhook endpoint; returns it with its signing secret, shown only this once."""
    errors: list[FieldError] = []
    for name, value, limit in (("url", url, 500), ("description", description, 200)):
        try:
            parsing.text(value, max_length=limit)
        except ValueError as error:
            errors.append(FieldError(name, str(error)))
    if errors:
        raise ValidationFailed(errors)
    url, description = parsing.text(url), parsing.text(description)
    if reason := webhook_url_error(url):
        raise ValidationFailed.single("url", reason)
    secret = _new_secret()
    endpoint = WebhookEndpoint.objects.create(
        owner=owner, url=url, description=description, secret=secret
    )
    return endpoint, secret


def endpoint_rotate_secret(*, owner: User, endpoint: WebhookEndpoint) -> str:
    if endpoint.owner_id != owner.pk:
        raise PermissionDenied(_("not your endpoint"))
    endpoint.secret = _new_secret()
    endpoint.secret_rotated_at = timezone.now()
    endpoint.save(update_fields=["secret", "secret_rotated_at"])
    return endpoint.secret


@transaction.atomic
def channel_unsubscribe(*, channel: Channel) -> None:
    """One-click unsubscribe from an email (RFC 8058): stop this channel only."""
    channel.active = False
    channel.unsubscribed_at = timezone.now()
    channel.save(update_fields=["active", "unsubscribed_at"])
    subscriptions_touch(subscription_ids=[channel.subscription_id])


def endpoint_delete(*, owner: User, endpoint: WebhookEndpoint) -> None:
    """Remove a webhook endpoint that no active subscription sends to any more.

    Its channels go with it, and so does their delivery log: that is why an endpoint still in
    use is refused, naming the subscriptions to change first.
    """
    if endpoint.owner_id != owner.pk:
        raise NotFound(_("no such webhook endpoint"))
    users = list(
        Subscription.objects.filter(
            active=True, channels__endpoint=endpoint, channels__active=True
        ).values_list("name", flat=True)
    )
    if users:
        names = ", ".join(f"“{name}”" for name in users)
        raise Conflict(
            _("the endpoint is used by %(names)s; remove it from them first") % {"names": names}
        )
    endpoint.delete()


REDELIVERABLE_KINDS = (Channel.Kind.WEBHOOK, Channel.Kind.EMAIL)


def redeliver_refusal(delivery: Delivery) -> str | None:
    """Why the delivery cannot be sent again now, or None when it can."""
    if delivery.kind not in REDELIVERABLE_KINDS:
        return _(
            "deliveries through this channel (%(kind)s) are made at once and cannot be sent again"
        ) % {"kind": Channel.Kind(delivery.kind).label}
    if delivery.status not in (Delivery.Status.DEAD, Delivery.Status.RETRYING):
        return _("only dead or retrying deliveries can be sent again; this one is %(status)s") % {
            "status": delivery.get_status_display().lower()
        }
    if not delivery.channel.active:
        return _("the subscription no longer uses this channel")
    return None


def delivery_redeliver(*, owner: User, delivery: Delivery) -> Delivery:
    """Send a dead or retrying webhook or email delivery again at once, with the same id."""
    if delivery.owner_id != owner.pk:
        raise NotFound(_("no such delivery"))
    if reason := redeliver_refusal(delivery):
        raise Conflict(reason)
    return redeliver(delivery=delivery)


@transaction.atomic
def subscription_redeliver_dead(*, owner: User, subscription: Subscription) -> int:
    """Put every dead letter of the subscription (on channels still in use) back in the queue.

    Returns how many. Each keeps its id, so receivers still de-duplicate; this is
    ``delivery.webhooks.redeliver`` for many rows at once.
    """
    _own(owner, subscription)
    return Delivery.objects.filter(
        subscription=subscription, status=Delivery.Status.DEAD, channel__active=True
    ).update(status=Delivery.Status.PENDING, next_attempt_at=timezone.now(), lease_until=None)
