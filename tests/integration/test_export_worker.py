"""A ledger export asked for as a user asks (the service queues the task on commit) is built by a
real Celery worker on Redis against the PostgreSQL test database: the job ends done with its rows
counted, the file sits in the shared media folder, and the owner's inbox holds the download link."""

from __future__ import annotations

import time

import pytest

from notifications.models import Notification, NotificationKind
from reports.export_jobs import export_job_create
from reports.models import ExportJob, ExportKind, ExportState
from tests.integration.test_celery_worker import TIMEOUT, worker  # noqa: F401 - the worker fixture

pytestmark = pytest.mark.services


@pytest.fixture
def shared_media(settings, monkeypatch):
    """The worker writes where this process reads: its DUDAO_MEDIA_ROOT is this test's media."""
    monkeypatch.setenv("DUDAO_MEDIA_ROOT", str(settings.MEDIA_ROOT))
    return settings.MEDIA_ROOT


@pytest.mark.django_db(transaction=True)
def test_a_ledger_export_is_built_by_a_real_worker(client, world, shared_media, worker):  # noqa: F811
    for index in range(30):
        world.hand_off(title=f"后台导出{index}")
    job = export_job_create(user=world.leader, kind=ExportKind.LEDGER_XLSX, query="q=后台导出")

    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline and worker["process"].poll() is None:
        job.refresh_from_db()
        if job.finished:
            break
        time.sleep(0.3)
    log = worker["log"].read_text(errors="replace")
    assert job.state == ExportState.DONE, f"job {job.state} {job.failure_reason}; worker log:\n{log[-4000:]}"
    assert (job.rows_done, job.rows_total) == (30, 30)
    assert "reports.tasks.run_export_job" in log
    message = Notification.objects.get(kind=NotificationKind.EXPORT_READY, target_id=job.pk)
    assert message.recipient == world.leader and message.url.endswith(f"/exports/{job.pk}/download/")
    client.force_login(world.leader)
    content = b"".join(client.get(message.url).streaming_content)
    assert content[:2] == b"PK" and len(content) == job.size_bytes
    client.force_login(world.inspector)
    assert client.get(message.url).status_code == 404
    assert ExportJob.objects.get(pk=job.pk).events.count() == 3
