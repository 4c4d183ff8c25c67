"""Reads of one published item: its rendered JSON cached by version, and the short way in.

A published item's answer is the same bytes for every reader, so it is rendered once per item
version and kept in Django's cache (Redis when ``REDIS_URL`` is set, in-process memory
otherwise) with a copy in this process in front of it, which saves the cache's round trip. A
copy is only ever used when its version is the item's current one, read from the database on
every request (``selectors.item_version``), so neither layer can answer for an item that changed,
was withdrawn or was never published; the catalog's changes also drop the shared entry.

``ItemReads`` wraps the WSGI application. An anonymous ``GET /api/v1/items/<id>`` whose current
version is cached is answered there, with the one version query, the API rate limit, the security
headers Django's middleware gives every answer, the request id, the access line and the metrics,
but without the sessions, CSRF, messages, language, URL routing and ninja that such a read does
not use. So is an anonymous search of published items (``GET /api/v1/items?q=...``) that the
search index answers and whose page is cached item by item: the same selector, the same bytes.
Everything else, a cache miss or a bad parameter included, goes through Django, which fills the
cache or names the error.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIRequest
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import resolve
from pydantic import ValidationError

from bureau.catalog import selectors
from bureau.catalog.models import Status
from bureau.core.errors import ValidationFailed

CACHE_PREFIX = "item-json:"
CACHE_SECONDS = 3600
CONTENT_TYPE = "application/json; charset=utf-8"
MAX_ID = 2**63 - 1  # ids are 64-bit: a larger number is no item
LOCAL_ITEMS = 4096  # copies kept in this process (about 2 KiB each)

_local: dict[int, tuple[str, bytes]] = {}


def cache_key(pk: int) -> str:
    return f"{CACHE_PREFIX}{pk}"


def cached_body(pk: int, version: str) -> bytes | None:
    """The item's JSON when a copy of this version is held here or in the shared cache."""
    hit = _local.get(pk)
    if hit is None or hit[0] != version:
        hit = cache.get(cache_key(pk))
        if hit is None or hit[0] != version:
            return None
        _keep(pk, hit)
    return hit[1]


def cached_bodies(versions: dict[int, str]) -> dict[int, bytes]:
    """``cached_body`` for many items, with one round trip to the shared cache."""
    bodies: dict[int, bytes] = {}
    for pk, version in versions.items():
        hit = _local.get(pk)
        if hit is not None and hit[0] == version:
            bodies[pk] = hit[1]
    wanted = [pk for pk in versions if pk not in bodies]
    if wanted:
        shared = cache.get_many([cache_key(pk) for pk in wanted])
        for pk in wanted:
            hit = shared.get(cache_key(pk))
            if hit is not None and hit[0] == versions[pk]:
                bodies[pk] = hit[1]
                _keep(pk, hit)
    return bodies


def store_bodies(rendered: dict[int, tuple[str, bytes]]) -> None:
    """Keep each item's (version, JSON), here and in the shared cache."""
    for pk, hit in rendered.items():
        _keep(pk, hit)
    cache.set_many({cache_key(pk): hit for pk, hit in rendered.items()}, CACHE_SECONDS)


def page_body(
    page: list[tuple[int, str]], bodies: dict[int, bytes], count: int, capped: bool
) -> bytes:
    """The API's answer for a page of published items: the count and each item's cached JSON."""
    items = b", ".join(bodies[pk] for pk, _version in page if pk in bodies)
    head = json.dumps({"count": count, "count_is_capped": capped})[:-1].encode()
    return head + b', "items": [' + items + b"]}"


def forget_items(pks: list[int]) -> None:
    """Drop changed items' cached JSON (their versions would also tell them apart), in one
    round trip to the cache (a page of a peer's log publishes a thousand)."""
    for pk in pks:
        _local.pop(pk, None)
    if pks:
        cache.delete_many([cache_key(pk) for pk in pks])


def _keep(pk: int, hit: tuple[str, bytes]) -> None:
    if len(_local) >= LOCAL_ITEMS:
        # The oldest insertion goes; another thread may have taken it already.
        with contextlib.suppress(StopIteration, RuntimeError):
            _local.pop(next(iter(_local)), None)
    _local[pk] = hit


# --- the short way in --------------------------------------------------------------------

ITEM_PATH = re.compile(r"/api/v1/items/([0-9]{1,19})")
LIST_PATH = "/api/v1/items"
StartResponse = Callable[..., Any]


class ItemReads:
    """WSGI middleware: an anonymous read of a cached published item skips Django's stack."""

    def __init__(self, app: Callable[[dict[str, Any], StartResponse], Iterable[bytes]]) -> None:
        self.app = app
        self._headers: dict[bool, list[tuple[str, str]]] = {}
        self._routes: dict[str, Any] = {}
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        response = self.answer(environ)
        if response is None:
            return self.app(environ, start_response)
        start_response(f"{response.status_code} {response.reason_phrase}", list(response.items()))
        return [response.content]

    def answer(self, environ: dict[str, Any]) -> HttpResponse | None:
        """The answer to the request, or None when Django must answer it."""
        if environ.get("REQUEST_METHOD") != "GET" or not _anonymous(environ):
            return None
        path = environ.get("PATH_INFO", "")
        if path == LIST_PATH:
            build, route = _page, LIST_PATH
        elif ITEM_PATH.fullmatch(path) and not environ.get("QUERY_STRING"):
            build, route = _item, "/api/v1/items/1"
        else:
            return None
        started = time.perf_counter()
        request = WSGIRequest(environ)
        try:
            request.get_host()  # ALLOWED_HOSTS, as Django checks it
        except DisallowedHost:
            return None
        secure = request.is_secure()
        if settings.SECURE_SSL_REDIRECT and not secure:
            return None  # Django's SecurityMiddleware redirects it
        try:
            response = build(request)
        except DatabaseError:
            connection.close_if_unusable_or_obsolete()
            return None
        if response is None:
            return None
        from bureau.accounts.auth import api_rate_check

        if not api_rate_check(request).allowed:
            return None  # Django counts it again and answers 429 in the API's shape
        for name, value in self._security_headers(request, secure):
            response[name] = value
        self._log(request, response, route, started)
        connection.close_if_unusable_or_obsolete()  # what Django does at the end of a request
        return response

    def _security_headers(self, request: HttpRequest, secure: bool) -> list[tuple[str, str]]:
        """The headers Django's security middlewares add to an API answer, taken from those
        middlewares once per scheme, so that the two paths cannot drift apart."""
        found = self._headers.get(secure)
        if found is None:
            from django.middleware.clickjacking import XFrameOptionsMiddleware
            from django.middleware.security import SecurityMiddleware

            from bureau.web.security import ContentSecurityPolicyMiddleware

            blank = HttpResponse(content_type=CONTENT_TYPE)
            chain: Any = SecurityMiddleware(
                ContentSecurityPolicyMiddleware(
                    XFrameOptionsMiddleware(lambda _request: blank)  # type: ignore[arg-type]
                )
            )
            found = [(k, v) for k, v in chain(request).items() if k != "Content-Type"]
            with self._lock:
                self._headers[secure] = found
        return found

    def _log(
        self, request: HttpRequest, response: HttpResponse, route: str, started: float
    ) -> None:
        """The request id, access line and metrics ``RequestMiddleware`` gives every request."""
        from bureau.core import logs
        from bureau.operations.middleware import record

        if route not in self._routes:
            self._routes[route] = resolve(route)
        request.resolver_match = self._routes[route]
        request_id = logs.new_request_id(request.headers.get("X-Request-ID"))
        with logs.request_id(request_id):
            response["X-Request-ID"] = request_id
            record(request, response, started)


def _anonymous(environ: dict[str, Any]) -> bool:
    """No credentials: the answer is the same bytes for anyone."""
    return "HTTP_AUTHORIZATION" not in environ and f"{settings.SESSION_COOKIE_NAME}=" not in (
        environ.get("HTTP_COOKIE", "")
    )


def _item(request: HttpRequest) -> HttpResponse | None:
    """One published item by number, when its current version is cached (or not modified)."""
    pk = int(ITEM_PATH.fullmatch(request.path_info)[1])  # type: ignore[index]
    if pk > MAX_ID:
        return None
    version = selectors.item_version(pk=pk)
    if version is None:  # not published (or no such item): Django's path decides
        return None
    # None on a miss: Django renders and caches it.
    return item_response(pk, version, request.META.get("HTTP_IF_NONE_MATCH", ""))


def item_response(pk: int, version: str, if_none_match: str) -> HttpResponse | None:
    """The answer for published item ``pk`` at ``version`` without rendering it: 304 when the
    client holds that version, the cached JSON when a copy is held; None otherwise."""
    etag = f'"{version}"'
    if etag in if_none_match:
        response = HttpResponse(status=304)
    else:
        body = cached_body(pk, version)
        if body is None:
            return None
        response = HttpResponse(body, CONTENT_TYPE)
        response["Content-Length"] = str(len(body))
    response["ETag"] = etag
    return response


def _page(request: HttpRequest) -> HttpResponse | None:
    """A page of published items the search index answers, every item of it cached."""
    params = _list_params(request.META.get("QUERY_STRING", ""))
    if params is None:
        return None
    try:
        filters = selectors.ItemFilters.parse(params[0])
    except ValidationFailed:
        return None  # Django names the bad filter
    if filters.status != Status.PUBLISHED:
        return None  # other statuses need credentials
    found = selectors.item_search_ids(filters, offset=params[1].offset, limit=params[1].limit)
    if found is None:
        return None  # the database answers it, through Django
    page, count, capped = found
    bodies = cached_bodies(dict(page))
    if len(bodies) < len(page):
        return None  # Django renders and caches the missing ones
    body = page_body(page, bodies, count, capped)
    response = HttpResponse(body, CONTENT_TYPE)
    response["Content-Length"] = str(len(body))
    return response


def _list_params(query_string: str) -> tuple[QueryDict, Any] | None:
    """The query string and its paging, validated as the API validates them; None when Django
    should answer (a parameter it does not know, a repeated one, a bad value, ``facets``)."""
    from bureau.catalog.schemas import ItemQuery

    params = QueryDict(query_string)
    known = ItemQuery.model_fields
    if any(
        name not in known or name == "facets" or (name != "kind" and len(params.getlist(name)) > 1)
        for name in params
    ):
        return None
    data = {name: params.getlist(name) if name == "kind" else params[name] for name in params}
    try:
        return params, ItemQuery.model_validate(data)
    except ValidationError:
        return None
