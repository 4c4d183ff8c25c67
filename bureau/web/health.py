"""``/healthz``: whether this process's background loops are completing their rounds.

200 while every loop has completed a round lately, 503 naming the ones that have not (a
database locked for minutes, a peer that never answers, a loop that keeps failing). A web
process started with ``--no-worker`` runs no loops and answers 200 with an empty list. Error
texts stay in the log: the answer is public.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from bureau.core.loops import loop_rounds


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    rounds = loop_rounds()
    stale = [r.name for r in rounds if r.stale]
    body = {
        "status": "stale" if stale else "ok",
        "stale": stale,
        "loops": [
            {
                "name": r.name,
                "last_round_at": r.last_round_at.isoformat() if r.last_round_at else None,
                "seconds_since": round(r.seconds_since, 1),
                "stale_after": r.stale_after,
                "stale": r.stale,
                "rounds": r.rounds,
                "failures": r.failures,
                "restarts": r.restarts,
            }
            for r in rounds
        ],
    }
    return JsonResponse(body, status=503 if stale else 200)
