"""Sending one notification's email: claim the row, send, record the outcome on the row.

What is promised, exactly: a notification is mailed AT LEAST once and, outside one narrow window,
at most once. A conditional UPDATE claims the row before any send, so two workers (a redelivered
task, the sweep, a worker that came back) never send it side by side, and a sent row is never
claimed again. The window left: a worker that dies after the mail server accepted the message and
before the UPDATE that marks the row sent (the SMTP QUIT plus one UPDATE) leaves the row "sending";
once its claim is known dead (STALE_CLAIM, or at once when that worker starts again) the row is sent
again. That second copy carries the same Message-ID, chosen and stored by the first claim before
the first send, so a mail server or client that drops duplicates by Message-ID shows it once.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import make_msgid
from django.core.mail.utils import DNS_NAME
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, NullIf
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string, select_template
from django.utils import timezone, translation

from notifications.models import EmailStatus, Notification

# A claim older than this belongs to a worker that died mid-task (the task hard time limit is
# 5 minutes), so the row may be claimed again.
STALE_CLAIM = dt.timedelta(minutes=15)


class EmailNotClaimed(Exception):
    pass


def _claimable() -> Q:
    return Q(email_status__in=[EmailStatus.PENDING, EmailStatus.FAILED]) | Q(
        email_status=EmailStatus.SENDING, email_claimed_at__lt=timezone.now() - STALE_CLAIM
    )


def _template(kind: str, part: str) -> str:
    """Per-kind template if there is one (notifications/email/<kind>_<part>), else the generic one."""
    names = [f"notifications/email/{kind}_{part}", f"notifications/email/{part}"]
    try:
        return select_template(names).template.name
    except TemplateDoesNotExist:  # pragma: no cover - the generic triple ships with the app
        raise


def render_email(notification: Notification) -> EmailMultiAlternatives:
    context = {
        "notification": notification,
        "recipient": notification.recipient,
        "kind_label": notification.get_kind_display(),
        "link": f"{settings.DUDAO_BASE_URL.rstrip('/')}{notification.url}" if notification.url else "",
        "inbox_link": f"{settings.DUDAO_BASE_URL.rstrip('/')}/notifications/",
    }
    # Emails go out from a worker, outside any request: Chinese is the users' language.
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string(_template(notification.kind, "subject.txt"), context)
        text = render_to_string(_template(notification.kind, "body.txt"), context)
        html = render_to_string(_template(notification.kind, "body.html"), context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split())[:250],
        body=text,
        to=[notification.recipient.email],
        # The row's own id, the same on every re-send (see the module docstring).
        headers={"Message-ID": notification.email_message_id} if notification.email_message_id else None,
    )
    message.attach_alternative(html, "text/html")
    return message


def notification_deliver_email(*, notification_id: int, worker: str = "") -> str:
    """Claim, send, record: a conditional UPDATE claims the row (a second worker finds nothing to
    claim) and, on the first claim, stores the Message-ID every send of this row will carry. A
    failure is recorded on the row (status failed, error, attempts) and re-raised so the task
    retries with backoff; the retry claims the failed row again. `worker` is the Celery node name,
    recorded with the claim so that node's next start can release it (requeue_after_restart)."""
    claimed = Notification.objects.filter(_claimable(), pk=notification_id).update(
        email_status=EmailStatus.SENDING,
        email_claimed_at=timezone.now(),
        email_claimed_by=worker[:200],
        email_attempts=F("email_attempts") + 1,
        email_message_id=Coalesce(NullIf(F("email_message_id"), Value("")), Value(make_msgid(domain=DNS_NAME))),
    )
    if not claimed:
        return "not-claimed"
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    if not notification.recipient.email:
        Notification.objects.filter(pk=notification_id).update(email_status=EmailStatus.SKIPPED)
        return "skipped"
    try:
        render_email(notification).send()
    except Exception as error:  # recorded on the row, then re-raised for the task's retry
        Notification.objects.filter(pk=notification_id, email_status=EmailStatus.SENDING).update(
            email_status=EmailStatus.FAILED, email_error=f"{type(error).__name__}: {error}"[:2000]
        )
        raise
    Notification.objects.filter(pk=notification_id).update(
        email_status=EmailStatus.SENT, email_sent_at=timezone.now(), email_error=""
    )
    return "sent"


def stale_email_ids(*, older_than: dt.timedelta, max_attempts: int) -> list[int]:
    """Rows whose delivery task was lost (broker down at commit, worker killed, retries used up
    while the mail server was down for hours) — the safety net re-queues them."""
    cutoff = timezone.now() - older_than
    return list(
        Notification.objects.filter(
            Q(email_status=EmailStatus.PENDING, created_at__lt=cutoff)
            | Q(email_status=EmailStatus.FAILED, email_attempts__lt=max_attempts, email_claimed_at__lt=cutoff)
            | Q(email_status=EmailStatus.SENDING, email_claimed_at__lt=timezone.now() - STALE_CLAIM)
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:5000]
    )


def requeue_after_restart(*, worker: str, started_at: dt.datetime | None, max_attempts: int) -> list[int]:
    """A worker (or its broker connection) is back: the ids to queue at once rather than at the next
    sweep. Every pending row, whatever its age (its task may be lost with the broker's data or the
    web's publish may have failed), and failed rows with attempts left (their retry waited in a
    worker's memory). With `worker`, the claims that node made before `started_at` — an earlier life
    of the same node, now dead — are released first: the worker holding them is gone for certain,
    so there is no need to wait STALE_CLAIM. Queuing a row twice is harmless: the claim decides."""
    if worker and started_at is not None:
        Notification.objects.filter(
            email_status=EmailStatus.SENDING, email_claimed_by=worker, email_claimed_at__lt=started_at
        ).update(email_status=EmailStatus.PENDING, email_error="worker lost mid-send; re-sent with the same Message-ID")
    return list(
        Notification.objects.filter(
            Q(email_status=EmailStatus.PENDING) | Q(email_status=EmailStatus.FAILED, email_attempts__lt=max_attempts)
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:5000]
    )
