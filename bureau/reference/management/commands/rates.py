"""``bureau rates import FILE``: annual exchange rates from the World Bank WDI or FRED files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bureau.reference.rate_files import RateFileInvalid, rates_import


class Command(BaseCommand):
    help = "Exchange rates: `bureau rates import FILE` (WDI PA.NUS.FCRF CSV or FRED annual.csv)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("import", help="Store the annual rates of a WDI or FRED file.")
        load.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            count = rates_import(path)
        except RateFileInvalid as bad:
            raise CommandError(str(bad)) from None
        self.stdout.write(f"{count} annual rates stored from {path.name}.")
