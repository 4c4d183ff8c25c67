"""Azerbaijani and Urdu everywhere a user reads: the catalogues are complete, and pages, API
errors, import reports, emails, charts and names come in the language asked for."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from bureau.catalog.tests.test_api import send
from bureau.delivery.dispatch import dispatch_pending
from bureau.delivery.email import send_due_emails
from bureau.delivery.matching import LiveIndex
from bureau.delivery.tests.test_email import inbox, subscribe  # noqa: F401 - a fixture
from bureau.reference import countries
from bureau.web import messages
from tests.samples import lead_data

pytestmark = pytest.mark.django_db


def test_every_string_of_the_code_is_translated_and_compiled() -> None:
    """Extracts the strings afresh: a new string without an az or ur translation fails here
    (`make messages` updates the catalogues; docs/translating.md says how to fill them)."""
    gaps = messages.check()
    assert not gaps, gaps.report()


def test_pages_in_azerbaijani_and_urdu(client: Client) -> None:
    urdu = client.get("/", headers={"accept-language": "ur"}).content.decode()
    assert "تجارت و سرمایہ کاری معلوماتی بیورو" in urdu and "Skip to main content" not in urdu
    azerbaijani = client.get(reverse("catalog:browse"), headers={"accept-language": "az"})
    assert "Əsas məzmuna keç" in azerbaijani.content.decode()
    trade = client.get(reverse("trade:dashboard"), headers={"accept-language": "ur"})
    assert "تجارتی نگرانی" in trade.content.decode()


def test_api_errors_in_the_language_asked_for(client: Client, member, token_for) -> None:
    token = token_for(member)
    body = {**lead_data(), "hs_code": "123456", "title": ""}
    english = send(client, "post", "/items", body, token=token)
    assert english.status_code == 422
    assert "is not in the HS 2022 nomenclature" in english.json()["detail"]
    urdu = send(client, "post", "/items", body, token=token, HTTP_ACCEPT_LANGUAGE="ur")
    assert urdu.status_code == 422
    errors = {e["field"]: e["message"] for e in urdu.json()["errors"]}
    assert errors["hs_code"] == "'123456'، HS 2022 فہرست میں نہیں"
    assert errors["title"] == "لازمی ہے"
    assert urdu.json()["detail"].startswith("غلط اندراج:")
    azerbaijani = send(client, "post", "/items", body, token=token, HTTP_ACCEPT_LANGUAGE="az")
    assert {e["message"] for e in azerbaijani.json()["errors"]} == {
        "'123456' HS 2022 nomenklaturasında yoxdur",
        "mütləqdir",
    }


def test_email_in_the_recipients_language(inbox, make_item, member) -> None:  # noqa: F811
    member.language = "ur"
    member.save(update_fields=["language"])
    subscribe(member)
    make_item(publish=True)
    dispatch_pending(LiveIndex())
    # Sent by a worker with no request, whatever language is active there.
    with translation.override("en"):
        assert send_due_emails() == 1
    (received,) = inbox.received
    assert received.message["Content-Language"] == "ur"
    assert "بیورو پر پڑھیں" in received.part("text/plain")


def test_country_and_currency_names_in_the_readers_language() -> None:
    with translation.override("az"):
        assert countries.country_name("AZ") == "Azərbaycan"
        assert countries.currency_name("PKR") == "Pakistan Rupisi"
    with translation.override("ur"):
        assert countries.country_name("PK") == "پاکستان"
        assert countries.currency_name("AZN") == "آذربائجانی منات"
    with translation.override("en"):
        assert countries.country_name("AZ") == "Azerbaijan"
