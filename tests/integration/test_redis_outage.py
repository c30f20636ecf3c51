"""Fault test: Redis (the Celery broker) goes away while people work, then comes back.

While it is down, pages answer 200, /healthz says {"redis": "down"} with status 200, and a write
that notifies (a leader's instruction) still succeeds: its emails wait in the database as pending
rows. Once Redis is back, the outbox sweep (notifications.tasks.requeue_stale_emails, on beat)
queues them, a real worker delivers each exactly once, and a second sweep sends nothing.

The test runs its own redis-server on a free port and stops/starts that one — never the shared
server. Needs PostgreSQL (the worker process shares the test database) and `redis-server`.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from notifications.models import EmailStatus, Notification

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 60


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class TemporaryRedis:
    """A redis-server of the test's own, started and stopped on the same port."""

    def __init__(self, workdir: Path):
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        import redis

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping()
                return
            except Exception:
                time.sleep(0.1)
        raise RuntimeError("temporary redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def temp_redis(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    if connection.vendor != "postgresql":
        pytest.skip("the worker process needs the PostgreSQL test database (the suite runs on SQLite)")
    server = TemporaryRedis(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def broker(temp_redis, settings):
    """Point this process's Celery app (the publisher) and /healthz at the temporary Redis."""
    from config.celery_app import app

    keys = ("broker_url", "broker_read_url", "broker_write_url", "broker_transport_options")
    saved = {key: app.conf[key] for key in keys}
    settings.REDIS_URL = temp_redis.url
    # broker_write_url is what the publisher reads (it was resolved from the settings already).
    app.conf.update(
        broker_url=temp_redis.url,
        broker_read_url=temp_redis.url,
        broker_write_url=temp_redis.url,
        broker_transport_options={"visibility_timeout": 3600},
    )
    app._pool = None  # drop connections made to the previous broker
    app.amqp._producer_pool = None
    assert app.connection_for_write().as_uri(include_password=True) == temp_redis.url
    yield temp_redis
    app.conf.update(saved)
    app._pool = None
    app.amqp._producer_pool = None


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{quote(db['USER'] or '')}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def _start_worker(tmp_path: Path, redis_url: str) -> tuple[subprocess.Popen, Path, Path]:
    outbox = tmp_path / "outbox"
    outbox.mkdir(exist_ok=True)
    (tmp_path / "outage_worker_settings.py").write_text(
        "from config.settings.local import *  # noqa\n"
        "EMAIL_BACKEND = 'django.core.mail.backends.filebased.EmailBackend'\n"
        f"EMAIL_FILE_PATH = {str(outbox)!r}\n"
        "DEBUG = False\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO)]),
        "DJANGO_SETTINGS_MODULE": "outage_worker_settings",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": redis_url,
    }
    log_path = tmp_path / "worker.log"
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
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--hostname",
            f"outage-{os.getpid()}@%h",
        ],
        cwd=REPO,
        env=env,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return process, outbox, log_path


def _stop_worker(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _sweep_later(minutes: int = 11) -> int:
    """Run beat's outbox sweep as if its next run came after the rows turned stale."""
    from notifications.tasks import requeue_stale_emails

    with time_machine.travel(timezone.now() + dt.timedelta(minutes=minutes), tick=True):
        return requeue_stale_emails()


def test_redis_outage_pages_serve_and_emails_wait_then_go_out_once(client, world, broker, tmp_path):
    issue = world.hand_off()  # before the outage: Redis was never started, so its emails wait too
    client.force_login(world.leader)

    # --- Redis down ---------------------------------------------------------------------------
    for path in ("/", "/issues/", f"/issues/{issue.pk}/", "/notifications/", "/projects/"):
        assert client.get(path).status_code == 200, path
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json() == {"database": "ok", "redis": "down", "status": "degraded"}

    started = time.monotonic()
    response = client.post(
        f"/issues/{issue.pk}/act/instruct/",
        {"instruct-expected_version": issue.version, "instruct-text": "请于本周内完成整改并报告。"},
    )
    elapsed = time.monotonic() - started
    assert response.status_code == 302, response.content.decode()[:2000]
    assert elapsed < 10, f"a write took {elapsed:.1f}s with the broker down"

    waiting = Notification.objects.filter(email_status=EmailStatus.PENDING).exclude(recipient__email="")
    waiting_ids = set(waiting.values_list("pk", flat=True))
    assert len(waiting_ids) >= 3  # the hand-off and the instruction, to the liaison and the inspector
    assert set(Notification.objects.filter(pk__in=waiting_ids).values_list("email_attempts", flat=True)) == {0}

    # --- Redis back ---------------------------------------------------------------------------
    broker.start()
    assert client.get("/healthz").json() == {"database": "ok", "redis": "ok", "status": "ok"}
    worker, outbox, log_path = _start_worker(tmp_path, broker.url)
    try:
        assert _sweep_later() == len(waiting_ids)
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline and worker.poll() is None:
            statuses = set(Notification.objects.filter(pk__in=waiting_ids).values_list("email_status", flat=True))
            if statuses == {EmailStatus.SENT}:
                break
            time.sleep(0.5)
        log = log_path.read_text(errors="replace")
        rows = list(Notification.objects.filter(pk__in=waiting_ids))
        assert {row.email_status for row in rows} == {EmailStatus.SENT}, log[-4000:]
        assert {row.email_attempts for row in rows} == {1}

        # A second sweep (and its worker run) finds nothing: each email went out once.
        assert _sweep_later(minutes=30) == 0
        time.sleep(2)
        mails = [path.read_text(errors="replace") for path in outbox.iterdir()]
        sent = sum(text.count("\nTo: ") for text in mails)
        assert sent == len(waiting_ids), log[-4000:]
        assert {row.email_attempts for row in Notification.objects.filter(pk__in=waiting_ids)} == {1}
    finally:
        _stop_worker(worker)
