"""The trade monitor in the reader's currency: each US$ figure also in AZN or PKR at the rate of
its year, the rates named in a visible note and for screen readers; a visitor's choice kept in
a cookie, a signed-in person's in the profile; no rate, no converted figure (never a 0)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from bureau.accounts.preferences import CURRENCY_COOKIE
from bureau.reference.models import ExchangeRate
from bureau.trade.tests.test_pages import press_figures  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def pkr_rates() -> None:
    for year, rate in ((2022, "200"), (2023, "280")):
        ExchangeRate.objects.create(currency="PKR", per_usd=Decimal(rate),
                                    as_of=dt.date(year, 12, 31), source=f"WDI {year}")  # fmt: skip


def choose(client: Client, currency: str, next_page: str = "/trade/") -> str:
    answer = client.post("/i18n/setcurrency/", {"currency": currency, "next": next_page})
    assert answer.status_code == 302
    return str(answer["Location"])


def test_a_visitor_sees_the_monitor_in_rupees_at_each_years_rate(
    client: Client,
    press_figures: Path,  # noqa: F811
    pkr_rates: None,
) -> None:
    page = client.get("/trade/").content.decode()
    assert "≈" not in page and "rate-note" not in page  # no currency chosen: US$ only
    assert choose(client, "PKR") == "/trade/"
    assert client.cookies[CURRENCY_COOKIE].value == "PKR"
    page = client.get("/trade/").content.decode()
    # 2023: US$ 27.0 m at 280; 2022: US$ 28.1 m at 200, each year at its own rate.
    assert '<bdi dir="ltr">PKR 7.56 bn</bdi>' in page
    assert '<bdi dir="ltr">PKR 5.62 bn</bdi>' in page
    assert "US$ 27.0 m" in page  # the original stays
    # The rate's date and source: hover, screen readers and a visible note under the table.
    assert 'title="at the rate of Dec. 31, 2023; source: WDI 2023"' in page
    assert '<span class="visually-hidden">, at the rate of Dec. 31, 2023; source: WDI 2023' in page
    assert "Amounts after “≈” are converted at these exchange rates:" in page
    assert "<li>280\u00a0PKR per US dollar on Dec. 31, 2023 (WDI 2023)</li>" in page
    assert "<li>200\u00a0PKR per US dollar on Dec. 31, 2022 (WDI 2022)</li>" in page
    # The chart marks' tooltips carry the converted figure too.
    assert "2023: US$ 27.0 m (≈ PKR 7.56 bn)</title>" in page

    # In Urdu, the note is in Urdu and the figures stay left to right.
    urdu = client.get("/trade/", HTTP_ACCEPT_LANGUAGE="ur").content.decode()
    with translation.override("ur"):
        note = gettext("Amounts after “≈” are converted at these exchange rates:")
    assert note != "Amounts after “≈” are converted at these exchange rates:" and note in urdu
    assert '<bdi dir="ltr">PKR 7.56\u00a0ارب</bdi>' in urdu  # 7.56 arab, in Urdu's own word

    # Back to the figures as recorded.
    choose(client, "")
    assert "≈" not in client.get("/trade/").content.decode()


def test_without_a_rate_the_original_stands_alone_with_a_note(
    client: Client,
    press_figures: Path,  # noqa: F811
) -> None:
    ExchangeRate.objects.filter(currency="AZN").delete()
    choose(client, "AZN")
    page = client.get("/trade/").content.decode()
    assert "US$ 27.0 m" in page
    assert "(no AZN rate recorded for this date)" in page
    assert "AZN 0" not in page and "≈" not in page.split("<main", 1)[1].split("</main>")[0]


def test_a_signed_in_choice_is_kept_in_the_profile_and_bad_choices_are_refused(
    client: Client, member
) -> None:
    client.force_login(member)
    choose(client, "AZN", "/items/")
    member.refresh_from_db()
    assert member.currency == "AZN"
    # Not offered: shown as recorded. Another site as "next": back home instead.
    assert choose(client, "EUR", "https://elsewhere.example/") == "/"
    member.refresh_from_db()
    assert member.currency == ""
    assert client.get("/i18n/setcurrency/").status_code == 405
