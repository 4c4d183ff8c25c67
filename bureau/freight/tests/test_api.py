"""The routes API: the known cases from the shipped network, bad input, carriers' legs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from bureau.accounts.models import Organisation, User
from bureau.accounts.services import organisation_create, user_create
from bureau.freight.models import CarrierService

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


def _routes(client: Client, query: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/routes?{query}")
    assert response.status_code == 200, response.content
    data: dict[str, Any] = response.json()
    return data


def test_karachi_to_baku_by_sea_to_bandar_abbas_then_north(client: Client) -> None:
    data = _routes(client, "from=PKKHI&to=AZBAK")
    assert data["from"] == "PKKHI" and data["to_name"] == "Baku"
    first = data["routes"][0]
    assert first["places"][:2] == ["PKKHI", "IRBND"]
    assert first["places"][-1] == "AZBAK" and "IRASR" in first["places"]
    sea = first["legs"][0]
    assert sea["mode"] == "sea"
    assert sea["figures"]["distance_km"]["basis"] == "computed"
    assert "searoute 1.6.0" in sea["figures"]["distance_km"]["method"]
    # No leg has a published cost: the route says so instead of counting it as free.
    assert first["totals"]["cost"]["unknown"] is True and first["totals"]["cost"]["value"] is None
    assert first["totals"]["time"]["value"] > 0 and not first["totals"]["time"]["unknown"]
    assert {f["mode"] for f in data["emission_factors"]} == {"sea", "rail", "road", "ferry"}


def test_by_road_goes_through_taftan_and_astara_with_sources(client: Client) -> None:
    route = _routes(client, "from=Karachi&to=Baku&mode=road")["routes"][0]
    assert {"PKTFT", "IR-MIRJAVEH", "IRASR", "AZAST"} <= set(route["places"])
    assert route["modes"] == ["road"] and route["border_crossings"] == 2
    quetta = route["legs"][0]
    assert quetta["to"] == "PKUET"
    assert quetta["figures"]["distance_km"]["value"] == 608
    assert quetta["figures"]["distance_km"]["sources"][0]["id"] == "S41"
    assert quetta["figures"]["distance_km"]["sources"][0]["url"].startswith("https://")


def test_avoiding_iran_by_road_and_ferry_goes_through_afghanistan_and_the_caspian(
    client: Client,
) -> None:
    data = _routes(client, "from=PKKHI&to=AZBAK&avoid=IR&mode=road&mode=ferry")
    for route in data["routes"]:
        assert "IR" not in route["countries"]
    first = data["routes"][0]
    assert {"AF", "UZ", "KZ"} <= set(first["countries"]) and "ferry" in first["modes"]


def test_no_route_says_why(client: Client) -> None:
    data = _routes(client, "from=PKKHI&to=AZBAK&avoid=IR,AF&mode=road")
    assert data["routes"] == []
    assert (
        data["reason"]
        == "no route fits the constraints together: avoiding AF, IR, by road only, for container cargo"
    )
    data = _routes(client, "from=PKKHI&to=AZBAK&avoid=PK")
    assert data["reason"] == "the origin is in PK, a country to avoid"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("to=AZBAK", "from"),
        ("from=Nowhere&to=AZBAK", "from"),
        ("from=PKKHI&to=PKKHI", "to"),
        ("from=PKKHI&to=AZBAK&by=speed", "by"),
        ("from=PKKHI&to=AZBAK&mode=air", "mode"),
        ("from=PKKHI&to=AZBAK&avoid=Iran", "avoid"),
        ("from=PKKHI&to=AZBAK&max_borders=-1", "max_borders"),
        ("from=PKKHI&to=AZBAK&cargo=liquid", "cargo"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(client: Client, query: str, field: str) -> None:
    response = client.get(f"/api/v1/routes?{query}")
    assert response.status_code == 422, response.content
    assert field in [e["field"] for e in response.json()["errors"]]


def test_places_by_name_or_code(client: Client) -> None:
    found = client.get("/api/v1/freight/places?q=astara").json()
    assert {p["id"] for p in found} == {"AZAST", "IRASR"}
    assert client.get("/api/v1/freight/places?q=PKGWD").json()[0]["name"] == "Gwadar Port"


@pytest.fixture
def carrier(chamber_pk: Organisation) -> Organisation:
    return organisation_create(
        actor=None,
        data={"name": "Caspian Ro-Ro", "kind": "carrier", "country": "AZ"},
        chamber=chamber_pk,
    )


@pytest.fixture
def carrier_member(carrier: Organisation) -> User:
    return user_create(
        email="ops@roro.example", password=PASSWORD, organisation=carrier, role="member"
    )


def test_a_carrier_declares_a_leg_and_routes_list_it(
    client: Client, carrier: Organisation, carrier_member: User, token_for: Callable[[User], str]
) -> None:
    url = f"/api/v1/organisations/{carrier.slug}/freight-services"
    auth = {"Authorization": f"Bearer {token_for(carrier_member)}"}
    created = client.post(
        url, {"leg": "AZ-KZ-FERRY-ALA-AAU"}, content_type="application/json", headers=auth
    )
    assert created.status_code == 201, created.content
    assert client.get(url).json()[0]["leg"] == "AZ-KZ-FERRY-ALA-AAU"
    route = _routes(client, "from=PKKHI&to=AZBAK&avoid=IR&mode=road,ferry")["routes"][0]
    ferry = next(leg for leg in route["legs"] if leg["mode"] == "ferry")
    assert ferry["carriers"][0]["directory_url"] == f"/directory/{carrier.slug}/"
    gone = client.delete(f"{url}/{created.json()['id']}", headers=auth)
    assert gone.status_code == 204 and not CarrierService.objects.exists()


def test_only_the_carriers_own_people_declare_its_legs(
    client: Client, carrier: Organisation, member: User, company: Organisation,
    token_for: Callable[[User], str],
) -> None:  # fmt: skip
    url = f"/api/v1/organisations/{carrier.slug}/freight-services"
    assert (
        client.post(url, {"corridor": "TIR road"}, content_type="application/json").status_code
        == 401
    )
    other = {"Authorization": f"Bearer {token_for(member)}"}
    assert (
        client.post(
            url, {"corridor": "TIR road"}, content_type="application/json", headers=other
        ).status_code
        == 403
    )
    not_carrier = f"/api/v1/organisations/{company.slug}/freight-services"
    refused = client.post(
        not_carrier, {"corridor": "TIR road"}, content_type="application/json", headers=other
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "organisation"
    assert not CarrierService.objects.exists()


def test_a_declaration_names_a_real_leg_or_corridor(
    client: Client, carrier: Organisation, carrier_member: User, token_for: Callable[[User], str]
) -> None:
    url = f"/api/v1/organisations/{carrier.slug}/freight-services"
    auth = {"Authorization": f"Bearer {token_for(carrier_member)}"}
    for body, field in (({"leg": "NOPE"}, "leg"), ({"corridor": "Silk"}, "corridor"), ({}, "leg")):
        response = client.post(url, body, content_type="application/json", headers=auth)
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == field
