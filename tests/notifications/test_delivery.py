"""Email delivery: claim, send, record; retries with backoff on SMTP errors; exactly one email."""

from __future__ import annotations

import smtplib
from unittest import mock

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from notifications.delivery import notification_deliver_email
from notifications.models import EmailStatus, Notification, NotificationKind
from notifications.services import Target, notify
from notifications.tasks import deliver_email


@pytest.fixture
def row(world) -> Notification:
    [notification] = notify(
        kind=NotificationKind.OVERDUE,
        target=Target(type="issue", id=7, url="/issues/7/"),
        recipients=[world.lead_liaison],
        period="2026-06-10",
        title="问题 DD2026-00007 已超过整改时限",
        body="请尽快整改。",
    )
    return notification


@pytest.mark.django_db
def test_smtp_failing_twice_then_succeeding_delivers_exactly_one_email(row, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    real_send = EmailBackend.send_messages
    calls = {"n": 0}

    def flaky(self, messages):
        calls["n"] += 1
        if calls["n"] <= 2:
            raise smtplib.SMTPServerDisconnected("connection unexpectedly closed")
        return real_send(self, messages)

    with (
        mock.patch.object(EmailBackend, "send_messages", flaky),
        mock.patch.object(deliver_email, "retry", wraps=deliver_email.retry) as retry,
    ):
        result = deliver_email.apply(args=[row.pk])
    assert result.get() == "sent"
    assert calls["n"] == 3
    assert retry.call_count == 2
    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert row.email_status == EmailStatus.SENT
    assert row.email_attempts == 3
    assert row.email_sent_at is not None and row.email_error == ""
    # A duplicate task (redelivery, the stale-email sweep) finds nothing to claim.
    assert deliver_email.apply(args=[row.pk]).get() == "not-claimed"
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_the_task_retries_with_exponential_backoff_on_connection_errors():
    assert deliver_email.autoretry_for and smtplib.SMTPException in deliver_email.autoretry_for
    assert ConnectionError in deliver_email.autoretry_for
    assert deliver_email.retry_backoff and deliver_email.max_retries >= 3
    assert deliver_email.acks_late


@pytest.mark.django_db
def test_a_failure_is_recorded_on_the_row(row):
    with mock.patch.object(EmailBackend, "send_messages", side_effect=ConnectionRefusedError("refused")):
        with pytest.raises(ConnectionRefusedError):
            notification_deliver_email(notification_id=row.pk)
    row.refresh_from_db()
    assert row.email_status == EmailStatus.FAILED
    assert "refused" in row.email_error
    assert row.email_attempts == 1
    assert notification_deliver_email(notification_id=row.pk) == "sent"


@pytest.mark.django_db
def test_the_email_is_chinese_with_subject_text_html_and_a_link(row, settings):
    settings.DUDAO_BASE_URL = "https://dudao.example.gov.cn"
    notification_deliver_email(notification_id=row.pk)
    [message] = mail.outbox
    assert message.subject == "【督导·整改逾期】问题 DD2026-00007 已超过整改时限"
    assert message.to == ["lead_liaison@example.gov.cn"]
    assert "刘联络员，您好" in message.body
    assert "https://dudao.example.gov.cn/issues/7/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and 'href="https://dudao.example.gov.cn/issues/7/"' in html


@pytest.mark.django_db
def test_opted_out_or_no_address_is_skipped_but_the_inbox_row_exists(world):
    from notifications.models import EmailPreference

    EmailPreference.objects.create(user=world.inspector, kind=NotificationKind.OVERDUE, email_enabled=False)
    world.leader.email = ""
    world.leader.save()
    rows = notify(
        kind=NotificationKind.OVERDUE,
        target=Target(type="issue", id=1, url="/issues/1/"),
        recipients=[world.inspector, world.leader, world.lead_liaison],
        period="p",
        title="t",
    )
    status = {row.recipient.username: row.email_status for row in rows}
    assert status == {"inspector": "skipped", "leader": "skipped", "lead_liaison": "pending"}
    again = notify(
        kind=NotificationKind.OVERDUE,
        target=Target(type="issue", id=1, url="/issues/1/"),
        recipients=[world.inspector, world.leader, world.lead_liaison],
        period="p",
        title="t",
    )
    assert again == []


@pytest.mark.django_db(transaction=True)
def test_emails_are_queued_only_after_commit(world):
    from django.db import transaction

    with mock.patch("notifications.tasks.deliver_email.delay") as delay:
        with transaction.atomic():
            [row] = notify(
                kind=NotificationKind.OVERDUE,
                target=Target(type="issue", id=1, url="/issues/1/"),
                recipients=[world.lead_liaison],
                period="p",
                title="t",
            )
            assert not delay.called
        delay.assert_called_once_with(row.pk)


@pytest.mark.django_db
def test_the_safety_net_requeues_only_lost_emails(world):
    import datetime as dt

    import time_machine
    from django.utils import timezone

    from notifications.tasks import requeue_stale_emails

    def make(period: str) -> Notification:
        [row] = notify(
            kind=NotificationKind.OVERDUE,
            target=Target(type="issue", id=1, url="/issues/1/"),
            recipients=[world.lead_liaison],
            period=period,
            title="t",
        )
        return row

    old_pending, sent, failed_out = make("a"), make("b"), make("c")
    Notification.objects.filter(pk=sent.pk).update(email_status=EmailStatus.SENT)
    Notification.objects.filter(pk=failed_out.pk).update(
        email_status=EmailStatus.FAILED, email_attempts=8, email_claimed_at=timezone.now()
    )
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=11), tick=False):
        fresh_pending = make("d")
        with mock.patch("notifications.tasks.deliver_email.delay") as delay:
            assert requeue_stale_emails() == 1
    delay.assert_called_once_with(old_pending.pk)
    fresh_pending.refresh_from_db()
    assert fresh_pending.email_status == EmailStatus.PENDING
