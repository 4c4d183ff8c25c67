"""The month calendar shared by the agreements desk and the cargo schedule.

A calendar shows whole months, Monday first, each day with what falls on it (an agreement's
expiry or milestone, a cargo in its delivery window). The page picks its first month with
``?month=YYYY-MM`` and links to the month before and after, so that the calendar is moved
with ordinary links (keyboard and screen readers need nothing else). The same days are also
given as a plain list, which narrow screens show in place of the grid.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.dates import WEEKDAYS, WEEKDAYS_ABBR
from django.utils.translation import gettext as _

from bureau.commitments import windows
from bureau.core.errors import ValidationFailed
from bureau.core.parsing import shown


@dataclass(frozen=True)
class Entry:
    """One thing on one day: what it is, and the badge it is shown with."""

    title: str
    css: str = ""  # a badge modifier: "warn" for overdue, a cargo's status ...
    url: str = ""


@dataclass
class Month:
    first: dt.date
    weeks: list[list[tuple[dt.date | None, list[Entry]]]] = field(default_factory=list)

    @property
    def busy_days(self) -> list[tuple[dt.date, list[Entry]]]:
        """The days with something on them, for the list shown on narrow screens."""
        return [(day, found) for week in self.weeks for day, found in week if day and found]


def first_of(text: str | None, default: dt.date) -> dt.date:
    """The first day of the month ``YYYY-MM`` asks for (the default's month when none is)."""
    if not text:
        return default.replace(day=1)
    try:
        year, number = (int(part) for part in text.split("-"))
        if not 1900 <= year <= 2200:  # the links either side stay real dates
            raise ValueError
        return dt.date(year, number, 1)
    except ValueError:
        raise ValidationFailed.single(
            "month", _("'%(value)s' is not a month in the form YYYY-MM") % {"value": shown(text)}
        ) from None


def shift(first: dt.date, months: int) -> dt.date:
    index = first.year * 12 + first.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month(first: dt.date, by_day: dict[dt.date, list[Entry]]) -> Month:
    weeks = [
        [(day, by_day.get(day, [])) if day else (None, []) for day in week]
        for week in windows.month_grid(first.year, first.month)
    ]
    return Month(first, weeks)


def months(first: dt.date, count: int, by_day: dict[dt.date, list[Entry]]) -> list[Month]:
    return [month(shift(first, n), by_day) for n in range(count)]


def spread(
    entries: Iterable[tuple[dt.date | None, dt.date | None, Entry]],
) -> dict[dt.date, list[Entry]]:
    """Each entry on every day from its start to its end (inclusive; the start alone when the
    end is unknown or before it). Entries without a start date are not on the calendar."""
    by_day: dict[dt.date, list[Entry]] = {}
    for start, end, entry in entries:
        if start is None:
            continue
        last = end if end is not None and end >= start else start
        for n in range(min((last - start).days, 366) + 1):  # a window is days, not years
            by_day.setdefault(start + dt.timedelta(days=n), []).append(entry)
    return by_day


def navigation(first: dt.date, count: int) -> dict[str, Any]:
    """The links to the months before and after the ones shown, and the week's day names."""
    return {
        "previous": shift(first, -count).strftime("%Y-%m"),
        "next": shift(first, count).strftime("%Y-%m"),
        "days": [(WEEKDAYS_ABBR[n], WEEKDAYS[n]) for n in range(7)],
    }
