"""``bureau peer add|check|list|pause|resume|remove``: the node admin's view of the peers."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from bureau.core.errors import DomainError
from bureau.exchange import selectors, services


class Command(BaseCommand):
    help = "Manage the nodes this node exchanges with: add, check, list, pause, resume, remove."
    # Not the system checks: loading every URL and API module for them was a third of the
    # command's start, and `bureau serve` runs them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="Add a peer (its node name, base URL and public key).")
        add.add_argument("name")
        add.add_argument("url")
        add.add_argument("--key", required=True, help="The peer's key: ed25519:...")
        sub.add_parser("list", help="Every peer with its state and how far behind it is.")
        for action, text in (
            ("check", "Ask the peer who it is and try a signed request."),
            ("pause", "Stop pulling from and nudging the peer."),
            ("resume", "Pull again (after a stop, from the last applied event)."),
            ("remove", "Forget the peer; items received from it stay, read-only."),
        ):
            sub.add_parser(action, help=text).add_argument("name")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except DomainError as error:
            raise CommandError(error.message) from error

    def _add(self, options: dict[str, Any]) -> None:
        peer = services.peer_add(
            name=options["name"], url=options["url"], public_key=options["key"]
        )
        self.stdout.write(f"Added peer {peer.name} at {peer.url}.")
        result = services.peer_check(peer=peer)
        self._report(result)

    def _check(self, options: dict[str, Any]) -> None:
        result = services.peer_check(peer=services.peer_get(options["name"]))
        self._report(result)
        if not result.ok:
            raise CommandError(f"peer {result.peer.name} does not answer as configured")

    def _report(self, result: services.CheckResult) -> None:
        for problem in result.problems:
            self.stdout.write(f"  problem: {problem}")
        for note in result.notes:
            self.stdout.write(f"  {note}")
        if result.ok:
            self.stdout.write(f"Peer {result.peer.name} answers as configured.")

    def _list(self, options: dict[str, Any]) -> None:
        rows = selectors.peer_rows()
        if not rows:
            self.stdout.write("No peers. Add one with `bureau peer add NAME URL --key KEY`.")
            return
        self.stdout.write(
            f"{'name':<20} {'state':<8} {'applied':>9} {'behind':>8} {'s behind':>9}  "
            "last event received   last error"
        )
        for row in rows:
            p = row.peer
            received = (
                timezone.localtime(p.last_received_at).strftime("%Y-%m-%d %H:%M:%S")
                if p.last_received_at
                else "never"
            )
            self.stdout.write(
                f"{p.name:<20} {p.state:<8} {p.cursor_seq:>9} {row.events_behind:>8} "
                f"{row.seconds_behind:>9.1f}  {received:<21} {p.last_error or '-'}"
            )

    def _pause(self, options: dict[str, Any]) -> None:
        peer = services.peer_pause(peer=services.peer_get(options["name"]))
        self.stdout.write(f"Paused {peer.name}: no pulls or nudges until `bureau peer resume`.")

    def _resume(self, options: dict[str, Any]) -> None:
        peer = services.peer_resume(peer=services.peer_get(options["name"]))
        self.stdout.write(f"Resumed {peer.name} from event {peer.cursor_seq}.")

    def _remove(self, options: dict[str, Any]) -> None:
        peer = services.peer_get(options["name"])
        services.peer_remove(peer=peer)
        self.stdout.write(f"Removed {options['name']}; its items stay here, read-only.")
