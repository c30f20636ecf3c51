"""Request-wide middleware: request ids for the logs and the audit context for pghistory."""

from __future__ import annotations

import re
import uuid

from django.db import connection
from pghistory.middleware import HistoryMiddleware

from core.logging import request_id_var

REQUEST_ID_HEADER = "HTTP_X_REQUEST_ID"
# A proxy's id is reused only when it looks like an id: never let a client inject log lines.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIDMiddleware:
    """Gives every request an id (the proxy's X-Request-ID if it sent a sane one), exposes it to
    the logging filter and the audit context, and returns it in the response header so a user's
    complaint can be matched to the log lines."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request_id
        return response


class AuditContextMiddleware(HistoryMiddleware):
    """pghistory's middleware, on PostgreSQL only.

    pghistory attaches the actor and path by prefixing every SQL statement with set_config(),
    which SQLite does not know (it crashes on the first write); the triggers that read that
    context exist only on PostgreSQL anyway. The request id joins the context so an audit row
    leads to the request's log lines.
    """

    def get_context(self, request):
        context = super().get_context(request)
        context["request_id"] = getattr(request, "request_id", "")
        context["method"] = request.method
        return context

    def __call__(self, request):
        if connection.vendor != "postgresql":
            return self.get_response(request)
        return super().__call__(request)
