"""Trade by HS product: what the two sell each other and the world, and the untapped
potential with the live leads for each product."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from bureau.catalog.models import ItemFacet, Kind, Status
from bureau.reference import hs
from bureau.trade import charts, codes, selectors
from bureau.trade.importing.formats import BACI_URL
from bureau.trade.reports.base import DASH, HALF_WIDTH, Params, Report


def composition_report(direction: str, params: Params) -> Report:
    exporter, importer = selectors.country_pair().directed(direction)
    shares, dataset, year = selectors.composition(
        exporter, importer, level=params.level, year=params.year
    )
    name_from, name_to = codes.display_name(exporter), codes.display_name(importer)
    level = "chapter" if params.level == "chapter" else "section"
    rows = [[year, s.code, s.label, round(s.value)] for s in shares]
    names = {"from": name_from, "to": name_to, "year": year}
    title = (
        _("What %(from)s sells to %(to)s, by HS chapter") % names
        if level == "chapter"
        else _("What %(from)s sells to %(to)s, by HS section") % names
    )
    description = (
        _("Trade from %(from)s to %(to)s in %(year)s by HS chapter, largest first.") % names
        if level == "chapter"
        else _("Trade from %(from)s to %(to)s in %(year)s by HS section, largest first.") % names
    )
    return Report(
        f"composition-{direction}",
        title,
        ["year", f"hs_{level}", "description", "value_usd"],
        rows,
        chart=lambda layout: charts.bar_chart(
            title,
            description,
            [(f"{s.code} {s.label}", s.value) for s in shares[:15]],
            layout=layout,
        ),
        extra={"dataset": dataset, "year": year},
        sources=[dataset.source] if dataset else [],
        chart_width=HALF_WIDTH,
    )


def groups_report(side: str, params: Params) -> Report:
    pair = selectors.country_pair()
    country = pair.a if side == "a" else pair.b
    shares, year, source = selectors.product_groups(country)
    name = codes.display_name(country)
    title = _("What %(name)s sells to the world, by product group, %(year)s") % {
        "name": name,
        "year": year,
    }
    return Report(
        f"groups-{side}",
        title,
        ["year", "product_group", "value_usd"],
        [[year, s.label, round(s.value)] for s in shares],
        chart=lambda layout: charts.bar_chart(
            title,
            _("Exports of %(name)s to the world in %(year)s by WITS product group, largest first.")
            % {"name": name, "year": year},
            [(s.label, s.value) for s in shares],
            layout=layout,
        ),
        extra={"year": year},
        sources=[source],
        chart_width=HALF_WIDTH,
    )


def world_exports_report(side: str, params: Params) -> Report:
    """One country's exports to the world by HS chapter over the years it has them."""
    pair = selectors.country_pair()
    country = pair.a if side == "a" else pair.b
    name = codes.display_name(country)
    found = selectors.world_exports(country)
    columns = ["year", "hs_chapter", "description", "value_usd"]
    if found is None:
        title = _("What %(name)s sells to the world") % {"name": name}
        return Report(f"exports-{side}", title, columns, [])
    years = found.years
    title = _("What %(name)s sells to the world, by HS chapter, %(years)s") % {
        "name": name,
        "years": f"{years[0]}{DASH}{years[-1]}",
    }
    ranked = found.ranked()
    rows = [
        [year, chapter, _chapter_name(chapter), round(value)]
        for chapter in ranked
        for year, value in sorted(found.values[chapter].items())
    ]
    first, last = years[0], years[-1]
    top = [
        (chapter, _chapter_name(chapter), found.values[chapter].get(first),
         found.values[chapter].get(last, 0.0), found.values[chapter].get(last, 0.0) / (found.total(last) or 1))
        for chapter in ranked[:TOP_CHAPTERS]
    ]  # fmt: skip
    return Report(
        f"exports-{side}",
        title,
        columns,
        rows,
        chart=lambda layout: _exports_chart(found, title, name, layout),
        extra={"exports": found, "top": top, "first": first, "last": last},
        sources=[found.dataset.source],
    )


TOP_CHAPTERS = 10  # in the table; the chart draws the five largest and the rest together


def _exports_chart(
    found: selectors.WorldExports, title: str, name: str, layout: charts.Layout
) -> str:
    ranked = found.ranked()
    lines = [
        charts.Line(f"{c} {_chapter_name(c)}", sorted(found.values[c].items())) for c in ranked[:5]
    ]
    rest = {year: sum(found.values[c].get(year, 0.0) for c in ranked[5:]) for year in found.years}
    if any(rest.values()):
        lines.append(charts.Line(_("All other chapters"), sorted(rest.items()), dashed=True))
    return charts.line_chart(
        title,
        _(
            "Exports of %(name)s to the world by year for its five largest HS chapters and the "
            "rest together, on a logarithmic scale."
        )
        % {"name": name},
        lines,
        layout=layout,
    )


def _chapter_name(chapter: str) -> str:
    found = hs.lookup(chapter)
    return found.description if found else ""


# --- Untapped potential -------


@dataclass(frozen=True)
class BaciFile:
    """The file that fills the potential ranking: a yearly file of CEPII's BACI, which holds
    every country's trade with every other by HS product (``--format baci``)."""

    page: str = BACI_URL
    release: str = "BACI_HS22_V202601.zip"
    example: str = "BACI_HS22_Y2024_V202601.csv"

    @property
    def command(self) -> str:
        return f"bureau trade import {self.example} --format baci"


BACI_FILE = BaciFile()


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
    title = _("Untapped potential: %(from)s → %(to)s") % {"from": name_from, "to": name_to}
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
        chart=lambda layout: charts.bar_chart(
            title,
            _(
                "Products %(from)s could sell to %(to)s beyond what it already sells, "
                "largest untapped potential first (%(method)s method)."
            )
            % {"from": name_from, "to": name_to, "method": ranking.method},
            [(f"{r.product} {r.description}", r.untapped) for r in ranking.rows[:15]],
            color=charts.PALETTE[1],
            layout=layout,
        ),
        sources=[ranking.dataset.source] if ranking.dataset else [],
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
