"""Login page: Chinese errors, keeps the username typed, logout by POST, anonymous redirected."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_login_page_renders_in_chinese(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "用户登录" in html
    assert "vendor/bootstrap/css/bootstrap.min.css" in html
    assert "<script>" not in html  # no inline script (CSP later)


def test_wrong_password_shows_chinese_error_and_keeps_username(client, world):
    response = client.post(reverse("accounts:login"), {"username": "inspector", "password": "wrong"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "用户名或密码不正确" in html
    assert 'value="inspector"' in html


def test_empty_fields_show_required_errors(client):
    response = client.post(reverse("accounts:login"), {"username": "", "password": ""})
    html = response.content.decode()
    assert "请输入用户名。" in html
    assert "请输入密码。" in html
    assert "is-invalid" in html


def test_login_then_home(client, world):
    response = client.post(
        reverse("accounts:login"), {"username": "inspector", "password": "pass-Dudao-2026"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "张督导" in response.content.decode()


def test_logout_needs_post(client, world):
    client.force_login(world.inspector)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.parametrize("name", ["home", "profile"])
def test_anonymous_is_sent_to_login(client, name):
    url = reverse(name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
