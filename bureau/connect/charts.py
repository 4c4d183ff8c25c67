"""The "business facilitated through the bureau" chart, drawn with the trade monitor's helpers."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from bureau.connect.selectors import Deal
from bureau.trade import charts

SOURCE = "Outcomes of introductions through the bureau, confirmed by chamber staff"


def facilitated_chart(deals: list[Deal], layout: charts.Layout | None = None) -> str:
    """Confirmed deals in US$ per year, one bar per direction (exporting → importing country)."""
    years = sorted({d.year for d in deals})
    directions = sorted({(d.exporter, d.importer) for d in deals})
    series = []
    for exporter, importer in directions:
        values: list[float | None] = []
        for year in years:
            total = sum(
                (
                    d.value_usd
                    for d in deals
                    if d.year == year and (d.exporter, d.importer) == (exporter, importer)
                ),
                start=Decimal(0),
            )
            values.append(float(total) or None)
        series.append((f"{exporter} → {importer}", values))
    return charts.grouped_bars(
        _("Business facilitated through the bureau"),
        _("Confirmed deals in US dollars per year and direction"),
        [str(y) for y in years],
        series,
        layout=layout,
    )
