"""The base template and the home page: structure, languages, direction, errors."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


def _html(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.mark.parametrize(
    "url",
    ["/", "/items/", "/directory/", "/accounts/login/"],
)
def test_pages_render_for_anonymous_visitors_with_the_shared_frame(client: Client, url: str):
    html = _html(client, url)
    assert '<html lang="en" dir="ltr">' in html
    assert 'class="skip-link" href="#main"' in html and '<main id="main"' in html
    assert 'action="/i18n/setlang/"' in html and 'name="csrfmiddlewaretoken"' in html
    assert "X-CSRFToken" in html  # htmx sends the token with every request
    assert "/static/bureau/vendor/htmx.min.js" in html
    assert settings.BUREAU_NODE_TITLE in html


def test_home_explains_the_bureau_and_shows_every_capability(client: Client, make_item):
    make_item(publish=True, title="Basmati rice for Baku")
    html = _html(client, reverse("web:home"))
    for capability in ("Collect", "Exchange", "Pass on", "Track", "Move", "Connect"):
        assert f'<h3 class="card__title">{capability}</h3>' in html
    assert "Coming to this node" not in html
    assert "/move/?from=PKKHI&amp;to=AZBAK" in html  # the demo's ready example
    assert reverse("exchange:status") in html
    assert reverse("trade:dashboard") in html
    assert reverse("connect:enquiry_new") in html
    assert "Basmati rice for Baku" in html
    trade_leads = re.search(
        r'badge--lead">Trade lead</span>\s*<span class="kind-counts__n">(\d+)', html
    )
    assert trade_leads is not None and trade_leads.group(1) == "1"


def test_staff_see_the_staff_navigation_and_visitors_do_not(client: Client, staff_az):
    assert "Moderation" not in _html(client, "/")
    client.force_login(staff_az)
    html = _html(client, "/")
    for link in ("/moderation/", "/items/new/", "/items/import/"):
        assert f'href="{link}"' in html
    assert 'action="/accounts/logout/"' in html


def test_urdu_pages_are_right_to_left(client: Client):
    response = client.post("/i18n/setlang/", {"language": "ur", "next": "/items/"})
    assert response.status_code == 302
    html = _html(client, "/items/")
    assert '<html lang="ur" dir="rtl">' in html
    assert '<option value="ur" lang="ur" selected>' in html


def test_azerbaijani_pages_stay_left_to_right(client: Client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "az"
    assert '<html lang="az" dir="ltr">' in _html(client, "/")


def test_not_found_uses_the_site_frame(client: Client):
    response = client.get("/items/999999/")
    assert response.status_code == 404
    assert "This page does not exist" in response.content.decode()


def test_stylesheet_and_htmx_are_served_locally(client: Client):
    css = client.get("/static/bureau/bureau.css")
    assert css.status_code == 200
    js = client.get("/static/bureau/vendor/htmx.min.js")
    assert js.status_code == 200
    assert b"".join(js).startswith(b"/*! htmx.org 2.")
