"""The directory API through HTTP: browsing, adding, changing and verifying organisations."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.cache import cache
from django.test.client import Client

from bureau.accounts.models import Organisation
from bureau.accounts.services import organisation_verify

API = "/api/v1"


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()  # rate-limit counters outlive a test


def send(client: Client, method: str, path: str, body: Any = None, token: str = "") -> Any:
    extra = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    data = "" if body is None else json.dumps(body)
    return getattr(client, method)(
        f"{API}{path}", data=data, content_type="application/json", **extra
    )


def fields_of(response: Any) -> set[str]:
    return {e["field"] for e in response.json()["errors"]}


def slugs(response: Any) -> set[str]:
    assert response.status_code == 200, response.content
    return {o["slug"] for o in response.json()["items"]}


CARRIER = {
    "name": "Caspian Ferry Lines",
    "kind": "carrier",
    "country": "AZ",
    "sectors": ["transport"],
}


def test_directory_filters(client, chamber_az, chamber_pk, company, staff_az):
    organisation_verify(actor=staff_az, organisation=company)
    everyone = client.get(f"{API}/organisations")
    assert everyone.json()["count"] == 3
    assert slugs(client.get(f"{API}/organisations?kind=chamber")) == {
        chamber_az.slug,
        chamber_pk.slug,
    }
    assert slugs(client.get(f"{API}/organisations?country=pk")) == {chamber_pk.slug, company.slug}
    assert slugs(client.get(f"{API}/organisations?verified=true")) == {company.slug}
    assert company.slug not in slugs(client.get(f"{API}/organisations?verified=false"))
    assert slugs(client.get(f"{API}/organisations?q=rice+punjab")) == {company.slug}
    bad = client.get(f"{API}/organisations?kind=shop&country=XX&limit=500")
    assert bad.status_code == 422 and fields_of(bad) == {"limit"}
    bad = client.get(f"{API}/organisations?kind=shop&country=XX")
    assert bad.status_code == 422 and fields_of(bad) == {"kind", "country"}


def test_one_organisation_by_slug(client, company, chamber_az):
    body = client.get(f"{API}/organisations/{company.slug}").json()
    assert body["name"] == "Punjab Rice Exporters" and body["chamber"] == chamber_az.slug
    assert body["verified"] is False
    missing = client.get(f"{API}/organisations/no-such-company")
    assert missing.status_code == 404 and missing.json()["detail"].startswith("There is no")


def test_staff_add_an_organisation_to_their_chamber(client, staff_az, chamber_az, token_for):
    response = send(client, "post", "/organisations", CARRIER, token_for(staff_az))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["chamber"] == chamber_az.slug and body["sectors"] == ["transport"]
    assert Organisation.objects.get(slug=body["slug"]).kind == "carrier"


def test_members_and_anonymous_callers_cannot_add(client, member, token_for):
    before = Organisation.objects.count()
    assert send(client, "post", "/organisations", CARRIER).status_code == 401
    denied = send(client, "post", "/organisations", CARRIER, token_for(member))
    assert denied.status_code == 403
    assert Organisation.objects.count() == before


def test_bad_organisation_input_names_each_field(client, staff_az, token_for):
    token = token_for(staff_az)
    before = Organisation.objects.count()
    bad = {"name": "Shop", "kind": "shop", "country": "XX", "sectors": ["space"]}
    response = send(client, "post", "/organisations", bad, token)
    assert response.status_code == 422
    assert fields_of(response) == {"kind", "country", "sectors"}
    too_long = send(client, "post", "/organisations", {**CARRIER, "name": "x" * 201}, token)
    assert too_long.status_code == 422 and fields_of(too_long) == {"body.name"}
    no_chamber = send(client, "post", "/organisations", {**CARRIER, "chamber": "nope"}, token)
    assert no_chamber.status_code == 422 and fields_of(no_chamber) == {"chamber"}
    assert Organisation.objects.count() == before


def test_only_the_organisation_and_its_chamber_change_it(
    client, company, member, staff_pk, token_for
):
    changed = send(
        client, "patch", f"/organisations/{company.slug}", {"city": "Lahore"}, token_for(member)
    )
    assert changed.status_code == 200 and changed.json()["city"] == "Lahore"
    assert changed.json()["name"] == company.name
    denied = send(
        client, "patch", f"/organisations/{company.slug}", {"city": "Baku"}, token_for(staff_pk)
    )
    assert denied.status_code == 403
    assert Organisation.objects.get(pk=company.pk).city == "Lahore"


def test_chamber_staff_verify_and_unverify(client, company, staff_az, staff_pk, token_for):
    path = f"/organisations/{company.slug}"
    assert send(client, "post", f"{path}/verify", token=token_for(staff_pk)).status_code == 403
    assert Organisation.objects.get(pk=company.pk).verified_at is None

    verified = send(client, "post", f"{path}/verify", token=token_for(staff_az))
    assert verified.status_code == 200 and verified.json()["verified"] is True
    assert Organisation.objects.get(pk=company.pk).verified_by == staff_az
    cleared = send(client, "post", f"{path}/unverify", token=token_for(staff_az))
    assert cleared.json()["verified"] is False and cleared.json()["verified_at"] is None
