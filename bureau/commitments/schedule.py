"""Per contract year, the volumes delivered and still scheduled against the contracted quantity.

Pure: no Django. A contract year runs from the contract's start date to the day before its
anniversary. A cargo counts in the year its delivery window starts; delivered cargoes count
as delivered, planned to loaded ones as scheduled, cancelled ones not at all. A cargo's volume
is converted to the contract's unit (LNG units through the GIIGNL factors); a cargo without a
volume, or in a unit that cannot be converted, is counted as unknown, never as zero.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from bureau.commitments import lng

SCHEDULED = ("planned", "nominated", "confirmed", "loaded")


@dataclass(frozen=True)
class CargoFact:
    start: dt.date | None
    volume: Decimal | None
    unit: str
    status: str


@dataclass
class Year:
    number: int
    starts: dt.date
    ends: dt.date  # inclusive
    contracted: Decimal | None
    delivered: Decimal = Decimal(0)
    scheduled: Decimal = Decimal(0)
    unknown: int = 0


def _anniversary(start: dt.date, years: int) -> dt.date:
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February
        return start.replace(year=start.year + years, day=28)


def in_unit(volume: Decimal | None, unit: str, target: str) -> Decimal | None:
    if volume is None or not unit or not target:
        return None
    if unit == target:
        return volume
    if unit in lng.UNITS and target in lng.UNITS:
        return lng.convert(volume, unit, target)
    return None


def contract_years(start: dt.date | None, end: dt.date | None, contracted: Decimal | None,
                   unit: str, cargoes: Iterable[CargoFact]) -> list[Year]:  # fmt: skip
    """The contract's years with their delivered and scheduled volumes (in ``unit``)."""
    if start is None:
        return []
    last = end or _anniversary(start, 1) - dt.timedelta(days=1)
    years: list[Year] = []
    while not years or years[-1].ends < last:
        n = len(years)
        years.append(
            Year(
                n + 1,
                _anniversary(start, n),
                _anniversary(start, n + 1) - dt.timedelta(days=1),
                contracted,
            )
        )
    for cargo in cargoes:
        if cargo.start is None or cargo.status not in (*SCHEDULED, "delivered"):
            continue
        year = next((y for y in years if y.starts <= cargo.start <= y.ends), None)
        if year is None:
            continue
        volume = in_unit(cargo.volume, cargo.unit, unit)
        if volume is None:
            year.unknown += 1
        elif cargo.status == "delivered":
            year.delivered += volume
        else:
            year.scheduled += volume
    return years
