"""Every string of the admin in Chinese, django-axes' section included (it ships no Chinese catalog:
locale/zh_Hans translates it; accounts/axes_config.py names the app and its two derived columns)."""

from __future__ import annotations

import re

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog

AXES_ENGLISH = [
    "Axes",
    "Access attempts",
    "Access logs",
    "Access failures",
    "User Agent",
    "IP Address",
    "Attempt Time",
    "Failed Logins",
    "Expiration",
    "Status",
    "Not set",
    "Attempt Remaining",
    "Locked Out",
    "Form Data",
    "Meta Data",
    "GET Data",
    "POST Data",
    "Clean up expired attempts",
    "Logout Time",
    "Path",
]


def _visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.fixture
def axes_rows(world):
    attempt = AccessAttempt.objects.create(
        user_agent="Mozilla",
        ip_address="10.0.0.1",
        username="inspector",
        http_accept="*/*",
        path_info="/accounts/login/",
        get_data="",
        post_data="",
        failures_since_start=2,
    )
    AccessLog.objects.create(
        user_agent="Mozilla", ip_address="10.0.0.1", username="inspector", http_accept="*/*", path_info="/"
    )
    AccessFailureLog.objects.create(
        user_agent="Mozilla",
        ip_address="10.0.0.1",
        username="inspector",
        http_accept="*/*",
        path_info="/",
        locked_out=False,
    )
    return attempt


def test_axes_admin_pages_are_in_chinese(world, client, axes_rows):
    client.force_login(world.admin)
    pages = [
        "/admin/",
        "/admin/axes/",
        "/admin/axes/accessattempt/",
        f"/admin/axes/accessattempt/{axes_rows.pk}/change/",
        "/admin/axes/accesslog/",
        "/admin/axes/accessfailurelog/",
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        text = _visible_text(response.content.decode())
        assert "登录防护" in text or path != "/admin/", path
        left = [word for word in AXES_ENGLISH if re.search(rf"\b{re.escape(word)}\b", text)]
        assert left == [], (path, left)
    listing = _visible_text(client.get("/admin/axes/accessattempt/").content.decode())
    assert "登录尝试" in listing and "状态" in listing and "3 次尝试机会" in listing
