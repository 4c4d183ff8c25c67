"""What an import tells its caller: counts and every bad row with its number, field and reason."""

from __future__ import annotations

from dataclasses import dataclass, field


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
        where = f"row {self.row}" if self.row else "file"
        return (
            f"{where}, {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


@dataclass
class ImportReport:
    """The outcome of one import.

    ``total_rows`` counts the non-empty data rows read. ``imported`` is how many items were
    written (in a dry run: how many a real run would write). ``skipped`` is how many bad rows
    were left out because ``skip_invalid`` was asked for.
    """

    total_rows: int
    imported: int
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    skipped: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


class FileProblem(Exception):
    """The file cannot be read on (bad encoding, broken workbook, unknown column, ...)."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors

    @classmethod
    def single(cls, row: int, field: str, message: str) -> FileProblem:
        return cls([RowError(row, field, message)])
