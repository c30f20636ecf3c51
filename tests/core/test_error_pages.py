"""The product's error pages: 400, 403, 404, 500 and the CSRF failure render on the product's layout
(header, brand, footer), in the reader's language, with a way back; the 500 page renders even when the
database is gone."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db import connection
from django.test import Client
from django.urls import path

from config.urls import urlpatterns as product_urlpatterns
from core import error_pages as errors


def _forbidden(request):
    raise PermissionDenied


def _bad(request):
    raise SuspiciousOperation("forged")


def _boom(request):
    raise RuntimeError("boom")


urlpatterns = [
    path("__test__/forbidden/", _forbidden),
    path("__test__/bad/", _bad),
    path("__test__/boom/", _boom),
    *product_urlpatterns,
]
handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error

LANGUAGES = {
    "zh-hans": {
        400: "请求有误",
        403: "无权执行此操作",
        404: "页面不存在",
        500: "系统出错了",
        "csrf": "页面已过期，提交未成功",
        "home": "返回工作台",
    },
    "en": {
        400: "Bad request",
        403: "You may not do this",
        404: "Page not found",
        500: "Something went wrong",
        "csrf": "This page has expired; nothing was saved",
        "home": "Back to my desk",
    },
}
PATHS = {400: "/__test__/bad/", 403: "/__test__/forbidden/", 404: "/no-such-page/", 500: "/__test__/boom/"}


def _client(language: str, *, user=None) -> Client:
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE=language)
    client.cookies["django_language"] = language
    if user is not None:
        client.force_login(user)
    return client


def _assert_product_layout(body: str, language: str, heading: str) -> None:
    assert f'<html lang="{language}">' in body
    assert 'class="dd-header"' in body and 'class="dd-footer"' in body and 'id="main"' in body
    assert "/static/css/app.css" in body
    assert heading in body
    assert 'href="/"' in body  # the way back home
    assert LANGUAGES[language]["home"] in body
    assert "Traceback" not in body and "urlpatterns" not in body.lower()


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("status", [400, 403, 404, 500])
def test_error_page_on_the_product_layout_in_the_readers_language(world, language, status):
    response = _client(language, user=world.inspector).get(PATHS[status])
    assert response.status_code == status
    _assert_product_layout(response.content.decode(), language, LANGUAGES[language][status])


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_csrf_failure_page_on_the_product_layout(world, language):
    client = _client(language, user=world.inspector)
    client.handler.enforce_csrf_checks = True
    response = client.post("/notifications/settings/", {}, HTTP_REFERER="http://testserver/notifications/")
    assert response.status_code == 403
    body = response.content.decode()
    _assert_product_layout(body, language, LANGUAGES[language]["csrf"])
    assert 'href="http://testserver/notifications/"' in body  # back to the page the form was on
    assert world.inspector.display_name in body  # the signed-in reader keeps the navigation


def test_404_keeps_the_navigation_of_a_signed_in_reader(world):
    body = _client("zh-hans", user=world.leader).get("/issues/999999/").content.decode()
    assert "整改台账" in body and world.leader.display_name in body


def test_500_page_needs_no_database_and_no_user(rf):
    from django.utils import translation
    from django.utils.functional import SimpleLazyObject

    def no_database(*args, **kwargs):
        raise AssertionError("the 500 page touched the database")

    request = rf.get("/issues/")
    request.user = SimpleLazyObject(no_database)  # touching the user would query the session
    with translation.override("en"), connection.execute_wrapper(no_database):
        body = errors.server_error(request).content.decode()
    _assert_product_layout(body, "en", LANGUAGES["en"][500])
