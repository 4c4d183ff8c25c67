"""Email delivery through a real SMTP server: instant messages, retries, daily digests, unsubscribe."""

from __future__ import annotations

import contextlib
import datetime as dt
import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from django.test import Client, override_settings
from django.utils import timezone

from bureau.alerts import services as alerts
from bureau.alerts.models import Channel
from bureau.core.addresses import public_url
from bureau.delivery.dispatch import dispatch_pending
from bureau.delivery.email import send_due_digests, send_due_emails
from bureau.delivery.matching import LiveIndex
from bureau.delivery.models import Delivery, DeliveryAttempt


@dataclass
class Received:
    recipients: list[str]
    message: EmailMessage

    def part(self, content_type: str) -> str:
        body = self.message.get_body(preferencelist=(content_type.split("/")[1],))
        assert body is not None and body.get_content_type() == content_type
        return body.get_content()


@dataclass
class Inbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    received: list[Received] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802 - aiosmtpd's hook name
        message = message_from_bytes(envelope.content, policy=policy.default)  # type: ignore[attr-defined]
        with self._lock:
            self.received.append(Received(list(envelope.rcpt_tos), message))  # type: ignore[attr-defined]
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def smtp_server(handler: Inbox, port: int) -> Controller:
    """Start a server; a stopped Controller cannot start again, so a restart is a new one."""
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    return controller


@contextlib.contextmanager
def smtp_settings(port: int):
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=port,
        EMAIL_HOST_USER="",
        EMAIL_HOST_PASSWORD="",
        EMAIL_USE_TLS=False,
        EMAIL_TIMEOUT=10,
    ):
        yield


@pytest.fixture
def inbox():
    """A real SMTP server on 127.0.0.1 that Django sends to for the length of the test."""
    handler = Inbox()
    controller = smtp_server(handler, free_port())
    with smtp_settings(controller.port):
        yield handler
    controller.stop()


def subscribe(member, name: str = "Rice", **channel) -> Channel:
    subscription = alerts.subscription_create(
        owner=member,
        data={"name": name, "hs_prefixes": ["10"], "channels": [{"kind": "email", **channel}]},
    )
    return subscription.channels.get()


def unsubscribe_path(received: Received) -> str:
    header = str(received.message["List-Unsubscribe"]).strip()  # a long header is folded
    assert header.startswith("<") and header.endswith(">")
    url = header[1:-1]
    assert url.startswith(public_url("/unsubscribe/"))
    return urlsplit(url).path


def test_a_matching_item_is_emailed_once_and_one_click_unsubscribes(inbox, make_item, member):
    channel = subscribe(member)
    index = LiveIndex()
    item = make_item(publish=True)
    make_item(publish=True, title="LNG, one cargo", product="LNG", hs_code="271111")
    dispatch_pending(index)

    assert send_due_emails() == 1
    (received,) = inbox.received
    delivery = Delivery.objects.get(kind="email")
    assert received.recipients == [member.email]
    assert received.message["Subject"] == item.title
    assert received.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert received.message["X-Bureau-Delivery"] == str(delivery.uid)
    assert str(delivery.uid) in received.message["Message-ID"]
    text, html = received.part("text/plain"), received.part("text/html")
    item_url = public_url(f"/items/{item.pk}/")
    for body in (text, html):
        assert item_url in body and "Rice" in body and item.title in body
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.DELIVERED and delivery.attempts == 1
    assert list(delivery.attempt_log.values_list("status_code", flat=True)) == [250]
    assert send_due_emails() == 0  # nothing is sent twice

    # RFC 8058: the mail client POSTs with no session and no CSRF token.
    response = Client(enforce_csrf_checks=True).post(
        unsubscribe_path(received),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    channel.refresh_from_db()
    assert not channel.active and channel.unsubscribed_at is not None

    make_item(publish=True, title="Basmati rice, 200 tonnes")
    dispatch_pending(index)
    assert send_due_emails() == 0
    assert len(inbox.received) == 1
    assert not Delivery.objects.filter(kind="email").exclude(pk=delivery.pk).exists()


def test_the_unsubscribe_page_asks_first_and_refuses_a_forged_link(inbox, make_item, member):
    channel = subscribe(member)
    make_item(publish=True)
    dispatch_pending(LiveIndex())
    send_due_emails()
    path = unsubscribe_path(inbox.received[0])
    client = Client()

    page = client.get(path)
    assert page.status_code == 200
    assert b'method="post"' in page.content and b"csrfmiddlewaretoken" in page.content
    channel.refresh_from_db()
    assert channel.active  # a link scanner's GET changes nothing

    signed_id = path.split("/")[2]
    forged = signed_id.split(":")[0] + ":" + "A" * len(signed_id.split(":")[1])
    assert client.post(f"/unsubscribe/{forged}/").status_code == 404
    assert client.post(f"/unsubscribe/{channel.pk}/").status_code == 404
    channel.refresh_from_db()
    assert channel.active

    assert client.post(path).status_code == 200
    channel.refresh_from_db()
    assert not channel.active
    assert b"You are unsubscribed" in client.get(path).content


def test_an_smtp_outage_schedules_a_retry_and_loses_nothing(make_item, member):
    subscribe(member, name="Rice")
    subscribe(member, name="Basmati")
    make_item(publish=True)
    dispatch_pending(LiveIndex())
    handler, port = Inbox(), free_port()
    smtp_server(handler, port).stop()  # the server is down

    with smtp_settings(port):
        assert send_due_emails() == 2
    for delivery in Delivery.objects.filter(kind="email"):
        assert delivery.status == Delivery.Status.RETRYING and delivery.attempts == 1
        assert delivery.next_attempt_at is not None and delivery.last_error
        assert delivery.next_attempt_at > timezone.now()
        (attempt,) = DeliveryAttempt.objects.filter(delivery=delivery)
        assert attempt.status_code is None and attempt.error
    assert send_due_emails() == 0  # not due before its retry time

    controller = smtp_server(handler, port)  # back up, on the same address
    try:
        Delivery.objects.update(next_attempt_at=timezone.now())
        with smtp_settings(port):
            assert send_due_emails() == 2
    finally:
        controller.stop()
    assert (
        sorted(r.message["Subject"] for r in handler.received)
        == ["Basmati rice, 500 tonnes, for Baku"] * 2
    )
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.Status.DELIVERED}


def test_a_daily_digest_goes_out_once_at_its_hour(inbox, make_item, member):
    channel = subscribe(member, name="Rice digest", email_mode="digest", digest_hour=8)
    index = LiveIndex()
    first = make_item(publish=True)
    second = make_item(publish=True, title="Basmati rice, 200 tonnes")
    dispatch_pending(index)
    assert send_due_emails() == 0  # digest deliveries wait for the digest
    today = timezone.now().astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)

    assert send_due_digests(now=today.replace(hour=7, minute=59)) == 0
    assert inbox.received == []
    # A worker that was down at 08:00 sends it when it comes back the same day.
    assert send_due_digests(now=today.replace(hour=10, minute=30)) == 1
    (received,) = inbox.received
    assert received.recipients == [member.email]
    assert received.message["Subject"] == "2 new items for Rice digest"
    assert received.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe_path(received)
    text = received.part("text/plain")
    for item in (first, second):
        assert item.title in text and f"/items/{item.pk}/" in text
    assert set(Delivery.objects.filter(kind="email").values_list("status", flat=True)) == {
        Delivery.Status.DELIVERED
    }
    channel.refresh_from_db()
    assert channel.last_digest_at == today.replace(hour=10, minute=30)

    third = make_item(publish=True, title="Basmati rice, 50 tonnes")
    dispatch_pending(index)
    assert send_due_digests(now=today.replace(hour=23, minute=59)) == 0  # never twice a day
    assert len(inbox.received) == 1
    assert send_due_digests(now=today + dt.timedelta(days=1, hours=8)) == 1
    assert inbox.received[1].message["Subject"] == "1 new item for Rice digest"
    assert third.title in inbox.received[1].part("text/plain")
    assert first.title not in inbox.received[1].part("text/plain")


def test_a_digest_the_server_refused_is_sent_on_the_next_round(make_item, member):
    channel = subscribe(member, name="Rice digest", email_mode="digest", digest_hour=0)
    make_item(publish=True)
    dispatch_pending(LiveIndex())
    handler, port = Inbox(), free_port()
    smtp_server(handler, port).stop()

    with smtp_settings(port):
        assert send_due_digests() == 0
    channel.refresh_from_db()
    assert channel.last_digest_at is None  # the claim was given back
    delivery = Delivery.objects.get(kind="email")
    assert delivery.status == Delivery.Status.DIGEST and delivery.last_error

    controller = smtp_server(handler, port)
    try:
        with smtp_settings(port):
            assert send_due_digests() == 1
    finally:
        controller.stop()
    assert len(handler.received) == 1
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.DELIVERED and delivery.last_error == ""
