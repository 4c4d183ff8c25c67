"""Reads of subscriptions, their delivery log and webhook endpoints, always scoped to one owner.

Another member's subscription, delivery or endpoint is reported as not found, never as
forbidden, so that ids cannot be probed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from bureau.accounts.models import User
from bureau.alerts.facts import criteria_of, facts_of
from bureau.alerts.matcher import SubscriptionIndex, explain, naive_match
from bureau.alerts.models import Channel, Subscription, SubscriptionClock, WebhookEndpoint
from bureau.alerts.validation import CRITERIA_FIELDS
from bureau.catalog.models import Item
from bureau.catalog.selectors import ItemFilters
from bureau.core.addresses import public_url
from bureau.core.errors import NotFound
from bureau.delivery.models import Delivery
from bureau.reference import hs

# Delivery statuses as the member reads them: waiting covers pending, retrying and digest.
COUNTED = {
    "delivered": Q(deliveries__status=Delivery.Status.DELIVERED),
    "waiting": Q(
        deliveries__status__in=(
            Delivery.Status.PENDING,
            Delivery.Status.RETRYING,
            Delivery.Status.DIGEST,
        )
    ),
    "dead": Q(deliveries__status=Delivery.Status.DEAD),
}


def _active_channels() -> Prefetch[Any]:
    return Prefetch(
        "channels",
        queryset=Channel.objects.filter(active=True).select_related("endpoint").order_by("id"),
        to_attr="active_channels",
    )


def subscription_clock() -> int:
    """The number of the last committed change to any subscription (0 before the first)."""
    found = SubscriptionClock.objects.values_list("version", flat=True).first()
    return found or 0


def subscriptions_changed_since(version: int) -> QuerySet[Subscription]:
    """Every subscription changed after change number ``version`` (deleted ones included), with
    its channels: what a matcher that has seen changes up to ``version`` must read again."""
    return Subscription.objects.filter(version__gt=version).prefetch_related("channels")


def subscriptions_of(owner: User) -> QuerySet[Subscription]:
    """The owner's subscriptions (not deleted), with their channels and delivery counts."""
    counts = {f"{name}_count": Count("deliveries", filter=q) for name, q in COUNTED.items()}
    return (
        Subscription.objects.active()
        .filter(owner=owner)
        .annotate(**counts)
        .prefetch_related(_active_channels())
        .order_by("name", "id")
    )


def subscription_get(*, owner: User, pk: int) -> Subscription:
    found = subscriptions_of(owner).filter(pk=pk).first()
    if found is None:
        raise NotFound(_("there is no subscription %(id)s") % {"id": pk})
    return found


def channels_of(subscription: Subscription) -> list[Channel]:
    """The subscription's channels in use (prefetched by ``subscriptions_of``)."""
    prefetched: list[Channel] | None = getattr(subscription, "active_channels", None)
    if prefetched is not None:
        return prefetched
    return list(subscription.channels.filter(active=True).select_related("endpoint"))


def feed_url(channel: Channel, *, request: HttpRequest | None = None) -> str | None:
    """The private address of an Atom channel's feed; None for the other kinds."""
    if channel.kind != Channel.Kind.ATOM:
        return None
    path = reverse("delivery:subscription_feed", args=[channel.feed_token])
    return public_url(path, request=request)


def failing_endpoints(subscription: Subscription) -> list[WebhookEndpoint]:
    return [
        c.endpoint
        for c in channels_of(subscription)
        if c.endpoint is not None and c.endpoint.state == WebhookEndpoint.State.FAILING
    ]


# --- The delivery log ---------------------------------------------------------------------------


def _deliveries(owner: User) -> QuerySet[Delivery]:
    return (
        Delivery.objects.filter(owner=owner, subscription__active=True)
        .select_related("item", "subscription", "channel__endpoint", "event")
        .prefetch_related("attempt_log")
        .order_by("-id")
    )


def delivery_log(
    *, owner: User, subscription: Subscription, status: str = ""
) -> QuerySet[Delivery]:
    """What the subscription delivered or tried to, newest first, with every attempt."""
    log = _deliveries(owner).filter(subscription=subscription)
    return log.filter(status=status) if status else log


def dead_letters(*, owner: User) -> QuerySet[Delivery]:
    """Every delivery of the owner that gave up after the last retry."""
    return _deliveries(owner).filter(status=Delivery.Status.DEAD)


def delivery_get(*, owner: User, uid: Any) -> Delivery:
    found = _deliveries(owner).filter(uid=uid).first()
    if found is None:
        raise NotFound(_("there is no delivery %(id)s") % {"id": uid})
    return found


def live_deliveries(*, owner: User, limit: int) -> list[Delivery]:
    """The newest live deliveries, newest first: what the live page shows before it streams."""
    return list(
        Delivery.objects.filter(owner=owner, kind=Channel.Kind.LIVE)
        .select_related("item__organisation", "subscription", "event")
        .order_by("-id")[:limit]
    )


# --- Webhook endpoints --------------------------------------------------------------------------


def endpoints_of(owner: User) -> QuerySet[WebhookEndpoint]:
    """The owner's endpoints, oldest first, with the active subscriptions that use each."""
    users = Prefetch(
        "channels",
        queryset=Channel.objects.filter(active=True, subscription__active=True).select_related(
            "subscription"
        ),
        to_attr="active_channels",
    )
    return WebhookEndpoint.objects.filter(owner=owner).prefetch_related(users).order_by("id")


def endpoint_get(*, owner: User, pk: int) -> WebhookEndpoint:
    found = endpoints_of(owner).filter(pk=pk).first()
    if found is None:
        raise NotFound(_("there is no webhook endpoint %(id)s") % {"id": pk})
    return found


def endpoint_users(endpoint: WebhookEndpoint) -> list[Subscription]:
    """The active subscriptions that send to the endpoint (prefetched by ``endpoints_of``)."""
    channels: Iterable[Channel] = getattr(endpoint, "active_channels", None) or []
    return [c.subscription for c in channels]


# --- Saved searches from the browse page --------------------------------------------------------


def criteria_from_filters(filters: ItemFilters) -> dict[str, Any]:
    """The browse filters as subscription criteria, to prefill a form the member confirms.

    Search words must all appear; an HS section becomes its chapters. A browse country matches
    an item concerning that country either way; a subscription asks for an origin or a
    destination, so the country is offered as origin, for the member to move if need be.
    """
    criteria: dict[str, Any] = {
        "kinds": list(filters.kind),
        "keywords_all": filters.q.split(),
        "hs_prefixes": [filters.hs] if filters.hs else _chapters(filters.section),
        "sectors": [filters.sector] if filters.sector else [],
        "origin_countries": [filters.country] if filters.country else [],
        "value_min_usd": filters.value_min,
        "value_max_usd": filters.value_max,
        "languages": [filters.language] if filters.language else [],
    }
    return {k: v for k, v in criteria.items() if v not in (None, [], "")}


def _chapters(section: str) -> list[str]:
    if not section:
        return []
    return [c.code for c in hs.all_codes().values() if c.level == 2 and c.section == section]


# --- Support: which subscriptions an item matches, and why --------------------------------------


@dataclass(frozen=True)
class Match:
    subscription: Subscription
    indexed: bool  # the indexed matcher's verdict, as the dispatcher reaches it
    naive: bool  # the reference semantics; the two must agree

    @property
    def agrees(self) -> bool:
        return self.indexed == self.naive


def item_matches(item: Item) -> list[Match]:
    """Every active subscription with both verdicts on ``item``: matched by either, or disputed."""
    subscriptions = {
        s.pk: s
        for s in Subscription.objects.active()
        .select_related("owner")
        .prefetch_related(_active_channels())
        .order_by("id")
    }
    index = SubscriptionIndex()
    for pk, subscription in subscriptions.items():
        index.add(pk, criteria_of(subscription))
    facts = facts_of(item)
    indexed = set(index.match(facts))
    matches = []
    for pk, subscription in subscriptions.items():
        naive = naive_match(criteria_of(subscription), facts)
        if naive or pk in indexed:
            matches.append(Match(subscription, pk in indexed, naive))
    return matches


def match_explained(subscription: Subscription, item: Item) -> list[tuple[str, bool, str]]:
    """Each criterion with whether the item meets it and why."""
    return explain(criteria_of(subscription), facts_of(item))


def criteria_values(subscription: Subscription) -> dict[str, Any]:
    """The stored criteria by name, as the API and forms show them."""
    return {name: getattr(subscription, name) for name in CRITERIA_FIELDS}
