"""The Content-Security-Policy every response carries.

Scripts and styles come from this node's own files only: no inline ``<script>``, no ``on*=``
handler, no ``style=`` attribute, no ``javascript:`` URL runs, even if one were stored and
rendered by mistake. Pages may not be framed by others, ``<base>`` cannot point elsewhere,
and forms post only here. A view that needs another policy sets its own header first.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

HEADER = "Content-Security-Policy"


def policy() -> str:
    return "; ".join(
        f"{directive} {' '.join(sources)}"
        for directive, sources in settings.CONTENT_SECURITY_POLICY.items()
    )


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.header = policy()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if HEADER not in response:
            response[HEADER] = self.header
        return response
