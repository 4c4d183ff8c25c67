"""Email delivery: one message per item at once, or one daily digest per channel; one-click unsubscribe.

Instant emails follow the webhook sender's pattern: due deliveries are leased to one worker, sent,
and each outcome is stored by ``webhooks.record_result`` (the same retry schedule and dead-letter
list). SMTP reply codes share HTTP's convention that 2xx is success, so an accepted message is
recorded with the code of acceptance, 250.

Digests are claimed per channel by a compare-and-set on ``Channel.last_digest_at``: of several
workers, exactly one sends a channel's digest on a given day.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import smtplib
import time
from collections.abc import Iterable, Sequence
from typing import Any, Literal
from urllib.parse import urlsplit

from django.conf import settings
from django.core import mail, signing
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from bureau.alerts.models import Channel
from bureau.alerts.services import channel_unsubscribe
from bureau.core.addresses import public_url
from bureau.core.faults import failpoint
from bureau.delivery import described
from bureau.delivery.models import Delivery, DeliveryAttempt
from bureau.delivery.webhooks import record_result
from bureau.delivery.worker import periodic

log = logging.getLogger(__name__)

BATCH = 100
ACCEPTED = 250  # SMTP "requested mail action okay, completed"
# A batch goes out over one SMTP connection, one message after another: the lease outlasts it.
LEASE = dt.timedelta(minutes=10)
UNSUBSCRIBE_SALT = "bureau.delivery.unsubscribe"
# Refusals that concern one message only; any other SMTP or socket error means the server is
# unusable for now, and the rest of the batch is not tried against it.
MESSAGE_ERRORS: tuple[type[Exception], ...] = (
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPDataError,
    ValueError,  # an address or header Django refuses to put in a message
)
DELIVERY_RELATIONS = ("owner", "subscription", "item__organisation", "event")


# --- Instant emails -----------------------------------------------------------------------------


@periodic("email", every_seconds=2)
def email_job() -> None:
    while send_due_emails(limit=BATCH) == BATCH:
        pass  # a full batch: more may be waiting


def claim_due_emails(*, limit: int) -> list[Delivery]:
    """Lease up to ``limit`` due instant-email deliveries of active channels to this process."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            Delivery.objects.filter(
                kind=Channel.Kind.EMAIL,
                status__in=(Delivery.Status.PENDING, Delivery.Status.RETRYING),
                next_attempt_at__lte=now,
                channel__active=True,
            )
            .filter(described.SHOWN)
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
            .order_by("next_attempt_at", "id")
            .select_for_update(skip_locked=True, of=("self",))
            .values_list("pk", flat=True)[:limit]
        )
        if not ids:
            return []
        Delivery.objects.filter(pk__in=ids).update(lease_until=now + LEASE)
    failpoint("email.leased")
    rows = Delivery.objects.select_related(*DELIVERY_RELATIONS).in_bulk(ids)
    return [rows[pk] for pk in ids if pk in rows]


def send_due_emails(limit: int = BATCH) -> int:
    """Send one message per due instant-email delivery; returns how many deliveries were tried.

    Every outcome is recorded: delivered, or retried on the webhook schedule and dead-lettered
    after it. When the server cannot be reached, the rest of the batch is recorded with the same
    error rather than waiting for the server once per message.
    """
    due = claim_due_emails(limit=limit)
    if not due:
        return 0
    connection = mail.get_connection()
    unreachable = ""
    try:
        for delivery in due:
            if unreachable:
                record_result(delivery.pk, status_code=None, error=unreachable, duration_ms=0)
            else:
                unreachable = _send_instant(connection, delivery)
    finally:
        _close(connection)
    return len(due)


def _send_instant(connection: Any, delivery: Delivery) -> str:
    """Send and record one delivery; returns the error when the server itself failed."""
    started = time.perf_counter()
    try:
        message = instant_message(delivery, connection=connection)
    except Exception as failure:  # a message that cannot be composed must not hold up the others
        log.exception("email delivery %s could not be composed", delivery.pk)
        record_result(delivery.pk, status_code=None, error=f"compose: {failure}", duration_ms=0)
        return ""
    code, error, server_failed = transmit(message)
    failpoint("email.sent")
    record_result(delivery.pk, status_code=code, error=error, duration_ms=_ms(started))
    return error if server_failed else ""


def transmit(message: mail.EmailMessage) -> tuple[int | None, str, bool]:
    """Send one message: (SMTP reply code, error text, whether the server itself failed)."""
    try:
        message.send()
    except MESSAGE_ERRORS as error:
        return _smtp_code(error), _describe(error), False
    except OSError as error:  # also every other SMTPException: connect, greeting, login, sender
        return _smtp_code(error), _describe(error), True
    return ACCEPTED, "", False


def _smtp_code(error: Exception) -> int | None:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _reply in error.recipients.values()]
        return codes[0] if codes else None
    code = getattr(error, "smtp_code", None)
    return code if isinstance(code, int) and code > 0 else None


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:500]


def _close(connection: Any) -> None:
    with contextlib.suppress(smtplib.SMTPException, OSError):
        connection.close()


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)


# --- Daily digests ------------------------------------------------------------------------------


@periodic("email-digest", every_seconds=60)
def digest_job() -> None:
    send_due_digests()


def send_due_digests(*, now: dt.datetime | None = None) -> int:
    """Send today's digest of every email channel whose hour (UTC) has come; returns messages sent.

    A channel gets at most one digest per day; one whose hour passed while no worker ran gets it
    as soon as a worker runs that day. A digest that fails is tried again on the next round.
    """
    now = now or timezone.now()
    connection = mail.get_connection()
    sent = 0
    try:
        for channel in due_digest_channels(now=now):
            outcome = _send_digest(connection, channel, now)
            if outcome == "server failed":
                break  # the other channels would fail the same way; the next round retries
            if outcome == "sent":
                sent += 1
    finally:
        _close(connection)
    return sent


def due_digest_channels(*, now: dt.datetime) -> list[Channel]:
    """Active digest channels past their hour today, not yet sent today, with items waiting."""
    utc = now.astimezone(dt.UTC)
    day_start = utc.replace(hour=0, minute=0, second=0, microsecond=0)
    waiting = Delivery.objects.filter(
        described.SHOWN, channel=OuterRef("pk"), status=Delivery.Status.DIGEST
    )
    return list(
        Channel.objects.filter(
            kind=Channel.Kind.EMAIL,
            email_mode=Channel.EmailMode.DIGEST,
            active=True,
            subscription__active=True,
            digest_hour__lte=utc.hour,
        )
        .filter(Q(last_digest_at__isnull=True) | Q(last_digest_at__lt=day_start))
        .filter(Exists(waiting))
        .select_related("subscription__owner")
        .order_by("id")
    )


def _send_digest(
    connection: Any, channel: Channel, now: dt.datetime
) -> Literal["sent", "skipped", "failed", "server failed"]:
    """Claim, send and record one channel's digest."""
    previous = channel.last_digest_at
    # Compare-and-set: of several workers, one moves last_digest_at; the others find it moved.
    claim = Channel.objects.filter(pk=channel.pk, last_digest_at=previous)
    if not claim.update(last_digest_at=now):
        return "skipped"
    deliveries = list(
        Delivery.objects.filter(described.SHOWN, channel=channel, status=Delivery.Status.DIGEST)
        .select_related(*DELIVERY_RELATIONS)
        .order_by("id")
    )
    started = time.perf_counter()
    code, error, server_failed = _transmit_digest(connection, channel, deliveries, now)
    if code == ACCEPTED:
        _digest_delivered([d.pk for d in deliveries], now=now, duration_ms=_ms(started))
        return "sent"
    # Release the claim so that the next round tries again; the items stay waiting.
    Channel.objects.filter(pk=channel.pk, last_digest_at=now).update(last_digest_at=previous)
    if not deliveries:
        return "skipped"
    Delivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(last_error=error)
    log.warning("digest of channel %s not sent: %s", channel.pk, error)
    return "server failed" if server_failed else "failed"


def _transmit_digest(
    connection: Any, channel: Channel, deliveries: list[Delivery], now: dt.datetime
) -> tuple[int | None, str, bool]:
    if not deliveries:  # sent by another worker between the listing and the claim
        return None, "", False
    try:
        message = digest_message(channel, deliveries, now=now, connection=connection)
    except Exception as error:  # a digest that cannot be composed must not hold up the others
        log.exception("digest of channel %s could not be composed", channel.pk)
        return None, f"compose: {error}"[:500], False
    return transmit(message)


@transaction.atomic
def _digest_delivered(ids: Sequence[int], *, now: dt.datetime, duration_ms: int) -> None:
    Delivery.objects.filter(pk__in=ids, status=Delivery.Status.DIGEST).update(
        status=Delivery.Status.DELIVERED,
        delivered_at=now,
        attempts=F("attempts") + 1,
        last_error="",
    )
    DeliveryAttempt.objects.bulk_create(
        DeliveryAttempt(delivery_id=pk, at=now, status_code=ACCEPTED, duration_ms=duration_ms)
        for pk in ids
    )


# --- Messages -----------------------------------------------------------------------------------


def item_url(item_id: int, *, request: HttpRequest | None = None) -> str:
    return public_url(f"/items/{item_id}/", request=request)


def unsubscribe_token(channel_id: int) -> str:
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(str(channel_id))


def unsubscribe_url(channel_id: int) -> str:
    path = reverse("delivery:unsubscribe", args=[unsubscribe_token(channel_id)])
    return public_url(path)


def channel_for_unsubscribe(token: str) -> Channel | None:
    """The email channel a signed unsubscribe token names, or None for a forged or stale one."""
    try:
        channel_id = int(signing.Signer(salt=UNSUBSCRIBE_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        return None
    return (
        Channel.objects.select_related("subscription")
        .filter(pk=channel_id, kind=Channel.Kind.EMAIL)
        .first()
    )


def instant_message(delivery: Delivery, *, connection: Any = None) -> mail.EmailMultiAlternatives:
    """The message announcing one item, or saying what a described event is (an agreement
    expiring ...); its Message-ID is the delivery's, the same on every retry."""
    language = recipient_language(delivery.owner)
    context: dict[str, Any] = {"subscription": delivery.subscription}
    described_event = described.about(delivery, language)
    if described_event is not None:
        text = described_event[0]
        context.update(text=text, url=public_url(text.path))
        template, subject = "event", text.title
    else:
        assert delivery.item is not None  # an event without a described action has its item
        context.update(item=delivery.item, item_url=item_url(delivery.item_id or 0))
        template, subject = "item", delivery.item.title
    headers = {"X-Bureau-Delivery": str(delivery.uid)}
    return _compose(
        template=template,
        subject=subject,
        to=delivery.owner.email,
        language=language,
        channel_id=delivery.channel_id,
        message_key=str(delivery.uid),
        context=context,
        headers=headers,
        connection=connection,
    )


def _digest_entry(delivery: Delivery, language: str) -> dict[str, Any]:
    described_event = described.about(delivery, language)
    if described_event is None:
        return {"item": delivery.item, "url": item_url(delivery.item_id or 0)}
    text = described_event[0]
    return {"text": text, "url": public_url(text.path)}


def digest_message(
    channel: Channel, deliveries: Iterable[Delivery], *, now: dt.datetime, connection: Any = None
) -> mail.EmailMultiAlternatives:
    """One message listing every waiting item of the channel; one Message-ID per channel and day."""
    subscription = channel.subscription
    day = now.astimezone(dt.UTC).date().isoformat()
    language = recipient_language(subscription.owner)
    entries = [_digest_entry(d, language) for d in deliveries]
    with translation.override(language):
        subject = ngettext(
            "%(count)d new item for %(name)s", "%(count)d new items for %(name)s", len(entries)
        ) % {"count": len(entries), "name": subscription.name}
    return _compose(
        template="digest",
        subject=subject,
        to=subscription.owner.email,
        language=language,
        channel_id=channel.pk,
        message_key=f"digest-{subscription.uid}-{channel.pk}-{day}",
        context={"entries": entries, "subscription": subscription, "day": day},
        headers={"X-Bureau-Digest": f"{channel.pk}/{day}"},
        connection=connection,
    )


def recipient_language(user: Any) -> str:
    """The language a person reads their email in: their chosen one, else the node's default."""
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


def _compose(
    *,
    template: str,
    subject: str,
    to: str,
    language: str,
    channel_id: int,
    message_key: str,
    context: dict[str, Any],
    headers: dict[str, str],
    connection: Any,
) -> mail.EmailMultiAlternatives:
    unsubscribe = unsubscribe_url(channel_id)
    context = {
        **context,
        "unsubscribe_url": unsubscribe,
        "node_title": settings.BUREAU_NODE_TITLE,
        "browse_url": public_url("/items/"),
    }
    with translation.override(language):
        text = render_to_string(f"delivery/email/{template}.txt", context)
        html = render_to_string(f"delivery/email/{template}.html", context)
    message = mail.EmailMultiAlternatives(
        subject=" ".join(subject.split()),  # a header is one line
        body=text,
        to=[to],
        connection=connection,
        headers={
            **headers,
            "Message-ID": f"<{message_key}@{_mail_domain()}>",
            # RFC 8058: mail clients offer "unsubscribe" and POST to the URL without a visit.
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",  # RFC 3834: no vacation replies
            "Content-Language": language,
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def _mail_domain() -> str:
    return urlsplit(public_url()).hostname or "localhost"


# --- The unsubscribe page -----------------------------------------------------------------------


# The signed token is the credential, and mail clients POST without a session or CSRF cookie.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe_view(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a confirmation button; POST (the button, or a mail client's one click) unsubscribes."""
    channel = channel_for_unsubscribe(token)
    if channel is None:
        raise Http404(_("This unsubscribe link is not valid."))
    if request.method == "POST" and channel.active:
        channel_unsubscribe(channel=channel)
    response = render(
        request,
        "delivery/unsubscribe.html",
        {"channel": channel, "subscription": channel.subscription, "token": token},
    )
    response["X-Robots-Tag"] = "noindex"
    return response
