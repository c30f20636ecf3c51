"""Two-step sign-in in real Chromium: a leader enrols an authenticator from the profile page (the
code computed here from the secret the page shows, as the phone app would), signs out, signs in
with a code, and — once the commission requires it — cannot get past the code step without one.
Screenshots of the enrolment page at 1280 and 375 px go to test-artifacts/."""

from __future__ import annotations

import base64
import time

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from tests.e2e.conftest import DEMO_PASSWORD, PHONE

pytestmark = pytest.mark.django_db(transaction=True)
WIDE = {"width": 1280, "height": 900}


def _code(secret_text: str, *, steps_ahead: int = 0) -> str:
    secret = secret_text.replace(" ", "")
    totp = TOTP(base64.b32decode(secret + "=" * (-len(secret) % 8)))
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def _password(page, base_url: str, username: str = "leader") -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")


def _no_horizontal_overflow(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_a_leader_enrols_signs_out_and_signs_in_with_the_code(world, browser, live_server, settings):
    base = live_server.url
    page = browser.open_as("leader", viewport=WIDE)
    page.goto(f"{base}/accounts/profile/")
    page.click("#two-factor a")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/accounts/profile/two-factor/")
    assert page.locator(".dd-qr svg").is_visible() and "第一步：在手机上添加账号" in page.content()
    browser.shot(page, "two-factor-enrol-1280")

    phone = browser.open_as("leader", viewport=PHONE)
    phone.goto(f"{base}/accounts/profile/two-factor/")
    phone.wait_for_load_state("networkidle")
    assert phone.locator(".dd-qr svg").is_visible() and phone.locator("input[name=code]").is_visible()
    _no_horizontal_overflow(phone)
    qr_box = phone.locator(".dd-qr").bounding_box()
    assert qr_box["width"] >= 150 and qr_box["x"] >= 0 and qr_box["x"] + qr_box["width"] <= PHONE["width"]
    browser.shot(phone, "two-factor-enrol-375")

    secret = page.locator("[data-testid=totp-secret]").inner_text()
    page.fill("input[name=code]", "000000" if _code(secret) != "000000" else "111111")
    page.click("main form button[type=submit]")
    # The refusal is a new page: wait for its text rather than read a document still loading.
    expect(page.locator("body")).to_contain_text("验证码不正确或已过期")
    page.fill("input[name=code]", _code(secret))
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "两步验证已启用" in page.content()
    codes = page.locator("[data-testid=recovery-codes] code").all_inner_texts()
    assert len(codes) == 10
    browser.shot(page, "two-factor-enabled-1280")

    # Sign out through the user menu, then sign in again: the password is not enough.
    page.click("header .dropdown-toggle:has(.bi-person-circle)")
    page.click("header form[action='/accounts/logout/'] button")
    page.wait_for_load_state("networkidle")
    assert "/accounts/login/" in page.url
    _password(page, base)
    assert page.url.endswith("/accounts/login/code/") and "请输入验证码完成登录" in page.content()
    page.fill("input[name=code]", _code(secret, steps_ahead=1))  # the step after the one enrolment used
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.url == f"{base}/" and "陈书记" in page.content()

    # The commission turns the rule on: without a code a leader goes nowhere.
    settings.DUDAO_REQUIRE_2FA_FOR_LEADERS = True
    other = browser.anonymous(viewport=WIDE)
    _password(other, base)
    assert other.url.endswith("/accounts/login/code/")
    other.goto(f"{base}/issues/")
    assert "/accounts/login/" in other.url and "整改台账" not in other.title()
    _password(other, base)
    other.fill("input[name=code]", "123456" if _code(secret) != "123456" else "654321")
    other.click("main form button[type=submit]")
    expect(other.locator("body")).to_contain_text("验证码不正确")
    assert other.url.endswith("/accounts/login/code/")
    other.goto(f"{base}/")
    assert "/accounts/login/" in other.url
    browser.shot(other, "two-factor-code-refused-1280")

    # A recovery code gets the leader in, once.
    time.sleep(1.1)  # django-otp's wait after a failure
    _password(other, base)
    other.fill("input[name=code]", codes[0])
    other.click("main form button[type=submit]")
    other.wait_for_load_state("networkidle")
    assert other.url == f"{base}/" and "还剩 9 个" in other.content()
