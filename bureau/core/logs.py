"""Log lines that say which request they belong to, as plain text or as JSON lines.

Each web request gets an id (the ``X-Request-ID`` it came with, when well-formed, or a new
one); it is kept in a context variable while the request runs, stored with the background
work the request causes (an outbox event), and set again while that work is done, so a
delivery's log lines carry the id of the request that published the item.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import json
import logging
import re
import uuid
from collections.abc import Iterator
from typing import Any

_current: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
_WELL_FORMED = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def new_request_id(offered: str | None = None) -> str:
    """The id a client offered, when it is a short token; otherwise a new one."""
    if offered and _WELL_FORMED.match(offered):
        return offered
    return uuid.uuid4().hex


def current_request_id() -> str:
    return _current.get()


@contextlib.contextmanager
def request_id(value: str) -> Iterator[None]:
    """Log everything inside with ``value`` as the request id (no change when empty)."""
    token = _current.set(value or _current.get())
    try:
        yield
    finally:
        _current.reset(token)


class RequestIdFilter(logging.Filter):
    """Give every record ``request_id`` (given with ``extra=``, or the current one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        value = getattr(record, "request_id", "") or _current.get()
        record.request_id = value
        record.request_suffix = f" [request {value}]" if value else ""
        return True


# Attributes every LogRecord has; anything else was given with ``extra=`` and is logged too.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "request_suffix"}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request id, extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_") and value not in ("", None):
                out[key] = value
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str, ensure_ascii=False)


CLIENT_ERRORS = range(400, 500)


class RefusalsWithoutTraceback(logging.Filter):
    """Keep the one-line record of a refused request (403, 404, ...) but drop its traceback.

    Django logs a ``PermissionDenied`` with the exception attached, so every 403 wrote a full
    traceback into the server log as if the server had failed; a refusal is the server working.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) in CLIENT_ERRORS:
            record.exc_info = None
            record.exc_text = None
        return True
