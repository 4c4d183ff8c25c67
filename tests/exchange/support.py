"""Two (or more) live nodes for the exchange tests: stores, servers, peers, bulk items.

Builds on ``tests.live.support`` (stores, ``bureau serve``); adds node identities, the
peer set-up between two nodes, fast generation of many published items in a child process,
direct reads of a node's database, and a fake peer: an HTTP server in the test process that
serves a signed log the test builds (and may tamper with).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.server
import json
import select
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bureau.exchange import canonical as c
from bureau.exchange import keys, peerauth
from tests.live.support import BUREAU, REPO, Store, make_store, run

PG_SERVER = "postgres://postgres@127.0.0.1:5432"
WAIT = 120.0


def pg_reachable() -> str:
    try:
        import psycopg

        psycopg.connect(f"{PG_SERVER}/postgres", connect_timeout=3).close()
    except Exception as error:
        return str(error)
    return ""


@dataclass
class Node:
    name: str
    store: Store
    public_key: str = ""

    @property
    def engine(self) -> str:
        return "postgres" if self.store.pg_name else "sqlite"

    def bureau(self, *args: str) -> str:
        done = run(self.store, BUREAU, *args)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Rows of ``sql`` on the node's own database (``?`` placeholders)."""
        if self.store.pg_name:
            import psycopg

            with psycopg.connect(self.store.env["DATABASE_URL"]) as conn:
                return list(conn.execute(sql.replace("?", "%s"), params).fetchall())
        path = Path(self.store.env["BUREAU_HOME"]) / "bureau.sqlite3"
        with contextlib.closing(sqlite3.connect(path, timeout=30)) as conn:
            return list(conn.execute(sql, params).fetchall())

    def scalar(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        return self.query(sql, params)[0][0]


def make_node(home: Path, name: str, *, postgres: bool, country: str = "AZ", **extra: str) -> Node:
    store = make_store(
        home,
        pg_server=PG_SERVER if postgres else "",
        BUREAU_NODE_NAME=name,
        BUREAU_NODE_TITLE=f"Chamber node {name}",
        BUREAU_NODE_COUNTRY=country,
        BUREAU_EXCHANGE_TIMEOUT="2",
        BUREAU_EXCHANGE_POLL_SECONDS="1",
        **extra,
    )
    node = Node(name, store)
    shown = node.bureau("node", "show")
    node.public_key = next(
        line.split()[-1] for line in shown.splitlines() if line.startswith("public key")
    )
    return node


def add_peer(node: Node, peer_name: str, url: str, key: str) -> None:
    done = run(node.store, BUREAU, "peer", "add", peer_name, url, "--key", key)
    assert done.returncode == 0, done.stdout + done.stderr


def wait_for(condition: Callable[[], Any], what: str, timeout: float = WAIT) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def generate(node: Node, count: int, *, batch: int = 1000, prefix: str = "Lot") -> None:
    """Publish ``count`` trade leads at ``node`` through ``items_save``, ``batch`` at a time."""
    spec = json.dumps({"count": count, "batch": batch, "prefix": prefix})
    done = run(node.store, sys.executable, "-m", "tests.exchange.support", "generate", spec)
    assert done.returncode == 0, done.stderr


def _generate(spec: dict[str, Any]) -> None:
    import django

    django.setup()
    from bureau.accounts.models import Organisation
    from bureau.accounts.services import organisation_create
    from bureau.catalog.services import OrganisationResolver, item_prepare, items_save

    slug = "generated-chamber"
    if not Organisation.objects.filter(slug=slug).exists():
        organisation_create(
            actor=None,
            data={"name": "Generated Chamber", "slug": slug, "kind": "chamber", "country": "AZ"},
        )
    resolver = OrganisationResolver()
    done = 0
    while done < spec["count"]:
        size = min(spec["batch"], spec["count"] - done)
        prepared = [
            item_prepare(
                actor=None, data=_lead(f"{spec['prefix']} {done + n}", slug), resolver=resolver
            )
            for n in range(size)
        ]
        items_save(prepared, actor=None, publish=True)
        done += size


def _lead(title: str, organisation: str) -> dict[str, Any]:
    return {
        "kind": "lead",
        "title": title,
        "summary": "Long-grain basmati from Punjab, new crop.",
        "side": "sell",
        "product": "Basmati rice",
        "hs_code": "100630",
        "quantity": "500",
        "unit": "TNE",
        "origin_country": "PK",
        "destination_country": "AZ",
        "value_amount": "450000",
        "value_currency": "USD",
        "organisation": organisation,
    }


# --- a fake peer -----------------------------------------------------------------------


@dataclass
class FakeLog:
    """A node's log built in the test with the real encoding, signed with the test's key."""

    name: str
    key: Any = field(default_factory=keys.generate)
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def public_key(self) -> str:
        return keys.public_text(self.key)

    @property
    def head_hash(self) -> str:
        return c.event_hash(self.events[-1]) if self.events else c.GENESIS

    def append(self, event_type: str, body: dict[str, Any], *, key: Any = None) -> dict[str, Any]:
        event = {
            "node": self.name,
            "seq": len(self.events) + 1,
            "prev": self.head_hash,
            "type": event_type,
            "at": c.timestamp(dt.datetime.now(dt.UTC)),
            "body": body,
        }
        event["sig"] = keys.sign(key or self.key, c.canonical(event))
        self.events.append(event)
        return event


def item_body(
    uid: str, title: str, *, status: str = "published", org_uid: str = "", **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "uid": uid,
        "kind": "lead",
        "title": title,
        "summary": "",
        "body": "",
        "language": "en",
        "countries": [],
        "hs_codes": [],
        "sectors": [],
        "value_amount": None,
        "value_currency": "",
        "valid_from": None,
        "valid_until": None,
        "source_title": "",
        "source_url": "",
        "is_example": False,
        "side": "buy",
        "product": "Cotton",
        "hs_code": "520100",
        "quantity": "20",
        "unit": "TNE",
        "incoterm": "",
        "origin_country": "",
        "destination_country": "",
        "origin_place": "",
        "destination_place": "",
        "status": status,
        "published_at": "2026-01-05T10:00:00.000000Z",
        "organisation": {
            "uid": org_uid or "5f0c8a4e-0000-4000-8000-000000000001",
            "slug": "fake-chamber",
            "name": "Fake Chamber",
            "kind": "chamber",
            "country": "PK",
            "city": "",
            "verified": False,
        },
    }
    body.update(extra)
    return body


class FakePeer:
    """An HTTP server speaking the exchange protocol from a ``FakeLog``; ``pages`` may be
    replaced to tamper with what is served, ``hang`` makes it stop answering."""

    def __init__(self, log: FakeLog) -> None:
        self.log = log
        self.hang = threading.Event()  # hold every events request without answering
        self.trickle = False  # answer one byte at a time, slowly
        self.garbage = False  # answer HTML instead of a page
        self.held = 0  # events requests held right now, their client still waiting
        self.release = threading.Event()
        self.requests: list[str] = []
        self.serve_events: Callable[[int, int], list[dict[str, Any]]] = self._slice
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def _slice(self, after: int, limit: int) -> list[dict[str, Any]]:
        return [e for e in self.log.events if e["seq"] > after][:limit]

    def page(self, after: int, limit: int) -> bytes:
        events = self.serve_events(after, limit)
        head = self.log.events[-1] if self.log.events else None
        document = {
            "node": self.log.name,
            "head": {
                "seq": head["seq"] if head else 0,
                "hash": self.log.head_hash,
                "at": head["at"] if head else None,
            },
            "events": events,
        }
        return json.dumps(document, ensure_ascii=False).encode()

    def _handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                fake.requests.append(self.path)
                if self.path.startswith("/.well-known/bureau-node"):
                    return self._send(
                        200,
                        json.dumps(
                            {
                                "name": fake.log.name,
                                "public_key": fake.log.public_key,
                                "protocol": c.PROTOCOL,
                                "title": "Fake",
                                "country": "PK",
                                "events": "../exchange/v1/events",
                                "notify": "../exchange/v1/notify",
                            }
                        ).encode(),
                    )
                if fake.hang.is_set():
                    return self._hold()
                if fake.garbage:
                    return self._send(200, b"<html>not json at all")
                if fake.trickle:
                    return self._trickle()
                query = dict(part.split("=") for part in self.path.split("?", 1)[1].split("&"))
                return self._send(200, fake.page(int(query["after"]), int(query["limit"])))

            def _hold(self) -> None:
                """Say nothing until released or until the client gives up and closes."""
                fake.held += 1
                try:
                    while not fake.release.wait(0.05):
                        readable, _, _ = select.select([self.connection], [], [], 0)
                        if readable and not self.connection.recv(1, socket.MSG_PEEK):
                            return
                finally:
                    fake.held -= 1

            def _trickle(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                with contextlib.suppress(OSError):
                    for byte in b'{"node": "' + b"x" * 100:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        if fake.release.wait(0.5):
                            return

            def _send(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(OSError):
                    self.wfile.write(body)

        return Handler

    def start(self) -> FakePeer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def nudge(self, node_url: str, recipient: str) -> int:
        """POST a signed notify to ``node_url`` as this peer; returns the status code."""
        import httpx

        body = b'{"head": 1}'
        headers = peerauth.sign_headers(
            key=self.log.key,
            method="POST",
            target="/exchange/v1/notify",
            sender=self.log.name,
            recipient=recipient,
            body=body,
        )
        return httpx.post(
            f"{node_url}/exchange/v1/notify", content=body, headers=headers, timeout=10
        ).status_code


if __name__ == "__main__":
    if sys.argv[1:2] == ["generate"]:
        _generate(json.loads(sys.argv[2]))


# --- a node's server, with its log kept ----------------------------------------------


class Server:
    """``bureau serve`` for a node, its stderr kept in a file; can be killed and restarted."""

    def __init__(self, node: Node, log_path: Path, *, worker: bool = True) -> None:
        self.node, self.log_path, self.worker = node, log_path, worker
        self.port = free_port()
        self.popen: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        command = [BUREAU, "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        command += [] if self.worker else ["--no-worker"]
        with self.log_path.open("ab") as log:
            self.popen = subprocess.Popen(
                command,
                env={**self.node.store.env, "BUREAU_LOG_LEVEL": "INFO"},
                cwd=REPO,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        deadline = time.monotonic() + WAIT
        while True:
            assert self.popen.poll() is None, f"bureau serve exited:\n{self.log()[-3000:]}"
            with contextlib.suppress(httpx.HTTPError):
                if (
                    httpx.get(self.base_url + "/.well-known/bureau-node", timeout=5).status_code
                    == 200
                ):
                    return self
            assert time.monotonic() < deadline, "bureau serve did not answer"
            time.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no last commit."""
        assert self.popen is not None
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait()

    def stop(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextlib.contextmanager
def serving(node: Node, log_path: Path, *, worker: bool = True) -> Iterator[Server]:
    server = Server(node, log_path, worker=worker).start()
    try:
        yield server
    finally:
        server.stop()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
