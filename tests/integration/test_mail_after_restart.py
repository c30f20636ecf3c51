"""A worker that comes back sends stranded mail at once (issue 14, finding 13), through a real
Celery worker on the real Redis and PostgreSQL: before it starts, one email's task was lost (the
row is pending, two minutes old — the quarter-hourly sweep would leave it for eight more) and one
was being sent by this same node when it was killed (its claim is a minute old — the sweep would
wait fifteen). Both go out within seconds of the worker being ready, the second under the
Message-ID its first claim recorded."""

from __future__ import annotations

import datetime as dt
import os
import socket
import time

import pytest
from django.utils import timezone

from notifications.models import EmailStatus, Notification, NotificationKind
from notifications.services import Target, notify
from tests.integration.test_celery_worker import TIMEOUT, worker  # noqa: F401  (the real worker fixture)

pytestmark = pytest.mark.services


@pytest.fixture
def stranded(world):
    """Rows left behind by the previous life of the worker the `worker` fixture then starts."""
    rows = []
    for period in ("lost-task", "killed-mid-send"):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr("notifications.services.queue_pending_emails", lambda ids: None)  # the lost publish
            [row] = notify(
                kind=NotificationKind.OVERDUE,
                target=Target(type="issue", id=7, url="/issues/7/"),
                recipients=[world.lead_liaison],
                period=period,
                title=f"问题 DD2026-00007 已超过整改时限（{period}）",
            )
        rows.append(row)
    now = timezone.now()
    Notification.objects.filter(pk=rows[0].pk).update(created_at=now - dt.timedelta(minutes=2))
    Notification.objects.filter(pk=rows[1].pk).update(
        email_status=EmailStatus.SENDING,
        email_claimed_at=now - dt.timedelta(minutes=1),
        email_claimed_by=f"dudao-test-{os.getpid()}@{socket.gethostname()}",  # the node name the fixture uses
        email_attempts=1,
        email_message_id="<killed-mid-send.7@dudao.test>",
    )
    return rows


@pytest.mark.django_db(transaction=True)
def test_a_restarted_worker_sends_stranded_mail_without_waiting_for_the_sweep(world, stranded, worker):  # noqa: F811
    lost, killed = stranded
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline and worker["process"].poll() is None:
        statuses = set(Notification.objects.filter(pk__in=[lost.pk, killed.pk]).values_list("email_status", flat=True))
        if statuses == {EmailStatus.SENT}:
            break
        time.sleep(0.5)
    log = worker["log"].read_text(errors="replace")
    for row in (lost, killed):
        row.refresh_from_db()
        assert row.email_status == EmailStatus.SENT, f"{row.period}: {row.email_status}; worker log:\n{log[-4000:]}"
    mails = {path.name: path.read_text(errors="replace") for path in worker["outbox"].iterdir()}
    everything = "".join(mails.values())
    assert "Message-ID: <killed-mid-send.7@dudao.test>" in everything
    assert f"Message-ID: {lost.email_message_id}" in everything
    assert killed.email_attempts == 2 and lost.email_attempts == 1
