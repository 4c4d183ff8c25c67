"""Bulk import of a pledge's projects and of a contract's cargoes from CSV or XLSX.

The catalog's readers read the file (formats, caps, row numbers: the header is row 1); every
row is checked by the same ``validation.clean`` as a single record, and the report names each
bad row, field and reason. All rows or none: one bad row and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from bureau.accounts.models import User
from bureau.catalog.importing.readers import Columns, detect_format, read_rows
from bureau.catalog.importing.report import FileProblem, ImportReport, RowError
from bureau.commitments import services
from bureau.commitments.models import Pledge, SupplyContract
from bureau.commitments.validation import SCHEMAS, clean
from bureau.core.errors import ValidationFailed

PROJECT_COLUMNS = Columns(
    names=tuple(SCHEMAS["project"]), nested=(), what=gettext_noop("a project")
)
CARGO_COLUMNS = Columns(names=tuple(SCHEMAS["cargo"]), nested=(), what=gettext_noop("a cargo"))


def _checked(
    rows: Any, entity: str, check: Callable[[dict[str, Any]], None]
) -> tuple[list[tuple[int, dict[str, Any]]], list[RowError]]:
    good, errors = [], []
    for row in rows:
        if row.empty:
            continue
        if row.problem:
            errors.append(RowError(row.number, "", row.problem))
            continue
        data = {
            k: "" if v is None else str(v) if not isinstance(v, str) else v
            for k, v in row.data.items()
        }
        try:
            clean(entity, data)
            check(data)
        except ValidationFailed as failed:
            errors += [RowError(row.number, e.field, e.message) for e in failed.errors]
            continue
        good.append((row.number, data))
    return good, errors


def _run(stream: IO[bytes], filename: str, known: Columns, entity: str,
         check: Callable[[dict[str, Any]], None], save: Callable[[dict[str, Any]], Any]) -> ImportReport:  # fmt: skip
    fmt = detect_format(None, filename)
    if fmt == "json":
        raise ValidationFailed.single("format", _("give a CSV or XLSX file"))
    try:
        good, errors = _checked(read_rows(stream, fmt, known=known), entity, check)
    except FileProblem as problem:
        return ImportReport(total_rows=0, imported=0, errors=problem.errors)
    if errors:
        return ImportReport(
            total_rows=len(good) + len({e.row for e in errors}), imported=0, errors=errors
        )
    with transaction.atomic():
        for _number, data in good:
            save(data)
    return ImportReport(total_rows=len(good), imported=len(good))


def _no_check(data: dict[str, Any]) -> None:
    return None


def projects_import(
    *, actor: User | None, pledge: Pledge, stream: IO[bytes], filename: str
) -> ImportReport:
    """Add the file's projects under ``pledge`` (columns: the project fields)."""
    services.check_can_edit(actor, pledge)

    def check(data: dict[str, Any]) -> None:
        services.project_values(data)  # investor and host must be in the directory

    def save(data: dict[str, Any]) -> Any:
        return services.project_create(actor=actor, pledge=pledge, data=data)

    return _run(stream, filename, PROJECT_COLUMNS, "project", check, save)


def cargoes_import(
    *, actor: User | None, contract: SupplyContract, stream: IO[bytes], filename: str
) -> ImportReport:
    """Schedule the file's cargoes under ``contract`` (columns: the cargo fields)."""
    services.check_can_edit(actor, contract)

    def save(data: dict[str, Any]) -> Any:
        return services.cargo_create(actor=actor, contract=contract, data=data)

    return _run(stream, filename, CARGO_COLUMNS, "cargo", _no_check, save)


def projects_import_file(*, actor: User | None, pledge: Pledge, path: Path) -> ImportReport:
    with path.open("rb") as stream:
        return projects_import(actor=actor, pledge=pledge, stream=stream, filename=path.name)


def cargoes_import_file(
    *, actor: User | None, contract: SupplyContract, path: Path
) -> ImportReport:
    with path.open("rb") as stream:
        return cargoes_import(actor=actor, contract=contract, stream=stream, filename=path.name)
