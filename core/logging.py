"""Logging helpers: the current request id on every log record (JSON in production)."""

from __future__ import annotations

import logging
from contextvars import ContextVar

# Set by core.middleware.RequestIDMiddleware for the duration of a request; "-" outside one
# (Celery tasks, management commands).
request_id_var: ContextVar[str] = ContextVar("request_id", default="-")


class RequestIDFilter(logging.Filter):
    """Adds `request_id` to every record so formatters (plain or JSON) can print it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = request_id_var.get()
        return True
