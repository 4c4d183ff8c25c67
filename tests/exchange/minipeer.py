"""A minimal bureau-exchange/1 peer written from ``docs/exchange.md`` and the JSON Schemas only.

It imports nothing of Bureau: canonical JSON, hashing, Ed25519 signing of events and of
requests, page checks and a small HTTP server for its own log are all done here again, as
another country's implementer would, with ``cryptography``, ``httpx`` and ``jsonschema``.
The conformance test (``test_conformance.py``) runs it against a live node.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import http.server
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

GENESIS = "0" * 64
PREFIX = "/exchange/v1/"

# --- canonical JSON (docs/exchange.md, "Canonical JSON"), written out rule by rule -------

_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
}


def _string(text: str) -> str:
    out = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif ord(char) < 0x20:
            out.append(f"\\u{ord(char):04x}")
        elif 0xD800 <= ord(char) <= 0xDFFF:
            raise ValueError("lone surrogate")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _encode(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list):
        return "[" + ",".join(_encode(v) for v in value) + "]"
    if isinstance(value, dict):
        # Keys sorted by code point: Python's str order is code point order.
        pairs = sorted(value.items())
        return "{" + ",".join(_string(k) + ":" + _encode(v) for k, v in pairs) + "}"
    raise ValueError(f"{type(value).__name__} has no canonical form")


def canonical(value: Any) -> bytes:
    return _encode(value).encode("utf-8")


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_text(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "ed25519:" + b64(raw)


def parse_public(text: str) -> Ed25519PublicKey:
    assert text.startswith("ed25519:")
    return Ed25519PublicKey.from_public_bytes(unb64(text[len("ed25519:") :]))


def verifies(key: Ed25519PublicKey, signature: str, message: bytes) -> bool:
    try:
        key.verify(unb64(signature), message)
    except (InvalidSignature, ValueError):
        return False
    return True


def event_hash(event: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(event)).hexdigest()


def now_at() -> str:
    moment = time.time()
    return (
        time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(moment)) + f".{int(moment % 1 * 1e6):06d}Z"
    )


# --- signed requests ("Authentication") ------------------------------------------------


def request_headers(
    key: Ed25519PrivateKey,
    *,
    method: str,
    target: str,
    sender: str,
    recipient: str,
    body: bytes = b"",
    stamp: str | None = None,
) -> dict[str, str]:
    stamp = stamp if stamp is not None else str(int(time.time()))
    lines = ["bureau-request/1", method, target, stamp, sender, recipient]
    lines.append(hashlib.sha256(body).hexdigest())
    signature = b64(key.sign("\n".join(lines).encode("utf-8")))
    return {"Bureau-Node": sender, "Bureau-Timestamp": stamp, "Bureau-Signature": signature}


def target_of(url: str) -> str:
    parts = urlsplit(url)
    path = parts.path[parts.path.index(PREFIX) :]
    return f"{path}?{parts.query}" if parts.query else path


# --- schemas ---------------------------------------------------------------------------


class Schemas:
    """The node's published schemas, fetched by the names its index lists."""

    def __init__(self, index_url: str) -> None:
        names = httpx.get(index_url, timeout=10).json()["schemas"]
        contents = {n: httpx.get(urljoin(index_url, n), timeout=10).json() for n in names}
        self.registry: Registry = Registry().with_resources(
            (name, Resource.from_contents(schema)) for name, schema in contents.items()
        )
        self.names = names

    def errors(self, name: str, value: Any) -> list[str]:
        validator = Draft202012Validator({"$ref": f"{name}.json"}, registry=self.registry)
        return [error.message for error in validator.iter_errors(value)]


# --- the remote node --------------------------------------------------------------------


@dataclass
class Remote:
    """A node as discovered from its node document."""

    base: str
    document: dict[str, Any] = field(default_factory=dict)
    events_url: str = ""
    notify_url: str = ""
    schemas_url: str = ""

    def discover(self) -> Remote:
        document_url = self.base.rstrip("/") + "/.well-known/bureau-node"
        self.document = httpx.get(document_url, timeout=10).json()
        self.events_url = urljoin(document_url, self.document["events"])
        self.notify_url = urljoin(document_url, self.document["notify"])
        self.schemas_url = urljoin(document_url, self.document.get("schemas", ""))
        return self

    @property
    def name(self) -> str:
        return str(self.document["name"])

    @property
    def key(self) -> Ed25519PublicKey:
        return parse_public(self.document["public_key"])


def check_page(
    page: dict[str, Any], remote: Remote, after_seq: int, after_hash: str
) -> tuple[int, str]:
    """Check a page as the document's "Receiving" says; the new (seq, hash) of the cursor."""
    seq, digest = after_seq, after_hash
    for event in page["events"]:
        assert set(event) == {"node", "seq", "prev", "type", "at", "body", "sig"}
        assert event["node"] == remote.name
        assert event["seq"] == seq + 1, "gap"
        assert event["prev"] == digest, "fork"
        unsigned = {k: v for k, v in event.items() if k != "sig"}
        assert verifies(remote.key, event["sig"], canonical(unsigned)), "signature"
        seq, digest = event["seq"], event_hash(event)
    return seq, digest


# --- this peer's own log, served ---------------------------------------------------------


@dataclass
class OwnLog:
    name: str
    key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def public_key(self) -> str:
        return public_text(self.key)

    def head(self) -> dict[str, Any]:
        if not self.events:
            return {"seq": 0, "hash": GENESIS, "at": None}
        last = self.events[-1]
        try:
            digest = event_hash(last)
        except ValueError:  # a deliberately malformed event has no canonical form
            digest = hashlib.sha256(json.dumps(last).encode()).hexdigest()
        return {"seq": last["seq"], "hash": digest, "at": last["at"]}

    def append(
        self,
        event_type: str,
        body: dict[str, Any],
        signed: dict[str, Any] | None = None,
        spoil: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Sign and append an event. To build the malformed inputs the document lists,
        ``signed`` overrides envelope keys before signing, ``spoil`` after."""
        event: dict[str, Any] = {
            "node": self.name,
            "seq": len(self.events) + 1,
            "prev": self.head()["hash"],
            "type": event_type,
            "at": now_at(),
            "body": body,
            **(signed or {}),
        }
        event["sig"] = b64(self.key.sign(canonical(event)))
        event.update(spoil or {})
        self.events.append(event)
        return event


class Server:
    """Serves ``OwnLog`` under a path prefix, answering only requests the remote signed."""

    PREFIX = "/peer"

    def __init__(self, log: OwnLog) -> None:
        self.log = log
        self.remote: Remote | None = None
        self.refused: list[str] = []
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{self.PREFIX}"

    def document(self) -> dict[str, Any]:
        return {
            "name": self.log.name,
            "title": "Minimal conformance peer",
            "country": "TR",
            "public_key": self.log.public_key,
            "protocol": "bureau-exchange/1",
            "events": "../exchange/v1/events",
            "notify": "../exchange/v1/notify",
        }

    def _authentic(self, method: str, path: str, headers: Any, body: bytes) -> str:
        remote = self.remote
        if remote is None or headers.get("Bureau-Node") != remote.name:
            return "not a peer"
        stamp = headers.get("Bureau-Timestamp", "")
        if abs(time.time() - int(stamp)) > 300:
            return "stale"
        lines = ["bureau-request/1", method, target_of(path), stamp, remote.name, self.log.name]
        lines.append(hashlib.sha256(body).hexdigest())
        signed = "\n".join(lines).encode("utf-8")
        ok = verifies(remote.key, headers.get("Bureau-Signature", ""), signed)
        return "" if ok else "signature"

    def _handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                if parts.path == f"{Server.PREFIX}/.well-known/bureau-node":
                    return self._json(200, server.document())
                if parts.path != f"{Server.PREFIX}/exchange/v1/events":
                    return self._json(404, {"detail": "no such page"})
                if problem := server._authentic("GET", self.path, self.headers, b""):
                    server.refused.append(problem)
                    return self._json(401, {"detail": problem})
                query = parse_qs(parts.query)
                after = int(query.get("after", ["0"])[0])
                limit = int(query.get("limit", ["1000"])[0])
                events = [e for e in server.log.events if e["seq"] > after][:limit]
                page = {"node": server.log.name, "head": server.log.head(), "events": events}
                return self._json(200, page)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                if problem := server._authentic("POST", self.path, self.headers, body):
                    return self._json(401, {"detail": problem})
                return self._json(202, {"detail": "noted; pulling"})

            def _json(self, status: int, value: Any) -> None:
                data = json.dumps(value, ensure_ascii=False).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                with contextlib.suppress(OSError):
                    self.wfile.write(data)

        return Handler

    def start(self) -> Server:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
