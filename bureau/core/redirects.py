"""Where a form may send its user back to: a path on this site, never another site."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, value: object) -> str:
    """``value`` when it is a URL of this site (a path, or this host), else ''."""
    if (
        isinstance(value, str)
        and value
        and url_has_allowed_host_and_scheme(
            value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return value
    return ""
