"""Load reference tables from maintained packages and cited official figures. Idempotent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from bureau.reference import hs
from bureau.reference.models import ExchangeRate, HsCode, HsSection

# Official rates with their sources. AZN has been held at 1.70 per USD by the Central Bank of
# Azerbaijan since 2017; the PKR figure is the World Bank's official annual average for 2024.
SEED_RATES = [
    ("AZN", Decimal("1.700000"), dt.date(2024, 12, 31),
     "World Bank WDI PA.NUS.FCRF, official exchange rate, Azerbaijan, 2024 average",
     "https://data.worldbank.org/indicator/PA.NUS.FCRF?locations=AZ"),
    ("PKR", Decimal("278.580716"), dt.date(2024, 12, 31),
     "World Bank WDI PA.NUS.FCRF, official exchange rate, Pakistan, 2024 average",
     "https://data.worldbank.org/indicator/PA.NUS.FCRF?locations=PK"),
]  # fmt: skip


@transaction.atomic
def load_hs() -> int:
    """Load the 21 sections and 6,939 codes of HS 2022; returns the number of codes."""
    for position, (numeral, name) in enumerate(hs.sections().items(), start=1):
        HsSection.objects.update_or_create(
            numeral=numeral, defaults={"name": name, "position": position}
        )
    existing = set(HsCode.objects.values_list("code", flat=True))
    new = [
        HsCode(
            code=c.code,
            description=c.description,
            level=c.level,
            parent=c.parent,
            section_id=c.section or None,
        )
        for c in hs.all_codes().values()
        if c.code not in existing
    ]
    HsCode.objects.bulk_create(new, batch_size=2000)
    return HsCode.objects.count()


@transaction.atomic
def load_rates() -> int:
    for currency, per_usd, as_of, source, url in SEED_RATES:
        ExchangeRate.objects.get_or_create(
            currency=currency,
            as_of=as_of,
            defaults={"per_usd": per_usd, "source": source, "source_url": url},
        )
    return ExchangeRate.objects.count()


def load_all() -> dict[str, int]:
    return {"hs_codes": load_hs(), "exchange_rates": load_rates()}
