"""The commitments API: public reads, staff-only writes, 422 naming the field."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.test import Client

from bureau.commitments.models import MoneyEvent
from bureau.commitments.tests.conftest import PLEDGE


def _send(client: Client, method: str, path: str, body: Any, token: str = "") -> Any:
    extra = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return getattr(client, method)(
        f"/api/v1{path}", data=json.dumps(body), content_type="application/json", **extra
    )


def test_staff_record_a_pledge_project_and_money_and_read_totals(
    client: Client, staff_az: Any, token_for: Any
) -> None:
    token = token_for(staff_az)
    created = _send(client, "post", "/commitments/pledges", PLEDGE, token)
    assert created.status_code == 201, created.content
    uid = created.json()["uid"]
    project = _send(client, "post", f"/commitments/pledges/{uid}/projects",
                    {"title": "Gas pipeline", "sector": "energy", "stage": "agreed"}, token).json()  # fmt: skip
    money = _send(client, "post", f"/commitments/projects/{project['uid']}/money",
                  {"kind": "disbursed", "amount": "1000000", "currency": "AZN", "on": "2024-05-01"}, token)  # fmt: skip
    assert money.status_code == 201
    assert money.json()["money_events"][0]["amount"] == "1000000.00"
    _send(client, "post", f"/commitments/projects/{project['uid']}/money",
          {"kind": "committed", "currency": "USD", "on": "2024-05-01"}, token)  # fmt: skip
    data = client.get(f"/api/v1/commitments/pledges/{uid}").json()
    disbursed = data["totals"]["disbursed"]
    assert disbursed["USD"]["amount"] == "588235.29"  # 1,000,000 AZN at 1.70 per USD (2024)
    assert disbursed["AZN"]["amount"] == "1000000.00"
    assert data["totals"]["committed"]["USD"] == {
        "amount": None,
        "unknown_amounts": 1,
        "events": 1,
        "error": None,
    }


def test_a_missing_rate_is_named_in_the_totals(
    client: Client, staff_az: Any, token_for: Any, project: Any
) -> None:
    token = token_for(staff_az)
    _send(client, "post", f"/commitments/projects/{project.uid}/money",
          {"kind": "pledged", "amount": "5", "currency": "USD", "on": "2019-03-04"}, token)  # fmt: skip
    data = client.get(f"/api/v1/commitments/pledges/{project.pledge.uid}").json()
    assert data["totals"]["pledged"]["AZN"]["error"] == "no AZN rate for 2019-03-04"
    assert data["totals"]["pledged"]["AZN"]["amount"] is None


def test_bad_fields_are_422_and_nothing_is_written(
    client: Client, staff_az: Any, token_for: Any, project: Any
) -> None:
    response = _send(client, "post", f"/commitments/projects/{project.uid}/money",
                     {"kind": "given", "amount": "12x", "currency": "ABC"}, token_for(staff_az))  # fmt: skip
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"kind", "amount", "currency"}
    assert MoneyEvent.objects.count() == 0


def test_writes_need_chamber_staff(
    client: Client, member: Any, token_for: Any, project: Any, staff_pk: Any
) -> None:
    assert _send(client, "post", "/commitments/pledges", PLEDGE).status_code == 401
    assert (
        _send(client, "post", "/commitments/pledges", PLEDGE, token_for(member)).status_code == 403
    )
    other = _send(
        client,
        "post",
        f"/commitments/projects/{project.uid}/stage",
        {"stage": "agreed"},
        token_for(staff_pk),
    )
    assert other.status_code == 403


def test_agreements_desk_lists_due_and_overdue_and_records_an_extension(
    client: Client, staff_az: Any, token_for: Any, agreement: Any
) -> None:
    desk = client.get("/api/v1/commitments/agreements?days=30").json()
    assert [d["title"] for d in desk["due"]] == ["LNG framework agreement expires"]
    in_azerbaijani = client.get(
        "/api/v1/commitments/agreements?days=30", HTTP_ACCEPT_LANGUAGE="az"
    ).json()
    assert [d["title"] for d in in_azerbaijani["due"]] == ["LNG framework agreement qüvvədən düşür"]
    assert [d["title"] for d in desk["overdue"]] == [
        "LNG framework agreement: Trading company set up"
    ]
    new_expiry = (dt.date.today() + dt.timedelta(days=750)).isoformat()
    extended = _send(client, "post", f"/commitments/agreements/{agreement.pk}/extensions",
                     {"new_expires_on": new_expiry, "note": "two more years"}, token_for(staff_az))  # fmt: skip
    assert extended.status_code == 200, extended.content
    out = extended.json()
    assert out["expiry_in_force"] == new_expiry and out["expires_on"] != new_expiry  # history kept
    done = _send(client, "post", f"/commitments/agreements/{agreement.pk}/milestones/done",
                 {"title": "Trading company set up"}, token_for(staff_az))  # fmt: skip
    assert done.status_code == 200
    assert client.get("/api/v1/commitments/agreements").json()["overdue"] == []
    bad = _send(client, "post", f"/commitments/agreements/{agreement.pk}/extensions",
                {"new_expires_on": "soon"}, token_for(staff_az))  # fmt: skip
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "new_expires_on"


def test_cargoes_with_conversions(client: Client, staff_az: Any, token_for: Any) -> None:
    token = token_for(staff_az)
    contract = _send(client, "post", "/commitments/contracts",
                     {"title": "LNG cargoes", "product": "lng", "seller": "SOCAR", "buyer": "PLL",
                      "starts_on": "2025-01-01", "yearly_quantity": "12", "unit": "m3_lng"}, token).json()  # fmt: skip
    cargo = _send(client, "post", f"/commitments/contracts/{contract['uid']}/cargoes",
                  {"window_start": "2025-03-01", "volume": "140000", "unit": "m3_lng", "status": "confirmed"}, token)  # fmt: skip
    assert cargo.status_code == 201
    assert cargo.json()["conversions"] == {
        "m3_lng": "140000.000",
        "tonnes": "63000.000",
        "mmbtu": "3214260.000",
    }
    bad = _send(client, "post", f"/commitments/contracts/{contract['uid']}/cargoes",
                {"window_start": "2025-03-01", "window_end": "2025-02-01", "volume": "1"}, token)  # fmt: skip
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"window_end", "unit"}


def test_cooperation_register_with_milestones(
    client: Client, staff_az: Any, token_for: Any
) -> None:
    body = {"title": "Joint defence production", "area": "defence", "status": "proposed",
            "parties": "Azerbaijan; Pakistan", "milestones": [{"title": "Joint venture agreed", "due_on": None}]}  # fmt: skip
    created = _send(client, "post", "/commitments/cooperation", body, token_for(staff_az))
    assert created.status_code == 201, created.content
    listed = client.get("/api/v1/commitments/cooperation").json()
    assert listed[0]["parties"] == ["Azerbaijan", "Pakistan"]
    assert listed[0]["milestones"] == [
        {"title": "Joint venture agreed", "due_on": None, "done_on": None}
    ]
    bad = _send(client, "post", "/commitments/cooperation", {**body, "area": "space", "milestones": [{"due_on": "x"}]},
                token_for(staff_az))  # fmt: skip
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"area", "milestones"}
