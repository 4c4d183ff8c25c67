"""The demo's trade statistics: published figures with their sources, nothing invented.

Calendar-year figures for Azerbaijan-Pakistan trade as the press reported them from
Azerbaijan's State Customs Committee (and, for 2023, a deputy minister), and the 2009 figures
that each side reported to UN Comtrade, as published by the World Bank's WITS. They are
imported through the bureau's own "figures" importer, so the demo exercises the same path as
a chamber's import. Importing them again changes nothing.

When ``BUREAU_DEMO_DATA`` names a folder of public data sets, the demo also imports what it
finds there: the WITS country trade summaries of the two countries (exports by product group)
and CEPII BACI exports of both to the world by HS chapter, 2011-2020 (``world-exports``).
Both nodes load the same statistics: they are public, and not exchanged between nodes.
"""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

from django.conf import settings

from bureau.core.errors import DomainError
from bureau.trade import selectors
from bureau.trade.importing import Options, TradeImport, import_file
from bureau.trade.importing.formats import BACI_URL, wits_url

FIGURES_FILE = "bureau-demo-trade-figures.csv"
WITS = "World Bank WITS (UN Comtrade), total merchandise trade"
CUSTOMS = "Azerbaijan State Customs Committee"
AZE_2009 = wits_url("AZE", "2009", "PAK")  # the page of each side's 2009 figures
PAK_2009 = wits_url("PAK", "2009", "AZE")
EXPORTS_FILE = "aze-pak-product-exports/baci_hs92_hs2_exports_aze_pak_2011_2020.csv"
EXPORTS_SOURCE = (
    "CEPII BACI (HS 1992), exports by HS chapter, from P. Chitchumnong's course data "
    "(GitHub piyayut-ch/2022-10_R)"
)

# period, reporter, partner, flow, value, unit, source, source URL
FIGURES: list[tuple[str, str, str, str, str, str, str, str]] = [
    ("2009", "AZE", "PAK", "export", "94.096", "USD thousand", WITS, AZE_2009),
    ("2009", "AZE", "PAK", "import", "5027.676", "USD thousand", WITS, AZE_2009),
    ("2009", "PAK", "AZE", "export", "5475.697", "USD thousand", WITS, PAK_2009),
    ("2009", "PAK", "AZE", "import", "27.522", "USD thousand", WITS, PAK_2009),
    ("2020", "AZE", "PAK", "turnover", "13.2", "USD million",
     f"AzerNews, 20 June 2021 ({CUSTOMS})", "https://www.azernews.az/nation/180369.html"),
    ("2020", "AZE", "PAK", "export", "1.6", "USD million",
     f"AzerNews, 20 June 2021 ({CUSTOMS})", "https://www.azernews.az/nation/180369.html"),
    ("2020", "AZE", "PAK", "import", "11.6", "USD million",
     f"AzerNews, 20 June 2021 ({CUSTOMS})", "https://www.azernews.az/nation/180369.html"),
    ("2021", "AZE", "PAK", "turnover", "11.7", "USD million",
     f"AzerNews, 30 September 2022 ({CUSTOMS})", "https://www.azernews.az/business/200090.html"),
    ("2022", "AZE", "PAK", "turnover", "28.1", "USD million",
     f"Trend, 18 April 2023 ({CUSTOMS})", "https://en.trend.az/business/3737039.html"),
    ("2022", "AZE", "PAK", "export", "7.6", "USD million",
     f"Trend, 18 April 2023 ({CUSTOMS})", "https://en.trend.az/business/3737039.html"),
    ("2022", "AZE", "PAK", "import", "20.5", "USD million",
     f"Trend, 18 April 2023 ({CUSTOMS})", "https://en.trend.az/business/3737039.html"),
    ("2023", "AZE", "PAK", "turnover", "27", "USD million",
     "AzerNews, 16 September 2024 (Azerbaijan's Deputy Minister of Economy)",
     "https://www.azernews.az/business/231331.html"),
]  # fmt: skip

HEADER = ["period", "reporter", "partner", "flow", "value", "unit", "source", "source_url"]


def load_demo(node: str) -> str:
    """The demo part of the trade monitor (the same on every node): a line for the console."""
    imports = load_trade()
    for done in imports:
        if done.errors:
            raise DomainError(f"the demo trade figures have errors: {done.errors[0]}")
    rows = sum(done.rows for done in imports)
    new = sum(not done.unchanged for done in imports)
    return f"{len(imports)} dataset(s) of trade statistics ({new} new), {rows} rows."


def load_trade(data_dir: Path | None = None) -> list[TradeImport]:
    """Import the demo's figures, and the public data sets of a data folder if given."""
    results = [_import_figures()]
    folder = data_dir or (Path(settings.BUREAU_DEMO_DATA) if settings.BUREAU_DEMO_DATA else None)
    if folder is not None:
        pair = selectors.country_pair()
        for country in (pair.a, pair.b):
            summary = (
                folder / "wits-trade-summary" / f"en_{country}_AllYears_WITS_Trade_Summary.CSV"
            )
            if summary.is_file():
                results.append(import_file(summary, format="wits-summary"))
        exports = folder / EXPORTS_FILE
        if exports.is_file():
            options = Options(source=EXPORTS_SOURCE, source_url=BACI_URL)
            results.append(import_file(exports, format="world-exports", options=options))
    return results


def _import_figures() -> TradeImport:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / FIGURES_FILE
        with open(path, "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(HEADER)
            writer.writerows(FIGURES)
        return import_file(path, format="figures")
