"""Personal API tokens from the profile page: issue, shown once, usable, revocable at once."""

from __future__ import annotations

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


def _api(key: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/v1/issues/")


def test_issue_show_once_use_and_revoke(world, client):
    client.force_login(world.lead_liaison)
    response = client.post("/accounts/profile/api-token/", follow=True)
    token = Token.objects.get(user=world.lead_liaison)
    page = response.content.decode()
    assert token.key in page  # shown in full right after issuing
    assert _api(token.key).status_code == 200

    again = client.get("/accounts/profile/").content.decode()
    assert token.key not in again and token.key[:6] in again  # afterwards only its start

    client.post("/accounts/profile/api-token/revoke/")
    assert not Token.objects.filter(user=world.lead_liaison).exists()
    assert _api(token.key).status_code == 401  # at once, although the token was cached


def test_regenerating_replaces_the_old_token(world, client):
    client.force_login(world.inspector)
    client.post("/accounts/profile/api-token/")
    old = Token.objects.get(user=world.inspector).key
    assert _api(old).status_code == 200
    client.post("/accounts/profile/api-token/")
    new = Token.objects.get(user=world.inspector).key
    assert new != old
    assert _api(old).status_code == 401
    assert _api(new).status_code == 200


def test_token_views_need_login_and_post(world, client):
    assert client.post("/accounts/profile/api-token/").status_code == 302
    assert not Token.objects.exists()
    client.force_login(world.inspector)
    assert client.get("/accounts/profile/api-token/").status_code == 405
    assert not Token.objects.exists()


def test_profile_shows_the_token_card(world, client):
    client.force_login(world.leader)
    page = client.get("/accounts/profile/").content.decode()
    assert 'id="api-tokens"' in page and "生成令牌" in page
