"""``bureau freight``: the corridor network routes are planned on.

``bureau freight import FILE`` makes a corrected or extended network current (every row is
checked first; nothing is stored if one is bad), ``bureau freight export`` writes the current
one (to correct it), ``bureau freight show`` summarises it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bureau.accounts.models import User
from bureau.core.errors import ValidationFailed
from bureau.freight import selectors, services

MAX_BYTES = 20 * 1024 * 1024


class Command(BaseCommand):
    help = "The freight network: `bureau freight import FILE`, `bureau freight export [FILE]`, `bureau freight show`."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("import", help="Make a network file current, all rows or none.")
        load.add_argument(
            "file", help="A network document (JSON, the shape of `bureau freight export`)."
        )
        load.add_argument(
            "--as", dest="as_email", default="", help="Record this user as the importer."
        )
        out = sub.add_parser("export", help="Write the current network as JSON.")
        out.add_argument("file", nargs="?", help="Where to write it (default: standard output).")
        sub.add_parser("show", help="Summarise the current network.")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "import":
            self._import(Path(options["file"]), options["as_email"])
        elif action == "export":
            self._export(options["file"])
        else:
            self._show()

    def _import(self, path: Path, as_email: str) -> None:
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        if path.stat().st_size > MAX_BYTES:
            raise CommandError(f"{path}: larger than {MAX_BYTES // 2**20} MiB")
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as bad:
            raise CommandError(f"{path}: not a JSON document ({bad})") from None
        actor = User.objects.filter(email=as_email.lower()).first() if as_email else None
        if as_email and actor is None:
            raise CommandError(f"--as: there is no user {as_email}")
        try:
            version = services.network_import(document=document, file_name=path.name, actor=actor)
        except ValidationFailed as failed:
            for error in failed.errors:
                self.stderr.write(f"{error.field}: {error.message}")
            raise CommandError(
                f"nothing was imported: {len(failed.errors)} error(s) above"
            ) from None
        self.stdout.write(
            f"Network {version.file_name}: {version.nodes} nodes, {version.legs} legs, now current."
        )

    def _export(self, file: str | None) -> None:
        text = json.dumps(selectors.network_document(), ensure_ascii=False, indent=1) + "\n"
        if file:
            Path(file).write_text(text, encoding="utf-8")
            self.stdout.write(f"Wrote {file}.")
        else:
            sys.stdout.write(text)

    def _show(self) -> None:
        network = selectors.current_network()
        version = selectors.current_version()
        origin = (
            f"imported {version.imported_at:%Y-%m-%d %H:%M} from {version.file_name}"
            if version
            else "shipped with the bureau"
        )
        self.stdout.write(
            f"{network.title or 'Network'} ({origin}): {len(network.nodes)} nodes, {len(network.legs)} legs"
        )
        for name in network.corridors:
            count = sum(name in leg.corridors for leg in network.legs)
            self.stdout.write(f"  {name}: {count} legs")
        bases: dict[str, int] = {}
        for leg in network.legs:
            for figure in leg.figures.values():
                bases[figure.basis] = bases.get(figure.basis, 0) + 1
        self.stdout.write("Figures: " + ", ".join(f"{n} {b}" for b, n in sorted(bases.items())))
