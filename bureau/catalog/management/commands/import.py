# ruff: noqa: N999 - the module is named after the command, `bureau import`
"""``bureau import items FILE``: bulk import of items from CSV, XLSX or JSON, with a row report.

``bureau import items --template [--format csv|xlsx|json] [-o FILE]`` writes a file to fill in.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TextIO, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from bureau.accounts import permissions
from bureau.accounts.models import User
from bureau.catalog.importing import FORMATS, ImportReport, import_items, template_file
from bureau.core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Import items: `bureau import items FILE [--dry-run] [--skip-invalid] [--publish] "
        "[--organisation SLUG] [--as EMAIL]`, or write a file to fill in with `--template`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        items = sub.add_parser("items", help="Import information items (see docs/import.md).")
        items.add_argument("file", nargs="?", help="The CSV, XLSX or JSON file to import.")
        items.add_argument("--format", choices=FORMATS, help="Default: the file's extension.")
        items.add_argument("--dry-run", action="store_true", help="Check every row, write nothing.")
        items.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Import the good rows and report the bad ones (default: all or nothing).",
        )
        items.add_argument("--publish", action="store_true", help="Publish at once (staff only).")
        items.add_argument(
            "--organisation", default="", help="Slug for rows that leave the organisation empty."
        )
        items.add_argument(
            "--as", dest="as_email", default="", help="Act as this user; default: the system."
        )
        items.add_argument("--template", action="store_true", help="Write a file to fill in.")
        items.add_argument("-o", "--output", help="Where --template writes; default: stdout.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["template"]:
            self._template(options["format"], options["output"])
            return
        if not options["file"]:
            raise CommandError("give the FILE to import, or --template for a file to fill in")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        actor = self._actor(options["as_email"], publish=options["publish"])
        report = self._import(path, actor, options)
        self._summary(path, report, publish=options["publish"])
        if not report.ok and not report.imported:
            hint = (
                "" if options["skip_invalid"] else ", or import the good ones with --skip-invalid"
            )
            done = "the file has errors" if report.dry_run else "nothing was imported"
            raise CommandError(f"{done}: fix the rows above{hint}")

    def _actor(self, email: str, *, publish: bool) -> User | None:
        if not email:
            return None  # the system: may enter and publish for any organisation
        actor = User.objects.filter(email__iexact=email, is_active=True).first()
        if actor is None:
            raise CommandError(f"no active user with email {email}")
        if publish and not permissions.is_staff_user(actor):
            raise CommandError(f"{email} cannot publish: only chamber staff can; drop --publish")
        return actor

    def _import(self, path: Path, actor: User | None, options: dict[str, Any]) -> ImportReport:
        quiet = options["verbosity"] == 0
        # tqdm redraws its line with carriage returns, so it writes to the raw stream.
        stream = cast("TextIO", self.stderr._out)
        with tqdm(unit=" rows", file=stream, disable=True if quiet else None) as bar:

            def progress(done: int) -> None:
                bar.update(done - bar.n)

            try:
                return import_items(
                    path,
                    format=options["format"],
                    actor=actor,
                    organisation=options["organisation"],
                    dry_run=options["dry_run"],
                    skip_invalid=options["skip_invalid"],
                    publish=options["publish"],
                    progress=progress,
                )
            except DomainError as error:
                raise CommandError(str(error)) from None

    def _summary(self, path: Path, report: ImportReport, *, publish: bool) -> None:
        state = "published" if publish else "drafts"
        if report.dry_run:
            line = (
                f"Dry run of {path.name}: {report.total_rows} row(s) checked, "
                f"{report.imported} would be imported as {state}; nothing was written."
            )
        elif report.imported or report.ok:
            line = f"{path.name}: {report.total_rows} row(s) read, {report.imported} imported as {state}"
            line += f", {report.skipped} skipped." if report.skipped else "."
        else:
            line = f"{path.name}: {report.total_rows} row(s) read, nothing imported."
        self.stdout.write(line)
        if not report.ok:
            self.stdout.write(f"{report.error_count} error(s) in {report.error_rows} row(s):")
            for error in report.errors:
                self.stdout.write(f"  {error}")
            if report.unlisted:
                self.stdout.write(
                    f"  ... and {report.unlisted} more, not listed (BUREAU_IMPORT_MAX_ERRORS)."
                )

    def _template(self, fmt: str | None, output: str | None) -> None:
        fmt = fmt or (Path(output).suffix.lower().lstrip(".") if output else "") or "csv"
        if fmt not in FORMATS:
            raise CommandError(f"give --format: one of {', '.join(FORMATS)}")
        data = template_file(fmt)
        if output:
            Path(output).write_bytes(data)
            self.stdout.write(f"Wrote the {fmt} template to {output}.")
        elif fmt == "xlsx":
            raise CommandError("an XLSX template is binary: give -o FILE")
        else:
            self.stdout.write(data.decode("utf-8-sig"), ending="")
