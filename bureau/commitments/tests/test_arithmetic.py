"""The pure arithmetic: conversions at each event's rate, totals with unknowns, LNG units, windows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from bureau.commitments import arithmetic, lng, windows
from bureau.commitments.arithmetic import Event, RateMissing

RATES = {("AZN", 2019): Decimal("1.7"), ("PKR", 2019): Decimal("150.036"),
         ("PKR", 2024): Decimal("278.580716"), ("AZN", 2024): Decimal("1.7")}  # fmt: skip


def test_conversion_uses_the_rate_of_the_events_year() -> None:
    assert arithmetic.convert(Decimal(1000), "USD", dt.date(2019, 3, 4), "PKR", RATES) == Decimal(
        "150036.00"
    )
    assert arithmetic.convert(Decimal(1000), "USD", dt.date(2024, 3, 4), "PKR", RATES) == Decimal(
        "278580.72"
    )
    # AZN to PKR goes through the dollar at the same year's rates.
    assert arithmetic.convert(Decimal("17"), "AZN", dt.date(2019, 6, 1), "PKR", RATES) == Decimal(
        "1500.36"
    )


def test_a_missing_rate_is_an_error_naming_currency_and_date_never_zero() -> None:
    with pytest.raises(RateMissing, match="no AZN rate for 2019-03-04"):
        arithmetic.convert(Decimal(5), "USD", dt.date(2019, 3, 4), "AZN", {})
    result = arithmetic.totals([Event("disbursed", Decimal(5), "USD", dt.date(2019, 3, 4))], {})
    assert result.get("disbursed", "AZN").error == "no AZN rate for 2019-03-04"
    assert result.get("disbursed", "USD").known == Decimal("5.00")


def test_totals_add_rounded_rows_and_count_unknown_amounts() -> None:
    events = [
        Event("committed", Decimal("0.005"), "USD", dt.date(2019, 1, 1), "energy"),
        Event("committed", Decimal("0.005"), "USD", dt.date(2019, 1, 1), "energy"),
        Event("committed", None, "USD", dt.date(2019, 1, 1), "transport"),
    ]
    result = arithmetic.totals(events, RATES)
    total = result.get("committed", "USD")
    # Each row rounds half up to 0.01 first; the total is the sum of what a reader sees.
    assert (total.known, total.unknown, total.count) == (Decimal("0.02"), 1, 3)
    assert result.group("transport", "committed", "USD").is_unknown
    assert not result.group("energy", "committed", "USD").is_unknown
    assert result.groups() == ["energy", "transport"]


def test_lng_conversions_follow_the_two_documented_factors_and_go_back_and_forth() -> None:
    assert lng.convert(Decimal(1), "m3_lng", "tonnes") == Decimal("0.450")
    assert lng.convert(Decimal(1), "tonnes", "mmbtu") == Decimal("51.020")
    assert lng.convert(Decimal(140000), "m3_lng", "mmbtu") == Decimal("3214260.000")
    assert lng.convert(Decimal("3214260"), "mmbtu", "m3_lng") == Decimal("140000.000")
    assert lng.all_units(None, "tonnes") == {"m3_lng": None, "tonnes": None, "mmbtu": None}
    with pytest.raises(ValueError, match="unknown LNG unit"):
        lng.convert(Decimal(1), "barrels", "tonnes")


def _dated(day: dt.date, kind: str = "milestone", done: dt.date | None = None) -> windows.Dated:
    return windows.Dated(kind, f"k{day}", "a", f"t{day}", day, done)


def test_windows_due_within_and_overdue() -> None:
    today = dt.date(2026, 1, 1)
    items = [_dated(dt.date(2025, 12, 31)), _dated(dt.date(2026, 1, 31)),
             _dated(dt.date(2026, 2, 1)), _dated(dt.date(2026, 1, 10), done=dt.date(2026, 1, 2))]  # fmt: skip
    assert [d.day for d in windows.within(items, today, 30)] == [dt.date(2026, 1, 31)]
    assert [d.day for d in windows.within(items, today, 90)] == [
        dt.date(2026, 1, 31),
        dt.date(2026, 2, 1),
    ]
    assert [d.day for d in windows.overdue(items, today)] == [dt.date(2025, 12, 31)]
    assert windows.horizon_of(items[1], today) == 30
    assert windows.horizon_of(items[2], today) == 90
    assert windows.effective_expiry(dt.date(2025, 1, 1), [dt.date(2027, 1, 1), None]) == dt.date(
        2027, 1, 1
    )
    assert windows.effective_expiry(dt.date(2025, 1, 1), []) == dt.date(2025, 1, 1)


def test_month_grid_starts_on_monday() -> None:
    grid = windows.month_grid(2026, 2)
    assert grid[0][:6] == [None] * 6 and grid[0][6] == dt.date(2026, 2, 1)
    assert all(len(week) == 7 for week in grid)


def test_contract_years_count_delivered_and_scheduled_against_the_contracted_quantity() -> None:
    from bureau.commitments.schedule import CargoFact, contract_years

    cargoes = [
        CargoFact(dt.date(2025, 3, 1), Decimal(140000), "m3_lng", "delivered"),
        CargoFact(dt.date(2025, 9, 1), Decimal(63000), "tonnes", "confirmed"),
        CargoFact(dt.date(2026, 2, 1), None, "m3_lng", "planned"),
        CargoFact(dt.date(2026, 3, 1), Decimal(1), "m3_lng", "cancelled"),
        CargoFact(dt.date(2025, 5, 1), Decimal(10), "barrels", "delivered"),
    ]
    years = contract_years(
        dt.date(2025, 2, 25), dt.date(2027, 2, 24), Decimal(1_000_000), "m3_lng", cargoes
    )
    assert [(y.starts, y.ends) for y in years] == [(dt.date(2025, 2, 25), dt.date(2026, 2, 24)),
                                                 (dt.date(2026, 2, 25), dt.date(2027, 2, 24))]  # fmt: skip
    first, second = years
    assert (first.delivered, first.scheduled, first.unknown) == (
        Decimal(140000),
        Decimal("140000.000"),
        2,
    )
    assert (second.delivered, second.scheduled, second.unknown) == (0, 0, 0)
    assert first.contracted == Decimal(1_000_000)
    assert contract_years(None, None, None, "", cargoes) == []
