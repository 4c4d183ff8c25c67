"""Bulk import of items from CSV, XLSX and JSON files, with a row-numbered error report.

The columns are the field names of ``bureau.catalog.fields.ALL_FIELDS`` (see docs/import.md).
"""

from bureau.catalog.importing.readers import FORMATS
from bureau.catalog.importing.report import ImportReport, RowError
from bureau.catalog.importing.run import import_items
from bureau.catalog.importing.template import template_file

__all__ = ["FORMATS", "ImportReport", "RowError", "import_items", "template_file"]
