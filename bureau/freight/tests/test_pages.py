"""The /move/ page, its downloads, a trade lead's "plan this shipment", carriers' pages."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from bureau.accounts.models import Organisation, User
from bureau.accounts.services import organisation_create, user_create
from bureau.catalog.models import Item
from bureau.freight.models import CarrierService

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"
KHI_BAKU = "from=PKKHI&to=AZBAK"


def test_move_opens_on_the_network_then_plans_karachi_to_baku(client: Client) -> None:
    empty = client.get(reverse("freight:move"))
    assert empty.status_code == 200
    html = empty.content.decode()
    assert 'class="route-map"' in html and "The network: 40 places" in html
    page = client.get(f"{reverse('freight:move')}?{KHI_BAKU}")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="route-count"' in html and "Bandar Abbas" in html
    assert html.count('class="route-card"') >= 2
    assert "unknown" in html and "missing" in html  # costs nobody published
    assert 'class="map-route" data-route="1"' in html  # drawn on the map
    assert "No route has a known cost" in html  # the Pareto chart says why costs are absent
    assert '<option value="Karachi Port (PKKHI)">' in html  # the place picker
    assert "<script>" not in html and "style=" not in html  # the coming Content-Security-Policy


def test_a_picked_place_with_its_code_and_a_name_both_work(client: Client) -> None:
    html = client.get(
        reverse("freight:move"), {"from": "Karachi Port (PKKHI)", "to": "baku"}
    ).content.decode()
    assert 'data-testid="route-count"' in html


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"from": "Atlantis", "to": "AZBAK"}, "from", "is not a place in the network"),
        ({"from": "PKKHI", "to": "PKKHI"}, "to", "is the same place as the origin"),
        ({"from": "Astara", "to": "Ast"}, "to", "matches several places"),
        (
            {"from": "PKKHI", "to": "AZBAK", "max_borders": "-3"},
            "max_borders",
            "greater than or equal to 0",
        ),
    ],
)
def test_bad_input_is_shown_beside_its_field(
    client: Client, query: dict[str, str], field: str, message: str
) -> None:
    response = client.get(reverse("freight:move"), query)
    assert response.status_code == 422
    html = response.content.decode()
    error = re.search(rf'id="id_{field}-error">([^<]*)<', html)
    assert error and message in error.group(1)


def test_no_route_is_explained(client: Client) -> None:
    html = client.get(
        f"{reverse('freight:move')}?{KHI_BAKU}&avoid=IR&avoid=AF&mode=road"
    ).content.decode()
    assert 'data-testid="no-route"' in html and "avoiding AF, IR" in html


def test_downloads_csv_without_formulas_and_svg(client: Client, carrier: Organisation) -> None:
    CarrierService.objects.create(organisation=carrier, corridor="North–South (INSTC)")
    response = client.get(f"{reverse('freight:routes_csv')}?{KHI_BAKU}")
    assert response["Content-Disposition"] == 'attachment; filename="bureau-routes.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "route" and rows[1][2] == "Karachi Port"
    carriers = [row[rows[0].index("carriers")] for row in rows[1:]]
    assert "'=HYPERLINK(1)" in carriers  # neutralised, never a live formula
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)
    for name in ("map_svg", "chart_svg"):
        svg = client.get(f"{reverse(f'freight:{name}')}?{KHI_BAKU}&download=1")
        assert svg["Content-Type"].startswith("image/svg+xml") and svg.content.startswith(b"<svg")
        assert "attachment" in svg["Content-Disposition"]
    assert client.get(reverse("freight:map_svg")).status_code == 404


@pytest.fixture
def carrier(chamber_pk: Organisation) -> Organisation:
    return organisation_create(
        actor=None,
        data={"name": "=HYPERLINK(1)", "kind": "carrier", "country": "AZ"},
        chamber=chamber_pk,
    )


@pytest.fixture
def carrier_member(carrier: Organisation) -> User:
    return user_create(
        email="ops@carrier.example", password=PASSWORD, organisation=carrier, role="member"
    )


def test_a_carrier_declares_a_corridor_on_its_page_and_routes_link_to_it(
    client: Client, carrier: Organisation, carrier_member: User
) -> None:
    client.force_login(carrier_member)
    assert client.get(reverse("freight:carriers"))["Location"] == reverse(
        "freight:carrier", args=[carrier.slug]
    )
    url = reverse("freight:carrier", args=[carrier.slug])
    bad = client.post(url, {"leg": "", "corridor": "", "note": ""})
    assert bad.status_code == 422 and "give either a leg or a corridor" in bad.content.decode()
    assert (
        client.post(url, {"corridor": "North–South (INSTC)", "note": "weekly"}).status_code == 302
    )
    html = client.get(f"{reverse('freight:move')}?{KHI_BAKU}").content.decode()
    assert f'href="/directory/{carrier.slug}/"' in html
    service = CarrierService.objects.get()
    assert (
        client.post(reverse("freight:carrier_remove", args=[carrier.slug, service.pk])).status_code
        == 302
    )
    assert not CarrierService.objects.exists()


def test_others_cannot_change_a_carriers_legs(
    client: Client, carrier: Organisation, member: User
) -> None:
    url = reverse("freight:carrier", args=[carrier.slug])
    assert client.get(url).status_code == 302  # sign in first
    client.force_login(member)
    assert client.post(url, {"corridor": "TIR road"}).status_code == 403
    assert not CarrierService.objects.exists()


def test_a_trade_lead_offers_to_plan_the_shipment(
    client: Client, make_item: Callable[..., Item]
) -> None:
    item = make_item(
        publish=True, origin_country="PK", destination_country="AZ", destination_place="Baku"
    )
    html = client.get(reverse("catalog:item", args=[item.pk])).content.decode()
    link = reverse("freight:plan_lead", args=[item.pk])
    assert f'href="{link}"' in html and "Plan this shipment" in html
    response = client.get(link)
    assert response.status_code == 302 and response["Location"] == "/move/?from=PKKHI&to=AZBAK"
