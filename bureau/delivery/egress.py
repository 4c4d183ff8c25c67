"""Connections to addresses that users gave (webhook endpoints): checked when they are made.

A webhook URL is checked when it is registered, but what its name resolves to can change
afterwards (DNS rebinding), and the rule can change too (``BUREAU_WEBHOOK_ALLOW_PRIVATE``
turned off). So every new connection resolves the host itself, refuses it when any address
is private, loopback or reserved (unless the setting allows them), and connects to the very
address it checked. TLS still names the host (SNI and certificate checks), and the request
still carries it in ``Host``: only the TCP connection is pinned.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx
from django.conf import settings
from django.utils.translation import gettext as _


def address_refusal(host: str, address: str) -> str | None:
    """Why ``address`` (which ``host`` resolved to) may not receive webhooks, or None."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if ip.is_global or settings.BUREAU_WEBHOOK_ALLOW_PRIVATE:
        return None
    return _("'%(host)s' points to a private, loopback or reserved address (%(ip)s)") % {
        "host": host,
        "ip": ip,
    }


def checked_address(host: str, addresses: Iterable[str]) -> str:
    """The first of ``addresses``, if none of them is refused; raises ConnectError otherwise."""
    found = list(dict.fromkeys(addresses))
    if not found:
        raise httpcore.ConnectError(f"the host '{host}' cannot be resolved")
    for address in found:
        if reason := address_refusal(host, address):
            raise httpcore.ConnectError(f"refused: {reason}")
    return found[0]


class CheckedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network layer with the address check in front of every TCP connection."""

    def __init__(self) -> None:
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            infos = await asyncio.wait_for(
                loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout
            )
        except (OSError, UnicodeError, TimeoutError) as error:
            raise httpcore.ConnectError(f"the host '{host}' cannot be resolved: {error}") from None
        address = checked_address(host, (str(info[4][0]) for info in infos))
        return await self._inner.connect_tcp(
            address, port, timeout, local_address=local_address, socket_options=socket_options
        )

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("webhooks are not sent to local sockets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def checked_transport(
    limits: httpx.Limits, *, ssl_context: ssl.SSLContext | None = None
) -> httpx.AsyncHTTPTransport:
    """An httpx transport whose every connection goes through ``CheckedBackend``.

    httpx takes no network backend, so the transport's pool is replaced by one built the same
    way with the checked backend; no proxy is used (a proxy would resolve the name itself).
    """
    transport = httpx.AsyncHTTPTransport(limits=limits, trust_env=False)
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=ssl_context or httpx.create_ssl_context(),
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=CheckedBackend(),
    )
    return transport
