"""Blank import files to fill in: the documented columns and one example row per kind."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import openpyxl
from django.utils.translation import gettext as _
from openpyxl.styles import Font

from bureau.catalog.fields import ALL_FIELDS, COMMON
from bureau.catalog.importing.readers import FLAT_COLUMNS, FORMATS
from bureau.catalog.models import Kind
from bureau.core import cells
from bureau.core.errors import ValidationFailed

# Example values for the fields whose spec has none, or whose spec example fits only a lead.
KIND_EXAMPLES: dict[str, dict[str, str]] = {
    Kind.LEAD: {},
    Kind.OPPORTUNITY: {
        "title": "Solar park, 100 MW, seeking an equity partner",
        "summary": "Utility-scale solar park with a signed land lease.",
        "countries": "AZ",
        "hs_codes": "",
        "sectors": "energy",
        "value_amount": "80000000",
        "sector": "energy",
        "location": "Absheron",
        "stage": "feasibility",
        "instrument": "equity",
    },
    Kind.TENDER: {
        "title": "Supply of rice-milling machinery",
        "summary": "Two milling lines of 10 t/h each, with installation.",
        "countries": "PK",
        "hs_codes": "8437",
        "sectors": "manufacturing",
        "value_amount": "1200000",
        "reference": "RM-2027-014",
        "buyer": "Punjab Rice Mills",
        "deadline": "2027-03-31T12:00:00+00:00",
        "documents_url": "https://example.org/tenders/rm-2027-014",
    },
    Kind.AGREEMENT: {
        "title": "LNG framework agreement, extended by two years",
        "summary": "Framework for the sale and purchase of LNG cargoes.",
        "countries": "AZ;PK",
        "hs_codes": "271111",
        "sectors": "energy",
        "value_amount": "",
        "value_currency": "",
        "agreement_type": "framework",
        "parties": "Seller company;Buyer company",
        "signed_on": "2025-07-01",
        "effective_on": "2025-07-01",
        "expires_on": "2027-06-30",
    },
    Kind.NOTICE: {
        "title": "Trade mission of food exporters to Baku",
        "summary": "Meetings with importers and retailers over two days.",
        "countries": "AZ;PK",
        "hs_codes": "",
        "sectors": "agriculture",
        "value_amount": "",
        "value_currency": "",
        "notice_type": "trade_mission",
        "starts_on": "2027-05-10",
        "ends_on": "2027-05-11",
        "place": "Baku",
        "authority": "Pakistan Chamber of Commerce in Baku",
    },
}
LIST_FIELDS = {"countries", "hs_codes", "sectors", "parties"}
TEXT_COLUMNS = {"hs_codes", "hs_code"}  # text cells keep the leading zero of 0901
JSON_MILESTONES = [{"title": "First cargo delivered", "due_on": "2025-12-31", "done_on": None}]


def example_row(kind: str) -> dict[str, str]:
    """An illustrative record of ``kind`` with every flat field that applies to it."""
    row = {spec.name: spec.example for spec in COMMON}
    row.update({spec.name: spec.example for spec in ALL_FIELDS if spec.kind == kind})
    row.update(KIND_EXAMPLES[kind], kind=str(kind), is_example="yes")
    return {name: value for name, value in row.items() if name in FLAT_COLUMNS}


def template_file(fmt: str) -> bytes:
    """A file in ``fmt`` (csv, xlsx or json) with the documented columns and one example per kind."""
    if fmt not in FORMATS:
        raise ValidationFailed.single(
            "format",
            _("'%(word)s' is not one of: %(options)s")
            % {"word": str(fmt)[:20], "options": ", ".join(FORMATS)},
        )
    rows = [example_row(kind) for kind in Kind.values]
    return {"csv": _csv, "xlsx": _xlsx, "json": _json}[fmt](rows)


def _csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=FLAT_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({k: cells.safe_cell(v) for k, v in row.items()} for row in rows)
    # The byte-order mark makes spreadsheet programs open the file as UTF-8.
    return out.getvalue().encode("utf-8-sig")


def _xlsx(rows: list[dict[str, str]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "items"
    sheet.append(FLAT_COLUMNS)
    for row in rows:
        sheet.append(cells.safe_row(row.get(name, "") for name in FLAT_COLUMNS))
    for position, name in enumerate(FLAT_COLUMNS, start=1):
        sheet.cell(1, position).font = Font(bold=True)
        letter = sheet.cell(1, position).column_letter
        sheet.column_dimensions[letter].width = max(12, len(name) + 2)
        if name in TEXT_COLUMNS:  # the column's style applies to the cells a user types in
            sheet.column_dimensions[letter].number_format = "@"
    sheet.freeze_panes = "A2"
    _help_sheet(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _help_sheet(book: openpyxl.Workbook) -> None:
    """A second sheet explaining each column; the importer reads only the first sheet."""
    sheet = book.create_sheet("help")
    sheet.append(["column", "kinds", "required", "what to enter"])
    for spec in ALL_FIELDS:
        if spec.name in FLAT_COLUMNS:
            sheet.append(
                cells.safe_row(
                    [spec.name, spec.kind or "all", "yes" if spec.required else "", spec.help]
                )
            )
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["D"].width = 80


def _json(rows: list[dict[str, str]]) -> bytes:
    items = []
    for row in rows:
        item: dict[str, Any] = {
            name: (value.split(";") if value else []) if name in LIST_FIELDS else value
            for name, value in row.items()
        }
        item["is_example"] = True
        if row["kind"] == Kind.AGREEMENT:
            item["milestones"] = JSON_MILESTONES
            item["extensions"] = []
        items.append(item)
    return (json.dumps({"items": items}, indent=2, ensure_ascii=False) + "\n").encode()
