"""The trade monitor's tables and charts, built once for the page, the CSV and the SVG.

Each report has a name (used in /trade/tables/<name>.csv and /trade/charts/<name>.svg), a
header, rows of plain values (numbers stay numbers for the CSV) and, where it has one, a
chart drawn from the same rows.
"""

from __future__ import annotations

from collections.abc import Callable

from bureau.core.errors import NotFound
from bureau.trade.reports.base import Params, Report
from bureau.trade.reports.products import (
    BACI_FILE,
    BaciFile,
    composition_report,
    groups_report,
    live_lead_counts,
    potential_report,
    product_links,
    world_exports_report,
)
from bureau.trade.reports.tracker import (
    TargetSource,
    bilateral_report,
    datasets_report,
    progress_report,
    target_source,
)

__all__ = [
    "BACI_FILE",
    "BUILDERS",
    "BaciFile",
    "Params",
    "Report",
    "TargetSource",
    "bilateral_report",
    "build",
    "composition_report",
    "datasets_report",
    "groups_report",
    "live_lead_counts",
    "potential_report",
    "product_links",
    "progress_report",
    "target_source",
    "world_exports_report",
]

BUILDERS: dict[str, Callable[[Params], Report]] = {
    "progress": progress_report,
    "bilateral": bilateral_report,
    "composition-ab": lambda p: composition_report("ab", p),
    "composition-ba": lambda p: composition_report("ba", p),
    "exports-a": lambda p: world_exports_report("a", p),
    "exports-b": lambda p: world_exports_report("b", p),
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
