"""``bureau status``: the node's health, backlog and peers' lag at a glance (what /readyz and
/metrics report)."""

from __future__ import annotations

import dataclasses
import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from bureau.operations import health, metrics
from bureau.operations.backup.take import backup_dir
from bureau.operations.status import NodeStatus, node_status


def _ago(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} days"


class Command(BaseCommand):
    help = "Show the node's health, outbox and delivery backlog, peers' lag, loops and last backup; exits 1 when not ready."
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="One JSON document instead.")

    def handle(self, *args: Any, **options: Any) -> None:
        ready = health.readiness()
        status = node_status() if ready.checks.get("database") == "ok" else None
        if options["json"]:
            body = {"ready": ready.ready, "checks": ready.checks}
            if status is not None:
                body["status"] = dataclasses.asdict(status) | {
                    "deliveries": [
                        {"channel": ch, "status": st, "count": n}
                        for (ch, st), n in sorted(status.deliveries.items())
                    ]
                }
            self.stdout.write(json.dumps(body, default=str, indent=1))
        else:
            self._print(ready, status)
        if not ready.ready:
            sys.exit(1)

    def _print(self, ready: health.Readiness, status: NodeStatus | None) -> None:
        w = self.stdout.write
        w(f"{'READY' if ready.ready else 'NOT READY'}")
        for name, result in ready.checks.items():
            w(f"  {name}: {result}")
        if status is None:
            return
        w(f"Node {status.node} ({status.public_key}) on {status.engine}")
        w(f"  items: {status.items}; this node's log at event {status.log_head}")
        w(
            f"  outbox: {status.outbox_backlog} events waiting"
            + (f", oldest {_ago(status.outbox_oldest_seconds)}" if status.outbox_backlog else "")
        )
        self._deliveries(status)
        self._peers(status)
        w(f"  trade statistics: {status.trade_datasets} datasets, {status.trade_rows} rows")
        self._host()
        if status.last_backup is None:
            w(f"  last backup: none in {backup_dir()}")
        else:
            age = (timezone.now() - status.last_backup).total_seconds()
            w(f"  last backup: {_ago(age)} ago, in {backup_dir()}")

    def _host(self) -> None:
        totals = metrics.host_totals()
        figures = (
            ("bureau_http_requests_total", "requests"),
            ("bureau_search_duration_seconds_count", "searches"),
            ("bureau_webhook_duration_seconds_count", "webhook attempts"),
            ("bureau_imports_total", "imports"),
        )
        counted = ", ".join(f"{totals.get(name, 0):.0f} {what}" for name, what in figures)
        self.stdout.write(f"  this host's processes so far: {counted}")

    def _deliveries(self, status: NodeStatus) -> None:
        channels = sorted({ch for ch, _ in status.deliveries})
        if not channels:
            self.stdout.write("  deliveries: none waiting, none dead")
        for channel in channels:
            counts = ", ".join(
                f"{n} {st}" for (ch, st), n in sorted(status.deliveries.items()) if ch == channel
            )
            oldest = status.oldest_waiting_seconds.get(channel)
            tail = f" (oldest pending {_ago(oldest)})" if oldest else ""
            self.stdout.write(f"  deliveries by {channel}: {counts}{tail}")

    def _peers(self, status: NodeStatus) -> None:
        if not status.peers:
            self.stdout.write("  peers: none")
        for p in status.peers:
            self.stdout.write(
                f"  peer {p.name}: {p.state}, applied up to event {p.cursor_seq}, "
                f"{p.events_behind} events / {p.seconds_behind:.1f} s behind"
                + (f", {p.failures} failed pulls: {p.last_error[:80]}" if p.failures else "")
            )
