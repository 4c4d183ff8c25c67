"""The node document, the exchange endpoints peers call, and the status page.

``/exchange/v1/`` answers only requests signed by a configured peer; each view parses its
input, authenticates the caller, calls a service and renders JSON.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from bureau.accounts.permissions import is_staff_user
from bureau.core import ratelimit
from bureau.core.errors import DomainError, FieldError, ValidationFailed
from bureau.exchange import identity, log, messages, schemas, selectors, services
from bureau.exchange.canonical import jsonable
from bureau.exchange.models import Peer

MAX_LIMIT = 5000


def _refused(request: HttpRequest, reason: str) -> JsonResponse:
    verdict = ratelimit.hit(
        "exchange-refused", ratelimit.client_address(request), settings.API_RATE_LIMIT
    )
    if not verdict.allowed:
        response = JsonResponse({"detail": "too many refused requests"}, status=429)
        response["Retry-After"] = str(verdict.retry_after)
        return response
    return JsonResponse({"detail": reason}, status=401)


def _authenticate(request: HttpRequest) -> Peer | JsonResponse:
    try:
        return services.peer_authenticate(
            method=request.method or "GET",
            path=request.path,
            query=request.META.get("QUERY_STRING", ""),
            headers=dict(request.headers),
            body=request.body,
        )
    except services.RequestRefused as refusal:
        return _refused(request, str(refusal))


@require_GET
def node_document(request: HttpRequest) -> JsonResponse:
    """``/.well-known/bureau-node``: who this node is (public; no secret in it)."""
    return JsonResponse(identity.node_info())


@require_GET
def schema_index(request: HttpRequest) -> JsonResponse:
    """``/exchange/v1/schemas/``: the names of the protocol's JSON Schemas (public)."""
    return JsonResponse({"schemas": [f"{name}.json" for name in schemas.NAMES]})


@require_GET
def schema(request: HttpRequest, name: str) -> HttpResponse:
    """``/exchange/v1/schemas/<name>.json``: one of the protocol's JSON Schemas (public). The
    name is looked up in a fixed list; it never becomes part of a path."""
    if name not in schemas.NAMES:
        raise Http404("no such schema")
    return HttpResponse(schemas.stored(name), content_type="application/schema+json")


def _int_param(request: HttpRequest, name: str, default: int, high: int) -> int | FieldError:
    raw = request.GET.get(name, str(default))
    if not (raw.isascii() and raw.isdigit()) or int(raw) > high:
        return FieldError(name, f"must be a whole number from 0 to {high}")
    return int(raw)


@require_GET
def events(request: HttpRequest) -> HttpResponse:
    """``GET /exchange/v1/events?after=SEQ&limit=N``: this node's log after SEQ, oldest first."""
    peer = _authenticate(request)
    if isinstance(peer, JsonResponse):
        return peer
    after = _int_param(request, "after", 0, 2**63 - 1)
    limit = _int_param(request, "limit", 1000, MAX_LIMIT)
    errors = [p for p in (after, limit) if isinstance(p, FieldError)]
    if errors or isinstance(after, FieldError) or isinstance(limit, FieldError):
        body = {"detail": "bad query", "errors": [e.as_dict() for e in errors]}
        return JsonResponse(body, status=422)
    rows, head = log.page_after(after, limit)
    head_part = {"seq": head.last_seq, "hash": head.last_hash, "at": jsonable(head.last_at)}
    # The stored events are already canonical JSON: the page is assembled, not re-encoded.
    prefix = json.dumps({"node": settings.BUREAU_NODE_NAME, "head": head_part})[:-1]
    content = prefix + ',"events":[' + ",".join(rows) + "]}"
    return HttpResponse(content.encode("utf-8"), content_type="application/json")


@csrf_exempt
@require_POST
def notify(request: HttpRequest) -> JsonResponse:
    """``POST /exchange/v1/notify``: a peer's log grew; pull from it now. Records, nothing more."""
    peer = _authenticate(request)
    if isinstance(peer, JsonResponse):
        return peer
    services.peer_nudged(peer=peer)
    return JsonResponse({"detail": "noted; pulling"}, status=202)


@csrf_exempt
@require_POST
def message(request: HttpRequest) -> JsonResponse:
    """``POST /exchange/v1/messages``: one addressed message from a peer (``exchange.messages``)."""
    peer = _authenticate(request)
    if isinstance(peer, JsonResponse):
        return peer
    try:
        messages.deliver(peer, request.body)
    except messages.Replayed:
        return JsonResponse({"detail": "this message was received before"}, status=409)
    except ValidationFailed as error:
        body = {"detail": error.message, "errors": [e.as_dict() for e in error.errors]}
        return JsonResponse(body, status=422)
    except DomainError as error:
        return JsonResponse({"detail": error.message}, status=error.status)
    return JsonResponse({"detail": "received"}, status=202)


def status(request: HttpRequest) -> HttpResponse:
    """The node's identity and log, and each peer: cursor, how far behind, last error."""
    context: dict[str, Any] = {
        "node": identity.node_info(),
        "head": log.head(),
        "peers": selectors.peer_rows(),
        "show_errors": is_staff_user(request.user),
    }
    if context["show_errors"]:
        context["refusals"] = selectors.recent_refusals()
    template = (
        "exchange/_peers.html" if request.headers.get("HX-Request") else "exchange/status.html"
    )
    return render(request, template, context)
