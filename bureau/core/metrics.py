"""Counters and latency histograms of what each process does, for ``/metrics``.

Every process of a host (web processes, workers, commands) writes them to files in
``BUREAU_METRICS_DIR`` (prometheus-client's multi-process mode), and ``/metrics`` adds up
the files of all of them, so any web process answers for the whole host. Figures that are
state (backlogs, lag, counts) are not kept here: ``bureau.operations.status`` reads them from
the database when asked. See docs/decisions.md.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from prometheus_client import Counter, Histogram

P = ParamSpec("P")
R = TypeVar("R")

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUESTS = Counter(
    "bureau_http_requests",
    "HTTP requests answered, by route pattern, method and status code.",
    ["route", "method", "status"],
)
REQUEST_SECONDS = Histogram(
    "bureau_http_request_duration_seconds",
    "Time to answer an HTTP request (to its first byte for streams), by route pattern.",
    ["route"],
    buckets=LATENCY_BUCKETS,
)
SEARCH_SECONDS = Histogram(
    "bureau_search_duration_seconds",
    "Time to answer a full-text search (the browse page or the items API with q=...).",
    ["via"],
    buckets=LATENCY_BUCKETS,
)
WEBHOOK_SECONDS = Histogram(
    "bureau_webhook_duration_seconds",
    "Time a webhook receiver took to answer one attempt, by outcome (ok, failed).",
    ["outcome"],
    buckets=LATENCY_BUCKETS,
)
DB_CONNECTIONS = Counter(
    "bureau_db_connections_opened",
    "Database connections opened: one a request or a thread means connections are not reused.",
)
IMPORTS = Counter(
    "bureau_imports",
    "Imports run, by what was imported (items, trade) and outcome (imported, refused, checked).",
    ["kind", "outcome"],
)
IMPORTED_ROWS = Counter(
    "bureau_imported_rows",
    "Rows written by imports, by what was imported (items, trade).",
    ["kind"],
)


def counts_imports(
    kind: str, outcome: Callable[[Any], tuple[str, int]]
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Count each run of an import service by ``outcome(result)``: (outcome name, rows written)."""

    def wrap(function: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(function)
        def counted(*args: P.args, **kwargs: P.kwargs) -> R:
            result = function(*args, **kwargs)
            name, rows = outcome(result)
            IMPORTS.labels(kind, name).inc()
            if rows:
                IMPORTED_ROWS.labels(kind).inc(rows)
            return result

        return counted

    return wrap


def count_db_connection(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created`` receiver: count each database connection this process opens."""
    DB_CONNECTIONS.inc()
