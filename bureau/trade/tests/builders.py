"""Small statistics files written by the tests, in the real public layouts."""

from __future__ import annotations

import csv
from pathlib import Path

# BACI country codes of the economies the tests use.
BACI = {
    "AZE": 31,
    "PAK": 586,
    "USA": 842,
    "IND": 699,
    "CHN": 156,
    "TUR": 792,
    "ITA": 381,
    "QAT": 634,
}


def write_baci(
    path: Path, flows: list[tuple[int, str, str, str, float]], codes: dict[str, int] | None = None
) -> Path:
    """(year, exporter, importer, hs6, value in thousand USD) -> a BACI CSV (t,i,j,k,v,q)."""
    numbers = {**BACI, **(codes or {})}
    with open(path, "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["t", "i", "j", "k", "v", "q"])
        for year, exporter, importer, product, value in flows:
            code = int(product)  # BACI writes codes as numbers: 100630, but 10121 for 010121
            writer.writerow(
                [year, numbers[exporter], numbers[importer], code, f"{value:.3f}", "NA"]
            )
    return path


def write_figures(path: Path, rows: list[tuple[str, str, str, str, str]]) -> Path:
    """(period, reporter, partner, flow, US$ million) -> the bureau's figures layout."""
    with open(path, "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(
            ["period", "reporter", "partner", "flow", "value", "unit", "source", "source_url"]
        )
        for period, reporter, partner, flow, value in rows:
            writer.writerow([period, reporter, partner, flow, value, "USD million",
                             f"Test source {period}", f"https://example.org/{period}"])  # fmt: skip
    return path


# A small world: Pakistan sells rice and cotton, Azerbaijan sells gas; each buys elsewhere.
SMALL_WORLD = [
    (2022, "PAK", "USA", "100630", 300.0),
    (2022, "PAK", "AZE", "100630", 10.0),
    (2022, "IND", "AZE", "100630", 40.0),
    (2022, "PAK", "CHN", "520100", 100.0),
    (2022, "TUR", "AZE", "520100", 20.0),
    (2022, "AZE", "ITA", "271111", 500.0),
    (2022, "QAT", "PAK", "271111", 200.0),
    (2022, "AZE", "PAK", "010121", 2.0),
    (2021, "PAK", "AZE", "100630", 8.0),
]


def other_countries(count: int) -> dict[str, int]:
    """``count`` economies the small world does not use, by alpha-3, with their M49 codes."""
    import pycountry

    taken = set(BACI) | {"TWN", "FRA", "NOR", "CHE"}  # and those BACI codes differently
    spare = [c for c in pycountry.countries if c.alpha_3 not in taken]
    return {c.alpha_3: int(c.numeric) for c in spare[:count]}
