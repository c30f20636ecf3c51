"""HTML and JSON leave gzip-compressed for a browser that accepts it; uploads do not."""

from __future__ import annotations

import gzip

from rest_framework.authtoken.models import Token


def test_html_page_is_gzipped_and_still_carries_a_fresh_csrf_token(world, client):
    client.force_login(world.leader)
    response = client.get("/issues/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip" and "Accept-Encoding" in response["Vary"]
    html = gzip.decompress(response.content).decode()
    assert "整改台账" in html and "X-CSRFToken" in html
    again = client.get("/issues/", HTTP_ACCEPT_ENCODING="gzip")
    # the masked token differs per response (BREACH): the page bodies never compress alike
    assert gzip.decompress(again.content) != gzip.decompress(response.content)


def test_api_json_is_gzipped(world, client):
    token = Token.objects.create(user=world.leader)
    response = client.get("/api/v1/projects/", HTTP_ACCEPT_ENCODING="gzip", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response["Content-Encoding"] == "gzip"
    assert b'"results"' in gzip.decompress(response.content)


def test_without_accept_encoding_nothing_is_compressed(world, client):
    client.force_login(world.leader)
    response = client.get("/issues/")
    assert "Content-Encoding" not in response and "整改台账" in response.content.decode()
