"""Date alerts across real worker processes: a worker killed in the middle of its run, then two
runs, and every expiry, milestone and project-stage alert reaches the webhook receiver exactly
once, saying what it is. The project belongs to a pledge that the catalog does not list.

Real processes on this run's database (SQLite file, or PostgreSQL when the suite runs on it)
and a real HTTP receiver counting requests by webhook-id.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from bureau.delivery.tests.receiver import Receiver
from tests.live.support import BUREAU, REPO, WORKER_REDIS_URL, run, store_for_this_run

WAIT = 120.0  # a bound on a hung run, not a timing

SETUP = """
import datetime as dt, django, sys
django.setup()
from bureau.accounts.services import organisation_create, user_create
from bureau.alerts.services import endpoint_create, subscription_create
from bureau.catalog import services
from bureau.commitments import services as commitments
from bureau.commitments.date_alerts import date_alert_add
chamber = organisation_create(actor=None, data={"name": "Chamber", "kind": "chamber", "country": "AZ"})
staff = user_create(email="staff@az.example", password="x" * 12, organisation=chamber, role="staff")
member = user_create(email="trader@example.org", password="x" * 12, organisation=chamber, role="member")
endpoint, _ = endpoint_create(owner=member, url=sys.argv[1])
subscription = subscription_create(owner=member, data={"name": "Dates", "keywords_all": ["no-item-has-this"],
    "channels": [{"kind": "webhook", "endpoint": endpoint.pk}]})
date_alert_add(actor=member, subscription_id=subscription.pk, rule="expiring", days=30)
date_alert_add(actor=member, subscription_id=subscription.pk, rule="milestone_due", days=90)
date_alert_add(actor=member, subscription_id=subscription.pk, rule="stage_changed")
pledge = commitments.pledge_create(actor=staff, data={"title": "Energy pledge", "pledged_by": "Azerbaijan",
    "pledged_to": "Pakistan"})
project = commitments.project_create(actor=staff, pledge=pledge, data={"title": "LNG terminal", "sector": "energy"})
commitments.project_stage_change(actor=staff, project=project, data={"stage": "financing", "changed_on": "2025-06-01"})
today = dt.date.today()
services.item_create(actor=staff, publish=True, data={
    "kind": "agreement", "title": "LNG framework agreement", "agreement_type": "framework",
    "expires_on": str(today + dt.timedelta(days=10)),
    "milestones": [{"title": "First cargo", "due_on": str(today + dt.timedelta(days=40))},
                   {"title": "Far away", "due_on": str(today + dt.timedelta(days=400))}]})
"""

STATE = """
import django, json
django.setup()
from bureau.commitments.models import DateAlert, DateEvent
from bureau.delivery.models import Delivery
checked = [str(a.checked_at) for a in DateAlert.objects.order_by("pk")]
print(json.dumps({"deliveries": sorted([str(d.uid), d.status, d.event.action] for d in Delivery.objects.select_related("event")),
                  "events": DateEvent.objects.count(), "checked": checked}))
"""


def script(store, code: str, *args: str) -> str:
    done = run(store, sys.executable, "-c", code, *args)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def state(store) -> dict:
    return json.loads(script(store, STATE))


def start_worker(store, **env: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [BUREAU, "worker", "--poll", "0.1"],
        env={"REDIS_URL": WORKER_REDIS_URL, **store.env, **env}, cwd=REPO,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def wait_for(predicate, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


@pytest.fixture
def store(tmp_path):
    made = store_for_this_run(
        tmp_path,
        BUREAU_WEBHOOK_ALLOW_PRIVATE="true",
        BUREAU_WEBHOOK_TIMEOUT="2",
        BUREAU_WEBHOOK_RETRY_DELAYS=",".join(["0.5"] * 20),
        BUREAU_DATE_ALERT_SECONDS="0.2",
    )
    yield made
    made.drop()


def test_date_alerts_are_delivered_once_across_a_killed_worker_and_two_runs(store) -> None:
    receiver = Receiver().start()
    try:
        script(store, SETUP, receiver.url)
        killed = start_worker(store, BUREAU_FAILPOINT="date-alerts.inserted")
        assert killed.wait(timeout=WAIT) == -9  # SIGKILL at the fail point, mid-transaction
        after_kill = state(store)
        assert after_kill["deliveries"] == [] and after_kill["events"] == 0  # nothing half-written

        first = start_worker(store)
        try:
            wait_for(lambda: len(receiver.ok_ids) >= 3, "the three alerts")
            wait_for(
                lambda: all(d[1] == "delivered" for d in state(store)["deliveries"]), "the records"
            )
        finally:
            first.terminate()
            first.wait(timeout=30)
        done = state(store)

        second = start_worker(store)
        try:  # a full run of the second worker: the rules' check time moves on
            wait_for(
                lambda: state(store)["checked"] != done["checked"], "a run of the second worker"
            )
        finally:
            second.terminate()
            second.wait(timeout=30)
        final = state(store)
    finally:
        receiver.stop()
    assert sorted(d[2] for d in final["deliveries"]) == [
        "expiring",
        "milestone_due",
        "stage_changed",
    ]
    assert final["deliveries"] == done["deliveries"] and final["events"] == 3
    assert sorted(receiver.ok_ids) == sorted(d[0] for d in final["deliveries"])
    assert set(receiver.ok_ids.values()) == {1}  # each alert received exactly once
    said = {r.json["type"]: r.json for r in receiver.requests}
    assert sorted(said) == ["item.expiring", "item.milestone_due", "item.stage_changed"]
    assert said["item.expiring"]["event"]["label"] == "Agreement expiring"
    assert said["item.expiring"]["event"]["facts"]["days_left"] == 10
    assert said["item.milestone_due"]["event"]["title"].startswith("First cargo (LNG framework")
    stage = said["item.stage_changed"]
    assert stage["data"] is None  # the pledge is in no catalog item
    assert stage["event"]["title"] == "LNG terminal moved from Identified to Financing"
    assert (
        stage["event"]["facts"]["from"] == "identified"
        and stage["event"]["facts"]["to"] == "financing"
    )
