"""Date alerts in one process: each event delivered once per channel, however often the job runs."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.test import Client

from bureau.alerts.services import subscription_create
from bureau.commitments import services
from bureau.commitments.date_alerts import date_alerts_run
from bureau.commitments.models import DateAlert
from bureau.delivery.models import Delivery


def _subscribe(client: Client, user: Any, token: str, rule: str, days: Any = None) -> Any:
    subscription = subscription_create(owner=user, data={"name": f"Dates {rule}", "keywords_all": ["nothing-matches-this"],
                                                         "channels": [{"kind": "live"}, {"kind": "atom"}]})  # fmt: skip
    body = {"subscription": subscription.pk, "rule": rule, "days": days}
    return client.post("/api/v1/commitments/date-alerts", data=json.dumps(body),
                       content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")  # fmt: skip


def test_expiry_and_milestone_alerts_fire_once_per_event(
    client: Client, member: Any, token_for: Any, agreement: Any
) -> None:
    token = token_for(member)
    assert _subscribe(client, member, token, "expiring", 30).status_code == 201
    assert _subscribe(client, member, token, "milestone_due", 90).status_code == 201
    assert date_alerts_run() == 4  # expiry (20 days) and first cargo (60 days), two channels each
    assert date_alerts_run() == 0  # a second run delivers nothing again
    actions = sorted(Delivery.objects.values_list("event__action", "kind"))
    assert actions == [
        ("expiring", "atom"),
        ("expiring", "live"),
        ("milestone_due", "atom"),
        ("milestone_due", "live"),
    ]
    # Tomorrow the same events are still in their windows: still nothing new.
    assert date_alerts_run(today=dt.date.today() + dt.timedelta(days=1)) == 0
    assert DateAlert.objects.filter(checked_at__isnull=False).count() == 2


def test_a_narrow_window_waits_until_the_date_is_near(
    client: Client, member: Any, token_for: Any, agreement: Any
) -> None:
    assert _subscribe(client, member, token_for(member), "expiring", 7).status_code == 201
    assert date_alerts_run() == 0
    assert date_alerts_run(today=dt.date.today() + dt.timedelta(days=14)) == 2
    assert date_alerts_run(today=dt.date.today() + dt.timedelta(days=15)) == 0


def test_stage_changes_of_an_announced_pledge_are_delivered(
    client: Client, member: Any, staff_az: Any, token_for: Any, agreement: Any, pledge: Any
) -> None:
    pledge.item = agreement
    pledge.save()
    project = services.project_create(
        actor=staff_az, pledge=pledge, data={"title": "Terminal", "sector": "energy"}
    )
    assert _subscribe(client, member, token_for(member), "stage_changed").status_code == 201
    assert date_alerts_run() == 0  # the project's first stage is not a change
    services.project_stage_change(
        actor=staff_az, project=project, data={"stage": "agreed", "changed_on": "2025-06-01"}
    )
    assert date_alerts_run() == 2
    assert date_alerts_run() == 0
    assert set(Delivery.objects.values_list("event__action", flat=True)) == {"stage_changed"}


def test_bad_rules_are_field_errors(client: Client, member: Any, token_for: Any) -> None:
    bad = _subscribe(client, member, token_for(member), "sometimes", "soon")
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"rule", "days"}
