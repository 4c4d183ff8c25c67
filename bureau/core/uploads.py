"""One cap on the size of every request body: an uploaded file with its form, or an API call.

A request that announces a larger body gets 413 before a byte of it is read, so a 200 MB upload
costs the server nothing. Django reads no further than ``Content-Length`` (a body sent without
one is read as empty), so the announced size is the most it could read.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

API_PREFIX = "/api/"


class UploadLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.BUREAU_UPLOAD_MAX_BYTES
        size = announced_size(request)
        if size > limit:
            return too_large(request, size=size, limit=limit)
        return self.get_response(request)


def announced_size(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0  # Django reads such a body as empty


def too_large(request: HttpRequest, *, size: int, limit: int) -> HttpResponse:
    """413 in the API's JSON shape for the API, a page for a browser."""
    message = _(
        "The upload is %(size)s MB; this bureau accepts at most %(limit)s MB at a time. "
        "Split the file into smaller ones and upload each."
    ) % {"size": _megabytes(size), "limit": _megabytes(limit)}
    if request.path.startswith(API_PREFIX):
        return JsonResponse(
            {"detail": message, "errors": [{"field": "body", "message": message}]}, status=413
        )
    return render(request, "413.html", {"message": message}, status=413)


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:,.1f}".removesuffix(".0")
