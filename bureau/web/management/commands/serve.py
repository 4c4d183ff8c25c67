"""``bureau serve``: the ASGI server, with background work in the same process."""

from __future__ import annotations

import gc
import multiprocessing
from typing import Any

import uvicorn
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bureau.core import addresses
from bureau.delivery import fanout
from bureau.exchange.sharing import node_identity_check
from bureau.web import background


class Command(BaseCommand):
    help = "Serve the bureau over HTTP (uvicorn); also runs background work unless --no-worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1, help="Web processes.")
        parser.add_argument(
            "--no-worker", action="store_true", help="Do not run background work in this process."
        )
        parser.add_argument(
            "--server",
            choices=["uvicorn", "granian"],
            default="uvicorn",
            help="uvicorn (ASGI: pages and API in threads, live streams as async views) or "
            "granian (WSGI served natively: faster pages and API; each live stream holds a "
            "thread, so serve streams from a uvicorn process).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["workers"] > 1 and not fanout.redis_url():
            raise CommandError(
                "bureau serve --workers N needs REDIS_URL: live events reach the streams of "
                "every web process through Redis. Set REDIS_URL, the same on every process."
            )
        try:
            node_identity_check()  # one node, one key: before anything answers for it
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error
        addresses.set_served(options["host"], options["port"])
        if options["server"] == "granian":
            # Workers start fresh, not as forks of a process whose background threads run.
            multiprocessing.set_start_method("spawn", force=True)
        if not options["no_worker"]:
            background.start()
        # Thousands of open streams make full garbage collections slow; what start-up created
        # lives for the whole process, so leave it out of them.
        gc.collect()
        gc.freeze()
        self.stdout.write(f"Bureau at http://{options['host']}:{options['port']}/")
        if options["server"] == "granian":
            _granian(options)
            return
        uvicorn.run(
            "config.asgi:application",
            host=options["host"],
            port=options["port"],
            workers=options["workers"],
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=5,  # open live streams would otherwise hold a stop forever
        )


def _granian(options: dict[str, Any]) -> None:
    """The WSGI application served by granian's own threads (no event loop in between)."""
    from granian import Granian
    from granian.constants import Interfaces
    from granian.log import LogLevels

    Granian(
        "config.wsgi:application",
        address=options["host"],
        port=options["port"],
        interface=Interfaces.WSGI,
        workers=options["workers"],
        blocking_threads=settings.BUREAU_WEB_THREADS,
        log_level=LogLevels.warning,
        workers_kill_timeout=5,
    ).serve()
