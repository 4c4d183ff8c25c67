"""The pair's own trade: the tracker against the target, and each side's figures."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from bureau.catalog.models import Agreement, Item, Kind, Status
from bureau.trade import charts, selectors, store
from bureau.trade.charts import money
from bureau.trade.reports.base import DASH, Params, Report


@dataclass(frozen=True)
class TargetSource:
    """The published agreement item that records the target: where the target comes from."""

    title: str
    item_url: str
    source: str
    source_url: str


def target_source() -> TargetSource | None:
    """The latest published target agreement of the pair for the target's amount, if any."""
    pair = set(settings.BUREAU_COUNTRY_PAIR[:2])
    found = (
        Item.objects.filter(
            kind=Kind.AGREEMENT,
            status=Status.PUBLISHED,
            agreement__agreement_type=Agreement.Type.TARGET,
            value_usd=Decimal(str(settings.BUREAU_TRADE_TARGET_USD)),
        )
        .order_by("-published_at", "-pk")
        .only("pk", "title", "countries", "source_title", "source_url")
    )
    item = next((i for i in found if pair <= set(i.countries)), None)
    if item is None:
        return None
    return TargetSource(
        item.title, reverse("catalog:item", args=[item.pk]), item.source_title, item.source_url
    )


def progress_report(params: Params, table: selectors.Bilateral | None = None) -> Report:
    tracker = selectors.tracker(params.target_year, table)
    target = target_source()
    result = tracker.progress
    rows = [
        [year.year, round(year.actual), round(year.gap), round(year.share_of_target, 6),
         round(year.trend) if year.trend else None, figure.source, figure.source_url,
         "sum of exports and imports" if figure.derived else "published turnover"]
        for year, (_year, _value, figure) in zip(result.years, tracker.headline, strict=True)
    ]  # fmt: skip
    a, b = tracker.pair.names
    return Report(
        "progress",
        _("%(pair)s trade against the target") % {"pair": f"{a}{DASH}{b}"},
        [
            "year",
            "turnover_usd",
            "gap_to_target_usd",
            "share_of_target",
            "trend_usd",
            "source",
            "source_url",
            "basis",
        ],
        rows,
        chart=lambda layout: _progress_chart(tracker, layout),
        extra={"tracker": tracker, "target": target},
        sources=[figure.source for _year, _value, figure in tracker.headline]
        + ([_("target: %(source)s") % {"source": target.source}] if target else []),
    )


def _progress_chart(tracker: selectors.Tracker, layout: charts.Layout) -> str:
    result = tracker.progress
    a, b = tracker.pair.names
    actual = charts.Line(_("Recorded turnover"), [(y.year, y.actual) for y in result.years])
    lines = [actual]
    if result.trend and result.years:
        first = result.years[0].year
        last = max(result.target_year, result.latest_year or first)
        lines.append(
            charts.Line(
                _("Trend (%(growth)s a year)") % {"growth": f"{result.trend.annual_growth:+.0%}"},
                [(year, result.trend.value_in(year)) for year in (first, last)],
                dashed=True,
                markers=False,
                joins_gaps=True,
            )
        )
    path = result.required_path()
    if path:
        lines.append(
            charts.Line(
                _("Path to the target (%(growth)s a year)")
                % {"growth": f"{result.required_growth:+.0%}"},
                path,
                dashed=True,
                markers=False,
                joins_gaps=True,
            )
        )
    description = _(
        "Recorded %(pair)s trade turnover by year on a logarithmic scale, its trend and the "
        "growth path that reaches %(target)s in %(year)s."
    ) % {"pair": f"{a}{DASH}{b}", "target": money(result.target), "year": result.target_year}
    return charts.line_chart(
        _("%(pair)s trade turnover against the target") % {"pair": f"{a}{DASH}{b}"},
        description,
        lines,
        target=(_("Target %(year)s") % {"year": result.target_year}, result.target),
        layout=layout,
    )


# --- Bilateral trade, as each side reports it --------------------------------------------


def bilateral_report(params: Params, table: selectors.Bilateral | None = None) -> Report:
    table = table or selectors.bilateral()
    columns = selectors.mirror_columns(table.pair)
    used = [(key, label) for key, label in columns if any(key in r.cells for r in table.years)]
    labels = dict(columns)
    rows = [_figure_row(labels[key], figure) for key, figure in table.figures()]
    rows.sort(key=lambda r: (r[0], r[1]))
    return Report(
        "bilateral",
        _("Bilateral trade by year, direction and reporter"),
        [
            "year",
            "series",
            "period",
            "period_kind",
            "value_usd",
            "reported_by",
            "source",
            "source_url",
            "basis",
        ],
        rows,
        chart=lambda layout: _bilateral_chart(table, used, layout),
        extra={
            "table": table,
            "columns": used,
            "labels": labels,
            "short": selectors.mirror_short_labels(table.pair),
        },
        sources=[figure.source for _key, figure in table.figures()],
    )


def _figure_row(label: str, figure: selectors.Figure) -> list[Any]:
    return [figure.year, label, figure.period, figure.period_kind, round(figure.value),
            figure.reported_by or "reconciled", figure.source, figure.source_url,
            "sum of exports and imports" if figure.derived else "published"]  # fmt: skip


def _bilateral_chart(
    table: selectors.Bilateral, used: list[tuple[str, str]], layout: charts.Layout
) -> str:
    years = [row.year for row in table.years]
    drawn = [(key, label) for key, label in used if key in MIRROR_ORDER]
    series = [
        (label, [_first_value(row.cells.get(key)) for row in table.years]) for key, label in drawn
    ]
    a, b = table.pair.names
    return charts.grouped_bars(
        _("%(pair)s trade by year, as each side reports it") % {"pair": f"{a}{DASH}{b}"},
        _(
            "Exports and imports between the two countries by year; each bar is one side's "
            "statistics, so the two bars of a direction mirror each other."
        ),
        [str(y) for y in years],
        series,
        colors=[charts.MIRROR[MIRROR_ORDER.index(key)] for key, _label in drawn],
        layout=layout,
    )


MIRROR_ORDER = ("ab_by_a", "ab_by_b", "ba_by_b", "ba_by_a", "ab_reconciled", "ba_reconciled")


def _first_value(figures: list[selectors.Figure] | None) -> float | None:
    return figures[0].value if figures else None


def datasets_report(params: Params) -> Report:
    rows = [
        [d.id, d.format, d.file_name, d.rows, d.years, ", ".join(d.reporters), d.source,
         d.source_url, d.imported_at, d.imported_by]
        for d in store.datasets()
    ]  # fmt: skip
    return Report(
        "datasets",
        _("Trade statistics on this node"),
        [
            "id",
            "format",
            "file",
            "rows",
            "years",
            "reporters",
            "source",
            "source_url",
            "imported_at",
            "imported_by",
        ],
        rows,
    )
