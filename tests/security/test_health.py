"""/healthz: database and Redis status; 200 unless the database is down."""

from __future__ import annotations

import pytest
from django.db.utils import OperationalError

from core import health


@pytest.mark.django_db
def test_healthz_without_redis_configured(client, settings):
    settings.REDIS_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "redis": "not_configured", "status": "ok"}


@pytest.mark.django_db
def test_healthz_reports_redis_down_but_stays_200(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "redis": "down", "status": "degraded"}


@pytest.mark.services
@pytest.mark.django_db
def test_healthz_with_a_live_redis(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:6379/15"
    assert client.get("/healthz").json()["redis"] == "ok"


class _DeadConnection:
    vendor = "postgresql"

    def cursor(self):
        raise OperationalError("connection refused")


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_is_down(client, monkeypatch, settings):
    settings.REDIS_URL = ""
    monkeypatch.setattr(health, "connection", _DeadConnection())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "down", "redis": "not_configured", "status": "down"}


@pytest.mark.django_db
def test_healthz_needs_no_login_and_is_not_cached(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
