"""``bureau node show``: this node's name, title, country and public key, to give to a peer."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from bureau.exchange import identity, log


class Command(BaseCommand):
    help = "Show this node's identity: `bureau node show` prints what a peer needs to add it."
    # Not the system checks: loading every URL and API module for them was a third of the
    # command's start, and `bureau serve` runs them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("show", help="Name, title, country, public key and log head.")

    def handle(self, *args: Any, **options: Any) -> None:
        info, head = identity.node_info(), log.head()
        self.stdout.write(f"name        {info['name']}")
        self.stdout.write(f"title       {info['title']}")
        self.stdout.write(f"country     {info['country']}")
        self.stdout.write(f"public key  {info['public_key']}")
        self.stdout.write(f"protocol    {info['protocol']}")
        self.stdout.write(f"log         {head.last_seq} events")
        # Only the configured public address is known here: `bureau serve` may listen on
        # any port, or behind a proxy, and this command runs in a process of its own.
        address = settings.BUREAU_PUBLIC_URL.rstrip("/") or "URL"
        self.stdout.write(
            f"\nOn the other node: bureau peer add {info['name']} {address} "
            f"--key {info['public_key']}"
        )
        if not settings.BUREAU_PUBLIC_URL:
            self.stdout.write(
                "(URL: the address the other node reaches this one at, such as "
                "https://bureau.example; set BUREAU_PUBLIC_URL to have it printed here)"
            )
