"""Import items from a file: validate every row like the API does, then save all or nothing.

Two phases, so that the database's write lock is never held while a file is parsed (on SQLite
that lock stops every other writer, the worker's loops included): the file is read and every
row checked with no transaction open, the good rows put aside in a temporary file a batch at a
time, and only then are they written, in one transaction that does nothing but insert.
"""

from __future__ import annotations

import contextlib
import pickle
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from bureau.accounts import permissions
from bureau.accounts.models import User
from bureau.catalog import services
from bureau.catalog.importing import readers
from bureau.catalog.importing.report import ErrorList, FileProblem, ImportReport, RowError
from bureau.core import metrics
from bureau.core.errors import DomainError, PermissionDenied, ValidationFailed
from bureau.reference import money

Source = IO[bytes] | Path | str
BATCH_SIZE = 1000  # rows per bulk insert: large enough to amortise, small enough for memory
PROGRESS_EVERY = 250
SYSTEM_NEEDS_ORGANISATION = gettext_noop(
    "is required when importing as the system: fill it in or give a default organisation"
)


def _outcome(report: ImportReport) -> tuple[str, int]:
    if report.dry_run:
        return "checked", 0
    if not report.ok and not report.skipped:
        return "refused", 0
    return "imported", report.imported


@metrics.counts_imports("items", _outcome)
def import_items(
    source: Source,
    *,
    filename: str | None = None,
    format: str | None = None,
    actor: User | None,
    organisation: str = "",
    dry_run: bool = False,
    skip_invalid: bool = False,
    publish: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import the items of a CSV, XLSX or JSON file and report every bad row.

    Each row is checked by ``services.item_prepare``, so its messages are those of the API
    and the forms. ``organisation`` is the slug used for rows that leave it empty; ``actor``
    None is the system. By default one bad row means nothing is written; ``skip_invalid``
    writes the good rows; ``dry_run`` only checks. ``publish`` publishes at once, which only
    moderators (and the system) may. The writes happen in one transaction, so an import that
    stops half-way leaves nothing behind. ``progress`` is called with the number of rows read
    so far. Raises ``ValidationFailed`` when the format is unknown or the file cannot be opened;
    problems inside the file are in the report.
    """
    fmt = readers.detect_format(format, filename or _name_of(source))
    job = _Import(
        actor=actor,
        organisation=organisation.strip(),
        publish=publish,
        skip_invalid=skip_invalid,
        write=not dry_run,
        progress=progress,
    )
    with _opened(source) as stream, job:
        job.run(readers.read_rows(stream, fmt, require=job.required_columns()))
        job.save()
    return job.report(dry_run=dry_run)


def _name_of(source: Source) -> str | None:
    if isinstance(source, str | Path):
        return str(source)
    name = getattr(source, "name", None)
    return name if isinstance(name, str) else None


@contextlib.contextmanager
def _opened(source: Source) -> Iterator[IO[bytes]]:
    if not isinstance(source, str | Path):
        yield source
        return
    try:
        stream = Path(source).open("rb")  # noqa: SIM115 - closed below
    except OSError as error:
        raise ValidationFailed.single(
            "file", _("cannot be opened: %(error)s") % {"error": error.strerror or error}
        ) from None
    with stream:
        yield stream


class _Import:
    """The state of one import: the rows seen, the good ones put aside, the errors."""

    def __init__(
        self,
        *,
        actor: User | None,
        organisation: str,
        publish: bool,
        skip_invalid: bool,
        write: bool,
        progress: Callable[[int], None] | None,
    ) -> None:
        self.actor, self.organisation, self.publish = actor, organisation, publish
        self.skip_invalid, self.write, self.progress = skip_invalid, write, progress
        self.resolver = services.OrganisationResolver()
        self.rates = money.rates_per_usd()  # once, not per row
        self.batch: list[services.PreparedItem] = []
        self.errors = ErrorList(settings.BUREAU_IMPORT_MAX_ERRORS)
        self.total = self.good = self.bad_rows = 0
        self.broken = False  # the file could not be read to its end
        self.aside: IO[bytes] | None = None  # pickled batches of good rows, waiting for save()
        self.batches = 0

    def __enter__(self) -> _Import:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.aside is not None:
            self.aside.close()

    def required_columns(self) -> dict[str, str]:
        if self.actor is None and not self.organisation:
            return {"organisation": _(SYSTEM_NEEDS_ORGANISATION)}
        return {}

    @property
    def writes_stand(self) -> bool:
        """Whether the good rows may be saved: all-or-nothing unless skipping bad rows."""
        return not self.broken and (self.skip_invalid or not self.errors)

    def run(self, rows: Iterable[readers.Row]) -> None:
        """Read and check every row, with no transaction open."""
        try:
            for row in rows:
                if not row.empty:
                    self._take(row)
        except FileProblem as problem:
            self.errors.add(problem.errors)
            self.broken = True
        self._put_aside()
        if self.progress:
            self.progress(self.total)

    def _take(self, row: readers.Row) -> None:
        self.total += 1
        checked = self._check(row)
        if isinstance(checked, list):
            self.errors.add(checked)
            self.bad_rows += 1
        else:
            self.good += 1
            if self.write and self.writes_stand:
                self.batch.append(checked)
                if len(self.batch) >= BATCH_SIZE:
                    self._put_aside()
        if self.progress and self.total % PROGRESS_EVERY == 0:
            self.progress(self.total)

    def _check(self, row: readers.Row) -> services.PreparedItem | list[RowError]:
        if row.problem:
            return [RowError(row.number, "", row.problem)]
        data = row.data
        if "organisation" not in data:
            if not self.organisation and self.actor is None:
                return [RowError(row.number, "organisation", _(SYSTEM_NEEDS_ORGANISATION))]
            data = {**data, "organisation": self.organisation}
        try:
            prepared = services.item_prepare(
                actor=self.actor, data=data, resolver=self.resolver, rates=self.rates
            )
        except ValidationFailed as failed:
            return [RowError(row.number, e.field, e.message) for e in failed.errors]
        except PermissionDenied as denied:
            return [RowError(row.number, "organisation", denied.message)]
        except DomainError as error:
            return [RowError(row.number, "", error.message)]
        if self.publish and not self._may_publish(prepared):
            return [RowError(row.number, "organisation", _("only chamber staff can publish"))]
        return prepared

    def _may_publish(self, prepared: services.PreparedItem) -> bool:
        return self.actor is None or permissions.moderates(self.actor, prepared.item.organisation)

    def _put_aside(self) -> None:
        """Move the batch to the temporary file, so that memory holds one batch at most."""
        if self.batch and self.write and self.writes_stand:
            if self.aside is None:
                self.aside = tempfile.TemporaryFile()  # noqa: SIM115 - closed by __exit__
            pickle.dump(self.batch, self.aside, protocol=pickle.HIGHEST_PROTOCOL)
            self.batches += 1
        self.batch = []

    def save(self) -> None:
        """Write every good row in one transaction that only inserts (nothing when a dry run,
        or when a bad row means nothing is to be saved)."""
        if self.aside is None or not (self.write and self.writes_stand):
            return
        self.aside.seek(0)
        with transaction.atomic():
            for _ in range(self.batches):
                # Our own file, written above by this process: nothing foreign is unpickled.
                batch: list[services.PreparedItem] = pickle.load(self.aside)  # noqa: S301
                services.items_save(batch, actor=self.actor, publish=self.publish)

    def report(self, *, dry_run: bool) -> ImportReport:
        stands = self.writes_stand
        return ImportReport(
            total_rows=self.total,
            imported=self.good if stands else 0,
            errors=self.errors.listed,
            dry_run=dry_run,
            skipped=self.bad_rows if stands else 0,
            error_count=self.errors.count,
            error_rows=self.errors.rows,
        )
