"""What the trade pages, the API and the command ask of the statistics: all reads, through
DuckDB. ``bilateral`` holds the pair's own trade and the tracker, ``products`` the trade by
HS product and the potential ranking."""

from bureau.trade.selectors.bilateral import (
    TURNOVER_COLUMNS,
    Bilateral,
    Figure,
    Pair,
    Tracker,
    YearRow,
    bilateral,
    country_pair,
    headline_series,
    mirror_columns,
    mirror_short_labels,
    tracker,
)
from bureau.trade.selectors.products import (
    WORLD_COVERAGE,
    Potential,
    PotentialRanking,
    Share,
    WorldExports,
    composition,
    potential,
    product_dataset,
    product_groups,
    world_exports,
)

__all__ = [
    "TURNOVER_COLUMNS",
    "WORLD_COVERAGE",
    "Bilateral",
    "Figure",
    "Pair",
    "Potential",
    "PotentialRanking",
    "Share",
    "Tracker",
    "WorldExports",
    "YearRow",
    "bilateral",
    "composition",
    "country_pair",
    "headline_series",
    "mirror_columns",
    "mirror_short_labels",
    "potential",
    "product_dataset",
    "product_groups",
    "tracker",
    "world_exports",
]
