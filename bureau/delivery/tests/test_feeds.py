"""The private Atom feed of a subscription, read over HTTP without signing in."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from django.conf import settings
from django.test import Client

from bureau.alerts import services as alerts
from bureau.catalog import services as catalog
from bureau.delivery.dispatch import dispatch_pending
from bureau.delivery.matching import LiveIndex

ATOM = "{http://www.w3.org/2005/Atom}"


def atom_subscription(member):
    subscription = alerts.subscription_create(
        owner=member,
        data={"name": "Rice", "hs_prefixes": ["10"], "channels": [{"kind": "atom"}]},
    )
    return subscription, subscription.channels.get()


def parse(response) -> ET.Element:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)  # noqa: S314 - our own server's output
    assert feed.tag == f"{ATOM}feed"
    return feed


def entries(response) -> list[ET.Element]:
    return parse(response).findall(f"{ATOM}entry")


def test_the_feed_lists_matching_items_to_whoever_holds_the_token(make_item, member, company):
    subscription, channel = atom_subscription(member)
    rice = make_item(publish=True)
    make_item(publish=True, title="LNG, one cargo", product="LNG", hs_code="271111")
    dispatch_pending(LiveIndex())

    response = Client().get(f"/feeds/subscriptions/{channel.feed_token}/")
    (entry,) = entries(response)
    assert "private" in response["Cache-Control"]
    assert entry.findtext(f"{ATOM}title") == rice.title
    assert entry.findtext(f"{ATOM}id") == f"urn:uuid:{rice.uid}"
    link = entry.find(f"{ATOM}link")
    assert link is not None and link.get("href") == f"{settings.BUREAU_PUBLIC_URL}/items/{rice.pk}/"
    assert entry.findtext(f"{ATOM}summary") == rice.summary
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == company.name
    assert entry.findtext(f"{ATOM}published")
    feed = parse(response)
    assert feed.findtext(f"{ATOM}id") == f"urn:uuid:{subscription.uid}"
    assert "Rice" in (feed.findtext(f"{ATOM}title") or "")


def test_a_wrong_or_retired_token_is_not_found(make_item, member):
    subscription, channel = atom_subscription(member)
    make_item(publish=True)
    dispatch_pending(LiveIndex())
    client = Client()
    assert client.get(f"/feeds/subscriptions/{channel.feed_token}x/").status_code == 404
    assert client.get("/feeds/subscriptions/not-a-token/").status_code == 404

    alerts.subscription_delete(owner=member, subscription=subscription)
    assert client.get(f"/feeds/subscriptions/{channel.feed_token}/").status_code == 404


def test_a_withdrawn_item_leaves_the_feed(make_item, member, staff_az):
    _subscription, channel = atom_subscription(member)
    first = make_item(publish=True)
    second = make_item(publish=True, title="Basmati rice, 200 tonnes")
    dispatch_pending(LiveIndex())
    url = f"/feeds/subscriptions/{channel.feed_token}/"
    assert [e.findtext(f"{ATOM}title") for e in entries(Client().get(url))] == [
        second.title,
        first.title,
    ]

    catalog.item_withdraw(actor=staff_az, item=first)
    assert [e.findtext(f"{ATOM}title") for e in entries(Client().get(url))] == [second.title]
