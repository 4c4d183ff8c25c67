"""``bureau cargoes``: the cargo schedule from the console.

``bureau cargoes list`` prints every cargo with its volume in m³ of LNG, tonnes and MMBtu;
``bureau cargoes import FILE --contract UID --as staff@example.org`` schedules the cargoes of
a CSV or XLSX file under a supply contract (all rows or none, bad rows named by number);
``bureau cargoes status UID --status delivered --as staff@example.org`` changes a cargo's status
(the recording chamber's staff only, like the page and the API).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bureau.commitments import importing, lng, selectors, services
from bureau.commitments.management.commands.pledges import _actor, _find, write_report
from bureau.commitments.models import Cargo, SupplyContract
from bureau.core.errors import DomainError


class Command(BaseCommand):
    help = "The cargo schedule: list, import."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="Every cargo with its conversions.")
        load = sub.add_parser(
            "import", help="Schedule cargoes from a CSV or XLSX file, all rows or none."
        )
        load.add_argument("file")
        load.add_argument("--contract", required=True)
        load.add_argument("--as", dest="as_email", default="")
        status = sub.add_parser("status", help="Change a cargo's status.")
        status.add_argument("cargo")
        status.add_argument("--status", required=True)
        status.add_argument("--as", dest="as_email", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            for cargo in selectors.cargoes_all():
                units = lng.all_units(cargo.volume, cargo.unit)
                shown = ", ".join(f"{v} {lng.LABELS[k]}" for k, v in units.items() if v is not None)
                self.stdout.write(f"{cargo.uid}  {cargo.window_start or 'window unknown'}  {cargo.status}  "
                                  f"{shown or 'volume unknown'}")  # fmt: skip
            return
        if options["action"] == "status":
            self._status(options)
            return
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        contract = _find(SupplyContract, options["contract"])
        try:
            report = importing.cargoes_import_file(
                actor=_actor(options["as_email"]), contract=contract, path=path
            )
        except DomainError as refused:
            raise CommandError(refused.message) from None
        write_report(self, report, f"cargoes scheduled under {contract.title}")

    def _status(self, options: dict[str, Any]) -> None:
        cargo = _find(Cargo, options["cargo"])
        try:
            services.cargo_update(
                actor=_actor(options["as_email"]), cargo=cargo, data={"status": options["status"]}
            )
        except DomainError as refused:
            raise CommandError(refused.message) from None
        self.stdout.write(f"{cargo.uid}  {cargo.status}")
