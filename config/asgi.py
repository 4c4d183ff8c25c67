"""The ASGI application: streaming endpoints run as async Django, everything else as WSGI in a
thread pool.

Django's ASGI handler runs every synchronous view on one thread per process, so ordinary pages
and API calls would queue behind each other. They are plain synchronous code, so they are served
through ``a2wsgi`` with a pool of threads (database I/O releases the GIL), while the live stream,
which must hold thousands of idle connections, stays a native async view. An anonymous read of
a cached published item is answered in front of Django (``bureau.catalog.reads.ItemReads``).
Once Django has admitted a live stream, its events bypass Django's streaming response
(``bureau.delivery.stream.LiveStreams``).
"""

import os
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from a2wsgi import WSGIMiddleware
from django.conf import settings
from django.core.asgi import get_asgi_application
from django.core.wsgi import get_wsgi_application

ASYNC_PATHS = ("/api/v1/stream",)

django_asgi = get_asgi_application()

from bureau.catalog.reads import ItemReads  # noqa: E402 - needs the apps loaded
from bureau.delivery.stream import LiveStreams, StreamRequests  # noqa: E402

# The live stream: Django authenticates and admits (on one thread for every stream request,
# not a thread each), then the events go straight to the client.
live_streams = LiveStreams(StreamRequests())

django_wsgi = WSGIMiddleware(
    ItemReads(get_wsgi_application()),  # type: ignore[arg-type]  # an iterable response
    workers=settings.BUREAU_WEB_THREADS,
)


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "http" and not scope["path"].startswith(ASYNC_PATHS):
        await django_wsgi(scope, receive, send)  # type: ignore[arg-type]
    elif scope["type"] == "http":
        await live_streams(scope, receive, send)
    else:
        await django_asgi(scope, receive, send)
