"""The demo's trade statistics: published figures with their sources, nothing invented.

Calendar-year figures for Azerbaijan-Pakistan trade as the press reported them from
Azerbaijan's State Customs Committee (and, for 2023, a deputy minister), and the 2009 figures
that each side reported to UN Comtrade, as published by the World Bank's WITS. They are
imported through the bureau's own "figures" importer, so the demo exercises the same path as
a chamber's import. Importing them again changes nothing.

When ``BUREAU_DEMO_DATA`` names a folder of public data sets, the demo also imports the WITS
country trade summaries of the two countries found there (exports by product group).
"""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

from django.conf import settings

from bureau.trade import selectors
from bureau.trade.importing import TradeImport, import_file

FIGURES_FILE = "bureau-demo-trade-figures.csv"
WITS = "World Bank WITS (UN Comtrade), total merchandise trade"
WITS_URL = "https://wits.worldbank.org/"
CUSTOMS = "Azerbaijan State Customs Committee"

# period, reporter, partner, flow, value, unit, source, source URL
FIGURES: list[tuple[str, str, str, str, str, str, str, str]] = [
    ("2009", "AZE", "PAK", "export", "94.096", "USD thousand", WITS, WITS_URL),
    ("2009", "AZE", "PAK", "import", "5027.676", "USD thousand", WITS, WITS_URL),
    ("2009", "PAK", "AZE", "export", "5475.697", "USD thousand", WITS, WITS_URL),
    ("2009", "PAK", "AZE", "import", "27.522", "USD thousand", WITS, WITS_URL),
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


def load_trade(data_dir: Path | None = None) -> list[TradeImport]:
    """Import the demo's figures, and the WITS summaries if a public data folder is given."""
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
    return results


def _import_figures() -> TradeImport:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / FIGURES_FILE
        with open(path, "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(HEADER)
            writer.writerows(FIGURES)
        return import_file(path, format="figures")
