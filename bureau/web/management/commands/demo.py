"""``bureau demo``: set up the database, load the demo content and accounts, then serve."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bureau.accounts.models import User
from bureau.core.errors import DomainError
from bureau.demo import content, parts
from bureau.demo.loader import DemoResult, demo_load


class Command(BaseCommand):
    help = (
        "Run `bureau init --no-input`, load demonstration content built from cited sources "
        "with demo accounts, then serve the bureau. Running it again adds nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--no-serve", action="store_true", help="Only load the demo; do not start the server."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("init", no_input=True, skip_admin=True, stdout=self.stdout, stderr=self.stderr)
        try:
            result = demo_load()
        except DomainError as error:
            raise CommandError(f"the demo content could not be loaded: {error}") from error
        self._report(result)
        self._load_parts()
        if not options["no_serve"]:
            call_command(
                "serve",
                host=options["host"],
                port=options["port"],
                stdout=self.stdout,
                stderr=self.stderr,
            )

    def _load_parts(self) -> None:
        try:
            loaded = parts.load_all(settings.BUREAU_NODE_NAME)
        except DomainError as error:
            raise CommandError(f"the demo could not be loaded: {error}") from error
        for name, summary in loaded:
            self.stdout.write(f"Demo {name}: {summary}")

    def _report(self, result: DemoResult) -> None:
        self.stdout.write(
            f"Demo content: {len(content.ORGANISATIONS)} organisations "
            f"({result.organisations_created} new), {len(content.ITEMS)} items "
            f"({result.items_created} new)."
        )
        self.stdout.write(f"Demo accounts (passwords kept in {result.accounts_file}, mode 0600):")
        for credential in result.credentials:
            role = User.Role(credential.role).label
            password = (
                credential.password or "(not in the accounts file; use `bureau changepassword`)"
            )
            self.stdout.write(f"  {role:<14} {credential.email:<24} {password}")
        for email in result.other_admins:
            self.stdout.write(f"  {User.Role.ADMIN.label:<14} {email:<24} (set at `bureau init`)")
