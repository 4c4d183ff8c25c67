"""Enquiries (signed in, or confirmed by an emailed link), the queue against the chamber's
working-day target, answers published as notices; outcomes asked, reported, confirmed and
counted on the trade monitor and, when both sides agree, on the organisation's page."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone, translation

from bureau.catalog.models import Item
from bureau.connect import enquiries, outcomes, services
from bureau.connect.models import Enquiry, Introduction, Outcome
from bureau.connect.tests.conftest import bodies, signed_in
from bureau.inbox.models import Message

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_emailed_enquiry_is_confirmed_by_link_queued_answered_and_published(
    mail, chamber_az, staff_az
):
    visitor = Client()
    bad = visitor.post(
        "/enquiries/new/", {"chamber": chamber_az.slug, "subject": "", "email": "nope"}
    )
    assert bad.status_code == 422
    assert (
        "is required" in bad.content.decode() and "is not an email address" in bad.content.decode()
    )
    sent = visitor.post(
        "/enquiries/new/",
        {
            "chamber": chamber_az.slug,
            "topic": "tariff",
            "subject": "Duty on rice",
            "question": "What duty does Azerbaijan levy on HS 1006?",
            "email": "asker@example.org",
        },
    )
    assert sent.status_code == 200 and "asker@example.org" in sent.content.decode()
    enquiry = Enquiry.objects.get()
    assert enquiry.state == "unconfirmed"
    staff = signed_in(staff_az)
    assert "Duty on rice" not in staff.get("/connect/queue/").content.decode()

    (link_mail,) = bodies(mail, "asker@example.org")
    found = re.search(r"http\S+", link_mail)
    assert found is not None
    link = urlsplit(found.group()).path
    assert "Its staff aim to answer by" in visitor.get(link).content.decode()
    enquiry.refresh_from_db()
    assert enquiry.state == "new" and enquiry.due_at and enquiry.asked_at
    assert enquiry.due_at > enquiry.asked_at
    assert visitor.get("/enquiries/confirm/forged/").status_code == 422

    queue = staff.get("/connect/queue/").content.decode()
    assert "Duty on rice" in queue
    staff.post(f"/connect/queue/{enquiry.uid}/assign/", {"to": staff_az.pk})
    staff.post(
        f"/connect/queue/{enquiry.uid}/answer/",
        {"answer": "15 % ad valorem, see the customs tariff.", "publish": "on"},
    )
    enquiry.refresh_from_db()
    assert enquiry.state == "answered" and enquiry.assigned_to == staff_az
    notice = Item.objects.get(pk=enquiry.notice_id or 0)
    assert notice.kind == "notice" and notice.status == "published"
    assert any("15 % ad valorem" in b for b in bodies(mail, "asker@example.org"))
    staff.post(f"/connect/queue/{enquiry.uid}/close/")
    enquiry.refresh_from_db()
    assert enquiry.state == "closed"

    public = visitor.get("/enquiries/performance/").content.decode()
    assert chamber_az.name in public and "100 %" in public


def test_overdue_enquiries_per_chamber_week_and_the_dashboard_csv(
    member, chamber_az, staff_az, staff_pk
):
    enquiries.chamber_target_set(
        actor=staff_az,
        chamber=chamber_az,
        data={"working_days": "1", "weekend": "fri", "holidays": ""},
    )
    bad = signed_in(staff_az).post("/connect/target/", {"working_days": "0", "weekend": "fun"})
    assert bad.status_code == 422
    assert (
        "whole number" in bad.content.decode() and "not a day of the week" in bad.content.decode()
    )
    asked = enquiries.enquiry_create(
        actor=member,
        chamber=chamber_az,
        data={"subject": '=HYPERLINK("x")', "question": "Which trade mission goes in May?"},
    )
    Enquiry.objects.filter(pk=asked.pk).update(
        asked_at=timezone.now() - dt.timedelta(days=9), due_at=timezone.now() - dt.timedelta(days=8)
    )
    queue = signed_in(staff_az).get("/connect/queue/").content.decode()
    assert "Overdue" in queue
    assert "Which trade mission" not in signed_in(staff_pk).get("/connect/queue/").content.decode()
    assert signed_in(member).get("/connect/queue/").status_code == 403
    board = signed_in(staff_az).get("/connect/dashboard/")
    assert "Enquiries open / overdue" in board.content.decode()
    csv_text = signed_in(staff_az).get("/connect/dashboard/enquiries.csv").content.decode()
    assert "'=HYPERLINK" in csv_text and ",True" in csv_text  # neutralised, and overdue


def test_outcomes_are_asked_reported_confirmed_and_counted(
    mail, company, buyer_org, member, trader, staff_az
):
    intro = services.introduction_propose(actor=staff_az, a=company, b=buyer_org)
    services.introduction_answer(actor=member, introduction=intro, accept=True)
    services.introduction_answer(actor=trader, introduction=intro, accept=True)
    later = timezone.now() + dt.timedelta(days=31)
    assert outcomes.outcomes_ask_due(now=later) == 1
    assert outcomes.outcomes_ask_due(now=later) == 0  # asked once per follow-up
    assert Message.objects.filter(recipient=trader, subject__contains="30 days").exists()
    assert any("business resulted" in b for b in bodies(mail, trader.email))

    page = signed_in(trader).post(
        f"/connect/introductions/{intro.uid}/outcome/",
        {
            "business": "yes",
            "value_amount": "250000",
            "value_currency": "usd",
            "hs_code": "1006.30",
            "exporter_country": "pk",
            "importer_country": "az",
            "year": "3020",
        },
    )
    assert page.status_code == 422 and "must be a year" in page.content.decode()
    reported = signed_in(trader).post(
        f"/api/v1/connect/introductions/{intro.uid}/outcomes",
        {
            "value_amount": "250000",
            "value_currency": "USD",
            "hs_code": "100630",
            "exporter_country": "PK",
            "importer_country": "AZ",
            "year": timezone.now().year,
            "show": True,
        },
        content_type="application/json",
    )
    assert reported.status_code == 201, reported.content
    outcome = Outcome.objects.get()
    assert "No confirmed deals yet" in Client().get("/trade/").content.decode()
    assert signed_in(member).post(f"/connect/outcomes/{outcome.pk}/confirm/").status_code == 302
    outcome.refresh_from_db()
    assert outcome.confirmed_at is None  # members do not confirm
    signed_in(staff_az).post(f"/connect/outcomes/{outcome.pk}/confirm/")
    outcome.refresh_from_db()
    assert outcome.confirmed_at is not None

    trade = Client().get("/trade/").content.decode()
    assert "Business facilitated through the bureau" in trade and "US$ 250" in trade
    assert "<svg" in trade and "PK → AZ" in trade  # the chart, with the trade monitor's helpers
    svg = Client().get("/connect/facilitated.svg?download=1")
    assert (
        svg["Content-Type"].startswith("image/svg+xml") and b"Business facilitated" in svg.content
    )
    table = Client().get("/connect/facilitated.csv").content.decode()
    assert table.splitlines()[1].startswith(f"{timezone.now().year},PK,AZ,1,250000")
    api = Client().get("/api/v1/connect/facilitated").json()
    assert api["deals"][0]["exporter"] == "PK" and api["deals"][0]["count"] == 1
    org_page = Client().get(f"/directory/{buyer_org.slug}/").content.decode()
    assert "Business facilitated" not in org_page  # one side agreed so far
    outcomes.outcome_show(actor=member, outcome=outcome, show=True)
    assert "Business facilitated" in Client().get(f"/directory/{buyer_org.slug}/").content.decode()
    assert Introduction.objects.get().state == "accepted"


def test_enquiries_are_limited_per_address_and_staff_hide_abuse(chamber_az, staff_az, settings):
    settings.CONNECT_RATE_LIMIT = "2/h"
    visitor = Client(REMOTE_ADDR="203.0.113.7")
    for n in range(2):
        sent = visitor.post(
            "/enquiries/new/",
            {
                "chamber": chamber_az.slug,
                "subject": f"Spam {n}",
                "question": "Buy now",
                "email": f"spam{n}@example.org",
            },
        )
        assert sent.status_code == 200
    limited = visitor.post(
        "/enquiries/new/",
        {
            "chamber": chamber_az.slug,
            "subject": "Spam 3",
            "question": "x",
            "email": "s3@example.org",
        },
    )
    assert limited.status_code == 429 and Enquiry.objects.count() == 2
    api = Client(REMOTE_ADDR="203.0.113.8").post(
        "/api/v1/connect/enquiries",
        {
            "chamber": chamber_az.slug,
            "subject": "Abuse",
            "question": "Rude",
            "email": "a@example.org",
        },
        content_type="application/json",
    )
    assert api.status_code == 201 and api.json()["state"] == "unconfirmed"
    abusive = Enquiry.objects.get(subject="Abuse")
    enquiries.enquiry_confirm(token=signing.dumps(str(abusive.uid), salt=enquiries.SALT))
    staff = signed_in(staff_az)
    assert "Rude" in staff.get("/connect/queue/").content.decode()
    staff.post(f"/connect/queue/{abusive.uid}/hide/")
    abusive.refresh_from_db()
    assert abusive.hidden_at is not None and abusive.state == "closed"
    assert "Rude" not in staff.get("/connect/queue/").content.decode()
    assert "enquiry-hidden" in staff.get("/audit/?kind=connect").content.decode()


def test_an_asker_without_an_account_is_answered_in_the_language_they_asked_in(
    mail, chamber_az, staff_az
):
    visitor = Client(HTTP_ACCEPT_LANGUAGE="ur")
    visitor.post(
        "/enquiries/new/",
        {
            "chamber": chamber_az.slug,
            "topic": "tariff",
            "subject": "Duty on rice",
            "question": "What duty does Azerbaijan levy on HS 1006?",
            "email": "urdu.asker@example.org",
        },
    )
    enquiry = Enquiry.objects.get()
    assert enquiry.language == "ur"
    enquiries.enquiry_confirm(token=signing.dumps(str(enquiry.uid), salt=enquiries.SALT))
    staff = signed_in(staff_az)  # reads the bureau in English
    staff.post(f"/connect/queue/{enquiry.uid}/assign/", {"to": staff_az.pk})
    staff.post(f"/connect/queue/{enquiry.uid}/answer/", {"answer": "15 % ad valorem."})
    with translation.override("ur"):
        expected = translation.gettext("Answer: %(subject)s") % {"subject": "Duty on rice"}
    assert expected != "Answer: Duty on rice"  # the catalogue has it
    subjects = [
        r.message["Subject"] for r in mail.received if "urdu.asker@example.org" in r.recipients
    ]
    assert expected in subjects
