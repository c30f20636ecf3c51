"""Production settings pass Django's deployment checks; every page carries the security headers;
logs are JSON lines with the request id."""

from __future__ import annotations

import io
import json
import logging
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from core.logging import RequestIDFilter

ROOT = Path(__file__).resolve().parents[2]


def _database_url(tmp_path) -> str:
    """The test database when it is PostgreSQL; otherwise a migrated scratch SQLite file (the
    API schema generation behind one deploy check reads the database)."""
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    url = f"sqlite:///{tmp_path / 'deploy.sqlite3'}"
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0", "--settings=config.settings.local"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        check=True,
        capture_output=True,
        timeout=300,
    )
    return url


def _run(args, *, secret, tmp_path, db_url):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DJANGO_SECRET_KEY": secret,
        "DJANGO_ALLOWED_HOSTS": "dudao.example.gov.cn",
        "DATABASE_URL": db_url,
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args, "--settings=config.settings.production"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.django_db
def test_check_deploy_passes_with_production_settings_and_a_real_secret(tmp_path):
    db_url = _database_url(tmp_path)
    good = _run(
        ["check", "--deploy", "--fail-level", "WARNING"],
        secret=secrets.token_urlsafe(64),
        tmp_path=tmp_path,
        db_url=db_url,
    )
    assert good.returncode == 0, good.stdout + good.stderr

    # The same check refuses a weak secret, so the pass above is not vacuous.
    weak = _run(
        ["check", "--deploy", "--fail-level", "WARNING"], secret="short-secret", tmp_path=tmp_path, db_url=db_url
    )
    assert weak.returncode != 0 and "security.W009" in weak.stderr


def test_production_refuses_to_start_without_a_secret(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env["DJANGO_ALLOWED_HOSTS"] = "dudao.example.gov.cn"
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--settings=config.settings.production"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0 and "DJANGO_SECRET_KEY" in result.stderr


def test_production_values(tmp_path):
    probe = (
        "import json; from django.conf import settings as s;"
        "print(json.dumps({'debug': s.DEBUG, 'hsts': s.SECURE_HSTS_SECONDS, 'ssl': s.SECURE_SSL_REDIRECT,"
        "'session_secure': s.SESSION_COOKIE_SECURE, 'csrf_secure': s.CSRF_COOKIE_SECURE,"
        "'referrer': s.SECURE_REFERRER_POLICY, 'log': s.LOGGING['handlers']['console']['formatter'],"
        "'script_src': s.CONTENT_SECURITY_POLICY['DIRECTIVES']['script-src']}))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="dudao.example.gov.cn",
        DJANGO_SETTINGS_MODULE="config.settings.production",
    )
    out = (
        subprocess.run(
            [sys.executable, "-c", f"import django; django.setup(); {probe}"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    values = json.loads(out)
    assert values == {
        "debug": False,
        "hsts": 31536000,
        "ssl": True,
        "session_secure": True,
        "csrf_secure": True,
        "referrer": "same-origin",
        "log": "json",
        "script_src": ["'self'"],
    }


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/accounts/login/", "/accounts/profile/", "/admin/login/"])
def test_pages_carry_csp_and_security_headers(client, world, path):
    client.force_login(world.inspector)
    response = client.get(path)
    assert response.status_code in (200, 302)
    csp = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";") if part.strip())
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"  # no inline or eval'd script
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_response_carries_a_request_id_and_reuses_a_sane_incoming_one(client):
    generated = client.get("/accounts/login/")["X-Request-ID"]
    assert len(generated) == 32
    assert client.get("/accounts/login/", HTTP_X_REQUEST_ID="proxy-abc-12345")["X-Request-ID"] == "proxy-abc-12345"
    forged = client.get("/accounts/login/", HTTP_X_REQUEST_ID="bad id\nINFO fake log line")["X-Request-ID"]
    assert forged != "bad id\nINFO fake log line" and len(forged) == 32


@pytest.mark.django_db
def test_json_log_lines_carry_the_request_id(client):
    from pythonjsonlogger.json import JsonFormatter

    config = settings.LOGGING["formatters"]["json"]
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIDFilter())
    handler.setFormatter(JsonFormatter(config["fmt"], rename_fields=config["rename_fields"], json_ensure_ascii=False))
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        client.get("/no-such-page/", HTTP_X_REQUEST_ID="req-json-000001")
    finally:
        logger.removeHandler(handler)
    line = json.loads(stream.getvalue().splitlines()[-1])
    assert line["request_id"] == "req-json-000001"
    assert line["level"] == "WARNING" and line["logger"] == "django.request"
