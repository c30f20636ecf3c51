"""Request-wide middleware: request ids for the logs, the sliding idle timeout and the audit
context for pghistory."""

from __future__ import annotations

import re
import time
import uuid

from django.conf import settings
from django.core.signals import request_finished
from django.db import connection
from django.middleware.gzip import GZipMiddleware
from pghistory.middleware import HistoryMiddleware

from core.logging import request_id_var

REQUEST_ID_HEADER = "HTTP_X_REQUEST_ID"
# A proxy's id is reused only when it looks like an id: never let a client inject log lines.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class IdleTimeoutMiddleware:
    """Sign-out after SESSION_COOKIE_AGE without a request. Activity pushes the session's expiry
    forward, but the session row and cookie are rewritten at most every SESSION_REFRESH_SECONDS,
    not on every page (SESSION_SAVE_EVERY_REQUEST would write on every read): an idle user is
    signed out between SESSION_COOKIE_AGE minus that interval and SESSION_COOKIE_AGE. Goes right
    after SessionMiddleware, so the session it marks is saved on the way out."""

    KEY = "_dudao_refreshed_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.session_key and not session.is_empty():
            now = int(time.time())
            if now - session.get(self.KEY, 0) >= settings.SESSION_REFRESH_SECONDS:
                session[self.KEY] = now  # modified: SessionMiddleware saves it with a fresh expiry
        return response


def mark_login_as_activity(sender, request, user, **kwargs) -> None:
    """Signing in is activity: the session that login() just saved needs no refresh on the next page."""
    if request is not None and hasattr(request, "session"):
        request.session[IdleTimeoutMiddleware.KEY] = int(time.time())


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
        # Not reset on the way out: Django logs 4xx/5xx ("Not Found: …") after the middleware
        # chain returns. request_finished clears it once the response is done.
        request_id_var.set(request_id)
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


def _forget_request_id(**kwargs) -> None:
    request_id_var.set("-")


request_finished.connect(_forget_request_id, dispatch_uid="core.middleware.forget_request_id")


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


class TextGZipMiddleware(GZipMiddleware):
    """Django's GZipMiddleware for text only: HTML pages, JSON (the API, the schema), CSS/JS that
    WhiteNoise has not already compressed. Uploaded photos, PDFs and Office files are compressed
    already; gzipping them costs CPU for nothing.

    BREACH: Django masks the CSRF token with a fresh random value on every response, and
    GZipMiddleware (Django >= 4.2) pads each compressed body with random bytes ("Heal The Breach"),
    so a secret in a page cannot be recovered from the compressed length."""

    TEXT_TYPES = ("text/", "application/json", "application/javascript", "application/vnd.oai.openapi")

    def process_response(self, request, response):
        content_type = response.get("Content-Type", "")
        if not content_type.startswith(self.TEXT_TYPES):
            return response
        return super().process_response(request, response)
