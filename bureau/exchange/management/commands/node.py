"""``bureau node show``: this node's name, title, country and public key, to give to a peer."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from bureau.core.addresses import public_url
from bureau.exchange import identity, log


class Command(BaseCommand):
    help = "Show this node's identity: `bureau node show` prints what a peer needs to add it."

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
        self.stdout.write(
            f"\nOn the other node: bureau peer add {info['name']} {public_url()} "
            f"--key {info['public_key']}"
        )
