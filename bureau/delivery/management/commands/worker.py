"""``bureau worker``: background work in its own process; run as many as you like."""

from __future__ import annotations

import json
import signal
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

import bureau.web.background  # noqa: F401 - registers the periodic jobs
from bureau.core.loops import health_report
from bureau.delivery import fanout
from bureau.delivery.worker import Worker
from bureau.exchange.sharing import SHARED, node_identity_check

NO_REDIS = (
    "bureau worker needs REDIS_URL: the live events it dispatches reach the streams of the web "
    "processes through Redis, and without it they would be recorded as delivered and never "
    "shown. Set REDIS_URL, the same on every process, or run the background work inside the "
    f"web process (bureau serve without --no-worker). Every process of one node shares {SHARED}."
)


class Command(BaseCommand):
    help = "Dispatch published items to subscriptions and send webhooks and emails, until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--poll", type=float, default=0.25, help="Seconds between checks of the outbox."
        )
        parser.add_argument(
            "--health-port",
            type=int,
            default=0,
            help="Answer GET /healthz (alive) and /readyz (every loop lately round) on 127.0.0.1.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not fanout.redis_url():
            raise CommandError(NO_REDIS)
        try:
            node_identity_check()
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error
        done = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: done.set())
        worker = Worker(poll_seconds=options["poll"]).start()
        if options["health_port"]:
            serve_health(options["health_port"])
        self.stdout.write("Worker running; Ctrl-C stops it.")
        self.stdout.flush()
        done.wait()
        worker.shutdown()


def serve_health(port: int) -> ThreadingHTTPServer:
    """A tiny HTTP server in a daemon thread: ``/healthz`` says the process answers, ``/readyz``
    whether each of its loops completed a round lately (503 naming the others)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/healthz":
                status, body = 200, {"status": "ok"}
            elif self.path == "/readyz":
                status, body = health_report()
            else:
                status, body = 404, {}
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, name="bureau-health", daemon=True).start()
    return server
