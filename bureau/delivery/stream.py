"""``GET /api/v1/stream``: the live feed of the caller's subscriptions, as Server-Sent Events.

An async view: served by uvicorn, an open stream costs a coroutine and a small buffer, not a
thread. Each event is one live delivery::

    id: <delivery id>
    event: item
    data: {"delivery": "<uid>", "subscription": {"id", "name"}, "item": {"id", "uid", "title", ...}}

A client that reconnects sends the last id it saw as ``Last-Event-ID`` (browsers do so by
themselves; ``?last_event_id=`` serves a manual resume) and first receives every live delivery
it missed, in order, then new ones (only items that are public now).

One user, and one client address, hold at most ``BUREAU_STREAMS_PER_USER`` and
``BUREAU_STREAMS_PER_ADDRESS`` streams in a web process; one more gets a 429.
"""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.http import HttpRequest, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.views.decorators.csrf import csrf_exempt

from bureau.accounts.auth import api_rate_check, token_user
from bureau.accounts.models import User
from bureau.core.ratelimit import Verdict, client_address
from bureau.delivery import live

MAX_ID = 2**63 - 1


@csrf_exempt  # it only reads; any other method gets 405
async def stream_view(request: HttpRequest) -> HttpResponseBase:
    if request.method != "GET":
        refused = _error(405, "Only GET opens the stream.")
        refused["Allow"] = "GET"
        return refused
    after, problem = _last_event_id(request)
    if problem is not None:
        return problem
    user, verdict, refusal = await sync_to_async(_caller)(request)
    if not verdict.allowed:
        throttled = _error(429, "Too many requests; try again later.")
        throttled["Retry-After"] = str(verdict.retry_after)
        return throttled
    if user is None:
        unauthorised = _error(401, refusal)
        unauthorised["WWW-Authenticate"] = 'Bearer realm="bureau"'
        return unauthorised
    admitted = live.HUB.admit(user.pk, client_address(request), live.StreamLimits.from_settings())
    if isinstance(admitted, str):
        crowded = _error(429, f"Too many live streams: {admitted}. Close one and try again.")
        crowded["Retry-After"] = str(int(live.READY_SECONDS))
        return crowded
    response = StreamingHttpResponse(
        live.follow(user_id=user.pk, after=after, stream=admitted),
        content_type="text/event-stream",
    )
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # tell a proxy in front not to hold events back
    return response


def _caller(request: HttpRequest) -> tuple[User | None, Verdict, str]:
    """Count the request against the API rate, then find the user: bearer token or session."""
    verdict = api_rate_check(request)
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        user = token_user(request)
        return user, verdict, "The API token is invalid or revoked."
    session_user = getattr(request, "user", None)
    if isinstance(session_user, User) and session_user.is_authenticated:
        return session_user, verdict, ""
    if "token" in request.GET:
        reason = "Tokens are not accepted in the URL, where logs keep them; send Authorization: Bearer <token>."
        return None, verdict, reason
    return None, verdict, "Authentication required: send Authorization: Bearer <token> or sign in."


def _last_event_id(request: HttpRequest) -> tuple[int | None, JsonResponse | None]:
    """The id to resume after: the ``Last-Event-ID`` header, else ``?last_event_id=``."""
    field, raw = "Last-Event-ID", request.headers.get("Last-Event-ID", "").strip()
    if not raw:
        field, raw = "last_event_id", request.GET.get("last_event_id", "").strip()
    if not raw:
        return None, None
    if not raw.isascii() or not raw.isdigit() or int(raw) > MAX_ID:
        message = "must be the id of an event this stream sent (a whole number)"
        return None, _error(400, f"Invalid input: {field}: {message}.", field, message)
    return int(raw), None


def _error(status: int, detail: str, field: str = "", message: str = "") -> JsonResponse:
    """The API's error shape: ``{"detail": ..., "errors": [{"field", "message"}]}``."""
    errors = [{"field": field, "message": message}] if field else []
    return JsonResponse({"detail": detail, "errors": errors}, status=status)
