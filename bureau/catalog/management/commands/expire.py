"""``bureau expire``: expire published items past their valid-until date now."""

from typing import Any

from django.core.management.base import BaseCommand

from bureau.catalog.services import items_expire_due


class Command(BaseCommand):
    help = "Expire published items whose valid-until date has passed."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{items_expire_due()} item(s) expired.")
