"""``bureau pledges``: the pledge tracker from the console.

``bureau pledges list`` names every pledge, ``bureau pledges show UID`` prints its totals in
USD, AZN and PKR, ``bureau pledges money PROJECT_UID --kind disbursed --amount 1000000
--currency USD --on 2025-06-01 --as staff@example.org`` records money, ``bureau pledges stage
PROJECT_UID --stage agreed --on 2025-06-01 --as ...`` moves a project, and ``bureau pledges
import FILE --pledge UID --as ...`` adds projects from a CSV or XLSX file (all rows or none).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bureau.accounts.models import User
from bureau.commitments import arithmetic, present, selectors, services
from bureau.commitments.models import Pledge, Project
from bureau.core.errors import DomainError, ValidationFailed


def _actor(email: str) -> User:
    actor = User.objects.filter(email=email.lower()).first() if email else None
    if actor is None:
        raise CommandError(f"--as: there is no user {email or '(none given)'}")
    return actor


def _find(model: Any, uid: str) -> Any:
    try:
        found = model.objects.filter(uid=uid).first()
    except Exception:  # a malformed uuid
        found = None
    if found is None:
        raise CommandError(f"no {model._meta.verbose_name} {uid}")
    return found


def write_report(command: BaseCommand, report: Any, what: str) -> None:
    """The import's outcome: the count, or every bad row with its number, field and reason."""
    if report.ok:
        command.stdout.write(f"{report.imported} {what}.")
        return
    for error in report.errors:
        command.stderr.write(str(error))
    raise CommandError(
        f"nothing was imported: {report.error_count} error(s) in {report.error_rows} row(s) above"
    )


class Command(BaseCommand):
    help = "The pledge tracker: list, show, money, stage, import."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="Every pledge with its uid.")
        show = sub.add_parser("show", help="A pledge's totals in USD, AZN and PKR.")
        show.add_argument("uid")
        money = sub.add_parser("money", help="Record money pledged, committed or disbursed.")
        money.add_argument("project")
        for name in ("kind", "amount", "currency", "on", "source", "source-url"):
            money.add_argument(f"--{name}", default="")
        money.add_argument("--as", dest="as_email", default="")
        stage = sub.add_parser("stage", help="Move a project to another stage on a date.")
        stage.add_argument("project")
        stage.add_argument("--stage", required=True)
        stage.add_argument("--on", default="")
        stage.add_argument("--note", default="")
        stage.add_argument("--as", dest="as_email", default="")
        load = sub.add_parser(
            "import", help="Add projects from a CSV or XLSX file, all rows or none."
        )
        load.add_argument("file")
        load.add_argument("--pledge", required=True)
        load.add_argument("--as", dest="as_email", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, "_" + options["action"])(options)
        except ValidationFailed as failed:
            for error in failed.errors:
                self.stderr.write(f"{error.field}: {error.message}")
            raise CommandError(
                f"nothing was recorded: {len(failed.errors)} error(s) above"
            ) from None
        except DomainError as refused:
            raise CommandError(refused.message) from None

    def _list(self, options: dict[str, Any]) -> None:
        for pledge in selectors.pledges_all():
            amount = (
                f"{pledge.amount} {pledge.currency}"
                if pledge.amount is not None
                else "amount unknown"
            )
            self.stdout.write(f"{pledge.uid}  {pledge.title} ({amount})")

    def _show(self, options: dict[str, Any]) -> None:
        progress = selectors.pledge_progress(pledge=_find(Pledge, options["uid"]))
        self.stdout.write(progress.pledge.title)
        for kind in present.KIND_LABELS:
            texts = [
                present.total_text(progress.by_sector.get(kind, c), c) for c in arithmetic.TARGETS
            ]
            self.stdout.write(f"  {kind:<10} " + " | ".join(texts))
        for project in progress.projects:
            self.stdout.write(f"  - {project.uid}  {project.title} [{project.stage}]")

    def _money(self, options: dict[str, Any]) -> None:
        data = {"kind": options["kind"], "amount": options["amount"], "currency": options["currency"],
                "on": options["on"], "source_title": options["source"], "source_url": options["source_url"]}  # fmt: skip
        project = _find(Project, options["project"])
        services.money_event_add(actor=_actor(options["as_email"]), project=project, data=data)
        self.stdout.write(f"Recorded {options['kind']} for {project.title}.")

    def _stage(self, options: dict[str, Any]) -> None:
        data = {"stage": options["stage"], "changed_on": options["on"], "note": options["note"]}
        project = _find(Project, options["project"])
        services.project_stage_change(actor=_actor(options["as_email"]), project=project, data=data)
        self.stdout.write(f"{project.title} is now at {options['stage']}.")

    def _import(self, options: dict[str, Any]) -> None:
        from bureau.commitments import importing

        pledge = _find(Pledge, options["pledge"])
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        report = importing.projects_import_file(
            actor=_actor(options["as_email"]), pledge=pledge, path=path
        )
        write_report(self, report, f"projects added to {pledge.title}")
