"""``bureau token create EMAIL``: print a new API token for a user."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bureau.accounts.models import User
from bureau.accounts.services import token_create


class Command(BaseCommand):
    help = "Manage API tokens: `bureau token create EMAIL [--name NAME]` prints a new token."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token and print it once.")
        create.add_argument("email")
        create.add_argument("--name", default="cli")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email__iexact=options["email"], is_active=True).first()
        if user is None:
            raise CommandError(f"no active user with email {options['email']}")
        self.stdout.write(token_create(user=user, name=options["name"]))
