"""A member's own pages: My items with next steps, drafts by ?status=draft, the import result,
and a return to draft that asks why and tells the member (in the bureau and by email)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import reverse

from bureau.catalog import services
from bureau.catalog.models import Item, Status
from bureau.delivery.tests.test_email import Inbox, free_port, smtp_server, smtp_settings
from bureau.inbox.models import Message

pytestmark = pytest.mark.django_db


def test_my_items_lists_each_status_with_its_next_step(client: Client, make_item, member, lapse):
    draft = make_item(title="Rice draft", valid_until="2999-01-01")
    lapsed = lapse(make_item(title="Lapsed draft", valid_until="2999-01-01"))
    submitted = services.item_submit(actor=member, item=make_item(title="Rice submitted"))
    published = make_item(publish=True, title="Rice published", valid_until="2999-01-01")
    client.force_login(member)
    html = client.get(reverse("catalog:mine")).content.decode()
    rows = dict(re.findall(r'<li class="mine__item" id="mine-item-(\d+)">(.*?)</li>', html, re.S))
    assert "submit it for review" in rows[str(draft.pk)]
    assert "Submit for review" in rows[str(draft.pk)]  # the button
    assert "Change its valid-until date" in rows[str(lapsed.pk)]
    assert "Waiting for chamber staff" in rows[str(submitted.pk)]
    assert "expires after" in rows[str(published.pk)]
    nav = html[: html.index("<main")]
    assert reverse("catalog:mine") in nav and reverse("catalog:import") in nav
    only = client.get(reverse("catalog:mine"), {"status": "draft"}).content.decode()
    assert "Rice draft" in only and "Rice published" not in only


def test_browse_honours_status_draft_for_ones_own_items(
    client: Client, make_item, member, staff_pk
):
    make_item(title="Our draft")
    make_item(publish=True, title="Our published lead")
    client.force_login(member)
    html = client.get(reverse("catalog:browse"), {"status": "draft"}).content.decode()
    assert "Our draft" in html and "Our published lead" not in html
    assert "nobody outside it and its chamber sees them" in html
    client.force_login(staff_pk)  # another chamber: not theirs
    other = client.get(reverse("catalog:browse"), {"status": "draft"}).content.decode()
    assert "Our draft" not in other
    anonymous = Client().get(reverse("catalog:browse"), {"status": "draft"}).content.decode()
    assert "Our draft" not in anonymous and "Our published lead" in anonymous


def test_the_import_names_the_drafts_it_made_and_says_what_next(client: Client, member):
    client.force_login(member)
    form = client.get(reverse("catalog:import")).content.decode()
    dry_run = re.search(r'<input type="checkbox" name="dry_run"[^>]*>', form)
    assert dry_run is not None and "checked" not in dry_run.group(0)
    upload = io.BytesIO(
        b"kind,title,side,product,hs_code\n"
        b"lead,Imported rice,sell,Rice,100630\n"
        b"lead,Imported cotton,buy,Cotton,520100\n"
    )
    upload.name = "items.csv"
    html = client.post(reverse("catalog:import"), {"file": upload}).content.decode()
    made = Item.objects.filter(title__startswith="Imported").order_by("id")
    assert [i.status for i in made] == [Status.DRAFT, Status.DRAFT]
    for item in made:
        assert f'<a href="{reverse("catalog:item", args=[item.pk])}">{item.title}</a>' in html
    assert "What next:" in html and "submit it for review" in html

    upload.seek(0)
    dry = client.post(reverse("catalog:import"), {"file": upload, "dry_run": "on"}).content.decode()
    assert "Nothing was saved." in dry and Item.objects.count() == 2


@pytest.fixture
def mail() -> Iterator[Inbox]:
    handler = Inbox()
    controller = smtp_server(handler, free_port())
    with smtp_settings(controller.port):
        yield handler
    controller.stop()


def test_return_to_draft_asks_why_and_tells_the_member(
    client: Client, make_item, member, staff_az, mail, django_capture_on_commit_callbacks
):
    item = services.item_submit(actor=member, item=make_item())
    client.force_login(staff_az)
    queue = client.get(reverse("catalog:moderation")).content.decode()
    assert re.search(r'<textarea id="return-note-\d+" name="note"[^>]*required', queue)
    url = reverse("catalog:item_action", args=[item.pk, "return"])
    refused = client.post(url, {"view": "row"}, headers={"HX-Request": "true"})
    assert refused.status_code == 422 and "The reason is required" in refused.content.decode()
    assert Item.objects.get(pk=item.pk).status == Status.SUBMITTED

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"note": "Give the quantity in tonnes"})
    item.refresh_from_db()
    assert item.status == Status.DRAFT
    last = item.transitions.last()
    assert last is not None and last.note == "Give the quantity in tonnes"
    told = Message.objects.get(recipient=member)
    assert "Give the quantity in tonnes" in told.text and told.url == f"/items/{item.pk}/"
    (email,) = mail.received
    assert email.recipients == [member.email] and "Give the quantity" in email.message.get_content()

    client.force_login(member)
    inbox = client.get(reverse("inbox:inbox")).content.decode()
    assert "Returned to draft" in inbox
    mine = client.get(reverse("catalog:mine")).content.decode()
    assert "Chamber staff returned it: “Give the quantity in tonnes”" in mine
