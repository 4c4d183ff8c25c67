"""How the node is doing, read from the database and the trade store at the moment of asking.

One read serves ``bureau status``, ``/readyz`` and the gauges of ``/metrics``: every process
answers the same, whichever of several web processes or workers it is, because the figures
are the shared state itself, not counters kept in one process.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.db.models import Count, Min
from django.utils import timezone

from bureau.catalog.models import Item
from bureau.delivery.models import Delivery, OutboxEvent
from bureau.exchange import identity
from bureau.exchange.log import head
from bureau.exchange.models import Peer
from bureau.operations import loops
from bureau.operations.backup import database
from bureau.operations.backup.take import archives, backup_dir
from bureau.trade import store

WAITING = (
    Delivery.Status.PENDING,
    Delivery.Status.RETRYING,
    Delivery.Status.DIGEST,
    Delivery.Status.DEAD,
)


@dataclass(frozen=True)
class PeerLag:
    name: str
    state: str
    cursor_seq: int
    events_behind: int
    seconds_behind: float
    failures: int
    last_success_at: dt.datetime | None
    last_error: str


@dataclass
class NodeStatus:
    node: str
    public_key: str
    engine: str
    unapplied_migrations: list[str]
    items: int
    log_head: int
    outbox_backlog: int
    outbox_oldest_seconds: float
    # (channel, status) -> count, for deliveries not yet delivered (pending, retrying,
    # waiting for the digest, dead-lettered)
    deliveries: dict[tuple[str, str], int]
    oldest_waiting_seconds: dict[str, float]  # channel -> age of its oldest pending delivery
    peers: list[PeerLag]
    trade_datasets: int
    trade_rows: int
    loops: dict[str, dt.datetime | None]
    last_backup: dt.datetime | None
    taken_at: dt.datetime = field(default_factory=timezone.now)

    @property
    def deliveries_pending(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for (channel, status), n in self.deliveries.items():
            if status in (Delivery.Status.PENDING, Delivery.Status.RETRYING):
                out[channel] = out.get(channel, 0) + n
        return out

    @property
    def deliveries_dead(self) -> dict[str, int]:
        return {ch: n for (ch, st), n in self.deliveries.items() if st == Delivery.Status.DEAD}


def _age(moment: dt.datetime | None, now: dt.datetime) -> float:
    return max(0.0, (now - moment).total_seconds()) if moment else 0.0


def _outbox(now: dt.datetime) -> tuple[int, float]:
    pending = OutboxEvent.objects.filter(dispatched_at__isnull=True)
    figures = pending.aggregate(n=Count("id"), oldest=Min("created_at"))
    return figures["n"], _age(figures["oldest"], now)


def _deliveries(now: dt.datetime) -> tuple[dict[tuple[str, str], int], dict[str, float]]:
    rows = (
        Delivery.objects.filter(status__in=WAITING)
        .values_list("kind", "status")
        .annotate(n=Count("id"), oldest=Min("created_at"))
        .order_by()
    )
    counts: dict[tuple[str, str], int] = {}
    oldest: dict[str, float] = {}
    for kind, status, n, first in rows:
        counts[(kind, status)] = n
        if status in (Delivery.Status.PENDING, Delivery.Status.RETRYING):
            oldest[kind] = max(oldest.get(kind, 0.0), _age(first, now))
    return counts, oldest


def _peers() -> list[PeerLag]:
    return [
        PeerLag(
            name=p.name,
            state=p.state,
            cursor_seq=p.cursor_seq,
            events_behind=p.events_behind,
            seconds_behind=round(p.seconds_behind, 3),
            failures=p.failures,
            last_success_at=p.last_success_at,
            last_error=p.last_error,
        )
        for p in Peer.objects.all()
    ]


def last_backup() -> dt.datetime | None:
    found = archives(backup_dir(), node=settings.BUREAU_NODE_NAME)
    if not found:
        return None
    return dt.datetime.fromtimestamp(found[-1].stat().st_mtime, tz=dt.UTC)


def node_status() -> NodeStatus:
    """Every figure at once (a handful of indexed queries and one read of the trade manifest)."""
    now = timezone.now()
    backlog, oldest = _outbox(now)
    deliveries, waiting = _deliveries(now)
    datasets = store.datasets()
    return NodeStatus(
        node=settings.BUREAU_NODE_NAME,
        public_key=identity.public_key(),
        engine=connection.vendor,
        unapplied_migrations=database.unapplied_migrations(),
        items=Item.objects.count(),
        log_head=head().last_seq,
        outbox_backlog=backlog,
        outbox_oldest_seconds=oldest,
        deliveries=deliveries,
        oldest_waiting_seconds=waiting,
        peers=_peers(),
        trade_datasets=len(datasets),
        trade_rows=sum(d.rows for d in datasets),
        loops=loops.last_rounds(),
        last_backup=last_backup(),
        taken_at=now,
    )
