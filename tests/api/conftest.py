"""API test helpers: a client per role of the `world`, authenticated with a real token."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

# The seven roles every endpoint is called as (the brief's matrix), by World attribute.
ROLES = ["anonymous", "inspector", "other_inspector", "lead_liaison", "other_liaison", "leader", "admin"]


@pytest.fixture
def client_as(world):
    def make(role: str) -> APIClient:
        client = APIClient()
        if role != "anonymous":
            token, _ = Token.objects.get_or_create(user=getattr(world, role))
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "fields"}, body
    assert body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code, body
    return body["error"]
