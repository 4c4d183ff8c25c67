"""Progress against the trade target: plain arithmetic on a yearly series, no I/O.

The trend is a least-squares line through ln(value) by year (a log-linear fit), so its slope
is a constant yearly growth rate; the year it reaches the target solves that line for the
target. The required growth is the compound annual rate that takes the latest actual value to
the target in the target year.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Trend:
    intercept: float  # ln(value) at year 0
    slope: float  # ln growth per year
    points: int

    @property
    def annual_growth(self) -> float:
        return math.exp(self.slope) - 1

    def value_in(self, year: int) -> float:
        return math.exp(self.intercept + self.slope * year)

    def year_reaching(self, target: float) -> float | None:
        """The (fractional) year the trend line reaches ``target``; None if it never does."""
        if self.slope <= 0 or target <= 0:
            return None
        return (math.log(target) - self.intercept) / self.slope


@dataclass(frozen=True)
class YearGap:
    year: int
    actual: float
    gap: float  # target minus actual
    share_of_target: float
    trend: float | None


@dataclass(frozen=True)
class Progress:
    target: float
    target_year: int
    latest_year: int | None
    latest: float | None
    required_growth: float | None  # a fraction: 0.85 is 85 % a year
    trend: Trend | None
    trend_year: float | None  # the (fractional) year the trend reaches the target
    years: list[YearGap]

    @property
    def trend_reach_year(self) -> int | None:
        """The first whole year whose trend value reaches the target (2036.2 is 2037)."""
        return math.ceil(self.trend_year) if self.trend_year is not None else None

    @property
    def trend_reaches_in_time(self) -> bool:
        return self.trend_year is not None and self.trend_year <= self.target_year

    def required_path(self) -> list[tuple[int, float]]:
        """Latest actual compounded at the required growth, year by year to the target year."""
        if self.latest_year is None or self.latest is None or self.required_growth is None:
            return []
        return [
            (year, self.latest * (1 + self.required_growth) ** (year - self.latest_year))
            for year in range(self.latest_year, self.target_year + 1)
        ]


def fit_trend(series: list[tuple[int, float]]) -> Trend | None:
    """Least squares of ln(value) on year; None with fewer than two positive years."""
    points = [(year, math.log(value)) for year, value in series if value > 0]
    if len({year for year, _ in points}) < 2:
        return None
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in points)
    slope = sxy / sxx
    return Trend(mean_y - slope * mean_x, slope, n)


def required_growth(
    latest: float, latest_year: int, target: float, target_year: int
) -> float | None:
    """The compound annual growth from ``latest`` to ``target``; None if no year is left."""
    years = target_year - latest_year
    # A root of a negative ratio is complex: no growth rate takes a value there.
    if years <= 0 or latest <= 0 or target <= 0:
        return None
    return float((target / latest) ** (1 / years) - 1)


def progress(series: list[tuple[int, float]], target: float, target_year: int) -> Progress:
    series = sorted(series)
    trend = fit_trend(series)
    latest_year, latest = series[-1] if series else (None, None)
    growth = (
        required_growth(latest, latest_year, target, target_year)
        if latest is not None and latest_year is not None
        else None
    )
    years = [
        YearGap(
            year, value, target - value, value / target, trend.value_in(year) if trend else None
        )
        for year, value in series
    ]
    return Progress(
        target=target,
        target_year=target_year,
        latest_year=latest_year,
        latest=latest,
        required_growth=growth,
        trend=trend,
        trend_year=trend.year_reaching(target) if trend else None,
        years=years,
    )
