"""``bureau messages``: update the Azerbaijani and Urdu catalogues from the code and compile them;
``--check`` changes nothing and fails when a string lacks a translation."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bureau.web import messages


class Command(BaseCommand):
    help = "Update and compile the translation catalogues; --check lists untranslated strings."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="Change nothing; exit with an error if any string lacks a translation.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        gaps = messages.check() if options["check"] else messages.update()
        if gaps:
            raise CommandError(f"Translations are missing or out of date:\n{gaps.report()}")
        self.stdout.write("Every string is translated in " + ", ".join(messages.TRANSLATED) + ".")
