"""An organisation's page: the chamber behind its verified mark, the history, the items about it."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from bureau.accounts.models import Organisation, Verification
from bureau.accounts.services import organisation_create, organisation_verify
from bureau.catalog import services as catalog
from bureau.catalog.selectors import organisation_names
from conftest import lead_data

pytestmark = pytest.mark.django_db


def page(client: Client, organisation: Organisation) -> str:
    response = client.get(reverse("accounts:organisation", args=[organisation.slug]))
    assert response.status_code == 200
    return response.content.decode()


def test_visitors_see_the_chamber_that_verified_not_the_person(client, company, staff_az):
    organisation_verify(actor=staff_az, organisation=company, checked="Registration certificate")
    html = page(client, company)
    assert "Verified by Azerbaijan Chamber of Commerce in Islamabad on" in html
    assert staff_az.email not in html
    assert "Verification history" not in html and "Registration certificate" not in html


def test_staff_keep_the_history_of_verifications_and_withdrawals(client, company, staff_az):
    client.force_login(staff_az)
    url = reverse("accounts:organisation_verify", args=[company.slug])
    refused = client.post(url, {"verified": "1", "checked": "x" * 501})
    assert refused.status_code == 422 and "at most 500" in refused.content.decode()
    client.post(url, {"verified": "1", "checked": "Registration certificate, visit"})
    client.post(url, {"verified": "0", "checked": "Moved without telling the chamber"})
    client.post(url, {"verified": "1", "checked": "New address confirmed"})
    history = list(Verification.objects.filter(organisation=company).order_by("at", "id"))
    assert [(v.action, v.checked) for v in history] == [
        ("verified", "Registration certificate, visit"),
        ("withdrawn", "Moved without telling the chamber"),
        ("verified", "New address confirmed"),
    ]
    assert all(v.actor == staff_az and v.chamber == staff_az.organisation for v in history)
    html = page(client, company)
    assert "Verification history" in html and "Moved without telling the chamber" in html
    assert staff_az.email in html  # staff see who


def test_the_api_records_what_was_checked(client, company, staff_az, token_for):
    auth = f"Bearer {token_for(staff_az)}"
    path = f"/api/v1/organisations/{company.slug}"
    body = json.dumps({"checked": "Tax number"})
    response = client.post(
        f"{path}/verify", body, content_type="application/json", HTTP_AUTHORIZATION=auth
    )
    assert response.status_code == 200 and response.json()["verified"] is True
    bare = client.post(f"{path}/unverify", content_type="application/json", HTTP_AUTHORIZATION=auth)
    assert bare.status_code == 200 and bare.json()["verified"] is False
    assert [v.checked for v in company.verifications.order_by("at", "id")] == ["Tax number", ""]


@pytest.fixture
def socar(db) -> Organisation:
    return organisation_create(
        actor=None,
        data={
            "name": "SOCAR — State Oil Company of the Azerbaijan Republic",
            "kind": "company",
            "country": "AZ",
        },
    )


def test_an_organisation_page_lists_the_items_that_name_it(
    client, socar, chamber_az, staff_az, make_item
):
    assert organisation_names(socar) == [
        "SOCAR — State Oil Company of the Azerbaijan Republic",
        "SOCAR",
        "State Oil Company of the Azerbaijan Republic",
    ]
    agreement = catalog.item_create(
        actor=staff_az,
        data={
            "kind": "agreement",
            "title": "Petroleum products supply contract",
            "agreement_type": "contract",
            "parties": [
                "SOCAR (State Oil Company of the Azerbaijan Republic)",
                "Pakistan State Oil",
            ],
            "organisation": chamber_az.slug,
        },
        publish=True,
    )
    notice = catalog.item_create(
        actor=staff_az,
        data={
            "kind": "notice",
            "title": "SOCAR opens a trading office in Karachi",
            "notice_type": "announcement",
        },
        publish=True,
    )
    make_item(publish=True, title="Rice for Baku")  # names no oil company
    catalog.item_create(actor=staff_az, data=lead_data(title="SOCAR draft"))  # not published
    html = page(client, socar)
    titles = re.findall(r'class="result__title"[^>]*><a href="[^"]+">([^<]+)</a>', html)
    assert sorted(titles) == sorted([agreement.title, notice.title])
    assert "Nothing published yet" not in html

    browse = client.get(reverse("catalog:browse"), {"concerning": socar.slug}).content.decode()
    assert agreement.title in browse and "Rice for Baku" not in browse
    api = client.get("/api/v1/items", {"concerning": socar.slug}).json()
    assert {i["title"] for i in api["items"]} == {agreement.title, notice.title}
