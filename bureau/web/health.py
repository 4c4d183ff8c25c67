"""``/healthz``: whether this process's background loops are completing their rounds.

200 while every loop has completed a round lately, 503 naming the ones that have not (a
database locked for minutes, a peer that never answers, a loop that keeps failing). A web
process started with ``--no-worker`` runs no loops and answers 200 with an empty list;
``bureau worker --health-port`` answers the same for a worker process.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from bureau.core.loops import health_report


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    status, body = health_report()
    return JsonResponse(body, status=status)
