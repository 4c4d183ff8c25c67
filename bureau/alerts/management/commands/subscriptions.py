"""``bureau subscriptions match ITEM_ID``: which subscriptions an item matches, and why, for support.

``--explain`` adds each criterion's verdict for every match; ``--subscription ID`` explains that one
subscription, whether it matches or not. Every verdict of the indexed matcher (what the dispatcher
uses) is checked against the naive scan (the reference semantics); a disagreement is a bug, and
the command says so and exits with an error.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bureau.alerts import selectors
from bureau.alerts.models import Subscription
from bureau.catalog.models import Item


class Command(BaseCommand):
    help = (
        "Support tools for subscriptions: `bureau subscriptions match ITEM_ID [--explain] "
        "[--subscription ID]` lists the active subscriptions an item matches."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        match = sub.add_parser("match", help="The active subscriptions an item matches, and why.")
        match.add_argument("item", type=int, help="The item's numeric id.")
        match.add_argument("--explain", action="store_true", help="Show every criterion's verdict.")
        match.add_argument(
            "--subscription",
            type=int,
            metavar="ID",
            help="Explain this subscription only, whether it matches or not.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        item = Item.objects.select_related("lead").filter(pk=options["item"]).first()
        if item is None:
            raise CommandError(f"there is no item {options['item']}")
        self.stdout.write(f"Item {item.pk} “{item.title}” ({item.kind}, {item.status})")
        matches = selectors.item_matches(item)
        if options["subscription"] is not None:
            self._one(item, options["subscription"], matches)
        else:
            self._all(item, matches, explain=options["explain"])
        disputed = [m.subscription.pk for m in matches if not m.agrees]
        if disputed:
            ids = ", ".join(map(str, disputed))
            raise CommandError(
                f"the indexed matcher and the naive scan disagree on subscription(s) {ids}: "
                "this is a bug in the matcher; please report it with this output"
            )

    def _all(self, item: Item, matches: list[selectors.Match], *, explain: bool) -> None:
        matched = [m for m in matches if m.indexed or m.naive]
        self.stdout.write(f"{len(matched)} active subscription(s) match.")
        for match in matched:
            self._line(match)
            if explain:
                self._verdicts(match.subscription, item)

    def _one(self, item: Item, pk: int, matches: list[selectors.Match]) -> None:
        subscription = Subscription.objects.select_related("owner").filter(pk=pk).first()
        if subscription is None:
            raise CommandError(f"there is no subscription {pk}")
        found = next((m for m in matches if m.subscription.pk == pk), None)
        if not subscription.active:
            self.stdout.write(
                f"Subscription {pk} “{subscription.name}” is deleted: it matches nothing."
            )
        elif found is None:
            self.stdout.write(f"Subscription {pk} “{subscription.name}” does not match.")
        else:
            self._line(found)
        self._verdicts(subscription, item)

    def _line(self, match: selectors.Match) -> None:
        s = match.subscription
        channels = (
            ", ".join(c.kind for c in selectors.channels_of(s)) or "none: nothing is delivered"
        )
        self.stdout.write(f"  #{s.pk} “{s.name}” of {s.owner.email} — channels: {channels}")
        if not match.agrees:
            verdicts = f"index says {_yes(match.indexed)}, naive scan says {_yes(match.naive)}"
            self.stderr.write(f"  MISMATCH on #{s.pk}: {verdicts}")

    def _verdicts(self, subscription: Subscription, item: Item) -> None:
        for name, ok, why in selectors.match_explained(subscription, item):
            self.stdout.write(f"      {name:<22} {_yes(ok):<4} {why}")


def _yes(ok: bool) -> str:
    return "yes" if ok else "no"
