"""/healthz, /readyz, /metrics and `bureau status` in the test process; JSON log lines."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.core.management import call_command
from prometheus_client.parser import text_string_to_metric_families

from bureau.core import logs, metrics
from bureau.operations.status import node_status
from bureau.trade.tests.builders import write_figures

pytestmark = pytest.mark.django_db


def samples(client) -> dict:
    body = client.get("/metrics").content.decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body)
        for s in family.samples
    }


def own_samples() -> dict:
    """The counters of this process alone, as its own metric objects hold them."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for counter in (metrics.REQUESTS, metrics.IMPORTS, metrics.IMPORTED_ROWS)
        for family in counter.collect()
        for s in family.samples
    }


def test_liveness_and_readiness(client):
    alive = client.get("/healthz")
    assert alive.status_code == 200 and alive.json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "migrations": "ok"}


def test_a_request_keeps_a_well_formed_id_and_gets_one_otherwise(client):
    assert client.get("/healthz", HTTP_X_REQUEST_ID="lb-42.a")["X-Request-ID"] == "lb-42.a"
    made = client.get("/healthz", HTTP_X_REQUEST_ID="bad id\n<script>")["X-Request-ID"]
    assert len(made) == 32 and made.isalnum()


def test_metrics_count_requests_by_route_and_imports(client, tmp_path, staff_az):
    key = (
        "bureau_http_requests_total",
        (("method", "GET"), ("route", "healthz"), ("status", "200")),
    )
    imports = ("bureau_imports_total", (("kind", "trade"), ("outcome", "imported")))
    rows = ("bureau_imported_rows_total", (("kind", "trade"),))
    before, own_before = samples(client), own_samples()
    client.get("/healthz")
    path = write_figures(tmp_path / "f.csv", [("2022", "AZE", "PAK", "turnover", "28.1")])
    call_command("trade", "import", str(path), "--format", "figures", stdout=io.StringIO())
    after, own_after = samples(client), own_samples()
    for counted in (key, imports, rows):
        # This process counted exactly one; /metrics adds every process of the host, among them
        # the other test processes, which share the folder and may count meanwhile.
        assert own_after[counted] == own_before.get(counted, 0) + 1
        assert after[counted] >= before.get(counted, 0) + 1
    assert node_status().trade_datasets == 1  # what the gauge reads (cached between scrapes)


def test_metrics_can_require_a_token(client, settings):
    settings.BUREAU_METRICS_TOKEN = "a-scrape-token"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer a-scrape-token").status_code == 200


def test_status_prints_the_node_at_a_glance(settings):
    out = io.StringIO()
    call_command("status", stdout=out)
    text = out.getvalue()
    assert text.startswith("READY") and f"Node {settings.BUREAU_NODE_NAME}" in text
    assert "outbox: 0 events waiting" in text and "peers: none" in text
    assert "this host's processes so far:" in text and "requests" in text
    out = io.StringIO()
    call_command("status", "--json", stdout=out)
    body = json.loads(out.getvalue())
    assert body["ready"] and body["status"]["outbox_backlog"] == 0


def test_json_log_lines_carry_the_request_id():
    record = logging.LogRecord("bureau.x", logging.WARNING, __file__, 1, "sent %d", (3,), None)
    record.delivery = "d-1"
    with logs.request_id("req-9"):
        logs.RequestIdFilter().filter(record)
    line = json.loads(logs.JsonFormatter().format(record))
    assert line["message"] == "sent 3" and line["level"] == "WARNING"
    assert line["request_id"] == "req-9" and line["delivery"] == "d-1"
