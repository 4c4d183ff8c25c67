"""Date windows of the agreements desk: what is due or expires within N days, what is overdue.

Pure: no Django. An agreement's expiry is its last extension's new expiry when it has one,
else its own; a milestone is overdue when its due date has passed and it is not done.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

HORIZONS = (30, 90, 180)


@dataclass(frozen=True)
class Dated:
    """Something on the calendar: an expiry or a milestone of one agreement."""

    kind: str  # "expiry" or "milestone"
    key: str  # stable: the same event keeps its key across edits (for alerts)
    agreement: str  # the agreement item's uid
    title: str
    day: dt.date
    done_on: dt.date | None = None
    subject: str = ""  # the milestone's own title (the title names its agreement too)

    def overdue(self, today: dt.date) -> bool:
        return self.kind == "milestone" and self.done_on is None and self.day < today

    def days_left(self, today: dt.date) -> int:
        return (self.day - today).days


def effective_expiry(
    expires_on: dt.date | None, extensions: Sequence[dt.date | None]
) -> dt.date | None:
    """The expiry in force: the latest extension's new expiry, else the original one."""
    extended = [day for day in extensions if day is not None]
    return max(extended) if extended else expires_on


def within(items: Iterable[Dated], today: dt.date, days: int) -> list[Dated]:
    """Open dates from ``today`` up to ``days`` ahead (inclusive), soonest first."""
    end = today + dt.timedelta(days=days)
    found = [d for d in items if d.done_on is None and today <= d.day <= end]
    return sorted(found, key=lambda d: (d.day, d.title))


def overdue(items: Iterable[Dated], today: dt.date) -> list[Dated]:
    return sorted((d for d in items if d.overdue(today)), key=lambda d: (d.day, d.title))


def horizon_of(item: Dated, today: dt.date) -> int | None:
    """The smallest of 30 / 90 / 180 days that the date falls within, if any."""
    left = item.days_left(today)
    if left < 0:
        return None
    return next((h for h in HORIZONS if left <= h), None)


def month_grid(year: int, month: int) -> list[list[dt.date | None]]:
    """The weeks of a month, Monday first, None outside it (for the calendar)."""
    first = dt.date(year, month, 1)
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    days = [first + dt.timedelta(days=n) for n in range((following - first).days)]
    cells: list[dt.date | None] = [None] * first.weekday() + list(days)
    cells += [None] * (-len(cells) % 7)
    return [cells[n : n + 7] for n in range(0, len(cells), 7)]
