"""Subscriptions over the API: saved searches, their delivery log, redelivery and webhook endpoints.

Every operation needs authentication and sees only the caller's own records: another member's
subscription, delivery or endpoint is a 404. The services check the input; ``config.api``
turns their errors into JSON.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from bureau.accounts.auth import authenticated_user
from bureau.alerts import selectors, services
from bureau.alerts.models import Subscription, WebhookEndpoint
from bureau.alerts.schemas import (
    DeliveryOut,
    DeliveryPage,
    DeliveryQuery,
    EndpointIn,
    EndpointOut,
    EndpointWithSecret,
    RedeliveredOut,
    SubscriptionIn,
    SubscriptionOut,
)
from bureau.core.errors import ValidationFailed
from bureau.delivery.models import Delivery

router = Router(tags=["subscriptions"])


def subscription_out(
    subscription: Subscription, request: HttpRequest | None = None
) -> dict[str, Any]:
    """The subscription with its criteria, channels in use and delivery counts."""
    record = selectors.criteria_values(subscription)
    record.update(
        id=subscription.pk,
        uid=str(subscription.uid),
        name=subscription.name,
        created_at=subscription.created_at,
        updated_at=subscription.updated_at,
        channels=[
            {
                "id": c.pk,
                "kind": c.kind,
                "endpoint": c.endpoint_id,
                "endpoint_url": c.endpoint.url if c.endpoint else None,
                "email_mode": c.email_mode,
                "digest_hour": c.digest_hour,
                "feed_url": selectors.feed_url(c, request=request),
            }
            for c in selectors.channels_of(subscription)
        ],
        deliveries={name: getattr(subscription, f"{name}_count", 0) for name in selectors.COUNTED},
    )
    return record


def delivery_out(delivery: Delivery) -> dict[str, Any]:
    item, about = delivery.item, delivery.about
    return {
        "uid": str(delivery.uid),
        "subscription": {"id": delivery.subscription_id, "name": delivery.subscription.name},
        # A date alert (an agreement expiring ...) is shown by what it says, at its own page.
        "item": {
            "id": delivery.item_id,
            "title": about.title if about is not None else item.title,  # type: ignore[union-attr]
            "url": about.path if about is not None else reverse("catalog:item", args=[item.pk]),  # type: ignore[union-attr]
        },
        "kind": delivery.kind,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "created_at": delivery.created_at,
        "delivered_at": delivery.delivered_at,
        "next_attempt_at": delivery.next_attempt_at,
        "last_error": delivery.last_error,
        "attempt_log": [
            {
                "at": a.at,
                "status_code": a.status_code,
                "error": a.error,
                "duration_ms": a.duration_ms,
            }
            for a in delivery.attempt_log.all()
        ],
    }


def endpoint_out(endpoint: WebhookEndpoint, secret: str | None = None) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": endpoint.pk,
        "url": endpoint.url,
        "description": endpoint.description,
        "state": endpoint.state,
        "failing_since": endpoint.failing_since,
        "created_at": endpoint.created_at,
        "secret_rotated_at": endpoint.secret_rotated_at,
        "subscriptions": [{"id": s.pk, "name": s.name} for s in selectors.endpoint_users(endpoint)],
    }
    if secret is not None:
        record["secret"] = secret
    return record


def _page(deliveries: QuerySet[Delivery], params: DeliveryQuery) -> dict[str, Any]:
    if params.status and params.status not in Delivery.Status.values:
        allowed = ", ".join(Delivery.Status.values)
        raise ValidationFailed.single(
            "status",
            _("'%(word)s' is not one of: %(options)s")
            % {"word": str(params.status)[:20], "options": allowed},
        )
    if params.status:
        deliveries = deliveries.filter(status=params.status)
    window = deliveries[params.offset : params.offset + params.limit]
    return {"count": deliveries.count(), "deliveries": [delivery_out(d) for d in window]}


# --- Subscriptions ------------------------------------------------------------------------------


@router.get("/subscriptions", response=list[SubscriptionOut], summary="Your subscriptions")
def list_subscriptions(request: HttpRequest) -> list[dict[str, Any]]:
    """Every subscription of the caller, by name."""
    owner = authenticated_user(request)
    return [subscription_out(s, request) for s in selectors.subscriptions_of(owner)]


@router.post("/subscriptions", response={201: SubscriptionOut}, summary="Save a search")
def create_subscription(request: HttpRequest, payload: SubscriptionIn) -> Status[dict[str, Any]]:
    """Save a search; 422 names each bad criterion or channel, and nothing is saved."""
    owner = authenticated_user(request)
    data = payload.model_dump(exclude_unset=True)
    subscription = services.subscription_create(owner=owner, data=data)
    return Status(
        201, subscription_out(selectors.subscription_get(owner=owner, pk=subscription.pk), request)
    )


@router.get("/subscriptions/{int:pk}", response=SubscriptionOut, summary="One subscription")
def get_subscription(request: HttpRequest, pk: int) -> dict[str, Any]:
    owner = authenticated_user(request)
    return subscription_out(selectors.subscription_get(owner=owner, pk=pk), request)


@router.patch("/subscriptions/{int:pk}", response=SubscriptionOut, summary="Change a subscription")
def update_subscription(request: HttpRequest, pk: int, payload: SubscriptionIn) -> dict[str, Any]:
    """Change the fields sent; ``channels``, when sent, replaces the channels."""
    owner = authenticated_user(request)
    subscription = selectors.subscription_get(owner=owner, pk=pk)
    data = payload.model_dump(exclude_unset=True)
    services.subscription_update(owner=owner, subscription=subscription, data=data)
    return subscription_out(selectors.subscription_get(owner=owner, pk=pk), request)


@router.delete("/subscriptions/{int:pk}", response={204: None}, summary="Delete a subscription")
def delete_subscription(request: HttpRequest, pk: int) -> Status[None]:
    """Stop matching; nothing more is delivered for it."""
    owner = authenticated_user(request)
    subscription = selectors.subscription_get(owner=owner, pk=pk)
    services.subscription_delete(owner=owner, subscription=subscription)
    return Status(204, None)


# --- Delivery log and redelivery ----------------------------------------------------------------


@router.get("/subscriptions/{int:pk}/deliveries", response=DeliveryPage, summary="Delivery log")
def subscription_deliveries(
    request: HttpRequest, pk: int, params: Query[DeliveryQuery]
) -> dict[str, Any]:
    """What the subscription delivered or tried to, newest first, with every attempt."""
    owner = authenticated_user(request)
    subscription = selectors.subscription_get(owner=owner, pk=pk)
    return _page(selectors.delivery_log(owner=owner, subscription=subscription), params)


@router.post(
    "/subscriptions/{int:pk}/redeliver-dead",
    response=RedeliveredOut,
    summary="Redeliver every dead letter",
)
def redeliver_dead(request: HttpRequest, pk: int) -> dict[str, int]:
    """Queue every dead delivery of the subscription again, each with its own id."""
    owner = authenticated_user(request)
    subscription = selectors.subscription_get(owner=owner, pk=pk)
    count = services.subscription_redeliver_dead(owner=owner, subscription=subscription)
    return {"redelivered": count}


@router.post("/deliveries/{uuid:uid}/redeliver", response=DeliveryOut, summary="Redeliver")
def redeliver(request: HttpRequest, uid: uuid.UUID) -> dict[str, Any]:
    """Send a dead or retrying webhook or email delivery again at once, with the same id.

    409 when the delivery was made, is already waiting, or its channel is no longer used."""
    owner = authenticated_user(request)
    delivery = selectors.delivery_get(owner=owner, uid=uid)
    services.delivery_redeliver(owner=owner, delivery=delivery)
    return delivery_out(selectors.delivery_get(owner=owner, uid=uid))


@router.get("/dead-letters", response=DeliveryPage, summary="Your dead letters")
def list_dead_letters(request: HttpRequest, params: Query[DeliveryQuery]) -> dict[str, Any]:
    """Deliveries of all your subscriptions that gave up after the last retry, newest first."""
    owner = authenticated_user(request)
    return _page(selectors.dead_letters(owner=owner), params)


# --- Webhook endpoints --------------------------------------------------------------------------


@router.get("/webhook-endpoints", response=list[EndpointOut], summary="Your webhook endpoints")
def list_endpoints(request: HttpRequest) -> list[dict[str, Any]]:
    owner = authenticated_user(request)
    return [endpoint_out(e) for e in selectors.endpoints_of(owner)]


@router.post(
    "/webhook-endpoints", response={201: EndpointWithSecret}, summary="Add a webhook endpoint"
)
def create_endpoint(request: HttpRequest, payload: EndpointIn) -> Status[dict[str, Any]]:
    """Register a URL; the response carries its signing secret, which is never shown again."""
    owner = authenticated_user(request)
    endpoint, secret = services.endpoint_create(
        owner=owner, url=payload.url, description=payload.description
    )
    return Status(201, endpoint_out(selectors.endpoint_get(owner=owner, pk=endpoint.pk), secret))


@router.post(
    "/webhook-endpoints/{int:pk}/rotate-secret",
    response=EndpointWithSecret,
    summary="Rotate the signing secret",
)
def rotate_secret(request: HttpRequest, pk: int) -> dict[str, Any]:
    """A new signing secret, shown only in this response; the old one stops at once."""
    owner = authenticated_user(request)
    endpoint = selectors.endpoint_get(owner=owner, pk=pk)
    secret = services.endpoint_rotate_secret(owner=owner, endpoint=endpoint)
    return endpoint_out(selectors.endpoint_get(owner=owner, pk=pk), secret)


@router.delete(
    "/webhook-endpoints/{int:pk}", response={204: None}, summary="Remove a webhook endpoint"
)
def delete_endpoint(request: HttpRequest, pk: int) -> Status[None]:
    """409 while an active subscription still sends to it."""
    owner = authenticated_user(request)
    endpoint = selectors.endpoint_get(owner=owner, pk=pk)
    services.endpoint_delete(owner=owner, endpoint=endpoint)
    return Status(204, None)
