"""Exports to the world by product: one row per exporter, product and year, already summed
over importers (CEPII BACI aggregated that way, as in the public extract of Azerbaijan's and
Pakistan's exports by HS chapter). Small files, parsed in Python.

Columns, by the names such files use: ``year`` (or ``t``); the exporter as ``exporter_iso3``,
``exporter`` or ``exporter_iso3n`` (alpha-3 or numeric); the product as ``hs2``, ``hs4``,
``hs6`` or ``product``; the value as ``value_musd`` (million USD), ``value_kusd`` (thousand
USD) or ``value_usd``; optionally ``quantity_tonnes``.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
from django.utils.translation import gettext as _

from bureau.trade import codes
from bureau.trade.importing.formats import (
    BACI_URL,
    FormatError,
    Options,
    StagedRow,
    Staging,
    _csv_header,
    _text_rows,
    insert_rows,
)

YEAR = ("year", "t")
EXPORTER = ("exporter_iso3", "exporter", "exporter_iso3n")
PRODUCT = ("hs2", "hs4", "hs6", "product")
VALUE = {"value_musd": 1e6, "value_kusd": 1e3, "value_usd": 1.0}
QUANTITY = ("quantity_tonnes", "quantity")


def _first(header: list[str], names: tuple[str, ...], what: str) -> str:
    found = next((name for name in names if name in header), "")
    if not found:
        raise FormatError(
            _(
                "not a file of exports to the world: no %(what)s column (%(names)s); "
                "found: %(found)s"
            )
            % {"what": what, "names": ", ".join(names), "found": ", ".join(header[:12]) or "—"}
        )
    return found


def stage_world_exports(
    con: duckdb.DuckDBPyConnection, path: Path, options: Options, lines: bool
) -> Staging:
    header = _csv_header(path, ",")
    year = _first(header, YEAR, _("year"))
    exporter = _first(header, EXPORTER, _("exporter"))
    product = _first(header, PRODUCT, _("product"))
    value = _first(header, tuple(VALUE), _("value"))
    quantity = next((name for name in QUANTITY if name in header), "")
    source = options.source or f"CEPII BACI, exports to the world ({options.file_name})"
    url = options.source_url or BACI_URL
    rows: list[StagedRow] = []
    for number, record in _text_rows(path):
        code = record.get(product, "")
        # Spreadsheets drop leading zeros: chapter 1 is "01", heading 101 is "0101".
        code = code.zfill(len(code) + 1) if code.isdigit() and len(code) % 2 else code
        rows.append(
            (number, record.get(year, ""), record.get(year, ""), "year", "trade",
             record.get(exporter, ""), codes.WORLD, "", code, record.get(value, ""),
             VALUE[value], record.get(quantity, "") if quantity else "", source, url)
        )  # fmt: skip
    insert_rows(con, rows)
    return Staging(
        {"year": year, "exporter": exporter, "product": product, "value": value,
         "quantity": quantity or "quantity"}
    )  # fmt: skip
