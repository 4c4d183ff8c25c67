"""Every request: an id for its log lines, a count and a time for /metrics, one access line.

The route in the figures is the URL pattern (``api/v1/items/<ident>``), never the path, so
their number stays that of the routes. Searches (a ``q`` on the browse page or the items
API) are timed on their own as well.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponseBase

from bureau.core import logs, metrics

access = logging.getLogger("bureau.requests")
SEARCH_ROUTES = {"items/": "page", "api/v1/items": "api"}
# Asked every few seconds by load balancers and Prometheus: their access lines only at DEBUG.
PROBES = {"healthz", "readyz", "metrics"}


def route_of(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return str(match.route) if match is not None and match.route else "unmatched"


def record(request: HttpRequest, response: HttpResponseBase, started: float) -> None:
    seconds = time.perf_counter() - started
    route, status = route_of(request), response.status_code
    metrics.REQUESTS.labels(route, request.method or "", str(status)).inc()
    metrics.REQUEST_SECONDS.labels(route).observe(seconds)
    if route in SEARCH_ROUTES and request.GET.get("q", "").strip():
        metrics.SEARCH_SECONDS.labels(SEARCH_ROUTES[route]).observe(seconds)
    access.log(
        logging.DEBUG if route in PROBES else logging.INFO,
        "%s %s %d %.0f ms",
        request.method,
        request.path,
        status,
        seconds * 1000,
        extra={"route": route, "status": status, "duration_ms": round(seconds * 1000, 1)},
    )


class RequestMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self._acall(request)
        started = time.perf_counter()
        request_id = logs.new_request_id(request.headers.get("X-Request-ID"))
        with logs.request_id(request_id):
            response: HttpResponseBase = self.get_response(request)
            response["X-Request-ID"] = request_id
            record(request, response, started)
        return response

    async def _acall(self, request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        request_id = logs.new_request_id(request.headers.get("X-Request-ID"))
        with logs.request_id(request_id):
            get_response: Callable[[HttpRequest], Awaitable[HttpResponseBase]] = self.get_response
            response = await get_response(request)
            response["X-Request-ID"] = request_id
            record(request, response, started)
        return response
