"""Uploads: only the right people upload, a file's name and contents are data, never a path,
a query or markup, and an upload for someone else's organisation writes nothing.

(How large an upload may be is tested with the import pages.)
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from bureau.catalog.models import Item
from bureau.trade import store

pytestmark = pytest.mark.django_db

FIGURES = (
    "period,reporter,partner,flow,value,unit,source,source_url\n"
    "2022,AZE,PAK,export,7.6,USD million,,\n"
)


def figures(name: str = "figures.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, FIGURES.encode(), content_type="text/csv")


def test_only_staff_upload_trade_statistics(client, member):
    assert (
        client.post("/trade/import/", {"file": figures(), "format": "figures"}).status_code == 302
    )
    client.force_login(member)
    response = client.post("/trade/import/", {"file": figures(), "format": "figures"})
    assert response.status_code == 403
    assert store.datasets() == []


def test_uploads_need_the_csrf_token(staff_az, member):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(staff_az)
    assert (
        strict.post("/trade/import/", {"file": figures(), "format": "figures"}).status_code == 403
    )
    strict.force_login(member)
    items = SimpleUploadedFile("items.csv", b"kind,title\n", content_type="text/csv")
    assert strict.post("/items/import/", {"file": items}).status_code == 403


@pytest.mark.parametrize(
    "name",
    ["../../../etc/passwd.csv", "..\\..\\secret_key.csv", "a\u0000b.csv", "figures.c\u0000sv",
     "<script>alert(1)</script>.csv", "x" * 300 + ".csv"],
)  # fmt: skip
def test_a_file_name_is_only_a_name(client, staff_az, trade_dir, name):
    client.force_login(staff_az)
    response = client.post("/trade/import/", {"file": figures(name), "format": "figures"})
    assert response.status_code in (200, 422), response.content[-500:]
    assert b"<script>alert(1)</script>" not in response.content
    written = [p for p in trade_dir.rglob("*") if p.is_file() and p.name != ".lock"]
    assert all(trade_dir in p.parents for p in written)


def test_an_import_for_another_organisation_writes_nothing(client, member, chamber_pk):
    client.force_login(member)
    rows = (
        "kind,title,side,product,hs_code,organisation\n"
        f"lead,Rice,sell,Rice,100630,{chamber_pk.slug}\n"
    )
    upload = SimpleUploadedFile("items.csv", rows.encode(), content_type="text/csv")
    response = client.post("/items/import/", {"file": upload})
    assert response.status_code in (403, 422)
    assert not Item.objects.exists()


def test_a_formula_in_an_uploaded_spreadsheet_is_not_taken_as_text(client, member, tmp_path: Any):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["kind", "title", "side", "product", "hs_code"])
    sheet.append(["lead", '=HYPERLINK("https://evil.example","x")', "sell", "Rice", "100630"])
    path = tmp_path / "items.xlsx"
    book.save(path)
    client.force_login(member)
    upload = SimpleUploadedFile("items.xlsx", path.read_bytes())
    response = client.post("/items/import/", {"file": upload})
    # Only a computed value would count, and the file carries none: the title is missing.
    assert response.status_code == 422
    assert "is required" in response.content.decode()
    assert not Item.objects.exists()
