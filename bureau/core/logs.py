"""Logging filters: a server log that records refusals in one line and errors in full."""

from __future__ import annotations

import logging

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
