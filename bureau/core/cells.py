"""Cells of the spreadsheets the bureau writes (CSV, XLSX): text that cannot run as a formula."""

from __future__ import annotations

from typing import Any

# A spreadsheet program reads a cell that begins with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """``value`` as a cell: text that a spreadsheet would run as a formula gets a leading ' ."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
