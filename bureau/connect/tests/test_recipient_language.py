"""Messages are worded in the language of the person who reads them, not of whoever caused
them: the inbox, its emails (through a real SMTP server) and the digests."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from bureau.connect.models import Interest
from bureau.connect.tests.conftest import signed_in
from bureau.delivery.dispatch import dispatch_pending
from bureau.delivery.email import send_due_digests
from bureau.delivery.matching import LiveIndex
from bureau.delivery.tests.test_email import Received, subscribe
from bureau.inbox.models import Message

pytestmark = pytest.mark.django_db(transaction=True)


def subject(received: Received) -> str:
    # A folded header of encoded words decodes with the fold's space in front.
    return str(received.message["Subject"]).strip()


def worded(language: str, message: str, **params: object) -> str:
    with translation.override(language):
        return gettext(message) % params


def test_an_interest_reaches_each_side_in_its_own_language(mail, make_item, member, trader):
    member.language, trader.language = "az", "ur"
    member.save(update_fields=["language"])
    trader.save(update_fields=["language"])
    item = make_item(publish=True, title="Basmati rice")
    buyer = signed_in(trader)
    # The trader acts in Urdu; the owner reads Azerbaijani all the same.
    sent = buyer.post(f"/connect/items/{item.pk}/interest/", {"message": "We buy 200 t."})
    assert sent.status_code == 302
    subject_az = worded("az", "Interest in “%(title)s”", title="Basmati rice")
    assert subject_az != "Interest in “Basmati rice”"
    (told,) = Message.objects.filter(recipient=member)
    assert told.subject == subject_az
    (email,) = [r for r in mail.received if member.email in r.recipients]
    assert subject(email) == subject_az

    # The owner declines in Azerbaijani; the trader is told in Urdu.
    interest = Interest.objects.get()
    owner = signed_in(member)
    owner.post(f"/connect/interests/{interest.uid}/decline/", HTTP_ACCEPT_LANGUAGE="az")
    subject_ur = worded("ur", "Declined: your interest in “%(title)s”", title="Basmati rice")
    assert subject_ur != "Declined: your interest in “Basmati rice”"
    (answer,) = Message.objects.filter(recipient=trader)
    assert answer.subject == subject_ur
    assert worded("ur", "The owner of “%(title)s” declined your expression of interest.",
                  title="Basmati rice") == answer.text  # fmt: skip
    (email,) = [r for r in mail.received if trader.email in r.recipients]
    assert subject(email) == subject_ur
    # The inbox page shows the stored wording whatever language the page is read in.
    page = signed_in(trader).get("/inbox/", HTTP_ACCEPT_LANGUAGE="ur").content.decode()
    assert subject_ur in page


def test_a_digest_is_written_in_its_readers_language(mail, make_item, member):
    member.language = "ur"
    member.save(update_fields=["language"])
    subscribe(member, name="Rice digest", email_mode="digest", digest_hour=8)
    make_item(publish=True)
    make_item(publish=True, title="Basmati rice, 200 tonnes")
    dispatch_pending(LiveIndex())
    today = timezone.now().astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    with translation.override("en"):  # the worker's own language does not matter
        assert send_due_digests(now=today.replace(hour=9)) == 1
    (received,) = mail.received
    with translation.override("ur"):
        expected = ngettext(
            "%(count)d new item for %(name)s", "%(count)d new items for %(name)s", 2
        ) % {"count": 2, "name": "Rice digest"}
    assert expected != "2 new items for Rice digest"
    assert subject(received) == expected
