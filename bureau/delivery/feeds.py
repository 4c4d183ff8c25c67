"""A private Atom feed per subscription: the Atom channel's unguessable token is the credential.

The feed follows RFC 4287: every entry has an id, a title, an ``updated`` date and an
alternate link; summaries are plain text (``type="text"``), so a feed reader shows what the
item says rather than running markup in it; an item without a summary gets the start of its
body, or no summary at all, never an empty one. Links point at the address in
``BUREAU_PUBLIC_URL``, or else at the address the feed was asked for.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.feedgenerator import Atom1Feed
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from bureau.alerts.models import Channel
from bureau.core.addresses import public_url
from bureau.delivery import described
from bureau.delivery.email import item_url
from bureau.delivery.models import Delivery

FEED_LENGTH = 50
SUMMARY_WORDS = 60
# A withdrawn item leaves the feeds it was delivered to, as it leaves the catalog.


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
        Delivery.objects.filter(described.SHOWN, channel=channel)
        .select_related("item__organisation", "event")
        .order_by("-id")[:limit]
    )


def entry_summary(summary: str, body: str) -> str:
    """The item's summary, else the start of its body; '' when it has neither."""
    text = summary.strip() or Truncator(body.strip()).words(SUMMARY_WORDS, truncate=" …")
    return text.strip()


class TextAtomFeed(Atom1Feed):
    """Django's Atom writer with plain-text summaries and an ``updated`` date on every entry."""

    def add_item_elements(self, handler: Any, item: dict[str, Any]) -> None:
        handler.addQuickElement("title", item["title"])
        handler.addQuickElement("link", "", {"href": item["link"], "rel": "alternate"})
        if item["pubdate"] is not None:
            handler.addQuickElement("published", item["pubdate"].isoformat())
        updated = item["updateddate"] or item["pubdate"]
        handler.addQuickElement("updated", updated.isoformat())
        if item["author_name"]:
            handler.startElement("author", {})
            handler.addQuickElement("name", item["author_name"])
            handler.endElement("author")
        handler.addQuickElement("id", item["unique_id"])
        if item["description"]:
            handler.addQuickElement("summary", item["description"], {"type": "text"})


@dataclass(frozen=True)
class FeedSource:
    """The channel a feed shows, and the address its links start with."""

    channel: Channel
    request: HttpRequest

    def url(self, path: str) -> str:
        return public_url(path, request=self.request)


@dataclass(frozen=True)
class Entry:
    """One entry of the feed: a delivery, and the text of its event when it is described."""

    delivery: Delivery
    source: FeedSource
    text: described.Text | None


class SubscriptionFeed(Feed):
    """``GET /feeds/subscriptions/<feed_token>/``: what the subscription matched, as Atom."""

    feed_type = TextAtomFeed
    item_guid_is_permalink = False

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().__call__(request, *args, **kwargs)
        # The address is a secret: shared caches must not keep a copy, search engines no entry.
        patch_cache_control(response, private=True)
        response["X-Robots-Tag"] = "noindex"
        return response

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> FeedSource:
        # Channel.DoesNotExist becomes a 404 in Feed.__call__.
        return FeedSource(feed_channel(feed_token=kwargs["feed_token"]), request)

    def title(self, obj: FeedSource) -> str:
        return _("%(subscription)s · %(node)s") % {
            "subscription": obj.channel.subscription.name,
            "node": settings.BUREAU_NODE_TITLE,
        }

    def subtitle(self, obj: FeedSource) -> str:
        return _("New information matching your subscription “%(name)s”.") % {
            "name": obj.channel.subscription.name
        }

    def link(self, obj: FeedSource) -> str:
        return obj.url("/items/")

    def feed_url(self, obj: FeedSource) -> str:
        return obj.url(reverse("delivery:subscription_feed", args=[obj.channel.feed_token]))

    def feed_guid(self, obj: FeedSource) -> str:
        return f"urn:uuid:{obj.channel.subscription.uid}"

    def author_name(self, obj: FeedSource) -> str:
        return str(settings.BUREAU_NODE_TITLE)

    def items(self, obj: FeedSource) -> list[Entry]:
        deliveries = list(feed_deliveries(channel=obj.channel))
        facts = described.facts_of((d.event_id, d.event.action) for d in deliveries)
        return [
            Entry(d, obj, described.text_of(d.event.action, facts[d.event_id]) if d.event_id in facts else None)
            for d in deliveries
        ]  # fmt: skip

    # A described event (an agreement expiring ...) is its own entry: its text, its page, its id.

    def item_title(self, item: Entry) -> str:
        if item.text is not None:
            return f"{item.text.label}: {item.text.title}"
        return item.delivery.item.title  # type: ignore[union-attr]

    def item_description(self, item: Entry) -> str:
        if item.text is not None:
            return item.text.summary
        found = item.delivery.item
        return entry_summary(found.summary, found.body)  # type: ignore[union-attr]

    def item_link(self, item: Entry) -> str:
        if item.text is not None:
            return item.source.url(item.text.path)
        return item_url(item.delivery.item_id or 0, request=item.source.request)

    def item_guid(self, item: Entry) -> str:
        if item.text is not None:
            return f"urn:uuid:{item.delivery.event.uid}"
        return f"urn:uuid:{item.delivery.item.uid}"  # type: ignore[union-attr]

    def item_pubdate(self, item: Entry) -> dt.datetime:
        found = item.delivery.item
        if item.text is not None or found is None:
            return item.delivery.event.created_at
        return found.published_at or item.delivery.created_at

    def item_updateddate(self, item: Entry) -> dt.datetime:
        delivery, found = item.delivery, item.delivery.item
        if item.text is not None or found is None:
            return delivery.event.created_at
        return max(found.updated_at, found.published_at or delivery.created_at)

    def item_author_name(self, item: Entry) -> str:
        found = item.delivery.item
        return found.organisation.name if found is not None else str(settings.BUREAU_NODE_TITLE)
