"""Amounts in the reader's currency: the original amount stays, the preferred currency is added
at the exchange rate of the amount's date, with that rate's date and source."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from bureau.reference.models import ExchangeRate
from bureau.reference.money import convert

pytestmark = pytest.mark.django_db


def test_conversion_uses_the_rate_of_the_amounts_date() -> None:
    ExchangeRate.objects.create(
        currency="PKR", per_usd=Decimal("280"), as_of=dt.date(2025, 6, 30), source="A later rate"
    )
    early = convert(Decimal(1000), "AZN", "PKR", on=dt.date(2025, 1, 15))
    assert early is not None
    assert early.amount == Decimal("163871.01")  # 1000 / 1.70 * 278.580716
    assert early.as_of == dt.date(2024, 12, 31)
    late = convert(Decimal(1000), "AZN", "PKR", on=dt.date(2025, 7, 1))
    assert late is not None and late.amount == Decimal("164705.88")
    assert late.sources[-1] == "A later rate"
    assert convert(Decimal(5), "USD", "AZN", on=dt.date(2025, 1, 1)).amount == Decimal("8.50")  # type: ignore[union-attr]
    assert convert(Decimal(5), "EUR", "AZN", on=dt.date(2025, 1, 1)) is None  # no EUR rate
    assert convert(Decimal(5), "AZN", "AZN", on=dt.date(2025, 1, 1)) is None


def test_an_item_shows_its_value_in_the_readers_currency(client: Client, make_item, member) -> None:
    item = make_item(publish=True, value_amount="1000", value_currency="AZN")
    page = client.get(reverse("catalog:item", args=[item.pk])).content.decode()
    assert "1,000\u00a0AZN" in page and "converted" not in page  # no currency chosen
    member.currency = "PKR"
    member.save(update_fields=["currency"])
    client.force_login(member)
    page = client.get(reverse("catalog:item", args=[item.pk])).content.decode()
    assert '<bdi dir="ltr">1,000\u00a0AZN</bdi>' in page
    assert '<bdi dir="ltr">163,871.01\u00a0PKR</bdi>' in page
    assert "at the rate of Dec. 31, 2024; source: World Bank WDI" in page
    listing = client.get(reverse("catalog:browse")).content.decode()
    assert "163,871.01\u00a0PKR" in listing
    # In Azerbaijani, numbers and the note are written the Azerbaijani way.
    member.language = "az"
    member.save(update_fields=["language"])
    page = client.get(reverse("catalog:item", args=[item.pk])).content.decode()
    assert "163.871,01\u00a0PKR" in page and "məzənnə" in page
