"""Send webhook deliveries: signed, retried with exponential back-off and jitter, then dead-lettered.

The sender is an asyncio loop: it claims due deliveries (a lease, so a crashed worker's claims come
back), sends each in its own task with at most a few requests in flight per endpoint, and records
each outcome as soon as it is known, so a slow receiver delays only its own deliveries.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import Count, F, Min, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from bureau.alerts.models import Channel, WebhookEndpoint
from bureau.catalog.selectors import item_as_record
from bureau.core import loops, metrics
from bureau.core.addresses import public_url
from bureau.core.faults import failpoint
from bureau.delivery import described
from bureau.delivery.egress import checked_transport
from bureau.delivery.models import Delivery, DeliveryAttempt
from bureau.delivery.signing import sign

log = logging.getLogger(__name__)

T = TypeVar("T")
LOOP = "webhooks"  # its name among the worker's loops
PER_ENDPOINT = 4
MAX_IN_FLIGHT = 200


_jitter = random.SystemRandom()


def next_delay(attempts: int) -> float | None:
    """Seconds until the next try after ``attempts`` failed ones, or None when it is time to give up.

    The schedule (BUREAU_WEBHOOK_RETRY_DELAYS) spans about three days; each delay gets +-20% jitter
    so that the retries of many deliveries that failed together do not arrive together.
    """
    delays = settings.BUREAU_WEBHOOK_RETRY_DELAYS
    if attempts > len(delays):
        return None
    return delays[attempts - 1] * _jitter.uniform(0.8, 1.2)


@dataclass
class Outgoing:
    delivery_id: int
    message_id: str
    endpoint_id: int
    url: str
    secret: str
    body: bytes
    request_id: str = ""


def claim_due(*, limit: int, busy_endpoints: set[int] = frozenset()) -> list[Outgoing]:  # type: ignore[assignment]
    """Lease up to ``limit`` due webhook deliveries to this process, never more than
    ``PER_ENDPOINT`` in flight per endpoint, counting every worker's leases.

    The endpoints' rows are locked first (PostgreSQL; SQLite's write lock serialises the whole
    claim), so two workers never count the same endpoint's leases at once: one claims, the
    other skips it this round. The lease outlasts a request, so a delivery leased by a worker
    that died comes back by itself (and counts as in flight until then).
    """
    now = timezone.now()
    lease = dt.timedelta(seconds=settings.BUREAU_WEBHOOK_TIMEOUT * 2 + 5)
    with transaction.atomic():
        due = (
            Delivery.objects.filter(
                kind=Channel.Kind.WEBHOOK,
                status__in=(Delivery.Status.PENDING, Delivery.Status.RETRYING),
                next_attempt_at__lte=now,
                channel__endpoint__isnull=False,
            )
            .filter(described.SHOWN)
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
            .exclude(channel__endpoint_id__in=busy_endpoints)
        )
        # Nothing due, nothing more to read: one indexed query, which waits like any writer of
        # deliveries while the table is locked (and fails after BUREAU_DB_LOCK_TIMEOUT).
        locking = due.select_for_update(skip_locked=True, of=("self",))
        if not locking.order_by("next_attempt_at", "id").values_list("pk", flat=True)[:1]:
            return []
        room = _endpoint_room(due, now=now, limit=limit)
        if not room:
            return []
        ranked = (
            due.filter(channel__endpoint_id__in=list(room))
            .annotate(
                endpoint_id=F("channel__endpoint_id"),
                rank=Window(
                    RowNumber(),
                    partition_by=F("channel__endpoint_id"),
                    order_by=(F("next_attempt_at").asc(), F("id").asc()),
                ),
            )
            .filter(rank__lte=PER_ENDPOINT)
            .order_by("next_attempt_at", "id")
            .values_list("id", "endpoint_id", "rank")
        )
        chosen = [pk for pk, endpoint, rank in ranked if rank <= room[endpoint]][:limit]
        # Skip a row being changed meanwhile (an admin's redelivery): next round takes it.
        chosen = list(locking.filter(pk__in=chosen).values_list("pk", flat=True))
        if not chosen:
            return []
        Delivery.objects.filter(pk__in=chosen).update(lease_until=now + lease)
    failpoint("webhook.leased")
    return _outgoing(chosen)


def _endpoint_room(due: QuerySet[Delivery], *, now: dt.datetime, limit: int) -> dict[int, int]:
    """Lock the endpoints with due deliveries (those longest waiting first, skipping any another
    worker is claiming for) and return how many more requests each may have in flight."""
    waiting = list(
        due.values("channel__endpoint_id")
        .annotate(first=Min("next_attempt_at"))
        .order_by("first")
        .values_list("channel__endpoint_id", flat=True)[:limit]
    )
    if not waiting:
        return {}
    locked = list(
        WebhookEndpoint.objects.filter(pk__in=waiting)
        .order_by("pk")
        .select_for_update(skip_locked=True)
        .values_list("pk", flat=True)
    )
    in_flight = dict(
        Delivery.objects.filter(
            kind=Channel.Kind.WEBHOOK,
            channel__endpoint_id__in=locked,
            status__in=(Delivery.Status.PENDING, Delivery.Status.RETRYING),
            lease_until__gte=now,
        )
        .values("channel__endpoint_id")
        .annotate(n=Count("id"))
        .values_list("channel__endpoint_id", "n")
    )
    room = {endpoint: PER_ENDPOINT - in_flight.get(endpoint, 0) for endpoint in locked}
    return {endpoint: free for endpoint, free in room.items() if free > 0}


def _outgoing(ids: list[int]) -> list[Outgoing]:
    rows = Delivery.objects.filter(pk__in=ids).select_related(
        "channel__endpoint", "subscription", "item__organisation", "item__lead", "item__opportunity",
        "item__tender", "item__agreement", "item__notice", "event", "owner",
    )  # fmt: skip
    out = []
    for d in rows:
        endpoint = d.channel.endpoint
        if endpoint is None:
            continue
        out.append(
            Outgoing(
                d.pk,
                str(d.uid),
                endpoint.pk,
                endpoint.url,
                endpoint.secret,
                payload(d),
                d.event.request_id,
            )
        )
    return out


def payload(delivery: Delivery) -> bytes:
    body: dict[str, Any] = {
        "type": f"item.{delivery.event.action}",
        "timestamp": delivery.event.created_at.isoformat(),
        "subscription": {"id": delivery.subscription_id, "name": delivery.subscription.name},
        "data": _item_data(delivery.item) if delivery.item is not None else None,
    }
    # A described event (an agreement expiring ...) says what it is, in the owner's language,
    # beside its facts; its item, when it has one, is the agreement or pledge it concerns.
    language = getattr(delivery.owner, "language", "") or settings.LANGUAGE_CODE
    described_event = described.about(delivery, language)
    if described_event is not None:
        text, facts = described_event
        body["event"] = {"label": text.label, "title": text.title, "summary": text.summary,
                         "url": public_url(text.path), "facts": facts}  # fmt: skip
    return json.dumps(body, default=str, ensure_ascii=False, separators=(",", ":")).encode()


def _item_data(item: Any) -> dict[str, Any]:
    record = item_as_record(item)
    record.update(
        status=item.status,
        origin_node=item.origin_node,
        published_at=item.published_at,
        url=public_url(f"/items/{item.pk}/"),
    )
    return record


def record_result(
    delivery_id: int, *, status_code: int | None, error: str, duration_ms: int
) -> None:
    """Store one attempt; schedule the next, or dead-letter the delivery and mark the endpoint failing."""
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related("channel", "event")
            .get(pk=delivery_id)
        )
        if delivery.status == Delivery.Status.DELIVERED:
            return
        delivery.attempts += 1
        DeliveryAttempt.objects.create(
            delivery=delivery,
            at=now,
            status_code=status_code,
            error=error[:500],
            duration_ms=duration_ms,
        )
        ok = status_code is not None and 200 <= status_code < 300
        delivery.lease_until = None
        if ok:
            delivery.status, delivery.delivered_at, delivery.last_error = (
                Delivery.Status.DELIVERED,
                now,
                "",
            )
            _endpoint_recovered(delivery.channel.endpoint_id)
        else:
            delivery.last_error = (error or f"HTTP {status_code}")[:500]
            delay = next_delay(delivery.attempts)
            if delay is None:
                delivery.status, delivery.next_attempt_at = Delivery.Status.DEAD, None
                _endpoint_failing(delivery.channel.endpoint_id, now)
            else:
                delivery.status = Delivery.Status.RETRYING
                delivery.next_attempt_at = now + dt.timedelta(seconds=delay)
        delivery.save()
    _log_attempt(delivery, duration_ms)


def _log_attempt(delivery: Delivery, duration_ms: int) -> None:
    """One line per attempt, with the id of the request that published the item."""
    level = logging.INFO if delivery.status == Delivery.Status.DELIVERED else logging.WARNING
    log.log(
        level,
        "%s delivery %s %s after %d attempts (%d ms)%s",
        delivery.kind,
        delivery.uid,
        delivery.get_status_display().lower(),
        delivery.attempts,
        duration_ms,
        f": {delivery.last_error}" if delivery.last_error else "",
        extra={"request_id": delivery.event.request_id, "delivery": str(delivery.uid)},
    )


def _endpoint_failing(endpoint_id: int | None, now: dt.datetime) -> None:
    if endpoint_id is None:
        return
    WebhookEndpoint.objects.filter(pk=endpoint_id, failing_since__isnull=True).update(
        state=WebhookEndpoint.State.FAILING, failing_since=now
    )


def _endpoint_recovered(endpoint_id: int | None) -> None:
    if endpoint_id is None:
        return
    WebhookEndpoint.objects.filter(pk=endpoint_id, state=WebhookEndpoint.State.FAILING).update(
        state=WebhookEndpoint.State.HEALTHY, failing_since=None
    )


async def send(client: httpx.AsyncClient, out: Outgoing) -> tuple[int | None, str, int]:
    timestamp = int(time.time())
    headers = {
        "content-type": "application/json",
        "webhook-id": out.message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(out.secret, out.message_id, timestamp, out.body),
        "user-agent": "Bureau-Webhooks/1",
    }
    started = time.perf_counter()
    try:
        response = await client.post(out.url, content=out.body, headers=headers)
        return response.status_code, "", _ms(started)
    except httpx.HTTPError as error:
        return None, f"{type(error).__name__}: {error}"[:500], _ms(started)


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)


class Sender:
    """The asyncio loop that keeps webhook deliveries flowing; ``wake()`` is thread-safe."""

    def __init__(self, *, poll_seconds: float = 1.0) -> None:
        self.poll_seconds = poll_seconds
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._per_endpoint: dict[int, int] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def wake(self) -> None:
        if self._loop is not None and self._wake is not None:
            # The loop may have closed (stopped, or being restarted): the next one polls anyway.
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._wake.set)

    async def run(self, stop: asyncio.Event) -> None:
        """Claim and send due deliveries until ``stop``; a failed round is logged and retried
        after a back-off (``bureau.core.loops``), so a locked database never ends the loop."""
        self._loop, self._wake = asyncio.get_running_loop(), asyncio.Event()
        limits = httpx.Limits(max_connections=MAX_IN_FLIGHT, max_keepalive_connections=50)
        timeout = httpx.Timeout(settings.BUREAU_WEBHOOK_TIMEOUT, connect=5.0)
        # Each connection is resolved, checked and pinned to the checked address (egress).
        transport = checked_transport(limits)
        async with httpx.AsyncClient(
            timeout=timeout, follow_redirects=False, transport=transport, trust_env=False
        ) as client:
            while not stop.is_set():
                delay = await self._round(client)
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=delay)
            if self._tasks:
                await asyncio.wait(self._tasks, timeout=20)

    async def _round(self, client: httpx.AsyncClient) -> float:
        """One round; returns the seconds to wait before the next unless woken."""
        try:
            await self._fill(client)
        except Exception as error:
            delay = loops.round_failed(LOOP, error)
            log.exception("%s: a round failed; next try in %g s", LOOP, delay)
            return delay
        loops.round_completed(LOOP)
        return self.poll_seconds

    async def _fill(self, client: httpx.AsyncClient) -> None:
        room = MAX_IN_FLIGHT - len(self._tasks)
        if room <= 0:
            return
        busy = {e for e, n in self._per_endpoint.items() if n >= PER_ENDPOINT}
        claimed = await _in_thread(claim_due)(limit=room, busy_endpoints=busy)
        for out in claimed:
            self._per_endpoint[out.endpoint_id] = self._per_endpoint.get(out.endpoint_id, 0) + 1
            task = asyncio.create_task(self._deliver(client, out))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _deliver(self, client: httpx.AsyncClient, out: Outgoing) -> None:
        try:
            status_code, error, duration = await send(client, out)
            failpoint("webhook.sent")
            ok = status_code is not None and 200 <= status_code < 300
            metrics.WEBHOOK_SECONDS.labels("ok" if ok else "failed").observe(duration / 1000)
            await _in_thread(record_result)(
                out.delivery_id, status_code=status_code, error=error, duration_ms=duration
            )
        except Exception:  # a failure to record leaves the lease to expire; the delivery is retried
            log.exception("webhook delivery %s failed to record", out.delivery_id)
        finally:
            self._per_endpoint[out.endpoint_id] -= 1
            if self._wake is not None:
                self._wake.set()


def _in_thread(function: Callable[..., T]) -> Callable[..., Awaitable[T]]:
    """Run ``function`` in a worker thread, first dropping that thread's database connection
    if it broke (a restarted server, an error mid-transaction): a thread of the pool would
    otherwise fail on it in every round."""

    def fresh(*args: Any, **kwargs: Any) -> T:
        close_old_connections()
        return function(*args, **kwargs)

    return sync_to_async(fresh, thread_sensitive=False)


def redeliver(*, delivery: Delivery) -> Delivery:
    """Put a dead or failed delivery back in the queue at once (same webhook-id)."""
    delivery.status = Delivery.Status.PENDING
    delivery.next_attempt_at = timezone.now()
    delivery.lease_until = None
    delivery.save(update_fields=["status", "next_attempt_at", "lease_until"])
    return delivery
