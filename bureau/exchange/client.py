"""Calls to a peer over HTTP: its node document, its events, a nudge. Short timeouts always:
these run in the exchange jobs' threads, never in a web request or the delivery loops."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
from django.conf import settings

from bureau.exchange import peerauth
from bureau.exchange.canonical import PROTOCOL
from bureau.exchange.identity import node_key
from bureau.exchange.models import Peer

WELL_KNOWN = "/.well-known/bureau-node"
MAX_PAGE_BYTES = 64 * 1024 * 1024
DISCOVERY_SECONDS = 300.0  # how long a peer's endpoint URLs are used before it is asked again


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


@dataclass(frozen=True)
class Endpoints:
    events: str
    notify: str


_discovered: dict[str, tuple[float, Endpoints]] = {}
_discovered_lock = threading.Lock()


def endpoints(peer: Peer) -> Endpoints:
    """The peer's endpoint URLs, as its node document names them (asked again every
    ``DISCOVERY_SECONDS``, and after a failed call)."""
    with _discovered_lock:
        cached = _discovered.get(peer.url)
    if cached is not None and time.monotonic() - cached[0] < DISCOVERY_SECONDS:
        return cached[1]
    document = node_document(peer.url)
    if document["name"] != peer.name:
        raise PeerUnavailable(
            f"{peer.url}{WELL_KNOWN} calls itself '{document['name']}', not '{peer.name}'"
        )
    if document.get("protocol") != PROTOCOL:
        raise PeerUnavailable(
            f"{peer.url}{WELL_KNOWN} speaks {document.get('protocol')!r}, not {PROTOCOL!r}"
        )
    found = Endpoints(document["events"], document["notify"])
    with _discovered_lock:
        _discovered[peer.url] = (time.monotonic(), found)
    return found


def forget_endpoints(peer: Peer) -> None:
    with _discovered_lock:
        _discovered.pop(peer.url, None)


def _endpoint(document_url: str, document: dict[str, Any], name: str) -> str:
    """``name``'s URL from the node document: a reference resolved against the document's own
    URL (RFC 3986), http(s), with ``/exchange/v1/`` in its path (the signed target starts there)."""
    reference = document.get(name)
    if not isinstance(reference, str) or not reference:
        raise PeerUnavailable(f"{document_url} names no '{name}' URL")
    url = urljoin(document_url, reference)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise PeerUnavailable(f"{document_url}: '{name}' is not an http(s) URL: {reference!r}")
    if peerauth.PREFIX not in parts.path or parts.query or parts.fragment:
        raise PeerUnavailable(
            f"{document_url}: '{name}' must be a URL whose path holds {peerauth.PREFIX}, "
            f"with no query: {reference!r}"
        )
    return url


def _signed(peer: Peer, method: str, url: str, body: bytes = b"") -> Answer:
    parts = urlsplit(url)
    headers = peerauth.sign_headers(
        key=node_key(),
        method=method,
        target=peerauth.target_of(parts.path, parts.query),
        sender=settings.BUREAU_NODE_NAME,
        recipient=peer.name,
        body=body,
    )
    if body:
        headers["Content-Type"] = "application/json"
    try:
        return _send(method, url, headers=headers, content=body or None)
    except PeerUnavailable:
        forget_endpoints(peer)  # the peer may have moved: read its node document again
        raise


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
    """The peer's ``/.well-known/bureau-node`` (name, title, country, public key, protocol,
    and its ``events`` and ``notify`` URLs, resolved to absolute ones)."""
    document_url = _url(url, WELL_KNOWN)
    document = _json(_send("GET", document_url))
    if not isinstance(document, dict) or not all(
        isinstance(document.get(k), str) for k in ("name", "public_key")
    ):
        raise PeerUnavailable(f"{document_url} is not a node document")
    for name in ("events", "notify"):
        document[name] = _endpoint(document_url, document, name)
    return document


def fetch_events(peer: Peer, *, after: int, limit: int) -> dict[str, Any]:
    """One page of the peer's log after ``after``: ``{"node", "head", "events"}`` (shape checked)."""
    page = _json(_signed(peer, "GET", f"{endpoints(peer).events}?after={after}&limit={limit}"))
    if (
        not isinstance(page, dict)
        or not isinstance(page.get("events"), list)
        or not isinstance(page.get("head"), dict)
        or type(page["head"].get("seq")) is not int
    ):
        raise PeerUnavailable(
            f"{peer.url} answered a page of events that is not one: it must be an object with "
            '"events" (an array) and "head" (an object with an integer "seq"; an empty log\'s '
            'head is {"seq": 0, "hash": 64 zeros, "at": null})'
        )
    return page


def post(peer: Peer, target: str, *, content: bytes, headers: dict[str, str]) -> Answer:
    """One signed POST to the peer (headers made by the caller); raises PeerUnavailable."""
    return _send("POST", _url(peer.url, target), content=content, headers=headers)


def notify(peer: Peer, *, head_seq: int) -> None:
    """Tell the peer this node's log grew, so that it pulls at once."""
    body = json.dumps({"node": settings.BUREAU_NODE_NAME, "head": head_seq}).encode()
    _signed(peer, "POST", endpoints(peer).notify, body)
