"""What every report of the trade monitor is: a table with, where it has one, a chart."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bureau.trade import charts

DASH = "\N{EN DASH}"
Also = Callable[[float, str], str]  # a US$ value of a year, in the reader's currency
HALF_WIDTH = 560  # charts shown two abreast


@dataclass
class Report:
    name: str
    title: str
    columns: list[str]
    rows: list[list[Any]]
    chart: Callable[[charts.Layout], str] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)  # named under a chart that leaves the page
    chart_width: int = 760

    def wide(self, also: Also | None = None) -> str:
        return self._draw(charts.Layout(self.chart_width, also=also))

    def narrow(self, also: Also | None = None) -> str:
        """The chart drawn for a phone: its text stays readable at 360 px."""
        return self._draw(charts.Layout(charts.NARROW, also=also))

    def framed(self) -> str:
        """The chart as a file: its title above it and its sources below."""
        return self._draw(charts.Layout(self.chart_width, self.title, tuple(self.sources)))

    def _draw(self, layout: charts.Layout) -> str:
        return self.chart(layout) if self.chart else ""


@dataclass(frozen=True)
class Params:
    target_year: int | None = None
    year: int | None = None
    level: str = "section"
