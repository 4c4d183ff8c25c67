"""The cargo schedule page: its calendar of delivery windows, and staff changing a status."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from bureau.commitments import services
from bureau.commitments.models import Cargo, ChangeEntry
from bureau.exchange.models import LogEvent

URL = "/commitments/cargoes/"


@pytest.fixture
def cargo(staff_az: Any) -> Cargo:
    contract = services.contract_create(actor=staff_az, data={
        "title": "LNG cargoes", "product": "lng", "seller": "SOCAR", "buyer": "PLL",
        "starts_on": "2025-01-01", "yearly_quantity": "500000", "unit": "m3_lng"})  # fmt: skip
    return services.cargo_create(actor=staff_az, contract=contract, data={
        "reference": "SOCAR-07", "window_start": "2025-03-30", "window_end": "2025-04-02",
        "volume": "140000", "unit": "m3_lng", "status": "confirmed"})  # fmt: skip


def _year_row(html: str) -> str:
    start = html.index('<th scope="row">1 (2025-01-01')
    return html[start : html.index("</tr>", start)]


def test_the_calendar_shows_each_cargo_over_its_window_with_its_status(
    client: Client, cargo: Cargo
) -> None:
    html = client.get(URL + "?month=2025-03").content.decode()
    assert "<caption>March 2025</caption>" in html and "<caption>April 2025</caption>" in html
    # 30 and 31 March, 1 and 2 April: four days in the grid, four in the narrow list.
    assert html.count(f'<a href="#cargo-{cargo.pk}">SOCAR-07: Confirmed</a>') == 8
    assert 'href="?month=2025-01#calendar-title"' in html  # two months back
    assert 'href="?month=2025-05#calendar-title"' in html
    assert '<abbr title="Monday">Mon</abbr>' in html
    later = client.get(URL + "?month=2025-05").content.decode()
    assert "SOCAR-07: Confirmed" not in later.split('id="cargoes"')[0]


def test_a_bad_month_is_refused_naming_the_field(client: Client, cargo: Cargo) -> None:
    for url in (URL, reverse("commitments:agreements")):
        bad = client.get(url + "?month=<b>march</b>")
        assert bad.status_code == 400 and bad["Content-Type"].startswith("text/plain")
        assert "month: '<b>march</b>' is not a month in the form YYYY-MM" in bad.content.decode()
    assert client.get(URL + "?month=9999-12").status_code == 400


def test_owner_staff_change_a_status_on_the_page(
    client: Client, staff_az: Any, cargo: Cargo
) -> None:
    before = client.get(URL + "?month=2025-03").content.decode()
    assert "140000.000" in _year_row(before).split("</td>")[1]  # scheduled
    client.force_login(staff_az)
    page = client.get(URL).content.decode()
    assert 'name="csrfmiddlewaretoken"' in page and f'id="status-{cargo.pk}-status"' in page
    bad = client.post(URL, {"form": "status", "cargo": str(cargo.uid), "status": "sunk"})
    assert bad.status_code == 422
    assert (
        "Select a valid choice. sunk is not one of the available choices." in bad.content.decode()
    )
    assert Cargo.objects.get().status == "confirmed"
    logged = LogEvent.objects.filter(type="cargo.recorded").count()
    done = client.post(URL, {"form": "status", "cargo": str(cargo.uid), "status": "delivered"})
    assert done.status_code == 302
    assert Cargo.objects.get().status == "delivered"
    after = client.get(URL + "?month=2025-03").content.decode()
    assert "SOCAR-07: Delivered" in after
    delivered, scheduled = _year_row(after).split("</td>")[:2]
    assert "140000.000" in delivered and "140000.000" not in scheduled
    entry = ChangeEntry.objects.filter(action="cargo changed").get()
    assert entry.actor == staff_az and entry.detail == "status=delivered"
    # Replicated like every commitments change: the cargo's new state is in the exchange log.
    events = LogEvent.objects.filter(type="cargo.recorded").order_by("seq")
    assert events.count() == logged + 1
    assert json.loads(events.last().data)["body"]["status"] == "delivered"  # type: ignore[union-attr]


def test_the_other_chamber_and_anonymous_cannot_change_a_status(
    client: Client, staff_pk: Any, cargo: Cargo, token_for: Any
) -> None:
    form = {"form": "status", "cargo": str(cargo.uid), "status": "cancelled"}
    assert client.post(URL, form).status_code == 403
    client.force_login(staff_pk)
    assert 'name="form" value="status"' not in client.get(URL).content.decode()
    assert client.post(URL, form).status_code == 403
    api = f"/api/v1/commitments/cargoes/{cargo.uid}"
    body = json.dumps({"status": "cancelled"})
    refused = client.patch(api, data=body, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {token_for(staff_pk)}")  # fmt: skip
    assert refused.status_code == 403
    client.logout()
    anonymous = client.patch(api, data=body, content_type="application/json")
    assert anonymous.status_code in (401, 403)
    assert Cargo.objects.get().status == "confirmed"
    assert not ChangeEntry.objects.filter(action="cargo changed").exists()


def test_the_desk_calendar_moves_by_month(client: Client, agreement: Any) -> None:
    html = client.get(reverse("commitments:agreements")).content.decode()
    assert "LNG framework agreement: First cargo" in html
    first = html.index("<caption>")
    far = client.get(reverse("commitments:agreements") + "?month=2001-01").content.decode()
    assert "<caption>January 2001</caption>" in far and "<caption>March 2001</caption>" in far
    assert html[first : first + 30] != far[far.index("<caption>") : far.index("<caption>") + 30]


def test_the_console_changes_a_status_with_the_same_rules(
    cargo: Cargo, staff_az: Any, staff_pk: Any
) -> None:
    out = StringIO()
    call_command("cargoes", "status", str(cargo.uid), "--status", "loaded", "--as", staff_az.email, stdout=out)  # fmt: skip
    assert out.getvalue().strip() == f"{cargo.uid}  loaded"
    with pytest.raises(CommandError, match="status: 'sunk' is not one of"):
        call_command("cargoes", "status", str(cargo.uid), "--status", "sunk", "--as", staff_az.email)  # fmt: skip
    with pytest.raises(CommandError, match="only the recording chamber's staff"):
        call_command("cargoes", "status", str(cargo.uid), "--status", "cancelled", "--as", staff_pk.email)  # fmt: skip
    assert Cargo.objects.get().status == "loaded"


def test_without_a_dated_cargo_the_calendar_says_so(client: Client, db: Any) -> None:
    html = client.get(URL).content.decode()
    calendar = html[html.index('id="calendar-title"') : html.index('id="cargoes-title"')]
    assert "No cargo is scheduled yet." in calendar and "<caption>" not in calendar
