"""``/metrics`` in the Prometheus text format: the host's counters plus the node's state.

Two sources, chosen for several web processes and workers (docs/decisions.md):

- state (outbox backlog and the age of its oldest event, deliveries waiting and dead-lettered
  by channel, peers' lag, items, trade datasets, loops, the last backup) is read from the
  database when scraped, so every process answers the same;
- what processes do (requests, searches, webhook attempts, imports) is counted by each process
  in files of ``BUREAU_METRICS_DIR`` and added up here over all processes of the host.

A process that ends leaves its file; the next process to start folds the files of ended
processes into one, so counters never go down and the folder does not grow.
"""

from __future__ import annotations

import fcntl
import glob
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.mmap_dict import MmapedDict, mmap_key
from prometheus_client.multiprocess import MultiProcessCollector

from bureau.operations.status import NodeStatus, node_status

CACHE_SECONDS = 5.0  # scrapes (or anyone) asking more often get the same state figures
_cache: tuple[float, NodeStatus] | None = None
_cache_lock = threading.Lock()


def _folder() -> Path:
    return Path(settings.BUREAU_METRICS_DIR)


@contextmanager
def _locked(shared: bool) -> Iterator[None]:
    with open(_folder() / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


class _HostCounters(MultiProcessCollector):
    """The files of every process, read under a shared lock so a fold is never seen half-done."""

    def collect(self) -> Iterator[Metric]:
        with _locked(shared=True):
            yield from list(super().collect())


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def fold_ended_processes() -> int:
    """Fold the counter and histogram files of ended processes into one file each; returns
    how many files were folded. Gauge files of ended processes are dropped."""
    folder, folded = _folder(), 0
    with _locked(shared=False):
        for kind in ("counter", "histogram"):
            ended = [f for f in glob.glob(str(folder / f"{kind}_*.db")) if _ended(f)]
            if ended:
                _fold(kind, ended)
                folded += len(ended)
        for path in glob.glob(str(folder / "gauge_*.db")):
            if _ended(path):
                os.unlink(path)
    return folded


def _ended(path: str) -> bool:
    pid = Path(path).stem.rsplit("_", 1)[-1]
    return pid.isdigit() and not _alive(int(pid))


def _fold(kind: str, ended: list[str]) -> None:
    folded = str(_folder() / f"{kind}_folded.db")
    sources = [*ended, folded] if os.path.exists(folded) else ended
    merged = MultiProcessCollector.merge(sources, accumulate=False)
    target = str(_folder() / f".{kind}_folded.new")
    if os.path.exists(target):
        os.unlink(target)
    out = MmapedDict(target)
    try:
        for metric in merged:
            for sample in metric.samples:
                labels = dict(sample.labels)
                key = mmap_key(
                    metric.name,
                    sample.name,
                    list(labels),
                    list(labels.values()),
                    metric.documentation,
                )
                out.write_value(key, sample.value, sample.timestamp or 0.0)
    finally:
        out.close()
    os.replace(target, folded)
    for path in ended:
        os.unlink(path)


def host_totals() -> dict[str, float]:
    """The host's counters summed over their labels (``bureau_http_requests_total``: 1234.0)."""
    totals: dict[str, float] = {}
    for family in _HostCounters(None, path=str(_folder())).collect():
        for sample in family.samples:
            if sample.name.endswith(("_total", "_count")):
                totals[sample.name] = totals.get(sample.name, 0.0) + sample.value
    return totals


def _status() -> NodeStatus:
    global _cache
    with _cache_lock:
        if _cache is None or time.monotonic() - _cache[0] > CACHE_SECONDS:
            _cache = (time.monotonic(), node_status())
        return _cache[1]


class NodeState:
    """The state gauges, read from the database at scrape time (cached a few seconds)."""

    def collect(self) -> Iterator[Metric]:
        yield from state_families(_status())


def _gauge(name: str, text: str, labels: list[str] | None = None) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, text, labels=labels)


def state_families(status: NodeStatus) -> Iterator[Metric]:
    yield from _outbox_families(status)
    yield from _peer_families(status)
    yield from _node_families(status)


def _outbox_families(status: NodeStatus) -> Iterator[Metric]:
    backlog = _gauge("bureau_outbox_backlog_events", "Outbox events not yet dispatched.")
    backlog.add_metric([], status.outbox_backlog)
    oldest = _gauge(
        "bureau_outbox_oldest_event_age_seconds", "Age of the oldest undispatched outbox event."
    )
    oldest.add_metric([], status.outbox_oldest_seconds)
    deliveries = _gauge(
        "bureau_deliveries",
        "Deliveries not yet delivered, by channel and status (pending, retrying, digest, dead).",
        ["channel", "status"],
    )
    for (channel, state), count in sorted(status.deliveries.items()):
        deliveries.add_metric([channel, state], count)
    waiting = _gauge(
        "bureau_delivery_oldest_pending_age_seconds",
        "Age of the oldest pending or retrying delivery, by channel.",
        ["channel"],
    )
    for channel, seconds in sorted(status.oldest_waiting_seconds.items()):
        waiting.add_metric([channel], seconds)
    yield from (backlog, oldest, deliveries, waiting)


def _peer_families(status: NodeStatus) -> Iterator[Metric]:
    events = _gauge(
        "bureau_peer_lag_events", "Events of the peer's log not yet applied here.", ["peer"]
    )
    seconds = _gauge(
        "bureau_peer_lag_seconds",
        "How far the applied events trail the peer's newest, in seconds.",
        ["peer"],
    )
    active = _gauge(
        "bureau_peer_active", "1 while replication from the peer runs.", ["peer", "state"]
    )
    failures = _gauge("bureau_peer_failures", "Failed pulls from the peer in a row.", ["peer"])
    for peer in status.peers:
        events.add_metric([peer.name], peer.events_behind)
        seconds.add_metric([peer.name], peer.seconds_behind)
        active.add_metric([peer.name, peer.state], 1.0 if peer.state == "active" else 0.0)
        failures.add_metric([peer.name], peer.failures)
    yield from (events, seconds, active, failures)


def _node_families(status: NodeStatus) -> Iterator[Metric]:
    simple = (
        ("bureau_items", "Items in the catalog, local and received.", status.items),
        ("bureau_log_head", "Sequence number of this node's newest log event.", status.log_head),
        ("bureau_trade_datasets", "Trade statistics datasets imported.", status.trade_datasets),
        ("bureau_trade_rows", "Rows of trade statistics imported.", status.trade_rows),
        (
            "bureau_migrations_unapplied",
            "Migrations of this version the database lacks.",
            len(status.unapplied_migrations),
        ),
    )
    for name, text, value in simple:
        family = _gauge(name, text)
        family.add_metric([], value)
        yield family
    loops = _gauge(
        "bureau_loop_last_round_age_seconds",
        "Seconds since each background loop last finished a round.",
        ["loop"],
    )
    for loop, at in sorted(status.loops.items()):
        loops.add_metric([loop], (status.taken_at - at).total_seconds() if at else float("inf"))
    yield loops
    if status.last_backup is not None:
        backup = _gauge("bureau_last_backup_age_seconds", "Age of the newest archive of this node.")
        backup.add_metric([], (status.taken_at - status.last_backup).total_seconds())
        yield backup


def exposition() -> bytes:
    """The whole /metrics body."""
    registry = CollectorRegistry(auto_describe=False)
    _HostCounters(registry, path=str(_folder()))
    registry.register(NodeState())
    return generate_latest(registry)
