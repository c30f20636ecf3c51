"""Two-factor sign-in: a TOTP authenticator app (django-otp's TOTPDevice) and ten one-time
recovery codes (RecoveryCodeDevice). Optional for everyone; required of leaders and admins when
settings.DUDAO_REQUIRE_2FA_FOR_LEADERS is on. API tokens are not affected: a token is its own
credential, issued by a signed-in (and, where required, verified) user.

What callers may rely on:
- a device is only ever confirmed by a correct code from it;
- recovery codes exist only hashed; the plain codes are returned once, by the call that issues them;
- every write is atomic, and a device change moves nothing else.
"""

from __future__ import annotations

import base64
import secrets
import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from accounts.models import RecoveryCode, RecoveryCodeDevice, User

RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off paper


def two_factor_enabled(*, user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def two_factor_required(*, user: User) -> bool:
    """Leaders and admins must sign in with a second factor when the commission says so."""
    return bool(settings.DUDAO_REQUIRE_2FA_FOR_LEADERS) and user.is_authenticated and user.sees_everything


def recovery_codes_left(*, user: User) -> int:
    return RecoveryCode.objects.filter(device__user=user, used_at__isnull=True).count()


def totp_new_key() -> str:
    """A new secret for enrolment (hex, as TOTPDevice stores it). Kept by the caller (the page keeps
    it in the session) until a code proves the app has it: nothing is stored before that."""
    return default_key()


def totp_config_url(*, user: User, key: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return TOTPDevice(user=user, key=key).config_url


def totp_secret_text(key: str) -> str:
    """The secret as an authenticator app asks for it when typed in: base32, in groups of four."""
    secret = base64.b32encode(bytes.fromhex(key)).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@transaction.atomic
def recovery_codes_issue(*, user: User) -> list[str]:
    """Ten new recovery codes; the earlier ones stop working. Returns the plain codes, once."""
    RecoveryCodeDevice.objects.filter(user=user).delete()  # credentials, not user-written content
    device = RecoveryCodeDevice.objects.create(user=user, name=_("恢复码"), confirmed=True)
    codes = []
    for _n in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _i in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    RecoveryCode.objects.bulk_create(
        RecoveryCode(device=device, code_hash=RecoveryCode.hash(user_id=user.pk, code=code)) for code in codes
    )
    return codes


@transaction.atomic
def two_factor_enrol(*, user: User, key: str, code: str) -> tuple[TOTPDevice, list[str]]:
    """Turn on the second factor with the secret `key` the user's app holds, proven by a current
    code from it; any earlier authenticator is replaced and ten recovery codes are issued (returned
    in plain, once). A wrong code is a ValidationError and stores nothing."""
    digits = _digits(code)
    totp = TOTP(bytes.fromhex(key), step=30, t0=0, digits=6, drift=0)
    totp.time = time.time()
    if not digits.isdigit() or not totp.verify(int(digits), tolerance=1):
        raise ValidationError(_("验证码不正确或已过期，请输入身份验证器上当前显示的 6 位数字。"), code="invalid")
    TOTPDevice.objects.filter(user=user).delete()  # credentials, not user-written content
    # last_t: the code just used cannot sign in again (django-otp refuses a time step it has seen)
    device = TOTPDevice.objects.create(user=user, name=_("身份验证器"), key=key, confirmed=True, last_t=totp.t())
    return device, recovery_codes_issue(user=user)


def two_factor_verify(*, user: User, code: str) -> Device | None:
    """The device that accepts `code` (a 6-digit code from the app, or an unused recovery code,
    which is then used up), or None."""
    digits = _digits(code)
    if len(digits) == 6:
        for device in TOTPDevice.objects.filter(user=user, confirmed=True):
            if device.verify_token(digits):
                return device
        return None
    for device in RecoveryCodeDevice.objects.filter(user=user, confirmed=True):
        if device.verify_token(code):
            return device
    return None


@transaction.atomic
def two_factor_reset(*, user: User) -> int:
    """Remove the user's authenticator and recovery codes (an admin's reset for a lost phone, or the
    user switching it off). Returns how many devices there were."""
    totp, _details = TOTPDevice.objects.filter(user=user).delete()
    recovery = RecoveryCodeDevice.objects.filter(user=user).count()
    RecoveryCodeDevice.objects.filter(user=user).delete()
    return totp + recovery


def _digits(code: str) -> str:
    return "".join((code or "").split())
