"""The login lockout, the login throttles and the API throttles count the real client address:
from X-Forwarded-For when a trusted proxy sent the request, from the socket otherwise. Simulated
with the test client: REMOTE_ADDR is the proxy (or an untrusted machine), the header the client."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from core.client_ip import client_ip

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"
PASSWORD = "pass-Dudao-2026"
PROXY = "10.0.0.2"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def behind_proxy(settings):
    settings.DUDAO_TRUSTED_PROXIES = ["10.0.0.0/29"]
    settings.DUDAO_PROXY_COUNT = 1


def _login(username, password, *, client_address, proxy=PROXY, client=None):
    return (client or Client()).post(
        LOGIN, {"username": username, "password": password}, REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=client_address
    )


class _Request:
    def __init__(self, **meta):
        self.META = meta


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        (PROXY, "203.0.113.5", "203.0.113.5"),  # through the proxy
        (PROXY, "192.168.1.20", "192.168.1.20"),  # an intranet client through the proxy
        (PROXY, "6.6.6.6, 203.0.113.5", PROXY),  # a header the client sent itself: not believed
        (PROXY, "garbage", PROXY),
        (PROXY, "", PROXY),
        ("10.0.0.66", "203.0.113.5", "10.0.0.66"),  # not a trusted proxy: the socket address
    ],
)
def test_the_client_address_is_believed_only_from_a_trusted_proxy(behind_proxy, remote, forwarded, expected):
    assert client_ip(_Request(REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)) == expected


def test_two_proxies_in_a_row(settings):
    settings.DUDAO_TRUSTED_PROXIES = ["10.0.0.2"]
    settings.DUDAO_PROXY_COUNT = 2  # a load balancer at 10.0.1.1, then nginx at 10.0.0.2
    assert client_ip(_Request(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.5, 10.0.1.1")) == "203.0.113.5"
    assert client_ip(_Request(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.5")) == "10.0.0.2"


def test_without_trusted_proxies_the_header_is_ignored():
    assert client_ip(_Request(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.5")) == "10.0.0.2"


def test_five_wrong_passwords_from_one_address_do_not_lock_the_leader_out_elsewhere(behind_proxy, world):
    attacker = Client()
    for attempt in range(5):
        _login("leader", f"wrong-{attempt}", client_address="203.0.113.66", client=attacker)
    assert _login("leader", PASSWORD, client_address="203.0.113.66", client=attacker).status_code == 429

    # The leader, through the same proxy, from the office.
    response = _login("leader", PASSWORD, client_address="192.168.10.7")
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_an_untrusted_machine_cannot_dodge_the_lockout_with_the_header(behind_proxy, world):
    client = Client()
    for attempt in range(5):
        _login("inspector", f"wrong-{attempt}", client_address=f"203.0.113.{attempt}", proxy="10.0.9.9", client=client)
    assert _login("inspector", PASSWORD, client_address="198.51.100.1", proxy="10.0.9.9").status_code == 429


def test_a_password_sprayed_over_many_accounts_from_one_address_is_stopped(behind_proxy, world, settings):
    settings.DUDAO_LOGIN_FAILURES_PER_ADDRESS = 6
    for n in range(6):
        response = _login(f"user{n}", "Spring2026!", client_address="203.0.113.66")
        assert response.status_code == 200 and "用户名或密码不正确" in response.content.decode()

    refused = _login("inspector", PASSWORD, client_address="203.0.113.66")
    assert refused.status_code == 429
    assert "登录尝试过于频繁" in refused.content.decode()
    # Another address behind the same proxy is not slowed.
    assert _login("inspector", PASSWORD, client_address="203.0.113.67").status_code == 302


def test_one_account_guessed_from_many_addresses_is_slowed_for_a_minute(behind_proxy, world, settings):
    import datetime as dt

    import time_machine
    from django.utils import timezone

    settings.DUDAO_LOGIN_FAILURES_PER_USER = 4
    with time_machine.travel(timezone.now().replace(second=0), tick=False) as clock:
        for n in range(4):
            assert _login("leader", "guess", client_address=f"203.0.113.{n}").status_code == 200
        assert _login("leader", PASSWORD, client_address="192.168.10.7").status_code == 429
        assert _login("inspector", PASSWORD, client_address="192.168.10.7").status_code == 302  # others sign in
        clock.shift(dt.timedelta(minutes=1))
        assert _login("leader", PASSWORD, client_address="192.168.10.7").status_code == 302


def test_the_api_throttles_each_user_and_answers_429_in_the_api_shape(behind_proxy, world, settings):
    settings.DUDAO_API_THROTTLE_RATES = {"anon": "100/minute", "user": "3/minute"}
    token = Token.objects.create(user=world.inspector)
    other = Token.objects.create(user=world.leader)
    api = Client(HTTP_AUTHORIZATION=f"Token {token.key}", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.5")
    for _ in range(3):
        assert api.get("/api/v1/projects/").status_code == 200
    response = api.get("/api/v1/projects/")
    assert response.status_code == 429
    body = response.json()["error"]
    assert body["code"] == "throttled" and "请求过于频繁" in body["message"] and body["fields"] == {}
    assert 1 <= int(response["Retry-After"]) <= 60
    # Another user from the same address is counted apart.
    colleague = Client(HTTP_AUTHORIZATION=f"Token {other.key}", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert colleague.get("/api/v1/projects/").status_code == 200


def test_guessed_tokens_are_throttled_per_real_address(behind_proxy, world, settings):
    settings.DUDAO_API_THROTTLE_RATES = {"anon": "3/minute", "user": "100/minute"}
    token = Token.objects.create(user=world.inspector)

    def call(key, address):
        return Client(HTTP_AUTHORIZATION=f"Token {key}", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=address).get(
            "/api/v1/projects/"
        )

    for n in range(3):
        assert call(f"{n:040d}", "203.0.113.66").status_code == 401
    # Refused before the key is even looked up: the right key does not tell the guesser it is right.
    response = call(token.key, "203.0.113.66")
    assert response.status_code == 429 and response.json()["error"]["code"] == "throttled"
    assert call(token.key, "203.0.113.67").status_code == 200  # someone else behind the proxy


def _subprocess_env(**extra) -> dict:
    return {**{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}, **extra}


def test_the_shared_cache_is_redis_when_redis_url_is_set():
    script = (
        "import django; django.setup(); from django.core.cache import caches; print(type(caches['shared']).__name__)"
    )
    for url, expected in (("redis://127.0.0.1:6379/9", "RedisCache"), ("", "LocMemCache")):
        env = _subprocess_env(DJANGO_SETTINGS_MODULE="config.settings.local", REDIS_URL=url)
        result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
        assert result.stdout.strip() == expected, result.stderr


@pytest.mark.django_db(transaction=True)
def test_two_processes_count_one_users_calls_together_on_redis(world, settings):
    """Another process (a second gunicorn worker) spends the user's allowance on Redis; the next
    call here is refused."""
    if not os.environ.get("REDIS_URL") or connection.vendor != "postgresql":
        pytest.skip("needs Redis (REDIS_URL) and PostgreSQL")
    redis = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["REDIS_URL"],
        "KEY_PREFIX": "dudao",
    }
    settings.CACHES = {**settings.CACHES, "shared": redis}
    settings.DUDAO_API_THROTTLE_RATES = {"anon": "100/minute", "user": "3/minute"}
    token = Token.objects.create(user=world.inspector)
    caches["shared"].delete(f"throttle_user_{world.inspector.pk}")  # an earlier run's counter
    try:
        db = connection.settings_dict
        script = textwrap.dedent(
            f"""
            import django
            django.setup()
            from django.test import Client
            client = Client(HTTP_AUTHORIZATION="Token {token.key}")
            print([client.get("/api/v1/projects/").status_code for _ in range(3)])
            """
        )
        env = _subprocess_env(
            DJANGO_SETTINGS_MODULE="config.settings.local",
            DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
            DUDAO_API_RATE_USER="3/minute",
        )
        other = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
        assert other.stdout.strip() == "[200, 200, 200]", other.stderr[-2000:]

        response = Client(HTTP_AUTHORIZATION=f"Token {token.key}").get("/api/v1/projects/")
        assert response.status_code == 429 and response.json()["error"]["code"] == "throttled"
    finally:
        caches["shared"].delete(f"throttle_user_{world.inspector.pk}")
