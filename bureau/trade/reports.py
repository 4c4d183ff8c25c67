"""The trade monitor's tables and charts, built once for the page, the CSV and the SVG.

Each report has a name (used in /trade/tables/<name>.csv and /trade/charts/<name>.svg), a
header, rows of plain values (numbers stay numbers for the CSV) and, where it has one, a
chart drawn from the same rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count
from django.urls import reverse
from django.utils.http import urlencode

from bureau.catalog.models import Agreement, Item, ItemFacet, Kind, Status
from bureau.core.errors import NotFound
from bureau.reference import hs
from bureau.trade import charts, codes, selectors, store
from bureau.trade.charts import money

DASH = "\N{EN DASH}"
HALF_WIDTH = 560  # charts shown two abreast


@dataclass
class Report:
    name: str
    title: str
    columns: list[str]
    rows: list[list[Any]]
    chart: Callable[[], str] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Params:
    target_year: int | None = None
    year: int | None = None
    level: str = "section"


# --- Target tracker -------------------------------------------------------------------


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
    result = tracker.progress
    rows = [
        [year.year, round(year.actual), round(year.gap), round(year.share_of_target, 6),
         round(year.trend) if year.trend else None, figure.source, figure.source_url,
         "sum of exports and imports" if figure.derived else "published turnover"]
        for year, (_, _, figure) in zip(result.years, tracker.headline, strict=True)
    ]  # fmt: skip
    a, b = tracker.pair.names
    return Report(
        "progress",
        f"{a}{DASH}{b} trade against the target",
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
        chart=lambda: _progress_chart(tracker),
        extra={"tracker": tracker, "target": target_source()},
    )


def _progress_chart(tracker: selectors.Tracker) -> str:
    result = tracker.progress
    a, b = tracker.pair.names
    actual = charts.Line("Recorded turnover", [(y.year, y.actual) for y in result.years])
    lines = [actual]
    if result.trend and result.years:
        first = result.years[0].year
        last = max(result.target_year, result.latest_year or first)
        lines.append(
            charts.Line(
                f"Trend ({result.trend.annual_growth:+.0%} a year)",
                [(year, result.trend.value_in(year)) for year in (first, last)],
                dashed=True,
                markers=False,
            )
        )
    path = result.required_path()
    if path:
        lines.append(
            charts.Line(
                f"Path to the target ({result.required_growth:+.0%} a year)",
                path,
                dashed=True,
                markers=False,
            )
        )
    description = (
        f"Recorded {a}{DASH}{b} trade turnover by year on a logarithmic scale, its trend and the "
        f"growth path that reaches {money(result.target)} in {result.target_year}."
    )
    return charts.line_chart(
        f"{a}{DASH}{b} trade turnover against the target",
        description,
        lines,
        target=(f"Target {result.target_year}", result.target),
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
        "Bilateral trade by year, direction and reporter",
        [
            "year",
            "series",
            "period",
            "period_kind",
            "value_usd",
            "reported_by",
            "source",
            "source_url",
        ],
        rows,
        chart=lambda: _bilateral_chart(table, used),
        extra={"table": table, "columns": used, "labels": labels},
    )


def _figure_row(label: str, figure: selectors.Figure) -> list[Any]:
    return [figure.year, label, figure.period, figure.period_kind, round(figure.value),
            figure.reported_by or "reconciled", figure.source, figure.source_url]  # fmt: skip


def _bilateral_chart(table: selectors.Bilateral, used: list[tuple[str, str]]) -> str:
    years = [row.year for row in table.years]
    drawn = [(key, label) for key, label in used if key in MIRROR_ORDER]
    series = [
        (label, [_first_value(row.cells.get(key)) for row in table.years]) for key, label in drawn
    ]
    a, b = table.pair.names
    return charts.grouped_bars(
        f"{a}{DASH}{b} trade by year, as each side reports it",
        "Exports and imports between the two countries by year; each bar is one side's "
        "statistics, so the two bars of a direction mirror each other.",
        [str(y) for y in years],
        series,
        colors=[charts.MIRROR[MIRROR_ORDER.index(key)] for key, _ in drawn],
    )


MIRROR_ORDER = ("ab_by_a", "ab_by_b", "ba_by_b", "ba_by_a", "ab_reconciled", "ba_reconciled")


def _first_value(figures: list[selectors.Figure] | None) -> float | None:
    return figures[0].value if figures else None


# --- Composition ------------------------------------------------------------------------


def composition_report(direction: str, params: Params) -> Report:
    exporter, importer = selectors.country_pair().directed(direction)
    shares, dataset, year = selectors.composition(
        exporter, importer, level=params.level, year=params.year
    )
    name_from, name_to = codes.display_name(exporter), codes.display_name(importer)
    level = "chapter" if params.level == "chapter" else "section"
    rows = [[year, s.code, s.label, round(s.value)] for s in shares]
    title = f"What {name_from} sells to {name_to}, by HS {level}"
    return Report(
        f"composition-{direction}",
        title,
        ["year", f"hs_{level}", "description", "value_usd"],
        rows,
        chart=lambda: charts.bar_chart(
            title,
            f"Trade from {name_from} to {name_to} in {year} by HS {level}, largest first.",
            [(f"{s.code} {s.label}", s.value) for s in shares[:15]],
            width=HALF_WIDTH,
        ),
        extra={"dataset": dataset, "year": year},
    )


def groups_report(side: str, params: Params) -> Report:
    pair = selectors.country_pair()
    country = pair.a if side == "a" else pair.b
    shares, year = selectors.product_groups(country)
    name = codes.display_name(country)
    title = f"What {name} sells to the world, by product group"
    return Report(
        f"groups-{side}",
        title,
        ["year", "product_group", "value_usd"],
        [[year, s.label, round(s.value)] for s in shares],
        chart=lambda: charts.bar_chart(
            title,
            f"Exports of {name} to the world in {year} by WITS product group, largest first.",
            [(s.label, s.value) for s in shares],
            width=HALF_WIDTH,
        ),
        extra={"year": year},
    )


# --- Untapped potential -----------------------------------------------------------------


def potential_report(direction: str, params: Params, limit: int | None = 50) -> Report:
    exporter, importer = selectors.country_pair().directed(direction)
    ranking = selectors.potential(exporter, importer, year=params.year, limit=limit)
    leads = live_lead_counts([row.product for row in ranking.rows])
    rows = [
        [ranking.year, r.product, r.description, round(r.supply), round(r.demand),
         None if r.market_share is None else round(r.market_share, 6), round(r.potential),
         round(r.actual), round(r.untapped), leads.get(r.product, 0)]
        for r in ranking.rows
    ]  # fmt: skip
    name_from, name_to = codes.display_name(exporter), codes.display_name(importer)
    title = f"Untapped potential: {name_from} → {name_to}"
    return Report(
        f"potential-{direction}",
        title,
        [
            "year",
            "hs_code",
            "description",
            "exports_to_world_usd",
            "partner_imports_from_world_usd",
            "world_market_share",
            "potential_usd",
            "actual_usd",
            "untapped_usd",
            "live_leads",
        ],
        rows,
        chart=lambda: charts.bar_chart(
            title,
            f"Products {name_from} could sell to {name_to} beyond what it already sells, "
            f"largest untapped potential first ({ranking.method} method).",
            [(f"{r.product} {r.description}", r.untapped) for r in ranking.rows[:15]],
            color=charts.PALETTE[1],
        ),
        extra={
            "ranking": ranking,
            "leads": leads,
            "links": {
                r.product: product_links(r.product, name_from, name_to) for r in ranking.rows
            },
        },
    )


def live_lead_counts(products: list[str]) -> dict[str, int]:
    """Published trade leads per HS code (a lead on a subheading counts for its heading too)."""
    if not products:
        return {}
    keys = {f"hs:{_searchable(p)}": p for p in products}
    found = (
        ItemFacet.objects.filter(key__in=keys, item__status=Status.PUBLISHED, item__kind=Kind.LEAD)
        .values("key")
        .annotate(n=Count("item", distinct=True))
    )
    return {keys[row["key"]]: row["n"] for row in found}


def _searchable(code: str) -> str:
    """The code itself if HS 2022 has it, else its heading or chapter (older HS revisions)."""
    for part in reversed(hs.ancestors(code)):
        if hs.exists(part):
            return part
    return code[:2]


def product_links(code: str, seller: str, buyer: str) -> dict[str, str]:
    prefix = _searchable(code)
    description = hs.lookup(prefix)
    label = description.description if description else prefix
    return {
        "leads": reverse("catalog:browse") + "?" + urlencode({"kind": Kind.LEAD, "hs": prefix}),
        "subscribe": reverse("alerts:new")
        + "?"
        + urlencode(
            {
                "name": f"Leads for HS {prefix} {label}"[:200],
                "kinds": Kind.LEAD,
                "hs_prefixes": prefix,
            }
        ),
    }


# --- Sources -----------------------------------------------------------------------------


def datasets_report(params: Params) -> Report:
    rows = [
        [d.id, d.format, d.file_name, d.rows, d.years, ", ".join(d.reporters), d.source,
         d.source_url, d.imported_at, d.imported_by]
        for d in store.datasets()
    ]  # fmt: skip
    return Report(
        "datasets",
        "Trade statistics on this node",
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


BUILDERS: dict[str, Callable[[Params], Report]] = {
    "progress": progress_report,
    "bilateral": bilateral_report,
    "composition-ab": lambda p: composition_report("ab", p),
    "composition-ba": lambda p: composition_report("ba", p),
    "groups-a": lambda p: groups_report("a", p),
    "groups-b": lambda p: groups_report("b", p),
    "potential-ab": lambda p: potential_report("ab", p, limit=None),
    "potential-ba": lambda p: potential_report("ba", p, limit=None),
    "datasets": datasets_report,
}


def build(name: str, params: Params) -> Report:
    builder = BUILDERS.get(name)
    if builder is None:
        raise NotFound(f"no trade report named {name!r}")
    return builder(params)
