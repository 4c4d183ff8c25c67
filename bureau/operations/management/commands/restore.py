"""``bureau restore FILE``: bring a node back from an archive onto an empty BUREAU_HOME."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bureau.operations.backup.manifest import Refused
from bureau.operations.backup.restore import archive_restore
from bureau.operations.status import node_status


class Command(BaseCommand):
    help = (
        "Restore a node from an archive of `bureau backup` onto an empty BUREAU_HOME (on "
        "PostgreSQL: after restoring the database from its dump)."
    )
    # Nothing may open the database or create a key before the target is checked.
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            checked = archive_restore(path=options["file"])
        except Refused as error:
            raise CommandError(f"Not restored: {error}") from error
        node = checked.manifest.node
        self.stdout.write(
            f"Restored node {node['name']} ({node['public_key']}) as of "
            f"{checked.manifest.created_at}."
        )
        for note in checked.notes:
            self.stdout.write(f"  {note}")
        status = node_status()
        self.stdout.write(
            f"  {status.items} items; log at event {status.log_head}; "
            f"{status.outbox_backlog} outbox events and "
            f"{sum(status.deliveries_pending.values())} deliveries waiting"
        )
        for peer in status.peers:
            self.stdout.write(f"  peer {peer.name}: applied up to event {peer.cursor_seq}")
        self.stdout.write("Start the node as before (`bureau serve`); it carries on from there.")
