"""``bureau init``: create or migrate the database, load reference data, create the first admin."""

from __future__ import annotations

import getpass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bureau.accounts.models import User
from bureau.accounts.services import user_create
from bureau.core.errors import ValidationFailed
from bureau.exchange.identity import key_path, node_key_ensure, public_key
from bureau.exchange.sharing import node_identity_check
from bureau.reference.loaders import load_all


class Command(BaseCommand):
    help = "Create or migrate the database, load reference data and create the node's first admin."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--admin-email", default=settings.BUREAU_ADMIN_EMAIL)
        parser.add_argument("--admin-password", default=settings.BUREAU_ADMIN_PASSWORD)
        parser.add_argument(
            "--no-input",
            action="store_true",
            help="Never prompt; take the admin from flags or environment.",
        )
        parser.add_argument(
            "--skip-admin", action="store_true", help="Do not create or ask for the first admin."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        settings.BUREAU_HOME.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        counts = load_all()
        self.stdout.write(
            f"Database ready; reference data: {counts['hs_codes']} HS codes, {counts['exchange_rates']} exchange rates."
        )
        self._node_identity()
        if not options["skip_admin"]:
            self._first_admin(
                options["admin_email"],
                options["admin_password"],
                interactive=not options["no_input"],
            )

    def _node_identity(self) -> None:
        _key, created = node_key_ensure()
        try:
            node_identity_check()
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error
        where = "BUREAU_NODE_KEY" if settings.BUREAU_NODE_KEY else str(key_path())
        self.stdout.write(
            f"Node {settings.BUREAU_NODE_NAME} ({settings.BUREAU_NODE_COUNTRY}), "
            f"{'new ' if created else ''}key from {where}: {public_key()}"
        )

    def _first_admin(self, email: str, password: str, *, interactive: bool) -> None:
        if User.objects.filter(role=User.Role.ADMIN).exists():
            return
        if not email and interactive:
            email = input("First admin's email: ").strip()
        if email and not password and interactive:
            password = getpass.getpass("Password: ")
        if not email:
            self.stdout.write(
                "No admin yet: set BUREAU_ADMIN_EMAIL and BUREAU_ADMIN_PASSWORD and run `bureau init` again."
            )
            return
        if not password:
            raise CommandError(
                "BUREAU_ADMIN_PASSWORD (or --admin-password) is required with the admin's email"
            )
        try:
            user_create(email=email, password=password, organisation=None, role=User.Role.ADMIN)
        except ValidationFailed as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Created the node admin {email}.")
