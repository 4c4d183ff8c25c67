"""Rules for information entered at this node: a valid-until date in the future, no HS chapter 99.

Each rule is checked on every way in — the API, the entry form, the import — with the field
named; items received from a peer are not held to them.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bureau.catalog import services
from bureau.catalog.models import Item, Status
from bureau.catalog.validation import clean_item
from bureau.core.errors import Conflict, ValidationFailed
from conftest import lead_data

pytestmark = pytest.mark.django_db

YESTERDAY = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
TODAY = timezone.localdate().isoformat()


def _errors(response) -> dict[str, str]:
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def test_the_api_refuses_a_past_valid_until_and_chapter_99(client: Client, member, token_for):
    auth = f"Bearer {token_for(member)}"

    def post(**overrides):
        body = json.dumps(lead_data(**overrides))
        return client.post(
            "/api/v1/items", body, content_type="application/json", HTTP_AUTHORIZATION=auth
        )

    past = post(valid_until="2020-06-30")
    assert past.status_code == 422
    assert _errors(past) == {"valid_until": "must be today or later"}
    unspecified = post(hs_code="999999", hs_codes=["99", "1006"])
    assert unspecified.status_code == 422
    errors = _errors(unspecified)
    assert "chapter 99" in errors["hs_code"] and "'999999'" in errors["hs_code"]
    assert "'99'" in errors["hs_codes"] and "statistics" in errors["hs_codes"]
    assert Item.objects.count() == 0
    assert post(valid_until=TODAY).status_code == 201  # today is still valid


def test_the_form_shows_the_errors_beside_the_fields(client: Client, member):
    client.force_login(member)
    values = lead_data(valid_until=YESTERDAY, hs_code="9999")
    values.pop("kind")
    response = client.post(f"{reverse('catalog:item_new')}?kind=lead", values)
    html = response.content.decode()
    assert response.status_code == 422
    assert re.search(r'id="id_valid_until-error"[^>]*>[^<]*must be today or later', html)
    assert re.search(r'id="id_hs_code-error"[^>]*>[^<]*chapter 99', html)
    assert Item.objects.count() == 0


def test_the_import_reports_the_row_and_the_field(client: Client, member):
    client.force_login(member)
    upload = io.BytesIO(
        b"kind,title,side,product,hs_code,valid_until\n"
        b"lead,Good rice,sell,Rice,100630,2999-01-01\n"
        b"lead,Old rice,sell,Rice,100630,2020-06-30\n"
        b"lead,Anything,sell,Goods,999999,\n"
    )
    upload.name = "items.csv"
    response = client.post(reverse("catalog:import"), {"file": upload})
    html = response.content.decode()
    assert response.status_code == 422
    assert re.search(r'<td class="num">3</td><td><code>valid_until</code></td>', html)
    assert re.search(r'<td class="num">4</td><td><code>hs_code</code></td>', html)
    assert Item.objects.count() == 0


def test_a_lapsed_item_cannot_be_submitted_or_published(make_item, member, staff_az, lapse):
    draft = lapse(make_item(valid_until="2999-01-01"))
    with pytest.raises(Conflict, match="valid-until date"):
        services.item_submit(actor=member, item=draft)
    with pytest.raises(Conflict, match="valid-until date"):
        services.item_publish(actor=staff_az, item=draft)
    assert Item.objects.get(pk=draft.pk).status == Status.DRAFT
    # Its other fields can still be edited; a new past date is refused, a future one accepted.
    services.item_update(actor=member, item=draft, data={"title": "Renamed"})
    with pytest.raises(ValidationFailed):
        services.item_update(actor=member, item=draft, data={"valid_until": "2021-01-01"})
    services.item_update(actor=member, item=draft, data={"valid_until": "2999-01-01"})
    assert services.item_submit(actor=member, item=draft).status == Status.SUBMITTED


def test_records_from_a_peer_keep_their_dates_and_codes():
    clean = clean_item(lead_data(valid_until="2020-06-30", hs_code="999999"))
    assert clean.common["valid_until"] == dt.date(2020, 6, 30)


def test_the_queue_warns_staff_of_items_about_to_expire(
    client: Client, make_item, member, staff_az
):
    soon = make_item(title="Rice, valid 3 more days")
    services.item_update(
        actor=member,
        item=soon,
        data={"valid_until": (timezone.localdate() + dt.timedelta(days=3)).isoformat()},
    )
    later = make_item(title="Rice, valid for a year", valid_until="2999-01-01")
    lapsed = make_item(title="Rice, lapsed")
    for item in (soon, later, lapsed):
        services.item_submit(actor=member, item=item)
    Item.objects.filter(pk=lapsed.pk).update(valid_until=timezone.localdate() - dt.timedelta(2))
    client.force_login(staff_az)
    html = client.get(reverse("catalog:moderation")).content.decode()
    rows = dict(re.findall(r'<tr id="queue-row-(\d+)">(.*?)</tr>', html, re.S))
    assert "It expires in 3 days" in rows[str(soon.pk)]
    assert "queue-warning" not in rows[str(later.pk)]
    assert "has passed" in rows[str(lapsed.pk)]


def test_the_search_box_error_names_the_search(client: Client):
    response = client.get(reverse("catalog:browse"), {"q": "rice " * 59 + "wheat"})
    html = response.content.decode()
    assert re.search(r'id="id_q-error">\s*The search is 300 characters long', html)
