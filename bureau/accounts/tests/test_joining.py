"""Joining the bureau, with mail through a real SMTP server: sign-up and confirmation, "Save this
search" for visitors, password reset, signing out everywhere, and requests to join a company."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from bureau.accounts.models import MembershipRequest, User
from bureau.alerts.models import Subscription
from bureau.delivery.tests.test_email import Inbox, free_port, smtp_server, smtp_settings
from bureau.inbox.models import Message
from conftest import PASSWORD

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a-long-new-passphrase"


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[Inbox, int]]:
    """One real SMTP server for the module; each test reads what it received from empty."""
    handler = Inbox()
    controller = smtp_server(handler, free_port())
    yield handler, controller.port
    controller.stop()


@pytest.fixture
def mailbox(smtp: tuple[Inbox, int]) -> Iterator[Inbox]:
    handler, port = smtp
    handler.received.clear()
    with smtp_settings(port):
        yield handler


@pytest.fixture
def sending(django_capture_on_commit_callbacks: Any) -> Any:
    """Mail goes out after commit; in a test's transaction, when this block ends."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def link_in(mailbox: Inbox, to: str) -> str:
    (received,) = [r for r in mailbox.received if r.recipients == [to]]
    found = re.search(r"https?://\S+", received.message.get_content())
    assert found is not None
    return found.group(0)


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_a_visitor_saves_a_search_through_sign_up_and_comes_back_to_it(
    client: Client, mailbox, sending
):
    browse = client.get(reverse("catalog:browse"), {"q": "cotton", "kind": "lead"}).content.decode()
    save = re.search(r'<a class="button[^"]*" href="([^"]+)">Save this search</a>', browse)
    assert save is not None
    to_login = client.get(save.group(1).replace("&amp;", "&"))
    assert to_login.status_code == 302 and to_login["Location"].startswith("/accounts/login/")
    login_page = client.get(to_login["Location"]).content.decode()
    signup = re.search(r'No account yet\? <a href="(/accounts/signup/\?next=[^"]+)"', login_page)
    assert signup is not None
    form = client.get(signup.group(1).replace("&amp;", "&")).content.decode()
    next_url = re.search(r'action="/accounts/signup/".*?name="next" value="([^"]*)"', form, re.S)
    assert next_url is not None and next_url.group(1).startswith(reverse("alerts:from_search"))

    with sending():
        sent = client.post(
            reverse("accounts:signup"),
            {
                "email": "New.Trader@example.org",
                "password": NEW_PASSWORD,
                "next": next_url.group(1),
            },
        )
    assert sent.status_code == 302 and sent["Location"].startswith(reverse("accounts:signup_sent"))
    trader = User.objects.get(email="new.trader@example.org")
    assert not trader.is_active and trader.organisation is None
    assert not Client().login(username=trader.email, password=NEW_PASSWORD)  # not confirmed yet

    confirmed = client.get(path_of(link_in(mailbox, trader.email)), follow=True)
    assert confirmed.redirect_chain[0][0].startswith(reverse("alerts:from_search"))
    prefilled = confirmed.content.decode()
    assert "Filled in from your search" in prefilled and 'value="cotton"' in prefilled
    trader.refresh_from_db()
    assert trader.is_active

    saved = client.post(
        reverse("alerts:new"),
        {"name": "cotton", "keywords_all": "cotton", "kinds": ["lead"], "channels": ["live"]},
    )
    assert saved.status_code == 302
    assert Subscription.objects.get(owner=trader).name == "cotton"
    used_again = client.get(path_of(link_in(mailbox, trader.email)))
    assert used_again.status_code == 400  # a confirmation link works once


def test_sign_up_names_bad_fields_and_does_not_tell_who_has_an_account(
    client: Client, member, mailbox, sending
):
    bad = client.post(reverse("accounts:signup"), {"email": "not-an-address", "password": "short"})
    html = bad.content.decode()
    assert bad.status_code == 422
    assert re.search(r'id="id_email-error">Email address: is not an email address', html)
    assert re.search(r'id="id_password-error">Password: This password is too short', html)

    with sending():
        again = client.post(
            reverse("accounts:signup"), {"email": member.email, "password": NEW_PASSWORD}
        )
    assert again.status_code == 302 and again["Location"].startswith(
        reverse("accounts:signup_sent")
    )
    assert User.objects.filter(email=member.email).count() == 1
    (notice,) = mailbox.received
    assert notice.recipients == [member.email]
    assert "has an account already" in notice.message.get_content()


def test_sign_up_and_password_reset_are_rate_limited(client: Client, settings, mailbox):
    settings.ACCOUNT_EMAIL_RATE_LIMIT = "2/h"
    for n in range(2):
        ok = client.post(
            reverse("accounts:signup"), {"email": f"t{n}@example.org", "password": NEW_PASSWORD}
        )
        assert ok.status_code == 302
    refused = client.post(
        reverse("accounts:signup"), {"email": "t3@example.org", "password": NEW_PASSWORD}
    )
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert not User.objects.filter(email="t3@example.org").exists()
    for _n in range(2):
        client.post(reverse("password_reset"), {"email": "someone@example.org"})
    assert client.post(reverse("password_reset"), {"email": "x@example.org"}).status_code == 429


def test_password_reset_by_email(client: Client, member, mailbox, sending):
    with sending():
        sent = client.post(reverse("password_reset"), {"email": member.email})
    assert sent.status_code == 302
    link = link_in(mailbox, member.email)
    assert link.startswith("http://testserver/accounts/reset/")
    form_page = client.get(path_of(link), follow=True)
    assert form_page.status_code == 200 and "Choose a new password" in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done.status_code == 302
    assert Client().login(username=member.email, password=NEW_PASSWORD)
    assert not Client().login(username=member.email, password=PASSWORD)


def test_sign_out_everywhere_ends_the_other_sessions(member):
    laptop, phone = Client(), Client()
    for device in (laptop, phone):
        assert device.login(username=member.email, password=PASSWORD)
    assert phone.get(reverse("alerts:list")).status_code == 200
    out = laptop.post(reverse("accounts:sign_out_everywhere"))
    assert out.status_code == 302
    assert phone.get(reverse("alerts:list")).status_code == 302  # back to sign-in
    assert laptop.get(reverse("alerts:list")).status_code == 302
    assert Client().login(username=member.email, password=PASSWORD)  # the password still works


def test_joining_a_company_needs_its_or_its_chambers_approval(
    client: Client, company, member, staff_pk, mailbox, sending
):
    trader = User.objects.create_user("solo@example.org", NEW_PASSWORD)
    client.force_login(trader)
    asked = client.post(
        reverse("accounts:join"), {"organisation": company.slug, "message": "Sales manager"}
    )
    assert asked.status_code == 302
    request = MembershipRequest.objects.get(user=trader)
    assert Message.objects.filter(recipient=member, subject__contains="solo@example.org").exists()
    trader.refresh_from_db()
    assert trader.organisation is None  # nothing before approval

    other_chamber = Client()
    other_chamber.force_login(staff_pk)
    decided = other_chamber.post(reverse("accounts:decide", args=[request.pk]), {"approve": "1"})
    assert decided.status_code == 403

    company_side = Client()
    company_side.force_login(member)
    page = company_side.get(reverse("accounts:account")).content.decode()
    assert "solo@example.org" in page and "Sales manager" in page
    with sending():
        company_side.post(reverse("accounts:decide", args=[request.pk]), {"approve": "1"})
    trader.refresh_from_db()
    assert trader.organisation == company and trader.role == User.Role.MEMBER
    told = Message.objects.get(recipient=trader)
    assert company.name in told.subject
    assert any(r.recipients == [trader.email] for r in mailbox.received)
