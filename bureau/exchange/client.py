"""Calls to a peer over HTTP: its node document, its events, a nudge. Short timeouts always:
these run in the exchange jobs' threads, never in a web request or the delivery loops."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx
from django.conf import settings

from bureau.exchange import peerauth
from bureau.exchange.identity import node_key
from bureau.exchange.models import Peer

WELL_KNOWN = "/.well-known/bureau-node"
MAX_PAGE_BYTES = 64 * 1024 * 1024


class PeerUnavailable(Exception):
    """The peer did not answer, answered with an error, or answered with something unreadable."""


def _timeout() -> httpx.Timeout:
    seconds = settings.BUREAU_EXCHANGE_TIMEOUT
    return httpx.Timeout(seconds, connect=min(seconds, 3.0))


_local = threading.local()


def _client() -> httpx.Client:
    """One client per thread: connections to a peer are kept alive between pages and nudges."""
    if getattr(_local, "client", None) is None:
        _local.client = httpx.Client(limits=httpx.Limits(max_keepalive_connections=4))
    client: httpx.Client = _local.client
    return client


def _url(peer_url: str, target: str) -> str:
    return peer_url.rstrip("/") + target


@dataclass(frozen=True)
class Answer:
    url: str
    status: int
    content: bytes


def _signed_get(peer: Peer, target: str) -> Answer:
    headers = peerauth.sign_headers(
        key=node_key(),
        method="GET",
        target=target,
        sender=settings.BUREAU_NODE_NAME,
        recipient=peer.name,
    )
    return _send("GET", _url(peer.url, target), headers=headers)


def _send(method: str, url: str, **kwargs: Any) -> Answer:
    """One request, bounded in total time and size, not only between bytes: a peer that
    trickles its answer is cut off like one that does not answer."""
    limit = settings.BUREAU_EXCHANGE_TIMEOUT
    deadline = time.monotonic() + 2 * limit
    try:
        with _client().stream(method, url, timeout=_timeout(), **kwargs) as response:
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > MAX_PAGE_BYTES:
                    raise PeerUnavailable(f"{url} sent more than {MAX_PAGE_BYTES} bytes")
                if time.monotonic() > deadline:
                    raise PeerUnavailable(f"{url} took more than {2 * limit:g} s to answer")
                chunks.append(chunk)
            answer = Answer(url, response.status_code, b"".join(chunks))
    except httpx.TimeoutException:
        raise PeerUnavailable(f"no answer from {url} within {limit:g} s") from None
    except httpx.HTTPError as error:
        raise PeerUnavailable(f"{url}: {type(error).__name__}: {error}") from None
    if answer.status >= 400:
        raise PeerUnavailable(f"{url} answered {answer.status}: {_detail(answer)}")
    return answer


def _detail(answer: Answer) -> str:
    try:
        return str(json.loads(answer.content).get("detail", ""))[:300]
    except (ValueError, AttributeError, UnicodeDecodeError):
        return answer.content[:200].decode("utf-8", "replace")


def _json(answer: Answer) -> Any:
    try:
        return json.loads(answer.content)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise PeerUnavailable(f"{answer.url} did not answer with JSON") from None


def node_document(url: str) -> dict[str, Any]:
    """The peer's ``/.well-known/bureau-node`` (name, title, country, public key, protocol)."""
    document = _json(_send("GET", _url(url, WELL_KNOWN)))
    if not isinstance(document, dict) or not all(
        isinstance(document.get(k), str) for k in ("name", "public_key")
    ):
        raise PeerUnavailable(f"{url}{WELL_KNOWN} is not a node document")
    return document


def fetch_events(peer: Peer, *, after: int, limit: int) -> dict[str, Any]:
    """One page of the peer's log after ``after``: ``{"node", "head", "events"}`` (shape checked)."""
    target = f"/exchange/v1/events?after={after}&limit={limit}"
    page = _json(_signed_get(peer, target))
    if (
        not isinstance(page, dict)
        or not isinstance(page.get("events"), list)
        or not isinstance(page.get("head"), dict)
        or type(page["head"].get("seq")) is not int
    ):
        raise PeerUnavailable(f"{peer.url} answered a page of events that is not one")
    return page


def post(peer: Peer, target: str, *, content: bytes, headers: dict[str, str]) -> Answer:
    """One signed POST to the peer (headers made by the caller); raises PeerUnavailable."""
    return _send("POST", _url(peer.url, target), content=content, headers=headers)


def notify(peer: Peer, *, head_seq: int) -> None:
    """Tell the peer this node's log grew, so that it pulls at once."""
    target = "/exchange/v1/notify"
    body = json.dumps({"node": settings.BUREAU_NODE_NAME, "head": head_seq}).encode()
    headers = peerauth.sign_headers(
        key=node_key(),
        method="POST",
        target=target,
        sender=settings.BUREAU_NODE_NAME,
        recipient=peer.name,
        body=body,
    )
    headers["Content-Type"] = "application/json"
    _send("POST", _url(peer.url, target), content=body, headers=headers)
