"""Money arithmetic of the pledge tracker: conversions at the rate of each event's year, totals.

Pure: no Django. Rates are units of a currency per US dollar, one figure per currency and
calendar year (the annual averages of the World Bank and FRED files). The rate of a date is
the rate of its year; a missing rate raises ``RateMissing`` ("no AZN rate for 2019-03-04"),
never a zero.

Rounding: every event is converted at full precision and rounded once, half up, to the
target currency's minor unit (0.01); totals add the rounded figures, so a total equals the
sum of the rows a reader sees. An event without an amount (or without a date) is unknown,
and a total that includes one is reported as known part plus a count of unknowns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
TARGETS = ("USD", "AZN", "PKR")
KINDS = ("pledged", "committed", "disbursed")

# (currency, year) -> units per USD
Rates = Mapping[tuple[str, int], Decimal]


class RateMissing(Exception):
    """No rate for a currency on a date: the conversion cannot be made."""

    def __init__(self, currency: str, day: dt.date) -> None:
        super().__init__(f"no {currency} rate for {day.isoformat()}")
        self.currency = currency
        self.day = day


def rate_on(rates: Rates, currency: str, day: dt.date) -> Decimal:
    """Units of ``currency`` per USD on ``day``: the rate of its year."""
    currency = currency.upper()
    if currency == "USD":
        return Decimal(1)
    rate = rates.get((currency, day.year))
    if not rate:
        raise RateMissing(currency, day)
    return rate


def convert(amount: Decimal, currency: str, day: dt.date, target: str, rates: Rates) -> Decimal:
    """``amount`` of ``currency`` on ``day`` in ``target``, rounded half up to 0.01."""
    if currency.upper() == target.upper():
        return amount.quantize(CENT, rounding=ROUND_HALF_UP)
    usd = amount / rate_on(rates, currency, day)
    return (usd * rate_on(rates, target, day)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Event:
    kind: str
    amount: Decimal | None
    currency: str
    day: dt.date | None
    group: str = ""  # what the event is totalled under (a sector, a stage, a project)


@dataclass
class Total:
    """A sum of known amounts, the number of unknown ones, or the reason it cannot be made."""

    known: Decimal = Decimal("0.00")
    unknown: int = 0
    count: int = 0
    error: str = ""

    @property
    def is_unknown(self) -> bool:
        return not self.error and self.count > 0 and self.unknown == self.count

    def add(self, value: Decimal | None) -> None:
        self.count += 1
        if value is None:
            self.unknown += 1
        else:
            self.known += value


@dataclass
class Totals:
    """Totals per (kind, target currency), and per (group, kind, target)."""

    overall: dict[tuple[str, str], Total] = field(default_factory=dict)
    by_group: dict[tuple[str, str, str], Total] = field(default_factory=dict)

    def get(self, kind: str, target: str) -> Total:
        return self.overall.get((kind, target), Total())

    def group(self, group: str, kind: str, target: str) -> Total:
        return self.by_group.get((group, kind, target), Total())

    def groups(self) -> list[str]:
        return sorted({g for g, _, _ in self.by_group})


def _converted(event: Event, target: str, rates: Rates) -> Decimal | None:
    if event.amount is None or not event.currency:
        return None
    if event.day is None:  # without a date only the event's own currency is known
        same = event.currency.upper() == target.upper()
        return event.amount.quantize(CENT, rounding=ROUND_HALF_UP) if same else None
    return convert(event.amount, event.currency, event.day, target, rates)


def totals(events: Iterable[Event], rates: Rates, targets: Iterable[str] = TARGETS) -> Totals:
    """Add up ``events`` per kind in each target currency; a missing rate marks that total."""
    result = Totals()
    for event in events:
        for target in targets:
            overall = result.overall.setdefault((event.kind, target), Total())
            grouped = result.by_group.setdefault((event.group, event.kind, target), Total())
            try:
                value = _converted(event, target, rates)
            except RateMissing as missing:
                overall.error = overall.error or str(missing)
                grouped.error = grouped.error or str(missing)
                value = None
            overall.add(value)
            grouped.add(value)
    return result
