"""``/healthz``, ``/readyz`` and ``/metrics``: for load balancers, orchestrators and Prometheus."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from bureau.operations import health, metrics


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. Nothing else is checked, so a slow database does not
    get a healthy process restarted."""
    return JsonResponse({"status": "ok"})


@require_GET
def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness: 200 when the node can do its work, else 503 naming each failing check."""
    result = health.readiness()
    return JsonResponse(
        {"status": "ready" if result.ready else "not ready", "checks": result.checks},
        status=200 if result.ready else 503,
    )


@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    token = settings.BUREAU_METRICS_TOKEN
    if token:
        offered = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(offered.encode(), token.encode()):
            return HttpResponse(
                "A bearer token is needed.\n", status=401, content_type="text/plain"
            )
    return HttpResponse(metrics.exposition(), content_type=CONTENT_TYPE_LATEST)
