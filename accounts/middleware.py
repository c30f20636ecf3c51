"""When the commission requires a second factor of leaders and admins
(settings.DUDAO_REQUIRE_2FA_FOR_LEADERS), one signed in without it reaches only the pages that
get them there: enrolment if they have no authenticator yet, the code step if they have one, and
signing out or switching the language. Calls with an API token are not affected (a token is its
own credential); an API call on such a session answers 403 in the API's error shape."""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from accounts.two_factor import two_factor_enabled, two_factor_required
from core.api import error_body

OPEN_ROUTES = frozenset(
    {
        "accounts:two_factor",
        "accounts:login_code",
        "accounts:logout",
        "accounts:login",
        "set_language",
        "javascript-catalog",
        "healthz",
    }
)


class TwoFactorRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.DUDAO_REQUIRE_2FA_FOR_LEADERS and self._held(request):
            if request.path_info.startswith("/api/"):
                message = _("您的账号须先完成两步验证才能使用系统。")
                return JsonResponse(error_body(code="two_factor_required", message=message), status=403)
            enrolled = two_factor_enabled(user=request.user)
            return redirect("accounts:login_code" if enrolled else "accounts:two_factor")
        return self.get_response(request)

    @staticmethod
    def _held(request) -> bool:
        user = request.user
        if not user.is_authenticated or user.is_verified() or not two_factor_required(user=user):
            return False
        try:
            name = resolve(request.path_info).view_name
        except Resolver404:
            return True
        return name not in OPEN_ROUTES
