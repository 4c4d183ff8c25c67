"""What an import tells its caller: counts and every bad row with its number, field and reason."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class RowError:
    """One problem in an import file.

    ``row`` is the row as the user sees it: in CSV and XLSX the header is row 1 and the first
    data row is row 2; in JSON the first object is row 1. Row 0 means the file as a whole.
    ``field`` is the column or field name, or "" when the problem is the whole row.
    """

    row: int
    field: str
    message: str

    def __str__(self) -> str:
        where = _("row %(row)d") % {"row": self.row} if self.row else _("file")
        if self.field:
            return _("%(where)s, %(field)s: %(message)s") % {
                "where": where,
                "field": self.field,
                "message": self.message,
            }
        return _("%(where)s: %(message)s") % {"where": where, "message": self.message}


@dataclass
class ImportReport:
    """The outcome of one import.

    ``total_rows`` counts the non-empty data rows read. ``imported`` is how many items were
    written (in a dry run: how many a real run would write). ``skipped`` is how many bad rows
    were left out because ``skip_invalid`` was asked for. ``errors`` lists the first problems,
    at most ``BUREAU_IMPORT_MAX_ERRORS``; ``error_count`` and ``error_rows`` count them all,
    and ``unlisted`` is how many are not in the list.
    """

    total_rows: int
    imported: int
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    skipped: int = 0
    error_count: int = -1  # -1: as many as listed
    error_rows: int = -1

    def __post_init__(self) -> None:
        if self.error_count < 0:
            self.error_count = len(self.errors)
        if self.error_rows < 0:
            self.error_rows = len({e.row for e in self.errors})

    @property
    def ok(self) -> bool:
        return not self.error_count

    @property
    def unlisted(self) -> int:
        return self.error_count - len(self.errors)


class ErrorList:
    """Problems as they are found: the first ``limit`` kept, every one counted."""

    def __init__(self, limit: int) -> None:
        self.limit, self.listed = limit, list[RowError]()
        self.count = self.rows = 0

    def add(self, errors: list[RowError]) -> None:
        """Add the problems of one row, or of the file (each row is added once)."""
        self.count += len(errors)
        self.rows += len({e.row for e in errors})
        self.listed += errors[: max(self.limit - len(self.listed), 0)]

    def __bool__(self) -> bool:
        return bool(self.count)


class FileProblem(Exception):
    """The file cannot be read on (bad encoding, broken workbook, unknown column, ...)."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors

    @classmethod
    def single(cls, row: int, field: str, message: str) -> FileProblem:
        return cls([RowError(row, field, message)])
