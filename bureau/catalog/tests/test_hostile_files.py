"""Files made to sink an import end in a clear error, with bounded memory, and nothing stored.

Each file is made here: deep JSON, zip bombs in XLSX (the one compressed format the importer
takes: too large when expanded, too well compressed, XML entities that multiply), a million
columns, binary data named .csv, and files that are valid for a million rows before they break.
Memory is the peak ``tracemalloc`` sees (what Python allocates, C extensions included); the bound
is generous and would be passed many times over by the old readers.
"""

from __future__ import annotations

import io
import json
import random
import tracemalloc
import zipfile
from collections.abc import Callable, Iterator
from typing import IO, Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from bureau.catalog.importing import ImportReport, import_items, readers, template_file
from bureau.catalog.models import Item
from conftest import lead_data

MB = 1024 * 1024
MEMORY_BOUND = 40 * MB  # the old readers peaked at hundreds of MB on these files


def measured(run: Callable[[], ImportReport]) -> tuple[ImportReport, int]:
    """The report, and the peak of memory allocated while the import ran."""
    tracemalloc.start()
    try:
        report = run()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return report, peak


def dry_run(data: bytes | IO[bytes], name: str, actor: Any) -> tuple[ImportReport, int]:
    stream = io.BytesIO(data) if isinstance(data, bytes) else data
    return measured(lambda: import_items(stream, filename=name, actor=actor, dry_run=True))


def one_problem(report: ImportReport) -> str:
    assert report.error_count == 1 and report.imported == 0, report.errors[:3]
    return report.errors[0].message


# --- JSON ---------------------------------------------------------------------------------------


def test_json_nested_100000_levels_deep_is_refused_not_a_recursion_error(member):
    data = b"[" * 100_000 + b"]" * 100_000
    report, peak = dry_run(data, "deep.json", member)
    assert "nested more than 8 levels deep" in one_problem(report)
    assert peak < MEMORY_BOUND
    inside = b'{"items": [{"kind": "lead", "milestones": ' + b"[" * 50_000 + b"]" * 50_000 + b"}]}"
    report, _ = dry_run(inside, "deep.json", member)
    assert report.errors[0].row == 1 and "nested" in report.errors[0].message


def test_ten_megabytes_of_empty_objects_stop_at_the_row_cap_with_memory_to_spare(member):
    data = b"[" + b",".join([b"{}"] * (5 * MB)) + b"]"  # 10 MB, five million objects
    report, peak = dry_run(data, "empty.json", member)
    assert "more than 100,000 rows" in one_problem(report)
    assert peak < MEMORY_BOUND  # json.loads held ~400 MB of dictionaries here


def test_a_json_file_is_read_one_row_at_a_time(settings):
    settings.BUREAU_IMPORT_MAX_ROWS = 10_000_000  # the streaming reader alone keeps memory down
    row = json.dumps(lead_data(title="Rice " * 20, summary="Long grain. " * 40)).encode()
    data = b'{"note": "x", "items": [' + b",".join([row] * 12_000) + b"]}"
    assert len(data) > 10 * MB
    stream = io.BytesIO(data)
    tracemalloc.start()
    try:
        count = sum(1 for _ in readers.read_rows(stream, "json"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 12_000 and peak < 5 * MB  # the whole document would take ~60 MB


class Generated(io.RawIOBase):
    """A file made as it is read, from an iterator of byte strings."""

    def __init__(self, parts: Iterator[bytes]) -> None:
        self.parts, self.pending = parts, b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while len(self.pending) < len(buffer):
            part = next(self.parts, b"")
            if not part:
                break
            self.pending += part
        size = min(len(buffer), len(self.pending))
        buffer[:size], self.pending = self.pending[:size], self.pending[size:]
        return size


def json_entries(rows: int) -> Iterator[bytes]:
    row = json.dumps(lead_data(title="Rice")).encode()
    yield b"[" + row
    for _ in range(rows - 1):
        yield b"," + row
    yield b", oops"


def test_json_valid_for_a_million_rows_stops_at_the_row_cap(member, settings):
    settings.BUREAU_IMPORT_MAX_ROWS = 2_000
    stream = io.BufferedReader(Generated(json_entries(1_000_000)))
    report, peak = dry_run(stream, "many.json", member)
    assert "more than 2,000 rows" in one_problem(report)
    assert report.total_rows == 2_000 and peak < MEMORY_BOUND
    assert Item.objects.count() == 0


# --- XLSX: zip bombs ----------------------------------------------------------------------------


def workbook_with(part: str, write: Callable[[Any], None]) -> bytes:
    """A real workbook (the import template) with one part replaced by what ``write`` streams."""
    template = zipfile.ZipFile(io.BytesIO(template_file("xlsx")))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb:
        for info in template.infolist():
            if info.filename != part:
                bomb.writestr(info, template.read(info.filename))
        with bomb.open(part, "w", force_zip64=True) as target:
            write(target)
    return out.getvalue()


WORKSHEET = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
CELL = b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
END = b"</t></is></c></row></sheetData></worksheet>"


def spaces(megabytes: int) -> Callable[[Any], None]:
    """A worksheet whose one cell holds ``megabytes`` of spaces: it zips a thousand times."""

    def write(target: Any) -> None:
        target.write(WORKSHEET + CELL)
        chunk = b" " * MB
        for _ in range(megabytes):
            target.write(chunk)
        target.write(END)

    return write


def test_an_xlsx_that_expands_past_the_cap_is_refused_before_it_is_read(member):
    bomb = workbook_with("xl/worksheets/sheet1.xml", spaces(300))
    assert len(bomb) < MB
    report, peak = dry_run(bomb, "bomb.xlsx", member)
    assert "expands to 300 MB" in one_problem(report)
    assert peak < MEMORY_BOUND


def test_an_xlsx_part_compressed_a_thousand_times_is_refused_under_the_size_cap(member):
    bomb = workbook_with("xl/worksheets/sheet1.xml", spaces(50))
    report, peak = dry_run(bomb, "ratio.xlsx", member)
    assert "does not compress that well" in one_problem(report)
    assert peak < MEMORY_BOUND


def test_xml_entities_that_multiply_end_in_an_error(member):
    def laughs(target: Any) -> None:
        entities = ['<!ENTITY a0 "lol">'] + [
            f'<!ENTITY a{n} "{f"&a{n - 1};" * 10}">' for n in range(1, 10)
        ]
        target.write(f"<!DOCTYPE worksheet [{''.join(entities)}]>".encode())
        target.write(WORKSHEET + CELL + b"&a9;" + END)

    bomb = workbook_with("xl/worksheets/sheet1.xml", laughs)
    report, peak = dry_run(bomb, "laughs.xlsx", member)
    assert "amplification" in one_problem(report)  # expat's guard against entity bombs
    assert peak < 3 * MEMORY_BOUND  # expat stops tens of MB in; in full it would be 3 GB


# --- CSV ----------------------------------------------------------------------------------------


def test_a_million_columns_are_one_problem_not_a_million(member):
    header = ",".join(f"c{n}" for n in range(1_000_000)).encode() + b"\nx\n"
    report, peak = dry_run(header, "wide.csv", member)
    assert "longer than 100,000 bytes" in one_problem(report)
    assert peak < MEMORY_BOUND


def test_too_many_or_unknown_columns_are_counted_in_one_line(member):
    wide = (",".join(f"c{n}" for n in range(1_000)) + "\n").encode()
    assert "has 1,000 columns; an item has at most 200" in one_problem(
        dry_run(wide, "w.csv", member)[0]
    )
    unknown = ("kind,title," + ",".join(f"colour{n}" for n in range(50)) + "\n").encode()
    message = one_problem(dry_run(unknown, "u.csv", member)[0])
    assert message.startswith("50 columns are not fields of an item ('colour0', 'colour1'")
    assert "and 47 more" in message


def test_binary_garbage_named_csv_is_refused_at_once(member):
    garbage = random.Random(3).randbytes(5 * MB)
    report, peak = dry_run(garbage, "garbage.csv", member)
    message = one_problem(report)
    assert "UTF-8" in message or "longer than" in message
    assert peak < MEMORY_BOUND


def csv_lines(rows: int) -> Iterator[bytes]:
    """A CSV file of ``rows`` valid leads and then a broken line."""
    yield b"kind,title,side,product,hs_code\n"
    for n in range(rows):
        yield f"lead,Rice lot {n},sell,Rice,100630\n".encode()
    yield b"lead,\xff\xfe broken\n"


def test_a_csv_valid_for_a_million_rows_then_broken_stops_at_the_row_cap(member, settings):
    settings.BUREAU_IMPORT_MAX_ROWS = 2_000
    report, peak = dry_run(io.BufferedReader(Generated(csv_lines(1_000_000))), "many.csv", member)
    assert "more than 2,000 rows" in one_problem(report)
    assert report.total_rows == 2_000 and peak < MEMORY_BOUND


def test_a_csv_broken_after_its_good_rows_stores_none_of_them(member):
    report = import_items(
        io.BufferedReader(Generated(csv_lines(1_500))),
        filename="late.csv",
        actor=member,
        skip_invalid=True,
    )
    assert report.errors[0].row == 1_502 and "is not UTF-8 text" in report.errors[0].message
    assert (report.total_rows, report.imported, Item.objects.count()) == (1_500, 0, 0)


# --- Reports: a settable number of lines, the rest counted --------------------------------------


def bad_rows(count: int) -> bytes:
    lines = ["kind,title,side,product,hs_code"] + [
        f"lead,Lot {n},sell,Rice,12x" for n in range(count)
    ]
    return ("\n".join(lines) + "\n").encode()


def test_the_report_lists_at_most_the_set_number_of_problems_and_counts_the_rest(
    member, settings, tmp_path, capsys
):
    settings.BUREAU_IMPORT_MAX_ERRORS = 10
    report = import_items(io.BytesIO(bad_rows(500)), filename="bad.csv", actor=member)
    assert (len(report.errors), report.error_count, report.error_rows) == (10, 500, 500)
    assert report.unlisted == 490 and not report.ok
    path = tmp_path / "bad.csv"
    path.write_bytes(bad_rows(500))
    with pytest.raises(CommandError):
        call_command("import", "items", str(path), "--as", member.email, verbosity=0)
    out = capsys.readouterr().out
    assert "500 error(s) in 500 row(s):" in out and out.count("hs_code") == 10
    assert "... and 490 more, not listed (BUREAU_IMPORT_MAX_ERRORS)." in out


def test_the_import_page_lists_the_same_number_and_counts_the_rest(
    client: Client, staff_az, settings
):
    settings.BUREAU_IMPORT_MAX_ERRORS = 10
    client.force_login(staff_az)
    upload = io.BytesIO(bad_rows(500))
    upload.name = "bad.csv"
    response = client.post(reverse("catalog:import"), {"file": upload, "dry_run": "on"})
    html = response.content.decode()
    assert response.status_code == 422
    assert "500 problems" in html and html.count("<code>hs_code</code>") == 10
    assert "and 490 more problems, not listed here." in html


def test_the_import_page_answers_a_deep_json_file_with_its_report(client: Client, staff_az):
    client.force_login(staff_az)
    upload = io.BytesIO(b"[" * 100_000 + b"]" * 100_000)
    upload.name = "deep.json"
    response = client.post(reverse("catalog:import"), {"file": upload, "dry_run": "on"})
    assert response.status_code == 422
    assert "is nested more than 8 levels deep" in response.content.decode()
