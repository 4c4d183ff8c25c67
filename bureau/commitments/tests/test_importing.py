"""Bulk import of projects and cargoes: every row checked first, bad rows named by number."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import translation

from bureau.commitments import importing, services
from bureau.commitments.models import Cargo, Project

GOOD = "title,sector,stage,stage_on,location\nLNG terminal,energy,agreed,2025-06-01,Karachi\nRail link,transport,identified,,\n"
BAD = "title,sector,stage\nLNG terminal,energy,agreed\n,energy,agreed\nRoad,space,built\n"


def test_projects_from_csv_all_or_nothing(pledge: Any, staff_az: Any) -> None:
    report = importing.projects_import(
        actor=staff_az, pledge=pledge, stream=io.BytesIO(BAD.encode()), filename="p.csv"
    )
    assert not report.ok and report.imported == 0
    assert [str(e) for e in report.errors] == [
        "row 3, title: is required",
        "row 4, sector: 'space' is not one of: "
        + ", ".join(__import__("bureau.commitments.validation", fromlist=["SECTORS"]).SECTORS),
        "row 4, stage: 'built' is not one of: identified, negotiation, agreed, financing, construction, operating, cancelled",
    ]
    assert not Project.objects.exists()
    good = importing.projects_import(
        actor=staff_az, pledge=pledge, stream=io.BytesIO(GOOD.encode()), filename="p.csv"
    )
    assert good.ok and good.imported == 2
    assert sorted(Project.objects.values_list("title", "stage")) == [
        ("LNG terminal", "agreed"),
        ("Rail link", "identified"),
    ]


def test_unknown_columns_are_named(pledge: Any, staff_az: Any) -> None:
    report = importing.projects_import(
        actor=staff_az,
        pledge=pledge,
        stream=io.BytesIO(b"title,sectr\nA,energy\n"),
        filename="p.csv",
    )
    assert (
        str(report.errors[0])
        == "row 1, sectr: unknown column 'sectr': it is not a field of a project; did you mean 'sector'?"
    )
    with translation.override("ur"):
        urdu = importing.projects_import(
            actor=staff_az,
            pledge=pledge,
            stream=io.BytesIO(b"title,sectr\nA,energy\n"),
            filename="p.csv",
        )
    assert "یہ منصوبے کا فیلڈ نہیں ہے" in urdu.errors[0].message


def _xlsx(rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_cargoes_from_xlsx_through_the_api(client: Client, staff_az: Any, token_for: Any) -> None:
    contract = services.contract_create(
        actor=staff_az, data={"title": "LNG", "product": "lng", "seller": "S", "buyer": "B"}
    )
    data = _xlsx([["reference", "window_start", "volume", "unit", "status"],
                  ["C-1", "2025-03-01", 140000, "m3_lng", "confirmed"],
                  ["C-2", "2025-13-01", -5, "m3_lng", "sailing"]])  # fmt: skip
    url = f"/api/v1/commitments/contracts/{contract.uid}/cargoes/import"
    auth: Any = {"HTTP_AUTHORIZATION": f"Bearer {token_for(staff_az)}"}
    bad = client.post(url, {"file": io.BytesIO(data)}, **auth)
    bad_file = client.post(url, {"file": _named(data, "cargoes.xlsx")}, **auth)
    assert bad.status_code in (400, 422) and bad_file.status_code == 422
    assert {(e["row"], e["field"]) for e in bad_file.json()["errors"]} == {
        (3, "window_start"),
        (3, "volume"),
        (3, "status"),
    }
    assert not Cargo.objects.exists()
    good = _xlsx(
        [["reference", "window_start", "volume", "unit"], ["C-1", "2025-03-01", 140000, "m3_lng"]]
    )
    done = client.post(url, {"file": _named(good, "cargoes.xlsx")}, **auth)
    assert done.status_code == 200 and done.json()["imported"] == 1
    assert Cargo.objects.get().volume == 140000


def _named(data: bytes, name: str) -> io.BytesIO:
    stream = io.BytesIO(data)
    stream.name = name
    return stream


def test_the_cli_prints_the_row_report(tmp_path: Path, pledge: Any, staff_az: Any) -> None:
    path = tmp_path / "projects.csv"
    path.write_text(BAD)
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported: 3 error"):
        call_command(
            "pledges",
            "import",
            str(path),
            "--pledge",
            str(pledge.uid),
            "--as",
            staff_az.email,
            stderr=err,
        )
    assert "row 3, title: is required" in err.getvalue()


def test_staff_import_projects_on_the_page(
    client: Client, pledge: Any, staff_az: Any, member: Any
) -> None:
    url = f"/commitments/import/projects/{pledge.uid}/"
    client.force_login(member)
    assert client.get(url).status_code == 403
    client.force_login(staff_az)
    bad = client.post(url, {"file": _named(BAD.encode(), "projects.csv")})
    assert (
        bad.status_code == 422
        and "is required" in bad.content.decode()
        and '<td class="num">3</td>' in bad.content.decode()
    )
    done = client.post(url, {"file": _named(GOOD.encode(), "projects.csv")})
    assert done.status_code == 302 and Project.objects.count() == 2


def test_the_import_page_speaks_the_readers_language(
    client: Client, pledge: Any, staff_az: Any
) -> None:
    client.force_login(staff_az)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "az"
    url = f"/commitments/import/projects/{pledge.uid}/"
    page = client.get(url).content.decode()
    assert (
        "<h1>Layihələri “Investment in Pakistan&#x27;s energy and infrastructure” öhdəliyinə idxal edin</h1>"
        in page
    )
    done = client.post(url, {"file": _named(GOOD.encode(), "projects.csv")}, follow=True)
    assert "2 layihə idxal edildi." in done.content.decode()
