"""Read import files as a stream of numbered rows of ``{field name: raw value}``.

CSV and XLSX are read row by row, so a large file never sits in memory whole; a JSON
document is parsed at once (the standard library has no streaming parser).
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import itertools
import json
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import openpyxl

from bureau.catalog.fields import FIELD_NAMES, NESTED_FIELDS
from bureau.catalog.importing.report import FileProblem, RowError
from bureau.core import parsing
from bureau.core.errors import ValidationFailed

FORMATS = ("csv", "xlsx", "json")
DELIMITERS = (",", ";", "\t")
FLAT_COLUMNS = [name for name in FIELD_NAMES if name not in NESTED_FIELDS]
NO_HEADER = "the first row must name the columns (download the template to see them)"


@dataclass(frozen=True)
class Row:
    """One data row: its number as the user sees it, its non-blank values, or a whole-row problem."""

    number: int
    data: dict[str, Any] = field(default_factory=dict)
    problem: str = ""

    @property
    def empty(self) -> bool:
        return not self.data and not self.problem


def detect_format(format: str | None, filename: str | None) -> str:
    """The format asked for, else the one the file name's extension tells."""
    if format:
        fmt = format.strip().lower().lstrip(".")
        if fmt not in FORMATS:
            raise ValidationFailed.single(
                "format", f"'{format}' is not one of: {', '.join(FORMATS)}"
            )
        return fmt
    if not filename:
        raise ValidationFailed.single(
            "format", "is required: give csv, xlsx or json, or a file name with its extension"
        )
    fmt = Path(filename).suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValidationFailed.single(
            "format",
            f"cannot tell the format of '{Path(filename).name}' from its extension: "
            "use a .csv, .xlsx or .json file",
        )
    return fmt


def read_rows(
    stream: IO[bytes], fmt: str, *, require: Mapping[str, str] | None = None
) -> Iterator[Row]:
    """Rows of the file in ``fmt``; raise ``FileProblem`` when the file cannot be read on.

    ``require`` maps a column that a CSV or XLSX header must have to the message shown when it
    lacks it.
    """
    if fmt == "csv":
        return _csv_rows(stream, require or {})
    if fmt == "xlsx":
        return _xlsx_rows(stream, require or {})
    return _json_rows(stream)


def columns(header: Sequence[Any], require: Mapping[str, str]) -> list[str]:
    """Field names of the header cells ("" for a column without a name); every bad one reported."""
    names = [_name(cell) for cell in header]
    if not any(names):
        raise FileProblem.single(1, "", NO_HEADER)
    errors = [
        error for name, cell in zip(names, header, strict=True) if (error := _bad(name, cell))
    ]
    errors += [
        RowError(1, name, f"column {name} appears more than once")
        for name, count in sorted(Counter(names).items())
        if count > 1 and name in FLAT_COLUMNS
    ]
    errors += [RowError(1, name, message) for name, message in require.items() if name not in names]
    if errors:
        raise FileProblem(errors)
    return names


def _bad(name: str, cell: Any) -> RowError | None:
    if not name or name in FLAT_COLUMNS:
        return None
    label = "" if cell is None else str(cell).strip()
    if name in NESTED_FIELDS:
        return RowError(1, label, f"column {label} can only be given in a JSON file")
    message = f"unknown column '{label}': it is not a field of an item"
    if close := difflib.get_close_matches(name, FLAT_COLUMNS, n=1):
        message += f"; did you mean '{close[0]}'?"
    return RowError(1, label, message)


def _name(cell: Any) -> str:
    """A header cell or JSON key as a field name: case and surrounding spaces do not matter."""
    return "" if cell is None else str(cell).strip().lower()


def record(number: int, names: Sequence[str], cells: Sequence[Any]) -> Row:
    """A row from its cells under the header ``names``; blank cells are left out."""
    data: dict[str, Any] = {}
    for position, value in enumerate(cells):
        if parsing.is_blank(value):
            continue
        name = names[position] if position < len(names) else ""
        if not name:
            return Row(number, problem=f"has a value in column {position + 1}, which has no header")
        data[name] = value
    return Row(number, data)


def _csv_rows(stream: IO[bytes], require: Mapping[str, str]) -> Iterator[Row]:
    number = 0  # the last row read, so that an error names the row after it
    try:
        lines = _text_lines(stream)
        first = next(lines, "")
        if not first.strip():
            raise FileProblem.single(1, "", NO_HEADER)
        reader = csv.reader(itertools.chain([first], lines), delimiter=_delimiter(first))
        names = columns(next(reader), require)
        number = 1
        for number, cells in enumerate(reader, start=2):
            yield record(number, names, cells)
    except UnicodeDecodeError:
        raise FileProblem.single(
            number + 1, "", "is not UTF-8 text: save the file as 'CSV UTF-8'"
        ) from None
    except csv.Error as error:
        raise FileProblem.single(number + 1, "", f"cannot be read as CSV: {error}") from None


def _text_lines(stream: IO[bytes]) -> Iterator[str]:
    """Decode line by line, so that a bad byte is reported at its row, not at the first one."""
    encoding = "utf-8-sig"  # drops the byte-order mark spreadsheet programs write
    for raw in stream:
        yield raw.decode(encoding)
        encoding = "utf-8"


def _delimiter(header_line: str) -> str:
    """The separator the header uses most; field names never contain any of them."""
    return max(DELIMITERS, key=header_line.count)


def _xlsx_rows(stream: IO[bytes], require: Mapping[str, str]) -> Iterator[Row]:
    try:
        book = openpyxl.load_workbook(_seekable(stream), read_only=True, data_only=True)
    except Exception as error:  # a damaged upload must give a message, never a crash
        raise FileProblem.single(0, "", f"is not a readable XLSX workbook ({error})") from None
    number = 0
    try:
        if not book.worksheets:
            raise FileProblem.single(1, "", NO_HEADER)
        rows = book.worksheets[0].iter_rows(values_only=True)
        names = columns(next(rows, ()), require)
        number = 1
        for number, cells in enumerate(rows, start=2):
            yield record(number, names, [_cell(value) for value in cells])
    except FileProblem:
        raise
    except Exception as error:
        raise FileProblem.single(
            number + 1, "", f"the workbook cannot be read here ({error})"
        ) from None
    finally:
        book.close()


def _cell(value: Any) -> Any:
    """Spreadsheet numbers come as floats: 100630.0 is the code 100630, not a fraction."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date()
    return value


def _seekable(stream: IO[bytes]) -> IO[bytes]:
    # XLSX is a zip archive, read from its end: a pipe must be buffered first.
    seekable = getattr(stream, "seekable", None)
    return stream if seekable is not None and seekable() else io.BytesIO(stream.read())


def _json_rows(stream: IO[bytes]) -> Iterator[Row]:
    try:
        document = json.loads(stream.read().decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise FileProblem.single(0, "", "is not UTF-8 text") from None
    except json.JSONDecodeError as error:
        raise FileProblem.single(
            0, "", f"is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}"
        ) from None
    items = document.get("items") if isinstance(document, dict) else document
    if not isinstance(items, list):
        raise FileProblem.single(0, "", 'must hold a list of objects, or {"items": [...]}')
    for number, entry in enumerate(items, start=1):
        if not isinstance(entry, dict):
            yield Row(number, problem="must be an object of field names and values")
            continue
        yield Row(
            number,
            {_name(key): value for key, value in entry.items() if not parsing.is_blank(value)},
        )
