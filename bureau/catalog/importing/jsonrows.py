"""Read a JSON import file as a stream of rows, never holding the whole document.

The file is parsed event by event (ijson, on the yajl C library), and only the object of the
row at hand is built, so memory follows one row, not the file: a 10 MB file of ``[{},{},...]``
no longer builds three million dictionaries at once. Nesting is capped, since no field of an item
goes deeper than a list of milestone objects, and a document 100,000 levels deep would otherwise
end in a ``RecursionError`` or hold every level in memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

import ijson
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from bureau.catalog.importing.report import FileProblem

BOM = b"\xef\xbb\xbf"
# Levels below a row's object: a list of milestones (1), each an object (2), of plain values.
MAX_DEPTH = 8
NOT_A_LIST = gettext_noop('must hold a list of objects, or {"items": [...]}')
Events = Iterator[tuple[str, Any]]


def json_rows(stream: IO[bytes], *, max_rows: int) -> Iterator[tuple[int, Any]]:
    """(number, value) of each entry of the list of items, numbered from 1."""
    number = 0
    try:
        events: Events = ijson.basic_parse(_without_bom(stream), use_float=True)
        if not _to_items(events):
            raise FileProblem.single(0, "", _(NOT_A_LIST))
        for number, (event, value) in enumerate(_entries(events), start=1):
            if number > max_rows:
                raise FileProblem.single(number, "", too_many_rows(max_rows))
            yield number, _build(events, event, value, row=number)
        number = 0  # what follows the list concerns the file
        _rest(events)
    except ijson.JSONError as error:
        raise FileProblem.single(number, "", _describe(error)) from None


def too_many_rows(max_rows: int) -> str:
    return _(
        "the file has more than %(most)s rows, the most one import takes "
        "(BUREAU_IMPORT_MAX_ROWS): split it into smaller files"
    ) % {"most": f"{max_rows:,}"}


def _describe(error: Exception) -> str:
    detail = str(error)
    if "UTF8" in detail:
        return _("is not UTF-8 text")
    first = detail.strip().splitlines()[0] if detail.strip() else "unreadable"
    return _("is not valid JSON: %(error)s") % {
        "error": first.removeprefix("parse error: ").rstrip(".")
    }


def _to_items(events: Events) -> bool:
    """Move to just inside the list of items; False when the document has none."""
    event, _ = next(events, ("", None))
    if event == "start_array":
        return True
    if event != "start_map":
        _rest(events)
        return False
    for event, value in events:
        if event == "end_map":
            return False
        # event is map_key: the value follows
        start, _ = next(events)
        if value == "items" and start == "start_array":
            return True
        _skip(events, start, row=0)
    return False


def _entries(events: Events) -> Iterator[tuple[str, Any]]:
    """The first event of each entry of the list, until the list ends."""
    for event, value in events:
        if event == "end_array":
            return
        yield event, value


def _rest(events: Events) -> None:
    """Read to the end, so that a syntax error after the list is still reported."""
    for _event in events:
        pass


def _skip(events: Events, event: str, *, row: int) -> None:
    depth = 1 if event in ("start_map", "start_array") else 0
    while depth:
        event, _ = next(events)
        if event in ("start_map", "start_array"):
            depth += 1
            if depth > MAX_DEPTH:
                raise FileProblem.single(
                    row, "", _("is nested more than %(most)s levels deep") % {"most": MAX_DEPTH}
                )
        elif event in ("end_map", "end_array"):
            depth -= 1


def _build(events: Events, event: str, value: Any, *, row: int) -> Any:
    """The value that begins with (event, value), built without recursion, at most MAX_DEPTH deep."""
    if event not in ("start_map", "start_array"):
        return value
    root: Any = {} if event == "start_map" else []
    stack, key = [root], None
    for event, value in events:
        if event == "map_key":
            key = value
        elif event in ("end_map", "end_array"):
            stack.pop()
            if not stack:
                return root
        elif event in ("start_map", "start_array"):
            if len(stack) >= MAX_DEPTH:
                raise FileProblem.single(
                    row, "", _("is nested more than %(most)s levels deep") % {"most": MAX_DEPTH}
                )
            child: Any = {} if event == "start_map" else []
            _put(stack[-1], key, child)
            stack.append(child)
        else:
            _put(stack[-1], key, value)
    return root


def _put(container: Any, key: Any, value: Any) -> None:
    if isinstance(container, dict):
        container[key] = value
    else:
        container.append(value)


class _without_bom:  # noqa: N801 - reads like the function it stands in for
    """The stream with the byte-order mark some editors write skipped."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream, self.head = stream, stream.read(len(BOM))
        if self.head == BOM:
            self.head = b""

    def read(self, size: int = -1) -> bytes:
        if self.head and size != 0:
            head, self.head = self.head, b""
            return head + self.stream.read(max(size - len(head), 0) if size >= 0 else -1)
        return self.stream.read(size)
