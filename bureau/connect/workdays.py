"""Working-day arithmetic for response-time targets: pure, no Django.

A chamber's week has its own weekend (``weekend`` holds ISO weekday numbers, Monday = 1) and
its own public holidays. A target of N working days from a moment ends at the same time of day
on the N-th working day after it; a question asked on a weekend or holiday starts counting
from the next working day's start.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable

from django.utils.translation import gettext as _

DAY_NAMES = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7}
MAX_DAYS = 60


def parse_weekend(text: str) -> frozenset[int]:
    """'sat,sun' -> {6, 7}; raises ValueError naming an unknown day or a week without workdays."""
    days = set()
    for word in (part.strip().lower()[:3] for part in text.split(",")):
        if not word:
            continue
        if word not in DAY_NAMES:
            raise ValueError(
                _("'%(word)s' is not a day of the week (mon, tue, ... sun)") % {"word": word}
            )
        days.add(DAY_NAMES[word])
    if len(days) == 7:
        raise ValueError(_("a week needs at least one working day"))
    return frozenset(days)


def parse_holidays(values: Iterable[str]) -> frozenset[dt.date]:
    """ISO dates; raises ValueError naming the first one that is not a date."""
    found = set()
    for value in values:
        try:
            found.add(dt.date.fromisoformat(str(value).strip()))
        except ValueError:
            raise ValueError(
                _("'%(value)s' is not a date in the form YYYY-MM-DD") % {"value": str(value)[:40]}
            ) from None
    return frozenset(found)


def is_working_day(day: dt.date, weekend: Collection[int], holidays: Collection[dt.date]) -> bool:
    return day.isoweekday() not in weekend and day not in holidays


def add_working_days(
    start: dt.datetime, days: int, *, weekend: Collection[int], holidays: Collection[dt.date]
) -> dt.datetime:
    """The moment ``days`` working days after ``start`` (same time zone as ``start``)."""
    if not 0 <= days <= MAX_DAYS:
        raise ValueError(_("a target is 0 to %(most)s working days") % {"most": MAX_DAYS})
    if len(set(weekend) & set(range(1, 8))) == 7:
        raise ValueError(_("a week needs at least one working day"))
    moment = start
    if not is_working_day(moment.date(), weekend, holidays):
        moment = _next_working_start(moment, weekend, holidays)
    day = moment.date()
    for _step in range(days):
        day += dt.timedelta(days=1)
        while not is_working_day(day, weekend, holidays):
            day += dt.timedelta(days=1)
    return dt.datetime.combine(day, moment.timetz())


def _next_working_start(
    moment: dt.datetime, weekend: Collection[int], holidays: Collection[dt.date]
) -> dt.datetime:
    day = moment.date() + dt.timedelta(days=1)
    while not is_working_day(day, weekend, holidays):
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=moment.tzinfo)


def working_days_between(
    start: dt.date, end: dt.date, *, weekend: Collection[int], holidays: Collection[dt.date]
) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when end <= start)."""
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        count += is_working_day(day, weekend, holidays)
    return count
