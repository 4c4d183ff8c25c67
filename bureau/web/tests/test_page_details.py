"""Details a first visitor meets: language names, quotes, the delivery log, the favicon, the log."""

from __future__ import annotations

import logging
import re

import pytest
from django.test import Client
from django.urls import reverse

from bureau.alerts import services as alerts
from bureau.alerts.models import Subscription
from bureau.delivery.dispatch import dispatch_pending
from bureau.delivery.matching import LiveIndex

pytestmark = pytest.mark.django_db


def test_an_item_shows_its_language_by_name(client: Client, make_item):
    english = make_item(publish=True)
    urdu = make_item(publish=True, title="چاول", language="ur")
    html = client.get(reverse("catalog:item", args=[english.pk])).content.decode()
    assert re.search(r"<dt>Language</dt><dd>English</dd>", html)
    html = client.get(reverse("catalog:item", args=[urdu.pk])).content.decode()
    assert re.search(r"<dt>Language</dt><dd>Urdu</dd>", html)


def test_saving_a_search_quotes_its_name_once(client: Client, member):
    client.force_login(member)
    response = client.post(reverse("alerts:from_search"), {"q": "cotton"})
    prefilled = client.get(response["Location"]).content.decode()
    name = re.search(r'name="name" value="([^"]*)"', prefilled)
    assert name is not None and name.group(1) == "cotton"
    saved = client.post(
        reverse("alerts:new"),
        {"name": name.group(1), "keywords_all": "cotton", "channels": ["live"]},
        follow=True,
    )
    html = saved.content.decode()
    assert "Subscription “cotton” saved." in html
    assert "““" not in html and "””" not in html


def test_the_delivery_log_says_live_and_atom_deliveries_need_no_attempts(
    client: Client, member, make_item
):
    subscription = alerts.subscription_create(
        owner=member,
        data={
            "name": "Rice",
            "hs_prefixes": ["10"],
            "channels": [{"kind": "live"}, {"kind": "atom"}],
        },
    )
    make_item(publish=True)
    dispatch_pending(LiveIndex())
    client.force_login(member)
    html = client.get(reverse("alerts:deliveries", args=[subscription.pk])).content.decode()
    assert "None needed: shown on the Live page" in html
    assert "None needed: listed in the Atom feed" in html
    assert not re.search(r"<td>\s*0\s*</td>", html)
    assert Subscription.objects.count() == 1


def test_every_page_names_a_favicon_that_is_served(client: Client):
    html = client.get("/").content.decode()
    icon = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', html)
    assert icon is not None
    served = client.get(icon.group(1))
    assert served.status_code == 200 and b"<svg" in served.getvalue()
    legacy = client.get("/favicon.ico")
    assert legacy.status_code == 301 and legacy["Location"] == icon.group(1)


def test_a_refusal_is_logged_in_one_line_without_a_traceback(client: Client, member, caplog):
    client.force_login(member)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get(reverse("catalog:moderation"))
    assert response.status_code == 403
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert "Forbidden" in record.getMessage() and record.exc_info is None
    assert "Traceback" not in caplog.text
