"""The commitments pages through HTTP: pledge progress, project forms, desk, downloads."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from bureau.commitments.models import MoneyEvent


def test_staff_record_a_disbursement_and_the_pledge_page_changes(
    client: Client, staff_az: Any, project: Any
) -> None:
    pledge_url = reverse("commitments:pledge", args=[project.pledge.uid])
    before = client.get(pledge_url).content.decode()
    assert "none recorded" in before
    client.force_login(staff_az)
    url = reverse("commitments:project", args=[project.uid])
    bad = client.post(
        url, {"form": "money", "kind": "disbursed", "amount": "lots", "currency": "USD"}
    )
    assert bad.status_code == 422 and "is not a number" in bad.content.decode()
    done = client.post(url, {"form": "money", "kind": "disbursed", "amount": "2500000", "currency": "USD",
                             "on": "2024-03-01", "source_title": "A cited report"})  # fmt: skip
    assert done.status_code == 302
    after = client.get(pledge_url).content.decode()
    assert "2,500,000.00 USD" in after and "4,250,000.00 AZN" in after
    assert "Disbursed (US$), Energy: US$ 2.5 m" in after  # the chart's bar
    timeline = client.get(url).content.decode()
    assert "disbursed: 2,500,000.00 USD" in timeline and "disbursed recorded" in timeline


def test_unknown_amounts_are_shown_unknown_not_zero(
    client: Client, staff_az: Any, project: Any
) -> None:
    MoneyEvent.objects.create(project=project, kind="committed", currency="USD")
    html = client.get(reverse("commitments:pledge", args=[project.pledge.uid])).content.decode()
    assert '<td class="num">unknown</td>' in html


def test_downloads_and_other_pages(client: Client, project: Any, agreement: Any) -> None:
    uid = project.pledge.uid
    svg = client.get(reverse("commitments:pledge_chart", args=[uid, "stage"]) + "?download=1")
    assert (
        svg["Content-Type"].startswith("image/svg+xml")
        and "attachment" in svg["Content-Disposition"]
    )
    assert "Source: Azertac, 2025-02-25" in svg.content.decode()
    csv = client.get(reverse("commitments:pledge_csv", args=[uid, "sector"])).content.decode()
    assert csv.splitlines()[0] == "group,kind,currency,amount,unknown_amounts,events,error"
    assert client.get(reverse("commitments:pledge_csv", args=[uid, "colour"])).status_code == 404
    desk = client.get(reverse("commitments:agreements")).content.decode()
    assert "LNG framework agreement: Trading company set up" in desk and "overdue" in desk
    for name in ("glance", "cargoes", "cooperation", "pledges"):
        assert client.get(reverse(f"commitments:{name}")).status_code in (200, 302)


def test_members_see_no_staff_forms_and_cannot_post(
    client: Client, member: Any, project: Any
) -> None:
    client.force_login(member)
    url = reverse("commitments:project", args=[project.uid])
    assert "Record the money" not in client.get(url).content.decode()
    refused = client.post(
        url, {"form": "money", "kind": "disbursed", "amount": "1", "currency": "USD"}
    )
    assert refused.status_code == 403
    assert MoneyEvent.objects.count() == 0


def test_changes_join_the_audit_trail(
    client: Client, staff_az: Any, staff_pk: Any, project: Any
) -> None:
    client.force_login(staff_az)
    page = client.get("/audit/?kind=commitment").content.decode()
    assert "project recorded" in page.lower() and "Power plant" in page
    assert client.get(reverse("commitments:record", args=[project.uid])).status_code == 302
    client.force_login(staff_pk)  # the other chamber's staff do not see them
    assert "Power plant" not in client.get("/audit/?kind=commitment").content.decode()


def test_a_member_adds_a_date_alert_from_the_desk(client: Client, member: Any) -> None:
    from bureau.alerts.services import subscription_create
    from bureau.commitments.models import DateAlert

    subscription = subscription_create(
        owner=member, data={"name": "Energy", "channels": [{"kind": "live"}]}
    )
    client.force_login(member)
    url = reverse("commitments:agreements")
    assert "Add the date alert" in client.get(url).content.decode()
    bad = client.post(
        url, {"form": "alert", "subscription": subscription.pk, "rule": "expiring", "days": "soon"}
    )
    assert bad.status_code == 422 and "must be a whole number of days" in bad.content.decode()
    done = client.post(
        url, {"form": "alert", "subscription": subscription.pk, "rule": "expiring", "days": "90"}
    )
    assert done.status_code == 302
    assert DateAlert.objects.get().days == 90
