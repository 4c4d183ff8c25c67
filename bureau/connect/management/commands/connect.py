"""``bureau connect``: the connect loop from the command line.

``bureau connect status``   open interests, introductions waiting, enquiries open and overdue
``bureau connect run``      expire introductions, ask for due outcomes, send waiting messages now
``bureau connect target CHAMBER --days N [--weekend sat,sun] [--holidays 2026-03-21,...]``
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bureau.accounts.models import Organisation, User
from bureau.connect import enquiries, outcomes, peers, services
from bureau.connect.models import Enquiry, Interest, Introduction, PeerMessage
from bureau.connect.states import EnquiryState, IntroState
from bureau.core.errors import DomainError


class Command(BaseCommand):
    help = "The connect loop: status, run the background work now, set a chamber's target."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("status", help="Open interests, waiting introductions, enquiries.")
        sub.add_parser("run", help="Expire, ask for outcomes and send peer messages now.")
        target = sub.add_parser("target", help="Set a chamber's response-time target.")
        target.add_argument("chamber", help="the chamber's slug")
        target.add_argument("--days", required=True, help="working days to answer")
        target.add_argument("--weekend", default="sat,sun", help="e.g. sat,sun or fri")
        target.add_argument("--holidays", default="", help="YYYY-MM-DD dates, comma-separated")
        target.add_argument("--as", dest="actor", default="", help="email of chamber staff")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _status(self, options: dict[str, Any]) -> None:
        open_enquiries = Enquiry.objects.filter(state__in=[EnquiryState.NEW, EnquiryState.ASSIGNED])
        overdue = sum(1 for e in open_enquiries if e.is_overdue)
        lines = [
            f"interests open: {Interest.objects.filter(status=Interest.Status.OPEN).count()}",
            f"introductions waiting: {Introduction.objects.filter(state=IntroState.PROPOSED).count()}",
            f"enquiries open: {open_enquiries.count()} ({overdue} overdue)",
            "messages to peers waiting: "
            f"{PeerMessage.objects.filter(direction='out', sent_at__isnull=True).count()}",
        ]
        self.stdout.write("\n".join(lines))

    def _run(self, options: dict[str, Any]) -> None:
        expired = services.introductions_expire_due()
        asked = outcomes.outcomes_ask_due()
        sent = peers.send_due()
        self.stdout.write(
            f"{expired} introduction(s) expired, {asked} asked for outcomes, {sent} message(s) sent."
        )

    def _target(self, options: dict[str, Any]) -> None:
        chamber = Organisation.objects.chambers().filter(slug=options["chamber"]).first()
        if chamber is None:
            raise CommandError(f"chamber: there is no chamber '{options['chamber']}'")
        actor = (
            User.objects.filter(email=options["actor"].lower()).first()
            if options["actor"]
            else None
        )
        actor = actor or User.objects.filter(role=User.Role.ADMIN, is_active=True).first()
        if actor is None:
            raise CommandError("--as: name chamber staff (no node admin exists)")
        data = {
            "working_days": options["days"],
            "weekend": options["weekend"],
            "holidays": options["holidays"],
        }
        try:
            target = enquiries.chamber_target_set(actor=actor, chamber=chamber, data=data)
        except DomainError as error:
            raise CommandError(error.message) from None
        self.stdout.write(
            f"{chamber.name}: {target.working_days} working day(s); weekend {target.weekend}; "
            f"{len(target.holidays)} holiday(s)."
        )
