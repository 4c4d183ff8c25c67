"""Convert amounts with the recorded exchange rates: to US dollars at the latest rate (for
filters and sums), and to a reader's preferred currency at the rate of the amount's date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from bureau.reference.models import ExchangeRate

CENT = Decimal("0.01")


def rates_per_usd() -> dict[str, Decimal]:
    """The latest rate of every currency that has one (USD is always 1)."""
    latest: dict[str, Decimal] = {"USD": Decimal(1)}
    for rate in ExchangeRate.objects.order_by("currency", "as_of"):
        latest[rate.currency] = rate.per_usd
    return latest


def to_usd(
    amount: Decimal | None, currency: str, rates: dict[str, Decimal] | None = None
) -> Decimal | None:
    """``amount`` in USD, or None when there is no amount or no rate for the currency."""
    if amount is None or not currency:
        return None
    rate = (rates if rates is not None else rates_per_usd()).get(currency.upper())
    if not rate:
        return None
    return (amount / rate).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Converted:
    """An amount in another currency, with the recorded rates it was converted at."""

    amount: Decimal
    currency: str
    rates: tuple[ExchangeRate, ...]  # the non-USD rates used (one or two)

    @property
    def as_of(self) -> dt.date | None:
        return max((rate.as_of for rate in self.rates), default=None)

    @property
    def sources(self) -> list[str]:
        return list(dict.fromkeys(rate.source for rate in self.rates))


def rate_on(currency: str, day: dt.date) -> ExchangeRate | None:
    """The latest recorded rate of ``currency`` on or before ``day``; the earliest one when
    none is that old (said so beside the amount through its date)."""
    rates = ExchangeRate.objects.filter(currency=currency.upper())
    return (
        rates.filter(as_of__lte=day).order_by("-as_of").first() or rates.order_by("as_of").first()
    )


RateLookup = Callable[[str, dt.date], ExchangeRate | None]


def convert(
    amount: Decimal, currency: str, to: str, *, on: dt.date, lookup: RateLookup | None = None
) -> Converted | None:
    """``amount`` of ``currency`` in ``to`` at the rates of ``on`` (through USD, the currency
    the rates are recorded against); None when a rate is missing or nothing is to convert.
    ``lookup`` stands for ``rate_on`` where a page remembers the rates it has read."""
    currency, to = currency.upper(), to.upper()
    if not currency or not to or currency == to:
        return None
    used: list[ExchangeRate] = []
    per_usd: list[Decimal] = []
    for code in (currency, to):
        if code == "USD":
            per_usd.append(Decimal(1))
            continue
        rate = (lookup or rate_on)(code, on)
        if rate is None:
            return None
        used.append(rate)
        per_usd.append(rate.per_usd)
    value = (amount / per_usd[0] * per_usd[1]).quantize(CENT, rounding=ROUND_HALF_UP)
    return Converted(value, to, tuple(used))
