"""Who is calling the API: bearer tokens for machines, the Django session for browsers.

Also the API rate limit, keyed by token (or signed-in user) and otherwise by client address.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import AuthenticationError, HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from bureau.accounts.models import User
from bureau.accounts.services import token_authenticate
from bureau.core import ratelimit

BEARER_PREFIX = "bearer "
_UNRESOLVED = object()


def _bearer_token(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    if header[: len(BEARER_PREFIX)].lower() != BEARER_PREFIX:
        return None
    return header[len(BEARER_PREFIX) :].strip()


def token_user(request: HttpRequest) -> User | None:
    """The user of the request's bearer token, looked up once per request."""
    found = getattr(request, "_bureau_token_user", _UNRESOLVED)
    if found is _UNRESOLVED:
        raw = _bearer_token(request)
        found = token_authenticate(raw) if raw else None
        request._bureau_token_user = found  # type: ignore[attr-defined]
    return found  # type: ignore[return-value]


def _session_user(request: HttpRequest) -> User | None:
    user = getattr(request, "user", None)
    return user if isinstance(user, User) and user.is_authenticated else None


def _valid_token_user(request: HttpRequest) -> User:
    user = token_user(request)
    if user is None:
        raise AuthenticationError(401, "The API token is invalid or revoked.")
    return user


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>``; a token that is sent but not valid is refused outright."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        return _valid_token_user(request)


class SessionAuth(APIKeyCookie):
    """A signed-in browser. Unsafe methods must carry the CSRF token (``X-CSRFToken``)."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def _get_key(self, request: HttpRequest) -> str | None:
        # Unlike ninja's cookie auth, check CSRF only for a signed-in user, so that a caller
        # with no credentials at all is told to authenticate (401) rather than about CSRF.
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = _session_user(request)
        if user is None:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise HttpError(
                403, "CSRF check failed: send the csrftoken cookie's value in X-CSRFToken."
            )
        return user


def authenticated_user(request: HttpRequest) -> User:
    """The caller of an operation that requires authentication (set by ninja's auth)."""
    return request.auth  # type: ignore[attr-defined]


def request_user(request: HttpRequest) -> User | None:
    """The caller on a public read, if they identified themselves; a bad token is refused."""
    if _bearer_token(request) is not None:
        return _valid_token_user(request)
    return _session_user(request)


def rate_limit_key(request: HttpRequest) -> str:
    """Per token when a valid one is sent, per signed-in user, otherwise per client address."""
    raw = _bearer_token(request)
    if raw and token_user(request) is not None:
        return f"token:{raw}"
    if settings.SESSION_COOKIE_NAME in request.COOKIES and (user := _session_user(request)):
        return f"user:{user.pk}"
    return f"addr:{ratelimit.client_address(request)}"


def api_rate_check(request: HttpRequest) -> ratelimit.Verdict:
    """Count this API request against ``settings.API_RATE_LIMIT``."""
    return ratelimit.hit("api", rate_limit_key(request), settings.API_RATE_LIMIT)


API_AUTH: list[Any] = [TokenAuth(), SessionAuth()]
