"""Two-factor pages: enrolment and management on the profile's security page, and the code step
of signing in (after the password, for an account with an authenticator). The rules live in
accounts/two_factor.py; these parse input, call it and render."""

from __future__ import annotations

import time

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from accounts.forms import TwoFactorCodeForm
from accounts.models import RecoveryCodeDevice
from accounts.two_factor import (
    recovery_codes_issue,
    recovery_codes_left,
    totp_config_url,
    totp_new_key,
    totp_secret_text,
    two_factor_enabled,
    two_factor_enrol,
    two_factor_required,
    two_factor_reset,
    two_factor_verify,
)

PENDING_SESSION = "two_factor_pending"  # the password was right; the code is still owed
ENROL_KEY_SESSION = "two_factor_enrol_key"  # the secret shown on the enrolment page
FRESH_CODES_SESSION = "two_factor_fresh_codes"  # recovery codes, shown once on the next page


def sign_in_pending(request, *, user, redirect_to: str) -> None:
    """Called by the login view for an account with an authenticator: remember who passed the
    password (not signed in yet) until the code step, for DUDAO_2FA_PENDING_SECONDS."""
    request.session[PENDING_SESSION] = {
        "user_id": user.pk,
        "backend": user.backend,
        "next": redirect_to,
        "at": time.time(),
    }


def _pending_user(request):
    pending = request.session.get(PENDING_SESSION)
    if not pending or time.time() - pending.get("at", 0) > settings.DUDAO_2FA_PENDING_SECONDS:
        request.session.pop(PENDING_SESSION, None)
        return None, None
    user = get_user_model()._default_manager.filter(pk=pending["user_id"], is_active=True).first()
    return user, pending


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return image.to_string(encoding="unicode")


@require_http_methods(["GET", "POST"])
def login_code(request):
    """The second step of signing in, or verifying a session that signed in before the second
    factor was asked of it. A wrong code is refused; django-otp slows repeated failures."""
    next_url = resolve_url(settings.LOGIN_REDIRECT_URL)
    if request.user.is_authenticated:
        if request.user.is_verified() or not two_factor_enabled(user=request.user):
            return redirect(next_url)
        user = request.user
    else:
        user, pending = _pending_user(request)
        if user is None:
            messages.info(request, _("登录已超时，请重新输入用户名和密码。"))
            return redirect("accounts:login")
        if pending["next"] and url_has_allowed_host_and_scheme(pending["next"], allowed_hosts={request.get_host()}):
            next_url = pending["next"]
    form = TwoFactorCodeForm(request.POST or None, recovery=True)
    if request.method == "POST" and form.is_valid():
        device = two_factor_verify(user=user, code=form.cleaned_data["code"])
        if device is None:
            form.add_error("code", _("验证码不正确或已过期。连续输错后需稍候才能再试。"))
        else:
            if not request.user.is_authenticated:
                auth_login(request, user, backend=request.session[PENDING_SESSION]["backend"])
            request.session.pop(PENDING_SESSION, None)
            otp_login(request, device)
            if isinstance(device, RecoveryCodeDevice):
                messages.warning(
                    request,
                    _("您使用了一个恢复码，还剩 %(count)d 个。请尽快在“两步验证”页面重新生成恢复码。")
                    % {"count": recovery_codes_left(user=user)},
                )
            return redirect(next_url)
    return render(request, "accounts/login_code.html", {"form": form, "pending_user": user})


@login_required
@require_http_methods(["GET", "POST"])
def two_factor(request):
    """The security page: enrol (scan or type the secret, confirm with a code, receive recovery
    codes once), or, when enrolled, the state and what can be done with it."""
    user = request.user
    context = {
        "required": two_factor_required(user=user),
        "fresh_codes": request.session.pop(FRESH_CODES_SESSION, None),
    }
    if two_factor_enabled(user=user):
        context.update(enabled=True, codes_left=recovery_codes_left(user=user), form=TwoFactorCodeForm(recovery=True))
        return render(request, "accounts/two_factor.html", context)

    key = request.session.get(ENROL_KEY_SESSION)
    if not key:
        key = request.session[ENROL_KEY_SESSION] = totp_new_key()
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = two_factor_enrol(user=user, key=key, code=form.cleaned_data["code"])
        except ValidationError as error:
            form.add_error("code", error)
        else:
            request.session.pop(ENROL_KEY_SESSION, None)
            otp_login(request, device)
            request.session[FRESH_CODES_SESSION] = codes
            messages.success(request, _("两步验证已启用。以后登录时，输入密码后还需输入身份验证器上的验证码。"))
            return redirect("accounts:two_factor")
    url = totp_config_url(user=user, key=key)
    context.update(enabled=False, form=form, qr_svg=_qr_svg(url), secret=totp_secret_text(key), config_url=url)
    return render(request, "accounts/two_factor.html", context)


def _code_checked(request) -> bool:
    """Changes to an enrolled second factor need a current code (or a recovery code)."""
    form = TwoFactorCodeForm(request.POST, recovery=True)
    if form.is_valid() and two_factor_verify(user=request.user, code=form.cleaned_data["code"]) is not None:
        return True
    messages.error(request, _("验证码不正确或已过期，未做任何更改。"))
    return False


@login_required
@require_POST
def two_factor_recovery_codes(request):
    if two_factor_enabled(user=request.user) and _code_checked(request):
        request.session[FRESH_CODES_SESSION] = recovery_codes_issue(user=request.user)
        messages.success(request, _("已生成新的恢复码，原有恢复码已作废。"))
    return redirect("accounts:two_factor")


@login_required
@require_POST
def two_factor_disable(request):
    if two_factor_required(user=request.user):
        messages.error(request, _("根据本单位规定，您的账号必须启用两步验证，不能停用。"))
    elif two_factor_enabled(user=request.user) and _code_checked(request):
        two_factor_reset(user=request.user)
        messages.success(request, _("两步验证已停用，登录时只需输入密码。"))
    return redirect("accounts:two_factor")
