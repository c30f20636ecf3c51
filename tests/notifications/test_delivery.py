"""Email delivery: claim, send, record; retries with backoff on SMTP errors; exactly one email."""

from __future__ import annotations

import datetime as dt
import smtplib
from unittest import mock

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone

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
def test_the_task_retries_with_exponential_backoff_on_connection_errors(row):
    """The mail server refuses every connection: the task really runs eight times, waiting 30 s,
    60 s, 120 s … between attempts (full jitter draws up to that bound; pinned to the bound here),
    then gives up with the error recorded on the row for the sweep."""
    sends = []

    def refused(self, messages):
        sends.append(messages)
        raise ConnectionRefusedError("[Errno 111] Connection refused")

    with (
        mock.patch.object(EmailBackend, "send_messages", refused),
        mock.patch("celery.utils.time.random.randrange", side_effect=lambda stop: stop - 1),
        mock.patch.object(deliver_email, "retry", wraps=deliver_email.retry) as retry,
    ):
        result = deliver_email.apply(args=[row.pk])
    assert result.failed() and isinstance(result.result, ConnectionRefusedError)
    waits = [call.kwargs["countdown"] for call in retry.call_args_list]
    # Seven waits between eight attempts; after the eighth, retry() finds none left and re-raises.
    assert waits[:-1] == [30, 60, 120, 240, 480, 960, 1920] and len(waits) == 8
    assert len(sends) == 8
    row.refresh_from_db()
    assert row.email_status == EmailStatus.FAILED and row.email_attempts == 8
    assert "Connection refused" in row.email_error
    assert mail.outbox == []


@pytest.mark.django_db
def test_the_retry_waits_are_jittered_below_the_exponential_bound(row):
    with (
        mock.patch.object(EmailBackend, "send_messages", side_effect=smtplib.SMTPServerDisconnected("closed")),
        mock.patch.object(deliver_email, "retry", wraps=deliver_email.retry) as retry,
    ):
        deliver_email.apply(args=[row.pk])
    waits = [call.kwargs["countdown"] for call in retry.call_args_list]
    assert len(waits) == 8 and len(set(waits)) > 1
    assert all(0 <= wait <= 30 * 2**attempt for attempt, wait in enumerate(waits))


class WorkerKilled(BaseException):
    """What SIGKILL looks like from inside: no except clause of the task runs."""


@pytest.mark.django_db
def test_the_message_id_is_stored_before_the_send_and_reused_after_a_crash(row):
    """The worker dies after the mail server accepted the message, before the row is marked sent:
    the re-send carries the Message-ID the first claim stored, so the duplicate can be dropped."""
    accepted = []

    def accept_then_die(self, messages):
        [message] = messages
        stored = Notification.objects.get(pk=row.pk).email_message_id
        accepted.append((message.message()["Message-ID"], stored))
        raise WorkerKilled

    with mock.patch.object(EmailBackend, "send_messages", accept_then_die):
        with pytest.raises(WorkerKilled):
            notification_deliver_email(notification_id=row.pk, worker="celery@web-1")
    [(sent_id, stored_before_send)] = accepted
    assert sent_id and sent_id == stored_before_send  # on the row before the server saw it
    row.refresh_from_db()
    assert row.email_status == EmailStatus.SENDING and row.email_claimed_by == "celery@web-1"

    # the claim is found dead (here: it aged past STALE_CLAIM) and the row is sent again
    Notification.objects.filter(pk=row.pk).update(email_claimed_at=timezone.now() - dt.timedelta(minutes=16))
    assert notification_deliver_email(notification_id=row.pk) == "sent"
    [resent] = mail.outbox
    assert resent.message()["Message-ID"] == sent_id
    row.refresh_from_db()
    assert row.email_message_id == sent_id and row.email_attempts == 2


@pytest.mark.django_db
def test_each_notification_gets_its_own_message_id(world, row):
    [other] = notify(
        kind=NotificationKind.OVERDUE,
        target=Target(type="issue", id=8, url="/issues/8/"),
        recipients=[world.lead_liaison],
        period="2026-06-10",
        title="另一问题",
    )
    notification_deliver_email(notification_id=row.pk)
    notification_deliver_email(notification_id=other.pk)
    ids = [message.message()["Message-ID"] for message in mail.outbox]
    assert len(set(ids)) == 2
    assert set(ids) == set(
        Notification.objects.filter(pk__in=[row.pk, other.pk]).values_list("email_message_id", flat=True)
    )


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


def _make(world, period: str) -> Notification:
    [notification] = notify(
        kind=NotificationKind.OVERDUE,
        target=Target(type="issue", id=1, url="/issues/1/"),
        recipients=[world.lead_liaison],
        period=period,
        title="t",
    )
    return notification


@pytest.mark.django_db
def test_a_worker_that_comes_back_requeues_pending_mail_at_once(world):
    """No ten-minute wait: a young pending row (its task lost with the broker), a failed row with
    attempts left, and this node's claim from before its restart are queued at once. Another node's
    claim, a claim made since the start, and rows out of attempts or sent are left alone."""
    from notifications.tasks import requeue_emails_now

    started = timezone.now()
    before = started - dt.timedelta(minutes=2)
    pending, failed, mine_dead, mine_live, theirs, spent, sent = (_make(world, p) for p in "abcdefg")
    sending = {"email_status": EmailStatus.SENDING, "email_message_id": "<x@dudao>"}
    Notification.objects.filter(pk=failed.pk).update(email_status=EmailStatus.FAILED, email_attempts=2)
    Notification.objects.filter(pk=mine_dead.pk).update(
        **sending, email_claimed_by="celery@w1", email_claimed_at=before
    )
    Notification.objects.filter(pk=mine_live.pk).update(
        **sending, email_claimed_by="celery@w1", email_claimed_at=started
    )
    Notification.objects.filter(pk=theirs.pk).update(**sending, email_claimed_by="celery@w2", email_claimed_at=before)
    Notification.objects.filter(pk=spent.pk).update(email_status=EmailStatus.FAILED, email_attempts=8)
    Notification.objects.filter(pk=sent.pk).update(email_status=EmailStatus.SENT)

    with mock.patch("notifications.tasks.deliver_emails.delay") as queue:
        assert requeue_emails_now(worker="celery@w1", started_at=started.isoformat()) == 3
    [[queued], _kwargs] = queue.call_args
    assert queued == [pending.pk, failed.pk, mine_dead.pk]
    mine_dead.refresh_from_db()
    assert mine_dead.email_status == EmailStatus.PENDING and mine_dead.email_message_id == "<x@dudao>"
    assert Notification.objects.get(pk=mine_live.pk).email_status == EmailStatus.SENDING
    assert Notification.objects.get(pk=theirs.pk).email_status == EmailStatus.SENDING


@pytest.mark.django_db
def test_the_worker_ready_signal_queues_the_requeue_with_the_nodes_name():
    from celery.signals import worker_ready

    class Consumer:
        hostname = "celery@w1"

    with mock.patch("notifications.tasks.requeue_emails_now.delay") as delay:
        worker_ready.send(sender=Consumer())
    delay.assert_called_once()
    assert delay.call_args.kwargs["worker"] == "celery@w1"
    assert dt.datetime.fromisoformat(delay.call_args.kwargs["started_at"]) <= dt.datetime.now(dt.UTC)


def test_a_broker_that_comes_back_requeues_pending_mail_but_the_first_connection_does_not():
    from types import SimpleNamespace

    from config.celery_app import app
    from notifications.tasks import RequeueEmailsOnReconnect

    assert RequeueEmailsOnReconnect in app.steps["consumer"]
    step = RequeueEmailsOnReconnect.__new__(RequeueEmailsOnReconnect)
    with mock.patch("notifications.tasks.requeue_emails_now.delay") as delay:
        step.start(SimpleNamespace(restart_count=0))  # the worker's own start: worker_ready does it
        assert not delay.called
        step.start(SimpleNamespace(restart_count=1))  # the consumer reconnected after an outage
    delay.assert_called_once_with()
