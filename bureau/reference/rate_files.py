"""Import annual exchange rates from the World Bank WDI and FRED files (as published).

WDI ``PA.NUS.FCRF`` ("Official exchange rate, LCU per US$, period average") is a wide CSV,
one row per economy and one column per year; FRED's ``annual.csv`` is long (Date, Country,
Exchange rate). The data set's notes say some FRED series are quoted in US dollars per unit,
but the values in its annual file are all units per US dollar (Euro 2024: 0.9242, New Zealand
2024: 1.6529), so they are stored as they are. Every rate is stored as units per US dollar,
dated 31 December of its year (a year's average), with the file it came from as its source.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction

from bureau.reference.models import ExchangeRate

# Economies of the WDI file whose currency the bureau converts (ISO 3166 alpha-3 -> ISO 4217).
WDI_CURRENCIES = {
    "AZE": "AZN", "PAK": "PKR", "TUR": "TRY", "IRN": "IRR", "KAZ": "KZT", "GEO": "GEL",
    "CHN": "CNY", "IND": "INR", "RUS": "RUB", "ARE": "AED", "SAU": "SAR", "UZB": "UZS",
}  # fmt: skip
FRED_CURRENCIES = {
    "Euro": "EUR", "New Zealand": "NZD", "China": "CNY", "India": "INR", "Japan": "JPY",
    "Switzerland": "CHF", "Canada": "CAD", "Australia": "AUD", "South Korea": "KRW",
    "Malaysia": "MYR", "Singapore": "SGD", "Sri Lanka": "LKR", "Thailand": "THB",
}  # fmt: skip
SIX = Decimal("0.000001")
WDI_URL = "https://data.worldbank.org/indicator/PA.NUS.FCRF"
FRED_URL = "https://fred.stlouisfed.org/categories/94"


class RateFileInvalid(ValueError):
    pass


def _number(raw: str) -> Decimal | None:
    try:
        value = Decimal(raw.strip()) if raw and raw.strip() else None
    except InvalidOperation:
        return None
    return value if value is not None and value.is_finite() and value > 0 else None


def _wdi(text: str) -> list[tuple[str, int, Decimal, str]]:
    lines = text.splitlines()
    start = next((n for n, line in enumerate(lines) if line.startswith('"Country Name"')), None)
    if start is None:
        raise RateFileInvalid("not a World Bank WDI file: no 'Country Name' header")
    reader = csv.reader(io.StringIO("\n".join(lines[start:])))
    header = next(reader)
    years = {n: int(name) for n, name in enumerate(header) if name.isdigit()}
    found = []
    for row in reader:
        if len(row) < 2 or row[1] not in WDI_CURRENCIES:
            continue
        for n, year in years.items():
            if n < len(row) and (value := _number(row[n])) is not None:
                source = (
                    f"World Bank WDI PA.NUS.FCRF, official exchange rate, {row[0]}, {year} average"
                )
                found.append((WDI_CURRENCIES[row[1]], year, value, source))
    return found


def _fred(text: str) -> list[tuple[str, int, Decimal, str]]:
    reader = csv.DictReader(io.StringIO(text))
    found = []
    for row in reader:
        country, value = row.get("Country", ""), _number(row.get("Exchange rate", "") or "")
        if country not in FRED_CURRENCIES or value is None:
            continue
        year = int(row["Date"][:4])
        source = f"US Federal Reserve H.10 via FRED, {country}, {year} annual average"
        found.append((FRED_CURRENCIES[country], year, value, source))
    return found


def read_rates(path: Path) -> list[tuple[str, int, Decimal, str]]:
    """(currency, year, units per USD, source) of every usable figure in a WDI or FRED file."""
    text = path.read_text(encoding="utf-8-sig")
    head = text[:2000]
    if "Data Source" in head or '"Country Name"' in head:
        return _wdi(text)
    if head.startswith("Date,Country,Exchange rate"):
        return _fred(text)
    raise RateFileInvalid(f"{path.name}: neither a WDI PA.NUS.FCRF file nor FRED annual.csv")


@transaction.atomic
def rates_import(path: Path) -> int:
    """Store every rate of the file (a rate already recorded for that year is replaced)."""
    rows = read_rates(path)
    url = WDI_URL if rows and rows[0][3].startswith("World Bank") else FRED_URL
    for currency, year, rate, source in rows:
        ExchangeRate.objects.update_or_create(
            currency=currency, as_of=dt.date(year, 12, 31),
            defaults={"per_usd": rate.quantize(SIX), "source": source, "source_url": url},
        )  # fmt: skip
    return len(rows)
