"""The private Atom feed of a subscription, read over HTTP without signing in."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import feedparser
from django.test import Client
from django.urls import reverse

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
    assert link is not None and link.get("href") == f"http://testserver/items/{rice.pk}/"
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


# --- RFC 4287, checked by a feed parser and by the required elements ---------------------------

REQUIRED_IN_FEED = ("id", "title", "updated")
REQUIRED_IN_ENTRY = ("id", "title", "updated")


def test_the_feed_is_valid_atom_with_plain_text_summaries(make_item, member):
    _subscription, channel = atom_subscription(member)
    marked_up = make_item(
        publish=True, title="Rice <b>cheap</b>", summary="<script>alert(1)</script> & <b>more</b>"
    )
    bare = make_item(publish=True, title="Rice without a summary", summary="", body="")
    with_body = make_item(
        publish=True, title="Rice, body only", summary="", body="Long grain. " * 40
    )
    dispatch_pending(LiveIndex())
    response = Client().get(f"/feeds/subscriptions/{channel.feed_token}/")
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"

    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    by_title = {entry.title: entry for entry in parsed.entries}
    assert set(by_title) == {marked_up.title, bare.title, with_body.title}
    for entry in parsed.entries:
        assert entry.id and entry.updated_parsed and entry.link.startswith("http://testserver/")
    summary = by_title[marked_up.title].summary_detail
    assert summary.type == "text/plain" and summary.value == marked_up.summary
    assert "summary" not in by_title[bare.title]
    assert by_title[with_body.title].summary.startswith("Long grain.")
    assert by_title[with_body.title].summary.endswith("…")

    feed = parse(response)
    for name in REQUIRED_IN_FEED:
        assert (feed.findtext(f"{ATOM}{name}") or "").strip(), name
    assert feed.find(f"{ATOM}author/{ATOM}name") is not None
    for entry in feed.findall(f"{ATOM}entry"):
        for name in REQUIRED_IN_ENTRY:
            assert (entry.findtext(f"{ATOM}{name}") or "").strip(), name
        summary_element = entry.find(f"{ATOM}summary")
        assert summary_element is None or (
            summary_element.get("type") == "text" and (summary_element.text or "").strip()
        )
        alternate = entry.find(f"{ATOM}link[@rel='alternate']")
        assert alternate is not None and alternate.get("href")


def test_links_follow_the_address_the_node_is_served_at(make_item, member, settings):
    _subscription, channel = atom_subscription(member)
    rice = make_item(publish=True)
    dispatch_pending(LiveIndex())
    path = f"/feeds/subscriptions/{channel.feed_token}/"

    settings.BUREAU_PUBLIC_URL = ""
    served = Client(HTTP_HOST="127.0.0.1:8123").get(path)
    feed = parse(served)
    links = [link.get("href", "") for link in feed.iter(f"{ATOM}link")]
    assert f"http://127.0.0.1:8123{path}" in links  # rel="self"
    assert f"http://127.0.0.1:8123/items/{rice.pk}/" in links
    assert all(href.startswith("http://127.0.0.1:8123/") for href in links)

    member_client = Client(HTTP_HOST="127.0.0.1:8123")
    member_client.force_login(member)
    page = member_client.get(reverse("alerts:list")).content.decode()
    assert f'href="http://127.0.0.1:8123{path}"' in page

    settings.BUREAU_PUBLIC_URL = "https://bureau.example.org"
    links = [link.get("href", "") for link in parse(Client().get(path)).iter(f"{ATOM}link")]
    assert f"https://bureau.example.org/items/{rice.pk}/" in links
    assert all(href.startswith("https://bureau.example.org/") for href in links)
