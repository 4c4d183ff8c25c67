"""The node-wide audit page: who changed what and when, filtered, scoped to the staff's chamber,
and downloadable as CSV with formulas neutralised."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.test import Client
from django.urls import reverse

from bureau.accounts.services import organisation_verify
from bureau.catalog import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(make_item, member, staff_az, company):
    item = make_item(title='=HYPERLINK("http://evil.example","click")')
    services.item_update(actor=member, item=item, data={"summary": "Changed summary"})
    services.item_submit(actor=member, item=item)
    services.item_publish(actor=staff_az, item=item)
    organisation_verify(actor=staff_az, organisation=company, checked="@SUM(1,2)")
    return item


def rows(response) -> list[str]:
    return re.findall(r"<tr>\s*<td><time.*?</tr>", response.content.decode(), re.S)


def test_staff_read_who_changed_what_and_when(client: Client, history, staff_az, member):
    client.force_login(staff_az)
    response = client.get(reverse("audit:audit"))
    assert response.status_code == 200
    html = response.content.decode()
    entries = rows(response)
    assert len(entries) == 5  # entered, edited, submitted, published, verified
    assert "Entered as draft" in html and "Edited" in html and "changed: summary" in html
    assert "Draft → Submitted" in html and "Submitted → Published" in html
    assert "Verified" in html and member.email in html and staff_az.email in html

    mine = client.get(reverse("audit:audit"), {"actor": member.email})
    assert len(rows(mine)) == 3
    verifications = client.get(reverse("audit:audit"), {"kind": "organisation"})
    assert len(rows(verifications)) == 1
    bad = client.get(reverse("audit:audit"), {"since": "yesterday"})
    assert (
        bad.status_code == 422
        and "From: &#x27;yesterday&#x27; is not a date" in bad.content.decode()
    )


def test_staff_see_only_their_chamber_and_members_cannot_read_it(
    client: Client, history, staff_pk, member, admin_user
):
    client.force_login(staff_pk)
    assert rows(client.get(reverse("audit:audit"))) == []
    client.force_login(admin_user)
    assert len(rows(client.get(reverse("audit:audit")))) == 5
    client.force_login(member)
    assert client.get(reverse("audit:audit")).status_code == 403
    assert client.get(reverse("audit:csv")).status_code == 403
    nav = client.get("/").content.decode()
    assert reverse("audit:audit") not in nav


def test_the_csv_download_neutralises_formulas(client: Client, history, staff_az):
    client.force_login(staff_az)
    response = client.get(reverse("audit:csv"), {"kind": "item"})
    assert response["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(response.getvalue().decode())))
    assert table[0] == ["at", "who", "kind", "object", "what", "action", "detail"]
    assert len(table) == 1 + 4
    titles = {row[4] for row in table[1:]}
    assert titles == {'\'=HYPERLINK("http://evil.example","click")'}
    verified = client.get(reverse("audit:csv"), {"kind": "organisation"})
    (row,) = list(csv.reader(io.StringIO(verified.getvalue().decode())))[1:]
    assert row[6] == "'@SUM(1,2)"
