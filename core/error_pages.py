"""The product's error pages: 400, 403, 404, 500 and the CSRF failure, on the product's layout, in the
reader's language (LocaleMiddleware has already chosen it), each with a way back.

403, 404 and the CSRF failure render with the request, so a signed-in reader keeps the navigation.
400 and 500 render the static-safe layout with no request and no context processors: a broken
database, session or host header must not turn the error page into a second error.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from django.http import HttpResponse
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import requires_csrf_token

logger = logging.getLogger(__name__)


def _back_url(request) -> str:
    """The page the reader came from, when it is one of ours and not the failing page itself."""
    referer = request.META.get("HTTP_REFERER", "")
    try:
        safe = url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()})
    except Exception:  # a DisallowedHost: no way back but home
        return ""
    if not safe or urlsplit(referer).path == request.path:
        return ""
    return referer


def _render(request, status: int, template_name: str, *, reason: str = "") -> HttpResponse:
    context = {"status": status, "back_url": _back_url(request), "reason": reason}
    return HttpResponse(loader.render_to_string(template_name, context, request=request), status=status)


@requires_csrf_token
def permission_denied(request, exception=None):
    # A refusal raised with a message (PermissionDenied("只有本项目所在督导组的成员可以…")) says why.
    return _render(request, 403, "errors/403.html", reason=str(exception) if exception and str(exception) else "")


@requires_csrf_token
def page_not_found(request, exception=None):
    return _render(request, 404, "errors/404.html")


def csrf_failure(request, reason=""):
    logger.warning("CSRF failure on %s: %s", request.path, reason)
    return _render(request, 403, "errors/403_csrf.html", reason=reason)


def bad_request(request, exception=None):
    return HttpResponse(loader.render_to_string("errors/400.html"), status=400)


def server_error(request):
    return HttpResponse(loader.render_to_string("errors/500.html"), status=500)
