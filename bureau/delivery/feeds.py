"""A private Atom feed per subscription: the Atom channel's unguessable token is the credential."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from bureau.alerts.models import Channel
from bureau.catalog.models import Status
from bureau.delivery.email import item_url
from bureau.delivery.models import Delivery

FEED_LENGTH = 50
# A withdrawn item leaves the feeds it was delivered to, as it leaves the catalog.
VISIBLE_STATUSES = (Status.PUBLISHED, Status.EXPIRED)


def feed_channel(*, feed_token: str) -> Channel:
    """The active Atom channel of an active subscription with this token (else DoesNotExist)."""
    return Channel.objects.select_related("subscription").get(
        feed_token=feed_token,
        kind=Channel.Kind.ATOM,
        active=True,
        subscription__active=True,
    )


def feed_deliveries(*, channel: Channel, limit: int = FEED_LENGTH) -> QuerySet[Delivery]:
    """The channel's latest deliveries, newest first."""
    return (
        Delivery.objects.filter(channel=channel, item__status__in=VISIBLE_STATUSES)
        .select_related("item__organisation")
        .order_by("-id")[:limit]
    )


class SubscriptionFeed(Feed):
    """``GET /feeds/subscriptions/<feed_token>/``: what the subscription matched, as Atom."""

    feed_type = Atom1Feed
    item_guid_is_permalink = False

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().__call__(request, *args, **kwargs)
        # The address is a secret: shared caches must not keep a copy, search engines no entry.
        patch_cache_control(response, private=True)
        response["X-Robots-Tag"] = "noindex"
        return response

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Channel:
        # Channel.DoesNotExist becomes a 404 in Feed.__call__.
        return feed_channel(feed_token=kwargs["feed_token"])

    def title(self, obj: Channel) -> str:
        return _("%(subscription)s · %(node)s") % {
            "subscription": obj.subscription.name,
            "node": settings.BUREAU_NODE_TITLE,
        }

    def subtitle(self, obj: Channel) -> str:
        return _("New information matching your subscription “%(name)s”.") % {
            "name": obj.subscription.name
        }

    def link(self, obj: Channel) -> str:
        return f"{settings.BUREAU_PUBLIC_URL}/items/"

    def feed_guid(self, obj: Channel) -> str:
        return f"urn:uuid:{obj.subscription.uid}"

    def items(self, obj: Channel) -> list[Delivery]:
        return list(feed_deliveries(channel=obj))

    def item_title(self, item: Delivery) -> str:
        return item.item.title

    def item_description(self, item: Delivery) -> str:
        return item.item.summary

    def item_link(self, item: Delivery) -> str:
        return item_url(item.item_id)

    def item_guid(self, item: Delivery) -> str:
        return f"urn:uuid:{item.item.uid}"

    def item_pubdate(self, item: Delivery) -> dt.datetime:
        return item.item.published_at or item.created_at

    def item_author_name(self, item: Delivery) -> str:
        return item.item.organisation.name
