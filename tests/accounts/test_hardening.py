"""Account hardening: login throttling, session rotation and inactivity timeout, sign-out
everywhere on deactivation, password rules."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.services import user_deactivate

LOGIN = "/accounts/login/"
PASSWORD = "pass-Dudao-2026"


def _login(client, username, password, ip="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.mark.django_db
def test_after_five_wrong_passwords_the_sixth_attempt_is_locked_out_even_with_the_right_password(client, world):
    for attempt in range(4):
        response = _login(client, "inspector", f"wrong-{attempt}")
        assert response.status_code == 200, attempt
        assert "用户名或密码不正确" in response.content.decode()
    # The fifth failure locks the account for this address and says so.
    assert _login(client, "inspector", "wrong-4").status_code == 429

    response = _login(client, "inspector", PASSWORD)

    assert response.status_code == 429
    page = response.content.decode()
    assert "登录已被暂时锁定" in page and "15 分钟" in page
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_lockout_is_per_user_and_address(world):
    attacker = Client()
    for attempt in range(6):
        _login(attacker, "inspector", f"wrong-{attempt}", ip="10.0.0.66")
    assert _login(attacker, "inspector", PASSWORD, ip="10.0.0.66").status_code == 429

    # The same person from their own office address, and a colleague behind the attacker's address.
    assert _login(Client(), "inspector", PASSWORD, ip="10.0.0.7").status_code == 302
    assert _login(Client(), "leader", PASSWORD, ip="10.0.0.66").status_code == 302


@pytest.mark.django_db
def test_lockout_ends_after_fifteen_minutes(world):
    client = Client()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for attempt in range(5):
            _login(client, "inspector", f"wrong-{attempt}")
        clock.shift(dt.timedelta(minutes=16))
        assert _login(client, "inspector", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_attempts_during_the_lockout_restart_the_cool_off(world):
    client = Client()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for attempt in range(5):
            _login(client, "inspector", f"wrong-{attempt}")
        clock.shift(dt.timedelta(minutes=10))
        assert _login(client, "inspector", "guess").status_code == 429
        clock.shift(dt.timedelta(minutes=10))  # 20 minutes after the lockout, 10 after the guess
        assert _login(client, "inspector", PASSWORD).status_code == 429
        clock.shift(dt.timedelta(minutes=16))
        assert _login(client, "inspector", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_forged_forwarded_for_header_does_not_dodge_the_lockout(world):
    client = Client()
    for attempt in range(5):
        client.post(
            LOGIN,
            {"username": "inspector", "password": f"wrong-{attempt}"},
            REMOTE_ADDR="10.0.0.66",
            HTTP_X_FORWARDED_FOR=f"1.2.3.{attempt}",
        )
    response = client.post(
        LOGIN, {"username": "inspector", "password": PASSWORD}, REMOTE_ADDR="10.0.0.66", HTTP_X_FORWARDED_FOR="9.9.9.9"
    )
    assert response.status_code == 429


@pytest.mark.django_db
def test_login_starts_a_new_session(client, world):
    session = client.session
    session["before_login"] = "x"
    session.save()
    anonymous_key = session.session_key

    assert _login(client, "inspector", PASSWORD).status_code == 302

    assert client.session.session_key != anonymous_key
    assert not Session.objects.filter(session_key=anonymous_key).exists()


@pytest.mark.django_db
def test_two_idle_hours_sign_a_user_out_but_activity_keeps_the_session(client, world):
    assert settings.SESSION_COOKIE_AGE == 2 * 60 * 60
    with time_machine.travel(timezone.now(), tick=False) as clock:
        _login(client, "inspector", PASSWORD)
        clock.shift(dt.timedelta(minutes=100))
        assert client.get("/accounts/profile/").status_code == 200  # activity pushes the expiry on
        clock.shift(dt.timedelta(minutes=100))
        assert client.get("/accounts/profile/").status_code == 200
        clock.shift(dt.timedelta(hours=2, minutes=1))
        response = client.get("/accounts/profile/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


@pytest.mark.django_db
def test_reading_pages_rewrites_the_session_at_most_once_a_minute(client, world):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        _login(client, "inspector", PASSWORD)
        client.get("/accounts/profile/")
        session = Session.objects.get(session_key=client.session.session_key)
        for _ in range(3):
            client.get("/accounts/profile/")
        assert Session.objects.get(pk=session.pk).expire_date == session.expire_date  # no write
        clock.shift(dt.timedelta(seconds=61))
        client.get("/accounts/profile/")
        assert Session.objects.get(pk=session.pk).expire_date == session.expire_date + dt.timedelta(seconds=61)


@pytest.mark.django_db
def test_deactivation_signs_the_user_out_everywhere(world):
    office, phone, colleague = Client(), Client(), Client()
    for client in (office, phone):
        assert _login(client, "lead_liaison", PASSWORD).status_code == 302
    _login(colleague, "assist_liaison", PASSWORD)
    token = Token.objects.create(user=world.lead_liaison)

    user_deactivate(user=world.lead_liaison)

    for client in (office, phone):
        response = client.get("/accounts/profile/")
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert colleague.get("/accounts/profile/").status_code == 200
    assert not Token.objects.filter(key=token.key).exists()
    world.lead_liaison.refresh_from_db()
    assert world.lead_liaison.is_active is False
    assert _login(Client(), "lead_liaison", PASSWORD).status_code == 200  # refused at the form


@pytest.mark.django_db
def test_admin_deactivation_action_and_form_sign_the_user_out(world):
    victim, other = Client(), Client()
    _login(victim, "lead_liaison", PASSWORD)
    _login(other, "assist_liaison", PASSWORD)
    admin = Client()
    admin.force_login(world.admin)

    response = admin.post(
        "/admin/accounts/user/",
        {"action": "deactivate_users", "_selected_action": [world.lead_liaison.pk]},
    )
    assert response.status_code == 302
    assert victim.get("/accounts/profile/").status_code == 302
    assert other.get("/accounts/profile/").status_code == 200


@pytest.mark.django_db
def test_a_session_of_a_user_made_inactive_any_other_way_stops_working(client, world):
    _login(client, "inspector", PASSWORD)
    type(world.inspector).objects.filter(pk=world.inspector.pk).update(is_active=False)
    response = client.get("/accounts/profile/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


@pytest.mark.django_db
def test_admin_cannot_hard_delete_users_or_departments(world):
    admin = Client()
    admin.force_login(world.admin)
    assert admin.get(f"/admin/accounts/user/{world.other_liaison.pk}/delete/").status_code == 403
    assert admin.get(f"/admin/accounts/department/{world.other_department.pk}/delete/").status_code == 403


@pytest.mark.parametrize("password", ["12345678", "password", "short", "inspector1"])
@pytest.mark.django_db
def test_weak_passwords_are_refused(world, password):
    with pytest.raises(ValidationError):
        validate_password(password, user=world.inspector)


@pytest.mark.django_db
def test_a_strong_password_is_accepted(world):
    validate_password("Zhaotong-督导-2026!", user=world.inspector)
