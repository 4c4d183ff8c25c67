"""A real HTTP webhook receiver for tests: records every request; can fail or stall on demand."""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """``first_try`` misbehaves on the first request of each webhook-id only: "slow" answers
    after ``slow_seconds``, "fail" answers 500, "close" closes the connection unanswered."""

    fail_ratio: float = 0.0
    delay_seconds: float = 0.0
    seed: int = 7
    first_try: str = ""
    slow_seconds: float = 3.0
    seen: Counter[str] = field(default_factory=Counter)
    requests: list[Received] = field(default_factory=list)
    ok_ids: Counter[str] = field(default_factory=Counter)
    open: int = 0  # requests being answered now
    most_open: int = 0  # the most ever answered at once
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> Receiver:
        receiver, rng = self, random.Random(self.seed)

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                with receiver._lock:
                    receiver.open += 1
                    receiver.most_open = max(receiver.most_open, receiver.open)
                try:
                    self._answer()
                finally:
                    with receiver._lock:
                        receiver.open -= 1

            def _answer(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                with receiver._lock:
                    receiver.seen[self.headers["webhook-id"]] += 1
                    first = receiver.seen[self.headers["webhook-id"]] == 1
                if first and receiver.first_try == "close":
                    self.close_connection = True
                    return
                if first and receiver.first_try == "fail":
                    self.send_response(500)
                    self.end_headers()
                    return
                if first and receiver.first_try == "slow":
                    time.sleep(receiver.slow_seconds)
                if receiver.delay_seconds:
                    time.sleep(receiver.delay_seconds)
                with receiver._lock:
                    receiver.requests.append(
                        Received({k.lower(): v for k, v in self.headers.items()}, body)
                    )
                    failing = rng.random() < receiver.fail_ratio
                    if not failing:
                        receiver.ok_ids[self.headers["webhook-id"]] += 1
                self.send_response(500 if failing else 204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            request_queue_size = 256  # bursts of concurrent deliveries must not be refused
            daemon_threads = True

        self.server = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def stop(self) -> None:
        self.server.shutdown()
