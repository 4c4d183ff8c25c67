"""/metrics, /readyz and JSON logs across real processes: a web process without background
work answers for the node, while a separate worker delivers.

The backlog figures are read from the database at scrape time, so the web process sees
deliveries pile up and drain in the worker; the webhook latency is counted by the worker and
added up by the web process from the host's metrics folder, and stays counted after the
worker has gone. The request id of the publishing request reaches the worker's log lines.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bureau.delivery.tests.receiver import Receiver
from tests.exchange.support import wait_for
from tests.live.support import (
    BUREAU,
    REPO,
    WORKER_REDIS_URL,
    Store,
    lead,
    run,
    serving,
    store_for_this_run,
)
from tests.operations.support import bureau
from tests.operations.test_round_trip import ENV, SETUP

REQUEST_ID = "req-7f3a-publish-rice"
ITEMS = 4


def scrape(base_url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics, parsed by prometheus_client's own parser."""
    response = httpx.get(f"{base_url}/metrics", timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@contextlib.contextmanager
def worker(store: Store, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("ab") as err:
        popen = subprocess.Popen(
            [BUREAU, "worker", "--poll", "0.1"],
            env={
                "REDIS_URL": WORKER_REDIS_URL,
                **store.env,
                "BUREAU_LOG_FORMAT": "json",
                "BUREAU_LOG_LEVEL": "INFO",
            },
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    try:
        yield popen
    finally:
        popen.terminate()
        popen.wait(timeout=30)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    made = store_for_this_run(tmp_path / "home", **ENV)
    yield made
    made.drop()


def test_backlog_figures_move_as_deliveries_pile_up_and_drain(store, tmp_path):
    receiver = Receiver(fail_ratio=1.0).start()
    try:
        done = run(store, sys.executable, "-c", SETUP, receiver.url)
        token = json.loads(done.stdout.strip().splitlines()[-1])["token"]
        with serving(store, worker=False) as web:
            for n in range(ITEMS):
                httpx.post(
                    f"{web.base_url}/api/v1/items?publish=true",
                    json=lead(title=f"Rice {n}"),
                    headers={"Authorization": f"Bearer {token}", "X-Request-ID": REQUEST_ID},
                    timeout=30,
                ).raise_for_status()
            samples = scrape(web.base_url)
            assert value(samples, "bureau_outbox_backlog_events") == ITEMS
            assert value(samples, "bureau_outbox_oldest_event_age_seconds") > 0
            assert (
                value(
                    samples,
                    "bureau_http_requests_total",
                    route="api/v1/items",
                    method="POST",
                    status="201",
                )
                == ITEMS
            )
            _pile_up_and_drain(store, web.base_url, receiver, tmp_path / "worker.log")
            ready = httpx.get(f"{web.base_url}/readyz", timeout=10)
            assert ready.status_code == 200 and ready.json()["checks"]["migrations"] == "ok"
    finally:
        receiver.stop()
    _request_id_in_worker_log(tmp_path / "worker.log")


def _pile_up_and_drain(store: Store, base_url: str, receiver: Receiver, log: Path) -> None:
    def waiting() -> float:
        s = scrape(base_url)
        return sum(
            value(s, "bureau_deliveries", channel="webhook", status=status)
            for status in ("pending", "retrying")
        )

    with worker(store, log):
        wait_for(
            lambda: (
                value(scrape(base_url), "bureau_outbox_backlog_events") == 0 and waiting() == ITEMS
            ),
            "deliveries piling up",
        )
        piled = scrape(base_url)
        assert value(piled, "bureau_delivery_oldest_pending_age_seconds", channel="webhook") > 0
        receiver.fail_ratio = 0.0
        wait_for(lambda: waiting() == 0, "the deliveries drained")
        counted = scrape(base_url)
    ok = value(counted, "bureau_webhook_duration_seconds_count", outcome="ok")
    failed = value(counted, "bureau_webhook_duration_seconds_count", outcome="failed")
    assert ok == ITEMS and failed >= ITEMS  # counted in the worker, reported by the web process
    # The worker has ended; a new process folds its counters: they stay as they were.
    bureau(store, "status")
    after = scrape(base_url)
    assert value(after, "bureau_webhook_duration_seconds_count", outcome="ok") == ok
    folder = Path(store.env["BUREAU_HOME"]) / "metrics"
    assert (folder / "histogram_folded.db").exists()


def _request_id_in_worker_log(log: Path) -> None:
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    delivered = [
        line
        for line in lines
        if line["logger"] == "bureau.delivery.webhooks" and "delivered" in line["message"]
    ]
    assert len(delivered) == ITEMS
    assert all(line["request_id"] == REQUEST_ID for line in delivered)
    assert all({"time", "level", "message"} <= set(line) for line in lines)
