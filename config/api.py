"""The REST API under /api/v1/: one NinjaAPI, its routers, and the one place errors become JSON.

Every error body has the same shape, whatever raised it::

    {"detail": "<a sentence>", "errors": [{"field": "<name>", "message": "<reason>"}]}
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI, Router
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as RequestInvalid
from ninja.openapi.docs import Swagger

from bureau.accounts.api import router as organisations_router
from bureau.accounts.auth import API_AUTH, api_rate_check
from bureau.alerts.api import router as subscriptions_router
from bureau.catalog.api import router as items_router
from bureau.commitments.api import router as commitments_router
from bureau.connect.api import router as connect_router
from bureau.core.errors import DomainError, NotFound, ValidationFailed
from bureau.freight.api import router as freight_router
from bureau.reference.api import router as reference_router
from bureau.trade.api import router as trade_router

logger = logging.getLogger(__name__)

DESCRIPTION = """
Trade and investment information of the bureau: items (trade leads, investment
opportunities, tenders, agreements, market notices), the directory of organisations,
reference look-ups (HS 2022, countries, currencies, Incoterms, sectors), and your
subscriptions (saved searches) with their delivery log, redelivery and webhook endpoints,
and the trade monitor (progress against the bilateral trade target, mirror statistics,
untapped potential), and freight routes between the corridors' places with every
figure's source and the carriers that serve each leg.

**Authentication.** Reads of published information are public. Every write needs either
`Authorization: Bearer <token>` (create one with `bureau token create EMAIL`) or a signed-in
browser session, which must send the `csrftoken` cookie's value in `X-CSRFToken`.

**Errors** are JSON: `{"detail": "...", "errors": [{"field": "...", "message": "..."}]}` —
401 without valid credentials, 403 when not allowed, 404, 409 when the item's status does not
allow the action, 422 naming each bad field, 429 (with `Retry-After`) over the rate limit.
"""


def _rate_limited(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Count every request before authentication, so that refused credentials count too."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        verdict = api_rate_check(request)
        if not verdict.allowed:
            return api.on_exception(request, Throttled(wait=verdict.retry_after))
        return view(request, *args, **kwargs)

    return wrapper


class _Swagger(Swagger):
    """ninja's Swagger page with its language declared (it is in English in every language)."""

    template = "web/swagger.html"


api = NinjaAPI(
    docs=_Swagger(),
    title="Bureau API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    auth=API_AUTH,
    docs_decorator=_rate_limited,
)
api.add_decorator(_rate_limited, mode="view")
api.add_router("", items_router)
api.add_router("", organisations_router)
api.add_router("/reference", reference_router)
api.add_router("", subscriptions_router)
api.add_router("", trade_router)
api.add_router("", freight_router)
api.add_router("", connect_router)
api.add_router("", commitments_router)

# Last, so that it only catches paths no router has: an unknown endpoint still answers in JSON.
fallback = Router()


@fallback.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:rest}", auth=None, include_in_schema=False
)
def unknown_endpoint(request: HttpRequest, rest: str) -> None:
    raise NotFound(_("there is no API endpoint %(path)s") % {"path": request.path[:200]})


api.add_router("", fallback)


def error_response(
    request: HttpRequest, status: int, detail: str, errors: Sequence[dict[str, str]] = ()
) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "errors": list(errors)}, status=status)


def _sentence(message: str) -> str:
    text = message.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    if isinstance(exc, ValidationFailed):
        errors = [e.as_dict() for e in exc.errors]
        detail = _("Invalid input: %(problems)s.") % {"problems": exc.message}
        return error_response(request, exc.status, detail, errors)
    return error_response(request, exc.status, _sentence(exc.message))


# How pydantic's error types read beside a field.
_PYDANTIC_MESSAGES = {
    "missing": gettext_lazy("is required"),
    "extra_forbidden": gettext_lazy("is not a known field"),
    "model_attributes_type": gettext_lazy("must be a JSON object"),
    "dict_type": gettext_lazy("must be a JSON object"),
    "model_type": gettext_lazy("must be a JSON object"),
}


def _field_name(loc: Sequence[Any]) -> str:
    """('query', 'limit') -> 'limit'; ('body', <param>, 'value_amount') -> 'body.value_amount'."""
    source, *rest = [str(part) for part in loc]
    if source == "body":
        return ".".join(["body", *rest[1:]])  # rest[0] is the handler's parameter name
    return ".".join(rest) or source


def _message(error: dict[str, Any]) -> str:
    if error["type"] in _PYDANTIC_MESSAGES:
        return str(_PYDANTIC_MESSAGES[error["type"]])
    text = str(error.get("msg", "is not valid")).removeprefix("Value error, ")
    return text[:1].lower() + text[1:]


@api.exception_handler(RequestInvalid)
def _request_invalid(request: HttpRequest, exc: RequestInvalid) -> HttpResponse:
    errors = [{"field": _field_name(e["loc"]), "message": _message(e)} for e in exc.errors]
    summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return error_response(
        request, 422, _("Invalid input: %(problems)s.") % {"problems": summary}, errors
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400 and isinstance(exc.__cause__, ValueError):
        reason = _("is not valid JSON (%(error)s)") % {"error": exc.__cause__}
        body_error = [{"field": "body", "message": reason}]
        return error_response(request, 400, _("The request body is not valid JSON."), body_error)
    detail = exc.message
    if isinstance(exc, AuthenticationError) and detail == "Unauthorized":  # ninja's default
        detail = _("Authentication required: send Authorization: Bearer <token> or sign in.")
    response = error_response(request, exc.status_code, _sentence(detail))
    if isinstance(exc, Throttled) and exc.wait is not None:
        response["Retry-After"] = str(int(exc.wait))
    if exc.status_code == 401:
        response["WWW-Authenticate"] = 'Bearer realm="bureau"'
    return response


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, 404, "Not found.")


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    # A bug, not bad input: keep the traceback in the log and answer in the API's shape.
    logger.exception("API error on %s %s", request.method, request.path, exc_info=exc)
    return error_response(request, 500, "Internal error; it has been logged.")
