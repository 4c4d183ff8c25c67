"""What date alerts say in each channel (email through a real SMTP server, Atom read with
feedparser, the live stream, the webhook body), in the reader's language; and "project changed
stage" alerts for every project of every pledge, narrowed by the subscription's sectors and
countries."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import feedparser
import pytest
from django.test import Client
from django.utils import timezone

from bureau.accounts.services import user_create
from bureau.alerts.services import subscription_create
from bureau.commitments import services
from bureau.commitments.date_alerts import date_alert_add, date_alerts_run
from bureau.core.addresses import public_url
from bureau.delivery.email import send_due_digests, send_due_emails
from bureau.delivery.live import load_backlog
from bureau.delivery.models import Delivery
from bureau.delivery.tests.test_email import inbox  # noqa: F401 - the real SMTP server fixture
from bureau.delivery.webhooks import payload

RULES = (("expiring", 30), ("milestone_due", 90), ("stage_changed", None))
AGREEMENT = "LNG framework agreement"
PLEDGE_TITLE = "Investment in Pakistan's energy and infrastructure"


def subscribe(
    owner: Any, channels: list[dict[str, Any]], rules: Any = RULES, **criteria: Any
) -> Any:
    subscription = subscription_create(owner=owner, data={
        "name": "Dates", "keywords_all": ["nothing-matches-this"], "channels": channels, **criteria})  # fmt: skip
    for rule, days in rules:
        date_alert_add(actor=owner, subscription_id=subscription.pk, rule=rule, days=days)
    return subscription


@pytest.fixture
def terminal(staff_az: Any, pledge: Any, chamber_az: Any, chamber_pk: Any) -> Any:
    """A project of a pledge that the catalog does not list (the pledge has no item)."""
    assert pledge.item_id is None
    return services.project_create(actor=staff_az, pledge=pledge, data={
        "title": "Gwadar LNG terminal", "sector": "energy", "investor": chamber_az.slug,
        "host": chamber_pk.slug})  # fmt: skip


def move(staff_az: Any, project: Any, stage: str = "agreed") -> None:
    services.project_stage_change(
        actor=staff_az, project=project, data={"stage": stage, "changed_on": "2025-06-01"}
    )


def live_items(member: Any) -> list[dict[str, Any]]:
    """The ``item`` part of each event of the member's live stream, from its backlog."""
    frames = load_backlog(user_id=member.pk, after=0)
    return [json.loads(frame.decode().split("data: ", 1)[1])["item"] for _o, _p, frame in frames]


def days(n: int) -> str:
    return (dt.date.today() + dt.timedelta(days=n)).isoformat()


def test_emails_say_what_each_alert_is_in_the_readers_language(
    inbox: Any,  # noqa: F811
    member: Any,
    company: Any,
    staff_az: Any,
    agreement: Any,
    terminal: Any,
) -> None:
    member.language = "az"
    member.save()
    reader = user_create(email="reader@example.org", password="x" * 12, organisation=company, role="member")  # fmt: skip
    for owner in (member, reader):
        subscribe(owner, [{"kind": "email"}])
    move(staff_az, terminal)
    assert date_alerts_run() == 6
    assert send_due_emails() == 6
    # A subject in non-ASCII letters is encoded and may be folded after "Subject:".
    got = {(r.recipients[0], str(r.message["Subject"]).strip()): r for r in inbox.received}
    expiry, due = days(20), days(60)
    project_url = public_url(f"/commitments/projects/{terminal.uid}/")
    english = {
        f"{AGREEMENT} expires on {expiry}": f"The agreement “{AGREEMENT}” expires on {expiry}, in 20 days.",
        f"First cargo ({AGREEMENT}) is due on {due}": f"The milestone “First cargo” of the agreement “{AGREEMENT}” is due on {due}, in 60 days.",
        "Gwadar LNG terminal moved from Identified to Agreed": f"The project “Gwadar LNG terminal” of the pledge “{PLEDGE_TITLE}” moved from Identified to Agreed on 2025-06-01.",
    }  # fmt: skip
    azerbaijani = {
        f"«{AGREEMENT}»: müddəti {expiry} tarixində bitir": f"“{AGREEMENT}” sazişinin müddəti {expiry} tarixində bitir (20 gün sonra).",
        f"First cargo ({AGREEMENT}): son tarix {due}": f"“{AGREEMENT}” sazişinin “First cargo” əsas mərhələsinin son tarixi: {due} (60 gün sonra).",
        "Gwadar LNG terminal: «Müəyyən edilib» mərhələsindən «Razılaşdırılıb» mərhələsinə keçdi": f"“{PLEDGE_TITLE}” öhdəliyi üzrə “Gwadar LNG terminal” layihəsi 2025-06-01 tarixində «Müəyyən edilib» mərhələsindən «Razılaşdırılıb» mərhələsinə keçdi.",
    }  # fmt: skip
    assert set(got) == {(reader.email, s) for s in english} | {
        (member.email, s) for s in azerbaijani
    }
    for (to, subject), received in got.items():
        summary = (english if to == reader.email else azerbaijani)[subject]
        assert summary in received.part("text/plain")
        assert received.message["Content-Language"] == ("en" if to == reader.email else "az")
        if "Gwadar" in subject:
            assert project_url in received.part("text/plain")
            assert project_url in received.part("text/html")
    # The project's stage change concerns no catalog item; the agreement's dates concern it.
    assert Delivery.objects.filter(event__action="stage_changed", item__isnull=True).count() == 2
    assert Delivery.objects.filter(item=agreement).count() == 4
    assert send_due_emails() == 0


def test_atom_live_and_webhook_say_what_each_alert_is(
    member: Any, staff_az: Any, agreement: Any, terminal: Any
) -> None:
    subscription = subscribe(member, [{"kind": "atom"}, {"kind": "live"}])
    move(staff_az, terminal)
    assert date_alerts_run() == 6
    token = subscription.channels.get(kind="atom").feed_token
    expiry, due = days(20), days(60)
    parsed = feedparser.parse(Client().get(f"/feeds/subscriptions/{token}/").content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    entries = {e.title: e for e in parsed.entries}
    assert set(entries) == {
        f"Agreement expiring: {AGREEMENT} expires on {expiry}",
        f"Milestone due: First cargo ({AGREEMENT}) is due on {due}",
        "Project changed stage: Gwadar LNG terminal moved from Identified to Agreed",
    }
    stage = entries["Project changed stage: Gwadar LNG terminal moved from Identified to Agreed"]
    assert stage.summary == f"The project “Gwadar LNG terminal” of the pledge “{PLEDGE_TITLE}” moved from Identified to Agreed on 2025-06-01."  # fmt: skip
    assert stage.link == f"http://testserver/commitments/projects/{terminal.uid}/"
    assert entries[f"Agreement expiring: {AGREEMENT} expires on {expiry}"].summary.endswith(
        "in 20 days."
    )
    assert len({e.id for e in parsed.entries}) == 3

    urdu = feedparser.parse(Client().get(f"/feeds/subscriptions/{token}/", HTTP_ACCEPT_LANGUAGE="ur").content)  # fmt: skip
    assert (
        "منصوبے کا مرحلہ بدل گیا: Gwadar LNG terminal کا مرحلہ نشاندہی شدہ سے بدل کر طے شدہ ہو گیا"
        in {e.title for e in urdu.entries}
    )

    by_label = {item["label"]: item for item in live_items(member)}
    assert set(by_label) == {"Agreement expiring", "Milestone due", "Project changed stage"}
    assert by_label["Agreement expiring"]["summary"] == f"The agreement “{AGREEMENT}” expires on {expiry}, in 20 days."  # fmt: skip
    assert by_label["Agreement expiring"]["facts"]["days_left"] == 20
    assert by_label["Milestone due"]["facts"]["milestone"] == "First cargo"
    assert {"from": "identified", "to": "agreed"}.items() <= by_label["Project changed stage"][
        "facts"
    ].items()
    assert by_label["Project changed stage"]["id"] is None

    body = json.loads(payload(Delivery.objects.get(kind="live", event__action="stage_changed")))
    assert body["type"] == "item.stage_changed" and body["data"] is None
    assert body["event"]["title"] == "Gwadar LNG terminal moved from Identified to Agreed"


def test_every_pledge_projects_stage_changes_reach_subscribers_once_narrowed_by_filters(
    member: Any, staff_az: Any, terminal: Any
) -> None:
    rule = [("stage_changed", None)]
    everything = subscribe(member, [{"kind": "live"}], rule)
    energy_from_az = subscribe(member, [{"kind": "live"}], rule, sectors=["energy"], origin_countries=["AZ"])  # fmt: skip
    farming = subscribe(member, [{"kind": "live"}], rule, sectors=["agriculture"])
    to_az = subscribe(member, [{"kind": "live"}], rule, destination_countries=["AZ"])
    assert date_alerts_run() == 0  # the project's first stage is not a change
    move(staff_az, terminal, "agreed")
    move(staff_az, terminal, "financing")
    assert date_alerts_run() == 4  # two changes, each to the two subscriptions it fits
    assert date_alerts_run() == 0  # a second run delivers nothing again
    delivered = {s.pk: s.deliveries.count() for s in (everything, energy_from_az, farming, to_az)}
    assert delivered == {everything.pk: 2, energy_from_az.pk: 2, farming.pk: 0, to_az.pk: 0}
    steps = sorted(item["facts"]["to"] for item in live_items(member))
    assert steps == ["agreed", "agreed", "financing", "financing"]


def test_the_daily_digest_says_what_each_alert_is(
    inbox: Any,  # noqa: F811
    member: Any,
    staff_az: Any,
    agreement: Any,
    terminal: Any,
) -> None:
    member.language = "ur"
    member.save()
    subscribe(member, [{"kind": "email", "email_mode": "digest", "digest_hour": 0}])
    move(staff_az, terminal)
    assert date_alerts_run() == 3
    assert send_due_emails() == 0  # digest deliveries wait for the digest
    assert send_due_digests(now=timezone.now()) == 1
    (received,) = inbox.received
    text = received.part("text/plain")
    assert "منصوبے کا مرحلہ بدل گیا: Gwadar LNG terminal کا مرحلہ نشاندہی شدہ سے بدل کر طے شدہ ہو گیا" in text  # fmt: skip
    assert f"معاہدے “{AGREEMENT}” کی میعاد {days(20)} کو ختم ہو رہی ہے (20 دن میں)۔" in text
    assert public_url(f"/commitments/projects/{terminal.uid}/") in received.part("text/html")
