"""Two-factor sign-in (TOTP): enrolment on the security page, the code step after the password,
one-time recovery codes stored hashed, the leaders' and admins' obligation when the commission
turns it on, the admin's reset, and API tokens left as they are."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from accounts.models import RecoveryCode
from accounts.two_factor import totp_new_key, two_factor_enabled, two_factor_enrol

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"
CODE = "/accounts/login/code/"
SECURITY = "/accounts/profile/two-factor/"
PASSWORD = "pass-Dudao-2026"


def code_for(key_hex: str, *, steps_ahead: int = 0) -> str:
    """The authenticator app's code now (or `steps_ahead` 30-second steps later: the step after
    the one just used, which django-otp's tolerance accepts and its replay check does not refuse)."""
    totp = TOTP(bytes.fromhex(key_hex))
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def enrol(user) -> tuple[str, list[str]]:
    key = totp_new_key()
    _device, codes = two_factor_enrol(user=user, key=key, code=code_for(key))
    return key, codes


def password_step(client, username="leader", next_url=""):
    data = {"username": username, "password": PASSWORD}
    return client.post(LOGIN + (f"?next={next_url}" if next_url else ""), data)


# --- enrolment ---------------------------------------------------------------------------


def test_enrolment_shows_a_qr_code_and_the_secret_and_a_right_code_turns_it_on(world):
    client = Client()
    client.force_login(world.leader)
    page = client.get(SECURITY).content.decode()
    assert "<svg" in page and "<path" in page  # the QR code, drawn on the server
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', page).group(1)
    key = client.session["two_factor_enrol_key"]
    import base64

    assert base64.b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8)).hex() == key
    assert client.get(SECURITY).content.decode().count(secret) == 1  # a reload keeps the same secret
    assert not TOTPDevice.objects.exists()  # nothing stored before the code proves the app has it

    wrong = client.post(SECURITY, {"code": "000000" if code_for(key) != "000000" else "111111"})
    assert wrong.status_code == 200 and "验证码不正确或已过期" in wrong.content.decode()
    assert not two_factor_enabled(user=world.leader)

    done = client.post(SECURITY, {"code": code_for(key)}, follow=True)
    page = done.content.decode()
    assert two_factor_enabled(user=world.leader) and "两步验证已启用" in page
    codes = re.findall(r'<code class="user-select-all">([A-Z2-9]{5}-[A-Z2-9]{5})</code>', page)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert "两步验证已启用" in client.get(SECURITY).content.decode()
    assert codes[0] not in client.get(SECURITY).content.decode()  # shown once
    stored = list(RecoveryCode.objects.values_list("code_hash", flat=True))
    assert len(stored) == 10 and not any(code.replace("-", "") in h or code in h for code in codes for h in stored)
    assert client.session.get("otp_device_id")  # this session is verified by the device it enrolled


def test_enrolment_is_in_english_too(world):
    client = Client()
    client.force_login(world.inspector)
    client.post("/i18n/setlang/", {"language": "en", "next": SECURITY})
    page = client.get(SECURITY).content.decode()
    assert "Step 1: add the account on your phone" in page and "Turn on two-step verification" in page
    assert "第一步" not in page


# --- signing in --------------------------------------------------------------------------


def test_with_a_device_the_password_alone_does_not_sign_in(world):
    key, _codes = enrol(world.leader)
    client = Client()
    response = password_step(client, next_url="/notifications/")
    assert response.status_code == 302 and response["Location"] == CODE
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302  # not signed in
    page = client.get(CODE).content.decode()
    assert "陈书记" in page and "验证码" in page

    refused = client.post(CODE, {"code": "12345"})
    assert refused.status_code == 200 and "验证码不正确" in refused.content.decode()
    assert "_auth_user_id" not in client.session

    time.sleep(1.1)  # django-otp makes the next try after a failure wait a second
    signed = client.post(CODE, {"code": code_for(key, steps_ahead=1)})
    assert signed.status_code == 302 and signed["Location"] == "/notifications/"
    assert client.session["_auth_user_id"] == str(world.leader.pk) and client.session.get("otp_device_id")
    assert client.get("/").status_code == 200


def test_a_code_once_used_cannot_sign_in_again(world):
    key, _codes = enrol(world.leader)
    used = code_for(key)  # the enrolment used this time step
    client = Client()
    password_step(client)
    assert client.post(CODE, {"code": used}).status_code == 200
    assert "_auth_user_id" not in client.session


def test_repeated_wrong_codes_are_slowed(world):
    key, _codes = enrol(world.leader)
    client = Client()
    password_step(client)
    right = code_for(key, steps_ahead=1)
    wrong = "000000" if right != "000000" else "111111"
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(3):  # three failures, each after the previous wait: the next waits 4 s
            assert client.post(CODE, {"code": wrong}).status_code == 200
            clock.shift(dt.timedelta(seconds=3))
        assert client.post(CODE, {"code": right}).status_code == 200  # the right code, too soon
        clock.shift(dt.timedelta(seconds=2))
        assert client.post(CODE, {"code": right}).status_code == 302


def test_a_recovery_code_signs_in_once(world):
    _key, codes = enrol(world.leader)
    first = Client()
    password_step(first)
    response = first.post(CODE, {"code": codes[3].lower()}, follow=True)
    assert response.redirect_chain[-1][0] == "/" and "还剩 9 个" in response.content.decode()

    again = Client()
    password_step(again)
    assert again.post(CODE, {"code": codes[3]}).status_code == 200
    assert "_auth_user_id" not in again.session


def test_the_code_step_expires_and_needs_the_password_again(world):
    key, _codes = enrol(world.leader)
    client = Client()
    with time_machine.travel(timezone.now(), tick=True) as clock:
        password_step(client)
        clock.shift(dt.timedelta(minutes=6))
        response = client.post(CODE, {"code": code_for(key, steps_ahead=1)})
    assert response.status_code == 302 and response["Location"] == LOGIN
    assert "_auth_user_id" not in client.session


def test_without_a_device_the_password_signs_in_as_before(world):
    client = Client()
    assert password_step(client, "inspector")["Location"] == "/"


# --- managing it --------------------------------------------------------------------------


def test_new_recovery_codes_need_a_current_code_and_void_the_old_ones(world):
    key, old = enrol(world.inspector)
    client = Client()
    client.force_login(world.inspector)
    client.post("/accounts/profile/two-factor/recovery-codes/", {"code": "123456"})
    assert RecoveryCode.objects.filter(device__user=world.inspector).count() == 10
    page = client.post("/accounts/profile/two-factor/recovery-codes/", {"code": old[0]}, follow=True)
    new = re.findall(r'<code class="user-select-all">([A-Z2-9]{5}-[A-Z2-9]{5})</code>', page.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    login = Client()
    password_step(login, "inspector")
    with time_machine.travel(timezone.now(), tick=True) as clock:
        assert login.post(CODE, {"code": old[1]}).status_code == 200  # voided
        clock.shift(dt.timedelta(seconds=2))  # the wait after a failure
        assert login.post(CODE, {"code": new[0]}).status_code == 302


def test_switching_it_off_needs_a_code_and_is_refused_where_it_is_required(world, settings):
    key, codes = enrol(world.inspector)
    client = Client()
    client.force_login(world.inspector)
    client.post("/accounts/profile/two-factor/disable/", {"code": "000000"})
    assert two_factor_enabled(user=world.inspector)
    client.post("/accounts/profile/two-factor/disable/", {"code": codes[0]})
    assert not two_factor_enabled(user=world.inspector)

    settings.DUDAO_REQUIRE_2FA_FOR_LEADERS = True
    _key, codes = enrol(world.leader)
    leader = Client()
    password_step(leader)
    leader.post(CODE, {"code": codes[0]})
    response = leader.post("/accounts/profile/two-factor/disable/", {"code": codes[1]}, follow=True)
    assert two_factor_enabled(user=world.leader) and "不能停用" in response.content.decode()


def test_the_admin_resets_a_lost_phone(world):
    _key, codes = enrol(world.leader)
    admin = Client()
    admin.force_login(world.admin)
    response = admin.post(
        "/admin/accounts/user/", {"action": "reset_two_factor", "_selected_action": [world.leader.pk]}, follow=True
    )
    assert "已重置 1 个用户的两步验证" in response.content.decode()
    assert not two_factor_enabled(user=world.leader) and not RecoveryCode.objects.exists()
    assert password_step(Client())["Location"] == "/"


# --- required of leaders and admins -------------------------------------------------------


@pytest.fixture
def required(settings):
    settings.DUDAO_REQUIRE_2FA_FOR_LEADERS = True


@pytest.mark.parametrize("role", ["leader", "admin"])
def test_a_leader_without_a_device_is_sent_to_enrolment_and_nowhere_else(world, required, role):
    client = Client()
    assert password_step(client, role)["Location"] == "/"
    for url in ("/", "/issues/", "/accounts/profile/", "/notifications/", "/admin/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == SECURITY, url
    page = client.get(SECURITY).content.decode()
    assert "须启用两步验证后才能继续使用系统" in page
    api = client.get("/api/v1/issues/")
    assert api.status_code == 403 and api.json()["error"]["code"] == "two_factor_required"

    key = client.session["two_factor_enrol_key"]
    client.post(SECURITY, {"code": code_for(key)})
    assert client.get("/").status_code == 200 and client.get("/api/v1/issues/").status_code == 200


def test_a_leader_session_without_the_code_is_sent_to_the_code_step(world, required):
    key, _codes = enrol(world.leader)
    client = Client()
    client.force_login(world.leader)  # signed in before the rule, say
    assert client.get("/issues/")["Location"] == CODE
    assert client.post(CODE, {"code": code_for(key, steps_ahead=1)})["Location"] == "/"
    assert client.get("/issues/").status_code == 200


def test_others_are_not_held_and_api_tokens_are_unchanged(world, required):
    client = Client()
    password_step(client, "lead_liaison")
    assert client.get("/").status_code == 200
    token = Token.objects.create(user=world.leader)
    api = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/v1/issues/").status_code == 200


def test_no_admin_page_shows_an_authenticators_secret(world):
    from django.contrib import admin

    assert not admin.site.is_registered(TOTPDevice)
    admin_client = Client()
    admin_client.force_login(world.admin)
    assert admin_client.get("/admin/otp_totp/totpdevice/").status_code == 404
