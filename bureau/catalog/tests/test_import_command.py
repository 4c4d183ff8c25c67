"""``bureau import items``: the command line over the import service."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from bureau.catalog.fields import ALL_FIELDS, NESTED_FIELDS
from bureau.catalog.models import Item, Status
from conftest import lead_data

BAD_HS = "row 3, hs_code: '123456' is not in the HS 2022 nomenclature"


def write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ";".join(v) if isinstance(v, list) else v for k, v in row.items()})
    return path


def good_and_bad(path: Path) -> Path:
    """Three leads, the second with an HS code that does not exist."""
    rows = [lead_data(title=f"Basmati rice lot {n}") for n in (1, 2, 3)]
    rows[1]["hs_code"] = "123456"
    return write_csv(path, rows)


def bureau(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import", "items", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_imports_a_file_for_the_given_organisation_as_the_system(company, tmp_path):
    path = write_csv(tmp_path / "leads.csv", [lead_data(title=f"Lot {n}") for n in (1, 2)])
    out, _ = bureau(str(path), "--organisation", company.slug)
    assert out == "leads.csv: 2 row(s) read, 2 imported as drafts.\n"
    assert {(i.organisation_id, i.created_by_id, i.status) for i in Item.objects.all()} == {
        (company.pk, None, Status.DRAFT)
    }


def test_bad_rows_are_listed_and_the_command_fails_writing_nothing(company, tmp_path):
    path = good_and_bad(tmp_path / "leads.csv")
    out = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import", "items", str(path), "--organisation", company.slug, stdout=out)
    assert out.getvalue().splitlines() == [
        "leads.csv: 3 row(s) read, nothing imported.",
        "1 error(s) in 1 row(s):",
        f"  {BAD_HS}",
    ]
    assert Item.objects.count() == 0


def test_skip_invalid_imports_the_good_rows_and_lists_the_rest(company, tmp_path):
    path = good_and_bad(tmp_path / "leads.csv")
    out, _ = bureau(str(path), "--organisation", company.slug, "--skip-invalid")
    assert out.splitlines()[0] == "leads.csv: 3 row(s) read, 2 imported as drafts, 1 skipped."
    assert BAD_HS in out
    assert sorted(Item.objects.values_list("title", flat=True)) == [
        "Basmati rice lot 1",
        "Basmati rice lot 3",
    ]


def test_dry_run_writes_nothing_and_fails_when_the_file_has_errors(company, tmp_path):
    good = write_csv(tmp_path / "good.csv", [lead_data()])
    out, _ = bureau(str(good), "--organisation", company.slug, "--dry-run")
    assert out == (
        "Dry run of good.csv: 1 row(s) checked, 1 would be imported as drafts; "
        "nothing was written.\n"
    )
    with pytest.raises(CommandError, match="the file has errors"):
        bureau(str(good_and_bad(tmp_path / "bad.csv")), "--organisation", company.slug, "--dry-run")
    assert Item.objects.count() == 0


def test_acting_as_a_user_applies_their_organisation_and_permissions(member, company, tmp_path):
    path = write_csv(tmp_path / "leads.csv", [lead_data()])
    bureau(str(path), "--as", member.email.upper())
    item = Item.objects.get()
    assert (item.organisation_id, item.created_by_id) == (company.pk, member.pk)
    with pytest.raises(CommandError, match="cannot publish"):
        bureau(str(path), "--as", member.email, "--publish")
    with pytest.raises(
        CommandError, match=re.escape("no active user with email nobody@example.org")
    ):
        bureau(str(path), "--as", "nobody@example.org")
    assert Item.objects.count() == 1


def test_staff_publish_and_json_format_is_taken_from_the_flag(staff_az, tmp_path):
    path = tmp_path / "export.txt"
    path.write_text(json.dumps({"items": [lead_data()]}))
    out, _ = bureau(str(path), "--format", "json", "--as", staff_az.email, "--publish")
    assert out == "export.txt: 1 row(s) read, 1 imported as published.\n"
    assert Item.objects.get().status == Status.PUBLISHED


def test_system_import_without_an_organisation_is_refused(company, tmp_path):
    path = write_csv(tmp_path / "leads.csv", [lead_data()])
    with pytest.raises(CommandError, match="nothing was imported"):
        bureau(str(path))
    with pytest.raises(CommandError, match=re.escape("cannot tell the format of 'leads.txt'")):
        bureau(str(path.rename(tmp_path / "leads.txt")), "--organisation", company.slug)
    with pytest.raises(CommandError, match="no such file"):
        bureau(str(tmp_path / "missing.csv"))
    with pytest.raises(CommandError, match="give the FILE"):
        bureau()


def test_templates_in_every_format(tmp_path):
    flat = [spec.name for spec in ALL_FIELDS if spec.name not in NESTED_FIELDS]
    out, _ = bureau("--template")
    assert out.splitlines()[0] == ",".join(flat)
    bureau("--template", "-o", str(tmp_path / "items.xlsx"))
    sheet = openpyxl.load_workbook(tmp_path / "items.xlsx").worksheets[0]
    assert [cell.value for cell in sheet[1]] == flat and sheet.max_row == 6
    bureau("--template", "--format", "json", "-o", str(tmp_path / "items.json"))
    assert len(json.loads((tmp_path / "items.json").read_text())["items"]) == 5
    with pytest.raises(CommandError, match="give -o FILE"):
        bureau("--template", "--format", "xlsx")


def run_bureau(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The installed ``bureau`` program against its own SQLite database in ``home``."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["BUREAU_HOME"] = str(home)
    program = Path(sys.executable).parent / "bureau"
    return subprocess.run(
        [str(program), *args], cwd=home, env=env, capture_output=True, text=True, timeout=300
    )


def test_the_installed_command_in_a_real_process(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    assert run_bureau(home, "init", "--no-input").returncode == 0
    made = run_bureau(home, "shell", "--no-imports", "-c", CREATE_ORGANISATION)
    assert made.stdout.strip() == "punjab-rice-exporters", made.stderr

    bad = run_bureau(home, "import", "items", str(good_and_bad(home / "bad.csv")),
                     "--organisation", "punjab-rice-exporters")  # fmt: skip
    assert bad.returncode == 1
    assert f"  {BAD_HS}" in bad.stdout.splitlines()
    assert "nothing was imported" in bad.stderr

    rows = [lead_data(title=f"Saffron lot {n}") for n in (1, 2)]
    good = run_bureau(home, "import", "items", str(write_csv(home / "good.csv", rows)),
                      "--organisation", "punjab-rice-exporters", "--publish")  # fmt: skip
    assert good.returncode == 0, good.stderr
    assert good.stdout == "good.csv: 2 row(s) read, 2 imported as published.\n"
    found = run_bureau(home, "shell", "--no-imports", "-c", COUNT_FOUND)
    assert found.stdout.strip() == "2", found.stderr


CREATE_ORGANISATION = """
from bureau.accounts.services import organisation_create
print(organisation_create(actor=None, data={"name": "Punjab Rice Exporters", "kind": "company", "country": "PK"}).slug)
"""
COUNT_FOUND = """
from bureau.catalog.selectors import ItemFilters, item_list
print(item_list(ItemFilters.parse({"q": "saffron"})).count())
"""
