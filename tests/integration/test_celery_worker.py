"""End to end through a real Celery worker: the beat task is sent by name to the real Redis, a
worker subprocess runs it against the real PostgreSQL test database, the scan writes the
notification, the delivery task (queued on commit) claims and sends it, and the row ends up sent.

Needs REDIS_URL and PostgreSQL (DATABASE_URL). Without them it is skipped with the reason, unless
DUDAO_REQUIRE_SERVICES is set (as in CI), which turns the skip into a failure.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from issues.models import IssueStatus
from notifications.models import EmailStatus, Notification, NotificationKind
from tests.factories import IssueFactory

pytestmark = pytest.mark.services

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 60


def _required() -> bool:
    return os.environ.get("DUDAO_REQUIRE_SERVICES", "") not in ("", "0", "false", "False")


def _skip_or_fail(reason: str) -> None:
    if _required():
        pytest.fail(f"DUDAO_REQUIRE_SERVICES is set but {reason}")
    pytest.skip(reason)


def _redis_url() -> str:
    base = os.environ.get("REDIS_URL", "")
    if not base:
        _skip_or_fail("REDIS_URL is not set: the Celery integration test needs a real Redis")
    # The suite's own Redis database (config/settings/test.py), where the services queue too.
    url = settings.CELERY_BROKER_URL
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except Exception as error:  # noqa: BLE001 - any failure means "no Redis here"
        _skip_or_fail(f"Redis at {url} is not reachable: {error}")
    return url


def _database_url() -> str:
    if connection.vendor != "postgresql":
        _skip_or_fail("the suite runs on SQLite: a worker process needs the PostgreSQL test database")
    db = connection.settings_dict
    auth = quote(db["USER"] or "")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{db['NAME']}"


@pytest.fixture
def worker(tmp_path):
    """A real worker process (solo pool) on the suite's Redis database and the test database, emails to files."""
    redis_url = _redis_url()
    database_url = _database_url()
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    # Settings for the worker only: the development settings plus a file email backend.
    (tmp_path / "worker_settings.py").write_text(
        "from config.settings.local import *  # noqa\n"
        "EMAIL_BACKEND = 'django.core.mail.backends.filebased.EmailBackend'\n"
        f"EMAIL_FILE_PATH = {str(outbox)!r}\n"
        "DEBUG = False\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO), os.environ.get("PYTHONPATH", "")]),
        "DJANGO_SETTINGS_MODULE": "worker_settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DUDAO_BASE_URL": "https://dudao.test",
    }
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config.celery_app",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--purge",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--hostname",
            f"dudao-test-{os.getpid()}@%h",
        ],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        # Wait until the worker consumes (it purges stale messages first, which would eat ours).
        started = time.monotonic()
        while "ready." not in (tmp_path / "worker.log").read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() - started > TIMEOUT:
                pytest.fail(
                    "the Celery worker did not start:\n" + (tmp_path / "worker.log").read_text(errors="replace")
                )
            time.sleep(0.2)
        yield {"redis_url": redis_url, "outbox": outbox, "log": tmp_path / "worker.log", "process": process}
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)  # the worker's own process group
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        log.close()


@pytest.mark.django_db(transaction=True)
def test_the_deadline_alert_beat_task_delivers_an_email_through_a_real_worker(world, worker):
    from celery import Celery

    today = timezone.localdate()
    issue = IssueFactory(
        project=world.project,
        lead_department=world.lead_department,
        handed_off_by=world.inspector,
        status=IssueStatus.IN_PROGRESS,
        sign_deadline=today - dt.timedelta(days=20),
        rectification_deadline=today - dt.timedelta(days=2),
    )
    task_name = settings.CELERY_BEAT_SCHEDULE["issues-deadline-alerts"]["task"]
    # A plain producer on the same broker: the scheduling path is what beat does, not eager mode.
    # set_as_current=False: shared tasks elsewhere in this process must keep publishing via the real app.
    producer = Celery("dudao-test-producer", broker=worker["redis_url"], set_as_current=False)
    try:
        producer.send_task(task_name)
    finally:
        producer.close()

    deadline = time.monotonic() + TIMEOUT
    row = None
    while time.monotonic() < deadline:
        if worker["process"].poll() is not None:
            break
        row = Notification.objects.filter(
            kind=NotificationKind.OVERDUE, target_id=issue.pk, recipient=world.lead_liaison
        ).first()
        if row is not None and row.email_status == EmailStatus.SENT:
            break
        time.sleep(0.5)
    log = worker["log"].read_text(errors="replace")
    assert row is not None, f"no notification written by the worker; worker log:\n{log[-4000:]}"
    assert row.email_status == EmailStatus.SENT, f"email not sent ({row.email_status}); worker log:\n{log[-4000:]}"
    assert row.email_attempts == 1 and row.email_sent_at is not None
    # The inspector who handed it off was alerted too (same scan, his own row).
    assert Notification.objects.filter(
        kind=NotificationKind.OVERDUE, target_id=issue.pk, recipient=world.inspector
    ).exists()
    mails = "".join(path.read_text(errors="replace") for path in worker["outbox"].iterdir())
    assert issue.code in mails and "lead_liaison@example.gov.cn" in mails
