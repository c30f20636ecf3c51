"""Persistent database connections are health-checked (issue 14, finding 12): after a database
restart a worker reconnects instead of answering one 500 per process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
PRINT_DATABASE = (
    "from django.conf import settings; import json; "
    "db = settings.DATABASES['default']; "
    "print(json.dumps({'max_age': db['CONN_MAX_AGE'], 'health_checks': db['CONN_HEALTH_CHECKS']}))"
)


def _database_settings(module: str) -> dict:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DJANGO_SECRET_KEY": "x" * 64,
        "DJANGO_ALLOWED_HOSTS": "dudao.example.gov.cn",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PRINT_DATABASE, f"--settings={module}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_keeps_connections_and_checks_them_before_reuse():
    assert _database_settings("config.settings.production") == {"max_age": 60, "health_checks": True}


def test_every_settings_module_checks_persistent_connections():
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
    assert _database_settings("config.settings.local")["health_checks"] is True
