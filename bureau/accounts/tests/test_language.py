"""The interface language: the browser's Accept-Language by default, the switch on every page,
and a signed-in user's choice kept in the profile; right to left for Urdu."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from bureau.accounts.models import User
from conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _html_tag(client: Client, path: str = "/", **headers: str) -> str:
    html = client.get(path, headers=headers).content.decode()
    return re.search(r"<html[^>]*>", html).group(0)  # type: ignore[union-attr]


def test_accept_language_chooses_and_urdu_reads_right_to_left(client: Client) -> None:
    assert _html_tag(client, accept_language="ur-PK,ur;q=0.9") == '<html lang="ur" dir="rtl">'
    assert _html_tag(client, accept_language="az") == '<html lang="az" dir="ltr">'
    assert _html_tag(client) == '<html lang="en" dir="ltr">'
    html = client.get("/", headers={"accept-language": "ur"}).content.decode()
    assert "bureau/rtl" in html  # the right-to-left sheet, only where it is needed
    assert "bureau/rtl" not in client.get("/").content.decode()


def test_switch_on_every_page_posts_with_csrf(client: Client) -> None:
    for path in ("/", reverse("catalog:browse"), reverse("accounts:directory")):
        html = client.get(path).content.decode()
        form = re.search(r'<form class="lang-form"[^>]*>.*?</form>', html, re.S).group(0)  # type: ignore[union-attr]
        assert f'action="{reverse("set_language")}"' in form and 'method="post"' in form
        assert "csrfmiddlewaretoken" in form
        assert '<label for="language-select"' in form


def test_visitor_switch_is_remembered_by_cookie(client: Client) -> None:
    response = client.post(reverse("set_language"), {"language": "az", "next": "/items/"})
    assert response.status_code == 302 and response["Location"] == "/items/"
    assert _html_tag(client, accept_language="ur") == '<html lang="az" dir="ltr">'


def test_signed_in_choice_is_kept_in_the_profile(client: Client, member: User) -> None:
    client.force_login(member)
    client.post(reverse("set_language"), {"language": "ur", "next": "/"})
    member.refresh_from_db()
    assert member.language == "ur"
    # Another device, another browser language: the profile's choice wins once signed in.
    other = Client()
    other.post(reverse("web:login"), {"username": member.email, "password": PASSWORD})
    assert _html_tag(other, accept_language="en") == '<html lang="ur" dir="rtl">'


def test_preferences_on_the_account_page(client: Client, member: User) -> None:
    client.force_login(member)
    page = client.get(reverse("accounts:account")).content.decode()
    assert 'name="currency"' in page and "PKR" in page
    client.post(reverse("accounts:preferences"), {"language": "az", "currency": "PKR"})
    member.refresh_from_db()
    assert (member.language, member.currency) == ("az", "PKR")
    response = client.post(
        reverse("accounts:preferences"), {"language": "fr", "currency": "EUR"}, follow=True
    )
    text = response.content.decode()
    assert "language: &#x27;fr&#x27;" in text and "currency: &#x27;EUR&#x27;" in text
    member.refresh_from_db()
    assert (member.language, member.currency) == ("az", "PKR")  # nothing written half-way
