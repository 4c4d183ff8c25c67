"""The pair's own trade: the mirror table (each side's report, side by side) and the tracker.

Datasets overlap (the same year from customs, from a mirror report and from BACI), so no
figure is summed across datasets: each table keeps one row per source, and the tracker picks
one headline figure per year by a stated order (``headline_series``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from django.conf import settings

from bureau.trade import codes, progress, store


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
        ("turnover_reconciled", "Turnover, reconciled"),
    ]


def mirror_short_labels(pair: Pair) -> dict[str, str]:
    """The same columns named in a few words (a phone shows a name beside each value)."""
    a, b = (codes.alpha2_of(code) for code in (pair.a, pair.b))
    return {
        "ab_by_a": f"{a} exports to {b}",
        "ab_by_b": f"{b} imports from {a}",
        "ba_by_b": f"{b} exports to {a}",
        "ba_by_a": f"{a} imports from {b}",
        "ab_reconciled": f"{a} → {b}, reconciled",
        "ba_reconciled": f"{b} → {a}, reconciled",
        "turnover_by_a": f"Turnover, {a} figures",
        "turnover_by_b": f"Turnover, {b} figures",
        "turnover_reconciled": "Turnover, reconciled",
    }


# Where the tracker finds a year's turnover, in order of preference.
TURNOVER_COLUMNS = ("turnover_by_a", "turnover_by_b", "turnover_reconciled")


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
    parts += [f"(dataset = '{d.id}' AND length(product) = {d.product_level})" for d in detailed]
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
            GROUP BY ALL ORDER BY year, period""",
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
    for row in rows.values():
        _derive_turnovers(row)
    return Bilateral(pair, [rows[y] for y in sorted(rows)], other)


def _derive_turnovers(row: YearRow) -> None:
    """Where a report publishes no turnover, its exports plus imports stand for one (marked
    ``derived``), so that the table shows the very figure the tracker uses."""
    for side in ("a", "b"):
        if not row.cells.get(f"turnover_by_{side}"):
            summed = _summed(row, f"ab_by_{side}", f"ba_by_{side}")
            if summed:
                row.cells[f"turnover_by_{side}"] = summed
    reconciled = _reconciled(row)
    if reconciled:
        row.cells["turnover_reconciled"] = reconciled


def headline_series(table: Bilateral) -> list[tuple[int, float, Figure]]:
    """One turnover figure per year from the table's turnover columns: published by the first
    country of the pair, else by the second, else reconciled; a published turnover before one
    summed from the two directions of a report; among equals the dataset imported last."""
    order = {d.id: n for n, d in enumerate(store.datasets())}
    series = []
    for row in table.years:
        candidates = [
            ((rank, figure.derived, -order.get(figure.dataset, 0)), figure)
            for rank, column in enumerate(TURNOVER_COLUMNS)
            for figure in row.cells.get(column, [])
        ]
        if candidates:
            figure = min(candidates, key=lambda c: c[0])[1]
            series.append((row.year, figure.value, figure))
    return series


def _summed(row: YearRow, there: str, back: str) -> list[Figure]:
    """Exports plus imports of the same report, as one turnover figure (both must be there)."""
    backs = {f.dataset: f for f in row.cells.get(back, [])}
    return [_total(f, backs[f.dataset]) for f in row.cells.get(there, []) if f.dataset in backs]


def _reconciled(row: YearRow) -> list[Figure]:
    """Reconciled data cover every flow: a direction they lack is no trade at all."""
    there = {f.dataset: f for f in row.cells.get("ab_reconciled", [])}
    back = {f.dataset: f for f in row.cells.get("ba_reconciled", [])}
    return [
        _total(there.get(dataset), back.get(dataset))
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
