"""Trade by HS product: what the two sell each other and the world, and the potential
ranking. One product-level dataset at a time (datasets overlap; none is summed with another).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bureau.reference import hs
from bureau.trade import codes, store

AGGREGATES_SQL = ", ".join(f"'{code}'" for code in codes.AGGREGATES)


def product_dataset(year: int | None = None) -> tuple[store.Dataset, int] | None:
    """The dataset imported last that has HS codes and partner countries (for ``year`` if
    given), and its year."""
    for dataset in reversed(store.datasets()):
        if dataset.product_level < 2 or dataset.last_year is None or dataset.world_only:
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
            GROUP BY chapter""",
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


def product_groups(exporter: str) -> tuple[list[Share], int | None, str]:
    """Exports to the world by WITS product group (the country trade summaries), last year;
    and their source."""
    found = store.query(
        """WITH g AS (SELECT year, product, value_usd, source FROM flows
                WHERE exporter = $e AND importer = 'WLD' AND product LIKE 'WITS:%'
                  AND product NOT IN ('WITS:Raw materials', 'WITS:Intermediate goods',
                                      'WITS:Consumer goods', 'WITS:Capital goods'))
           SELECT product, sum(value_usd), year, any_value(source) FROM g
           WHERE year = (SELECT max(year) FROM g) GROUP BY product, year""",
        {"e": exporter},
    )
    shares = [Share(p, p.removeprefix("WITS:"), v) for p, v, _, _ in found]
    year, source = (found[0][2], found[0][3]) if found else (None, "")
    return sorted(shares, key=lambda s: -s.value), year, source


@dataclass(frozen=True)
class WorldExports:
    """One country's exports to the world by HS chapter and year, from one dataset."""

    exporter: str
    dataset: store.Dataset
    values: dict[str, dict[int, float]]  # chapter -> year -> US$

    @property
    def years(self) -> list[int]:
        return sorted({year for by_year in self.values.values() for year in by_year})

    def total(self, year: int) -> float:
        return sum(by_year.get(year, 0.0) for by_year in self.values.values())

    def ranked(self) -> list[str]:
        """Chapters, largest in the last year first."""
        last = self.years[-1]
        return sorted(self.values, key=lambda c: (-self.values[c].get(last, 0.0), c))


def world_exports(exporter: str) -> WorldExports | None:
    """Exports to the world (partner WLD) by chapter, from the last dataset that has them."""
    for dataset in reversed(store.datasets()):
        if dataset.product_level < 2:
            continue
        found = store.query(
            """SELECT left(product, 2), year, sum(value_usd) FROM flows
               WHERE dataset = $d AND exporter = $e AND importer = 'WLD'
                 AND length(product) = $level AND regexp_full_match(product, '[0-9]+')
               GROUP BY ALL""",
            {"d": dataset.id, "e": exporter, "level": dataset.product_level},
        )
        if found:
            values: dict[str, dict[int, float]] = {}
            for chapter, year, value in found:
                values.setdefault(chapter, {})[int(year)] = value
            return WorldExports(exporter, dataset, values)
    return None


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
            WHERE s.x > 0 AND m.m > 0""",
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
