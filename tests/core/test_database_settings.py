"""Persistent database connections are health-checked (issue 14, finding 12): after a database
restart a worker reconnects instead of answering one 500 per process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
PRINT_DATABASE = (
    "from django.conf import settings; import json; "
    "db = settings.DATABASES['default']; "
    "print(json.dumps({'max_age': db['CONN_MAX_AGE'], 'health_checks': db['CONN_HEALTH_CHECKS']}))"
)


def _printed(code: str, *arguments: str, env: dict[str, str]):
    """What `code` prints as JSON on its last line, run by `manage.py shell` in a new process."""
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code, *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def _database_settings(module: str) -> dict:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DJANGO_SECRET_KEY": "x" * 64,
        "DJANGO_ALLOWED_HOSTS": "dudao.example.gov.cn",
    }
    return _printed(PRINT_DATABASE, f"--settings={module}", env=env)


def test_production_keeps_connections_and_checks_them_before_reuse():
    assert _database_settings("config.settings.production") == {"max_age": 60, "health_checks": True}


def test_every_settings_module_checks_persistent_connections():
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
    assert _database_settings("config.settings.local")["health_checks"] is True


# The session options of the app's PostgreSQL connections (config/settings/base.py): no parallel
# workers, no JIT (their start-up cost 15 ms of the city's 20 ms rollup read), random page reads
# priced as on SSD (bench/README.md).
SHOW_SESSION = (
    "from django.db import connection; import json; cursor = connection.cursor(); shown = []\n"
    "for name in ('max_parallel_workers_per_gather', 'jit', 'random_page_cost'):\n"
    "    cursor.execute('SHOW ' + name); shown.append(cursor.fetchone()[0])\n"
    "print(json.dumps(shown))"
)


def _session(**env_overrides: str) -> list[str]:
    """SHOW the three options in a new process connected to this test run's database."""
    from django.db import connection

    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return _printed(SHOW_SESSION, env={**os.environ, "DATABASE_URL": url, **env_overrides})


def test_postgresql_sessions_run_without_parallel_workers_or_jit_and_price_ssd_reads(db):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's session options: this run is on SQLite")
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] == "0"
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
        cursor.execute("SHOW random_page_cost")
        assert cursor.fetchone()[0] == "1.1"


def test_postgresql_session_options_can_be_handed_back_to_the_server(db):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's session options: this run is on SQLite")
    # A new process with the variable empty takes the server's defaults; one with options its own.
    assert _session(DUDAO_PG_SESSION_OPTIONS="") != ["0", "off", "1.1"]
    parallel, jit, page_cost = _session(DUDAO_PG_SESSION_OPTIONS="-c max_parallel_workers_per_gather=1 -c jit=off")
    assert [parallel, jit] == ["1", "off"] and page_cost != "1.1"
