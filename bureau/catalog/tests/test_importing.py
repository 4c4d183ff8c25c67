"""Bulk import of items from CSV, XLSX and JSON files, through the import service."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bureau.catalog.fields import ALL_FIELDS, NESTED_FIELDS
from bureau.catalog.importing import FORMATS, RowError, import_items, run, template_file
from bureau.catalog.models import Agreement, Item, ItemFacet, Status, TradeLead
from bureau.catalog.selectors import ItemFilters, item_list
from bureau.core.errors import ValidationFailed
from conftest import lead_data

DOCS = Path(__file__).resolve().parents[3] / "docs" / "import.md"


def csv_bytes(rows: list[dict[str, Any]], *, delimiter: str = ",", bom: bool = False) -> bytes:
    columns = list(dict.fromkeys(name for row in rows for name in row))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, delimiter=delimiter)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ";".join(v) if isinstance(v, list) else v for k, v in row.items()})
    return out.getvalue().encode("utf-8-sig" if bom else "utf-8")


def leads(count: int, **overrides: Any) -> list[dict[str, Any]]:
    return [lead_data(title=f"Basmati rice lot {n}", **overrides) for n in range(1, count + 1)]


def test_csv_rows_become_draft_items_of_the_members_organisation(member, company):
    report = import_items(io.BytesIO(csv_bytes(leads(3))), filename="leads.csv", actor=member)
    assert (report.ok, report.total_rows, report.imported, report.skipped) == (True, 3, 3, 0)
    items = Item.objects.order_by("id")
    assert [i.title for i in items] == [f"Basmati rice lot {n}" for n in (1, 2, 3)]
    assert {(i.organisation_id, i.status, i.created_by_id) for i in items} == {
        (company.pk, Status.DRAFT, member.pk)
    }
    lead = TradeLead.objects.get(item=items[0])
    assert (lead.hs_code, lead.quantity, lead.unit) == ("100630", Decimal("500.000"), "TNE")
    assert items[0].value_usd == Decimal("450000.00")
    assert ItemFacet.objects.filter(item=items[0], key="hs:1006").exists()


def test_xlsx_cells_with_numbers_and_dates_are_understood(member):
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    header = [" Kind ", "TITLE", "side", "product", "hs_code", "quantity", "unit"]
    header += ["value_amount", "value_currency", "valid_until", "countries"]
    cells = ["lead", "Cotton lint", "sell", "Cotton", 520100, 120.5, "TNE"]
    cells += [99000.0, "USD", dt.datetime(2027, 6, 30), "PK;AZ"]
    sheet.append(header)
    sheet.append(cells)
    sheet.append([])  # an empty row is ignored but keeps its number
    sheet.append(["lead", "Black tea", "buy", "Tea", "0902", 20, "TNE", 1.5, "USD", None, None])
    sheet.append(["lead", "Nothing", "buy", "Tea", 123456, 20, "TNE"])
    data = io.BytesIO()
    book.save(data)
    data.seek(0)

    report = import_items(data, filename="upload.XLSX", actor=member, skip_invalid=True)

    assert (report.total_rows, report.imported, report.skipped) == (3, 2, 1)
    assert report.errors == [RowError(5, "hs_code", "'123456' is not in the HS 2022 nomenclature")]
    cotton = Item.objects.get(title="Cotton lint")
    assert cotton.valid_until == dt.date(2027, 6, 30)
    assert cotton.value_amount == Decimal("99000") and cotton.countries == ["PK", "AZ"]
    assert cotton.lead.hs_code == "520100" and cotton.lead.quantity == Decimal("120.5")
    tea = Item.objects.get(title="Black tea")
    assert tea.lead.hs_code == "0902" and tea.value_amount == Decimal("1.5")


def test_json_list_or_items_object_with_agreement_milestones(staff_az, chamber_az):
    agreement = {
        "kind": "agreement",
        "title": "LNG framework agreement",
        "agreement_type": "framework",
        "parties": ["Seller", "Buyer"],
        "expires_on": "2027-06-30",
        "milestones": [{"title": "First cargo", "due_on": "2025-12-31", "done_on": None}],
    }
    as_object = json.dumps({"items": [agreement]}).encode()
    as_list = json.dumps([lead_data(), {"Title ": "  "}]).encode()  # the blank object is ignored

    first = import_items(io.BytesIO(as_object), format="json", actor=staff_az)
    second = import_items(io.BytesIO(as_list), filename="x.json", actor=staff_az)

    assert (first.ok, first.imported, second.ok, second.total_rows) == (True, 1, True, 1)
    stored = Agreement.objects.get(item__title="LNG framework agreement")
    assert stored.parties == ["Seller", "Buyer"] and stored.item.organisation == chamber_az
    assert [m.title for m in stored.milestones.all()] == ["First cargo"]


def test_two_bad_rows_among_good_ones_write_nothing_and_are_both_reported(member):
    rows = leads(4)
    rows[1]["hs_code"] = "123456"
    rows[3].update(value_currency="", quantity="-3")
    report = import_items(io.BytesIO(csv_bytes(rows)), filename="f.csv", actor=member)

    assert Item.objects.count() == 0
    assert (report.ok, report.total_rows, report.imported, report.skipped) == (False, 4, 0, 0)
    assert report.errors == [
        RowError(3, "hs_code", "'123456' is not in the HS 2022 nomenclature"),
        RowError(5, "quantity", "must be greater than zero"),
        RowError(5, "value_currency", "is required when a value is given"),
    ]


def test_skip_invalid_imports_only_the_good_rows(member):
    rows = leads(4)
    rows[0]["side"] = "lend"
    rows[2]["title"] = ""
    report = import_items(
        io.BytesIO(csv_bytes(rows)), filename="f.csv", actor=member, skip_invalid=True
    )
    assert (report.total_rows, report.imported, report.skipped) == (4, 2, 2)
    assert sorted(Item.objects.values_list("title", flat=True)) == [
        "Basmati rice lot 2",
        "Basmati rice lot 4",
    ]
    assert [(e.row, e.field) for e in report.errors] == [(2, "side"), (4, "title")]
    assert report.errors[1].message == "is required"


def test_dry_run_checks_every_row_and_writes_nothing(member):
    good = import_items(
        io.BytesIO(csv_bytes(leads(3))), filename="f.csv", actor=member, dry_run=True
    )
    bad = import_items(
        io.BytesIO(csv_bytes(leads(2, unit="bags"))), filename="f.csv", actor=member, dry_run=True
    )
    assert Item.objects.count() == 0
    assert (good.dry_run, good.ok, good.imported, good.total_rows) == (True, True, 3, 3)
    assert (bad.ok, bad.imported) == (False, 0)
    assert {(e.row, e.field) for e in bad.errors} == {(2, "unit"), (3, "unit")}
    assert "'bags' is not one of" in bad.errors[0].message


def test_unknown_column_is_named_and_nothing_is_imported(member):
    rows = [{**lead_data(), "Incoterms": "FOB", "colour": "white"}]
    report = import_items(
        io.BytesIO(csv_bytes(rows)), filename="f.csv", actor=member, skip_invalid=True
    )
    assert Item.objects.count() == 0 and report.imported == 0
    assert [(e.row, e.field) for e in report.errors] == [(1, "Incoterms"), (1, "colour")]
    assert report.errors[0].message == (
        "unknown column 'Incoterms': it is not a field of an item; did you mean 'incoterm'?"
    )


def test_nested_and_duplicate_columns_are_refused_in_csv(member):
    data = b"kind,title,milestones,Title\nlead,x,,y\n"
    report = import_items(io.BytesIO(data), filename="f.csv", actor=member)
    assert [(e.row, e.field, e.message) for e in report.errors] == [
        (1, "milestones", "column milestones can only be given in a JSON file"),
        (1, "title", "column title appears more than once"),
    ]


def test_semicolon_csv_with_byte_order_mark_and_loose_header(member):
    rows = [{f"  {k.upper()} ": v for k, v in lead_data(title="Çay, Lənkəran").items()}]
    data = csv_bytes(rows, delimiter=";", bom=True)
    assert data.startswith(b"\xef\xbb\xbf")
    report = import_items(io.BytesIO(data), filename="f.csv", actor=member)
    assert report.ok and report.imported == 1
    assert Item.objects.get().title == "Çay, Lənkəran"


def test_tab_separated_csv_from_a_path(member, tmp_path):
    path = tmp_path / "leads.csv"
    path.write_bytes(csv_bytes(leads(2), delimiter="\t"))
    report = import_items(path, actor=member)
    assert report.ok and Item.objects.count() == 2


def test_uploaded_files_with_multi_line_cells(member):
    rows = leads(2, body="First paragraph.\r\nSecond paragraph, with a comma.")
    upload = SimpleUploadedFile("leads.csv", csv_bytes(rows), content_type="text/csv")
    report = import_items(upload, actor=member)
    assert report.ok and report.imported == 2
    assert (
        Item.objects.get(title="Basmati rice lot 1").body
        == "First paragraph.\r\nSecond paragraph, with a comma."
    )
    assert not upload.closed  # the caller's file is left open


def test_empty_rows_are_ignored_and_row_numbers_follow_the_file(member):
    header, *lines = csv_bytes(leads(2)).decode().splitlines()
    text = "\n".join([header, lines[0], "", ",,,", lines[1].replace("100630", "123456")]) + "\n"
    report = import_items(io.BytesIO(text.encode()), filename="f.csv", actor=member)
    assert report.total_rows == 2
    assert report.errors == [RowError(5, "hs_code", "'123456' is not in the HS 2022 nomenclature")]


@pytest.mark.parametrize("fmt", FORMATS)
def test_template_imports_cleanly_after_filling(fmt, company):
    filled = _fill(fmt, template_file(fmt))
    report = import_items(io.BytesIO(filled), format=fmt, actor=None, organisation=company.slug)
    assert report.errors == [] and report.imported == 6
    kinds = sorted(Item.objects.filter(is_example=True).values_list("kind", flat=True))
    assert kinds == ["agreement", "lead", "notice", "opportunity", "tender"]
    mine = Item.objects.get(is_example=False)
    assert mine.title == "Saffron, 200 kg" and mine.lead.hs_code == "091020"


def _fill(fmt: str, template: bytes) -> bytes:
    """Add one real row to a template, as a user would."""
    row = {"kind": "lead", "title": "Saffron, 200 kg", "side": "sell", "product": "Saffron",
           "hs_code": "091020", "quantity": "200", "unit": "KGM"}  # fmt: skip
    if fmt == "json":
        document = json.loads(template)
        return json.dumps({"items": [*document["items"], row]}).encode()
    if fmt == "csv":
        header = next(csv.reader(io.StringIO(template.decode("utf-8-sig"))))
        line = io.StringIO()
        csv.writer(line).writerow([row.get(name, "") for name in header])
        return template + line.getvalue().encode()
    book = openpyxl.load_workbook(io.BytesIO(template))
    sheet = book.worksheets[0]
    sheet.append([row.get(str(cell.value)) for cell in sheet[1]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_template_has_every_flat_column_and_marked_examples():
    flat = [spec.name for spec in ALL_FIELDS if spec.name not in NESTED_FIELDS]
    rows = list(csv.DictReader(io.StringIO(template_file("csv").decode("utf-8-sig"))))
    assert list(rows[0]) == flat
    assert {row["is_example"] for row in rows} == {"yes"} and len(rows) == 5
    with pytest.raises(ValidationFailed):
        template_file("xls")


def test_published_imports_are_found_by_search(staff_az):
    rows = leads(2, summary="Aromatic long-grain saffron-scented basmati")
    report = import_items(
        io.BytesIO(csv_bytes(rows)), filename="f.csv", actor=staff_az, publish=True
    )
    assert report.ok
    found = item_list(ItemFilters.parse({"q": "aromatic basmati"}))
    assert sorted(i.title for i in found) == ["Basmati rice lot 1", "Basmati rice lot 2"]
    assert {i.status for i in found} == {Status.PUBLISHED}


def test_members_may_neither_publish_nor_import_for_others(member, chamber_pk):
    published = import_items(
        io.BytesIO(csv_bytes(leads(1))), filename="f.csv", actor=member, publish=True
    )
    foreign = import_items(
        io.BytesIO(csv_bytes(leads(1, organisation=chamber_pk.slug))),
        filename="f.csv",
        actor=member,
    )
    assert Item.objects.count() == 0
    assert published.errors == [RowError(2, "organisation", "only chamber staff can publish")]
    assert foreign.errors == [
        RowError(2, "organisation", f"you cannot enter information for {chamber_pk.name}")
    ]


def test_system_import_takes_the_default_organisation_or_requires_one(company, chamber_pk):
    rows = [lead_data(title="Ours"), lead_data(title="Theirs", organisation=chamber_pk.slug)]
    ok = import_items(
        io.BytesIO(csv_bytes(rows)), filename="f.csv", actor=None, organisation=company.slug
    )
    assert ok.ok and {i.title: i.organisation for i in Item.objects.all()} == {
        "Ours": company,
        "Theirs": chamber_pk,
    }
    none = import_items(io.BytesIO(csv_bytes(leads(1))), filename="f.csv", actor=None)
    assert [(e.row, e.field) for e in none.errors] == [(1, "organisation")]
    missing = import_items(
        io.BytesIO(csv_bytes(leads(1))), filename="f.csv", actor=None, organisation="nobody"
    )
    assert missing.errors == [RowError(2, "organisation", "no organisation with slug 'nobody'")]


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("f.csv", "kind,title\nlead,caf\xe9\n".encode("latin-1"), RowError(2, "", "is not UTF-8 text: save the file as 'CSV UTF-8'")),
        ("f.csv", b"", RowError(1, "", "the first row must name the columns (download the template to see them)")),
        ("f.json", b'{"items": [', RowError(0, "", "is not valid JSON: premature EOF")),
        ("f.json", b'[] [', RowError(0, "", "is not valid JSON: trailing garbage")),
        ("f.json", b'{"rows": []}', RowError(0, "", 'must hold a list of objects, or {"items": [...]}')),
        ("f.json", b'["lead"]', RowError(1, "", "must be an object of field names and values")),
        ("f.csv", b"kind,title\nlead,x,stray\n", RowError(2, "", "has a value in column 3, which has no header")),
    ],
)  # fmt: skip
def test_unreadable_files_give_a_clear_report(member, name, data, expected):
    report = import_items(io.BytesIO(data), filename=name, actor=member)
    assert report.errors == [expected] and report.imported == 0


def test_damaged_workbook_and_unknown_format_are_refused(member):
    report = import_items(io.BytesIO(b"PK\x03\x04 not really"), filename="f.xlsx", actor=member)
    assert report.errors[0].row == 0
    assert report.errors[0].message.startswith("is not a readable XLSX workbook")
    with pytest.raises(ValidationFailed) as refused:
        import_items(io.BytesIO(b""), filename="items.xls", actor=member)
    assert refused.value.errors[0].field == "format"
    assert "items.xls" in refused.value.errors[0].message


def test_query_count_does_not_grow_with_the_rows(member):
    def queries(count: int, **options: Any) -> int:
        data = io.BytesIO(csv_bytes(leads(count)))
        with CaptureQueriesContext(connection) as captured:
            assert import_items(data, filename="f.csv", actor=member, **options).ok
        return len(captured)

    assert queries(5, dry_run=True) == queries(120, dry_run=True)
    # Saving grows only by bulk inserts split at the database's limit of parameters.
    assert queries(120) - queries(5) <= 8


@pytest.mark.django_db(transaction=True)
def test_an_import_parses_with_no_transaction_open_and_dying_then_leaves_nothing(
    member, monkeypatch
):
    monkeypatch.setattr(run, "BATCH_SIZE", 2)
    monkeypatch.setattr(run, "PROGRESS_EVERY", 1)
    seen: list[int] = []

    def die_half_way(done: int) -> None:
        # No write lock is held while the file is read: other writers (the worker) go on.
        assert not connection.in_atomic_block and Item.objects.count() == 0
        seen.append(done)
        if done == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_items(
            io.BytesIO(csv_bytes(leads(8))), filename="f.csv", actor=member, progress=die_half_way
        )
    assert seen == [1, 2, 3, 4, 5] and Item.objects.count() == 0
    report = import_items(io.BytesIO(csv_bytes(leads(8))), filename="f.csv", actor=member)
    assert report.imported == Item.objects.count() == 8  # four batches, saved together


def test_progress_reports_rows_read(member, monkeypatch):
    monkeypatch.setattr(run, "PROGRESS_EVERY", 2)
    seen: list[int] = []
    import_items(
        io.BytesIO(csv_bytes(leads(5))), filename="f.csv", actor=member, progress=seen.append
    )
    assert seen == [2, 4, 5]


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
SOME_FIELDS = st.sampled_from(["kind", "title", "hs_code", "countries", "value_amount",
                               "valid_until", "milestones", "deadline", "Kind ", "\x00"])  # fmt: skip
NO_DB_BETWEEN_EXAMPLES = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@NO_DB_BETWEEN_EXAMPLES
@given(st.lists(st.dictionaries(SOME_FIELDS, JSON_VALUES, max_size=6), max_size=4))
def test_no_json_content_crashes_an_import(member, entries):
    data = io.BytesIO(json.dumps(entries).encode())
    report = import_items(data, format="json", actor=member, dry_run=True)
    assert report.total_rows <= len(entries)
    assert all(isinstance(e, RowError) and e.message for e in report.errors)


@NO_DB_BETWEEN_EXAMPLES
@given(st.sampled_from(FORMATS), st.binary(max_size=300))
def test_no_bytes_crash_an_import(member, fmt, data):
    header = b"kind,title,hs_code\n" if fmt == "csv" else b""
    report = import_items(io.BytesIO(header + data), format=fmt, actor=member, dry_run=True)
    assert all(e.message for e in report.errors)


def test_docs_list_every_column_with_its_kind_and_requirement():
    text = DOCS.read_text()
    flat_section = text.split("### JSON only")[0]
    documented = {
        m[1]: (m[2], m[3])
        for m in re.finditer(r"^\| `(\w+)` \| (\w+) \| (yes|) \|", flat_section, re.M)
    }
    expected = {
        spec.name: (spec.kind or "all", "yes" if spec.required else "")
        for spec in ALL_FIELDS
        if spec.name not in NESTED_FIELDS
    }
    assert documented == expected
    json_only = text.split("### JSON only")[1]
    assert all(f"`{name}`" in json_only for name in NESTED_FIELDS)
