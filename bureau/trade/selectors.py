"""What the trade pages and the API ask of the statistics: all reads, through DuckDB.

Datasets overlap (the same year from customs, from a mirror report and from BACI), so no
figure is summed across datasets: each table keeps one row per source, and the tracker picks
one headline figure per year by a stated order (``headline_series``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from django.conf import settings

from bureau.reference import hs
from bureau.trade import codes, progress, store

AGGREGATES_SQL = ", ".join(store.sql_literal(code) for code in codes.AGGREGATES)


@dataclass(frozen=True)
class Pair:
    a: str  # ISO alpha-3
    b: str

    @property
    def names(self) -> tuple[str, str]:
        return codes.display_name(self.a), codes.display_name(self.b)

    def directed(self, direction: str) -> tuple[str, str]:
        """(exporter, importer): "ab" is the first country selling to the second, "ba" back."""
        return (self.a, self.b) if direction == "ab" else (self.b, self.a)


def country_pair() -> Pair:
    first, second = settings.BUREAU_COUNTRY_PAIR[:2]
    return Pair(codes.alpha3_of(first), codes.alpha3_of(second))


@dataclass(frozen=True)
class Figure:
    year: int  # as the importer read it from the period (FY2023-24 is 2024)
    value: float
    source: str
    source_url: str
    dataset: str
    period: str
    period_kind: str
    reported_by: str  # alpha-3, or '' for reconciled data
    derived: bool = False  # a turnover computed as exports + imports of one report


# The columns of the bilateral table: direction and whose statistics.
def mirror_columns(pair: Pair) -> list[tuple[str, str]]:
    a, b = pair.names
    return [
        ("ab_by_a", f"{a} → {b}, as {a} reports its exports"),
        ("ab_by_b", f"{a} → {b}, as {b} reports its imports"),
        ("ba_by_b", f"{b} → {a}, as {b} reports its exports"),
        ("ba_by_a", f"{b} → {a}, as {a} reports its imports"),
        ("ab_reconciled", f"{a} → {b}, reconciled (BACI, WITS harmonized)"),
        ("ba_reconciled", f"{b} → {a}, reconciled"),
        ("turnover_by_a", f"Turnover as {a} reports it"),
        ("turnover_by_b", f"Turnover as {b} reports it"),
    ]


@dataclass
class YearRow:
    year: int
    cells: dict[str, list[Figure]] = field(default_factory=dict)


@dataclass
class Bilateral:
    pair: Pair
    years: list[YearRow]
    other: list[tuple[str, Figure]]  # (column, figure) for months, part-years and statements

    def figures(self) -> list[tuple[str, Figure]]:
        """Every figure with its column: the calendar years', then the others."""
        annual = [(key, f) for row in self.years for key, fs in row.cells.items() for f in fs]
        return annual + self.other


def _totals_condition() -> str:
    """Rows that count all products: '' rows, or a dataset's finest codes if it has no totals."""
    detailed = [d for d in store.datasets() if not d.has_totals and d.product_level]
    parts = ["product = ''"]
    parts += [
        f"(dataset = {store.sql_literal(d.id)} AND length(product) = {int(d.product_level)})"
        for d in detailed
    ]
    return "(" + " OR ".join(parts) + ")"


def _column(pair: Pair, flow: str, exporter: str, reported_by: str) -> str:
    if flow == "turnover":
        return "turnover_by_a" if reported_by == pair.a else "turnover_by_b"
    direction = "ab" if exporter == pair.a else "ba"
    if reported_by == "":
        return f"{direction}_reconciled"
    return f"{direction}_by_{'a' if reported_by == pair.a else 'b'}"


def bilateral(pair: Pair | None = None) -> Bilateral:
    pair = pair or country_pair()
    found = store.query(
        # Two plain scans, not one with OR: DuckDB pushes each into the Parquet row groups.
        f"""SELECT year, flow, exporter, reported_by, period, period_kind,
                sum(value_usd), source, source_url, dataset
            FROM (SELECT * FROM flows WHERE exporter = $a AND importer = $b
                  UNION ALL
                  SELECT * FROM flows WHERE exporter = $b AND importer = $a)
            WHERE {_totals_condition()}
            GROUP BY ALL ORDER BY year, period""",  # noqa: S608 - values are parameters; the rest is constant
        {"a": pair.a, "b": pair.b},
    )
    rows: dict[int, YearRow] = {}
    other: list[tuple[str, Figure]] = []
    for year, flow, exporter, reported_by, period, kind, value, source, url, dataset in found:
        if reported_by not in ("", pair.a, pair.b):
            continue  # a third country's report on the pair: not a mirror of either side
        column = _column(pair, flow, exporter, reported_by)
        figure = Figure(year, value, source, url, dataset, period, kind, reported_by)
        if kind == "year":
            rows.setdefault(year, YearRow(year)).cells.setdefault(column, []).append(figure)
        else:
            other.append((column, figure))
    return Bilateral(pair, [rows[y] for y in sorted(rows)], other)


def headline_series(table: Bilateral) -> list[tuple[int, float, Figure]]:
    """One turnover figure per year: published by the first country of the pair, else by the
    second, else reconciled; a published turnover before one summed from the two directions
    of the same report; among equals the dataset imported last."""
    order = {d.id: n for n, d in enumerate(store.datasets())}
    series = []
    for row in table.years:
        candidates: list[Ranked] = []
        for rank, side in enumerate(("a", "b")):
            for figure in row.cells.get(f"turnover_by_{side}", []):
                candidates.append(((rank, 0, -order.get(figure.dataset, 0)), figure))
            candidates += _summed(row, f"ab_by_{side}", f"ba_by_{side}", rank, order)
        candidates += _reconciled(row, order)
        if candidates:
            figure = min(candidates, key=lambda c: c[0])[1]
            series.append((row.year, figure.value, figure))
    return series


Ranked = tuple[tuple[int, int, int], Figure]


def _summed(row: YearRow, there: str, back: str, rank: int, order: dict[str, int]) -> list[Ranked]:
    """Exports plus imports of the same report, as one turnover figure (both must be there)."""
    backs = {f.dataset: f for f in row.cells.get(back, [])}
    return [
        ((rank, 1, -order.get(f.dataset, 0)), _total(f, backs[f.dataset]))
        for f in row.cells.get(there, [])
        if f.dataset in backs
    ]


def _reconciled(row: YearRow, order: dict[str, int]) -> list[Ranked]:
    """Reconciled data cover every flow: a direction they lack is no trade at all."""
    there = {f.dataset: f for f in row.cells.get("ab_reconciled", [])}
    back = {f.dataset: f for f in row.cells.get("ba_reconciled", [])}
    return [
        ((2, 1, -order.get(dataset, 0)), _total(there.get(dataset), back.get(dataset)))
        for dataset in sorted(there.keys() | back.keys())
    ]


def _total(one: Figure | None, other: Figure | None) -> Figure:
    first = one or other
    assert first is not None
    value = sum(f.value for f in (one, other) if f is not None)
    return replace(first, value=value, period_kind="year", derived=True)


@dataclass(frozen=True)
class Tracker:
    progress: progress.Progress
    headline: list[tuple[int, float, Figure]]
    pair: Pair


def tracker(target_year: int | None = None, table: Bilateral | None = None) -> Tracker:
    """Progress to the target, from ``table`` if the caller has read it already."""
    table = table or bilateral()
    pair = table.pair
    series = headline_series(table)
    result = progress.progress(
        [(year, value) for year, value, _ in series],
        settings.BUREAU_TRADE_TARGET_USD,
        target_year or settings.BUREAU_TRADE_TARGET_YEAR,
    )
    return Tracker(result, series, pair)


# --- Composition and potential: one product-level dataset at a time ---------------------


def product_dataset(year: int | None = None) -> tuple[store.Dataset, int] | None:
    """The dataset imported last that has HS codes (for ``year`` if given), and its year."""
    for dataset in reversed(store.datasets()):
        if dataset.product_level < 2 or dataset.last_year is None:
            continue
        if year is None:
            return dataset, dataset.last_year
        if dataset.first_year is not None and dataset.first_year <= year <= dataset.last_year:
            return dataset, year
    return None


@dataclass(frozen=True)
class Share:
    code: str  # section numeral, chapter or WITS group
    label: str
    value: float


def composition(
    exporter: str, importer: str, *, level: str = "section", year: int | None = None
) -> tuple[list[Share], store.Dataset | None, int | None]:
    """Trade from ``exporter`` to ``importer`` by HS section or chapter, largest first."""
    chosen = product_dataset(year)
    if chosen is None:
        return [], None, None
    dataset, year = chosen
    world, countries = _world_condition(exporter, importer)
    found = store.query(
        f"""SELECT left(product, 2) AS chapter, sum(value_usd)
            FROM flows WHERE dataset = $d AND year = $y AND length(product) = $level AND {world}
            GROUP BY chapter""",  # noqa: S608 - values are parameters; the rest is constant
        {"d": dataset.id, "y": year, "level": dataset.product_level, **countries},
    )
    by_chapter = {chapter: value for chapter, value in found if value}
    return _shares(by_chapter, level), dataset, year


def _world_condition(exporter: str, importer: str) -> tuple[str, dict[str, str]]:
    """Flows between two economies, or from one to the sum of all its partners."""
    if importer == codes.WORLD:
        return f"exporter = $e AND importer NOT IN ({AGGREGATES_SQL})", {"e": exporter}
    return "exporter = $e AND importer = $i", {"e": exporter, "i": importer}


def _shares(by_chapter: dict[str, float], level: str) -> list[Share]:
    if level == "chapter":
        shares = [
            Share(chapter, _description(chapter), value) for chapter, value in by_chapter.items()
        ]
    else:
        sections: dict[str, float] = {}
        for chapter, value in by_chapter.items():
            numeral = hs.section_of(chapter) or "—"
            sections[numeral] = sections.get(numeral, 0.0) + value
        names = hs.sections()
        shares = [Share(n, names.get(n, "Other"), v) for n, v in sections.items()]
    return sorted(shares, key=lambda s: -s.value)


def _description(code: str) -> str:
    found = hs.lookup(code)
    return found.description if found else ""


def product_groups(exporter: str) -> tuple[list[Share], int | None]:
    """Exports to the world by WITS product group (the country trade summaries), last year."""
    found = store.query(
        """WITH g AS (SELECT year, product, value_usd FROM flows
                WHERE exporter = $e AND importer = 'WLD' AND product LIKE 'WITS:%'
                  AND product NOT IN ('WITS:Raw materials', 'WITS:Intermediate goods',
                                      'WITS:Consumer goods', 'WITS:Capital goods'))
           SELECT product, sum(value_usd), year FROM g WHERE year = (SELECT max(year) FROM g)
           GROUP BY product, year""",
        {"e": exporter},
    )
    shares = [Share(p, p.removeprefix("WITS:"), v) for p, v, _ in found]
    return sorted(shares, key=lambda s: -s.value), (found[0][2] if found else None)


@dataclass(frozen=True)
class Potential:
    product: str
    description: str
    supply: float  # exporter's exports of the product to the world
    demand: float  # importer's imports of the product from the world
    market_share: float | None  # exporter's share of world exports (None without world data)
    potential: float
    actual: float
    untapped: float

    @property
    def realised(self) -> float:
        return self.actual / self.potential if self.potential else 0.0


@dataclass
class PotentialRanking:
    exporter: str
    importer: str
    dataset: store.Dataset | None
    year: int | None
    method: str  # "market share" or "indicative" (see docs/trade-potential.md)
    rows: list[Potential]
    total_untapped: float = 0.0


# Below this many exporters a dataset is not the world: shares of world exports are unknown.
WORLD_COVERAGE = 50


def potential(
    exporter: str, importer: str, *, year: int | None = None, limit: int | None = 50
) -> PotentialRanking:
    """Products ranked by export potential not yet realised (docs/trade-potential.md)."""
    chosen = product_dataset(year)
    if chosen is None:
        return PotentialRanking(exporter, importer, None, None, "", [])
    dataset, year = chosen
    # Each part filters on one country so that DuckDB reads only its row groups; world
    # exports and each importer's imports were summed at import (importing.run._store_totals).
    level = "dataset = $d AND year = $y AND length(product) = $level"
    found = store.query(
        f"""WITH supply AS (
                SELECT product, coalesce(sum(value_usd) FILTER (importer = 'WLD'),
                                         sum(value_usd) FILTER (importer NOT IN ({AGGREGATES_SQL}))) AS x
                FROM flows WHERE {level} AND exporter = $e GROUP BY product),
            demand AS (
                SELECT product, imports_usd AS m FROM import_totals
                WHERE dataset = $d AND year = $y AND importer = $i),
            actual AS (
                SELECT product, sum(value_usd) AS a FROM flows
                WHERE {level} AND exporter = $e AND importer = $i GROUP BY product),
            world AS (
                SELECT product, world_usd AS w, exporters FROM world_totals
                WHERE dataset = $d AND year = $y)
            SELECT s.product, s.x, m.m, w.w, coalesce(a.a, 0), coalesce(w.exporters, 0)
            FROM supply s JOIN demand m USING (product)
            LEFT JOIN world w USING (product) LEFT JOIN actual a USING (product)
            WHERE s.x > 0 AND m.m > 0""",  # noqa: S608 - values are parameters; the rest is constant
        {"d": dataset.id, "y": year, "level": dataset.product_level, "e": exporter, "i": importer},
    )
    exporters = max((row[5] for row in found), default=0)
    world_data = exporters >= WORLD_COVERAGE
    rows = [_potential_row(p, x, m, w, a, world_data) for p, x, m, w, a, _ in found]
    rows = [row for row in rows if row.untapped > 0]
    rows.sort(key=lambda r: (-r.untapped, r.product))
    total = sum(row.untapped for row in rows)
    return PotentialRanking(
        exporter,
        importer,
        dataset,
        year,
        "market share" if world_data else "indicative",
        rows[:limit] if limit else rows,
        total,
    )


def _potential_row(
    product: str, supply: float, demand: float, world: Any, actual: float, world_data: bool
) -> Potential:
    if world_data and world:
        share = supply / world
        value = min(share * demand, supply)
    else:
        share = None
        value = min(supply, demand)
    return Potential(
        product,
        _description(product),
        supply,
        demand,
        share,
        value,
        actual,
        max(value - actual, 0.0),
    )
