"""``bureau backup [--to FILE|FOLDER] [--keep N]`` and ``bureau backup --verify FILE``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.defaultfilters import filesizeformat

from bureau.operations.backup.manifest import Manifest, Refused
from bureau.operations.backup.restore import archive_verify
from bureau.operations.backup.take import backup_create, backup_dir


class Command(BaseCommand):
    help = (
        "Write one archive of this node (database, node key, secret key, trade statistics, "
        "uploads), taken while it serves; or check an archive with --verify."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--to",
            help=f"A file, or a folder (ending with '/') for a dated name (default: {backup_dir()}).",
        )
        parser.add_argument(
            "--keep",
            type=int,
            help="Then remove all but the newest N archives of this node in that folder.",
        )
        parser.add_argument("--verify", type=Path, metavar="FILE", help="Check an archive.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["keep"] is not None and options["keep"] < 1:
            raise CommandError("--keep: must be 1 or more")
        try:
            if options["verify"]:
                self._verify(options["verify"])
            else:
                self._backup(options["to"], options["keep"])
        except Refused as error:
            raise CommandError(str(error)) from error

    def _backup(self, to: str | None, keep: int | None) -> None:
        result = backup_create(
            to=Path(to) if to else None, keep=keep, into_folder=bool(to and to.endswith(os.sep))
        )
        sealed = "sealed with BUREAU_BACKUP_KEY" if result.sealed else "not sealed"
        size = filesizeformat(result.path.stat().st_size)
        self.stdout.write(f"Wrote {result.path} ({size}, {sealed}, mode 0600).")
        self._describe(result.manifest)
        for path in result.removed:
            self.stdout.write(f"Removed the older archive {path.name}.")

    def _verify(self, path: Path) -> None:
        checked = archive_verify(path=path)
        self.stdout.write(f"{path}: every part is intact.")
        self._describe(checked.manifest)

    def _describe(self, manifest: Manifest) -> None:
        node, db = manifest.node, manifest.database
        self.stdout.write(
            f"  node {node['name']} ({node['public_key']}), Bureau {manifest.bureau_version}, "
            f"taken {manifest.created_at}"
        )
        where = "included" if db["included"] else "NOT included"
        self.stdout.write(
            f"  database ({db['engine']}): {where}; its log at event {db['log_head']}"
        )
        kinds: dict[str, list[int]] = {}
        for part in manifest.parts:
            kinds.setdefault(part.kind, []).append(part.size)
        for kind, sizes in sorted(kinds.items()):
            self.stdout.write(f"  {kind}: {len(sizes)} file(s), {filesizeformat(sum(sizes))}")
        for what in manifest.not_included:
            self.stdout.write(f"  not in the archive: {what}")
