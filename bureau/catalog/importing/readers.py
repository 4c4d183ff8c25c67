"""Read import files as a stream of numbered rows of ``{field name: raw value}``.

Every format is read row by row, so a large file never sits in memory whole, and a hostile one
runs into a cap (settings ``BUREAU_IMPORT_MAX_*``) before it costs memory or minutes: the rows,
the columns, the length of a CSV line, the size an XLSX expands to, the nesting of JSON.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import itertools
import zipfile
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import openpyxl
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from bureau.catalog.fields import FIELD_NAMES, NESTED_FIELDS
from bureau.catalog.importing.jsonrows import json_rows, too_many_rows
from bureau.catalog.importing.report import FileProblem, RowError
from bureau.core import parsing
from bureau.core.errors import ValidationFailed

FORMATS = ("csv", "xlsx", "json")
DELIMITERS = (",", ";", "\t")
FLAT_COLUMNS = [name for name in FIELD_NAMES if name not in NESTED_FIELDS]
NO_HEADER = gettext_noop("the first row must name the columns (download the template to see them)")
# Unknown columns named one by one up to this many; a header with more is reported once.
UNKNOWN_NAMED = 5
# An XLSX part larger than this must not expand more than MAX_RATIO times its zipped size:
# spreadsheet XML compresses 5-30 times, a zip bomb about a thousand.
RATIO_CHECKED_FROM = 1024 * 1024
MAX_RATIO = 200
MAX_PARTS = 10_000


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
                "format",
                _("'%(value)s' is not one of: %(allowed)s")
                % {"value": format, "allowed": ", ".join(FORMATS)},
            )
        return fmt
    if not filename:
        raise ValidationFailed.single(
            "format", _("is required: give csv, xlsx or json, or a file name with its extension")
        )
    fmt = Path(filename).suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValidationFailed.single(
            "format",
            _(
                "cannot tell the format of '%(name)s' from its extension: "
                "use a .csv, .xlsx or .json file"
            )
            % {"name": Path(filename).name},
        )
    return fmt


@dataclass(frozen=True)
class Columns:
    """The columns a file may have, and what a row of it is called in messages."""

    names: Sequence[str] = tuple(FLAT_COLUMNS)
    nested: Sequence[str] = tuple(NESTED_FIELDS)
    what: str = gettext_noop("an item")  # translated where a message names it


ITEM_COLUMNS = Columns()


def read_rows(
    stream: IO[bytes],
    fmt: str,
    *,
    require: Mapping[str, str] | None = None,
    known: Columns = ITEM_COLUMNS,
) -> Iterator[Row]:
    """Rows of the file in ``fmt``; raise ``FileProblem`` when the file cannot be read on.

    ``require`` maps a column that a CSV or XLSX header must have to the message shown when it
    lacks it; ``known`` are the columns it may have (an item's, unless another importer says).
    """
    if fmt == "csv":
        return _csv_rows(stream, require or {}, known)
    if fmt == "xlsx":
        return _xlsx_rows(stream, require or {}, known)
    return _json_rows(stream)


def columns(
    header: Sequence[Any], require: Mapping[str, str], known: Columns = ITEM_COLUMNS
) -> list[str]:
    """Field names of the header cells ("" for a column without a name); every bad one reported.

    A header of more than ``BUREAU_IMPORT_MAX_COLUMNS`` cells, or with many unknown names, is
    reported in one line with a count, not one line per cell.
    """
    header = _trimmed(header)
    limit = settings.BUREAU_IMPORT_MAX_COLUMNS
    if len(header) > limit:
        raise FileProblem.single(
            1, "", f"has {len(header):,} columns; an item has at most {limit:,} "
            "(BUREAU_IMPORT_MAX_COLUMNS): is the first row the header?",
        )  # fmt: skip
    names = [_name(cell) for cell in header]
    if not any(names):
        raise FileProblem.single(1, "", _(NO_HEADER))
    errors = _unknown(names, header, known)
    errors += [
        RowError(1, name, _("column %(name)s appears more than once") % {"name": name})
        for name, count in sorted(Counter(names).items())
        if count > 1 and name in known.names
    ]
    errors += [RowError(1, name, message) for name, message in require.items() if name not in names]
    if errors:
        raise FileProblem(errors)
    return names


def _trimmed(header: Sequence[Any]) -> Sequence[Any]:
    """The header without its trailing empty cells (a spreadsheet may pad rows with them)."""
    end = len(header)
    while end and parsing.is_blank(header[end - 1]):
        end -= 1
    return header[:end]


def _unknown(names: Sequence[str], header: Sequence[Any], known: Columns) -> list[RowError]:
    bad = [(name, cell) for name, cell in zip(names, header, strict=True) if name]
    bad = [(name, cell) for name, cell in bad if name not in known.names]
    if len(bad) <= UNKNOWN_NAMED:
        return [_bad(name, cell, known) for name, cell in bad]
    shown = ", ".join(f"'{str(cell).strip()[:40]}'" for _, cell in bad[:3])
    return [
        RowError(
            1, "", _("%(count)s columns are not fields of %(what)s (%(shown)s and %(more)s more): "
                     "is the first row the header of the right file?")
            % {"count": f"{len(bad):,}", "what": _(known.what), "shown": shown, "more": f"{len(bad) - 3:,}"},
        )
    ]  # fmt: skip


def _bad(name: str, cell: Any, known: Columns) -> RowError:
    label = "" if cell is None else str(cell).strip()
    if name in known.nested:
        return RowError(
            1, label, _("column %(column)s can only be given in a JSON file") % {"column": label}
        )
    names = {"column": label, "what": _(known.what)}
    if close := difflib.get_close_matches(name, list(known.names), n=1):
        message = _(
            "unknown column '%(column)s': it is not a field of %(what)s; did you mean '%(close)s'?"
        ) % {**names, "close": close[0]}
    else:
        message = _("unknown column '%(column)s': it is not a field of %(what)s") % names
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
            return Row(
                number,
                problem=_("has a value in column %(column)d, which has no header")
                % {"column": position + 1},
            )
        data[name] = value
    return Row(number, data)


def _csv_rows(stream: IO[bytes], require: Mapping[str, str], known: Columns) -> Iterator[Row]:
    number = 0  # the last row read, so that an error names the row after it
    max_rows = settings.BUREAU_IMPORT_MAX_ROWS
    try:
        lines = _text_lines(stream, settings.BUREAU_IMPORT_MAX_LINE)
        first = next(lines, "")
        if not first.strip():
            raise FileProblem.single(1, "", _(NO_HEADER))
        reader = csv.reader(itertools.chain([first], lines), delimiter=_delimiter(first))
        names = columns(next(reader), require, known)
        number = 1
        for number, cells in enumerate(reader, start=2):
            if number > max_rows + 1:
                raise FileProblem.single(number, "", too_many_rows(max_rows))
            yield record(number, names, cells)
    except LineTooLong as error:
        raise FileProblem.single(number + 1, "", str(error)) from None
    except UnicodeDecodeError:
        raise FileProblem.single(
            number + 1, "", _("is not UTF-8 text: save the file as 'CSV UTF-8'")
        ) from None
    except csv.Error as error:
        raise FileProblem.single(
            number + 1, "", _("cannot be read as CSV: %(error)s") % {"error": error}
        ) from None


class LineTooLong(ValueError):
    pass


def _text_lines(stream: IO[bytes], max_bytes: int) -> Iterator[str]:
    """Decode line by line, so that a bad byte is reported at its row, not at the first one.

    A line is read only up to ``max_bytes``: binary data or a million-column header has no
    line ends for megabytes and must not be read whole.
    """
    encoding = "utf-8-sig"  # drops the byte-order mark spreadsheet programs write
    while raw := stream.readline(max_bytes + 1):
        if len(raw) > max_bytes and not raw.endswith(b"\n"):
            raise LineTooLong(
                _(
                    "has a line longer than %(most)s bytes (BUREAU_IMPORT_MAX_LINE): "
                    "is this a CSV file?"
                )
                % {"most": f"{max_bytes:,}"}
            )
        yield raw.decode(encoding)
        encoding = "utf-8"


def _delimiter(header_line: str) -> str:
    """The separator the header uses most; field names never contain any of them."""
    return max(DELIMITERS, key=header_line.count)


def _xlsx_rows(stream: IO[bytes], require: Mapping[str, str], known: Columns) -> Iterator[Row]:
    stream = _seekable(stream)
    _check_archive(stream)
    try:
        book = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except Exception as error:  # a damaged upload must give a message, never a crash
        raise FileProblem.single(
            0, "", _("is not a readable XLSX workbook (%(error)s)") % {"error": error}
        ) from None
    number, max_rows = 0, settings.BUREAU_IMPORT_MAX_ROWS
    try:
        if not book.worksheets:
            raise FileProblem.single(1, "", _(NO_HEADER))
        sheet = book.worksheets[0]
        names = columns(next(sheet.iter_rows(values_only=True), ()), require, known)
        number = 1
        # Rows are padded to the sheet's width, which a stray cell can make 16,384: read no
        # further than the widest header allowed.
        width = settings.BUREAU_IMPORT_MAX_COLUMNS
        rows = sheet.iter_rows(min_row=2, max_col=width, values_only=True)
        for number, cells in enumerate(rows, start=2):
            if number > max_rows + 1:
                raise FileProblem.single(number, "", too_many_rows(max_rows))
            yield record(number, names, [_cell(value) for value in cells])
    except FileProblem:
        raise
    except Exception as error:
        raise FileProblem.single(
            number + 1, "", f"the workbook cannot be read here ({error})"
        ) from None
    finally:
        book.close()


def _check_archive(stream: IO[bytes]) -> None:
    """Refuse a workbook that would expand past the cap, before anything is decompressed.

    The sizes come from the zip directory; Python's zipfile never inflates a part past its
    declared size (it stops and reports a bad CRC), so the check holds against a lying one.
    """
    try:
        with zipfile.ZipFile(stream) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise FileProblem.single(
            0, "", _("is not a readable XLSX workbook (%(error)s)") % {"error": error}
        ) from None
    finally:
        stream.seek(0)
    cap = int(settings.BUREAU_IMPORT_MAX_EXPANDED_MB * 1024 * 1024)
    expanded = sum(part.file_size for part in parts)
    if len(parts) > MAX_PARTS or expanded > cap:
        raise FileProblem.single(
            0, "", f"expands to {expanded / 1024 / 1024:,.0f} MB in {len(parts):,} parts when "
            f"unzipped; at most {cap / 1024 / 1024:,.0f} MB are read "
            "(BUREAU_IMPORT_MAX_EXPANDED_MB): split it, or save it as CSV",
        )  # fmt: skip
    for part in parts:
        if part.file_size > RATIO_CHECKED_FROM and part.file_size > MAX_RATIO * max(
            part.compress_size, 1
        ):
            raise FileProblem.single(
                0, "", f"holds a part ({part.filename[:60]}) that expands "
                f"{part.file_size / max(part.compress_size, 1):,.0f} times its size: "
                "a spreadsheet does not compress that well, so it is not read",
            )  # fmt: skip


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
    for number, entry in json_rows(stream, max_rows=settings.BUREAU_IMPORT_MAX_ROWS):
        if not isinstance(entry, dict):
            yield Row(number, problem="must be an object of field names and values")
            continue
        yield Row(
            number,
            {_name(key): value for key, value in entry.items() if not parsing.is_blank(value)},
        )
