"""Cells of the CSV and XLSX files the bureau writes, made safe to open in a spreadsheet.

A text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read
as a formula by Excel, LibreOffice and Google Sheets (``=HYPERLINK(...)`` sends a click, and
the data beside it, anywhere). Such a cell is written with a leading apostrophe, which the
spreadsheet shows as text; numbers are left as they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

# A spreadsheet program reads a cell that begins with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """``value`` as a cell: text that a spreadsheet would run as a formula gets a leading ' ."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


safe_cell = neutralise


def safe_row(row: Iterable[Any]) -> list[Any]:
    return [neutralise(value) for value in row]


def safe_rows(rows: Iterable[Sequence[Any]]) -> list[list[Any]]:
    return [safe_row(row) for row in rows]
