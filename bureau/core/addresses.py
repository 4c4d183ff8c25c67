"""The address users reach this node at, for the absolute links in feeds, emails and webhooks.

``BUREAU_PUBLIC_URL`` when it is set. Otherwise the address a request came to (so a node
served on another port links to itself), and without a request (the worker composing an email)
the address ``bureau serve`` listens on.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

DEFAULT_SERVED = "http://127.0.0.1:8000"
_served = {"url": DEFAULT_SERVED}


def set_served(host: str, port: int) -> None:
    """Record where ``bureau serve`` listens (an unspecified host is reached on loopback)."""
    reachable = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host  # noqa: S104 - read, not bound
    if ":" in reachable and not reachable.startswith("["):
        reachable = f"[{reachable}]"
    _served["url"] = f"http://{reachable}:{port}"


def public_url(path: str = "", *, request: HttpRequest | None = None) -> str:
    """The absolute address of ``path`` ('/items/1/') on this node."""
    configured = settings.BUREAU_PUBLIC_URL
    if configured:
        base = configured
    elif request is not None:
        base = f"{request.scheme}://{request.get_host()}"
    else:
        base = _served["url"]
    return base.rstrip("/") + path
