"""``bureau trade``: import trade statistics, follow progress to the target, manage datasets.

``bureau trade import FILE --format FORMAT`` stores a statistics file (all rows or none);
``bureau trade progress [--json]`` shows the target tracker; ``bureau trade datasets`` lists
what is stored and ``bureau trade remove ID`` drops one dataset.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TextIO, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from bureau.accounts import permissions
from bureau.accounts.models import User
from bureau.core.errors import DomainError
from bureau.trade import codes, reports, selectors, store
from bureau.trade.importing import FORMATS, Options, TradeImport, import_file, remove_dataset
from bureau.trade.schemas import ProgressOut, YearOut, progress_out

# The stages an import reports, in order; the bar counts the ones already done.
STAGES = ("reading", "checking", "storing")
MILLION = 1e6
SHOWN_REPORTERS = 12


class Command(BaseCommand):
    help = (
        "Trade statistics: `bureau trade import FILE --format FORMAT`, `bureau trade progress "
        "[--target-year YYYY] [--json]`, `bureau trade datasets`, `bureau trade remove ID`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("import", help="Import a statistics file, all rows or none.")
        load.add_argument("file", help="The file to import.")
        load.add_argument("--format", required=True, choices=FORMATS, help="The file's layout.")
        load.add_argument("--source", default="", help="Who published the figures.")
        load.add_argument("--source-url", default="", help="Where the figures were published.")
        load.add_argument(
            "--year", type=int, help="The year, for files that do not state it (WITS matrix)."
        )
        load.add_argument(
            "--as", dest="as_email", default="", help="Record this staff user as the importer."
        )
        tracker = sub.add_parser("progress", help="Progress towards the trade target.")
        tracker.add_argument("--target-year", type=int, help="Default: BUREAU_TRADE_TARGET_YEAR.")
        tracker.add_argument("--json", action="store_true", help="Print the figures as JSON.")
        sub.add_parser("datasets", help="List the imported datasets.")
        remove = sub.add_parser("remove", help="Remove one imported dataset.")
        remove.add_argument("id", help="The dataset's id, as `bureau trade datasets` shows it.")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "import":
            self._import(options)
        elif action == "progress":
            self._progress(options["target_year"], as_json=options["json"])
        elif action == "datasets":
            self._datasets()
        else:
            self._remove(options["id"])

    # --- import ---------------------------------------------------------------------------

    def _import(self, options: dict[str, Any]) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        importer = self._importer(options["as_email"])
        wanted = Options(
            source=options["source"], source_url=options["source_url"], year=options["year"]
        )
        result = self._run(path, options["format"], wanted, importer, options["verbosity"])
        if result.errors:
            self._errors(path, result)
            raise CommandError("nothing was imported: fix the rows above and import again")
        self._summary(path, result)

    def _importer(self, email: str) -> str:
        """The email recorded with the dataset; only chamber staff and node admins import."""
        if not email:
            return ""
        user = User.objects.filter(email__iexact=email, is_active=True).first()
        if user is None:
            raise CommandError(f"no active user with email {email}")
        if not permissions.is_staff_user(user):
            raise CommandError(
                f"{email} cannot import trade statistics: only chamber staff and node admins can"
            )
        return user.email

    def _run(
        self, path: Path, format: str, options: Options, importer: str, verbosity: int
    ) -> TradeImport:
        # tqdm redraws its line with carriage returns, so it writes to the raw stream.
        stream = cast("TextIO", self.stderr._out)
        quiet = verbosity == 0
        with tqdm(
            total=len(STAGES),
            bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} [{elapsed}]",
            file=stream,
            disable=True if quiet else None,
        ) as bar:

            def progress(stage: str) -> None:
                bar.set_description_str(stage)
                if stage in STAGES:
                    bar.update(STAGES.index(stage) - bar.n)

            try:
                result = import_file(
                    path, format=format, options=options, imported_by=importer, progress=progress
                )
            except DomainError as error:
                raise CommandError(str(error)) from None
            if not result.errors:
                bar.set_description_str("done")
                bar.update(len(STAGES) - bar.n)
            return result

    def _errors(self, path: Path, result: TradeImport) -> None:
        self.stdout.write(f"{path.name}: {result.rows} row(s) read, nothing imported.")
        self.stdout.write(f"{len(result.errors)} error(s):")
        for error in result.errors:
            self.stdout.write(f"  {error}")
        if result.error_rows > len(result.errors):
            self.stdout.write(
                f"{result.error_rows} bad row(s) in all; the first {len(result.errors)} "
                "error(s) are listed."
            )

    def _summary(self, path: Path, result: TradeImport) -> None:
        dataset = result.dataset
        assert dataset is not None  # an import without errors always names its dataset
        if result.unchanged:
            self.stdout.write(
                f"{path.name}: already imported as dataset {dataset.id}: nothing changed."
            )
            return
        self.stdout.write(f"{path.name}: {result.rows} row(s) imported as dataset {dataset.id}.")
        shown = dataset.reporters[:SHOWN_REPORTERS]
        more = len(dataset.reporters) - len(shown)
        reporters = ", ".join(shown) + (f" and {more} more" if more else "")
        reporters = reporters or "none (reconciled data)"
        self.stdout.write(f"Years: {dataset.years or 'none'}; reporters: {reporters}.")
        if result.replaced:
            self.stdout.write(f"It replaced earlier edition {result.replaced}.")
        for note in result.notes:
            self.stdout.write(f"Note: {note}")

    # --- progress -------------------------------------------------------------------------

    def _progress(self, target_year: int | None, *, as_json: bool) -> None:
        tracked = selectors.tracker(target_year=target_year)
        figures = progress_out(tracked, reports.target_source())  # what the API answers too
        if as_json:
            self.stdout.write(
                json.dumps(figures.model_dump(mode="json"), indent=2, ensure_ascii=False)
            )
        elif figures.latest_year is None:
            self.stdout.write(
                "No yearly trade figures between the pair yet: import figures first with "
                "`bureau trade import FILE --format figures` (or comtrade, baci, wits-...)."
            )
        else:
            for line in progress_text(figures):
                self.stdout.write(line)

    # --- datasets -------------------------------------------------------------------------

    def _datasets(self) -> None:
        found = store.datasets()
        if not found:
            self.stdout.write("No trade datasets yet: import one with `bureau trade import`.")
            return
        rows = [
            [d.id, d.format, d.file_name, str(d.rows), d.years, d.source, d.imported_at]
            for d in found
        ]
        header = ["id", "format", "file", "rows", "years", "source", "imported at"]
        for line in table(header, rows):
            self.stdout.write(line)

    def _remove(self, dataset_id: str) -> None:
        try:
            removed = remove_dataset(dataset_id)
        except DomainError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Removed dataset {removed.id} ({removed.file_name}, {removed.rows} row(s))."
        )


def progress_text(figures: ProgressOut) -> list[str]:
    return [*_summary_lines(figures), "", *_year_table(figures.years)]


def _summary_lines(figures: ProgressOut) -> list[str]:
    year, trend, required = figures.latest_year, figures.trend, figures.required_annual_growth
    assert year is not None and figures.latest_usd is not None and figures.latest_source
    pair = "-".join(codes.display_name(code) for code in figures.country_pair)
    lines = [
        f"Target: US$ {millions(figures.target_usd, 0)} million a year by "
        f"{figures.target_year} ({pair} trade turnover)."
        + (f" Source: {figures.target_source.source}." if figures.target_source else ""),
        f"Latest actual: {year}, US$ {millions(figures.latest_usd)} million "
        f"({figures.latest_source.source}).",
    ]
    if required is not None:
        lines.append(f"Required growth: {required:.1%} a year from {year}.")
    elif figures.target_year <= year:
        lines.append(f"Required growth: none, the target year is not after {year}.")
    else:
        lines.append(f"Required growth: cannot be computed from a zero value in {year}.")
    if trend is None:
        lines.append("Trend: needs figures for at least two years.")
    else:
        reaches = trend.reaches_target_in
        when = f"reaches the target in {reaches}" if reaches else "never at the current trend"
        lines.append(
            f"Trend growth: {trend.annual_growth:.1%} a year "
            f"(fit over {trend.years_fitted} years); {when}."
        )
    return lines


def _year_table(years: list[YearOut]) -> list[str]:
    rows = [
        [
            str(y.year),
            millions(y.value_usd),
            millions(y.gap_usd),
            millions(y.trend_usd) if y.trend_usd is not None else "",
            y.source.source,
        ]
        for y in years
    ]
    header = ["year", "actual (US$ m)", "gap to target", "trend", "source"]
    return table(header, rows, right=(1, 2, 3))


def millions(value_usd: float, digits: int = 2) -> str:
    return f"{value_usd / MILLION:,.{digits}f}"


def table(header: list[str], rows: list[list[str]], right: tuple[int, ...] = ()) -> list[str]:
    """Columns padded to their widest cell (numbers aligned right); the last is not padded."""
    widths = [max(len(row[n]) for row in [header, *rows]) for n in range(len(header))]

    def line(cells: list[str]) -> str:
        padded = [
            cell.rjust(width) if n in right else cell.ljust(width)
            for n, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join([*padded[:-1], cells[-1]]).rstrip()

    return [line(header), *(line(row) for row in rows)]
