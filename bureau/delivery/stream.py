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

Django answers the request (middleware, authentication, rate limit, admission, the response's
head); the events then go straight through the ASGI ``send`` (``LiveStreams``, ``live.serve``),
not through Django's streaming response, which cost about as much CPU per event as everything
else in the live channel together.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler
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
    handoff = _HANDOFF.get()
    if handoff is not None:
        handoff.stream, handoff.after = admitted, after
        body: AsyncIterator[bytes] = _nothing()  # LiveStreams sends the body
    else:  # served by Django alone (no LiveStreams in front): its streaming response
        body = live.follow(user_id=user.pk, after=after, stream=admitted)
    response = StreamingHttpResponse(body, content_type="text/event-stream")
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


# --- the hand-off: Django answers the request, the stream's body goes straight to the client ---


@dataclass
class Handoff:
    """What the view hands on (the admitted stream, where to resume) and what Django sent."""

    stream: live.Stream | None = None
    after: int | None = None
    status: int = 0
    ended: bool = False  # Django sent its response's end, held back: the body goes on


_HANDOFF: ContextVar[Handoff | None] = ContextVar("live_stream_handoff", default=None)


class StreamRequests(ASGIHandler):
    """Django's ASGI handler for ``GET /api/v1/stream``, without a thread of each request's own.

    Django's handler gives every request a thread of its own for its synchronous parts (the
    middleware, the caller's authentication), and so a database connection of its own, opened
    for the request and closed after it. On SQLite a new connection reads the whole schema again
    (1.3 ms); with a thread and a connection a stream, opening many streams at once (clients
    coming back after a restart) cost about 6 ms of CPU each. Here those parts run on the one
    thread asgiref keeps for the process's thread-sensitive work; its connection stays open
    between requests and is closed as any other by Django's ``CONN_MAX_AGE`` checks. Stream
    requests are then admitted one at a time in a process, a few milliseconds each."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        await self.handle(scope, receive, send)


async def _nothing() -> AsyncIterator[bytes]:
    return
    yield  # an async generator with no items


class LiveStreams:
    """ASGI in front of Django for ``GET /api/v1/stream``.

    Django runs the request as for any view; when the view admits a stream it puts it in this
    request's ``Handoff`` and answers 200 with an empty streaming body. Django's end of that body
    is held back, Django finishes (its thread and database connection go), and ``live.serve``
    then sends the events through the same ``send``. Any other answer (401, 429 ...) passes
    through unchanged."""

    def __init__(self, django: Any) -> None:
        self.django = django

    async def __call__(self, scope: dict[str, Any], receive: live.Receive, send: live.Send) -> None:
        handoff = Handoff()

        async def relay(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                handoff.status = message["status"]
            elif (
                handoff.stream is not None
                and handoff.status == 200
                and not message.get("more_body", False)
            ):
                handoff.ended = True
                if not message.get("body"):
                    return
                message = {**message, "more_body": True}
            await send(message)

        token = _HANDOFF.set(handoff)
        try:
            await self.django(scope, receive, relay)
        finally:
            _HANDOFF.reset(token)
        if handoff.stream is None:
            return
        if not handoff.ended:  # the client left, or Django failed after the view: no stream
            handoff.stream.close()
            return
        await live.serve(handoff.stream, handoff.after, receive, send)
